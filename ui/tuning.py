"""Server tuning: every change this app makes to its process beyond Streamlit's public API, in one place.

Nothing here happens on import. ``app.py`` calls :func:`install` once per script run (it is idempotent); it
applies what the ``LOG_LOSS_LAB_TUNING`` environment variable asks for and writes one line to the server's log
saying what is on:

* unset or ``on``: every tuning below;
* ``off``: stock Streamlit — nothing patched, no socket or collector touched;
* a comma-separated list of names (``nodelay,wakeups,json,gc,legacy``): only those (for measuring each
  alone; see docs/performance.md).

The ones that patch or call a private name of Streamlit, plotly or asyncio (``wakeups``, ``json``, ``legacy``,
``bell``, …)
are applied only on the Streamlit versions in :data:`VERIFIED_STREAMLIT`, where ``tests/test_tuning.py`` checks
that every private name they use is still there. ``nodelay`` and ``gc`` use only public OS and Python calls.
Workarounds of Streamlit bugs are written up for upstream in docs/upstream.md.
"""
from __future__ import annotations

import gc
import json
import logging
import os
import socket
import threading
import time
import warnings

import streamlit as st

from lib import charts, datasets, tables

VERIFIED_STREAMLIT = ("1.67.0",)  # the versions whose private names the patches below were checked on
NAMES = ("nodelay", "wakeups", "json", "gc", "legacy", "tables", "uploads", "caches", "bell")
PRIVATE = frozenset({"wakeups", "json", "legacy", "tables", "uploads", "caches", "bell"})  # another package's names
_LOG = logging.getLogger("log_loss_lab")
_INSTALLED: dict[str, bool] = {}  # name → applied, filled once per process by install(); never per session


def requested(value: str | None = None) -> frozenset[str]:
    """The tunings ``LOG_LOSS_LAB_TUNING`` (or ``value``) asks for.

    >>> sorted(requested("off")), sorted(requested("json, gc")), len(requested(""))
    ([], ['gc', 'json'], 9)
    """
    value = (os.environ.get("LOG_LOSS_LAB_TUNING", "") if value is None else value).strip().lower()
    if value in ("", "on", "1", "true"):
        return frozenset(NAMES)
    if value in ("off", "0", "false", "none"):
        return frozenset()
    return frozenset(n.strip() for n in value.split(",")) & frozenset(NAMES)


def is_on(name: str) -> bool:
    """Whether ``name`` was applied in this process."""
    return _INSTALLED.get(name, False)


def install() -> dict[str, bool]:
    """Apply the requested tunings once per process; returns what is on. Never raises: a tuning that cannot be
    applied is logged and left off, and the app runs on stock Streamlit for it."""
    if _INSTALLED:
        return _INSTALLED
    wanted = requested()
    verified = st.__version__ in VERIFIED_STREAMLIT
    loop = _server_event_loop()
    steps = {
        "nodelay": lambda: loop is not None and tcp_nodelay() > 0,
        "wakeups": lambda: coalesce_wakeups(loop),
        "json": reuse_encoded_json,
        "gc": lambda: loop is not None and young_collections_less_often(),
        "legacy": lambda: True,  # applied by a page that finds itself run without app.py (below)
        "tables": bound_table_edits,
        "uploads": guard_uploads,
        "caches": keep_shared_caches,
        "bell": lambda: loop is not None and hang_the_bell(loop),
    }
    result = {}
    for name in NAMES:
        result[name] = False
        if name not in wanted or (name in PRIVATE and not verified):
            continue
        try:
            result[name] = bool(steps[name]())
        except Exception:  # an internal moved: stock behaviour for this one
            _LOG.exception("tuning %r could not be applied", name)
    _INSTALLED.update(result)
    on = [n for n in NAMES if result[n]]
    _LOG.warning("Log Loss Lab tuning (LOG_LOSS_LAB_TUNING=%s, Streamlit %s%s): %s",
                 os.environ.get("LOG_LOSS_LAB_TUNING", "on"), st.__version__,
                 "" if verified else ", not a verified version: private patches skipped",
                 ", ".join(on) if on else "off — stock Streamlit")
    return _INSTALLED


def _server_event_loop():
    """The event loop of the Streamlit server running this script, or None (AppTest, or a changed Streamlit)."""
    try:
        from streamlit import runtime

        return runtime.get_instance()._get_async_objs().eventloop
    except Exception:  # no runtime here (AppTest), or its internals moved: nothing to coalesce
        return None


def tcp_nodelay() -> int:
    """Turn Nagle's algorithm off on this process's TCP sockets; returns how many were set.

    Streamlit 1.67's server binds its listening socket with ``socket.socket(family=...)``, whose protocol number is
    0, so asyncio's transports skip their usual TCP_NODELAY (it checks ``proto == IPPROTO_TCP``). With Nagle on,
    the first small websocket frame of a rerun waits for the browser's delayed ACK (~40 ms per interaction;
    docs/upstream.md). Linux hands the option from the listening socket to every connection it accepts later, so
    setting it once, at the first script run, covers the server's lifetime. Sockets are found through /proc
    (Linux); elsewhere nothing happens.
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



# Python's collector looks at its youngest generation after every 700 net new container objects; a rerun makes
# thousands (figure specs, messages) that mostly die by reference counting moments later, but the frequent young
# collections catch them alive and promote them, and the promoted pile triggers full collections of the whole heap.
# A larger young generation lets them die young (docs/performance.md has the measurement).
YOUNG_GC_THRESHOLD = 10_000


def young_collections_less_often() -> bool:
    """Look at the youngest generation every YOUNG_GC_THRESHOLD net new objects instead of 700 (server only)."""
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
    return True


def leave_legacy_multipage_mode(routed: bool) -> None:
    """Route through app.py even when a fresh server's first visitors arrive by a page link.

    Streamlit keeps a process-wide flag, set when a ``pages/`` folder exists and cleared only by the first
    ``st.navigation`` call; every script run that starts while it is set runs the linked page file directly,
    without app.py (no wide layout, no run lock, no calm failure message), and shows the legacy menu ("app",
    "home", …). A page URL runs only the page, so the flag stays set until someone opens the root URL: a teacher's
    page link to a newly started server would keep the whole class in that mode (docs/upstream.md, bug 3). A page
    that finds itself run without app.py clears the flag and reruns; the rerun goes through app.py's navigation to
    the same page with the same URL parameters.
    """
    # asked for by name, not by is_on(): a run that bypassed app.py may come before install() ever ran
    if routed or "legacy" not in requested() or st.__version__ not in VERIFIED_STREAMLIT:
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # the internal moved: nothing we can fix, and a rerun would only repeat this run
        return
    install()  # this run came before app.py's first one: its session must not find Streamlit unguarded
    PagesManager.uses_pages_directory = False  # what st.navigation itself sets; the rerun cannot come back here
    st.rerun()


# ---------------------------------------------------------------------------------------------------------------
# Bounds on what one browser can make the server do (issue 27): Streamlit offers none of these on its public API.
MAX_TABLE_ROWS = max(datasets.MAX_POINTS, tables.MAX_ROWS)  # a data editor's rows the server applies: a page's largest


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


# ---------------------------------------------------------------------------------------------------------------
# The bell (issue 31): a phone waiting for the teacher's next step learns of it from one watcher per process instead
# of asking every second. Streamlit's public API has no way for the server to start a session's fragment run.
BELL_EVERY = 0.5     # seconds between the watcher's looks at each watched thing: one read each, however many wait
BELL_FORGET = 120.0  # seconds after which a listener that never listened again is dropped (its browser went away)


class Bell:
    """One watcher thread per process: every BELL_EVERY seconds it calls each watched topic's ``probe`` once and
    wakes, through ``wake(targets)``, every listener of that topic that saw something else — then forgets them (a
    woken fragment listens again when it runs). ``wake`` gets ``[(session_id, fragment_id), …]``."""

    def __init__(self, wake):
        self.wake = wake
        self._lock = threading.Lock()
        self._topics: dict = {}  # topic → [probe, {(session_id, fragment_id): (seen, when)}]
        self._poke = threading.Event()
        self._thread: threading.Thread | None = None

    def listen(self, topic, seen, probe, session_id: str, fragment_id: str) -> None:
        """Wake (session_id, fragment_id) once ``probe()`` returns something other than ``seen``."""
        with self._lock:
            entry = self._topics.setdefault(topic, [probe, {}])
            entry[0] = probe
            entry[1][(session_id, fragment_id)] = (seen, time.monotonic())
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="log-loss-lab-bell", daemon=True)
                self._thread.start()

    def ring(self) -> None:
        """Look now, not at the next tick (a change made in this process)."""
        self._poke.set()

    def look(self) -> list[tuple[str, str]]:
        """One look at every topic; returns (and forgets) the listeners to wake. A probe that raises wakes no one:
        their fragments' own ticks show the error."""
        with self._lock:
            snapshot = [(topic, entry[0], dict(entry[1])) for topic, entry in self._topics.items()]
        due, now = [], time.monotonic()
        for topic, probe, listeners in snapshot:
            try:
                value = probe()
            except Exception:  # the database is away, the room expired: the fallback ticks say so
                value = _UNSEEN
            ring = [k for k, (seen, _) in listeners.items() if value is not _UNSEEN and seen != value]
            old = [k for k, (_, when) in listeners.items() if now - when > BELL_FORGET]
            with self._lock:
                entry = self._topics.get(topic)
                if entry is None:
                    continue
                for k in (*ring, *old):
                    if entry[1].get(k) is listeners[k]:  # not listening again meanwhile
                        del entry[1][k]
                if not entry[1]:
                    del self._topics[topic]
            due += ring
        return due

    def _watch(self) -> None:
        while True:
            self._poke.wait(BELL_EVERY)
            self._poke.clear()
            try:
                due = self.look()
                if due:
                    self.wake(due)
            except Exception:  # never let the watcher die: the fragments' own ticks still run
                _LOG.exception("the bell's look failed")
            with self._lock:
                if not self._topics:
                    self._thread = None
                    return


_UNSEEN = object()
_BELL: list[Bell] = []  # this process's one bell, made by install(); never per session


def hang_the_bell(loop) -> bool:
    """Set up this process's :class:`Bell`, waking sessions on the server's event loop. Returns True when set."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

    if not callable(getattr(ThreadState, "get", None)) or not callable(getattr(AppSession, "request_rerun", None)):
        return False

    def on_loop(targets) -> None:
        loop.call_soon_threadsafe(_wake_fragments, targets)

    if not _BELL:
        _BELL.append(Bell(on_loop))
    return True


def _wake_fragments(targets) -> None:
    """On the event loop: rerun each session's fragment as its browser's ``run_every`` timer would — the session's
    last query string, page and context (what Streamlit's own run-on-save rerun uses), the fragment's id, marked an
    automatic rerun; no widget states, so every widget keeps the value the server holds. A session that is gone,
    or whose page no longer has that fragment, is skipped (``AppSession.request_rerun`` checks the fragment)."""
    from streamlit import runtime
    from streamlit.proto.ClientState_pb2 import ClientState

    manager = runtime.get_instance()._session_mgr
    for session_id, fragment_id in targets:
        info = manager.get_active_session_info(session_id)
        if info is None:
            continue
        state = ClientState()
        state.CopyFrom(info.session._client_state)
        state.fragment_id, state.is_auto_rerun = fragment_id, True
        try:
            info.session.request_rerun(state)
        except Exception:
            _LOG.exception("the bell could not wake a session")


def bell(topic, seen, probe) -> bool:
    """From inside a fragment's run: rerun this fragment in this session as soon as this process's watcher finds
    ``probe()`` returning something other than ``seen`` (it looks every BELL_EVERY seconds, one ``probe`` per
    ``topic`` for all its listeners). Returns False, and does nothing, when the bell is off or outside a fragment:
    the fragment must then keep its own quick ``run_every``."""
    if not _BELL or not is_on("bell"):
        return False
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

    ctx = get_script_run_ctx()
    fragment_id = ThreadState.get().fragment_id if ctx is not None else None
    if not fragment_id:
        return False
    _BELL[0].listen(topic, seen, probe, ctx.session_id, fragment_id)
    return True


def ring_bell() -> None:
    """Have this process's watcher look now: a change was just made here (other processes see it at their next
    look)."""
    for one in _BELL:
        one.ring()
