"""Classroom load test: simulated students on one Streamlit server, speaking Streamlit's own websocket protocol.

    python -m tests.perf.load [--students 10 30 60 100] [--seconds 60] [--post-script-gc both|true|false]
        [--processes 1|2] [--set server.enableWebsocketCompression=true ...]

The server is started as the README hosts it (`streamlit run app.py`, the repository's .streamlit/config.toml) on a
loopback port. Each student connects to /_stcore/stream (subprotocol "streamlit"), loads one of the heaviest pages,
then every 2–5 s moves a slider: a BackMsg rerun_script whose ClientState carries the page's script hash, the
widget's new value, the cached_message_hashes a browser reports and, for a widget inside a fragment, that
fragment's id (as the browser sends it, so only that section reruns). The latency is from sending it to the
script_finished message. Reports p50/p95/max latency of the moves, errors, server CPU (from /proc) and memory per
session, and below each row the latency of the students' first pages (the whole class arrives within 3 s).
The server is pinned to one core and the simulated class to the other (taskset), so the load generator does not
steal the server's CPU; with ``--processes 2`` two servers get a core each and the class is spread over them (the
class then shares those cores: its own CPU is reported). Loopback only; every loop is bounded in count and time
and stops by itself.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# (page URL path, slider key, values a student picks from): the three heaviest pages
SCENARIOS = [
    ("gradient_descent", "noise", [round(0.05 * i, 2) for i in range(21)]),
    ("confident_mistakes", "gamma", [0.5 * i for i in range(11)]),
    ("loss_curves", "prob", [round(0.001 * i, 3) for i in range(1, 1000)]),
]


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int, post_script_gc: bool, core: int = 0, options: tuple[str, ...] = (), app_dir: Path = ROOT,
                 env: dict | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` from ``app_dir`` (this checkout by default; another one to compare code), with
    ``env`` added to this process's environment."""
    import urllib.request

    # One server gets core 0 and the simulated class (this process) core 1: in a classroom the clients are
    # other machines, and here their protobuf decoding would otherwise compete with the server for its CPU.
    pin = ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []
    proc = subprocess.Popen(
        [*pin, sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--runner.postScriptGC", str(post_script_gc).lower(),
         *(arg for opt in options for arg in (f"--{opt.split('=', 1)[0]}", opt.split("=", 1)[1]))],
        cwd=app_dir, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def keep_as_a_browser(session, fm) -> str:
    """What a browser keeps from a ForwardMsg — the hashes of cacheable messages (reported back at every rerun) and
    the page's script hash — kept on ``session`` (``.cached``, ``.page_hash``); returns the message's kind."""
    if fm.metadata.cacheable and fm.hash:
        session.cached.add(fm.hash)
    kind = fm.WhichOneof("type")
    if kind == "new_session" and fm.new_session.page_script_hash:
        session.page_hash = fm.new_session.page_script_hash
    elif kind == "navigation" and fm.navigation.page_script_hash:
        session.page_hash = fm.navigation.page_script_hash
    return kind


class Student:
    """One simulated browser on one page, moving one control. ``scenario`` is (page, control key, values): a list
    of values to pick from, None for the control's own options (a select slider or segmented control), or "new"
    for values never sent before (each one a fresh computation, e.g. a new seed)."""

    query = ""               # the page's address query (a link's settings), sent with every run as a browser does
    pause = (2.0, 5.0)       # seconds between moves, drawn uniformly

    def __init__(self, port: int, scenario, rng: random.Random):
        self.port, (self.page, self.key, self.values), self.rng = port, scenario, rng
        self.cached: set[str] = set()
        self.page_hash = ""
        self.widget_id: str | None = None
        self.fragment_id = ""  # set when the widget sits in a fragment: the browser then asks for that rerun only
        self.wire = "double_array_value"  # the widget's value type on the wire, read from its element
        self.options: list[str] = []
        self.fresh = 1000
        self.latencies: list[float] = []
        self.first_load: float | None = None  # the page's first run, from the request to script_finished
        self.errors: list[str] = []
        self.bytes = 0

    async def _rerun(self, ws, value: float | None) -> float:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_hash:
            state.page_script_hash = self.page_hash
        else:
            state.page_name = self.page
        state.context_info.url = f"http://127.0.0.1:{self.port}/{self.page}"
        state.cached_message_hashes.extend(sorted(self.cached))
        if value is not None and self.widget_id:
            w = state.widget_states.widgets.add()
            w.id = self.widget_id
            if self.wire in ("double_value", "string_value"):
                setattr(w, self.wire, value)
            else:
                getattr(w, self.wire).data.append(value)
            if self.fragment_id:
                state.fragment_id = self.fragment_id
        t0 = time.perf_counter()
        await ws.send(msg.SerializeToString())
        while True:
            data = await asyncio.wait_for(ws.recv(), timeout=60)
            self.bytes += len(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = keep_as_a_browser(self, fm)
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    self.errors.append(el.exception.message[:200])
                widget_id = getattr(getattr(el, etype, None), "id", "") if etype else ""
                if widget_id.endswith(f"-{self.key}"):
                    self.widget_id, self.fragment_id = widget_id, fm.delta.fragment_id
                    self._learn(etype, getattr(el, etype))
            elif kind == "script_finished":
                if fm.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                          ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    return time.perf_counter() - t0
                if fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    self.errors.append("compile error")
                    return time.perf_counter() - t0

    def _learn(self, etype: str, proto) -> None:
        """How this widget's value travels (as the browser sends it) and, for a choice, its options."""
        from streamlit.proto.Slider_pb2 import Slider

        if etype == "slider" and proto.type == Slider.Type.SELECT_SLIDER:
            self.wire, self.options = "string_array_value", list(proto.options)
        elif etype == "button_group":
            self.wire, self.options = "string_array_value", [o.content for o in proto.options]
        elif etype == "selectbox":
            self.wire, self.options = "string_value", list(proto.options)
        elif etype == "number_input":
            self.wire = "double_value"

    def next_value(self):
        """The next value to send: one of the scenario's values or the control's options, or a fresh one."""
        if self.values == "new":
            self.fresh += 1
            return float(self.fresh)
        choices = self.options if self.values is None else self.values
        if not choices:
            raise RuntimeError(f"{self.key!r} on {self.page}: no values given and no options read from its element")
        return self.rng.choice(choices)

    async def run(self, until: float) -> None:
        import websockets

        try:
            async with websockets.connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                          max_size=None, open_timeout=30) as ws:
                self.first_load = await self._rerun(ws, None)
                if self.widget_id is None:
                    self.errors.append(f"no widget {self.key!r} on {self.page}")
                    return
                while time.perf_counter() < until:
                    await asyncio.sleep(self.rng.uniform(*self.pause))
                    if time.perf_counter() >= until:
                        break
                    self.latencies.append(await self._rerun(ws, self.next_value()))
        except Exception as e:  # a dropped connection or timeout is an error of the run, not of the harness
            self.errors.append(f"{type(e).__name__}: {e}"[:200])


async def _classroom(ports: list[int], n: int, seconds: float, seed: int) -> list[Student]:
    rng = random.Random(seed)
    # with several processes each student stays on one, spread evenly, as the nginx recipe's route cookie does
    students = [Student(ports[i % len(ports)], SCENARIOS[i % len(SCENARIOS)], random.Random(rng.random()))
                for i in range(n)]
    until = time.perf_counter() + seconds
    tasks = []
    for s in students:  # students arrive over the first 3 s, as a class does after the link goes out
        tasks.append(asyncio.create_task(s.run(until)))
        await asyncio.sleep(3.0 / n)
    await asyncio.gather(*tasks)
    return students


def run_level(n: int, seconds: float, post_script_gc: bool, seed: int = 0, processes: int = 1,
              options: tuple[str, ...] = ()) -> dict:
    """One class of ``n`` students; with ``processes`` > 1, that many servers, server k pinned to core k."""
    from tests.browser.conftest import free_port

    servers: list[subprocess.Popen] = []
    ports = [free_port() for _ in range(processes)]
    try:
        for k, port in enumerate(ports):
            servers.append(start_server(port, post_script_gc, core=k % (os.cpu_count() or 1), options=options))
        rss0 = sum(_proc_rss_mb(s.pid) for s in servers)
        cpu0, t0, own0 = sum(_proc_cpu_seconds(s.pid) for s in servers), time.perf_counter(), time.process_time()
        students = asyncio.run(_classroom(ports, n, seconds, seed))
        cpu1, t1, own1 = sum(_proc_cpu_seconds(s.pid) for s in servers), time.perf_counter(), time.process_time()
        rss1 = sum(_proc_rss_mb(s.pid) for s in servers)
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)
    lat = sorted(x for s in students for x in s.latencies)
    first = sorted(s.first_load for s in students if s.first_load is not None)
    errors = [e for s in students for e in s.errors]
    q = statistics.quantiles(lat, n=20) if len(lat) >= 20 else [float("nan")] * 19
    return {"students": n, "processes": processes, "post_script_gc": post_script_gc, "interactions": len(lat),
            "errors": len(errors),
            "first_errors": errors[:3], "p50_ms": 1e3 * statistics.median(lat) if lat else float("nan"),
            "p95_ms": 1e3 * q[18], "max_ms": 1e3 * max(lat) if lat else float("nan"),
            "server_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0), "rss_mb": rss1,
            "class_cpu_pct": 100 * (own1 - own0) / (t1 - t0),
            "rss_per_session_mb": (rss1 - rss0) / n,
            # the arrival: each student's first page, all of them opened within the first 3 s
            "first_load_p50_ms": 1e3 * statistics.median(first) if first else float("nan"),
            "first_load_p95_ms": 1e3 * first[int(0.95 * (len(first) - 1))] if first else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10, 30, 60, 100])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--post-script-gc", choices=["both", "true", "false"], default="both")
    ap.add_argument("--processes", type=int, choices=[1, 2], default=1,
                    help="2: two servers, one per core, the class spread over them (the class then shares the cores)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.OPTION=VALUE",
                    help="a Streamlit config option for the server, e.g. server.enableWebsocketCompression=true")
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "load.json"))
    args = ap.parse_args()
    if any("=" not in opt or not opt.startswith(("server.", "runner.")) for opt in args.set):
        sys.exit("--set takes server.* or runner.* options as SECTION.OPTION=VALUE")
    if max(args.students) > 300 or args.seconds > 900:
        sys.exit("bounded: at most 300 students and 900 s")
    if args.processes == 1 and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # the class on core 1, the server on core 0
    gcs = {"both": [True, False], "true": [True], "false": [False]}[args.post_script_gc]
    rows = []
    print(f"{args.processes} server process(es); server CPU is the sum over them, in % of one core",
          *(f"; --{opt}" for opt in args.set))
    print("| students | postScriptGC | interactions | errors | p50 (ms) | p95 (ms) | max (ms) | server CPU | "
          "RSS (MB) | RSS per session (MB) | class CPU |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for gc_on in gcs:
        for n in args.students:
            r = run_level(n, args.seconds, gc_on, processes=args.processes, options=tuple(args.set))
            rows.append(r)
            print(f"| {n} | {gc_on} | {r['interactions']} | {r['errors']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
                  f"{r['max_ms']:.0f} | {r['server_cpu_pct']:.0f}% | {r['rss_mb']:.0f} | "
                  f"{r['rss_per_session_mb']:.2f} | {r['class_cpu_pct']:.0f}% |", flush=True)
            print(f"    first pages (all {n} opened in the first 3 s): p50 {r['first_load_p50_ms']:.0f} ms, "
                  f"p95 {r['first_load_p95_ms']:.0f} ms")
            if r["first_errors"]:
                print("    errors:", r["first_errors"])
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
