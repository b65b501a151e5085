"""One student cannot stall the class: 30 students alone, then the same class beside two adversaries, in one run.

    python -m tests.perf.adversaries [--students 30] [--seconds 60] [--paste-rows 20000] [--app DIR]
        [--tuning on|off] [--heaviest SECONDS]

Each phase starts a fresh server pinned to one core (``tests.perf.load``'s protocol and students). In the second
phase two more browsers join: a *heavy* student who sends a fresh gradient-descent run of the heaviest legal
settings (500 points, 1,000 steps, the feature map, the race, every optimizer compared, η = 0.001, pos_weight 8)
as soon as the last one is shown, and a *paster* who pastes ``--paste-rows`` rows into the Loss explorer's table
about once a second (the data editor's ``added_rows``, as the browser sends a paste). The class's p95 with the
adversaries should stay within 2× its p95 alone. ``--app`` runs another checkout (e.g. an older commit, from
``git archive``) for a before/after; ``--tuning off`` sets LOG_LOSS_LAB_TUNING=off on the server.
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

from tests.perf.load import ROOT, SCENARIOS, Student, _proc_cpu_seconds, start_server

HEAVY_QUERY = ("dataset=Moons&n=500&steps=1000&features=true&train_with=both+%28a+race%29&lr=0.001&pw=8.0"
               "&compare=Adam&compare=Momentum&compare=RMSprop&compare=Mini-batch+SGD")


# the heaviest legal interaction found by hand (500 generated points): mini-batch SGD with batch 1, the race from
# the confidently wrong start, every other optimizer compared, η = 100, pos_weight 8, the feature map
HEAVIEST_QUERY = ("dataset=Moons&n=500&steps=1000&features=true&train_with=both+%28a+race%29&start=confidently+wrong"
                  "&opt=Mini-batch+SGD&batch=1&lr=100.0&pw=8.0&compare=Gradient+descent+%28full+batch%29"
                  "&compare=Adam&compare=Momentum&compare=RMSprop")


class Heavy(Student):
    """Fresh heavy gradient-descent runs, one after another (a new seed each)."""
    query = HEAVY_QUERY
    pause = (0.0, 0.0)

    def __init__(self, port: int, rng: random.Random, query: str = HEAVY_QUERY):
        super().__init__(port, ("gradient_descent", "seed", "new"), rng)
        self.query = query


def heaviest(seconds: float, app: Path, env: dict, port: int | None) -> dict:
    """One student alone sending fresh runs of ``HEAVIEST_QUERY``: the server's CPU per interaction."""
    from tests.browser.conftest import free_port

    port = port or free_port()
    server = start_server(port, post_script_gc=False, app_dir=app, env=env)
    try:
        student = Heavy(port, random.Random(1), HEAVIEST_QUERY)

        async def go():
            import websockets

            async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                          max_size=None, open_timeout=30) as ws:
                await student._rerun(ws, None)
                for _ in range(3):  # warm-up
                    await student._rerun(ws, student.next_value())
                cpu0, n0, bytes0 = _proc_cpu_seconds(server.pid), len(student.latencies), student.bytes
                until = time.perf_counter() + seconds
                while time.perf_counter() < until:
                    student.latencies.append(await student._rerun(ws, student.next_value()))
                runs = len(student.latencies) - n0
                return {"runs": runs, "cpu_ms": 1e3 * (_proc_cpu_seconds(server.pid) - cpu0) / max(1, runs),
                        "p50_ms": 1e3 * statistics.median(student.latencies), "max_ms": 1e3 * max(student.latencies),
                        "kb": (student.bytes - bytes0) / max(1, runs) / 1e3, "errors": student.errors[:3]}
        return asyncio.run(go())
    finally:
        server.terminate()
        server.wait(20)


class Paster(Student):
    """The Loss explorer's table with ``rows`` pasted rows, sent again about once a second."""
    pause = (0.5, 1.5)

    def __init__(self, port: int, rng: random.Random, rows: int):
        super().__init__(port, ("loss_curves", "editor_1", None), rng)
        self.paste = json.dumps({"edited_rows": {}, "deleted_rows": [],
                                 "added_rows": [{"y": "1", "p": "0.5"}] * rows})

    def _learn(self, etype, proto) -> None:
        self.wire = "string_value"

    def next_value(self):
        return self.paste


def _p95(values: list[float]) -> float:
    return 1e3 * statistics.quantiles(values, n=20)[18] if len(values) >= 20 else float("nan")


async def _phase(port: int, n: int, seconds: float, adversaries: bool, paste_rows: int, seed: int) -> dict:
    rng = random.Random(seed)
    students = [Student(port, SCENARIOS[i % len(SCENARIOS)], random.Random(rng.random())) for i in range(n)]
    extra = [Heavy(port, random.Random(rng.random())), Paster(port, random.Random(rng.random()), paste_rows)] \
        if adversaries else []
    until = time.perf_counter() + seconds
    tasks = []
    for s in students:  # the class arrives over 3 s; the adversaries come once it is working
        tasks.append(asyncio.create_task(s.run(until)))
        await asyncio.sleep(3.0 / n)
    await asyncio.sleep(2.0)
    tasks += [asyncio.create_task(s.run(until)) for s in extra]
    await asyncio.gather(*tasks)
    lat = sorted(x for s in students for x in s.latencies)
    out = {"moves": len(lat), "p50_ms": 1e3 * statistics.median(lat) if lat else float("nan"), "p95_ms": _p95(lat),
           "max_ms": 1e3 * max(lat) if lat else float("nan"),
           "errors": [e for s in students + extra for e in s.errors][:3]}
    for s in extra:
        name = type(s).__name__.lower()
        out[f"{name}_runs"] = len(s.latencies)
        out[f"{name}_p50_ms"] = 1e3 * statistics.median(s.latencies) if s.latencies else float("nan")
    return out


def run_phase(n: int, seconds: float, adversaries: bool, paste_rows: int, app: Path, env: dict, port: int | None,
              seed: int = 0):
    from tests.browser.conftest import free_port

    port = port or free_port()
    server = start_server(port, post_script_gc=False, app_dir=app, env=env)
    try:
        cpu0, t0 = _proc_cpu_seconds(server.pid), time.perf_counter()
        result = asyncio.run(_phase(port, n, seconds, adversaries, paste_rows, seed))
        result["server_cpu_pct"] = 100 * (_proc_cpu_seconds(server.pid) - cpu0) / (time.perf_counter() - t0)
    finally:
        server.terminate()
        server.wait(20)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--paste-rows", type=int, default=20_000)
    ap.add_argument("--app", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    ap.add_argument("--tuning", choices=["on", "off"], default="on")
    ap.add_argument("--port", type=int, default=None, help="the server's port (default: a free one)")
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "adversaries.json"))
    ap.add_argument("--heaviest", type=float, default=0, metavar="SECONDS",
                    help="instead: one student alone sending the heaviest legal run for SECONDS; CPU per run")
    args = ap.parse_args()
    if args.students > 300 or args.seconds > 600 or args.paste_rows > 100_000:
        sys.exit("bounded: at most 300 students, 600 s and 100,000 pasted rows")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # the class on core 1, the server on core 0
    env = {"LOG_LOSS_LAB_TUNING": args.tuning}
    if args.heaviest:
        r = heaviest(args.heaviest, args.app, env, args.port)
        print(f"app: {args.app}; the heaviest legal run, alone: {r['runs']} runs, server CPU {r['cpu_ms']:.0f} ms "
              f"a run, latency p50 {r['p50_ms']:.0f} ms, max {r['max_ms']:.0f} ms, {r['kb']:.0f} KB a run",
              r["errors"] or "")
        return
    alone = run_phase(args.students, args.seconds, False, args.paste_rows, args.app, env, args.port)
    beside = run_phase(args.students, args.seconds, True, args.paste_rows, args.app, env, args.port)
    print(f"app: {args.app}, tuning {args.tuning}, {args.students} students, {args.seconds:.0f} s a phase, "
          f"paste {args.paste_rows} rows")
    print("| phase | moves | p50 (ms) | p95 (ms) | max (ms) | server CPU | heavy runs (p50 ms) | pastes (p50 ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in (("alone", alone), ("with a heavy student and a paster", beside)):
        heavy = f"{r['heavy_runs']} ({r['heavy_p50_ms']:.0f})" if "heavy_runs" in r else "—"
        paste = f"{r['paster_runs']} ({r['paster_p50_ms']:.0f})" if "paster_runs" in r else "—"
        print(f"| {name} | {r['moves']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | "
              f"{r['server_cpu_pct']:.0f}% | {heavy} | {paste} |")
    print(f"p95 with adversaries / alone: {beside['p95_ms'] / alone['p95_ms']:.2f}×")
    for r in (alone, beside):
        if r["errors"]:
            print("    errors:", r["errors"])
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"alone": alone, "beside": beside, "args": {k: str(v) for k, v in vars(args).items()}},
                               indent=1))


if __name__ == "__main__":
    main()
