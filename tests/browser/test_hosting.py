"""The shipped nginx recipe, for real: nginx on loopback in front of two app processes.

Checks that static files are compressed, that every request of one browser (page, static files, websocket)
reaches one process, that new browsers are spread over both, and that a page renders through the proxy.
nginx is Debian's (.ci/run installs it); without it this skips locally and fails in CI.
"""
import gzip
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.browser.conftest import IN_CI, free_port, settle, start_app

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail("nginx is missing: .ci/run installs it (apt-get install nginx)")
        pytest.skip("no nginx (apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    ports = [free_port(), free_port()]
    apps = [start_app(p) for p in ports]
    listen = free_port()
    site = (ROOT / "deploy" / "nginx-log-loss-lab.conf").read_text()
    site = site.replace("127.0.0.1:8501", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8502", f"127.0.0.1:{ports[1]}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("/var/log/nginx/log-loss-lab.access.log", str(tmp / "access.log"))
    (tmp / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    types {{ text/html html; application/javascript js; text/css css; }}
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    nginx = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{listen}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=0.5).close()
            break
        except OSError:
            if nginx.poll() is not None:
                pytest.fail("nginx did not start: " + nginx.stderr.read())
            time.sleep(0.1)
    yield {"url": url, "log": tmp / "access.log", "ports": ports}
    nginx.terminate()
    nginx.wait(10)
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
