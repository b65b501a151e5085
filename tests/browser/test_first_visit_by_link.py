"""A fresh server whose first visitor arrives by a shared page link still routes through app.py's navigation.

Streamlit's legacy multipage mode would otherwise run the page file alone and show "app, home, …" in the menu
to every session until someone opened the root URL (see ui._leave_legacy_multipage_mode).
"""
import pytest

from tests.browser.conftest import _need_browser, running_app, settle


@pytest.fixture(scope="module")
def fresh_url():
    _need_browser()
    with running_app() as url:
        yield url


def test_first_visit_by_a_page_link_shows_the_real_menu_and_keeps_the_link_state(page, fresh_url):
    page.goto(fresh_url + "/loss_curves?prob=0.3&unit=bits")
    settle(page)
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebarNav]')?.innerText"
                           ".includes('Loss explorer')", timeout=30000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Home" in nav and "app" not in nav.split("\n")
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Loss (bits)").locator(
        '[data-testid="stMetricValue"]').inner_text()
    assert value.startswith("1.737")  # −log2(0.3)
    assert page.console.errors == []
