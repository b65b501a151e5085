"""The loss explorer in a real browser: the p slider moves the loss; a bad table cell is flagged and kept."""
from tests.browser.conftest import settle


def metric(page, label: str):
    """The value element of the metric whose label contains ``label`` (read it after each change)."""
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def loss_value(page) -> str:
    return metric(page, "Loss (nats)").inner_text()


def p_slider_key(page, key: str, shown: str) -> None:
    """Press ``key`` on the p slider and wait until some metric shows ``shown``."""
    page.locator('[data-testid="stSlider"]').filter(has_text="Predicted probability").locator(
        'input[type="range"]').focus()
    page.keyboard.press(key)
    page.wait_for_function("(shown) => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                           ".some(e => e.innerText.trim() === shown)", arg=shown)


def test_moving_p_to_the_wrong_edge_makes_the_loss_infinite_and_says_why(page, app_url):
    page.goto(app_url + "/loss_curves")
    settle(page)
    assert loss_value(page).startswith("0.2231")
    p_slider_key(page, "Home", "∞")
    settle(page)
    assert loss_value(page) == "∞"
    assert "−log 0 = ∞" in page.locator('[data-testid="stAlert"]').filter(has_text="The loss is").inner_text()
    assert "prob=0" in page.url
    p_slider_key(page, "End", "0")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console.errors == []


def test_a_typed_bad_value_in_the_table_is_flagged_and_stays(page, app_url):
    page.goto(app_url + "/loss_curves?preset=Always+0.5")
    settle(page)
    mean = metric(page, "Mean loss")
    assert mean.inner_text().startswith("0.6931")
    editor = page.locator('[data-testid="stDataFrame"]:visible').first  # the framework table is folded away
    editor.wait_for(state="visible")
    editor.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # the grid is a canvas: give it a moment to lay out before clicking a cell
    box = editor.bounding_box()
    # the first data row's p cell: below the ~35 px header, in the right-hand column. A double-click opens the
    # grid's cell editor (a textarea); the grid is a canvas that can miss a click while it lays out, so the
    # double-click is repeated until the editor is open.
    cell_editor = page.locator("textarea.gdg-input")
    for _ in range(5):
        editor.dblclick(position={"x": box["width"] * 0.75, "y": 52})
        try:
            cell_editor.wait_for(state="visible", timeout=3000)
            break
        except Exception:
            page.wait_for_timeout(500)
    assert cell_editor.input_value() == "0.5"
    cell_editor.fill("1.5")
    cell_editor.press("Enter")
    page.wait_for_selector('[data-testid="stAlert"]:has-text("left out of the mean")', timeout=20000)
    settle(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="left out").inner_text()
    assert "row 0: p = 1.5 is outside [0, 1]" in alert
    assert mean.inner_text().startswith("0.6931")  # the other five rows are all 0.5: still log 2
    assert page.console.errors == []


def test_units_changed_in_the_one_sample_section_reach_the_batch_below(page, app_url):
    """The one-sample section reruns alone, but its units are the batch's too: changing them reruns the page."""
    page.goto(app_url + "/loss_curves")
    settle(page)
    mean = metric(page, "Mean loss")
    assert mean.inner_text().endswith("nats")
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="bits").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".some(e => e.innerText.includes('Mean loss') && e.innerText.trim().endsWith('bits'))")
    settle(page)
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Loss (bits)").count() == 1
    assert "unit=bits" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console.errors == []


def test_another_tab_draws_its_chart_when_opened_and_follows_p(page, app_url):
    page.goto(app_url + "/loss_curves")
    settle(page)
    figure = '[role="figure"][aria-label^="Chart: ∂L/∂p"]'
    assert page.locator(figure).count() == 0  # a closed tab is not drawn
    page.get_by_role("tab", name="Gradients").click()
    page.locator(figure).wait_for(timeout=30000)
    settle(page)
    assert "view=Gradients" in page.url
    assert metric(page, "∂L/∂p").inner_text().startswith("−1.25")  # (p − y)/(p(1 − p)) at p = 0.8, y = 1
    p_slider_key(page, "Home", "−∞")
    settle(page)
    assert page.locator(figure).count() == 1
    page.get_by_role("tab", name="Against p").click()
    page.locator('[role="figure"][aria-label^="Chart: the terms −log p"]').wait_for(timeout=30000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_link_and_file_text_is_shown_as_typed_never_rendered(page, app_url, tmp_path):
    """Issue 27: a Markdown link, bold, KaTeX and HTML in a link's table, its lock list and an uploaded header are
    shown as typed in the messages — no link, no emphasis, no formula, no image — as a browser renders them."""
    from urllib.parse import quote

    payloads = ["[x](//ev.il/a)", "**B0LD**", r"$\huge{X}$", "<img src=x onerror=alert(1)>"]

    def nothing_rendered() -> None:
        alerts = page.locator('[data-testid="stAlert"]')
        assert page.locator('a[href*="ev.il"]').count() == 0
        assert alerts.locator("strong, em, b, i").filter(has_text="B0LD").count() == 0
        assert alerts.locator(".katex").count() == 0
        assert page.locator('img[src="x"]').count() == 0

    for payload in payloads:
        page.goto(f"{app_url}/loss_curves?rows={quote(payload)}&lock={quote(payload)}")
        settle(page)
        nothing_rendered()
        text = page.locator('[data-testid="stAlert"]').all_inner_texts()
        assert any(payload[:18] in t for t in text), (payload, text)  # shown, as typed
    header = tmp_path / "header.csv"
    header.write_text('"**B0LD**","[x](//ev.il/a)","$\\huge{X}$"\n1,2,3\n')
    page.goto(f"{app_url}/loss_curves")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(header))
    page.locator('[data-testid="stAlert"]').filter(has_text="not loaded").wait_for()
    settle(page)
    nothing_rendered()
    assert "**B0LD**" in page.locator('[data-testid="stAlert"]').filter(has_text="not loaded").inner_text()
    assert page.console.errors == []
