"""One student, no pause, on a real server: what one interaction costs end to end, page by page.

    python -m tests.perf.one_student [--seconds 20] [--load-pages]

For every page's main control (with --load-pages: the load test's three), one simulated student (Streamlit's
websocket protocol, as in tests.perf.load) moves the control again and again with no think time, after 20 warm-up
moves; a control whose values are "new" (the gradient-descent seed) gets a value never sent before every time, so
each of its interactions is a fresh run and figure. Reports the latency from sending the rerun to script_finished
(p50/p95), the server's CPU per interaction (from /proc) and the bytes received per interaction. The server is
pinned to core 0 and this process to core 1. Loopback only; bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.load import SCENARIOS, Student, _proc_cpu_seconds, start_server  # noqa: E402

WARM_UP = 20

# Every page's main control (the benchmark's interactions, tests.perf.bench): (page, key, values) as in Student —
# None is the control's own options, "new" a value never sent before (a fresh gradient-descent run each time).
EVERY_PAGE = [
    ("home", "p", [round(0.01 * i, 2) for i in range(101)]),
    ("loss_curves", "prob", [round(0.001 * i, 3) for i in range(1, 1000)]),
    ("confident_mistakes", "c", None),
    ("confident_mistakes", "gamma", [0.5 * i for i in range(11)]),
    ("gradient_descent", "noise", [round(0.05 * i, 2) for i in range(21)]),
    ("gradient_descent", "lr", None),
    ("gradient_descent", "start", None),
    ("gradient_descent", "seed", "new"),
    ("derivation", "bias", [round(0.05 * i, 2) for i in range(1, 20)]),
    ("multiclass", "z0", [round(0.1 * i, 1) for i in range(-100, 101)]),
    ("calibration", "report", [round(0.01 * i, 2) for i in range(101)]),
    ("calibration", "temp", None),
    ("calibration", "cal_l2", None),  # the model: a full rerun (its four runs cached after the warm-up)
]


async def hammer(port: int, scenario, seconds: float, server_pid: int) -> dict:
    import websockets

    student = Student(port, scenario, random.Random(1))
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=30) as ws:
        await student._rerun(ws, None)
        if student.widget_id is None:
            raise RuntimeError(f"no widget {scenario[1]!r} on {scenario[0]}")
        for _ in range(WARM_UP):
            await student._rerun(ws, student.next_value())
        bytes0, cpu0, t0 = student.bytes, _proc_cpu_seconds(server_pid), time.perf_counter()
        latencies = []
        while time.perf_counter() - t0 < seconds and len(latencies) < 10_000:
            latencies.append(await student._rerun(ws, student.next_value()))
        cpu1 = _proc_cpu_seconds(server_pid)
    if student.errors:
        raise RuntimeError(student.errors[:3])
    n = len(latencies)
    return {"page": scenario[0], "control": scenario[1], "interactions": n,
            "p50_ms": 1e3 * statistics.median(latencies), "p95_ms": 1e3 * statistics.quantiles(latencies, n=20)[18],
            "cpu_per_interaction_ms": 1e3 * (cpu1 - cpu0) / n, "bytes_per_interaction": (student.bytes - bytes0) / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--load-pages", action="store_true", help="only the load test's three scenarios")
    ap.add_argument("--only", nargs="+", default=[], metavar="PAGE[:KEY]", help="only these pages or controls")
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "one_student.json"))
    args = ap.parse_args()
    if not 1 <= args.seconds <= 300:
        sys.exit("bounded: 1 to 300 s per page")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    from tests.browser.conftest import free_port

    port = free_port()
    server = start_server(port, post_script_gc=False)
    rows = []
    try:
        print("| page (control) | interactions | p50 (ms) | p95 (ms) | server CPU per interaction (ms) | bytes |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        chosen = [sc for sc in (SCENARIOS if args.load_pages else EVERY_PAGE)
                  if not args.only or any(o in (sc[0], f"{sc[0]}:{sc[1]}") for o in args.only)]
        for scenario in chosen:
            r = asyncio.run(hammer(port, scenario, args.seconds, server.pid))
            rows.append(r)
            print(f"| {r['page']} ({r['control']}) | {r['interactions']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                  f"{r['cpu_per_interaction_ms']:.1f} | {r['bytes_per_interaction']:,.0f} |", flush=True)
    finally:
        server.terminate()
        server.wait(20)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
