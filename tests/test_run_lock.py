"""ui.RunLock's turns when a long run steps aside (``checkpoint``): threads with fake sessions, and one real page.

A heavy run that checkpoints lets another session's move in within a quantum, comes back at its depth with its lock
time, is neither starved nor queued as a first run, never deadlocks with a nested hold or a shared computation, and
is not left waiting on a quiet server. Timings are bounds far from what a broken lock gives (seconds, not ms).
"""
import threading
import time

from tests.conftest import metric, open_page


def _lock(quantum=0.01, long_run=0.02):
    from ui import RunLock

    lock = RunLock()
    lock.QUANTUM, lock.LONG_RUN = quantum, long_run
    return lock


class _as:
    """Hold ``lock`` as ``session`` (a fake Streamlit session)."""

    def __init__(self, lock, session, first_run=False):
        self.lock, self.session, self.first_run = lock, session, first_run

    def __enter__(self):
        self.lock.acquire(first_run=self.first_run, session=self.session)
        return self.lock

    def __exit__(self, *exc):
        self.lock.release()


def _busy(lock, seconds, until=None):
    """Hold the CPU like a training loop: a checkpoint every millisecond for ``seconds`` (or until ``until``)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until.is_set()):
        time.sleep(0.001)
        lock.checkpoint()


def _thread(target):
    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t


def _wait_until(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.001)
    return condition()


def test_a_move_arriving_during_a_heavy_run_gets_the_lock_within_a_quantum_and_the_heavy_run_finishes():
    lock = _lock()
    heavy_done = threading.Event()

    def heavy():
        with _as(lock, "heavy"):
            _busy(lock, 1.0)
        heavy_done.set()

    _thread(heavy)
    assert _wait_until(lambda: lock._owner_session == "heavy")
    time.sleep(0.1)  # the heavy run is long now
    t0 = time.monotonic()
    with _as(lock, "light"):
        waited = time.monotonic() - t0
    assert waited < 0.3, f"the light move waited {waited:.3f} s for a heavy run that checkpoints every ms"
    assert heavy_done.wait(5), "the heavy run never finished after stepping aside"


def test_a_run_that_steps_aside_comes_back_at_its_depth_and_only_its_lock_time_counts_against_its_limit():
    from ui import RunTooLong

    lock = _lock()
    lock.RUN_TIME_LIMIT = 0.4
    light_in, light_out = threading.Event(), threading.Event()
    seen = {}

    def light():
        with _as(lock, "light"):
            light_in.set()
            time.sleep(0.6)  # longer than the heavy run's limit: waiting for it must not count as its time
        light_out.set()

    def heavy():
        with _as(lock, "heavy"):
            with _as(lock, "heavy"):  # a section's rerun inside its page's run
                time.sleep(0.05)
                _thread(light)
                assert _wait_until(lambda: lock.waiting() == (1, 0))
                lock.checkpoint()  # steps aside: light goes, then this run comes back
                seen["light ran meanwhile"] = light_out.is_set()
                seen["nested after"] = lock.nested()
                try:
                    lock.check_time()  # ~0.05 s of lock time, ~0.65 s of wall time
                    seen["stopped early"] = False
                except RunTooLong:
                    seen["stopped early"] = True
                try:
                    _busy(lock, 1.0)
                    seen["stopped at its limit"] = False
                except RunTooLong:
                    seen["stopped at its limit"] = True
            seen["held once after the inner release"] = lock._depth == 1 and not lock.nested()
        seen["free after"] = lock.acquire(blocking=False, session="someone")
        lock.release()

    t = _thread(heavy)
    t.join(5)
    assert not t.is_alive(), "deadlock"
    assert seen == {"light ran meanwhile": True, "nested after": True, "stopped early": False,
                    "stopped at its limit": True, "held once after the inner release": True, "free after": True}


def test_a_short_run_does_not_step_aside_and_a_long_one_does():
    lock = _lock(quantum=0.001, long_run=0.2)
    owner = []
    with _as(lock, "short"):
        t = _thread(lambda: (lock.acquire(session="other"), owner.append("other"), lock.release()))
        assert _wait_until(lambda: lock.waiting() == (1, 0))
        time.sleep(0.02)
        lock.checkpoint()
        assert lock._owner == threading.get_ident(), "a 20 ms run stepped aside: a class's moves would be cut up"
        time.sleep(0.2)
        lock.checkpoint()  # now long: the other session goes, then this run comes back
        assert owner == ["other"] and lock._owner == threading.get_ident()
    t.join(5)


def test_a_session_whose_last_run_was_long_steps_aside_from_the_start_of_its_next_run():
    lock = _lock(quantum=0.001, long_run=0.05)
    with _as(lock, "heavy"):
        time.sleep(0.08)
    owner = []
    with _as(lock, "heavy"):
        t = _thread(lambda: (lock.acquire(session="other"), owner.append("other"), lock.release()))
        assert _wait_until(lambda: lock.waiting() == (1, 0))
        time.sleep(0.005)
        lock.checkpoint()
        assert owner == ["other"]
    t.join(5)


def test_a_run_alone_never_steps_aside_or_waits_at_a_checkpoint():
    lock = _lock(quantum=0.0, long_run=0.0)
    lock.BURST = 0.0  # even with no share left
    with _as(lock, "alone"):
        time.sleep(0.05)
        t0 = time.perf_counter()
        for _ in range(1000):
            lock.checkpoint()
        spent = time.perf_counter() - t0
    assert spent < 0.05, f"1,000 checkpoints with nobody waiting took {spent:.3f} s"


def test_a_run_that_stepped_aside_is_not_starved_by_a_stream_of_other_sessions_nor_queued_as_a_first_run():
    lock = _lock()
    lock.FIRST_RUN_PATIENCE = 30.0  # were it queued as a first run again, the stream below would go first for 30 s
    stop, done = threading.Event(), threading.Event()
    light_runs = []

    def light(name):
        while not stop.is_set():
            with _as(lock, name):
                light_runs.append(name)
                time.sleep(0.003)

    def heavy():
        with _as(lock, "heavy", first_run=True):  # a heavy link opened for the first time
            work = 0.0
            while work < 0.3:  # 0.3 s of its own lock time, checkpointing
                t0 = time.monotonic()
                time.sleep(0.001)
                lock.checkpoint()
                work += min(time.monotonic() - t0, 0.002)
        done.set()

    for name in ("a", "b", "c"):  # they have run before: reruns
        with _as(lock, name):
            pass
    t0 = time.monotonic()
    _thread(heavy)
    assert _wait_until(lambda: lock._owner_session == "heavy")
    lights = [_thread(lambda n=n: light(n)) for n in ("a", "b", "c")]
    finished = done.wait(10)
    took = time.monotonic() - t0
    stop.set()
    for t in lights:
        t.join(5)
    assert finished and took < 5, f"the heavy run took {took:.1f} s beside three light sessions"
    assert len(light_runs) > 30, "the light sessions did not get in during the heavy run"


def test_a_run_that_stepped_aside_is_served_on_a_quiet_server_when_its_share_grows_back():
    lock = _lock()
    lock.BURST = 0.0
    with _as(lock, "other"):
        pass
    back = threading.Event()

    def heavy():
        with _as(lock, "heavy"):
            _busy(lock, 0.15)  # two active sessions: the heavy one owes ~0.15 s when it steps aside
            lock.checkpoint()
        back.set()

    t = _thread(heavy)
    assert _wait_until(lambda: lock._owner_session == "heavy")
    time.sleep(0.1)
    with _as(lock, "light"):  # the heavy run steps aside for this one; afterwards nobody else comes
        pass
    assert back.wait(5), "a run that stepped aside waited forever on a quiet server"
    t.join(1)


def test_a_shared_computation_that_steps_aside_does_not_deadlock_another_session_needing_the_same_value():
    """Streamlit's cache lets one thread compute a value and makes the others wait under a lock of the value: a
    run waiting there while holding the run lock would keep the computing run (stepped aside) from coming back."""
    lock = _lock()
    value_lock = threading.Lock()  # Streamlit's compute lock of one cached value
    cache = {}
    got = {}

    def cached(session):
        with lock.computing("value"):
            with value_lock:
                if "value" not in cache:
                    _busy(lock, 0.3)  # computing it, stepping aside for others
                    cache["value"] = session
        got[session] = cache["value"]

    def run(session, delay):
        time.sleep(delay)
        with _as(lock, session):
            with _as(lock, session):  # nested, as a section inside its page's run
                cached(session)

    threads = [_thread(lambda: run("first", 0)), _thread(lambda: run("second", 0.1))]
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads), "deadlock: a run waited for a value under the run lock"
    assert got == {"first": "first", "second": "first"}
    assert lock.acquire(blocking=False, session="third")
    lock.release()


def test_the_gradient_descent_page_steps_aside_inside_its_run_and_shows_the_same_lesson(monkeypatch):
    """The page's run (a section inside the page's run, cached computations inside that) steps aside for another
    session hammering the lock, and still shows exactly what an undisturbed run shows."""
    import streamlit as st

    import ui

    query = {"n": "300", "steps": "600", "compare": ["Adam", "Momentum"], "seed": "4242"}
    monkeypatch.setattr(ui.RunLock, "QUANTUM", 0.0)
    monkeypatch.setattr(ui.RunLock, "LONG_RUN", 0.0)
    stepped_aside = []
    real = ui.RunLock._step_aside

    def counted(self, me, now):
        back = real(self, me, now)
        if back is not None and self is ui.RUN_LOCK:
            stepped_aside.append(me)
        return back

    monkeypatch.setattr(ui.RunLock, "_step_aside", counted)
    st.cache_resource.clear()
    stop, turns = threading.Event(), []

    def other_session():
        while not stop.is_set():
            with _as(ui.RUN_LOCK, "other"):
                turns.append(1)
            time.sleep(0.0005)

    t = _thread(other_session)
    try:
        disturbed = open_page("pages/gradient_descent.py", query)
    finally:
        stop.set()
        t.join(5)
    st.cache_resource.clear()
    quiet = open_page("pages/gradient_descent.py", query)
    assert len(stepped_aside) > 5, "the page's run never stepped aside"
    for label in ("Train loss at the end", "Accuracy", "‖w‖", "Gap to optimum"):
        assert metric(disturbed, label) == metric(quiet, label), label
    assert [c.proto.spec for c in disturbed.get("plotly_chart")] == [c.proto.spec for c in quiet.get("plotly_chart")]


def test_two_sessions_needing_one_cached_value_while_it_is_computed_stepping_aside_both_get_it(monkeypatch):
    """The real hazard behind ``RunLock.computing``: ``ui.cached`` (Streamlit's cache_resource) computing a value
    that steps aside, and another session asking for the same value meanwhile."""
    import ui

    monkeypatch.setattr(ui.RunLock, "QUANTUM", 0.0)
    monkeypatch.setattr(ui.RunLock, "LONG_RUN", 0.0)
    computed = []

    @ui.cached(max_entries=4)
    def slow(key: str, _payload: dict):
        computed.append(key)
        _busy(ui.RUN_LOCK, 0.3)
        return f"value of {key}"

    slow.clear()
    got = {}

    def run(session, delay):
        time.sleep(delay)
        with _as(ui.RUN_LOCK, session):
            got[session] = slow("same settings", {})

    threads = [_thread(lambda: run("A", 0)), _thread(lambda: run("B", 0.05))]
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "deadlock inside Streamlit's cache"
    assert got == {"A": "value of same settings", "B": "value of same settings"} and computed == ["same settings"]
