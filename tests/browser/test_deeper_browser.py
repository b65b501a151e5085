"""The derivation and many-classes pages in a real browser."""
from tests.browser.conftest import settle


def test_toss_again_draws_new_tosses(page, app_url):
    page.goto(app_url + "/derivation")
    settle(page)
    tosses = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Tosses:").first
    before = tosses.inner_text()
    page.get_by_role("button", name="Toss again").click()
    page.wait_for_function("(b) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
                           ".some(e => e.innerText.startsWith('Tosses:') && e.innerText !== b)", arg=before)
    assert "toss=1" in page.url
    assert page.console.errors == []


def test_two_classes_show_softmax_cross_entropy_equal_to_bce(page, app_url):
    page.goto(app_url + "/multiclass?k=2&z1=-1.5")
    settle(page)
    values = [page.locator('[data-testid="stMetric"]').filter(has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text() for label in ("Softmax cross-entropy of", "BCE with logit")]
    assert values[0] == values[1]
    assert page.console.errors == []


def test_honest_probabilities_reporting_the_revealed_bias_scores_best(page, app_url):
    import math

    page.goto(app_url + "/calibration?reveal=true&report=0.5&coin_no=5")
    settle(page)
    sentence = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Reporting r = 0.5").first
    q = float(sentence.inner_text().split("the true bias ")[1].split(":")[0])
    # the student moves the report to the revealed bias: the sentence now says the gap is 0
    slider = page.get_by_role("slider", name="Your report r")
    slider.focus()
    steps = round((q - 0.5) / 0.01)
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")
    settle(page)
    page.wait_for_function("(q) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
                           ".some(e => e.innerText.startsWith('Reporting r = ' + q))", arg=f"{q:g}")
    text = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=f"Reporting r = {q:g} ").first
    assert "costs 0 nats more" in text.inner_text()
    assert f"report={q:g}" in page.url and math.isfinite(q)
    assert page.console.errors == []
