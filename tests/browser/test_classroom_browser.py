"""Classroom use in a real browser: every page's link round-trips; presentation mode at projector and phone sizes."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.browser.conftest import settle

ROUND_TRIPS = {
    "": {"p": "0.3"},
    "loss_curves": {"label": "soft y", "ys": "0.4", "prob": "0.25", "unit": "bits", "preset": "Always 0.5"},
    "confident_mistakes": {"c": "0.999", "gamma": "3.0", "pos_weight": "4.0", "smooth": "0.2", "quiz": "Q2"},
    "gradient_descent": {"dataset": "Moons", "n": "300", "seed": "7", "lr": "1.0", "opt": "Adam",
                         "compare": "Momentum"},
    "derivation": {"bias": "0.3", "tosses": "100", "toss": "3", "soft_target": "0.6"},
    "multiclass": {"k": "4", "z1": "3.5", "target": "smoothed", "eps": "0.2"},
}


def share_link(page) -> str:
    """Press the sidebar's "Share this view", read the link from the dialog, close the dialog."""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Share this view").click()
    code = page.get_by_role("dialog").locator('[data-testid="stCode"] code')
    code.wait_for(timeout=15_000)
    link = code.inner_text().strip()
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached", timeout=15_000)
    settle(page)
    return link


def state(page) -> list[str]:
    return [m.inner_text() for m in page.locator('[data-testid="stMetricValue"]').all()]


@pytest.mark.parametrize("path", list(ROUND_TRIPS), ids=[p or "home" for p in ROUND_TRIPS])
def test_a_shared_link_opens_the_same_view(browser, app_url, path):
    query = ROUND_TRIPS[path]
    first = browser.new_context(viewport={"width": 1280, "height": 900})
    page = first.new_page()
    page.goto(f"{app_url}/{path}?{urlencode(query)}")
    settle(page)
    link = share_link(page)
    assert urlsplit(link).path.rstrip("/") == f"/{path}".rstrip("/")
    shared = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert shared == query
    before = state(page)
    assert before
    first.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})  # another student, another browser
    other = fresh.new_page()
    other.goto(link)
    settle(other)
    assert state(other) == before
    assert share_link(other) == link
    assert other.locator('[data-testid="stAlert"]').filter(has_text="not valid").count() == 0
    fresh.close()


def test_moving_a_control_updates_the_share_link(page, app_url):
    page.goto(app_url + "/loss_curves")
    settle(page)
    assert "prob=" not in share_link(page)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Predicted probability").locator(
        'input[type="range"]')
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => location.search.includes('prob=0')")
    settle(page)
    assert "prob=0" in share_link(page)


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)], ids=["projector", "phone"])
@pytest.mark.parametrize("present", [False, True], ids=["normal", "presentation"])
def test_every_page_fits_its_screen(browser, app_url, size, present):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in ROUND_TRIPS:
        page.goto(f"{app_url}/{path}" + ("?present=true" if present else ""))
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        overflow = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                                 " return m.scrollWidth - m.clientWidth; }")
        assert overflow <= 1, f"{path}: {overflow}px of sideways scrolling"
        title = page.locator('[data-testid="stMain"] h1').first
        size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert (size >= 19) == present, path
        captions = page.locator('[data-testid="stCaptionContainer"]')
        if present and captions.count():
            assert not captions.first.is_visible(), f"{path}: explanations should be folded away"
        assert title.is_visible()
    assert errors == []
    context.close()
