"""Every page in every room a class uses — light, dark, a phone, the projector — checked as a person would look.

One app server for the module; one browser context per room. For each page: chart lines and bars stand out from
the background really painted (WCAG 1.4.11, ≥ 3:1), nothing scrolls sideways, no metric or formula is cut, the
title is clear of Streamlit's header, the main chart is on the first screen (well inside it on the projector),
titles, legends and the animation's buttons and slider do not overlap, and every chart has a text alternative.
An axe-core audit runs on every page in both themes (on the same page loads); what it reports is ours to fix,
except the rules listed in ``UPSTREAM`` (Streamlit's own markup; README "Accessibility" names each with its
upstream issue). The Live class is checked in its own views (a student's question, the teacher's open question and
reveal) in the rooms each is used in, with axe in every room and Tab reaching every control.
"""
import pytest

from tests.browser.conftest import _need_browser, running_app, settle
from tests.browser.rooms import LIVE_ROOMS, PAGES, ROOM_QUERY, ROOMS, contrast, measure, overlap, rgb

pytestmark = pytest.mark.browser

# axe-core rules that fail on Streamlit's own markup, not on anything this app renders (see README)
UPSTREAM = {
    "list": "Streamlit's sidebar navigation puts <div> section headers directly inside its <ul>",
    "listitem": "…and so its <li> items sit outside a list",
    "presentation-role-conflict": "Streamlit's tab list gives a focus-less element role=presentation",
}


@pytest.fixture(scope="module")
def rooms(browser):
    contexts = {name: browser.new_context(**opts) for name, opts in (ROOMS | LIVE_ROOMS).items()}
    pages = {name: ctx.new_page() for name, ctx in contexts.items()}
    yield pages
    for ctx in contexts.values():
        ctx.close()


def _open(rooms, app_url, room, name):
    page = rooms[room]
    query = ROOM_QUERY.get(room, "")
    page.goto(f"{app_url}/{name}" + (f"?{query}" if query else ""))
    settle(page)
    page.wait_for_timeout(400)  # plotly lays out legends and sliders after the first paint
    return page


def _axe_violations_of_ours(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"axe {v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']} "
            f"{v['nodes'][0].get('failureSummary', '')} {v['nodes'][0].get('html', '')[:200]}"
            for v in violations if v["id"] not in UPSTREAM]


@pytest.mark.parametrize("name", PAGES, ids=[p or "home" for p in PAGES])
@pytest.mark.parametrize("room", list(ROOMS))
def test_page_is_right_in_the_room(rooms, app_url, room, name):
    """The room's checks, and in the light and the dark theme the axe-core audit of the same page load."""
    page = _open(rooms, app_url, room, name)
    m = measure(page)
    problems = _room_problems(m, room)
    height = m["viewport"][1]
    top = m["charts"][0]["box"][1]
    if top >= height or (room == "projector" and top > 0.65 * height):
        problems.append(f"the main chart starts at {top:.0f} px of a {height} px screen")
    if room in ("light", "dark"):
        problems += _axe_violations_of_ours(page)
    assert not problems, "\n".join(problems)


def _room_problems(m: dict, room: str) -> list[str]:
    """What a person in ``room`` would see wrong on a page ``measure``d there: the theme, chart marks and texts,
    cut metrics, tables and formulas, sideways scrolling, a title under the header, charts without a text
    alternative."""
    background = rgb(m["background"])
    dark = sum(background[:3]) < 3 * 128
    problems = []
    if dark != room.endswith("dark"):
        problems.append(f"the page painted {m['background']} in the {room} room")
    for i, chart in enumerate(m["charts"]):
        for line in chart["lines"]:
            ratio = contrast(rgb(line["color"]), background, line["opacity"])
            if ratio < 3.0:
                problems.append(f"chart {i}: {line['color']} at opacity {line['opacity']:.2f} has contrast "
                                f"{ratio:.2f} on {m['background']}")
        for text in chart["texts"]:
            on = rgb(text["on"]) if text["on"] else background
            ratio = contrast(rgb(text["color"]), on, text["opacity"])
            if ratio < 4.5:
                problems.append(f"chart {i}: text {text['text']!r} in {text['color']} has contrast {ratio:.2f} on "
                                f"{text['on'] or m['background']}")
        for ctl in chart["controls"]:
            # a control is seen by its fill or its edge
            ratio = max((contrast(rgb(c), background) for c in (ctl["fill"], ctl["stroke"]) if c and c != "none"),
                        default=1.0)
            if ratio < 3.0:
                problems.append(f"chart {i}: animation control {ctl['what']} ({ctl['fill']} edged {ctl['stroke']})"
                                f" has contrast {ratio:.2f} on {m['background']}")
        for a, b in (("title", "legend"), ("modebar", "legend"), ("buttons", "slider")):
            if overlap(chart[a], chart[b]):
                problems.append(f"chart {i}: its {a} overlaps its {b}")
        if chart["box"][2] > m["viewport"][0] + 1:
            problems.append(f"chart {i} is wider than the screen")
    for x in m["metrics"]:
        if x["scroll"] > x["client"] + 1:
            problems.append(f"metric cut: {x['text']!r}")
    for x in m["tables"]:
        if x["right"] > x["limit"] + 1 or (x["scrolls"] and not x["scrollable"]):
            problems.append(f"table cut ({x['right']:.0f} > {x['limit']:.0f} px): {x['text']!r}")
    for x in m["formulas"]:
        if x["scroll"] > x["client"] + 4:
            problems.append(f"formula cut ({x['scroll']} > {x['client']} px): {x['text'][:30]!r}")
    if m["docScroll"][0] > m["docScroll"][1] or m["mainScroll"][0] > m["mainScroll"][1]:
        problems.append(f"the page scrolls sideways: {m['docScroll']}, {m['mainScroll']}")
    if m["header"] and m["title"][1] < m["header"][3] - 1:
        problems.append(f"the title (top {m['title'][1]:.0f}) is under the header (bottom {m['header'][3]:.0f})")
    if len(m["alts"]) < len(m["charts"]) or not all(a and a.startswith("Chart: ") for a in m["alts"]):
        problems.append(f"{len(m['charts'])} charts but text alternatives {m['alts']}")
    return problems


def test_a_second_tap_on_a_chosen_segment_keeps_it(rooms, app_url):
    page = _open(rooms, app_url, "phone", "loss_curves")
    option = page.locator('[data-testid="stButtonGroup"] button').filter(has_text="y = 0")
    for _ in range(2):
        option.first.tap()
        settle(page)
        page.wait_for_timeout(300)
    assert "label=y+%3D+0" in page.url or "label=y%20%3D%200" in page.url
    assert page.get_by_text("is not valid here").count() == 0
    loss = page.locator('[data-testid="stMetric"]').filter(has_text="Loss (nats)").first
    assert loss.locator('[data-testid="stMetricValue"]').inner_text().startswith("1.609")  # y = 0, p = 0.8: −log 0.2


def test_projector_gradient_descent_legend_and_headings_are_projector_sized(rooms, app_url):
    page = _open(rooms, app_url, "projector", "gradient_descent")
    sizes = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot g.legend text.legendtext, "
                          ".js-plotly-plot g.annotation text')].map(t => parseFloat(getComputedStyle(t).fontSize))")
    assert sizes and min(sizes) >= 17, sizes


PLAY_AND_PANEL = """() => {
  const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  const play = [...plot.querySelectorAll('g.updatemenu-button')].find(b => b.textContent.includes('▶'));
  const panel = plot.querySelector('.nsewdrag[data-subplot="xy"]');
  const header = document.querySelector('[data-testid="stHeader"]');
  return {play: play.getBoundingClientRect().top, panel: panel.getBoundingClientRect().bottom,
          header: header ? header.getBoundingClientRect().bottom : 0};
}"""


@pytest.mark.parametrize("room", ["phone", "projector"])
def test_gradient_descent_play_and_the_boundary_panel_fit_on_one_screen(rooms, app_url, room):
    """Pressing Play must show the boundary move: Play and the whole data panel fit in one screen under the header
    (Play was at y ≈ 1655 on an 844 px phone, below the loss panel)."""
    page = _open(rooms, app_url, room, "gradient_descent")
    m = page.evaluate(PLAY_AND_PANEL)
    height = ROOMS[room]["viewport"]["height"]
    assert m["panel"] - m["play"] <= height - m["header"], m


TITLE = "() => document.querySelector('[data-testid=stMain] .js-plotly-plot .gtitle')?.textContent || ''"
SLIDER_VALUE = ("() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot .slider-container text')]"
                ".map(t => t.textContent).find(t => t.startsWith('step ')) || ''")


def test_gradient_descent_keyboard_reaches_play_and_the_step_slider_and_every_step_shown_agrees(rooms, app_url):
    """Tab reaches Play (Enter plays) and the step slider (Home, → move it); after each key the chart's title,
    the slider's "step N" and the page agree: there is no second step control to disagree."""
    page = _open(rooms, app_url, "light", "gradient_descent")
    assert page.locator('[data-testid="stNumberInput"]').filter(has_text="frame").count() == 0

    def tab_to(selector: str) -> None:
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => !!document.activeElement.closest('{selector}')"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("g.slider-container")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "slider"
    page.keyboard.press("Home")
    page.wait_for_function(f"() => ({TITLE})().startsWith('step 0 ')", timeout=5000)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => !({TITLE})().startsWith('step 0 ')", timeout=5000)
    step = page.evaluate(TITLE).split(" ")[1]
    assert page.evaluate(SLIDER_VALUE).strip() == f"step {step}"
    # what a screen reader hears follows (the script keeps the slider's value up within its 400 ms tick)
    page.wait_for_function("(s) => document.activeElement.getAttribute('aria-valuetext') === s", arg=f"step {step}",
                           timeout=3000)
    # the numbers outside the chart say they are the run's end, not a step of their own
    assert "at the end (step 200)" in page.locator('[data-testid="stMetric"]').first.inner_text()
    page.reload()
    settle(page)
    tab_to("g.updatemenu-button")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Play"
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !({TITLE})().startsWith('step 200 ')", timeout=10000)
    assert page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').count() == 1  # no rerun


LOCKED = "/gradient_descent?controls=Model+and+optimizer&lr=3.0&lock=lr&hide=opt,compare"


def test_an_exercise_links_locked_control_is_readable_and_says_so_and_hidden_ones_leave_no_slot(rooms, app_url):
    page = rooms["light"]
    page.goto(app_url + LOCKED)
    settle(page)
    box = page.locator('[class*="st-key-locked-ctl-lr"]')
    assert "Set by your teacher" in box.evaluate("b => getComputedStyle(b, '::after').content")
    background = rgb(page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]'))"
                                   ".backgroundColor"))
    for el in box.locator('[data-testid="stWidgetLabel"] p, [data-testid="stSliderThumbValue"]').all():
        color = rgb(el.evaluate("e => getComputedStyle(e).color"))
        opacity = float(el.evaluate("e => { let o = 1; for (let n = e; n; n = n.parentElement) "
                                    "o *= Number(getComputedStyle(n).opacity || 1); return o; }"))
        assert contrast(color, background, opacity) >= 4.5, (el.inner_text(), color, opacity)
    # the row that held Optimizer, the learning rate and the steps: no gap where the hidden optimizer was
    # each hidden control's slot in its row (the row's child that holds it) is not laid out at all: no gap
    hidden = page.evaluate("() => [...document.querySelectorAll('[class*=st-key-hidden-ctl-]')].map(h => {"
                           " let n = h; while (n.parentElement && !n.parentElement.matches("
                           "'[data-testid=stHorizontalBlock], [data-testid=stVerticalBlock]')) n = n.parentElement;"
                           " return getComputedStyle(n).display; })")
    assert hidden and all(d == "none" for d in hidden), hidden


@pytest.mark.parametrize(("name", "slider"), [("loss_curves", "Predicted probability p of class 1"),
                                              ("multiclass", "Logit z0")])
def test_on_a_phone_the_slider_and_the_chart_it_moves_share_one_screen(rooms, app_url, name, slider):
    """Dragging must show the marker move: the chart's top and the slider fit in one phone screen under the header
    (they were 844 and 876 px apart)."""
    page = _open(rooms, app_url, "phone", name)
    chart_top = page.evaluate("() => document.querySelector('[data-testid=stMain] .js-plotly-plot')"
                              ".getBoundingClientRect().top")
    bottom = page.get_by_role("slider", name=slider).bounding_box()
    header = page.evaluate("() => document.querySelector('[data-testid=stHeader]').getBoundingClientRect().bottom")
    assert bottom["y"] + bottom["height"] - chart_top <= ROOMS["phone"]["viewport"]["height"] - header


TOOLBARS = """() => [...document.querySelectorAll('[data-testid="stElementToolbar"]')].filter(
  t => getComputedStyle(t).opacity !== '0').map(t => {
    const own = t.closest('[data-testid="stElementContainer"]');
    const r = t.getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')].filter(
      e => e !== own && !e.contains(own) && e.checkVisibility({visibilityProperty: true, opacityProperty: true}))
      .filter(e => { const o = e.getBoundingClientRect();
                     return Math.min(o.right, r.right) - Math.max(o.left, r.left) > 1
                            && Math.min(o.bottom, r.bottom) - Math.max(o.top, r.top) > 1; })
      .map(e => (e.innerText || e.querySelector('[aria-label]')?.getAttribute('aria-label') || '?').slice(0, 40));
  })"""


@pytest.mark.parametrize("name, tables", [("loss_curves", 2), ("gradient_descent?dataset=Your+own+points", 1)])
def test_phone_table_toolbar_covers_no_control_or_chart(rooms, app_url, name, tables):
    """Issue 29: on a phone a table's toolbar (shown on a tap or hover) lay over the "Start from" dropdown's arrow
    and over a chart's axis title: it must lie over nothing else on the page."""
    page = _open(rooms, app_url, "phone", name)
    frames = page.locator('[data-testid="stDataFrame"]')
    assert frames.count() == tables
    for i in range(tables):
        frames.nth(i).scroll_into_view_if_needed()
        frames.nth(i).hover()
        page.wait_for_timeout(300)
        shown = page.evaluate(TOOLBARS)
        assert shown, f"table {i}: no toolbar shown"
        assert not any(shown), f"table {i}'s toolbar lies over {shown}"


NAV = """() => {
  const sb = document.querySelector('[data-testid="stSidebar"]');
  const right = sb.getBoundingClientRect().right;
  return {width: sb.getBoundingClientRect().width, cut: [...sb.querySelectorAll('[data-testid="stSidebarNavLink"]')]
    .filter(a => a.getBoundingClientRect().right > right + 1
                 || [...a.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(a => a.innerText.trim().split('\\n').pop())};
}"""


def test_projector_sidebar_shows_every_page_name_whole_and_leaves_the_chart_room(rooms, app_url):
    """Issue 29: on the projector "Where the loss comes from" was cut to "Where the loss comes …" in a 300 px
    sidebar. Presentation mode opens with the sidebar folded: the teacher opens it."""
    page = _open(rooms, app_url, "projector", "derivation")
    if page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count():
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(600)  # the sidebar slides in
    m = page.evaluate(NAV)
    assert not m["cut"] and 200 <= m["width"] <= 260, m


# ------------------------------------------------------------------------------------------------ Live class
# Its views, each in the rooms it is met in: a student's phone with a question to answer (a choice and a number),
# the teacher's projector with a question open (the live tally) and with the reveal, and the teacher's desk.
LIVE_VIEWS = {
    "student-choice": ["phone", "phone-dark"],
    "student-number": ["phone", "phone-dark"],
    "teacher-open": ["projector", "projector-dark", "light", "phone"],  # a teacher may run the class from a phone
    "teacher-reveal": ["projector", "projector-dark", "light"],
}
LIVE_CONTROLS = {  # what each view is for, by its accessible name (a radio group by "radio")
    "student-choice": ["radio"],
    "student-number": ["Your answer", "Send my answer"],
    "teacher-open": ["Close answers", "Reveal"],
    "teacher-reveal": ["Why? Open"],
}
# what the teacher presses in front of the class, whole on the first screen of a projector or a teacher's phone
LIVE_FIRST_SCREEN = {"teacher-open": ["Close answers", "Reveal"], "teacher-reveal": ["Why? Open"]}
LIVE_MATRIX = [(view, room) for view, rooms_ in LIVE_VIEWS.items() for room in rooms_]


@pytest.fixture(scope="module")
def live_db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"


@pytest.fixture(scope="module")
def app_url(live_db, monkeypatch_module):
    """One app server for the module (as conftest's), its live class on a fresh database the tests fill."""
    _need_browser()
    monkeypatch_module.setenv("LOG_LOSS_LAB_DB", live_db)
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def live_class(live_db):
    """A room per view, with answers from a class of 23 spread over the choices (one choice left empty, as
    happens); the query string of each view."""
    from lib import live

    store = live.Store(live_db)
    queries = {}
    for view, qid in (("student-choice", "certain_mistake"), ("student-number", "confident_mistake_loss"),
                      ("teacher-open", "certain_mistake"), ("teacher-reveal", "certain_mistake")):
        code, key = store.open_room()
        round_ = store.ask(code, key, qid)
        if view.startswith("teacher"):
            for i, choice in enumerate([3] * 11 + [2] * 8 + [0] * 4):
                store.answer(code, round_, f"student-{i:04d}", choice)
        if view == "teacher-reveal":
            store.reveal(code, key)
        queries[view] = (f"room={code}&key={key}" if view.startswith("teacher")
                         else f"room={code}&me=student-phone-{view}")
    return queries


# every control a keyboard must reach in the main area (one stop per radio group, as Tab moves)
KEYBOARD = """async () => {
  const sel = 'button, input, select, textarea, a[href], summary, [role="combobox"], [role="slider"], '
              + '[tabindex]:not([tabindex="-1"])';
  const main = document.querySelector('[data-testid="stMain"]');
  const id = el => el.type === 'radio' ? 'radio ' + el.name
                   : (el.getAttribute('aria-label') || el.innerText || el.tagName).trim().slice(0, 40);
  const controls = [...main.querySelectorAll(sel)].filter(
    // hidden ones are not focusable: Streamlit's hover toolbars (a code block's Copy) show on the pointer only
    el => !el.disabled && el.getAttribute('tabindex') !== '-1' && el.checkVisibility({visibilityProperty: true})
          && !el.closest('.modebar, [data-testid="stElementToolbar"]'));
  return [...new Set(controls.map(id))];
}"""
ACTIVE = """() => { const el = document.activeElement;
  return el.type === 'radio' ? 'radio ' + el.name
         : (el.getAttribute('aria-label') || el.innerText || el.tagName).trim().slice(0, 40); }"""


def _live_open(rooms, app_url, room, query):
    page = rooms[room]
    extra = ROOM_QUERY.get(room, "")
    page.goto(f"{app_url}/live_class?{query}" + (f"&{extra}" if extra else ""))
    settle(page)
    page.wait_for_timeout(600)  # plotly's layout; a fragment tick
    return page


@pytest.mark.parametrize(("view", "room"), LIVE_MATRIX, ids=[f"{v}-{r}" for v, r in LIVE_MATRIX])
def test_live_class_is_right_in_the_room(rooms, app_url, live_class, view, room):
    """The rooms' checks on each Live class view, the axe-core audit in every room, the thing to look at on the
    first screen (the student's answer control; the teacher's chart, well inside it on the projector, and the
    buttons the teacher presses there), and the keyboard reaching every control."""
    page = _live_open(rooms, app_url, room, live_class[view])
    m = measure(page)
    problems = _room_problems(m, room)
    height = m["viewport"][1]
    if view.startswith("student"):
        answer = page.locator('[data-testid="stRadio"], [data-testid="stNumberInput"]').first
        box = answer.bounding_box()
        if box is None or box["y"] + box["height"] > height:
            problems.append(f"the answer control ends at {box and box['y'] + box['height']:.0f} px of a {height} px"
                            " screen")
    elif not m["charts"]:
        problems.append("no chart of the class's answers")
    else:
        top = m["charts"][0]["box"][1]
        if top >= height or (room.startswith("projector") and top > 0.65 * height):
            problems.append(f"the answers' chart starts at {top:.0f} px of a {height} px screen")
    if room.startswith(("projector", "phone")):
        for name in LIVE_FIRST_SCREEN.get(view, []):
            button = page.locator('[data-testid="stMain"]').locator("button, a").filter(has_text=name).first \
                .bounding_box()
            if button is None or button["y"] < 0 or button["y"] + button["height"] > height:
                problems.append(f"the {name!r} button is not whole on the first screen: {button}")
        if view == "teacher-reveal":  # what the teacher reads out: how many were right, the commonest wrong answer
            said = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]') \
                .filter(has_text="answered right").first.bounding_box()
            if said is None or said["y"] < 0 or said["y"] + said["height"] > height:
                problems.append(f"the reveal's sentence is not whole on the first screen: {said}")
    problems += _axe_violations_of_ours(page)
    wanted = set(page.evaluate(KEYBOARD))
    for control in LIVE_CONTROLS[view]:  # the keyboard check covers what the view is for
        if not any(control in w for w in wanted):
            problems.append(f"no {control!r} among the controls {sorted(wanted)}")
    page.locator("body").focus()
    reached = set()
    for _ in range(3 * len(wanted) + 40):  # the header's and the sidebar's stops come first
        page.keyboard.press("Tab")
        reached.add(page.evaluate(ACTIVE))
        if wanted <= reached:
            break
    if not wanted <= reached:
        problems.append(f"Tab never reaches {sorted(wanted - reached)}")
    assert not problems, "\n".join(problems)
