"""The one Streamlit-facing helper module: the page registry, page headers, and every URL-bound control.

Why a top-level module: `lib/` must never import Streamlit, and `pages/` holds only pages, so the shared widget
code that all pages use lives here (as `utils.py` does in Streamlit's own Hello app).

URL binding is owned here and nowhere else. Each control is a Streamlit widget with ``bind="query-params"``, keyed
by its URL parameter name, so a shared link reproduces the view. Streamlit silently drops a URL value it cannot use
(garbage, out of range, unknown option) and falls back to the default; :class:`Page` compares the raw value in the
link with what the widget ended up holding and shows a visible notice when they differ. Text from a link, a file
or a cell is only ever shown inside a code span (:func:`code_span`) or escaped (:func:`literal`), never as Markdown,
LaTeX or HTML.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from lib import charts, claims
from ui import tuning

_ROOT = Path(__file__).parent.parent  # the repository: ui/ is one level down


@dataclass(frozen=True)
class PageInfo:
    path: str
    title: str
    icon: str
    section: str
    blurb: str


PAGES = (
    PageInfo("pages/home.py", "Home", ":material/home:", "Learn",
             "What binary cross-entropy is, in one slider."),
    PageInfo("pages/loss_curves.py", "Loss explorer", ":material/show_chart:", "Learn",
             "Set labels and predictions and see each term of the loss, one sample or a whole table."),
    PageInfo("pages/confident_mistakes.py", "Confident mistakes", ":material/warning:", "Learn",
             "Why a confident mistake costs so much, how other losses compare, and what frameworks report."),
    PageInfo("pages/gradient_descent.py", "Gradient descent", ":material/model_training:", "Train",
             "Watch logistic regression learn by minimizing BCE, step by step, on toy data."),
    PageInfo("pages/derivation.py", "Where the loss comes from", ":material/functions:", "Go deeper",
             "From a coin toss to BCE by maximum likelihood; entropy and KL divergence."),
    PageInfo("pages/multiclass.py", "Many classes", ":material/stacked_bar_chart:", "Go deeper",
             "Softmax and categorical cross-entropy; with two classes it is exactly BCE."),
    PageInfo("pages/calibration.py", "Honest probabilities", ":material/balance:", "Go deeper",
             "Why log loss rewards reporting what you believe, and what a calibrated probability is."),
    PageInfo("pages/live_class.py", "Live class", ":material/co_present:", "Teach",
             "Ask the whole class a question on their phones, show their answers, then reveal the right one."),
)


# One script run at a time in this process. Streamlit starts a thread per rerun; with 100 students those threads
# fight for the GIL, and the event loop -- which must start each new thread and pass every message on -- waits
# behind them (py-spy: about 70% of its samples inside Thread.start at 200 students), so the server tops out near
# 75% of its core while requests queue. Running scripts one after another keeps the loop free to serve: measured
# with `python -m tests.perf.load` (README, Performance), 100 students' p95 fell from 4.8 s to 1.2 s and the server
# reached 90% of its core. app.py holds this lock around page.run(), and a section's own rerun (``section``) holds
# it too; re-entrant, because a full run calls its sections inside page.run(). A single student never waits on it.
# Among the runs waiting, a working student's goes before an arriving browser's first run (RunLock): 200 students
# opening the link within 3 s, one core (tests.perf.load, README, Performance): p95 of the moves 163–320 ms over
# four runs against 1,004–1,770 ms in arrival order; the first pages' p95 stays ~6 s (the arrival is ~9 s of work).
class RunTooLong(Exception):
    """Raised at a page's next control or chart when its run has held the run lock past ``RunLock.RUN_TIME_LIMIT``."""


TOO_LONG = ("This view took too long to compute on a server shared by the whole class, so it was stopped. Try "
            "fewer points, fewer steps or fewer compared paths; your settings are kept in the link.")


def say_too_long() -> None:
    """The calm message of a run stopped by ``RunLock.RUN_TIME_LIMIT``, once per script run (a section that stops
    says it, and the page around it, stopping at its next control, does not say it again)."""
    if getattr(_ROUTER, "too_long_said", False):
        return
    _ROUTER.too_long_said = True
    st.info(TOO_LONG, icon=":material/hourglass_disabled:")


def _session_id():
    """The Streamlit session of this script run, or None outside one."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        return ctx.session_id if ctx is not None else None
    except Exception:
        return None


@dataclass
class _Waiter:
    thread: int
    session: object
    first_run: bool
    arrived: float
    handed: threading.Lock
    depth: int = 1     # the hold it takes back: a run that stepped aside (RunLock.checkpoint) returns at its depth
    held: float = 0.0  # and with the lock time its run has used so far (RunLock.check_time)


class RunLock:
    """A re-entrant lock for script runs that shares the server fairly between sessions.

    Which waiting run goes next:

    * reruns of sessions that have run before go before first runs — a class opening the link together brings a
      first run each (~45 ms of CPU on the heavier pages) — but a first run that has waited ``FIRST_RUN_PATIENCE``
      goes anyway, so an arriving student's page is late, never starved;
    * among reruns, round robin by session: the session served least recently goes first, so one student's
      stream of runs takes one turn per round, not the queue;
    * each session has a fair share of the lock's time, 1/k of it when k sessions have run in the last
      ``ACTIVE_WINDOW`` seconds but never below ``MIN_SHARE`` (a token bucket of ``BURST`` seconds): a session
      that has used more waits, even when the lock is free, until its share has grown back. A run holding the
      lock lets others in only at its checkpoints (below), so a heavy run still delays a move arriving during it
      by up to a quantum or a stretch without checkpoints; the share keeps those collisions rare. A student
      alone is never held back, and a class's students (~1% each: a 30 ms move every 2–5 s) stay under the
      floor however many there are;
    * a long run steps aside (:meth:`checkpoint`, at every control and chart and every few training steps): past
      ``QUANTUM`` of lock time, when a run of another session may go, it queues again as a rerun of its session
      (charged, its turn taken: last in the round) and comes back at the depth it held. So a move arriving during
      a heavy run waits a quantum, not the whole run. Only long runs do it — past ``LONG_RUN`` or of a session
      whose last run was — so a class's short moves are never cut up among themselves. The lock serialises CPU
      only (a run keeps its data in its own thread and the caches' values are computed once, :meth:`computing`),
      so a run may step aside anywhere it calls ``checkpoint``.

    A session has one script thread, so at most one run of it waits here; a newer request from its browser
    replaces that run (Streamlit restarts the thread's script when it next sends), keeping its place. The lock is
    handed over on release (no herd of woken threads). ``RUN_TIME_LIMIT`` bounds the lock time a run uses (not
    the time it waited after stepping aside): past it the run stops at its next checkpoint (:meth:`check_time`)
    with a calm message.
    """

    FIRST_RUN_PATIENCE = 8.0  # seconds a first run lets reruns go first
    ACTIVE_WINDOW = 10.0      # a session that ran this recently counts as active (shares the lock)
    BURST = 0.5               # seconds of lock time a session may use at once beyond its share
    MIN_SHARE = 0.05          # a session's share is never below this: a class's students use ~1% each
    RUN_TIME_LIMIT = 5.0      # seconds of lock time a run may use
    QUANTUM = 0.015           # seconds a long run holds the lock before it lets another session's run in
    LONG_RUN = 0.05           # a run is long past this much lock time (a page's budget for an interaction)

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._owner_session: object = None
        self._since = 0.0       # when the owner took the lock (or took it back after stepping aside)
        self._held_before = 0.0  # the owner's run's lock time before that
        self._depth = 0
        self._long: dict[object, bool] = {}     # session → whether its last run was long (checkpoint)
        self._computing: dict[object, tuple[int, threading.Event]] = {}  # value → the thread computing it
        self._waiters: list[_Waiter] = []
        self._served: dict[object, float] = {}   # session → when its last run ended (round robin)
        self._credit: dict[object, tuple[float, float]] = {}  # session → (seconds of credit, as of when)
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------ shares
    def _active(self, now: float) -> int:
        cutoff = now - self.ACTIVE_WINDOW
        for session in [k for k, t in self._served.items() if t < cutoff]:  # forget idle sessions (bounded)
            self._served.pop(session)
            self._credit.pop(session, None)
            self._long.pop(session, None)
        return max(1, len(self._served))

    def _share(self, active: int) -> float:
        return max(1.0 / active, self.MIN_SHARE)

    def _balance(self, session, now: float, active: int) -> float:
        credit, when = self._credit.get(session, (self.BURST, now))
        return min(self.BURST, credit + (now - when) * self._share(active))

    def _eligible_at(self, waiter: _Waiter, now: float, active: int) -> float:
        """When ``waiter``'s session may next take the lock: now, or when its share has grown back."""
        if active <= 1 or waiter.first_run:
            return now
        balance = self._balance(waiter.session, now, active)
        return now if balance >= 0 else now + (-balance) / self._share(active)

    # ------------------------------------------------------------ lock
    def acquire(self, blocking: bool = True, first_run: bool = False, session=None) -> bool:
        me = threading.get_ident()
        session = session if session is not None else (_session_id() or me)
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            now = time.monotonic()
            if self._owner is None and not self._waiters:
                active = self._active(now)
                probe = _Waiter(me, session, first_run, now, threading.Lock())
                if self._eligible_at(probe, now, active) <= now:
                    self._take(me, session, now)
                    return True
            if not blocking:
                return False
            waiter = _Waiter(me, session, first_run, now, threading.Lock())
            waiter.handed.acquire()
            self._waiters.append(waiter)
            if self._owner is None:
                self._dispatch(now)
        waiter.handed.acquire()  # released by _dispatch, which has made this thread the owner
        return True

    def _take(self, thread: int, session, now: float, depth: int = 1, held: float = 0.0) -> None:
        self._owner, self._owner_session, self._since, self._depth, self._held_before = \
            thread, session, now, depth, held

    def _charge(self, now: float) -> float:
        """Count the owner's lock time since it (re)took the lock against its session's share; its turn is now
        (round robin). Returns that time."""
        session, held = self._owner_session, now - self._since
        self._credit[session] = (self._balance(session, now, self._active(now)) - held, now)
        self._served[session] = now
        return held

    def _pick(self, now: float) -> tuple[_Waiter | None, float]:
        """The waiter to hand the lock to now, else (None, when the first one becomes eligible)."""
        active = self._active(now)
        firsts = [w for w in self._waiters if w.first_run]
        if firsts and now - firsts[0].arrived > self.FIRST_RUN_PATIENCE:
            return firsts[0], now
        reruns = [w for w in self._waiters if not w.first_run]
        soonest = math.inf
        # round robin: least recently served session first; arrival breaks ties (never served: arrival order)
        for w in sorted(reruns, key=lambda w: (self._served.get(w.session, -math.inf), w.arrived)):
            at = self._eligible_at(w, now, active)
            if at <= now:
                return w, now
            soonest = min(soonest, at)
        if firsts:
            return firsts[0], now
        return None, soonest

    def _dispatch(self, now: float) -> None:
        """With the mutex held and the lock free: hand it to the next waiter, or come back when one may have it."""
        waiter, when = self._pick(now)
        if waiter is not None:
            self._waiters.remove(waiter)
            self._take(waiter.thread, waiter.session, now, waiter.depth, waiter.held)
            waiter.handed.release()
        elif self._waiters and self._timer is None:
            self._timer = threading.Timer(max(0.0, when - now) + 0.001, self._wake)
            self._timer.daemon = True
            self._timer.start()

    def _wake(self) -> None:
        with self._mutex:
            self._timer = None  # this one has fired: _dispatch may set the next (else a waiter could wait forever)
            if self._owner is None and self._waiters:
                self._dispatch(time.monotonic())

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("RunLock released by a thread that does not hold it")
            self._depth -= 1
            if self._depth:
                return
            now = time.monotonic()
            session = self._owner_session
            self._long[session] = self._held_before + self._charge(now) > self.LONG_RUN
            self._owner = self._owner_session = None
            if self._waiters:
                self._dispatch(now)

    def check_time(self) -> None:
        """Raise :class:`RunTooLong` in the owning thread once its run has used ``RUN_TIME_LIMIT`` of lock time."""
        if self._owner == threading.get_ident() and \
                self._held_before + time.monotonic() - self._since > self.RUN_TIME_LIMIT:
            raise RunTooLong()

    def checkpoint(self) -> None:
        """A safe point of the owning thread's run (no shared data half-changed; at a control, a chart, every few
        training steps): past ``RUN_TIME_LIMIT`` raise :class:`RunTooLong`; else, if the run is long and has held
        the lock ``QUANTUM`` since it took it, and a waiting run of another session may go now, let that one go
        and come back in this session's next turn. Costs ~1 µs when it does not step aside."""
        me = threading.get_ident()
        if self._owner != me:
            return
        self.check_time()
        now = time.monotonic()
        if not self._waiters or now - self._since <= self.QUANTUM:
            return
        with self._mutex:
            back = self._step_aside(me, now)
        if back is not None:
            back.acquire()  # released by _dispatch, which has made this thread the owner again at its depth

    def _step_aside(self, me: int, now: float) -> threading.Lock | None:
        """With the mutex held, from ``checkpoint``: hand the lock to the waiter that goes next with this run
        queued again behind its session's turn; that waiter's lock to block on, or None to carry on."""
        session, held_before = self._owner_session, self._held_before
        if not (self._long.get(session) or held_before + now - self._since > self.LONG_RUN):
            return None  # a short run: cutting it up would only reorder a class's moves among themselves
        held = held_before + self._charge(now)
        self._since, self._held_before = now, held
        me_again = _Waiter(me, session, False, now, threading.Lock(), self._depth, held)  # a rerun, not a first
        self._waiters.append(me_again)
        waiter, _ = self._pick(now)
        if waiter is None or waiter is me_again:  # nobody else may go now: carry on
            self._waiters.remove(me_again)
            return None
        me_again.handed.acquire()
        self._waiters.remove(waiter)
        self._take(waiter.thread, waiter.session, now, waiter.depth, waiter.held)
        waiter.handed.release()
        return me_again.handed

    @contextlib.contextmanager
    def computing(self, value):
        """Around a shared cached computation whose body may step aside (:meth:`checkpoint`): a run that needs the
        same ``value`` meanwhile waits for it without the lock, then reads the cache. Streamlit's cache would make
        it wait for that value under the cache's own lock — holding this one there, it would keep the run that
        computes it from ever coming back. ``value`` must name values no finer than the cache tells them apart."""
        me = threading.get_ident()
        while True:
            with self._mutex:
                busy = self._computing.get(value)
                if busy is None:
                    done = threading.Event()
                    self._computing[value] = (me, done)
                    break
                if busy[0] == me:  # inside its own computation of it: the outer call finishes it
                    done = None
                    break
            self._wait_aside(busy[1])
        try:
            yield
        finally:
            if done is not None:
                with self._mutex:
                    del self._computing[value]
                done.set()

    def _wait_aside(self, event: threading.Event) -> None:
        """Wait for ``event`` without the lock (if this thread holds it), then take it back at the same depth."""
        me = threading.get_ident()
        with self._mutex:
            mine = self._owner == me
            if mine:
                now = time.monotonic()
                session, depth, held = self._owner_session, self._depth, self._held_before + self._charge(now)
                self._owner = self._owner_session = None
                if self._waiters:
                    self._dispatch(now)
        event.wait()
        if mine:
            self.acquire(session=session)
            with self._mutex:
                self._depth, self._held_before = depth, held

    def nested(self) -> bool:
        """Whether this thread holds the lock more than once (a section inside its page's full run)."""
        return self._owner == threading.get_ident() and self._depth > 1

    def waiting(self) -> tuple[int, int]:
        """How many reruns and first runs wait."""
        with self._mutex:
            firsts = sum(w.first_run for w in self._waiters)
            return len(self._waiters) - firsts, firsts

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @contextlib.contextmanager
    def held(self, first_run: bool = False):
        self.acquire(first_run=first_run)
        try:
            yield self
        finally:
            self.release()


RUN_LOCK = RunLock()
SEEN = "_log_loss_lab_seen"  # in a session's state once its first run has begun (app.py)


FRIENDLY_ERROR = ("Something went wrong on this page — sorry. Your settings are kept in the link: try another value, "
                  "reload, or open another page. The details were written to the server's log.")


def report_failure(what: str) -> None:
    """Inside an ``except`` block: the calm message where the failure happened, the traceback in the server's log.

    A bug must not show a student a traceback; app.py calls it for a page, ``section`` for a section.
    """
    logging.getLogger("log_loss_lab").exception("%s failed", what)
    st.error(FRIENDLY_ERROR, icon=":material/sentiment_dissatisfied:")


def section(func):
    """A part of a page that reruns alone when one of its own controls changes (``st.fragment``).

    Only that part's code runs and only its elements are sent again: measured on Honest probabilities' first
    section, 14 ms of server CPU per interaction instead of 44 (README, Performance). What a section returns
    reaches the code after it only in a full run: a section whose control changes such a value must rerun the page
    (``st.rerun()``), as the loss explorer's units do. It runs under ``RUN_LOCK`` like a whole page. Nothing on
    screen goes stale: the share link is built when it is asked for (``Page.done``), and link-value notices are
    written only in full runs (``Page._check``).
    """
    @functools.wraps(func)
    def one_at_a_time(*args, **kwargs):
        if not getattr(_ROUTER, "active", False):  # the section's own rerun: a run of its own for say_too_long
            _ROUTER.too_long_said = False
        with RUN_LOCK:
            try:
                return func(*args, **kwargs)
            except RunTooLong:
                say_too_long()
                return None
            except Exception:  # as app.py does for a page: a calm message here, the details in the log
                report_failure(f"section {func.__name__!r}")
                return None

    return st.fragment(one_at_a_time)


def _short(text: str, limit: int = 40) -> str:
    """Untrusted text on one line (no backticks, no line breaks), bounded length."""
    text = " ".join(str(text).replace("`", "'").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str, limit: int = 300) -> str:
    """Untrusted text (from a link, a file or a cell) for any message that Streamlit renders as Markdown: shown
    as typed, never as a link, emphasis, math, an icon or HTML.

    CommonMark shows a backslash-escaped ASCII punctuation character as itself, so escaping every one of them
    disarms every construct: ``[x](url)``, ``**b**``, ``$…$`` (KaTeX), ``<img …>``, ``:material/…:``, ``:red[…]``,
    and GFM's bare ``www.``/``http://`` autolinks. Line breaks become spaces (no block can start), and the text is
    cut to ``limit`` characters before escaping (an escape is never split).

    >>> print(literal("[x](y) **B0LD**"))
    \\[x\\]\\(y\\) \\*\\*B0LD\\*\\*
    """
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


def code_span(text: str, limit: int = 40) -> str:
    """Untrusted text as a Markdown code span (a value quoted in a message): CommonMark shows a code span's content
    as typed and processes no escapes in it, so only a backtick, which would end it, is replaced."""
    return f"`{_short(text, limit)}`"


def fmt(x: float, digits: int = 4) -> str:
    """A number for people: ∞ for infinity, significant digits, scientific notation when tiny or huge
    (``lib.claims.num``, so a page's numbers and its sentences are written alike)."""
    return claims.num(x, digits)


def table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> None:
    """A small table of this app's own numbers and labels as Markdown (an HTML table: read by screen readers,
    copied as text), columns from ``numeric_from`` on aligned right. Not for user text, which is never rendered as
    Markdown. Instead of ``st.dataframe`` of a pandas frame: py-spy put ~12% of the loss explorer's slider
    interaction into building and Arrow-converting its four-row framework table."""
    def cell(text: str) -> str:
        return str(text).replace("\\", "\\\\").replace("|", "\\|")

    align = ["---" if i < numeric_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    st.markdown("\n".join(lines))


def tex_num(x: float, digits: int = 4) -> str:
    """A number for st.latex: \\infty, and a × 10^{k} form for tiny or huge values (``lib.claims.tex_num``)."""
    return claims.tex_num(x, digits)


# Every page: static CSS (no user text). Metric values and labels wrap instead of being cut to "0.1…"; formulas are
# set smaller on a phone (long ones are split into lines there, Page.latex). A hidden control leaves no slot (nor does
# a wrapper or row holding only hidden ones); a locked one keeps the theme's text colour (Streamlit fades disabled
# widgets to 2.4–2.6:1) and says "Set by your teacher" under it. The live class's answer choices are thumb-sized
# rows (pages/live_class.py puts them in a box keyed "live-answer"). On a phone a table (st.dataframe, st.data_editor)
# keeps room above it for its toolbar, which Streamlit draws 44 px above the table: in the 16 px gap it lay over the
# "Start from" dropdown's arrow and a chart's axis title (its add-row, search and download stay reachable).
_BASE_CSS = """<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere; }
.katex-display { overflow: visible !important; }
@media (max-width: 640px) { .katex-display { font-size: 0.78em; } }
[class*="st-key-hidden-ctl-"] { display: none !important; }
:has(> [class*="st-key-hidden-ctl-"]):not(:has(> :not([class*="st-key-hidden-ctl-"]))) { display: none !important; }
[class*="st-key-locked-ctl-"], [class*="st-key-locked-ctl-"] * { opacity: 1 !important; }
[class*="st-key-locked-ctl-"] :is(p, label, span, input, div[data-baseweb="select"] div,
  [data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"]) {
  color: inherit !important; -webkit-text-fill-color: currentColor !important; }
[class*="st-key-locked-ctl-"]::after { content: "🔒 Set by your teacher"; display: block; font-size: 0.85rem;
  margin-top: 0.2rem; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 640px) { [data-testid="stMarkdownContainer"] table { font-size: 0.85em; } }
@media (max-width: 640px) { [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"]
  > [data-testid="stDataFrame"]) { margin-top: 1.75rem; } }
.st-key-live-answer [role="radiogroup"] label { padding: 0.55rem 0.25rem; min-height: 44px; align-items: center; }
.st-key-live-answer [role="radiogroup"] label p { font-size: 1.15rem; }
</style>"""

# Presentation mode: static CSS (no user text), readable from the back of a room at 1280×720. The top padding
# clears Streamlit's header bar (60 px), which would otherwise cover half of the title. A long page name in the
# sidebar wraps instead of being cut ("Where the loss comes …"), and the sidebar opens 250 px wide (Streamlit's
# least) instead of 300, giving the chart the room; only at its default width: one the teacher dragged it to stays.
_PRESENTATION_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { padding: 88px 1.5rem 3rem; max-width: 100%; }
[data-testid="stMain"] h1 { padding-top: 0; font-size: 2.4rem; }
[data-testid="stMain"] h2 { font-size: 1.5rem; padding: 0.6rem 0 0.2rem; }
[data-testid="stMain"] h3 { font-size: 1.25rem; }
[data-testid="stCaptionContainer"] { display: none; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
[data-testid="stSidebarNavLink"], [data-testid="stSidebarNavLink"] > span:last-child { height: auto; min-width: 0; }
[data-testid="stSidebarNavLink"] { min-height: 1.75rem; }
[data-testid="stSidebarNavLink"] :is(span, .stMarkdownEllipsis, p) { white-space: normal; text-overflow: clip;
  line-height: 1.25; }
[data-testid="stSidebar"][data-collapsed="false"][style*="width: 300px"] { width: 250px !important; }
</style>"""


def is_phone() -> bool:
    """A phone-sized browser, by its user agent ("Mobi" is the convention); wide layouts then stack."""
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:
        return False


def dark_theme() -> bool:
    """Whether the viewer's browser shows Streamlit's dark theme (charts then draw their ink lines light)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser context (bare runs): light
        return False


_ROUTER = threading.local()  # .active: this thread's script run came through app.py's navigation


@contextlib.contextmanager
def routed():
    """app.py runs the page inside this: a page can tell that it was reached through the real navigation."""
    _ROUTER.active, _ROUTER.too_long_said = True, False
    try:
        yield
    finally:
        _ROUTER.active = False



class Page:
    """A page's header and its URL-bound controls.

    >>> page = Page("Loss explorer", "Notice how the loss explodes near the wrong edge.")   # doctest: +SKIP
    >>> p = page.slider("Prediction p", "p", 0.0, 1.0, 0.8, step=0.01)                      # doctest: +SKIP
    """

    def __init__(self, title: str, notice: str):
        tuning.leave_legacy_multipage_mode(routed=getattr(_ROUTER, "active", False))
        self._bound: dict[str, object] = {}
        self._share_box = st.sidebar.empty()  # the share button, placed by done() above the presentation toggle
        self._extra: dict[str, str] = {}
        # an exercise link: controls the teacher fixed (shown, disabled) or hid (still applied, not shown)
        self._lesson = {kind: _key_list(st.query_params.get_all(kind)) for kind in ("lock", "hide")}
        self._seen: dict[str, str] = {}
        self._uploader_shown = False  # this run showed an uploader: the session's uploads are let in (guard_uploads)
        self.phone = is_phone()
        self.dark = dark_theme()
        st.html(_BASE_CSS)
        st.title(title, anchor=False)
        st.markdown(f"**{notice}**")
        self._notices = st.container()
        # True from here to done(): a full run. A section's own rerun comes later, with this flag False; the
        # link's values were checked by the full run that opened it, and a section may not write outside itself.
        self._full_run = True
        self._lesson_box = st.container()
        self.presenting = self.toggle("Presentation mode", "present", container=st.sidebar,
                                      help="Larger type and charts for a projector; explanations folded away.")
        if self.presenting:
            st.html(_PRESENTATION_CSS)

    @property
    def fixed(self) -> frozenset[str]:
        """The control keys this student cannot change: the exercise link's locked and hidden ones (advice in the
        page's sentences must not ask to change them, ``lib.claims.diagnosis``)."""
        return frozenset(self._lesson["lock"] | self._lesson["hide"])

    @property
    def chart_first(self) -> bool:
        """On a phone or a projector the main chart comes before the controls (it must be on the first screen)."""
        return self.phone or self.presenting

    # ---------------------------------------------------------------- URL checks
    def _raw(self, key: str):
        values = st.query_params.get_all(key)
        if not values:
            return None
        return values if len(values) > 1 else values[0]

    def done(self) -> None:
        """Finish the page: the sidebar's "Share this view" button, and the lesson's notices.

        Call it last (and before any ``st.stop()``). The link is built when the button is pressed — a full rerun,
        so from every control's current value — and shown in a dialog: no copy of it stays on screen to go stale
        while a section that is a fragment reruns alone, and no interaction pays for rendering it.
        """
        self._full_run = False
        if not self._uploader_shown:  # a page without an uploader takes no files (ui.tuning.guard_uploads)
            tuning.allow_uploads(_session_id(), False)
        self._show_lesson()
        self._share_box.button("Share this view", key="share_view", icon=":material/link:", width="stretch",
                               help="A link that opens this page with every control as it is now.",
                               on_click=_request_share)
        # a flag set by the click's callback, not the button's value: it survives a rerun before this point
        if st.session_state.pop(_SHARE_REQUESTED, False):
            _share_dialog(self.share_link())

    def share_link(self) -> str:
        """The address of this view: the page's URL and :meth:`share_query`."""
        base = st.context.url or ""
        query = self.share_query()
        return f"{base}?{query}" if query else base

    def _show_lesson(self) -> None:
        """Tell the student what the teacher set, and flag lesson keys that name no control on this page."""
        for kind in ("lock", "hide"):
            unknown = sorted(self._lesson[kind] - self._seen.keys())
            if unknown:
                self._notices.warning(f"The link's {kind} list names {code_span(', '.join(unknown))}, which is not "
                                      "a control on this page, so it was ignored.", icon=":material/link_off:")
            known = sorted(self._lesson[kind] & self._seen.keys())
            if known:
                self._extra[kind] = ",".join(known)
        locked = [self._seen[k] for k in sorted(self._lesson["lock"] & self._seen.keys())]
        hidden = len(self._lesson["hide"] & self._seen.keys())
        if locked or hidden:
            parts = ([f"{', '.join(_short(x) for x in locked)} set by your teacher"] if locked else []) + (
                [f"{hidden} control{'s' if hidden > 1 else ''} hidden for this exercise"] if hidden else [])
            self._lesson_box.info("**Exercise:** " + "; ".join(parts) + ". The rest is yours to change.",
                                  icon=":material/school:")

    def _check(self, key: str, label: str, raw, value, shown) -> None:
        """A notice when the link carried a value for ``key`` that the control did not take as given."""
        if raw is None or not self._full_run:  # in a section's rerun the address may trail the control: no check
            return
        if isinstance(raw, list) or not _matches(raw, value, shown):
            self._notices.warning(
                f"The link's value for **{_short(label)}** ({code_span(raw if not isinstance(raw, list) else raw[0])})"
                f" is not valid here, so it was reset to {code_span(shown)}.",
                icon=":material/link_off:",
            )

    def chart(self, fig, key: str, alt: str, themed: bool = False, **kwargs) -> None:
        """Show a plotly figure — the one place charts are put on the page, so every chart follows the room
        (and where a long run steps aside for others or stops past its time, ``RunLock.checkpoint``):

        * its palette colours are those legible on the theme really painted (``charts.for_theme``);
        * in presentation mode its type is larger and it is taller (``charts.for_projector``);
        * the plotly toolbar is left out: it covered the legend (zoom by dragging still works);
        * ``alt``, one sentence of what the chart shows with its key numbers, is its text alternative: Streamlit
          makes it the accessible name of the chart's ``role="figure"`` box (``st.plotly_chart(alt=...)``, one
          message instead of the hidden paragraph and its container this page used to send beside every chart).
        """
        RUN_LOCK.checkpoint()
        spec = fig.to_dict() if themed else charts.for_theme(fig.to_dict(), self.dark)  # themed: a cached figure
        if isinstance(spec, charts.EncodedFigure) and (self.presenting or not tuning.is_on("json")):
            spec = spec.spec()  # decoded: to scale it, or because plotly's own encoder would see only its size
        if self.presenting:  # larger type: a new figure
            spec = charts.for_projector(spec)
        # no plotly toolbar: it sat on the legends (always on touch screens, on hover elsewhere)
        config = {"displaylogo": False, "displayModeBar": False}
        st.plotly_chart(charts.FigureSpec(spec), key=key, config=config, alt=f"Chart: {alt}", **kwargs)

    def latex(self, *lines: str, stack: bool = False) -> None:
        """A formula in several pieces: one line on a wide screen, one piece a line on a phone (a long formula
        would otherwise run past the right edge) — or one piece a line everywhere with ``stack``."""
        if (self.phone or stack) and len(lines) > 1:
            st.latex(r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}")
        else:  # a piece that continues the one before (=, +, −) follows it directly; a new formula after a gap
            out = lines[0]
            for piece in lines[1:]:
                out += (" " if piece.lstrip()[:1] in "=+-" else r" \qquad ") + piece
            st.latex(out)

    def row(self):
        """A row of controls or metrics that wraps onto more lines when the screen is narrow; its items line up
        at the bottom, so a button sits level with the input box beside it rather than with that box's label."""
        return st.container(horizontal=True, gap="medium", vertical_alignment="bottom")

    def control_groups(self, titles: list[str], key: str) -> list:
        """Several groups of controls in little height: tabs in one bordered box (the chosen tab is in the URL),
        or in presentation mode folded expanders (the chart comes first there)."""
        if self.presenting:
            return [st.expander(t, expanded=False, icon=":material/tune:") for t in titles]
        with st.container(border=True):
            return self.tabs(titles, key)

    def controls(self, title: str, expanded: bool = False):
        """A group of controls: a bordered box, or in presentation mode an expander, folded (the chart comes first)
        unless ``expanded`` (the controls are the screen's main action)."""
        if self.presenting:
            return st.expander(title, expanded=expanded, icon=":material/tune:")
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        return box

    # ---------------------------------------------------------------- controls
    def _placement(self, key: str, label: str, container, help: str | None):
        """Where a control goes and whether the student may change it: (container, help, disabled)."""
        RUN_LOCK.checkpoint()
        self._seen[key] = label
        where = container or st
        if key in self._lesson["hide"]:
            return where.container(key=f"hidden-ctl-{key}"), help, True
        if key in self._lesson["lock"]:  # said beside it, readable (ui._BASE_CSS), not only in the (?) tooltip
            return where.container(key=f"locked-ctl-{key}"), "Set by your teacher for this exercise.", True
        return where, help, False

    def button_for(self, key: str, label: str, on_click, *, icon: str | None = None, container=None) -> None:
        """A button that sets control ``key`` (New sample, Toss again): hidden when the control is hidden by an
        exercise link, greyed when it is locked — else it would undo the lesson from the page."""
        if key in self._lesson["hide"]:
            return
        locked = key in self._lesson["lock"]
        (container or st).button(label, on_click=on_click, icon=icon, disabled=locked,
                                 help="Set by your teacher for this exercise." if locked else None)

    def slider(self, label: str, key: str, min_value, max_value, default, *, step=None, fmt_str: str | None = None,
               help: str | None = None, container=None):
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.slider(label, min_value, max_value, default, step=step, key=key, bind="query-params",
                             format=fmt_str, help=help, disabled=disabled)
        self._check(key, label, raw, value, str(value))
        self._bound[key] = (value, default)
        return value

    def number(self, label: str, key: str, min_value: float, max_value: float, default: float, *, step=None,
               fmt_str: str = "%.6g", help: str | None = None, container=None):
        """A number box; integer bounds give an integer back.

        The widget is always a float ``number_input``: Streamlit 1.67's integer one crashes the page with
        OverflowError on a link value like ``1e309`` (it calls int(inf) while seeding from the URL), while the
        float one drops such a value and keeps the default.
        """
        integer = all(isinstance(v, int) for v in (min_value, max_value, default))
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.number_input(label, min_value=float(min_value), max_value=float(max_value), value=float(default),
                                   step=float(step if step is not None else 1 if integer else 0.01), key=key,
                                   bind="query-params", format="%.0f" if integer else fmt_str, help=help,
                                   disabled=disabled)
        if integer:
            value = int(round(value))
        self._check(key, label, raw, value, str(value))
        self._bound[key] = (value, default)
        return value

    def select(self, label: str, key: str, options: dict, default, *, kind: str = "selectbox", help: str | None = None,
               container=None):
        """A choice among ``options`` ({value: label}); the URL holds the label. Returns the value."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        index = labels.index(options[default])
        if kind == "radio":
            shown = where.radio(label, labels, index=index, key=key, bind="query-params", horizontal=True, help=help,
                                disabled=disabled)
        elif kind == "segmented":
            # required: a second tap on the chosen option keeps it (phones tap twice all the time)
            shown = where.segmented_control(label, labels, default=labels[index], key=key, bind="query-params",
                                            help=help, selection_mode="single", required=True, disabled=disabled)
            if shown is None:  # never with required=True; kept so a future change cannot crash the page
                shown = labels[index]
        else:
            shown = where.selectbox(label, labels, index=index, key=key, bind="query-params", help=help,
                                    disabled=disabled)
        self._check(key, label, raw, shown, shown)
        self._bound[key] = (shown, labels[index])
        return back[shown]

    def choice_slider(self, label: str, key: str, options: list, default, *, help: str | None = None,
                      fmt_func=str, container=None):
        """A slider over a fixed list of values (e.g. a log-spaced ladder); the URL holds the shown value. A link's
        number written another way (``100`` or ``1e2`` for ``100.0``) is read as that value."""
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        start = default
        if isinstance(raw, str) and raw not in {fmt_func(o) for o in options}:
            # Streamlit matches the link's text against the shown labels and drops anything else; a number that
            # equals an option starts the widget there (its id is its key, so later runs keep it)
            start = next((o for o in options if not isinstance(o, bool) and isinstance(o, (int, float))
                          and _matches(raw, o, "")), default)
        value = where.select_slider(label, options=options, value=start, key=key, bind="query-params",
                                    format_func=fmt_func, help=help, disabled=disabled)
        self._check(key, label, raw, value, fmt_func(value))
        self._bound[key] = (value, default)
        return value

    def multi(self, label: str, key: str, options: dict, default: list, *, help: str | None = None,
              container=None) -> list:
        """Several choices among ``options`` ({value: label}); the URL repeats the parameter per label."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        kept = st.session_state.get(key)
        dropped = isinstance(kept, list) and any(k not in labels for k in kept)
        if dropped:
            # a choice of this session's that left the options (the optimizer now chosen is not also compared
            # with): dropped through the widget's own value, so the address bar drops it too and a reopened link
            # is clean; not the link's mistake, so no notice
            st.session_state[key] = [k for k in kept if k in labels]
            raw = None
        shown = where.multiselect(label, labels, default=None if dropped else [options[d] for d in default],
                                  key=key, bind="query-params", help=help, disabled=disabled)
        if raw is not None and self._full_run:
            given = raw if isinstance(raw, list) else [raw]
            unknown = [g for g in given if g not in labels]
            if unknown:
                self._notices.warning(f"The link's value for **{_short(label)}** ({code_span(unknown[0])}) is not "
                                      "one of the choices, so it was left out.", icon=":material/link_off:")
        self._bound[key] = (shown, [options[d] for d in default])
        return [back[s] for s in shown]

    def answer(self, label: str, key: str, options: list[str], *, container=None) -> str | None:
        """A quiz answer: no choice until the student picks one (so the reveal waits for a guess)."""
        raw = self._raw(key)
        where = container or st
        value = where.radio(label, options, index=None, key=key, bind="query-params")
        if raw is not None and value is None:
            self._check(key, label, raw, "no answer", "no answer")
        self._bound[key] = (value, None)
        return value

    def toggle(self, label: str, key: str, default: bool = False, *, help: str | None = None, container=None) -> bool:
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.toggle(label, value=default, key=key, bind="query-params", help=help, disabled=disabled)
        self._check(key, label, raw, value, "on" if value else "off")
        self._bound[key] = (value, default)
        return value

    def tabs(self, labels: list[str], key: str):
        """Tabs whose choice is in the URL (the label is the value)."""
        raw = self._raw(key)
        tabs = st.tabs(labels, key=key, bind="query-params", on_change="rerun")
        chosen = st.session_state.get(key) or labels[0]
        if raw is not None and raw not in labels:
            self._check(key, "tab", raw, chosen, chosen)
        self._bound[key] = (chosen, labels[0])
        return tabs

    def file_uploader(self, label: str, key: str, **kwargs):
        """``st.file_uploader``, and the session's uploads let in while its page shows one (ui.tuning.guard_uploads).
        Its file is :func:`uploaded` (``key``); after :func:`refuse_upload` the box starts again empty."""
        self._uploader_shown = True
        tuning.allow_uploads(_session_id())
        return st.file_uploader(label, key=_upload_key(key), **kwargs)

    # ---------------------------------------------------------------- sharing
    def link_extra(self, key: str, value: str | None) -> None:
        """A value that is not a widget but belongs in the share link (e.g. an edited table); None leaves it out."""
        if value is None:
            self._extra.pop(key, None)
        else:
            self._extra[key] = value

    def share_query(self) -> str:
        """The query string of this view: every bound control that differs from its default, then the extras."""
        pairs = []
        for key, (value, default) in self._bound.items():
            if value == default or value is None:
                continue
            if isinstance(value, list):
                pairs.extend((key, str(v)) for v in value)
            else:
                pairs.append((key, str(value).lower() if isinstance(value, bool) else str(value)))
        pairs.extend(self._extra.items())
        return urlencode(pairs)


def _upload_key(key: str) -> str:
    """The widget key of uploader ``key`` now: a new one after each refused file (``refuse_upload``)."""
    return f"{key}_{st.session_state.get(f'_{key}_round', 0)}"


def uploaded(key: str):
    """The file in uploader ``key`` (:meth:`Page.file_uploader`), or None."""
    return st.session_state.get(_upload_key(key))


def refuse_upload(key: str) -> None:
    """After the page refused the file in uploader ``key`` (with its own calm message): the box starts again under a
    new widget key, so it no longer shows the file as if it were loaded, and the file's bytes leave the server now
    rather than when the session ends (they count against the session's bound, ``ui.tuning.guard_uploads``)."""
    file, session = uploaded(key), _session_id()
    if file is not None and session is not None:
        with contextlib.suppress(Exception):  # no runtime (a bare run, AppTest): nothing is held
            from streamlit import runtime

            if runtime.exists():
                runtime.get_instance().uploaded_file_mgr.remove_file(session, file.file_id)
    st.session_state[f"_{key}_round"] = st.session_state.get(f"_{key}_round", 0) + 1


def _key_list(values: list[str]) -> set[str]:
    """Control keys from a link's lock/hide parameter: comma-separated, repeatable, bounded (10 values of 50 keys,
    each cut to 100 characters). A name that is no control — however long — stays, so the page can say so."""
    keys = {k.strip()[:100] for v in values[:10] for k in str(v).split(",")[:50]}
    return {k for k in keys if k}


def _matches(raw: str, value, shown: str) -> bool:
    """Did the control take the link's value as given (up to how the number was written)?"""
    if isinstance(value, bool):
        return raw.strip().lower() in (("true", "1", "on") if value else ("false", "0", "off"))
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    return raw == shown


_SHARE_REQUESTED = "_share_requested"


def _request_share() -> None:
    st.session_state[_SHARE_REQUESTED] = True


@st.dialog("Share this view")
def _share_dialog(link: str) -> None:
    st.code(link or "(the page's address)", language=None, wrap_lines=True)
    st.caption("Opening this link shows this page with every control as it is now.")


_PAGE_CACHES: dict[tuple, object] = {}


def cached(max_entries: int):
    """``st.cache_resource`` (shared by every session, no spinner) for a function defined in a page file, wrapped
    once per process instead of at every rerun.

    A page file runs again at every rerun, and a decorator in it with it: Streamlit's reads the function's source to
    key its cache (``inspect.getsource``), ~0.4 ms per function on every interaction (py-spy, gradient descent).
    Here the wrapper is kept per file, name and code object: a function edited while the server runs is a new code
    object and gets a fresh cache, as it would from Streamlit. The first run's function is the one kept, so it must
    take what it needs from its arguments, imported modules and other cached functions — never from the page's
    per-run variables. As in Streamlit, arguments whose names start with "_" are not hashed: pass a big argument
    that way beside a short string that identifies it (hashing a settings dict costs ~0.3 ms; its repr, 10 µs).
    """
    def wrap(func):
        code = func.__code__
        key = (code.co_filename, func.__qualname__, code)
        if key not in _PAGE_CACHES:
            _PAGE_CACHES[key] = _computed_once(st.cache_resource(max_entries=max_entries, show_spinner=False)(func),
                                               key, code.co_varnames[:code.co_argcount])
        return _PAGE_CACHES[key]

    return wrap


def _computed_once(compute, name, params: tuple[str, ...]):
    """``compute``, a cached function, called under ``RUN_LOCK.computing`` (its body may step aside): the value is
    named by its text arguments other than "_" ones (a settings repr here), no finer than the cache's key."""
    def call(*args, **kwargs):
        texts = tuple(a for p, a in zip(params, args, strict=False) if not p.startswith("_") and isinstance(a, str))
        texts += tuple(kv for kv in sorted(kwargs.items()) if not kv[0].startswith("_") and isinstance(kv[1], str))
        with RUN_LOCK.computing((name, texts)):
            return compute(*args, **kwargs)

    call.clear = compute.clear
    return call


def run_experiment(key: str, _fields: dict):
    """``lib.experiment.run`` once per settings, shared by every session and page (a class on one link hits it). A
    resource cache hands out the one result instead of a pickled copy per hit; nothing mutates it. ``key`` is the
    settings' repr (every field exactly) and keys the cache; the fields themselves are not hashed (Streamlit's
    hash of the settings dict took 0.56 ms, of its repr 0.03 ms). Training steps aside for other students' moves
    (``RunLock.checkpoint``)."""
    with RUN_LOCK.computing(("experiment", key)):
        return _experiment(key, _fields)


@st.cache_resource(max_entries=128, show_spinner=False)
def _experiment(key: str, _fields: dict):
    from lib import experiment

    return experiment.run(experiment.Settings(**_fields), tick=RUN_LOCK.checkpoint)


def page_map() -> None:
    """Links to every page, each with its one-line blurb."""
    for info in PAGES:
        if info.path == "pages/home.py" or not (_ROOT / info.path).is_file():
            continue
        st.page_link(info.path, label=f"**{info.title}** — {info.blurb}", icon=info.icon)
