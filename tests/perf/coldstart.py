"""Cold start in headless Chromium: time to the first chart drawn, and bytes downloaded, beside a hello-world page.

    python -m tests.perf.coldstart [--runs 3]

Each run is a fresh browser profile (empty cache) against a running server (the app's first-run imports already
paid, as for the second student of a class). "Chart drawn" is the first plotly SVG in the page; the hello-world
baseline is a one-line Streamlit app with one plotly chart, so the difference is this app's own cost.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HELLO = """import streamlit as st
import plotly.graph_objects as go
st.title("Hello")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])))
"""


def measure(url: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM

    times, sizes = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            total = [0]
            page.on("response", lambda r, total=total: total.__setitem__(0, total[0] + int(
                r.headers.get("content-length") or 0)))
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector('[data-testid="stPlotlyChart"] svg.main-svg', timeout=60000)
            times.append(time.perf_counter() - t0)
            page.wait_for_timeout(500)
            sizes.append(total[0])
            context.close()
        browser.close()
    return {"first_chart_s_median": statistics.median(times), "first_chart_s_all": times,
            "bytes_downloaded": statistics.median(sizes)}


def main() -> None:
    from tests.browser.conftest import free_port, start_app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "coldstart.json"))
    args = ap.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app.py").write_text(HELLO)
        for name, cwd, path in (("hello-world page", Path(tmp), "/"), ("Log Loss Lab home", ROOT, "/"),
                                ("Log Loss Lab gradient descent", ROOT, "/gradient_descent")):
            port = free_port()
            proc = start_app(port, cwd=cwd)
            try:
                measure(f"http://127.0.0.1:{port}{path}", 1)  # warm the server's imports
                out[name] = measure(f"http://127.0.0.1:{port}{path}", args.runs)
            finally:
                proc.terminate()
                proc.wait(20)
    print("| page | first chart drawn (s, median) | bytes downloaded (uncompressed) |")
    print("| --- | ---: | ---: |")
    for name, r in out.items():
        print(f"| {name} | {r['first_chart_s_median']:.2f} | {r['bytes_downloaded']:,.0f} |")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
