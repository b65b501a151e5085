"""The Live class page through AppTest, started from app.py: the teacher's and the students' views on one store."""
import math
import time

import pytest

from lib import class_questions, live
from tests.conftest import assert_ok, chart, open_page

PAGE = "pages/live_class.py"
SHARED_READ = 0.5  # pages/live_class.py's


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    monkeypatch.setenv("LOG_LOSS_LAB_DB", url)
    return live.Store(url)


def button(at, label):
    for b in at.button:
        if b.label == label:
            return b
    raise AssertionError(f"no button {label!r}: {[b.label for b in at.button]}")


def texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [x.value for x in at.info] + [x.value for x in at.success]
                    + [x.value for x in at.warning] + [x.value for x in at.header])


def test_without_a_room_the_page_offers_to_join_or_to_start_a_class(store):
    at = open_page(PAGE)
    assert at.text_input(key="room").value in ("", None)
    button(at, "Start a class")
    assert not at.warning


def test_a_teacher_starts_a_class_and_gets_a_code_link_qr_and_key_in_the_url(store):
    at = open_page(PAGE)
    button(at, "Start a class").click().run()
    assert_ok(at)
    code, key = at.query_params["room"], at.query_params["key"]
    code = code[0] if isinstance(code, list) else code
    key = key[0] if isinstance(key, list) else key
    store.check_key(code, key)  # the URL's key is the room's teacher key
    assert f"Room code: {code}" in texts(at)
    assert any(f"room={code}" in c.value and "key" not in c.value for c in at.code)  # the student link: no key
    assert at.get("imgs") or at.get("image")  # the QR code


def test_a_student_sees_a_question_answers_and_changes_it_until_the_close(store):
    code, key = store.open_room()
    student = open_page(PAGE, {"room": code})
    assert "Waiting for your teacher" in texts(student)
    me = student.query_params["me"]
    assert live.STUDENT_TOKEN.fullmatch(me[0] if isinstance(me, list) else me)
    r = store.ask(code, key, "certain_mistake")
    student.run()
    q = class_questions.get("certain_mistake")
    assert q.prompt in texts(student)
    student.radio[0].set_value(q.choices[1]).run()
    assert store.tally(code).counts == {1.0: 1}
    student.radio[0].set_value(q.choices[3]).run()
    assert store.tally(code).counts == {3.0: 1}
    assert "Answer saved: ∞" in texts(student)
    store.close(code, key)
    student.run()
    assert "closed this question" in texts(student) and not student.radio
    with pytest.raises(ValueError):
        store.answer(code, r, "student-late", 0)


def test_a_number_answer_is_sent_and_an_out_of_range_one_cannot_be(store):
    code, key = store.open_room()
    store.ask(code, key, "confident_mistake_loss")
    student = open_page(PAGE, {"room": code})
    box = student.number_input[0]
    assert (box.min, box.max) == (0.0, 100.0)
    box.set_value(4.61)
    button(student, "Send my answer").click().run()
    assert store.tally(code).counts == {4.61: 1}


def test_the_projector_shows_the_count_and_bars_without_the_answer_until_the_reveal(store):
    code, key = store.open_room()
    teacher = open_page(PAGE, {"room": code, "key": key})
    teacher.selectbox(key="ask").set_value(
        next(lbl for lbl in teacher.selectbox(key="ask").options if "p = 0 for" in lbl)).run()
    button(teacher, "Open this question").click().run()
    r = store.room(code).round
    for i, v in enumerate([3, 3, 3, 1, 1, 2]):
        store.answer(code, r, f"student-{i:04d}", v)
    time.sleep(SHARED_READ + 0.1)  # the page's process shares one read of the tally for SHARED_READ seconds
    teacher.run()
    assert next(m for m in teacher.metric if m.label == "Answered so far").value == "6"
    bars = chart(teacher, "live_tally")["data"][0]
    assert list(bars["x"])[::-1] == [0, 2, 1, 3]  # choices top to bottom: 0, 1, about 4.6, ∞
    assert len(set(bars["marker"]["color"])) == 1  # nothing marks the right answer yet
    assert "Right answer" not in texts(teacher)
    button(teacher, "Reveal").click().run()
    assert_ok(teacher)
    assert "Right answer: ∞ (no finite number)." in texts(teacher)
    assert "3 of 6 answered right. The most common wrong answer was “1 (the most a loss can be)” (2 of 6)" \
        in texts(teacher)
    colors = chart(teacher, "live_reveal")["data"][0]["marker"]["color"]
    assert len(set(colors)) == 2 and colors[0] != colors[1]  # ∞ (drawn first, at the bottom) stands out
    assert any(b.proto.url.endswith("?p=0.0") for b in teacher.get("link_button"))


def test_a_forged_key_gets_the_student_view_and_cannot_open_close_or_reveal(store):
    code, key = store.open_room()
    store.ask(code, key, "certain_mistake")
    at = open_page(PAGE, {"room": code, "key": "forged-key-forged-key"})
    assert "does not open this room" in texts(at)
    labels = [b.label for b in at.button]
    assert not {"Open this question", "Close answers", "Reveal"} & set(labels)
    assert store.room(code).state == "open"


@pytest.mark.parametrize("raw", ["ZZZZ9", "nonsense!", "x" * 40])
def test_a_wrong_code_gets_a_calm_message_and_the_join_box(store, raw):
    at = open_page(PAGE, {"room": raw})
    assert any("does not exist" in w.value for w in at.warning)
    button(at, "Start a class")


def test_an_expired_room_says_so(store, tmp_path):
    old = live.Store(store.url, clock=lambda: 1.0)  # opened long ago
    code, _ = old.open_room()
    at = open_page(PAGE, {"room": code})
    assert any("expired" in w.value for w in at.warning)


def test_a_flood_of_changes_from_one_browser_is_throttled_and_the_last_is_kept(store):
    code, key = store.open_room()
    store.ask(code, key, "confident_mistake_loss")
    student = open_page(PAGE, {"room": code})
    values = [round(0.5 + 0.25 * i, 2) for i in range(14)]
    for v in values:
        student.number_input[0].set_value(v)
        button(student, "Send my answer").click().run()
    assert store.tally(code).total == 1
    assert "newest answer is sent in a few seconds" in texts(student)
    saved = next(iter(store.tally(code).counts))
    assert saved == values[9]  # the tenth change went through; later ones wait for the window
    assert student.session_state["live_pending"][2] == values[-1]  # the newest is kept, not lost


def test_a_database_that_stops_answering_keeps_the_students_answer_pending(store, monkeypatch):
    code, key = store.open_room()
    store.ask(code, key, "certain_mistake")
    student = open_page(PAGE, {"room": code})

    def down(*a, **k):
        raise live.Unavailable("the class's database is not answering (test)")

    monkeypatch.setattr(live.Store, "answer", down)
    student.radio[0].set_value(class_questions.get("certain_mistake").choices[3]).run()
    assert_ok(student)
    assert "Nothing is lost" in texts(student)
    assert student.session_state["live_pending"][2] == 3.0
    monkeypatch.undo()
    monkeypatch.setenv("LOG_LOSS_LAB_DB", store.url)
    student.run()  # the watcher's next look sends it
    assert store.tally(code).counts == {3.0: 1}


def test_every_question_reveals_without_error_on_both_views(store):
    code, key = store.open_room()
    teacher = open_page(PAGE, {"room": code, "key": key})
    student = open_page(PAGE, {"room": code})
    for qid, q in class_questions.bank().items():
        r = store.ask(code, key, qid)
        store.answer(code, r, "student-other", q.right if q.is_choice else q.low)
        store.reveal(code, key)
        for at in (teacher, student):
            at.run()
            assert_ok(at, qid)
            assert f"Right answer: {q.label(q.right)}" in texts(at), qid
            assert not math.isnan(sum(chart(at, "reveal")["data"][0]["x"]))


def test_a_teacher_can_ask_the_question_of_a_home_page_view(store):
    code, key = store.open_room()
    teacher = open_page(PAGE, {"room": code, "key": key, "p": "0.37"})
    assert teacher.selectbox(key="ask").value.startswith("Home — A model predicts p = 0.37 ")
    button(teacher, "Open this question").click().run()
    q = class_questions.get(store.room(code).question)
    assert q.right == pytest.approx(-math.log(0.37), rel=1e-12)
    bad = open_page(PAGE, {"room": code, "key": key, "p": "7"})
    assert any("not a probability" in w.value for w in bad.warning)


def test_on_a_projector_asking_is_unfolded_while_the_class_gathers_and_folded_once_a_question_is_open(store):
    code, key = store.open_room()
    at = open_page(PAGE, {"room": code, "key": key, "present": "true"})
    assert_ok(at)
    assert [e.proto.expanded for e in at.expander if e.label == "Ask the class"] == [True]
    store.ask(code, key, "certain_mistake")
    at.run()
    assert [e.proto.expanded for e in at.expander if e.label == "Ask the class"] == [False]


def test_the_answers_charts_text_alternative_counts_one_student_as_one(store):
    """A class of one: the chart's text alternative said "answers of 1 students"."""
    code, key = store.open_room()
    r = store.ask(code, key, "certain_mistake")
    store.answer(code, r, "student-0000", 2)
    store.close(code, key)
    teacher = open_page(PAGE, {"room": code, "key": key})
    alt = next(el.proto.alt for el in teacher.get("plotly_chart") if "live_closed" in el.proto.id)
    assert "answers of 1 student: " in alt and "about 4.6: 1" in alt, alt
