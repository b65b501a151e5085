"""lib.live, the live class's store: its contract on SQLite always and on a real PostgreSQL server."""
import math
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from lib import live
from tests.live_db import BACKENDS, fresh_database


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def store(url):
    s = live.Store(url, clock=Clock())
    yield s
    s.engine.dispose()


def test_a_room_has_a_short_code_and_a_secret_key_stored_only_as_its_hash(store):
    code, key = store.open_room()
    assert len(code) == 5 and set(code) <= set(live.CODE_ALPHABET)
    assert len(key) >= 20 and key not in (code,)
    with store.engine.connect() as conn:
        stored = [str(v) for row in conn.execute(sa.select(live.rooms)) for v in row]
    assert key not in " ".join(stored)
    other, other_key = store.open_room()
    assert (other, other_key) != (code, key)
    assert store.room(code.lower()).state == "waiting" and store.room(code).round == 0


def test_unknown_and_malformed_room_codes_raise_value_error_naming_them(store):
    with pytest.raises(ValueError, match="ZZZZ9"):
        store.room("ZZZZ9")
    with pytest.raises(ValueError, match="room"):
        store.room("no such room at all")
    with pytest.raises(ValueError, match="ZZZZ9"):
        store.answer("ZZZZ9", 1, "student-0001", 0)


def test_only_the_key_opens_closes_and_reveals(store):
    code, key = store.open_room()
    _, other_key = store.open_room()
    for forged in ("", "x" * 24, other_key, key + "x", None):
        with pytest.raises(PermissionError):
            store.ask(code, forged, "certain_mistake")
    round_ = store.ask(code, key, "certain_mistake")
    for forged in ("", other_key):
        with pytest.raises(PermissionError):
            store.close(code, forged)
        with pytest.raises(PermissionError):
            store.reveal(code, forged)
        with pytest.raises(PermissionError):
            store.check_key(code, forged)
    store.check_key(code, key)
    assert store.room(code).state == "open" and round_ == 1


def test_unknown_question_raises_value_error_naming_it(store):
    code, key = store.open_room()
    with pytest.raises(ValueError, match="no_such_question"):
        store.ask(code, key, "no_such_question")
    assert store.room(code).state == "waiting"


def test_one_answer_per_student_replaced_when_changed(store):
    code, key = store.open_room()
    r = store.ask(code, key, "certain_mistake")
    store.answer(code, r, "student-aaaa", 3)
    store.answer(code, r, "student-bbbb", 1)
    store.answer(code, r, "student-aaaa", 2)  # changes their mind
    assert store.tally(code).counts == {1.0: 1, 2.0: 1}
    assert store.tally(code).total == 2


def test_a_thousand_answers_from_one_browser_count_once_as_the_last(store):
    code, key = store.open_room()
    r = store.ask(code, key, "confident_mistake_loss")
    for i in range(1000):
        store.answer(code, r, "one-browser", i / 100)
    assert store.tally(code).counts == {9.99: 1}


def test_a_closed_question_takes_no_answers_and_keeps_the_ones_it_had(store):
    code, key = store.open_room()
    r = store.ask(code, key, "which_costs_more")
    store.answer(code, r, "student-aaaa", 0)
    store.close(code, key)
    with pytest.raises(ValueError, match=f"question {r} of room '{code}' is closed"):
        store.answer(code, r, "student-bbbb", 1)
    with pytest.raises(ValueError, match="closed"):
        store.answer(code, r, "student-aaaa", 1)  # no changes after the close either
    store.reveal(code, key)
    assert store.room(code).state == "revealed"
    assert store.tally(code).counts == {0.0: 1}
    with pytest.raises(ValueError, match="closed"):
        store.answer(code, r, "student-cccc", 0)  # nor after the reveal


def test_no_answer_before_the_first_question_or_to_an_old_round(store):
    code, key = store.open_room()
    with pytest.raises(ValueError, match="closed"):
        store.answer(code, 1, "student-aaaa", 0)
    with pytest.raises(ValueError, match="no question to reveal"):
        store.reveal(code, key)
    with pytest.raises(ValueError, match="no question to close"):
        store.close(code, key)
    first = store.ask(code, key, "which_costs_more")
    store.answer(code, first, "student-aaaa", 0)
    second = store.ask(code, key, "certain_mistake")
    assert second == first + 1
    with pytest.raises(ValueError, match=f"question {first} of room"):
        store.answer(code, first, "student-aaaa", 1)
    assert store.tally(code).counts == {} and store.tally(code).round == second
    with store.engine.connect() as conn:  # the previous round's answers are gone, not just hidden
        assert conn.execute(sa.select(sa.func.count()).select_from(live.answers)).scalar() == 0


@pytest.mark.parametrize("question, bad", [
    ("certain_mistake", 4), ("certain_mistake", -1), ("certain_mistake", 1.5), ("certain_mistake", "two"),
    ("certain_mistake", math.nan), ("confident_mistake_loss", -0.5), ("confident_mistake_loss", 1e9),
    ("confident_mistake_loss", math.inf), ("confident_mistake_loss", math.nan), ("confident_mistake_loss", None)])
def test_an_answer_out_of_range_raises_value_error_naming_the_question(store, question, bad):
    code, key = store.open_room()
    r = store.ask(code, key, question)
    with pytest.raises(ValueError, match=question):
        store.answer(code, r, "student-aaaa", bad)
    assert store.tally(code).counts == {}


@pytest.mark.parametrize("token", ["", "short", "x" * 41, "has space in it", "semi;colon'quote", None, 12345678])
def test_a_student_token_that_is_not_one_is_refused(store, token):
    code, key = store.open_room()
    r = store.ask(code, key, "certain_mistake")
    with pytest.raises(ValueError, match="token"):
        store.answer(code, r, token, 0)


def test_rooms_older_than_a_day_are_purged_with_their_answers(store):
    old, old_key = store.open_room()
    r = store.ask(old, old_key, "certain_mistake")
    store.answer(old, r, "student-aaaa", 3)
    store.clock.now += live.ROOM_LIFETIME - 60
    young, _ = store.open_room()
    store.clock.now += 120  # the old room is now a day and a minute old
    with pytest.raises(ValueError, match="expired"):
        store.room(old)  # expired even before the purge removes it
    assert store.purge() == 1
    store.room(young)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(live.answers)).scalar() == 0
        assert [row.code for row in conn.execute(sa.select(live.rooms.c.code))] == [young]


def test_two_hundred_students_at_once_are_each_counted_exactly_once(store):
    code, key = store.open_room()
    r = store.ask(code, key, "certain_mistake")
    errors = []

    def students(first):
        try:
            for i in range(first, 200, 8):
                store.answer(code, r, f"student-{i:04d}", i % 4)
                store.answer(code, r, f"student-{i:04d}", (i + 1) % 4)  # and each changes their mind once
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=students, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.tally(code).counts == {float(v): 50 for v in range(4)}


def test_a_second_store_on_the_same_database_sees_the_same_room(url):
    a, b = live.Store(url), live.Store(url)
    code, key = a.open_room()
    r = a.ask(code, key, "certain_mistake")
    b.answer(code, r, "student-aaaa", 3)
    assert a.tally(code).counts == {3.0: 1}
    b.close(code, key)
    assert a.room(code).state == "closed"


def test_shared_reads_are_at_most_max_age_old(store):
    code, key = store.open_room()
    assert store.room(code, max_age=60).state == "waiting"
    other = live.Store(store.url)  # another process's change is not seen until the shared read expires
    other.ask(code, key, "certain_mistake")
    assert store.room(code, max_age=60).state == "waiting"
    assert store.room(code).state == "open"
    assert store.room(code, max_age=60).state == "open"  # a fresh read is the one shared from then on
    store.ask(code, key, "which_costs_more")  # this process's own change is seen at once
    assert store.room(code, max_age=60).question == "which_costs_more"


def test_a_locked_sqlite_database_raises_unavailable_and_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    store = live.Store(url, lock_wait=0.2)
    code, key = store.open_room()
    r = store.ask(code, key, "certain_mistake")
    store.answer(code, r, "student-aaaa", 3)
    blocker = sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(live.Unavailable, match="not answering"):
            store.answer(code, r, "student-bbbb", 2)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.answer(code, r, "student-bbbb", 2)  # the same answer, sent again once the lock is gone
    assert store.tally(code).counts == {2.0: 1, 3.0: 1}


def test_an_unreachable_database_raises_unavailable_within_seconds():
    import time

    t0 = time.monotonic()
    with pytest.raises(live.Unavailable):
        live.Store("postgresql+psycopg://nobody@127.0.0.1:9/nothing", lock_wait=1.0)
    assert time.monotonic() - t0 < 10


def test_the_default_database_is_a_file_in_the_git_ignored_data_folder(monkeypatch):
    monkeypatch.delenv("LOG_LOSS_LAB_DB", raising=False)
    url = live.database_url()
    assert url.startswith("sqlite:///") and url.endswith(".data/live_class.sqlite3")
    from pathlib import Path

    assert ".data/" in (Path(__file__).resolve().parents[1] / ".gitignore").read_text().split()
    monkeypatch.setenv("LOG_LOSS_LAB_DB", "postgresql+psycopg://u@h/db")
    assert live.database_url() == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = live.Store(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
