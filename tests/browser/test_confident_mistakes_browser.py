"""The confident-mistakes page in a real browser: the ladder follows the slider; the quiz reveals on a click."""
from tests.browser.conftest import settle


def metric_value(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text()


def test_ladder_follows_the_confidence_slider(page, app_url):
    page.goto(app_url + "/confident_mistakes")
    settle(page)
    assert metric_value(page, "Confident mistake").startswith("4.605")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Confidence c").locator('input[type="range"]')
    slider.focus()
    page.keyboard.press("ArrowRight")  # 0.99 → 0.995
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".some(e => e.innerText.includes('5.298'))")  # −log 0.005
    assert "c=0.995" in page.url
    assert page.console.errors == []


def test_quiz_reveals_the_numbers_after_an_answer(page, app_url):
    page.goto(app_url + "/confident_mistakes?quiz=Q3")
    settle(page)
    assert page.get_by_text("Pick an answer to reveal the numbers.").count() == 1
    page.get_by_text("They cost the same").click()
    page.wait_for_selector('[data-testid="stAlert"]:has-text("Right")', timeout=20000)
    assert "2.303" in page.locator('[data-testid="stAlert"]').filter(has_text="Right").inner_text()
    assert page.console.errors == []


def test_a_section_reruns_alone_and_the_address_and_share_link_keep_up(page, app_url):
    """Each section is a fragment: quick moves of focal γ rerun only its section, which ends consistent with the
    address bar and the share link, and the other sections keep what they showed."""
    from urllib.parse import parse_qs, urlsplit

    from tests.browser.test_classroom_browser import share_link

    page.goto(app_url + "/confident_mistakes?c=0.9&gamma=2.0")
    settle(page)
    ladder_before = metric_value(page, "Confident mistake")
    assert ladder_before.startswith("2.303")  # −log 0.1 = 2.30259
    slider = page.get_by_role("slider", name="Focal γ")
    slider.focus()
    for _ in range(4):  # 2.0 → 4.0 in steps of 0.5, as fast as the keyboard goes
        page.keyboard.press("ArrowRight")
    settle(page)
    page.wait_for_function("() => /[?&]gamma=4(\\.0)?(&|$)/.test(location.search)")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .legendtext')]"
                           ".some(e => e.textContent.includes('γ = 4'))")
    assert metric_value(page, "Confident mistake") == ladder_before
    assert page.locator('[data-testid="stAlert"], [data-testid="stException"]').count() == 0
    query = parse_qs(urlsplit(share_link(page)).query)
    assert query["gamma"] == ["4.0"] and query["c"] == ["0.9"]
    assert page.console.errors == []
