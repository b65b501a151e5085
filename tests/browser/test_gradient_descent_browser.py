"""The gradient-descent page in a real browser: Play animates the run client-side; a huge η shows the warning."""
from tests.browser.conftest import settle

LINES = "() => [...document.querySelectorAll('[data-testid=stPlotlyChart] path.js-line')].map(p => p.getAttribute('d'))"
TITLE = "() => document.querySelector('[data-testid=stPlotlyChart] .gtitle')?.textContent || ''"


def test_play_moves_the_boundary_in_the_browser_without_rerunning(page, app_url):
    page.goto(app_url + "/gradient_descent")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .gtitle', timeout=30000)
    assert page.evaluate(TITLE).startswith("step 200")
    before = page.evaluate(LINES)
    page.locator('[data-testid="stPlotlyChart"] .updatemenu-button').filter(has_text="Play").first.click()
    page.wait_for_function(f"() => !({TITLE})().startsWith('step 200')", timeout=10000)
    assert page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').count() == 1  # no rerun
    during = page.evaluate(LINES)
    assert during != before  # the boundary (and the markers' paths) moved
    page.wait_for_function(f"() => ({TITLE})().startsWith('step 200')", timeout=30000)  # plays to the end
    assert page.console.errors == []


def test_a_huge_learning_rate_shows_the_divergence_message(page, app_url):
    page.goto(app_url + "/gradient_descent?lr=100.0&l2=0.3")
    settle(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Diverged at step")
    assert alert.count() == 1 and "too large" in alert.inner_text()
    assert "nan" not in page.locator('[data-testid="stMain"]').inner_text().lower()
