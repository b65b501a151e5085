"""Benchmarks: lib throughput, server time and bytes per interaction on every page, each beside its baseline.

    python -m tests.perf.bench [--quick] [--json tests/perf/results/bench.json]

Not part of the default `pytest` run (these are measurements, not pass/fail tests). Prints Markdown tables
(docs/performance.md's tables are pasted from them) and writes the numbers as JSON. Budgets: ≤ 50 ms server time
per interaction (p95), ≤ 150 KB per control change, ≤ 1 MB per gradient-descent animation; lib within 1.5× of
the naive formula and faster than scikit-learn's log_loss.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lib import loss  # noqa: E402


def best_of(fn, repeat: int = 5) -> float:
    """Fastest of ``repeat`` runs, in seconds (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


# ------------------------------------------------------------------------------------------------ lib throughput
def bench_lib(sizes, repeat) -> list[dict]:
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        y = rng.integers(0, 2, n).astype(np.float64)
        p = rng.uniform(1e-6, 1 - 1e-6, n)
        z = rng.normal(0, 4, n)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            cases = _cases(y, p, z)
            for name, ours, naive in cases:
                t_ours, t_naive = best_of(ours, repeat), best_of(naive, repeat)
                row = {"function": name, "n": n, "ours_ms": 1e3 * t_ours, "naive_ms": 1e3 * t_naive,
                       "ratio_to_naive": t_ours / t_naive}
                if name == "bce (mean)":
                    t_sk = best_of(partial(log_loss, y, p), max(1, repeat // 2))
                    row["sklearn_log_loss_ms"] = 1e3 * t_sk
                rows.append(row)
    return rows


def _cases(y, p, z):
    """(name, ours, the naive NumPy formula) for one set of inputs."""
    return [
                ("bce (mean)", lambda: loss.bce(y, p),
                 lambda: np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))),
                ("bce_with_logits (mean)", lambda: loss.bce_with_logits(y, z),
                 lambda: np.mean(-(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z)))))),
                ("bce_grad_prob", lambda: loss.bce_grad_prob(y, p), lambda: -y / p + (1 - y) / (1 - p)),
                ("bce_grad_logit", lambda: loss.bce_grad_logit(y, z), lambda: 1 / (1 + np.exp(-z)) - y),
    ]


# ------------------------------------------------------------------------------------------------ pages
EMPTY_PAGE = """import streamlit as st
st.slider("x", 0.0, 1.0, 0.5, key="x")
"""

# One interaction per page: (page, widget kind, key, two values to alternate). The gradient-descent page is measured
# twice: with settings it has seen (the shared cache answers) and with new ones (a fresh run and figure).
INTERACTIONS = [
    ("pages/home.py", "slider", "p", [0.3, 0.7]),
    ("pages/loss_curves.py", "slider", "prob", [0.3, 0.7]),
    ("pages/confident_mistakes.py", "select_slider", "c", [0.9, 0.999]),
    ("pages/gradient_descent.py", "select_slider", "lr", [0.1, 1.0]),
    ("pages/gradient_descent.py", "number_input", "seed", "new"),
    ("pages/gradient_descent.py", "segmented_control", "start", ["confidently wrong", "w = 0, b = 0"]),
    ("pages/derivation.py", "slider", "bias", [0.3, 0.6]),
    ("pages/multiclass.py", "slider", "z0", [1.0, -1.0]),
    ("pages/calibration.py", "slider", "report", [0.3, 0.7]),
    ("pages/calibration.py", "select_slider", "temp", [0.5, 2.0]),
]


def _open(path: str | None, script: str | None = None):
    from streamlit.testing.v1 import AppTest

    if script is not None:
        at = AppTest.from_string(script, default_timeout=60)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if path != "pages/home.py":
            at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def _page_bytes(at) -> tuple[int, int]:
    """(all elements' protobuf bytes, plotly spec bytes) of the page as last rendered."""
    total = charts = 0

    def walk(node):
        nonlocal total, charts
        proto = getattr(node, "proto", None)
        if proto is not None and not getattr(node, "children", None):
            total += len(proto.SerializeToString())
            if hasattr(proto, "spec") and type(proto).__name__ == "PlotlyChart":
                charts += len(proto.spec)
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return total, charts


def bench_pages(rounds: int, post_gc: bool) -> list[dict]:
    from streamlit import config

    config.set_option("runner.postScriptGC", post_gc)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.py"
        empty.write_text(EMPTY_PAGE)
        plan = [("empty one-slider page", None, "slider", "x", [0.2, 0.8])] + [
            (f"{p} ({k}{' → new seed' if v == 'new' else ''})", p, kind, k, v) for p, kind, k, v in INTERACTIONS]
        for label, path, kind, key, values in plan:
            at = _open(path, EMPTY_PAGE if path is None else None)
            walls, cpus = [], []
            for i in range(rounds):
                value = (i + (1000 if post_gc else 2000)) if values == "new" else values[i % 2]  # unseen seeds
                widget = _widget(at, kind, key)
                widget.set_value(value)
                gc.collect()
                w0, c0 = time.perf_counter(), time.process_time()
                at.run()
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                assert not at.exception, (label, [e.value for e in at.exception])
            total, chart_bytes = _page_bytes(at)
            q = statistics.quantiles
            rows.append({"page": label, "post_script_gc": post_gc, "rounds": rounds,
                         "wall_p50_ms": 1e3 * statistics.median(walls), "wall_p95_ms": 1e3 * q(walls, n=20)[18],
                         "cpu_p50_ms": 1e3 * statistics.median(cpus), "cpu_p95_ms": 1e3 * q(cpus, n=20)[18],
                         "bytes_per_interaction": total, "chart_bytes": chart_bytes})
    return rows


def bench_animation() -> list[dict]:
    """Bytes of the gradient-descent figure (all its frames) at the default and the heaviest legal settings."""
    from lib import charts, experiment

    heaviest = experiment.Settings(dataset="moons", n=experiment.MAX_TOY_POINTS, noise=0.5, test_fraction=0.5,
                                   features=True, steps=max(experiment.STEP_COUNTS), optimizer="sgd",
                                   compare=("gd", "momentum", "rmsprop", "adam"))
    rows = []
    race = experiment.Settings(**{**heaviest.__dict__, "objective": "both", "start": "wrong"})
    for name, s in (("default", experiment.Settings()), ("heaviest legal", heaviest),
                    ("heaviest legal, BCE vs squared-error race", race)):
        t0 = time.perf_counter()
        e = experiment.run(s)
        t1 = time.perf_counter()
        spec = charts.gradient_descent_figure(e)
        t2 = time.perf_counter()
        import plotly.io as pio

        size = len(pio.to_json(spec.to_dict(), validate=False))
        rows.append({"settings": name, "frames": len(spec.to_dict()["frames"]), "bytes": size,
                     "run_ms": 1e3 * (t1 - t0), "figure_ms": 1e3 * (t2 - t1)})
    return rows


# ------------------------------------------------------------------------------------------------ output
def table(rows: list[dict], cols: list[tuple[str, str, str]]) -> str:
    head = "| " + " | ".join(c[1] for c in cols) + " |"
    sep = "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(cols))) + " |"
    body = ["| " + " | ".join(format(r.get(c[0], ""), c[2]) if r.get(c[0]) is not None else "—" for c in cols)
            + " |" for r in rows]
    return "\n".join([head, sep, *body])


def machine() -> str:
    import streamlit

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, Streamlit {streamlit.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds (a smoke run)")
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "bench.json"))
    args = ap.parse_args()
    sizes = [10**5] if args.quick else [10**6, 10**7]
    rounds = 8 if args.quick else 30
    out = {"machine": machine(), "command": "python -m tests.perf.bench" + (" --quick" if args.quick else "")}

    out["lib"] = bench_lib(sizes, repeat=3 if args.quick else 5)
    print(f"## lib throughput ({out['machine']})\n")
    print(table(out["lib"], [("function", "function", "s"), ("n", "n", ".0e"), ("ours_ms", "ours (ms)", ".1f"),
                             ("naive_ms", "naive formula (ms)", ".1f"), ("ratio_to_naive", "ours / naive", ".2f"),
                             ("sklearn_log_loss_ms", "sklearn log_loss (ms)", ".1f")]))
    out["pages"] = bench_pages(rounds, post_gc=True) + bench_pages(rounds, post_gc=False)
    print(f"\n## Server time and bytes per interaction (AppTest, {rounds} interactions each)\n")
    print(table(out["pages"], [("page", "page (control changed)", "s"), ("post_script_gc", "postScriptGC", ""),
                               ("wall_p50_ms", "wall p50 (ms)", ".1f"), ("wall_p95_ms", "wall p95 (ms)", ".1f"),
                               ("cpu_p50_ms", "CPU p50 (ms)", ".1f"), ("cpu_p95_ms", "CPU p95 (ms)", ".1f"),
                               ("bytes_per_interaction", "bytes sent", ",d"),
                               ("chart_bytes", "of which charts", ",d")]))
    out["animation"] = bench_animation()
    print("\n## Gradient-descent animation (one figure, all frames)\n")
    print(table(out["animation"], [("settings", "settings", "s"), ("frames", "frames", "d"), ("bytes", "bytes", ",d"),
                                   ("run_ms", "training (ms)", ".0f"), ("figure_ms", "figure (ms)", ".0f")]))
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
