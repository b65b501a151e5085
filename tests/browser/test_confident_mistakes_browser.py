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
