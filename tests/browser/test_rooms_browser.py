"""Every page in every room a class uses — light, dark, a phone, the projector — checked as a person would look.

One app server for the module; one browser context per room. For each page: chart lines and bars stand out from
the background really painted (WCAG 1.4.11, ≥ 3:1), nothing scrolls sideways, no metric or formula is cut, the
title is clear of Streamlit's header, the main chart is on the first screen (well inside it on the projector),
titles, legends and the animation's buttons and slider do not overlap, and every chart has a text alternative.
An axe-core audit runs on every page in both themes (on the same page loads); what it reports is ours to fix,
except the rules listed in ``UPSTREAM`` (Streamlit's own markup; README "Accessibility" names each with its
upstream issue).
"""
import pytest

from tests.browser.conftest import settle
from tests.browser.rooms import PAGES, ROOM_QUERY, ROOMS, contrast, measure, overlap, rgb

pytestmark = pytest.mark.browser

# axe-core rules that fail on Streamlit's own markup, not on anything this app renders (see README)
UPSTREAM = {
    "list": "Streamlit's sidebar navigation puts <div> section headers directly inside its <ul>",
    "listitem": "…and so its <li> items sit outside a list",
    "presentation-role-conflict": "Streamlit's tab list gives a focus-less element role=presentation",
}


@pytest.fixture(scope="module")
def rooms(browser):
    contexts = {name: browser.new_context(**opts) for name, opts in ROOMS.items()}
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
    background = rgb(m["background"])
    dark = sum(background[:3]) < 3 * 128
    assert dark == (room == "dark"), f"the page painted {m['background']} in the {room} room"
    problems = []
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
    height = m["viewport"][1]
    top = m["charts"][0]["box"][1]
    if top >= height or (room == "projector" and top > 0.65 * height):
        problems.append(f"the main chart starts at {top:.0f} px of a {height} px screen")
    if len(m["alts"]) < len(m["charts"]) or not all(a and a.startswith("Chart: ") for a in m["alts"]):
        problems.append(f"{len(m['charts'])} charts but text alternatives {m['alts']}")
    if room in ("light", "dark"):
        problems += _axe_violations_of_ours(page)
    assert not problems, "\n".join(problems)


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
