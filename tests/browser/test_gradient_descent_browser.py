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


RACE = "/gradient_descent?train_with=both+%28a+race%29&start=confidently+wrong&noise=0.0&steps=100"

def test_the_race_animates_both_boundaries_from_one_play(page, app_url):
    page.goto(app_url + RACE)
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .gtitle', timeout=30000)
    assert "squared-error run" in page.evaluate(TITLE)
    before = page.evaluate(LINES)
    page.locator('[data-testid="stPlotlyChart"] .updatemenu-button').filter(has_text="Play").first.click()
    page.wait_for_function(f"() => !({TITLE})().startsWith('step 100')", timeout=10000)
    assert page.evaluate(LINES) != before
    page.wait_for_function(f"() => ({TITLE})().startsWith('step 100')", timeout=30000)
    race = page.locator('[data-testid="stAlert"]').filter(has_text="After 100 steps")
    assert race.count() == 1 and "squared-error run" in race.inner_text()
    assert page.console.errors == []


def test_own_points_upload_good_bad_and_too_big_in_the_browser(page, app_url, tmp_path):
    page.goto(app_url + "/gradient_descent?dataset=Your+own+points")
    settle(page)
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,y\n" + "".join(f"{i},{(i * 7) % 5},{int(i >= 6)}\n" for i in range(12)))
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,y\n1,2,1\n3,4,9\n")
    big = tmp_path / "big.csv"
    big.write_text("x1,x2,y\n" + "1,2,1\n" * 20_000)
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    uploader.set_input_files(str(good))
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stAlert]')]"
                           ".some(a => a.innerText.includes('Your 12 training points'))", timeout=30000)
    assert page.locator('[data-testid="stFileChip"]').filter(has_text="good.csv").count() == 1  # a loaded one shows
    for path, why in ((bad, "line 3: y = 9"), (big, "100 KB")):
        uploader.set_input_files(str(path))
        page.wait_for_function("(w) => [...document.querySelectorAll('[data-testid=stAlert]')]"
                               ".some(a => a.innerText.includes(w))", arg=why, timeout=30000)
        settle(page)
        assert page.locator('[data-testid="stAlert"]').filter(has_text="Your 12 training points").count() == 1
        # the box starts again empty: a refused file must not look attached (issue 29), and the next file goes in
        assert page.locator('[data-testid="stFileChip"]').count() == 0
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    assert page.console.errors == []


def test_an_exercise_link_in_a_fresh_browser_locks_and_hides(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(app_url + "/gradient_descent?controls=Model+and+optimizer&lr=3.0&lock=lr&hide=opt,compare")
    settle(page)
    assert page.locator('[data-testid="stAlert"]').filter(has_text="set by your teacher").count() == 1
    slider = page.get_by_role("slider", name="Learning rate η")
    assert slider.get_attribute("aria-disabled") == "true" or slider.is_disabled()
    assert not page.get_by_text("Compare paths with").is_visible()
    assert page.locator('[data-testid="stSelectbox"]').filter(has_text="Optimizer").is_hidden()
    context.close()


def test_a_control_reruns_only_the_lesson_and_the_link_keeps_up(page, app_url):
    """The page's body is one section (a fragment): moving the learning rate makes the browser ask for that
    section's rerun only (the server answers without resending the navigation or the header), the chart and the
    numbers follow the new run, and the address bar and the share link carry the new value."""
    from urllib.parse import parse_qs, urlsplit

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from tests.browser.test_classroom_browser import share_link

    received: list = []

    def on_socket(ws):
        def on_frame(payload):
            if isinstance(payload, bytes):
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                received.append(msg)
        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(app_url + "/gradient_descent")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .gtitle', timeout=30000)
    assert any(m.WhichOneof("type") == "navigation" for m in received)  # the first, full run sends the menu
    title_before = page.evaluate(TITLE)
    page.get_by_role("tab", name="Model and optimizer").click()
    settle(page)
    received.clear()
    slider = page.get_by_role("slider", name="Learning rate η")
    slider.focus()
    for _ in range(3):  # 0.3 → 0.001 … the log-spaced options, three steps down
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => /[?&]lr=0\\.0/.test(location.search)", timeout=20000)
    settle(page)
    page.wait_for_function(f"() => ({TITLE})() !== {title_before!r}", timeout=20000)
    finished = [m.script_finished for m in received if m.WhichOneof("type") == "script_finished"]
    # quick presses may cut a run short for the next one (FINISHED_EARLY_FOR_RERUN); none is a full run
    assert finished and finished[-1] == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert set(finished) <= {ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, ForwardMsg.FINISHED_EARLY_FOR_RERUN}
    kinds = {m.WhichOneof("type") for m in received}
    assert "navigation" not in kinds and "page_config_changed" not in kinds
    assert any(m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "plotly_chart"
               for m in received)
    lr = parse_qs(urlsplit(page.url).query)["lr"]
    assert parse_qs(urlsplit(share_link(page)).query)["lr"] == lr
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console.errors == []
