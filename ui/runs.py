"""Script runs: one at a time per process (the run lock), sections that rerun alone, and failures met calmly.

app.py runs every page inside ``RUN_LOCK.held()`` and ``routed()``; a section's own rerun takes the lock too. A run
that holds the lock too long stops at its next control or chart (``RunTooLong``) with a calm message, and a bug
shows the student a calm message while its traceback goes to the server's log.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
import time
from dataclasses import dataclass

import streamlit as st

_ROUTER = threading.local()  # .active: this thread's script run came through app.py's navigation


@contextlib.contextmanager
def routed():
    """app.py runs the page inside this: a page can tell that it was reached through the real navigation."""
    _ROUTER.active, _ROUTER.too_long_said = True, False
    try:
        yield
    finally:
        _ROUTER.active = False


def is_routed() -> bool:
    """Whether this thread's script run came through app.py's navigation (``routed``)."""
    return getattr(_ROUTER, "active", False)


# One script run at a time in this process: with a class's reruns in threads of their own, the event loop waited
# behind them for the GIL; one after another, it stays free to serve (docs/performance.md, "The run lock").
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




def session_id():
    """The Streamlit session of this script run, or None outside one."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        return ctx.session_id if ctx is not None else None
    except Exception:
        return None


_session_id = session_id  # RunLock's name for it


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

    Only that part's code runs and only its elements are sent again (docs/performance.md). What a section returns
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
