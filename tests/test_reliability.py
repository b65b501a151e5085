"""No input breaks it: a monkey test of every page, bad link values everywhere, session isolation, no HTML, config."""
import ast
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, assert_ok, metric, open_page
from tests.test_pages import widget_keys
from ui import PAGES

ROUNDS = 25


def _widgets(at):
    """Every interactive widget on the page with a function that picks a random legal value (extremes often)."""
    out = []
    for s in at.slider:
        def pick(rng, lo=s.min, hi=s.max, step=s.step):
            r = rng.random()
            if r < 0.3:
                return lo
            if r < 0.6:
                return hi
            v = lo + step * rng.randint(0, int(round((hi - lo) / step)))
            return round(v, 10) if isinstance(lo, float) else type(lo)(v)
        out.append((s, pick))
    for kind in (at.select_slider, at.selectbox, at.radio, at.segmented_control):
        for s in kind:
            out.append((s, lambda rng, o=list(s.options): rng.choice(o)))
    for s in at.multiselect:
        out.append((s, lambda rng, o=list(s.options): rng.sample(o, rng.randint(0, len(o)))))
    for s in at.toggle:
        out.append((s, lambda rng: rng.random() < 0.5))
    for s in at.number_input:
        out.append((s, lambda rng, lo=s.min, hi=s.max: rng.choice([lo, hi, rng.randint(int(lo), int(hi))])))
    return out


@pytest.mark.parametrize("info", PAGES, ids=[p.path for p in PAGES])
def test_monkey_every_page_with_random_legal_values_and_extremes(info):
    rng = random.Random(f"monkey:{info.path}")
    at = open_page(info.path, timeout=60)
    for round_ in range(ROUNDS):
        widgets = _widgets(at)
        assert widgets, info.path
        for widget, pick in rng.sample(widgets, min(len(widgets), rng.randint(1, 4))):
            try:
                widget.set_value(pick(rng))
            except Exception as e:  # a value the harness offered that the widget's own API refuses: harness bug
                raise AssertionError(f"{info.path}: cannot set {widget.key}: {e}") from e
        for button in at.button:
            if rng.random() < 0.2:
                button.click()
        at.run()
        assert_ok(at, (info.path, round_))
        for m in at.metric:
            assert "nan" not in m.value.lower(), (info.path, m.label, m.value)


BAD_VALUES = ["<script>alert(1)</script>", "1e309", "-1", "-1e308", "", "NaN", "inf", "9" * 400, "true",
              "[1, 2]", "%00", "Q9", "☃"]


@pytest.mark.parametrize("info", PAGES, ids=[p.path for p in PAGES])
def test_garbage_in_every_link_parameter_falls_back_with_a_notice_never_an_exception(info):
    keys = sorted(widget_keys(open_page(info.path)))
    rng = random.Random(info.path)
    for key in keys:
        for bad in rng.sample(BAD_VALUES, 4):
            at = _open_quiet(info.path, {key: bad})
            assert_ok(at, (info.path, key, bad))
            for w in at.warning:
                assert "<script>" not in w.value or "`" in w.value  # shown as a code span, never as markup


def _open_quiet(path, query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if path != "pages/home.py":
        at.switch_page(path)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def test_two_sessions_never_see_each_others_state():
    a = open_page("pages/loss_curves.py", {"prob": "0.2"})
    b = open_page("pages/loss_curves.py")
    a.slider(key="prob").set_value(0.05).run()
    b.run()
    assert metric(b, "Loss (nats)").startswith("0.2231")  # −log 0.8: b keeps its own default
    assert metric(a, "Loss (nats)").startswith("2.996")   # −log 0.05
    version = a.session_state["table_version"]
    a.session_state[f"editor_{version}"] = {"edited_rows": {0: {"p": "oops"}}, "added_rows": [], "deleted_rows": []}
    a.run()
    b.run()
    assert any("left out" in w.value for w in a.warning)
    assert not any("left out" in w.value for w in b.warning)
    ga, gb = open_page("pages/gradient_descent.py", {"seed": "5"}), open_page("pages/gradient_descent.py")
    assert ga.number_input(key="seed").value == 5 and gb.number_input(key="seed").value == 0


def _module_level_mutables(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            bad.append(f"{path.name}: global {', '.join(node.names)}")
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for t in targets:
                if isinstance(t, ast.Name) and isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp,
                                                                  ast.DictComp, ast.SetComp)):
                    if not t.id.isupper() and not (t.id.startswith("__") and t.id.endswith("__")):
                        bad.append(f"{path.name}: {t.id}")
    return bad


def test_no_module_level_mutable_state_in_lib_or_ui():
    # constants are ALL_CAPS and never mutated; anything else shared by every session would leak between them
    files = sorted((ROOT / "lib").glob("*.py")) + sorted((ROOT / "ui").glob("*.py"))
    assert [b for f in files for b in _module_level_mutables(f)] == []


def test_nothing_is_rendered_as_html_except_static_css():
    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]:
        text = path.read_text()
        assert "unsafe_allow_html" not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "html":
                static = (["PRESENTATION_CSS"], ["BASE_CSS"], ["charts.ANIMATION_KEYS"], ["css.LIVE_QUESTION_CSS"],
                          ["css.LIVE_DARK_BUTTONS_CSS"])  # ui/css.py, no user text
                assert [ast.unparse(a) for a in node.args] in static, (
                    path.name, ast.unparse(node))


def test_production_config_hides_tracebacks_bounds_uploads_keeps_xsrf():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] <= 2
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_bounded_work_in_lib():
    from lib import datasets, logistic, tables

    with pytest.raises(ValueError):
        datasets.make("blobs", datasets.MAX_POINTS + 1)
    with pytest.raises(ValueError):
        datasets.coin_tosses(0.5, datasets.MAX_TOSSES + 1)
    d = datasets.make("blobs", 50)
    with pytest.raises(ValueError):
        logistic.train(d.X, d.y, steps=logistic.MAX_STEPS + 1)
    with pytest.raises(tables.TableError, match="limit"):
        tables.read_csv(b"y,p\n" + b"1,0.5\n" * 1_000_000)
    with pytest.raises(tables.TableError, match="more than 500 rows"):
        tables.read_csv(b"y,p\n" + b"1,0.5\n" * 501)


def test_csv_cells_with_nan_inf_and_text_are_flagged_row_by_row():
    from lib import tables

    rows = tables.read_csv(b"y,p\n1,nan\n0,inf\n1,-inf\nabc,0.5\n1,0.5\n1,\n,\n")  # a blank line is skipped
    checked = tables.check_samples(rows)
    assert checked.rows.tolist() == [4]
    assert checked.problems == {0: "p is not a number (NaN)", 1: "p = inf is outside [0, 1]",
                                2: "p = -inf is outside [0, 1]", 3: "y is not a number ('abc')",
                                5: "p is empty"}
    assert np.isfinite(checked.p).all()


def _app_with_home_page(tmp_path, source: str):
    """An AppTest of a copy of the app whose only page is ``source`` (the real app.py, ui, lib and config)."""
    import shutil

    from streamlit.testing.v1 import AppTest

    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "lib", tmp_path / "lib")
    shutil.copytree(ROOT / ".streamlit", tmp_path / ".streamlit")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "home.py").write_text(source)
    return AppTest.from_file(str(tmp_path / "app.py"), default_timeout=30)


def test_a_failing_page_shows_a_friendly_message_and_logs_the_details(tmp_path, caplog):
    from ui import FRIENDLY_ERROR

    at = _app_with_home_page(tmp_path, "raise RuntimeError('boom: a bug in a page')\n")
    with caplog.at_level("ERROR", logger="log_loss_lab"):
        at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [FRIENDLY_ERROR]
    assert "boom" not in " ".join(e.value for e in at.error)
    assert any("boom: a bug in a page" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    import sys

    lock = sys.modules["ui"].RUN_LOCK
    assert lock.acquire(blocking=False)  # a failing page lets the next script run in
    lock.release()


def test_tcp_nodelay_reaches_a_listening_socket_bound_like_streamlits_and_its_accepted_connections():
    import socket

    from ui.tuning import tcp_nodelay

    # Streamlit 1.67 binds with socket.socket(family=...): protocol 0, so asyncio never sets TCP_NODELAY itself
    with socket.socket(family=socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # Nagle on: the bug
        assert tcp_nodelay() >= 1
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0  # inherited (Linux)
            assert client.fileno() >= 0


def test_tcp_nodelay_leaves_no_descriptor_behind():
    import os

    from ui.tuning import tcp_nodelay

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        tcp_nodelay()
    assert len(os.listdir("/proc/self/fd")) == before


def _running_loop_with_counted_wakeups():
    """A real asyncio loop in its own thread whose self-pipe writes are counted, then coalesced (ui)."""
    import asyncio
    import threading

    from ui.tuning import coalesce_wakeups

    loop = asyncio.new_event_loop()
    writes = [0]
    real = loop._write_to_self

    def counted():
        writes[0] += 1
        real()

    loop._write_to_self = counted
    assert coalesce_wakeups(loop)
    assert not coalesce_wakeups(loop)  # once per loop
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    return loop, thread, writes


def _stop(loop, thread):
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    assert not thread.is_alive()
    loop.close()


def test_coalesced_wakeups_run_every_callback_from_many_threads_with_fewer_writes():
    import threading
    import time

    loop, thread, writes = _running_loop_with_counted_wakeups()
    per_thread, n_threads = 3000, 4
    ran = [0]
    all_ran = threading.Event()

    def callback():  # on the loop's thread
        ran[0] += 1
        if ran[0] == per_thread * n_threads:
            all_ran.set()

    def burst(k):
        for i in range(per_thread):
            loop.call_soon_threadsafe(callback)
            if (i + k) % 97 == 0:
                time.sleep(0.0005)  # let the loop drain and go idle now and then

    senders = [threading.Thread(target=burst, args=(k,)) for k in range(n_threads)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=60)
    assert all_ran.wait(timeout=30), f"only {ran[0]} of {per_thread * n_threads} callbacks ran"
    assert 1 <= writes[0] < per_thread * n_threads // 2, writes[0]
    _stop(loop, thread)


def test_coalesced_wakeups_never_lose_the_wakeup_of_an_idle_loop():
    import random
    import threading
    import time

    loop, thread, writes = _running_loop_with_counted_wakeups()
    rng = random.Random(7)
    for i in range(400):
        done = threading.Event()
        time.sleep(rng.choice([0, 0, 0.0002, 0.001]))  # the loop idle in select, or still busy
        loop.call_soon_threadsafe(done.set)
        assert done.wait(timeout=5), f"call {i}: the loop was never woken"
    # a call made on the loop's own thread writes nothing and still runs (the loop looks before it waits)
    before, done = writes[0], threading.Event()
    loop.call_soon_threadsafe(lambda: loop.call_soon_threadsafe(done.set))
    assert done.wait(timeout=5)
    assert writes[0] == before + 1
    _stop(loop, thread)


def _burst(loop, count: int, pause: float) -> list[int]:
    """Queue ``count`` callbacks on the loop from this thread, ``pause`` apart; returns the list they fill."""
    import time

    ran: list[int] = []
    for i in range(count):
        loop.call_soon_threadsafe(ran.append, i)
        time.sleep(pause)  # the loop has time to wake and drain between calls
    return ran


def test_coalesced_wakeups_leave_an_object_without_a_self_pipe_alone():
    from ui.tuning import coalesce_wakeups

    assert not coalesce_wakeups(None)
    assert not coalesce_wakeups(object())


def test_a_page_cache_is_wrapped_once_per_function_and_anew_when_the_function_changes(monkeypatch, tmp_path):
    import linecache

    import streamlit as st

    import ui

    made = []
    real = st.cache_resource

    def counting(*args, **kwargs):
        made.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(st, "cache_resource", counting)

    def define(body: str, name: str = "some_page.py"):  # what each rerun of a page file does
        path = tmp_path / name
        path.write_text(f"@ui.cached(max_entries=8)\ndef twice(key: str, _big: dict):\n    return {body}\n")
        linecache.checkcache(str(path))  # as a server reading an edited file (Streamlit keys by the source)
        namespace = {"ui": ui}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        return namespace["twice"]

    first, again = define("2 * len(_big)"), define("2 * len(_big)")
    assert first is again and len(made) == 1  # a rerun of the page: no new wrapper, no source read again
    assert made[0] == {"max_entries": 8, "show_spinner": False}
    edited = define("3 * len(_big)")
    assert edited is not first and len(made) == 2  # an edited function gets its own cache
    elsewhere = define("2 * len(_big)", name="another_page.py")
    assert elsewhere is not first  # the same code in another page file is another function
    assert first("k", {"a": 1}) == 2 and edited("k", {"a": 1}) == 3
    assert first("k", {"a": 1, "b": 2}) == 2  # keyed by the string; the "_" argument is not hashed


def test_a_failing_section_shows_the_friendly_message_in_place_and_the_rest_of_the_page_stays(tmp_path, caplog):
    from ui import FRIENDLY_ERROR

    at = _app_with_home_page(
        tmp_path,
        "import streamlit as st\nimport ui\n\npage = ui.Page('T', 'N')\n\n\n@ui.section\ndef broken():\n"
        "    st.markdown('before the bug')\n    raise RuntimeError('boom: a bug in a section')\n\n\n"
        "broken()\nst.markdown('after the section')\npage.done()\n")
    with caplog.at_level("ERROR", logger="log_loss_lab"):
        at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [FRIENDLY_ERROR]
    assert [m.value for m in at.markdown if m.value in ("before the bug", "after the section")] == [
        "before the bug", "after the section"]
    assert any("boom: a bug in a section" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    assert at.button(key="share_view")  # the page finished: its share button is there


def _table_script():
    import ui

    ui.table(["name", "value"], [["a | b", "1"], ["c\\d", "−2.5"]])


def test_a_markdown_table_keeps_a_cell_with_a_pipe_or_a_backslash_whole():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import md_table

    at = AppTest.from_function(_table_script)
    at.run()
    assert md_table(at, "name") == [{"name": "a | b", "value": "1"}, {"name": "c\\d", "value": "−2.5"}]
    assert at.markdown[0].value.splitlines()[1] == "| --- | ---: |"  # numbers aligned right


def _queue_runs(lock, runs, order: list[str]) -> list:
    """Start a thread per (name, first_run, pause) that takes ``lock`` and notes its name in ``order``; each one is
    queued on the lock before the next starts (then ``pause`` seconds pass), so the order of arrival is known."""
    import threading
    import time

    waiters = []
    for name, first, pause in runs:
        def run(name=name, first=first):
            with lock.held(first_run=first):
                order.append(name)
        t = threading.Thread(target=run)
        t.start()
        waiters.append(t)
        deadline = time.monotonic() + 5
        while sum(lock.waiting()) < len(waiters) and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(pause)
    return waiters


def test_the_run_lock_lets_working_students_in_before_arriving_ones_each_in_order():
    """ui.RunLock: re-entrant for its holder; of the runs waiting, reruns of sessions that ran before go first,
    then first runs, each queue in arrival order, unless a first run has waited past the lock's patience; a thread
    that does not hold it cannot release it."""
    import threading

    from ui import RunLock

    lock = RunLock()
    order: list[str] = []
    with lock:
        with lock:  # a section's rerun inside its page's run
            assert lock.waiting() == (0, 0)
        waiters = _queue_runs(lock, [("arrive-1", True, 0), ("arrive-2", True, 0), ("work-1", False, 0),
                                     ("work-2", False, 0)], order)
        assert lock.waiting() == (2, 2)
        other = threading.Thread(target=lambda: order.append(f"try:{lock.acquire(blocking=False)}"))
        other.start()
        other.join()
        errors = []

        def stranger():
            try:
                lock.release()
            except RuntimeError as e:
                errors.append(str(e))
        s = threading.Thread(target=stranger)
        s.start()
        s.join()
        assert errors and "does not hold" in errors[0]
    for t in waiters:
        t.join(5)
    assert order == ["try:False", "work-1", "work-2", "arrive-1", "arrive-2"]
    assert lock.acquire(blocking=False)
    lock.release()

    # a first run that has waited past the patience goes before the reruns behind it: late, never starved
    lock.FIRST_RUN_PATIENCE = 0.3
    order.clear()
    with lock:
        waiters = _queue_runs(lock, [("arrive-old", True, 0.5), ("work-3", False, 0), ("arrive-new", True, 0)], order)
    for t in waiters:
        t.join(5)
    assert order == ["arrive-old", "work-3", "arrive-new"]


def test_a_browsers_first_run_is_queued_as_a_first_run_and_its_next_runs_as_reruns(monkeypatch):
    import contextlib

    import ui
    from tests.conftest import open_page

    seen: list[bool] = []

    @contextlib.contextmanager
    def held(first_run=False):
        seen.append(first_run)
        yield

    monkeypatch.setattr(ui.RUN_LOCK, "held", held)
    at = open_page("pages/confident_mistakes.py")
    at.run()
    assert seen == [True, False]
