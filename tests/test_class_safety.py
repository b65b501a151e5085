"""Issue 27, one student cannot stall the class: nothing a student sends is rendered, and every input is bounded.

The rendering checks read the Markdown bodies the page sends and interpret them the way CommonMark does for the
two literal forms the app uses — a backslash-escaped ASCII punctuation character, and a code span — written here
from the spec, not from ``ui``. What is left "active" must hold none of the payloads' constructs.
"""
import json
import re

import pytest

from tests.conftest import assert_ok, open_page, shown
from ui import PAGES

PAYLOADS = ("[x](//ev.il/a)", "**B0LD**", r"$\huge{X}$", "<img src=x onerror=alert(1)>")
ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def active_markup(body: str) -> str:
    """``body`` with every character Markdown shows literally replaced by a space: an escaped punctuation
    character (``\\*``) and the whole of a code span (backtick run … the same run)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in ASCII_PUNCT:
            out.append("  ")
            i += 2
            continue
        if c == "`":
            run = len(body[i:]) - len(body[i:].lstrip("`"))
            end = body.find("`" * run, i + run)
            while end != -1 and body[end + run: end + run + 1] == "`":  # a longer run does not close it
                end = body.find("`" * run, end + run + 1)
            if end != -1:
                out.append(" " * (end + run - i))
                i = end + run
                continue
        out.append(c)
        i += 1
    return "".join(out)


RENDERED = {
    "a link": re.compile(r"\]\(|www\.|https?:"),
    "emphasis": re.compile(r"[*_]+B0LD"),
    "math": re.compile(r"\$[^$]*huge"),
    "HTML": re.compile(r"<\s*[a-zA-Z/]"),
}


def rendered_payloads(at) -> list[tuple[str, str]]:
    """(what, body) for every Markdown body on the page in which a payload would be rendered."""
    found = []
    bodies = [el.value for kind in ("markdown", "caption", "warning", "error", "info", "success", "exception")
              for el in getattr(at, kind)]
    for body in bodies:
        if not any(marker in body for marker in ("ev", "B0LD", "huge", "onerror")):
            continue
        live = active_markup(str(body))
        for what, pattern in RENDERED.items():
            if pattern.search(live):
                found.append((what, body))
    return found


def test_the_checker_finds_each_payload_rendered_when_it_is_not_escaped():
    for payload, what in zip(PAYLOADS, RENDERED, strict=True):
        assert what in {w for w, _ in rendered_payloads_of(f"It was {payload}.")}
        assert not rendered_payloads_of(f"It was `{payload}`.")
        escaped = "".join("\\" + c if c in ASCII_PUNCT else c for c in payload)
        assert not rendered_payloads_of(f"It was {escaped}.")


def rendered_payloads_of(body: str):
    class Fake:
        markdown = [type("El", (), {"value": body})()]
        caption = warning = error = info = success = exception = []
    return rendered_payloads(Fake())


def _page_keys(path: str) -> set[str]:
    from tests.test_pages import widget_keys

    return widget_keys(open_page(path))


@pytest.mark.parametrize("info", PAGES, ids=lambda i: i.path)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_link_parameter_is_rendered(info, payload):
    query = {key: payload for key in _page_keys(info.path) | {"lock", "hide", "rows"}}
    at = open_page(info.path, query)
    assert_ok(at)
    assert not rendered_payloads(at), rendered_payloads(at)
    # and the notices are there: the payload was looked at, shown, and refused
    assert any("ev" in w.value or "B0LD" in w.value or "huge" in w.value or "onerror" in w.value for w in at.warning)


LOSS, GD = "pages/loss_curves.py", "pages/gradient_descent.py"


def _own_points_page():
    at = open_page(GD, {"dataset": "Your own points"})
    assert at.file_uploader, "the own-points uploader is shown"
    return at


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_uploaded_header_or_cell_is_rendered(payload):
    quoted = '"' + payload.replace('"', '""') + '"'
    files = [  # a header that is refused, and a file loaded with a bad cell (shown: does the message quote it?)
        (LOSS, f"{quoted},p\n1,0.5\n".encode(), True), (LOSS, f"y,p\n{quoted},0.5\n1,0.5\n".encode(), True),
        (GD, f"{quoted},x2,y\n1,2,0\n".encode(), False),
        (GD, f"x1,x2,y\n{quoted},1,0\n".encode() + b"1,1,1\n" * 12, True),
    ]
    for path, data, quoted_in_message in files:
        at = open_page(path) if path == LOSS else _own_points_page()
        at.file_uploader[0].set_value(("t.csv", data, "text/csv")).run()
        assert_ok(at)
        quoted_back = any(m in e.value for e in [*at.error, *at.warning] for m in ("ev", "B0LD", "huge", "onerror"))
        assert quoted_back == quoted_in_message, (path, data)
        assert not rendered_payloads(at), (path, rendered_payloads(at))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_typed_cell_is_rendered(payload):
    for path, key, row in ((LOSS, "editor_{}", {"y": payload, "p": "0.5"}),
                           (GD, "points_{}", {"x1": payload, "x2": "1", "y": "0"})):
        at = open_page(path) if path == LOSS else _own_points_page()
        version = at.session_state["table_version" if path == LOSS else "points_version"]
        at.session_state[key.format(version)] = {"edited_rows": {}, "added_rows": [row], "deleted_rows": []}
        at.run()
        assert_ok(at)
        assert any(m in w.value for w in at.warning for m in ("ev", "B0LD", "huge", "onerror"))
        assert not rendered_payloads(at), (path, rendered_payloads(at))


# ------------------------------------------------------------------------------------------- pasted rows
def test_pasted_rows_are_added_as_streamlit_adds_them_in_one_step():
    import pandas as pd
    from streamlit.elements.lib.column_config_utils import determine_dataframe_schema
    from streamlit.elements.widgets import data_editor as de

    import ui

    assert ui.tuning.bound_table_edits()
    frame = pd.DataFrame([("1", "0.9"), ("0", "0.2"), ("1", None)], columns=["y", "p"], dtype=object)
    schema = determine_dataframe_schema(frame, __import__("pyarrow").Schema.from_pandas(frame))
    state = {"edited_rows": {1: {"p": "0.25"}}, "deleted_rows": [0],
             "added_rows": [{"y": "1", "p": "0.5"}, {"p": "x"}, {"y": None}, {"y": "0", "p": "1e-3"}]}
    ours = de._apply_dataframe_edits(frame.copy(), state, schema)
    theirs = de._apply_dataframe_edits.__wrapped__(frame.copy(), state, schema)
    pd.testing.assert_frame_equal(ours, theirs)
    assert ours.index.tolist() == [1, 2, 3, 4, 5, 6]


def test_twenty_thousand_pasted_rows_are_cut_at_the_door_not_added_one_by_one(monkeypatch):
    from streamlit.elements.widgets import data_editor as de

    import ui

    enlargements = []
    real = de._assign_row_values
    monkeypatch.setattr(de, "_assign_row_values", lambda *a: enlargements.append(1) or real(*a))
    at = open_page(LOSS)
    version = at.session_state["table_version"]
    at.session_state[f"editor_{version}"] = {"edited_rows": {}, "deleted_rows": [],
                                             "added_rows": [{"y": "1", "p": "0.5"}] * 20_000}
    at.run()
    assert_ok(at)
    assert not enlargements  # no row added by a copy of the frame each
    assert any("Only the first 500 rows" in w.value for w in at.warning)
    # what the session keeps of the browser's message: the first MAX_TABLE_ROWS of each list
    sent = {"edited_rows": {str(i): {"p": "0.5"} for i in range(5_000)}, "deleted_rows": list(range(5_000)),
            "added_rows": [{"y": "1", "p": "0.5"}] * 20_000}
    kept = de.DataEditorSerde().deserialize(json.dumps(sent))
    assert [len(kept[k]) for k in sent] == [ui.tuning.MAX_TABLE_ROWS] * 3
    assert kept["added_rows"][0] == {"y": "1", "p": "0.5"} and 999 in kept["edited_rows"]


def test_pasted_points_beyond_the_limit_are_cut_and_said():
    from lib import datasets

    at = _own_points_page()
    version = at.session_state["points_version"]
    at.session_state[f"points_{version}"] = {"edited_rows": {}, "deleted_rows": [],
                                             "added_rows": [{"x1": "1", "x2": "2", "y": "1"}] * 5_000}
    at.run()
    assert_ok(at)
    assert any(f"Only the first {datasets.MAX_POINTS} points" in w.value for w in at.warning)


# ------------------------------------------------------------------------------------------- fair turns
def _hold(lock, session, seconds=0.0):
    import time

    lock.acquire(session=session)
    time.sleep(seconds)
    lock.release()


def _queue(lock, sessions, order):
    """A thread per session that takes ``lock`` as that session and notes it; queued one after another."""
    import threading
    import time

    threads = []
    for name in sessions:
        def run(name=name):
            lock.acquire(session=name)
            order.append(name)
            lock.release()
        t = threading.Thread(target=run)
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while sum(lock.waiting()) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.001)
    return threads


def test_the_run_lock_takes_sessions_in_turn_not_one_sessions_stream_first():
    from ui import RunLock

    lock = RunLock()
    lock.BURST = 10.0  # shares out of the way: this is about order
    _hold(lock, "busy")
    order: list[str] = []
    lock.acquire(session="holder")
    threads = _queue(lock, ["busy", "a", "b"], order)  # busy asked first, but was served a moment ago
    lock.release()
    for t in threads:
        t.join(5)
    assert order == ["a", "b", "busy"]


def test_a_session_over_its_share_waits_while_others_go_and_is_served_when_its_share_grows_back():
    import threading
    import time

    from ui import RunLock

    lock = RunLock()
    lock.BURST = 0.02
    for name in ("a", "b"):
        _hold(lock, name)
    _hold(lock, "heavy", 0.2)  # three active sessions: heavy is 0.18 s over, back in ~0.54 s
    assert lock.acquire(blocking=False, session="a")  # another session goes at once
    lock.release()
    assert not lock.acquire(blocking=False, session="heavy")  # the lock is free, but not for heavy yet
    took = []
    t0 = time.monotonic()
    t = threading.Thread(target=lambda: (lock.acquire(session="heavy"), took.append(time.monotonic() - t0),
                                         lock.release()))
    t.start()
    t.join(5)
    assert took and 0.3 < took[0] < 2.0


def test_a_student_alone_is_never_held_back():
    from ui import RunLock

    lock = RunLock()
    lock.BURST = 0.01
    _hold(lock, "alone", 0.1)
    assert lock.acquire(blocking=False, session="alone")
    lock.release()


def test_a_run_past_its_time_limit_stops_with_a_calm_message(monkeypatch):
    import ui

    monkeypatch.setattr(ui.RunLock, "RUN_TIME_LIMIT", -1.0)  # every run is past it at its first control
    at = open_page("pages/home.py")
    assert not at.exception
    assert [i.value for i in at.info if "took too long" in i.value] == [ui.TOO_LONG]
    assert not any(ui.FRIENDLY_ERROR in e.value for e in at.error)

    def past_it_inside_a_section(self):
        if self.nested():
            raise ui.RunTooLong()

    monkeypatch.setattr(ui.RunLock, "check_time", past_it_inside_a_section)
    at = open_page(GD)  # gradient descent's lesson is a section: the message is said once, not per part
    assert not at.exception
    assert [i.value for i in at.info if "took too long" in i.value] == [ui.TOO_LONG]


def test_heavy_settings_compare_fewer_paths_and_the_page_says_which():
    from tests.conftest import figures

    at = open_page(GD, {"n": "500", "steps": "1000", "train_with": "both (a race)",
                        "compare": ["Adam", "Momentum", "RMSprop", "Mini-batch SGD"]})
    note = next(c.value for c in at.caption if "capped" in c.value)
    drawn = [t["name"][len("path: "):] for t in figures(at)[0]["data"] if str(t.get("name", "")).startswith("path: ")]
    drawn = [d for d in drawn if not d.startswith("BCE") and d != "squared error"]  # the run and the race
    # 500 points × 1,000 steps: the run and the race's run leave room for two compared paths in 2,000,000
    assert drawn == ["Adam", "Momentum"]
    assert "RMSprop, Mini-batch SGD not drawn" in note and "500 training points" in note
    light = open_page(GD, {"n": "100", "steps": "200", "compare": ["Adam", "Momentum", "RMSprop", "Mini-batch SGD"]})
    assert not any("capped" in c.value for c in light.caption)


# ------------------------------------------------------------------------------------------- uploads and caches
def test_a_session_is_let_upload_only_while_its_page_shows_an_uploader():
    import ui

    ui.tuning.install()
    session = "test session id"  # AppTest's
    at = open_page("pages/home.py")
    assert session not in ui.tuning._UPLOAD_SESSIONS
    at.switch_page(LOSS).run()
    assert_ok(at)
    assert session in ui.tuning._UPLOAD_SESSIONS
    at.switch_page("pages/derivation.py").run()
    assert session not in ui.tuning._UPLOAD_SESSIONS
    assert _own_points_page() and session in ui.tuning._UPLOAD_SESSIONS
    assert open_page(GD) and session not in ui.tuning._UPLOAD_SESSIONS  # a dataset of its own: no uploader shown


def test_the_upload_manager_refuses_a_session_without_an_uploader_and_bounds_what_one_holds():
    from starlette.exceptions import HTTPException
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    import ui

    assert ui.tuning.guard_uploads()
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    megabyte = b"x" * (1024 * 1024)
    with pytest.raises(HTTPException) as refused:
        manager.add_file("home-session", UploadedFileRec("f1", "a.csv", "text/csv", b"y,p\n"))
    assert refused.value.status_code == 403 and not manager.file_storage.get("home-session")
    ui.tuning.allow_uploads("upload-session")
    for i in range(2):
        manager.add_file("upload-session", UploadedFileRec(f"f{i}", "a.csv", "text/csv", megabyte))
    manager.add_file("upload-session", UploadedFileRec("f1", "b.csv", "text/csv", megabyte))  # a replacement
    with pytest.raises(HTTPException) as full:
        manager.add_file("upload-session", UploadedFileRec("f9", "c.csv", "text/csv", megabyte))
    assert full.value.status_code == 413
    held = sum(len(f.data) for f in manager.file_storage["upload-session"].values())
    assert held <= ui.tuning.MAX_SESSION_UPLOAD_BYTES
    ui.tuning.allow_uploads("upload-session", False)


def test_a_browsers_clear_cache_leaves_the_shared_caches_and_clears_only_its_own_state():
    import streamlit as st
    from streamlit.runtime.app_session import AppSession

    import ui

    assert ui.tuning.keep_shared_caches()
    calls = []

    @st.cache_resource
    def shared(x):
        calls.append(x)
        return x

    class Session:
        def __init__(self):
            self._session_state = {"seed": 3}

    shared(1)
    asker = Session()
    AppSession._handle_clear_cache_request(asker)
    shared(1)
    assert calls == [1] and asker._session_state == {}
    AppSession._handle_clear_cache_request.__wrapped__(Session())  # Streamlit's own: every cache goes
    shared(1)
    assert calls == [1, 1]


# ------------------------------------------------------------------------------------------- exercise links
def _buttons(at, label: str) -> list:
    return [b for b in at.button if b.label == label]


@pytest.mark.parametrize("path, key, label", [(GD, "seed", "New sample"),
                                              ("pages/derivation.py", "toss", "Toss again")])
def test_a_button_that_sets_a_locked_or_hidden_control_is_greyed_or_gone_with_it(path, key, label):
    free = open_page(path)
    assert [b.disabled for b in _buttons(free, label)] == [False]
    locked = open_page(path, {"lock": key})
    assert [b.disabled for b in _buttons(locked, label)] == [True]
    hidden = open_page(path, {"hide": key})
    assert _buttons(hidden, label) == []


def test_a_long_name_in_a_lock_list_gets_the_notice_too():
    name = "learning_rate_of_the_optimizer_for_this_lesson_please"  # 53 characters, no control
    at = open_page(GD, {"lock": f"steps,{name}"})
    notices = [w.value for w in at.warning if "not a control" in w.value]
    assert len(notices) == 1 and name[:20] in notices[0]


def test_readmes_first_lesson_fixes_everything_but_the_learning_rate():
    from urllib.parse import parse_qsl

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if "Only the learning rate is yours" in ln)
    link = readme[readme.index(line):].split("`…/gradient_descent?", 1)[1].split("`", 1)[0]
    query: dict = {}
    for k, v in parse_qsl(link):
        query.setdefault(k, []).append(v)
    at = open_page(GD, {k: v[0] if len(v) == 1 else v for k, v in query.items()})
    assert not [w.value for w in at.warning if "not a control" in w.value]
    views = {"lr", "logloss", "frame", "controls", "present"}  # the student's: η, and how the run is viewed
    controls = {w.key: w.disabled for kind in ("slider", "select_slider", "selectbox", "toggle", "number_input",
                                               "multiselect", "button_group", "radio")
                for w in getattr(at, kind, []) if isinstance(getattr(w, "key", None), str)}
    assert {"steps", "l2", "pw", "seed", "dataset", "train_with"} <= controls.keys()
    free = {k for k, disabled in controls.items() if k not in views and not disabled}
    assert free == set(), f"README says everything else is fixed, but these are free: {free}"
    assert not [b for b in _buttons(at, "New sample") if not b.disabled]


# ------------------------------------------------------------------------------------------- typed edits
def test_a_typed_edit_survives_leaving_the_page_and_is_in_the_address_bar():
    from tests.conftest import metric

    at = open_page(LOSS)
    before = metric(at, "Mean loss")
    version = at.session_state["table_version"]
    at.session_state[f"editor_{version}"] = {"edited_rows": {0: {"p": "0.01"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    edited = metric(at, "Mean loss")
    assert edited != before
    assert at.query_params["rows"].startswith("1:0.01,1:0.8,")  # the address bar carries it
    at.switch_page("pages/home.py").run()
    at.switch_page(LOSS).run()
    assert_ok(at)
    assert metric(at, "Mean loss") == edited
    # and the address bar's table is the one a fresh visitor gets
    fresh = open_page(LOSS, {"rows": at.query_params["rows"]})
    assert metric(fresh, "Mean loss") == edited


def test_edited_points_survive_switching_the_dataset_away_and_back():
    at = _own_points_page()
    version = at.session_state["points_version"]
    extra = [{"x1": str(0.1 * i), "x2": "0.5", "y": str(i % 2)} for i in range(5)]
    at.session_state[f"points_{version}"] = {"edited_rows": {}, "added_rows": extra, "deleted_rows": []}
    at.run()
    from tests.test_pages import _points

    assert len(_points(at)[1]) == 25
    at.selectbox(key="dataset").set_value("Two blobs").run()
    at.selectbox(key="dataset").set_value("Your own points").run()
    assert_ok(at)
    assert len(_points(at)[1]) == 25


# ------------------------------------------------------------------------------------------- hand-written links, files
@pytest.mark.parametrize("key, spellings, value", [("lr", ["100", "100.0", "1e2", "1E+2"], 100.0),
                                                   ("steps", ["1000", "1e3", "1000.0"], 1000)])
def test_a_number_in_a_link_is_the_same_value_however_it_is_written(key, spellings, value):
    for text in spellings:
        at = open_page(GD, {key: text})
        assert at.select_slider(key=key).value == value, text
        assert not [w.value for w in at.warning if "link" in w.value], text


@pytest.mark.parametrize("path, data, column", [(LOSS, b"y,y,p\n1,0,0.5\n", "y"), (LOSS, b"y,p,P\n1,0.5,0.2\n", "p"),
                                                (GD, b"x1,x2,y,x1\n" + b"1,2,0,3\n" * 12, "x1")])
def test_a_duplicated_column_name_is_refused_naming_it(path, data, column):
    at = open_page(path) if path == LOSS else _own_points_page()
    at.file_uploader[0].set_value(("t.csv", data, "text/csv")).run()
    assert_ok(at)
    assert any(f"'{column}' twice" in shown(e.value) for e in at.error), [e.value for e in at.error]


def test_a_file_with_old_mac_line_ends_is_read():
    from tests.conftest import metric
    from tests.test_pages import _points

    at = open_page(LOSS)
    at.file_uploader[0].set_value(("t.csv", b"y,p\r1,0.5\r0,0.5\r", "text/csv")).run()
    assert not at.error and metric(at, "Samples in the mean") == "2 of 2"
    points = b"x1,x2,y\r" + b"".join(b"%d,%d,%d\r" % (i, (i * 7) % 5, int(i >= 6)) for i in range(12))
    at = _own_points_page()
    at.file_uploader[0].set_value(("p.csv", points, "text/csv")).run()
    assert not at.error and len(_points(at)[1]) == 12


def test_a_waiting_session_is_served_even_when_its_timer_fires_early_and_nobody_else_runs(monkeypatch):
    import threading
    import time

    from ui import RunLock

    lock = RunLock()
    lock.BURST = 0.0
    _hold(lock, "other")
    _hold(lock, "heavy", 0.05)  # two active: heavy owes ~0.05 s, back in ~0.1 s
    calls = []
    real = lock._eligible_at

    def first_check_says_later(waiter, now, active):  # the timer's first look finds it not yet due
        calls.append(now)
        return now + 0.05 if len(calls) <= 2 else real(waiter, now, active)

    monkeypatch.setattr(lock, "_eligible_at", first_check_says_later)
    done = threading.Event()
    t = threading.Thread(target=lambda: (_hold(lock, "heavy"), done.set()))
    t.start()
    assert done.wait(3), "a waiter was left without a timer"
    t.join(1)
    assert time.monotonic() - calls[0] < 3
