"""Soak: the classroom load test for 10 minutes with students coming and going; memory must return near baseline.

    python -m tests.perf.soak [--minutes 10] [--students 30]

Students arrive, stay 30–120 s moving sliders every 2–5 s, leave, and are replaced, for the whole run. Then the
harness waits for the server to drop the disconnected sessions and compares the Python heap (allocated blocks)
and RSS with the baseline taken after the first warm-up. Loopback only; bounded in time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.load import SCENARIOS, Student  # noqa: E402


def _last(log: Path) -> dict:
    lines = log.read_text().splitlines()
    return json.loads(lines[-1]) if lines else {}


async def _wave(port: int, slots: int, until: float, rng: random.Random, results: list) -> None:
    async def seat(i: int):
        while time.perf_counter() < until:
            s = Student(port, SCENARIOS[i % len(SCENARIOS)], random.Random(rng.random()))
            stay = min(until, time.perf_counter() + rng.uniform(30, 120))
            await s.run(stay)
            results.append(s)
            await asyncio.sleep(rng.uniform(0.5, 3.0))
    await asyncio.gather(*(seat(i) for i in range(slots)))


def main() -> None:
    from tests.browser.conftest import free_port

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "soak.json"))
    args = ap.parse_args()
    if args.minutes > 30 or args.students > 200:
        sys.exit("bounded: at most 30 minutes and 200 students")
    port = free_port()
    log = Path(args.json).with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:  # the class on core 1, the server on 0
        os.sched_setaffinity(0, {1})
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []
    server = subprocess.Popen([*pin, sys.executable, "-m", "tests.perf.soak_server", str(log),
                               "--server.headless", "true", "--server.port", str(port),
                               "--server.address", "127.0.0.1"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        rng = random.Random(0)
        warm: list = []
        asyncio.run(_wave(port, 6, time.perf_counter() + 40, rng, warm))   # every page and cache warmed once
        time.sleep(5)
        base = _last(log)
        results: list = []
        asyncio.run(_wave(port, args.students, time.perf_counter() + 60 * args.minutes, rng, results))
        peak = max((json.loads(x) for x in log.read_text().splitlines()), key=lambda r: r["rss_mb"])
        deadline = time.time() + 240
        while time.time() < deadline and _last(log).get("sessions", 0) > 0:  # disconnected sessions expire
            time.sleep(5)
        time.sleep(5)
        end = _last(log)
    finally:
        server.terminate()
        server.wait(20)
    lat = sorted(x for s in results for x in s.latencies)
    errors = [e for s in results for e in s.errors]
    out = {"minutes": args.minutes, "concurrent_students": args.students, "sessions": len(results),
           "interactions": len(lat), "errors": len(errors), "first_errors": errors[:3],
           "p50_ms": 1e3 * lat[len(lat) // 2] if lat else None,
           "p95_ms": 1e3 * lat[int(len(lat) * 0.95)] if lat else None,
           "baseline": base, "peak_rss_mb": peak["rss_mb"], "after": end,
           "heap_growth_pct": 100 * (end["heap_blocks"] - base["heap_blocks"]) / base["heap_blocks"],
           "rss_growth_mb": end["rss_mb"] - base["rss_mb"]}
    print(json.dumps(out, indent=1))
    Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
