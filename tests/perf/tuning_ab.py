"""Each server tuning measured alone: one server per setting of LOG_LOSS_LAB_TUNING, side by side, in rounds.

    python -m tests.perf.tuning_ab [--rounds 6] [--seconds 4] [--only gradient_descent:seed calibration:cal_l2]

Starts one server with every tuning on, one with none (stock Streamlit) and one with every tuning but X for each
tuning X (ui.tuning.NAMES), all pinned to core 0, this process on core 1. In every round each server, in a
shuffled order, serves one student moving each chosen control with no pause (tests.perf.one_student's protocol)
for ``--seconds``; alternating rounds keep a slow minute of the machine from landing on one setting. Reports, per
setting and control, the median over rounds of the server's CPU per interaction and of the p50/p95 latency, and
each setting's CPU against all-on. A tuning earns its place when taking it out costs more than the rounds' spread.
Loopback only; bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.load import Student, start_server  # noqa: E402
from tests.perf.one_student import EVERY_PAGE, hammer  # noqa: E402
from ui.tuning import NAMES  # noqa: E402

DEFAULT_CONTROLS = ["home:p", "gradient_descent:noise", "gradient_descent:seed", "calibration:cal_l2"]


def settings() -> dict[str, str]:
    """Setting label → LOG_LOSS_LAB_TUNING value."""
    out = {"all on": "on", "off": "off"}
    for name in NAMES:
        out[f"without {name}"] = ",".join(n for n in NAMES if n != name)
    return out


async def _open_root(port: int) -> None:
    """One visit to the root page, as a teacher's first click would be: app.py runs and calls st.navigation.

    Without it a server that leaves Streamlit's legacy multipage mode to nobody (tuning off, or without "legacy")
    would run every page file alone, without app.py — no tuning installed, no run lock — and the comparison would
    be of that, not of the tuning (docs/upstream.md has the bug)."""
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=30) as ws:
        await Student(port, ("", "p", [0.5]), random.Random(0))._rerun(ws, None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--only", nargs="+", default=DEFAULT_CONTROLS, metavar="PAGE:KEY")
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "tuning_ab.json"))
    args = ap.parse_args()
    if not (1 <= args.rounds <= 20 and 1 <= args.seconds <= 30):
        sys.exit("bounded: 1–20 rounds of 1–30 s")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    from tests.browser.conftest import free_port

    scenarios = [sc for sc in EVERY_PAGE if f"{sc[0]}:{sc[1]}" in args.only]
    servers = {}
    try:
        for label, value in settings().items():
            os.environ["LOG_LOSS_LAB_TUNING"] = value
            port = free_port()
            servers[label] = (port, start_server(port, post_script_gc=False))
            asyncio.run(_open_root(port))
        os.environ.pop("LOG_LOSS_LAB_TUNING", None)
        results: dict[tuple[str, str], list[dict]] = {}
        rng = random.Random(0)
        for _ in range(args.rounds):
            order = list(servers)
            rng.shuffle(order)
            for label in order:
                port, proc = servers[label]
                for sc in scenarios:
                    r = asyncio.run(hammer(port, sc, args.seconds, proc.pid))
                    results.setdefault((label, f"{sc[0]}:{sc[1]}"), []).append(r)
    finally:
        for _, proc in servers.values():
            proc.terminate()
            proc.wait(20)

    def med(label, control, field):
        return statistics.median(r[field] for r in results[(label, control)])

    print("| setting | control | CPU per interaction (ms) | CPU / all on | p50 (ms) | p95 (ms) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    rows = []
    for control in (f"{sc[0]}:{sc[1]}" for sc in scenarios):
        base = med("all on", control, "cpu_per_interaction_ms")
        for label in servers:
            cpu = med(label, control, "cpu_per_interaction_ms")
            row = {"setting": label, "control": control, "cpu_ms": cpu, "ratio": cpu / base,
                   "p50_ms": med(label, control, "p50_ms"), "p95_ms": med(label, control, "p95_ms")}
            rows.append(row)
            print(f"| {label} | {control} | {cpu:.1f} | {cpu / base:.2f} | {row['p50_ms']:.1f} | "
                  f"{row['p95_ms']:.1f} |", flush=True)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
