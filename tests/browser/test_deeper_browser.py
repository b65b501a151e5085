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
