"""The live class in real browsers: a teacher and three students on one server, and a teacher and a student on two
server processes sharing one database (SQLite file, and PostgreSQL when a server is available)."""
import os
import subprocess
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from lib import class_questions
from tests.browser.conftest import Console, _need_browser, free_port, settle, start_app
from tests.browser.rooms import MOBILE_UA
from tests.live_db import fresh_database

pytestmark = pytest.mark.browser
LIVE = 2.0  # seconds: a new question reaches a waiting phone, an answer reaches the projector
SLACK = 1.0  # a loaded CI machine's allowance on top (the benchmark measures the real latency, tests/perf)


@contextmanager
def servers(db_url: str, count: int, tuning: str | None = None):
    """``count`` app processes sharing the database at ``db_url`` (with ``LOG_LOSS_LAB_TUNING=tuning`` if given);
    yields their base URLs."""
    old, old_tuning = os.environ.get("LOG_LOSS_LAB_DB"), os.environ.get("LOG_LOSS_LAB_TUNING")
    os.environ["LOG_LOSS_LAB_DB"] = db_url
    if tuning is not None:
        os.environ["LOG_LOSS_LAB_TUNING"] = tuning
    procs, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            procs.append(start_app(port))
            urls.append(f"http://127.0.0.1:{port}")
    finally:
        for name, value in (("LOG_LOSS_LAB_DB", old), ("LOG_LOSS_LAB_TUNING", old_tuning)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield urls
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def start_class(page, base: str) -> tuple[str, str, str]:
    """The teacher starts a class; (room code, teacher key, student link) as the page shows them."""
    page.goto(f"{base}/live_class")
    settle(page)
    page.get_by_role("button", name="Start a class").click()
    page.get_by_text("Room code: ", exact=False).first.wait_for(timeout=15_000)
    settle(page)
    query = parse_qs(urlsplit(page.url).query)
    code, key = query["room"][0], query["key"][0]
    link = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    return code, key, link


def ask(page, base: str, code: str, key: str, qid: str) -> None:
    q = class_questions.get(qid)
    page.goto(f"{base}/live_class?" + urlencode({"room": code, "key": key, "ask": f"{q.topic} — {q.prompt}"}))
    settle(page)
    page.get_by_role("button", name="Open this question").click()


def answered(page) -> str:
    m = page.locator('[data-testid="stMetric"]').filter(has_text="Answered so far")
    return m.locator('[data-testid="stMetricValue"]').inner_text() if m.count() else ""


def wait_until(page, check, seconds: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if check():
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    raise AssertionError(f"not within {seconds} s")


def test_a_teacher_and_three_students(browser, tmp_path):
    _need_browser()
    q = class_questions.get("certain_mistake")
    with servers(f"sqlite:///{tmp_path / 'live.sqlite3'}", 1) as (base,):
        teacher_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        teacher = teacher_ctx.new_page()
        code, key, link = start_class(teacher, base)
        assert urlsplit(link).path == "/live_class" and parse_qs(urlsplit(link).query) == {"room": [code]}
        qr = teacher.locator('[data-testid="stImage"] img').first
        assert qr.bounding_box()["width"] >= 280  # readable from the back of a room
        students = []
        for i in range(3):
            opts = {"viewport": {"width": 390, "height": 844}, "user_agent": MOBILE_UA, "is_mobile": True,
                    "has_touch": True} if i == 0 else {"viewport": {"width": 1280, "height": 800}}
            ctx = browser.new_context(**opts)
            s = ctx.new_page()
            s.console = Console(s)
            s.goto(link)
            settle(s)
            assert s.get_by_text("Waiting for your teacher", exact=False).count() == 1
            students.append((ctx, s))
        ask(teacher, base, code, key, "certain_mistake")
        t_open = time.monotonic()
        for _, s in students:  # each waiting phone shows the question without anyone pressing anything
            s.get_by_text(q.prompt).wait_for(timeout=(LIVE + SLACK) * 1000)
        assert time.monotonic() - t_open <= LIVE + SLACK
        picks = [q.choices[3], q.choices[3], q.choices[1]]
        for (_, s), pick in zip(students, picks, strict=True):
            s.get_by_text(pick, exact=True).click()
            s.get_by_text("Answer saved", exact=False).wait_for(timeout=10_000)
        students[2][1].get_by_text(q.choices[2], exact=True).click()  # changes their mind
        students[2][1].get_by_text(f"Answer saved: {q.choices[2]}", exact=False).wait_for(timeout=10_000)
        wait_until(teacher, lambda: answered(teacher) == "3", LIVE + SLACK)
        assert teacher.get_by_text("Right answer", exact=False).count() == 0
        teacher.get_by_role("button", name="Reveal").click()
        teacher.get_by_text("Right answer: ∞", exact=False).wait_for(timeout=10_000)
        assert teacher.get_by_text("2 of 3 answered right.", exact=False).count() == 1
        assert teacher.get_by_text("“about 4.6” (1 of 3)", exact=False).count() == 1
        for (_, s), pick in zip(students, [q.choices[3], q.choices[3], q.choices[2]], strict=True):
            # the reveal is a whole page (bars, sentence, link): bounded looser than the question's 2 s
            s.get_by_text("Right answer: ∞", exact=False).wait_for(timeout=2 * (LIVE + SLACK) * 1000)
            verdict = "right" if pick == q.choices[3] else "not right"
            assert s.get_by_text(f"Your answer, {pick}, was {verdict}.").count() == 1
        for ctx, s in students:
            assert not s.console.errors
            ctx.close()
        teacher_ctx.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_answer_through_one_process_is_counted_on_the_other(browser, tmp_path, backend):
    _need_browser()
    with fresh_database(backend, tmp_path) as url, servers(url, 2) as (a, b):
        ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        teacher = ctx.new_page()
        code, key, _ = start_class(teacher, a)
        ask(teacher, a, code, key, "which_costs_more")
        student_ctx = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=MOBILE_UA)
        student = student_ctx.new_page()
        student.goto(f"{b}/live_class?room={code}")  # the other process
        settle(student)
        student.get_by_text("A", exact=True).click()
        student.get_by_text("Answer saved: A", exact=False).wait_for(timeout=10_000)
        wait_until(teacher, lambda: answered(teacher) == "1", LIVE + SLACK)
        teacher.get_by_role("button", name="Reveal").click()  # revealed through A, seen through B
        student.get_by_text("Right answer: A", exact=False).wait_for(timeout=(LIVE + SLACK) * 1000)
        student_ctx.close()
        ctx.close()


def test_with_tuning_off_a_waiting_phone_still_gets_the_question_by_its_own_ticks(browser, tmp_path):
    """Stock Streamlit, no bell (ui.tuning): the phone's fragment looks at the room every second by itself."""
    _need_browser()
    q = class_questions.get("which_costs_more")
    with servers(f"sqlite:///{tmp_path / 'live.sqlite3'}", 1, tuning="off") as (base,):
        ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        teacher = ctx.new_page()
        code, key, link = start_class(teacher, base)
        student_ctx = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=MOBILE_UA,
                                          is_mobile=True, has_touch=True)
        student = student_ctx.new_page()
        student.goto(link)
        settle(student)
        ask(teacher, base, code, key, q.id)
        student.get_by_text(q.prompt).wait_for(timeout=(LIVE + SLACK) * 1000)
        student.get_by_text("A", exact=True).click()
        student.get_by_text("Answer saved: A", exact=False).wait_for(timeout=10_000)
        teacher.get_by_role("button", name="Close answers").click()
        student.get_by_text("Your teacher closed this question", exact=False).wait_for(timeout=(LIVE + SLACK) * 1000)
        student_ctx.close()
        ctx.close()
