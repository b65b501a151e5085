"""Real-browser fixtures: one Streamlit server per test module on a free loopback port, one headless Chromium.

Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM). Where it is missing the browser tests skip locally, but
in CI (CI=true) a missing browser is a failure: a skipped browser test there would hide a broken app.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _need_browser():
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        try:
            import playwright  # noqa: F401
            return
        except ImportError as e:
            reason = f"playwright is not installed: {e}"
    else:
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, *extra: str, cwd: Path = ROOT) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", *extra],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start: " + (proc.stderr.read() or "")[-2000:])


@contextmanager
def running_app():
    """A fresh app server on a free loopback port, stopped afterwards; yields its base URL."""
    port = free_port()
    proc = start_app(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def behind_nginx(ports: list[int], listen: int, tmp: Path):
    """nginx with the shipped recipe (deploy/nginx-log-loss-lab.conf) on loopback port ``listen`` in front of the
    two app processes on ``ports``; its files and access log (``tmp/access.log``) in ``tmp``; yields its URL."""
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
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; application/javascript js; text/css css; }}
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    nginx = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=0.5).close()
                break
            except OSError:
                if nginx.poll() is not None:
                    raise RuntimeError("nginx did not start: " + nginx.stderr.read()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{listen}"
    finally:
        nginx.terminate()
        nginx.wait(10)


@pytest.fixture(scope="module")
def app_url():
    """One app server for the whole test module."""
    _need_browser()
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Console:
    """Console errors and page errors a page produced (Streamlit's own 404 probes of /_stcore/ are by design)."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text)
                if m.type == "error" and "/_stcore/" not in (m.location or {}).get("url", "") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.console = Console(pg)
    yield pg
    context.close()


def settle(page, timeout: int = 60000) -> None:
    """Wait until the app is connected, its script has run (every page has a title) and finished, and no chart is
    still a loading skeleton. "notRunning" alone is also the state before the first run starts."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    page.wait_for_timeout(250)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    for _ in range(150):
        if not page.locator('[data-testid="stSkeleton"]').count():
            break
        page.wait_for_timeout(100)
