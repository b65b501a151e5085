"""The shipped nginx recipe, for real: nginx on loopback in front of two app processes.

Checks that static files are compressed, that every request of one browser (page, static files, websocket)
reaches one process, that new browsers are spread over both, and that a page renders through the proxy.
nginx is Debian's (.ci/run installs it); without it this skips locally and fails in CI.
"""
import gzip
import re
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.browser.conftest import IN_CI, NGINX, behind_nginx, free_port, settle, start_app


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail("nginx is missing: .ci/run installs it (apt-get install nginx)")
        pytest.skip("no nginx (apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    ports = [free_port(), free_port()]
    apps = [start_app(p) for p in ports]
    try:
        with behind_nginx(ports, free_port(), tmp) as url:
            yield {"url": url, "log": tmp / "access.log", "ports": ports}
    finally:
        for app in apps:
            app.terminate()
            app.wait(10)


def _opener():
    jar = CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _get(opener, url, **headers):
    req = urllib.request.Request(url, headers=headers)
    with opener.open(req, timeout=20) as r:
        return r.status, dict(r.headers), r.read()


def _upstreams(log: Path, route: str) -> set[str]:
    time.sleep(0.3)  # nginx writes the line after the response
    lines = [ln for ln in log.read_text().splitlines() if f"route={route} " in ln]
    return {m.group(1) for ln in lines if (m := re.search(r"upstream=(\S+)", ln))}


def test_static_files_are_compressed_through_the_proxy(proxy):
    opener, _ = _opener()
    status, _, html = _get(opener, proxy["url"] + "/")
    assert status == 200
    scripts = re.findall(rb'src="\.?/?(static/js/[^"]+\.js)"', html)
    assert scripts, html[:500]
    status, headers, body = _get(opener, proxy["url"] + "/" + scripts[0].decode(), **{"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    raw = gzip.decompress(body)
    assert len(body) < 0.5 * len(raw)


def test_one_browser_stays_on_one_process_and_new_browsers_spread(proxy):
    opener, jar = _opener()
    _get(opener, proxy["url"] + "/")
    route = next(c.value for c in jar if c.name == "llroute")
    for path in ("/_stcore/health", "/_stcore/host-config", "/"):
        _get(opener, proxy["url"] + path)
    seen = _upstreams(proxy["log"], route)
    assert len(seen) == 1 and seen.pop() in {f"127.0.0.1:{p}" for p in proxy["ports"]}
    used = set()
    for _ in range(16):
        fresh, jar2 = _opener()
        _get(fresh, proxy["url"] + "/_stcore/health")
        used |= _upstreams(proxy["log"], next(c.value for c in jar2 if c.name == "llroute"))
    assert used == {f"127.0.0.1:{p}" for p in proxy["ports"]}


def test_a_page_renders_through_the_proxy_and_its_websocket_stays_on_one_process(proxy, page):
    page.goto(proxy["url"] + "/loss_curves?prob=0.5")
    settle(page)
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Loss (nats)").locator(
        '[data-testid="stMetricValue"]').inner_text()
    assert value.startswith("0.6931")
    route = next(c["value"] for c in page.context.cookies() if c["name"] == "llroute")
    page.close()  # nginx logs a websocket when it closes
    for _ in range(50):
        if "/_stcore/stream" in proxy["log"].read_text():
            break
        time.sleep(0.1)
    stream = [ln for ln in proxy["log"].read_text().splitlines() if "/_stcore/stream" in ln]
    assert stream and all(f"route={route} " in ln for ln in stream)
    assert len(_upstreams(proxy["log"], route)) == 1


def test_metrics_are_not_public_through_the_proxy(proxy):
    opener, _ = _opener()
    with pytest.raises(urllib.error.HTTPError) as hidden:
        _get(opener, proxy["url"] + "/_stcore/metrics")
    assert hidden.value.code == 404
    status, _, body = _get(opener, f"http://127.0.0.1:{proxy['ports'][0]}/_stcore/metrics")  # the operator's side
    assert status == 200 and body


def test_a_flood_of_uploads_is_rate_limited_by_the_proxy(proxy):
    opener, jar = _opener()
    _get(opener, proxy["url"] + "/_stcore/health")
    codes = []
    for i in range(60):
        req = urllib.request.Request(f"{proxy['url']}/_stcore/upload_file/no-such-session/f{i}", data=b"x" * 1000,
                                     method="PUT")
        try:
            with opener.open(req, timeout=10) as r:
                codes.append(r.status)
        except urllib.error.HTTPError as e:
            codes.append(e.code)
    passed = [c for c in codes if c != 429]
    assert codes.count(429) >= 30 and len(passed) <= 25, codes  # burst 20, then 2 a second
    assert all(c in (400, 403) for c in passed), codes  # and the app itself took none of them


def _uploads_from(port: int, page: str, files: list[tuple[str, bytes]]) -> list[int]:
    """Open ``page`` over a websocket as a browser does and, while its session lives, PUT each (name, bytes) to
    the upload endpoint under that session's id; the HTTP status of each."""
    import asyncio

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async def run() -> list[int]:
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=None) as ws:
            msg = BackMsg()
            msg.rerun_script.page_name = page
            msg.rerun_script.context_info.url = f"http://127.0.0.1:{port}/{page}"
            await ws.send(msg.SerializeToString())
            session = ""
            while True:
                fm = ForwardMsg()
                fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=30))
                if fm.WhichOneof("type") == "new_session":
                    session = fm.new_session.initialize.session_id or session
                if fm.WhichOneof("type") == "script_finished" and fm.script_finished in (
                        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    break  # not a run cut short for a rerun (a fresh server's first run reruns through app.py)
            assert session
            return [await asyncio.to_thread(_put, port, session, name, data) for name, data in files]

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a thread of its own: Playwright's loop may be running in this one
        return pool.submit(asyncio.run, run()).result()


def _put(port: int, session: str, name: str, data: bytes) -> int:
    opener, jar = _opener()
    _get(opener, f"http://127.0.0.1:{port}/_stcore/health")
    token = next((c.value for c in jar if "xsrf" in c.name), "")
    boundary = "llboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/_stcore/upload_file/{session}/{name}", data=body,
                                 method="PUT", headers={"X-Xsrftoken": token,
                                                        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_only_a_page_with_an_uploader_takes_files_and_a_session_holds_at_most_two_megabytes(proxy):
    port = proxy["ports"][0]
    megabyte = b"y,p\n" + b"1,0.5\n" * (1_000_000 // 6)
    assert _uploads_from(port, "home", [("a", b"y,p\n1,0.5\n")]) == [403]
    codes = _uploads_from(port, "loss_curves", [(f"f{i}", megabyte) for i in range(4)])
    assert codes[:2] == [204, 204] and codes[2:] == [413, 413], codes
