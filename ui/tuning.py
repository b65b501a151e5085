"""Server tuning: every change this app makes to its process beyond Streamlit's public API, in one place.

Nothing here happens on import. ``app.py`` calls :func:`install` once per script run (it is idempotent); it
applies what the ``LOG_LOSS_LAB_TUNING`` environment variable asks for and writes one line to the server's log
saying what is on:

* unset or ``on``: every tuning below;
* ``off``: stock Streamlit — nothing patched, no socket or collector touched;
* a comma-separated list of names (``nodelay,wakeups,json,gc,legacy``): only those (for measuring each
  alone; see docs/performance.md).

The ones that patch a private name of Streamlit, plotly or asyncio (``wakeups``, ``json``, ``legacy``)
are applied only on the Streamlit versions in :data:`VERIFIED_STREAMLIT`, where ``tests/test_tuning.py`` checks
that every private name they use is still there. ``nodelay`` and ``gc`` use only public OS and Python calls.
Workarounds of Streamlit bugs are written up for upstream in docs/upstream.md.
"""
from __future__ import annotations

import gc
import logging
import os
import socket
import threading

import streamlit as st

from lib import charts

VERIFIED_STREAMLIT = ("1.67.0",)  # the versions whose private names the patches below were checked on
NAMES = ("nodelay", "wakeups", "json", "gc", "legacy")
PRIVATE = frozenset({"wakeups", "json", "legacy"})  # these patch a private name of another package
_LOG = logging.getLogger("log_loss_lab")
_INSTALLED: dict[str, bool] = {}  # name → applied, filled once per process by install(); never per session


def requested(value: str | None = None) -> frozenset[str]:
    """The tunings ``LOG_LOSS_LAB_TUNING`` (or ``value``) asks for.

    >>> sorted(requested("off")), sorted(requested("json, gc")), len(requested(""))
    ([], ['gc', 'json'], 5)
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
    PagesManager.uses_pages_directory = False  # what st.navigation itself sets; the rerun cannot come back here
    st.rerun()
