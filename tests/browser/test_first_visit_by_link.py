"""A fresh server whose first visitor arrives by a shared page link still routes through app.py's navigation.

Streamlit's legacy multipage mode would otherwise run the page file alone and show "app, home, …" in the menu
to every session until someone opened the root URL (see ui.tuning.leave_legacy_multipage_mode).
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


# (page, its title): a class opening a shared link on a server that has just started, several at the same moment
AT_ONCE = [("derivation", "Where the loss comes from"), ("calibration", "Honest probabilities"),
           ("multiclass", "Many classes"), ("gradient_descent", "Gradient descent")]


def test_a_class_arriving_at_once_on_a_fresh_server_all_get_the_real_menu(browser):
    # Before the fix 3 of these 4 sessions got the legacy menu: their first runs started before the first session
    # reached st.navigation, so the flag was still set when Streamlit chose how to run them, and already cleared
    # when the page looked at it.
    with running_app() as url:
        contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in AT_ONCE]
        try:
            pages = [c.new_page() for c in contexts]
            for pg, (path, _) in zip(pages, AT_ONCE, strict=True):
                pg.goto(f"{url}/{path}", wait_until="commit")  # all four connect before any script has run
            for pg, (path, title) in zip(pages, AT_ONCE, strict=True):
                settle(pg)
                pg.wait_for_function("() => document.querySelector('[data-testid=stSidebarNav]')?.innerText"
                                     ".includes('Home')", timeout=30000)
                nav = [line.strip() for line in pg.locator('[data-testid="stSidebarNav"]').inner_text().split("\n")]
                assert "app" not in nav and "Honest probabilities" in nav, (path, nav)
                assert pg.locator("h1").first.inner_text().strip() == title, path
                # app.py's wide layout: the page's block is wider than Streamlit's centred 736 px column
                width = pg.locator('[data-testid="stMainBlockContainer"]').bounding_box()["width"]
                assert width > 800, (path, width)
        finally:
            for c in contexts:
                c.close()
