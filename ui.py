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
import gc
import json
import logging
import math
import os
import re
import socket
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from lib import charts

_ROOT = Path(__file__).parent


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
)


def tcp_nodelay() -> int:
    """Turn Nagle's algorithm off on this process's TCP sockets; returns how many were set.

    Streamlit 1.67's server binds its listening socket with ``socket.socket(family=...)``, whose protocol number is
    0, so asyncio's transports skip their usual TCP_NODELAY (it checks ``proto == IPPROTO_TCP``). With Nagle on,
    the first small websocket frame of a rerun waits for the browser's delayed ACK: measured here, every interaction
    of a one-slider page took 44 ms instead of 6. Linux hands the option from the listening socket to every
    connection it accepts later, so setting it once, when the first script run imports this module, covers the
    server's lifetime. Sockets are found through /proc (Linux); elsewhere nothing happens.
    """
    count = 0
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return 0
    for fd in fds:
        try:
            dup = os.dup(int(fd))  # a duplicate: closing it leaves the server's socket open
        except (OSError, ValueError):
            continue  # already closed (the directory listing's own descriptor is one)
        try:
            sock = socket.socket(fileno=dup)
        except OSError:
            os.close(dup)  # not a socket
            continue
        with sock:
            if sock.type == socket.SOCK_STREAM and sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    count += 1
                except OSError:
                    pass
    return count


NODELAY_SOCKETS = tcp_nodelay()  # once per server process, at the first script run


def coalesce_wakeups(loop) -> bool:
    """Let a burst of messages from a script run wake the server's event loop once, not once per message.

    Every element a script run sends is handed to Streamlit's event loop with ``loop.call_soon_threadsafe``, which
    writes a byte into the loop's self-pipe each time — a system call and, on a busy one-core server, a switch to the
    loop's thread and back for every element (py-spy on a gradient-descent rerun: 16% of its server time in
    ``_write_to_self``, ~60 messages a rerun). After this, a byte is written only when none is waiting to be read:
    the first callback of a burst wakes the loop and the ones queued before it runs ride along; a call made on the
    loop's own thread writes nothing (the loop looks at its queue before it next waits). Returns whether it was
    applied (once per loop; a loop without asyncio's self-pipe is left alone).

    Why no wake-up is lost: ``call_soon_threadsafe`` queues the callback *before* it calls ``_write_to_self``. A
    call that skips the write saw ``pending`` set by a writer whose ``clear`` callback had not run yet; that writer
    queued ``clear`` and then wrote its byte, so the loop will run ``clear`` — and a loop that has callbacks queued
    does not block in ``select``, so it also reaches the skipped call's callback, queued before ``clear`` ran.
    """
    write, call_soon = getattr(loop, "_write_to_self", None), getattr(loop, "_call_soon", None)
    if (write is None or call_soon is None or not hasattr(loop, "_thread_id")
            or getattr(loop, "_log_loss_lab_coalesced", False)):
        return False
    pending = False  # a byte is in the self-pipe, or about to be, and the loop has not run its clear() yet

    def clear() -> None:
        nonlocal pending
        pending = False

    def write_to_self() -> None:
        nonlocal pending
        if pending or loop._thread_id == threading.get_ident():
            return
        pending = True
        call_soon(clear, (), None)
        write()

    loop._write_to_self = write_to_self
    loop._log_loss_lab_coalesced = True
    return True


class DeferredWakeups:
    """Let a script run hand its messages to the event loop in a few bursts instead of waking it for each one.

    Even coalesced (:func:`coalesce_wakeups`), an idle loop is woken by the first message of every burst, and on
    one core it then runs at once: a gradient-descent rerun woke it 15 times, each a switch to the loop's thread
    and back to pass on one or two messages. Inside :meth:`run` a call that would wake the loop only queues its
    callback (asyncio queues it before it wakes anyone); the loop takes the queue in one go when the run ends, or
    at its next tick — every ``tick`` seconds while any run is going — so a run that goes quiet (a long
    computation after a spinner) still shows what it sent within one tick. Wake-ups from any other thread go out
    as before, and so do a run's own while other runs wait (a busy server): deferring there too made 150
    students slower (p95 179–246 ms against 70–156, the run ending wakes the loop only after the next run has
    taken the GIL), where deferring only alone leaves them as they were (142–162 against 135–149). Measured,
    one student moving gradient descent's seed, ten alternating rounds: server CPU per interaction 25.0 → 22.6
    ms, p95 40.1 → 34.1 ms — with a harness that reused seeds from round to round, so part of those runs were
    cached (README's eighth stop has the whole stop measured with fresh seeds).
    """

    def __init__(self, loop, tick: float = 0.02):
        self.loop, self.tick = loop, tick
        self._wake = loop._write_to_self  # the real wake-up (coalesced)
        self._local = threading.local()
        self._mutex = threading.Lock()
        self._runs = 0          # runs going on now
        self._ticking = False   # the loop's tick is scheduled
        loop._write_to_self = self._write_to_self

    def _write_to_self(self) -> None:
        if self._runs == 1 and getattr(self._local, "deferring", False):
            self._local.deferred = True  # the callback is queued; the loop runs it at its tick or the run's end
            return
        self._wake()  # from another thread, or while other runs wait: at once, as before

    def _on_tick(self) -> None:  # on the loop's thread: it is awake, so it runs every callback queued so far
        with self._mutex:
            if self._runs:
                self.loop.call_later(self.tick, self._on_tick)
            else:
                self._ticking = False

    def run(self, func, *args, **kwargs):
        """``func(*args, **kwargs)`` on this thread with its wake-ups deferred; the loop is woken when it ends."""
        with self._mutex:
            self._runs += 1
            start, self._ticking = not self._ticking, True
        if start:
            self.loop.call_soon_threadsafe(self._on_tick)  # not deferring yet: this wakes the loop
        self._local.deferring, self._local.deferred = True, False
        try:
            return func(*args, **kwargs)
        finally:
            self._local.deferring = False
            with self._mutex:
                self._runs -= 1
            if self._local.deferred:
                self._wake()


def defer_script_wakeups(loop) -> DeferredWakeups | None:
    """Run every Streamlit script thread of this server inside :meth:`DeferredWakeups.run` (once per loop).
    None when there is no server loop, it is done already, or Streamlit's internals moved."""
    if loop is None or not hasattr(loop, "_write_to_self") or getattr(loop, "_log_loss_lab_deferred", None):
        return None
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return None
    real = getattr(script_runner.ScriptRunner, "_run_script_thread", None)
    if real is None:
        return None
    deferred = DeferredWakeups(loop)

    @functools.wraps(real)
    def run_script_thread(self, *args, **kwargs):
        return deferred.run(real, self, *args, **kwargs)

    script_runner.ScriptRunner._run_script_thread = run_script_thread
    loop._log_loss_lab_deferred = deferred
    return deferred


def _server_event_loop():
    """The event loop of the Streamlit server running this script, or None (AppTest, or a changed Streamlit)."""
    try:
        from streamlit import runtime

        return runtime.get_instance()._get_async_objs().eventloop
    except Exception:  # no runtime here (AppTest), or its internals moved: nothing to coalesce
        return None


_SERVER_LOOP = _server_event_loop()
COALESCED_WAKEUPS = coalesce_wakeups(_SERVER_LOOP)  # once per server process, at the first script run
DEFERRED_WAKEUPS = defer_script_wakeups(_SERVER_LOOP) if COALESCED_WAKEUPS else None  # script threads after this one


def memoize_theme_message() -> bool:
    """Build the theme part of Streamlit's per-run session message once per configuration, not at every rerun.

    Every script run — a fragment's too — starts with a ``new_session`` message that carries the six ``[theme*]``
    sections; Streamlit fills each by walking all ~370 config options for the section's (``get_options_for_section``),
    0.5 ms a run on every page (~4% of the server's event loop under a class's load, py-spy). Here each section is
    filled once by Streamlit's own function into a fresh message, kept serialized, and merged into the next
    messages; the memo is forgotten when the config is parsed again (a new options table) or an option is set. A
    section with nothing set is left untouched, as Streamlit leaves it. Returns True when in place (idempotent);
    False if Streamlit's internals moved.
    """
    try:
        from streamlit import config
        from streamlit.runtime import app_session
    except ImportError:
        return False
    real, set_option = getattr(app_session, "_populate_theme_msg", None), getattr(config, "_set_option", None)
    if real is None or set_option is None or not hasattr(config, "_config_options"):
        return False
    if getattr(real, "memo", None) is not None:
        return True
    memo: dict[str, bytes] = {}  # section → its serialized message, for the options table in ``built_from``
    built_from: list = [None]

    def populate(msg, section: str = "theme") -> None:
        if built_from[0] is not config._config_options:  # parsed again: a new table
            memo.clear()
            built_from[0] = config._config_options
        raw = memo.get(section)
        if raw is None:
            fresh = type(msg)()
            real(fresh, section)
            raw = memo[section] = fresh.SerializeToString()
        if raw:
            msg.MergeFromString(raw)

    def set_option_and_forget(*args, **kwargs):
        memo.clear()
        return set_option(*args, **kwargs)

    populate.memo = memo
    populate.__wrapped__ = real
    set_option_and_forget.__wrapped__ = set_option
    app_session._populate_theme_msg = populate
    config._set_option = set_option_and_forget
    return True


THEME_MESSAGE_MEMO = memoize_theme_message() if _SERVER_LOOP is not None else False  # the server only


def reuse_encoded_json() -> bool:
    """Have ``st.plotly_chart`` take a :class:`lib.charts.EncodedFigure`'s JSON instead of encoding the same cached
    figure again at every rerun.

    Streamlit encodes a figure with ``plotly.io.to_json(figure, validate=False)`` (the figure as its dict, here
    the EncodedFigure itself); this puts a function in front of plotly's that answers that one call with the
    figure's :attr:`~lib.charts.EncodedFigure.json` (plotly's own encoding) and gives plotly the decoded figure
    for any other call about one; every other call passes through unchanged. Idempotent; returns True when the
    hook is in place.
    """
    import plotly.io as pio
    from plotly.io import _json

    if getattr(pio.to_json, "reuses_encoded_json", False):
        return True

    def to_json(fig, *args, **kwargs):
        if isinstance(fig, charts.EncodedFigure):
            if not args and kwargs == {"validate": False}:
                return fig.json
            fig = fig.spec()
        return _json.to_json(fig, *args, **kwargs)

    to_json.reuses_encoded_json = True
    to_json.__doc__ = _json.to_json.__doc__
    pio.to_json = to_json
    return True


REUSED_JSON = reuse_encoded_json()  # once per process

# ---------------------------------------------------------------------------------------------------------------
# Tuning place (issue 27): patches of Streamlit internals that bound what one student can make the server do.
# Each is written for the Streamlit version below, checks it, and is off when LOG_LOSS_LAB_TUNING=off (then
# Streamlit behaves as shipped: use it to tell whether a problem is ours). app.py turns them on, once per process.
TUNED_FOR_STREAMLIT = "1.67."
MAX_TABLE_ROWS = 1000  # rows of a data editor the server applies: the largest table a page takes (1,000 points)


def tuning_on() -> bool:
    """Whether the tuning place may patch this Streamlit (its version, and LOG_LOSS_LAB_TUNING is not "off")."""
    return (os.environ.get("LOG_LOSS_LAB_TUNING", "on").strip().lower() != "off"
            and st.__version__.startswith(TUNED_FOR_STREAMLIT))


def bound_table_edits(max_rows: int = MAX_TABLE_ROWS) -> bool:
    """Bound a data editor's edits before Streamlit applies them, and add pasted rows in one step.

    A data editor's state comes from the browser as JSON (``added_rows``, ``edited_rows``, ``deleted_rows``) and
    Streamlit applies it inside ``st.data_editor``, before the page sees the table — one ``df.loc`` enlargement
    (a copy of the frame) per added row: 20,000 pasted rows took 12–14 s of server CPU under the run lock, and the
    browser sends them again at every rerun. Here each list is cut to its first ``max_rows`` entries when the state
    is read (so the session holds no more either), and when more than one row is added to an all-text editor (every
    table in this app) the rows are parsed by Streamlit's own ``_parse_added_row`` and appended in one
    ``pd.concat``, the same table Streamlit builds row by row. Anything else goes to Streamlit's own code
    unchanged. Public API offers no bound: ``num_rows="fixed"`` is enforced only by the browser, and
    ``server.maxMessageSize`` counts megabytes (1 MB of JSON is ~40,000 rows). Returns True when in place.
    """
    if not tuning_on():
        return False
    try:
        import pandas as pd
        from streamlit.elements.widgets import data_editor as de
    except ImportError:
        return False
    real_deserialize, real_apply = de.DataEditorSerde.deserialize, de._apply_dataframe_edits
    parse_row = getattr(de, "_parse_added_row", None)
    if parse_row is None:
        return False
    if getattr(real_apply, "bounded_rows", None) is not None:
        return True

    def deserialize(self, ui_value):
        if ui_value is not None:
            try:
                state = json.loads(ui_value)
            except ValueError:
                state = None
            if isinstance(state, dict):
                for name in ("added_rows", "deleted_rows"):
                    if isinstance(state.get(name), list) and len(state[name]) > max_rows:
                        state[name] = state[name][:max_rows]
                if isinstance(state.get("edited_rows"), dict) and len(state["edited_rows"]) > max_rows:
                    state["edited_rows"] = dict(list(state["edited_rows"].items())[:max_rows])
                ui_value = json.dumps(state)
        return real_deserialize(self, ui_value)

    def apply(df, state, schema):
        added = state.get("added_rows") or []
        if len(added) < 2 or any(dtype.kind != "O" for dtype in df.dtypes):
            return real_apply(df, state, schema)
        df = real_apply(df, {"edited_rows": state.get("edited_rows") or {},
                             "deleted_rows": state.get("deleted_rows") or [], "added_rows": []}, schema)
        if isinstance(df.index, pd.RangeIndex):
            start, step = df.index.stop, df.index.step
        elif pd.api.types.is_integer_dtype(df.index.dtype):
            start, step = (0 if df.index.empty else int(df.index.max()) + 1), 1
        else:
            return real_apply(df, {"added_rows": added}, schema)
        rows = []
        for row in added:
            try:
                rows.append(parse_row(df, row, schema)[1])
            except (TypeError, ValueError, OverflowError):  # as Streamlit: a row it cannot parse is skipped
                continue
        if not rows:
            return df
        new = pd.DataFrame(rows, columns=df.columns, dtype=object,
                           index=pd.RangeIndex(start, start + step * len(rows), step))
        if df.empty:
            return new
        with warnings.catch_warnings():  # pandas 2.x's notice about all-empty columns in a concat, as Streamlit
            warnings.simplefilter("ignore", FutureWarning)
            return pd.concat([df, new])

    deserialize.__wrapped__, apply.__wrapped__ = real_deserialize, real_apply
    apply.bounded_rows = max_rows
    de.DataEditorSerde.deserialize = deserialize
    de._apply_dataframe_edits = apply
    return True


MAX_SESSION_UPLOAD_BYTES = 2 * 1024 * 1024  # bytes of uploads one session may hold: a page's one file (≤ 1 MB), twice
_UPLOAD_SESSIONS: dict[str, float] = {}    # session id → when a page of it last showed an uploader
_UPLOAD_SESSIONS_MAX = 10_000              # ids kept (oldest forgotten first): bounded whatever the traffic


def allow_uploads(session_id: str | None, allowed: bool = True) -> None:
    """Let the session's uploads in (its page shows an uploader), or not any more (its page shows none)."""
    if session_id is None:
        return
    if not allowed:
        _UPLOAD_SESSIONS.pop(session_id, None)
        return
    _UPLOAD_SESSIONS[session_id] = time.monotonic()
    if len(_UPLOAD_SESSIONS) > _UPLOAD_SESSIONS_MAX:
        for old in sorted(_UPLOAD_SESSIONS, key=_UPLOAD_SESSIONS.get)[: len(_UPLOAD_SESSIONS) // 10]:
            _UPLOAD_SESSIONS.pop(old, None)


def guard_uploads(max_bytes: int = MAX_SESSION_UPLOAD_BYTES) -> bool:
    """Accept an uploaded file only for a session whose page shows an uploader, and only up to ``max_bytes`` held.

    Streamlit accepts ``PUT /_stcore/upload_file/<session>/<any id>`` for any live session and keeps every file
    in memory until the session ends: 500 × 1 MB from Home (no uploader) took a server from 423 to 902 MB. Here
    its upload manager refuses (403) a file for a session that :meth:`Page.file_uploader` has not marked, and
    (413) one that would take the session's files past ``max_bytes``. Returns True when in place.
    """
    if not tuning_on():
        return False
    try:
        from starlette.exceptions import HTTPException
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    except ImportError:
        return False
    real = MemoryUploadedFileManager.add_file
    if getattr(real, "guarded", False):
        return True

    def add_file(self, session_id, file):
        if session_id not in _UPLOAD_SESSIONS:
            raise HTTPException(status_code=403, detail="This page takes no uploads.")
        with self._lock:
            held = sum(len(f.data) for fid, f in self.file_storage.get(session_id, {}).items() if fid != file.file_id)
        if held + len(file.data) > max_bytes:
            raise HTTPException(status_code=413, detail="This session holds enough uploaded files.")
        return real(self, session_id, file)

    add_file.guarded, add_file.__wrapped__ = True, real
    MemoryUploadedFileManager.add_file = add_file
    return True


def keep_shared_caches() -> bool:
    """Ignore a browser's request to clear the caches (``BackMsg.clear_cache``) for everyone.

    Streamlit answers it by clearing every ``st.cache_data`` and ``st.cache_resource`` in the process — caches
    every session shares (a class on one link hits the same runs) — and ``client.toolbarMode = "viewer"`` only
    hides the menu item, so any student could slow everyone's next view (a cached heavy run 30 → 250 ms). Here the
    request clears only the asking session's own state, as it also does in Streamlit. Returns True when in place.
    """
    if not tuning_on():
        return False
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError:
        return False
    real = getattr(AppSession, "_handle_clear_cache_request", None)
    if real is None or getattr(real, "kept", False):
        return real is not None

    def clear_own_state_only(self) -> None:
        logging.getLogger("log_loss_lab").info("a browser asked to clear the shared caches: only its state cleared")
        self._session_state.clear()

    clear_own_state_only.kept, clear_own_state_only.__wrapped__ = True, real
    AppSession._handle_clear_cache_request = clear_own_state_only
    return True


def tune_streamlit() -> dict[str, bool]:
    """Every patch of the tuning place, once per process (app.py calls it; each is idempotent)."""
    return {"table_edits": bound_table_edits(), "uploads": guard_uploads(), "caches": keep_shared_caches()}


# Python's collector looks at its youngest generation after every 700 net new container objects; a rerun makes
# thousands (figure specs, messages) that mostly die by reference counting moments later, but the frequent young
# collections catch them alive and promote them, and the promoted pile triggers full collections of the whole heap
# (~160 ms each with a class's caches in it). Measured on the real server, a fresh gradient-descent run every
# interaction (tests.perf.one_student, seed): collector time 1.44 s → 0.63 s and full collections 7 → 2 per
# ~300 interactions, server CPU per interaction 44.7 → 37.0 ms; gradient descent's noise slider 0.45 → 0.22 s of
# collector time. Only in a server process (AppTest and the test run keep Python's defaults).
YOUNG_GC_THRESHOLD = 10_000
if _SERVER_LOOP is not None:
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])

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
      that has used more waits, even when the lock is free, until its share has grown back. A run cannot be
      interrupted once it holds the lock, so a heavy run delays every move that arrives during it; the share keeps
      those collisions rare. A student alone is never held back, and a class's students (~1% each: a 30 ms move
      every 2–5 s) stay under the floor however many there are.

    A session has one script thread, so at most one run of it waits here; a newer request from its browser
    replaces that run (Streamlit restarts the thread's script when it next sends), keeping its place. The lock is
    handed over on release (no herd of woken threads). ``RUN_TIME_LIMIT`` bounds a run's hold: past it the run
    stops at its next control or chart (:meth:`check_time`) with a calm message.
    """

    FIRST_RUN_PATIENCE = 8.0  # seconds a first run lets reruns go first
    ACTIVE_WINDOW = 10.0      # a session that ran this recently counts as active (shares the lock)
    BURST = 0.5               # seconds of lock time a session may use at once beyond its share
    MIN_SHARE = 0.05          # a session's share is never below this: a class's students use ~1% each
    RUN_TIME_LIMIT = 5.0      # seconds a run may hold the lock

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._owner_session: object = None
        self._since = 0.0       # when the owner took the lock
        self._depth = 0
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

    def _take(self, thread: int, session, now: float) -> None:
        self._owner, self._owner_session, self._since, self._depth = thread, session, now, 1

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
            self._take(waiter.thread, waiter.session, now)
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
            session, held = self._owner_session, now - self._since
            active = self._active(now)
            self._credit[session] = (self._balance(session, now, active) - held, now)
            self._served[session] = now
            self._owner = self._owner_session = None
            if self._waiters:
                self._dispatch(now)

    def check_time(self) -> None:
        """Raise :class:`RunTooLong` in the owning thread once its run has held the lock ``RUN_TIME_LIMIT``."""
        if self._owner == threading.get_ident() and time.monotonic() - self._since > self.RUN_TIME_LIMIT:
            raise RunTooLong()

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
    """A number for people: ∞ for infinity, significant digits, scientific notation when tiny or huge."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    if 1e-4 <= abs(x) < 1e6:
        s = f"{x:.{digits}g}"
    else:
        s = f"{x:.{max(digits - 1, 1)}e}"
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s.replace("-", "−")


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
    """A number for st.latex: \\infty, and a × 10^{k} form for tiny or huge values."""
    x = float(x)
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.{digits}g}"
    mant, exp = f"{x:.{max(digits - 1, 1)}e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}"


# Every page: static CSS (no user text). Metric values and labels wrap instead of being cut to "0.1…"; formulas are
# set smaller on a phone (long ones are split into lines there, Page.latex).
_BASE_CSS = """<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere; }
.katex-display { overflow: visible !important; }
@media (max-width: 640px) { .katex-display { font-size: 0.78em; } }
[class*="st-key-hidden-ctl-"] { display: none !important; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 640px) { [data-testid="stMarkdownContainer"] table { font-size: 0.85em; } }
</style>"""

# Presentation mode: static CSS (no user text), readable from the back of a room at 1280×720. The top padding
# clears Streamlit's header bar (60 px), which would otherwise cover half of the title.
_PRESENTATION_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { padding: 88px 1.5rem 3rem; max-width: 100%; }
[data-testid="stMain"] h1 { padding-top: 0; font-size: 2.4rem; }
[data-testid="stMain"] h2 { font-size: 1.5rem; padding: 0.6rem 0 0.2rem; }
[data-testid="stMain"] h3 { font-size: 1.25rem; }
[data-testid="stCaptionContainer"] { display: none; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
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


def _leave_legacy_multipage_mode() -> None:
    """Route through app.py even when a fresh server's first visitors arrive by a page link.

    Streamlit keeps a process-wide flag, set when a ``pages/`` folder exists and cleared only by the first
    ``st.navigation`` call; every script run that *starts* while it is set runs the linked page file directly,
    without app.py (no wide layout, no run lock, no calm failure message), and shows the legacy menu ("app",
    "home", …). So a teacher's shared link to a newly started server put the class in that mode: measured, 3 of 4
    students opening pages at once got it, because their runs started before the first one reached
    ``st.navigation``. A page that finds itself run without app.py (whatever the flag says by now) clears the flag
    and reruns; the rerun goes through app.py's navigation to the same page with the same URL parameters.
    """
    if getattr(_ROUTER, "active", False):
        return
    tune_streamlit()  # this run came before app.py's first one: its session must not find Streamlit unguarded
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # the internal moved: nothing we can fix, and a rerun would only repeat this run
        return
    PagesManager.uses_pages_directory = False  # what st.navigation itself sets; the rerun cannot come back here
    st.rerun()


class Page:
    """A page's header and its URL-bound controls.

    >>> page = Page("Loss explorer", "Notice how the loss explodes near the wrong edge.")   # doctest: +SKIP
    >>> p = page.slider("Prediction p", "p", 0.0, 1.0, 0.8, step=0.01)                      # doctest: +SKIP
    """

    def __init__(self, title: str, notice: str):
        _leave_legacy_multipage_mode()
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
        if not self._uploader_shown:  # a page without an uploader takes no files (ui.guard_uploads)
            allow_uploads(_session_id(), False)
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
        (and where a run that has held the run lock too long stops, ``RunLock.check_time``):

        * its palette colours are those legible on the theme really painted (``charts.for_theme``);
        * in presentation mode its type is larger and it is taller (``charts.for_projector``);
        * the plotly toolbar is left out: it covered the legend (zoom by dragging still works);
        * ``alt``, one sentence of what the chart shows with its key numbers, is its text alternative: Streamlit
          makes it the accessible name of the chart's ``role="figure"`` box (``st.plotly_chart(alt=...)``, one
          message instead of the hidden paragraph and its container this page used to send beside every chart).
        """
        RUN_LOCK.check_time()
        spec = fig.to_dict() if themed else charts.for_theme(fig.to_dict(), self.dark)  # themed: a cached figure
        if self.presenting:  # larger type: a new figure (an encoded one decoded first)
            spec = charts.for_projector(spec.spec() if isinstance(spec, charts.EncodedFigure) else spec)
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

    def controls(self, title: str):
        """A group of controls: a bordered box, or in presentation mode a folded expander (the chart comes first)."""
        if self.presenting:
            return st.expander(title, expanded=False, icon=":material/tune:")
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        return box

    # ---------------------------------------------------------------- controls
    def _placement(self, key: str, label: str, container, help: str | None):
        """Where a control goes and whether the student may change it: (container, help, disabled)."""
        RUN_LOCK.check_time()
        self._seen[key] = label
        where = container or st
        if key in self._lesson["hide"]:
            return where.container(key=f"hidden-ctl-{key}"), help, True
        if key in self._lesson["lock"]:
            return where, "Set by your teacher for this exercise.", True
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
        shown = where.multiselect(label, labels, default=[options[d] for d in default], key=key,
                                  bind="query-params", help=help, disabled=disabled)
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

    def file_uploader(self, *args, **kwargs):
        """``st.file_uploader``, and the session's uploads let in while its page shows one (ui.guard_uploads)."""
        self._uploader_shown = True
        allow_uploads(_session_id())
        return st.file_uploader(*args, **kwargs)

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
            _PAGE_CACHES[key] = st.cache_resource(max_entries=max_entries, show_spinner=False)(func)
        return _PAGE_CACHES[key]

    return wrap


@st.cache_resource(max_entries=128, show_spinner=False)
def run_experiment(key: str, _fields: dict):
    """``lib.experiment.run`` once per settings, shared by every session and page (a class on one link hits it). A
    resource cache hands out the one result instead of a pickled copy per hit; nothing mutates it. ``key`` is the
    settings' repr (every field exactly) and keys the cache; the fields themselves are not hashed (Streamlit's
    hash of the settings dict took 0.56 ms, of its repr 0.03 ms)."""
    from lib import experiment

    return experiment.run(experiment.Settings(**_fields))


def page_map() -> None:
    """Links to every page, each with its one-line blurb."""
    for info in PAGES:
        if info.path == "pages/home.py" or not (_ROOT / info.path).is_file():
            continue
        st.page_link(info.path, label=f"**{info.title}** — {info.blurb}", icon=info.icon)
