"""The server tuning (ui.tuning): one switch, the private names it relies on, and every chart drawn without it."""
import asyncio
import json
import logging

import pytest
import streamlit as st

from tests.conftest import open_page
from ui import PAGES, tuning


def test_the_switch_reads_off_on_and_a_list_of_names():
    assert tuning.requested("off") == frozenset() == tuning.requested(" OFF ")
    assert tuning.requested("") == tuning.requested("on") == frozenset(tuning.NAMES)
    assert tuning.requested("theme") == frozenset()  # dropped: measured no gain (docs/performance.md)
    assert tuning.requested("json,gc") == {"json", "gc"}
    assert tuning.requested("json,no-such-tuning") == {"json"}  # an unknown name is ignored, not an error


def test_the_pinned_streamlit_is_one_the_private_patches_were_verified_on():
    # Fails loudly when requirements.txt moves Streamlit: re-check every name below on the new version, then add it.
    assert st.__version__ in tuning.VERIFIED_STREAMLIT


def test_every_private_name_the_patches_use_is_still_there():
    """Each patch reaches one private name of Streamlit, plotly or asyncio; if one disappears, its patch would
    silently do nothing (or break), so this names it."""
    from plotly.io import _json
    from streamlit import runtime
    from streamlit.runtime.pages_manager import PagesManager

    loop = asyncio.new_event_loop()
    try:
        for name in ("_write_to_self", "_call_soon", "_thread_id"):  # wakeups: the loop's self-pipe
            assert hasattr(loop, name), f"asyncio loop lost {name}"
    finally:
        loop.close()
    assert callable(_json.to_json)  # json: plotly's own encoder behind plotly.io.to_json
    assert "uses_pages_directory" in vars(PagesManager)  # legacy: the process-wide flag st.navigation clears
    assert callable(getattr(runtime.Runtime, "_get_async_objs", None))  # the server's event loop
    from streamlit.elements.widgets import data_editor
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    # tables: the editor's state as the browser sends it, and the function that applies it row by row
    assert callable(data_editor.DataEditorSerde.deserialize) and callable(data_editor._apply_dataframe_edits)
    assert callable(data_editor._parse_added_row)
    # uploads: the manager every upload goes through, with the lock and storage the guard reads
    manager = MemoryUploadedFileManager("/upload")
    assert callable(MemoryUploadedFileManager.add_file) and hasattr(manager, "_lock")
    assert hasattr(manager, "file_storage")
    # caches: the handler of a browser's clear_cache request
    assert callable(getattr(AppSession, "_handle_clear_cache_request", None))


def test_install_says_in_one_line_what_is_on(monkeypatch, caplog):
    monkeypatch.setattr(tuning, "_INSTALLED", {})
    monkeypatch.setenv("LOG_LOSS_LAB_TUNING", "off")
    with caplog.at_level(logging.WARNING, logger="log_loss_lab"):
        on = tuning.install()
    assert not any(on.values())
    lines = [r.getMessage() for r in caplog.records if "tuning" in r.getMessage()]
    assert len(lines) == 1 and "stock Streamlit" in lines[0]
    assert tuning.install() is on and len(caplog.records) == 1  # once per process


def test_a_private_patch_is_skipped_on_a_streamlit_it_was_not_verified_on(monkeypatch, caplog):
    monkeypatch.setattr(tuning, "_INSTALLED", {})
    monkeypatch.delenv("LOG_LOSS_LAB_TUNING", raising=False)
    monkeypatch.setattr(st, "__version__", "99.0.0")
    import plotly.io as pio

    monkeypatch.setattr(pio, "to_json", pio.to_json)  # restored after the test whatever install() does
    with caplog.at_level(logging.WARNING, logger="log_loss_lab"):
        on = tuning.install()
    assert not any(on[name] for name in tuning.PRIVATE)
    assert "not a verified version" in caplog.records[-1].getMessage()


@pytest.mark.parametrize("info", PAGES, ids=lambda i: i.path)
def test_with_tuning_off_every_chart_is_sent_with_its_traces(info, monkeypatch):
    """Without the JSON hook Streamlit encodes a figure with plotly's own encoder, which sees an EncodedFigure as
    a dict holding only its size: the page must hand it the decoded figure."""
    import plotly.io as pio
    from plotly.io import _json

    tuning.install()  # whatever this process has, then the hook is taken away for this test
    monkeypatch.setitem(tuning._INSTALLED, "json", False)
    monkeypatch.setattr(pio, "to_json", _json.to_json)
    at = open_page(info.path)
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    for spec in specs:
        assert spec.get("data"), f"{info.path}: a chart was sent with no traces"


# ------------------------------------------------------------------------------------------------ the bell
def test_every_private_name_the_bell_uses_is_still_there():
    """The bell wakes a session's fragment as the browser's timer would: these are the names it reaches."""
    import dataclasses
    import inspect

    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime import Runtime
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        FragmentThreadState,
        ScriptRunContext,
        ThreadState,
    )
    from streamlit.runtime.session_manager import SessionManager

    assert "self._session_mgr" in inspect.getsource(Runtime.__init__)  # the sessions of this server
    assert callable(SessionManager.get_active_session_info)
    assert "self._client_state" in inspect.getsource(AppSession.__init__)  # a session's last query, page, context
    assert list(inspect.signature(AppSession.request_rerun).parameters) == ["self", "client_state"]
    assert "has_fragment" in inspect.getsource(AppSession.request_rerun)  # a fragment gone is skipped there
    assert {"fragment_id", "is_auto_rerun", "query_string", "page_script_hash"} <= set(
        ClientState.DESCRIPTOR.fields_by_name)
    assert callable(ThreadState.get) and "fragment_id" in {f.name for f in dataclasses.fields(FragmentThreadState)}
    assert "session_id" in {f.name for f in dataclasses.fields(ScriptRunContext)}


class Room:
    """A probe whose answer the test moves, counting how often it is asked."""

    def __init__(self, value):
        self.value, self.asked = value, 0

    def __call__(self):
        self.asked += 1
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def test_the_bell_wakes_only_listeners_that_saw_something_else_then_forgets_them():
    bell = tuning.Bell(wake=lambda targets: None)
    room = Room((1, "open"))
    bell.listen("K7QXM", (0, "waiting"), room, "session-a", "frag")  # saw the room before the question
    bell.listen("K7QXM", (1, "open"), room, "session-b", "frag")     # already sees it
    assert bell.look() == [("session-a", "frag")]
    assert bell.look() == []  # woken once: it listens again when its fragment runs
    room.value = (1, "closed")
    assert bell.look() == [("session-b", "frag")]
    assert bell.look() == [] and not bell._topics  # nobody left listening: the topic is dropped


def test_the_bell_asks_each_topic_once_however_many_listen():
    bell = tuning.Bell(wake=lambda targets: None)
    room, other = Room((1, "open")), Room((0, "waiting"))
    for i in range(200):
        bell.listen("K7QXM", (0, "waiting"), room, f"session-{i}", "frag")
    bell.listen("ABCDE", (0, "waiting"), other, "session-x", "frag")
    assert len(bell.look()) == 200
    assert (room.asked, other.asked) == (1, 1)


def test_a_probe_that_fails_wakes_no_one_and_keeps_them_listening():
    bell = tuning.Bell(wake=lambda targets: None)
    room = Room(RuntimeError("the database is away"))
    bell.listen("K7QXM", (0, "waiting"), room, "session-a", "frag")
    assert bell.look() == []
    room.value = (1, "open")
    assert bell.look() == [("session-a", "frag")]


def test_a_listener_that_stops_listening_is_forgotten(monkeypatch):
    bell = tuning.Bell(wake=lambda targets: None)
    room = Room((0, "waiting"))
    bell.listen("K7QXM", (0, "waiting"), room, "session-gone", "frag")
    now = tuning.time.monotonic()
    monkeypatch.setattr(tuning.time, "monotonic", lambda: now + tuning.BELL_FORGET + 1)
    assert bell.look() == [] and not bell._topics


def test_the_bells_watcher_thread_wakes_a_listener_when_rung():
    import threading

    woken, done = [], threading.Event()
    bell = tuning.Bell(wake=lambda targets: (woken.extend(targets), done.set()))
    room = Room((0, "waiting"))
    bell.listen("K7QXM", (0, "waiting"), room, "session-a", "frag")
    room.value = (1, "open")
    bell.ring()
    assert done.wait(10), "the watcher never woke the listener"
    assert woken == [("session-a", "frag")]


def test_outside_a_server_the_bell_is_off_and_says_so():
    # AppTest and scripts have no server event loop: the page must then keep its quick ticks (pages/live_class.WAIT)
    assert tuning.bell("K7QXM", (0, "waiting"), lambda: (0, "waiting")) is False


def test_a_woken_fragment_reruns_with_the_sessions_last_address_and_no_widget_states(monkeypatch):
    """What the bell hands Streamlit is what the browser's run_every timer sends: that fragment, an auto-rerun, the
    session's own query string and page (a phone's ``me=`` token must survive); a session gone is skipped."""
    from types import SimpleNamespace

    from streamlit import runtime
    from streamlit.proto.ClientState_pb2 import ClientState

    last = ClientState(query_string="room=K7QXM&me=abcdefgh12", page_script_hash="page-hash")
    asked = []
    session = SimpleNamespace(_client_state=last, request_rerun=asked.append)
    sessions = {"session-a": SimpleNamespace(session=session)}
    manager = SimpleNamespace(get_active_session_info=sessions.get)
    monkeypatch.setattr(runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=manager))
    tuning._wake_fragments([("session-a", "frag-1"), ("session-gone", "frag-1")])
    assert len(asked) == 1
    state = asked[0]
    assert (state.fragment_id, state.is_auto_rerun) == ("frag-1", True)
    assert (state.query_string, state.page_script_hash) == ("room=K7QXM&me=abcdefgh12", "page-hash")
    assert not state.widget_states.widgets  # the server keeps every widget's value
    assert not last.fragment_id  # the session's own record is not changed
