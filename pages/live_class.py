"""Live class: the teacher opens a question, every student answers on a phone, the projector shows the class's
answers, then the reveal. The store is ``lib.live``; the questions and their reveals are ``lib.class_questions``."""
import functools
import secrets
import time
from urllib.parse import urlencode

import segno
import streamlit as st

import ui
from lib import charts, class_questions, live
from ui import css, tuning

POLL = 1.0  # seconds between a waiting view's looks at the room: a new question or answer shows within 2 s
SHARED_READ = 0.5  # seconds one read of a room is shared by every viewer in this process
# With ui.tuning's bell on, this process's watcher wakes a waiting phone when its room changes (within the bell's
# 0.5 s); the phone's own tick is only the safety net, so 200 waiting phones cost a few % of a core, not a third.
FALLBACK = 5.0
WAIT = FALLBACK if tuning.is_on("bell") else POLL  # seconds between a student's own looks at the room
MAX_SAVES = 10  # answer changes a student may send in SAVE_WINDOW seconds; more wait (the last one is kept)
SAVE_WINDOW = 10.0
STUDENT = "me"  # the URL parameter holding this browser's anonymous token, so a reload is the same student

page = ui.Page("Live class", "Notice how the class's answers spread before the reveal: committing to a prediction "
               "first is what makes the reveal teach.")
if not page.presenting:
    st.html(css.LIVE_QUESTION_CSS)
if page.dark:
    st.html(css.LIVE_DARK_BUTTONS_CSS)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> live.Store:
    return live.Store(url)


def store() -> live.Store:
    """One store per database per server process (its connection pool is shared by every session)."""
    return _store(live.database_url())


def calm(error: Exception) -> str:
    """What a student or teacher is told about a store error (the error names the room or answer; no traceback)."""
    if isinstance(error, live.Unavailable):
        return ("The class's database is not answering right now. Nothing is lost: this page keeps trying, "
                "and your last answer is sent as soon as it answers.")
    text = str(error)  # may quote what a link carried (a room code): escaped, never rendered
    return ui.literal(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))


def url_for(path: str, query: dict) -> str:
    """An absolute link to a page of this app (``pages/x.py``) with URL parameters."""
    here = st.context.url or ""
    base = here.rsplit("/", 1)[0] if "/" in here.split("//", 1)[-1] else here
    slug = "" if path == "pages/home.py" else path.removeprefix("pages/").removesuffix(".py")
    q = urlencode(query)
    return f"{base}/{slug}" + (f"?{q}" if q else "")


def qr_svg(link: str) -> str:
    """The link as a QR code, dark on white with its quiet zone whatever the theme (readers need that)."""
    return segno.make(link, error="m").svg_inline(scale=10, border=4, dark="#000000", light="#ffffff")


def chart(question, counts: dict, revealed: bool, key: str) -> None:
    bars = class_questions.bars(question, counts, revealed=revealed)
    total = sum(n for _, n, _ in bars)
    alt = (f"answers of {total} student{'' if total == 1 else 's'}: "
           + "; ".join(f"{label}: {n}" for label, n, _ in bars)
           + (f". The right answer is {question.label(question.right)}." if revealed else "."))
    page.chart(charts.answers_figure(bars, revealed=revealed, height=max(200, 40 * len(bars) + 60)), key=key, alt=alt)


def show_reveal(question, counts: dict, key: str, why_link: bool = True, aside=None) -> class_questions.Reveal:
    """The right answer, the chart marking it and the sentence on the wrong ones (under the chart, or in ``aside``:
    the teacher's column beside it, on a projector's first screen); the link to the page that shows why, unless
    ``why_link`` is False (the teacher's is beside the chart: ``teacher_buttons``)."""
    result = class_questions.reveal(question, counts)
    st.success(f"**Right answer: {result.right_label}.** {question.why}", icon=":material/check_circle:")
    chart(question, counts, True, key)
    (aside or st).markdown(f"{result.right_count} of {result.total} answered right. {result.sentence}")
    if why_link:
        why_button(question)
    return result


def why_button(question, **kwargs) -> None:
    st.link_button(f"Why? Open {question.topic} at this view", url_for(question.page, question.view),
                   icon=":material/open_in_new:", **kwargs)


def question_label(q) -> str:
    return f"{q.topic} — {q.prompt}"


# ------------------------------------------------------------------------------------------------ the teacher
def start_class() -> None:
    try:
        code, key = store().open_room()
    except live.Unavailable as e:
        st.session_state["live_error"] = calm(e)
        return
    st.session_state["room"] = code
    st.query_params["key"] = key


def teacher_act(action: str, code: str, key: str, question_id: str | None = None) -> None:
    try:
        if action == "ask":
            store().ask(code, key, question_id)
        else:
            getattr(store(), action)(code, key)
    except (ValueError, PermissionError, live.Unavailable) as e:
        st.session_state["live_error"] = calm(e)
        return
    tuning.ring_bell()  # this process's waiting phones hear of it now, not at the watcher's next look


def join_panel(room: live.Room) -> None:
    """How students join: large while the class gathers, a small column beside the question once one is asked (the
    question and its answers must be on the projector's first screen)."""
    link = url_for("pages/live_class.py", {"room": room.code})
    if room.state == "waiting":
        join, qr = st.columns([3, 2], gap="large", vertical_alignment="center")
        with join:
            st.markdown("Students join at")
            st.code(link, language=None, wrap_lines=True)
            st.markdown(f"# Room code: {room.code}")
            st.caption("Students are anonymous: a browser is a student. Keep this tab's address to yourself — it "
                       "holds your teacher key (full screen, F11, hides it on a projector).")
        with qr:
            st.image(qr_svg(link), width=360 if page.presenting else 300, caption=f"Scan to join room {room.code}",
                     alt=f"QR code of the student link, {link}")
    else:
        st.markdown(f"### Room {room.code}")
        # the link in a box of its own: in the image's faded caption it read at 3:1 on white
        st.image(qr_svg(link), width=200, caption="Scan to join, or open:", alt=f"QR code of the student link, {link}")
        st.code(link, language=None, wrap_lines=True)


def teacher_view(room: live.Room, key: str) -> None:
    if room.state == "waiting":
        join_panel(room)
        ask_box(room, key)
        st.info("Open a question: your students' phones show it at once.", icon=":material/hourglass_top:")
        return
    main, side = st.columns([3, 1], gap="large")
    aside = None
    with side:
        if not page.phone:
            teacher_buttons(room, key, st.container(), "stretch")
            aside = st.container()  # the reveal's sentence, under the link: on the projector's first screen
        join_panel(room)
    with main:
        question_panel(room, key, aside)
        if page.phone:  # the columns stack on a phone: the buttons right under the chart, before the join panel
            teacher_buttons(room, key, page.row(), "content")
    ask_box(room, key)


def teacher_buttons(room: live.Room, key: str, where, width: str) -> None:
    """Close and Reveal, at the top of the column beside the answers: on a 1280×720 projector, below the chart
    they sat half under the screen's edge, and a teacher must not scroll in front of the class to reveal. After
    the reveal, the link to the page that shows why is there instead."""
    if room.state == "revealed":
        with where:  # wrapped in a narrow column: no "…"
            why_button(class_questions.get(room.question), width=width, wrap=True)
    if room.state == "open":
        where.button("Close answers", icon=":material/lock:", on_click=teacher_act, args=("close", room.code, key),
                     width=width)
    if room.state in ("open", "closed"):
        where.button("Reveal", icon=":material/visibility:", on_click=teacher_act,
                     args=("reveal", room.code, key), type="primary", width=width)


def ask_box(room: live.Room, key: str) -> None:
    options = {qid: question_label(q) for qid, q in class_questions.bank().items()}
    own = view_question()
    if own is not None:  # the home page's view, ?p=…, asked of the class: first in the list
        options = {own.id: question_label(own)} | options
    with page.controls("Ask the class", expanded=room.state == "waiting"):  # while the class gathers: the next step
        row = page.row()
        chosen = page.select("Question", "ask", options, next(iter(options)), container=row)
        row.button("Open this question", icon=":material/campaign:", on_click=teacher_act,
                   args=("ask", room.code, key, chosen), type="primary")


def question_panel(room: live.Room, key: str, aside=None) -> None:
    question = class_questions.get(room.question)
    st.header(f"Question {room.round}: {question.prompt}", anchor=False)
    if room.state == "open":
        projector_tally(room.code, room.round, question.id)
    else:
        counts = store().tally(room.code).counts
        if room.state == "closed":
            st.metric("Answers (closed)", sum(counts.values()))
            chart(question, counts, False, "live_closed")
        else:
            show_reveal(question, counts, "live_reveal", why_link=False, aside=aside)


def view_question():
    """The question a home-page view poses — "what is the loss at this p?" — when the teacher's link carries that
    view's ``p`` (copied from its share link); None without one, with a notice for a p that cannot be asked."""
    raw = st.query_params.get("p")
    if raw is None:
        return None
    try:
        return class_questions.loss_at(float(raw))
    except ValueError:
        st.warning(f"The link's p ({ui.code_span(raw)}) is not a probability in (0, 1], so it was not added to the "
                   "questions.", icon=":material/link_off:")
        return None


@st.fragment(run_every=POLL)
def projector_tally(code: str, round_: int, question_id: str) -> None:
    """The open question's live count and distribution (the right answer is not marked); reruns alone."""
    question = class_questions.get(question_id)
    try:
        tally = store().tally(code, max_age=SHARED_READ, round_=round_)
    except live.Unavailable as e:
        st.warning(calm(e), icon=":material/cloud_off:")
        return
    if tally.round != round_:  # the question changed in another tab: draw the whole page again
        st.rerun(scope="app")
    st.metric("Answered so far", tally.total)
    chart(question, tally.counts, False, "live_tally")


# ------------------------------------------------------------------------------------------------ the students
def student_token() -> str:
    token = st.query_params.get(STUDENT, "")
    if not live.STUDENT_TOKEN.fullmatch(token or ""):
        token = secrets.token_urlsafe(12)
        st.query_params[STUDENT] = token
    return token


def save(code: str, round_: int, value: float) -> None:
    """Keep the student's answer as pending, then send it (the next look at the room sends it again if this fails)."""
    st.session_state["live_pending"] = (code, round_, value)
    send_pending(student_token())


def send_pending(token: str) -> None:
    pending = st.session_state.get("live_pending")
    if pending is None:
        return
    now = time.monotonic()
    sent = [t for t in st.session_state.get("live_sends", []) if now - t < SAVE_WINDOW]
    if len(sent) >= MAX_SAVES:  # a flood from one browser: keep the newest, send it when the window allows
        st.session_state["live_status"] = "Too many changes at once: your newest answer is sent in a few seconds."
        return
    st.session_state["live_sends"] = [*sent, now]
    code, round_, value = pending
    try:
        store().answer(code, round_, token, value)
    except live.Unavailable as e:
        st.session_state["live_status"] = calm(e)
        return
    except ValueError as e:  # closed meanwhile, or not an answer: nothing to retry
        st.session_state.pop("live_pending", None)
        st.session_state["live_status"] = calm(e)
        return
    st.session_state.pop("live_pending", None)
    st.session_state["live_saved"] = (code, round_, value)
    st.session_state["live_status"] = None


def student_view(room: live.Room) -> None:
    if room.state == "waiting":
        st.info(f"You are in room {room.code}. Waiting for your teacher to open a question…",
                icon=":material/hourglass_top:")
        return
    question = class_questions.get(room.question)
    st.header(question.prompt, anchor=False)
    saved = st.session_state.get("live_saved")
    mine = saved[2] if saved and saved[:2] == (room.code, room.round) else None
    if room.state == "open":
        if question.is_choice:
            # in a keyed box: ui's page CSS makes its choices thumb-sized on a phone (44 px rows, larger type)
            pick = st.container(key="live-answer").radio("Your answer", question.choices, index=None,
                                                         key=f"live_pick_{room.round}")
            if pick is not None and question.choices.index(pick) != mine:
                save(room.code, room.round, float(question.choices.index(pick)))
        else:
            row = page.row()
            number = row.number_input(f"Your answer ({question.unit})" if question.unit else "Your answer",
                                      min_value=question.low, max_value=question.high, value=None,
                                      step=10.0 ** -question.decimals, format=f"%.{question.decimals}f",
                                      key=f"live_number_{room.round}")
            # the box sends its number when it loses focus or on Enter; the button is that tap made visible
            row.button("Send my answer", type="primary", icon=":material/send:")
            if number is not None and number != mine:
                save(room.code, room.round, float(number))
        saved = st.session_state.get("live_saved")
        mine = saved[2] if saved and saved[:2] == (room.code, room.round) else None
        if mine is not None:
            st.success(f"Answer saved: {question.label(mine)}. You can change it until your teacher closes the "
                       "question.", icon=":material/task_alt:")
    elif room.state == "closed":
        st.info("Your teacher closed this question. " + (f"Your answer: {question.label(mine)}." if mine is not None
                else "You did not answer it.") + " The reveal comes next.", icon=":material/lock:")
    else:
        counts = store().tally(room.code).counts  # fresh: the final count, not a read from before the close
        result = show_reveal(question, counts, "live_student_reveal")
        if mine is not None:
            verdict = "right" if question.is_right(mine) else "not right"
            st.markdown(f"Your answer, {question.label(mine)}, was **{verdict}**.")
        del result


def room_version(the_store: live.Store, code: str) -> tuple[int, str]:
    """What a student's view of a room is drawn from: a change of it is what the bell rings for."""
    room = the_store.room(code)
    return room.round, room.state


@st.fragment(run_every=WAIT)
def student_room(code: str, token: str) -> None:
    """A student's view of the room, redrawn alone: each look (a tick, or the bell) draws whatever the teacher
    opened, closed or revealed since — only this part is sent, never the whole page — and sends an answer still
    pending; last, what the answer's save said."""
    send_pending(token)
    try:
        room = store().room(code, max_age=SHARED_READ)
        tuning.bell(("live_room", room.code), (room.round, room.state),
                    functools.partial(room_version, store(), room.code))
        student_view(room)
    except (ValueError, live.Unavailable) as e:  # the room expired or the database went away meanwhile
        st.warning(calm(e), icon=":material/cloud_off:")
        return
    status = st.session_state.get("live_status")
    if status:
        st.warning(status, icon=":material/schedule:")
    else:
        st.caption(f"Live · room {code}")


# ------------------------------------------------------------------------------------------------ the page
def join_box(prefill_error: str | None = None) -> None:
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.markdown("**Join a class**")
        st.text_input("Room code", key="room", bind="query-params", max_chars=12, placeholder="e.g. K7QXM",
                      help="The five letters and digits on your teacher's screen.")
        # the box joins on Enter; a button makes that tap visible (pressing it leaves the box, which sends the code)
        st.button("Join", type="primary", icon=":material/login:", key="join")
    with right, st.container(border=True):
        st.markdown("**Teach a class**")
        st.button("Start a class", icon=":material/co_present:", on_click=start_class, type="primary")
        st.caption("You get a room code, a link and a QR code for your students, and questions to ask.")


error = st.session_state.pop("live_error", None)
if error:
    st.warning(error, icon=":material/error:")
raw_code = st.query_params.get("room", "")
if not raw_code and "room" in st.session_state:
    raw_code = st.session_state["room"] or ""
room = None
if raw_code:
    try:
        room = store().room(raw_code)
    except (ValueError, live.Unavailable) as e:
        st.warning(calm(e), icon=":material/link_off:")
if room is None:
    join_box()
else:
    key = st.query_params.get("key")
    teacher = False
    if key:
        try:
            store().check_key(room.code, key)
            teacher = True
        except (PermissionError, ValueError, live.Unavailable):
            teacher = False
        if not teacher:
            st.warning("This link's teacher key does not open this room: you see it as a student does.",
                       icon=":material/key_off:")
    # the room's code stays bound to the URL, but in a room its box would only push the question down: hidden
    st.container(key="hidden-ctl-room").text_input("Room code", key="room", bind="query-params", max_chars=12)
    try:
        if teacher:
            teacher_view(room, key)
        else:
            student_room(room.code, student_token())
    except (ValueError, live.Unavailable) as e:  # the room expired or the database went away meanwhile
        st.warning(calm(e), icon=":material/cloud_off:")

page.done()
