"""Live class benchmark: simulated phones and a projector on one Streamlit server, speaking Streamlit's websocket
protocol as the browser does (tests/perf/load.py's way), against the real page and a real database.

    flock /tmp/heavy.lock python -m tests.perf.live_class [--students 200] [--seconds 10] [--idle 30]
        [--db sqlite|postgresql] [--processes 1|2] [--cores 0,1|0,0] [--ports FIRST]

What one run does, and measures:

1. The server starts as the README hosts it, pinned to core 0 (the class runs on core 1); LOG_LOSS_LAB_DB points
   it at a fresh SQLite file or a fresh PostgreSQL database (``--db postgresql`` needs LOG_LOSS_LAB_TEST_PG, as the
   tests do). A teacher opens a room through ``lib.live``.
2. ``--students`` phones open the student link within 3 s. Each does what Chromium does with the page's
   ``st.fragment(run_every=1 s)``: a fragment rerun (``is_auto_rerun``) every second while waiting. **Idle**: the
   server's CPU over ``--idle`` seconds of nothing happening, in % of one core.
3. The teacher's projector page opens (room and key), the teacher asks a question; **reach**: from the ask to each
   phone receiving the question's choices, without any student pressing anything.
4. Each student taps an answer at a uniformly random moment of the next ``--seconds`` seconds (changing it once,
   1 s later, for a quarter of them). **Tap → saved**: from sending the tap to receiving "Answer saved".
   **Projector**: from the last "saved" to the projector's "Answered so far" showing every student (its fragment
   ticks each second as the browser's would).
5. **Counted once**: ``lib.live.Store.tally`` equals, per choice, the students whose last answer it was.
6. **SQLite's one writer**: answers written straight to the store from 8 threads as fast as they go (answers/s),
   the ceiling a class's taps would meet in SQLite before the Streamlit server's own CPU.

**Two processes** (``--processes 2``, :func:`two_processes`): the same class through nginx with the shipped recipe
(deploy/nginx-log-loss-lab.conf; each phone keeps the route cookie of its first request, so it stays on one process)
in front of two servers sharing one database: a throwaway PostgreSQL cluster on loopback (``.ci/postgres``, as CI
starts) or one SQLite file (WAL). Server k is pinned to ``--cores``' k-th core; 0,1 gives each a core (the class,
nginx and the database share both), 0,0 puts both on core 0 and the rest on core 1. Reported besides: the phones
on each process, the projector's process, CPU of each server and of nginx and the database while the class answers,
and the store's writer alone from one and from two processes at once.

``--db postgresql`` without LOG_LOSS_LAB_TEST_PG starts a throwaway cluster for the run too.

Loopback only; every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.load import _proc_cpu_seconds, keep_as_a_browser, start_server  # noqa: E402

QUESTION = "certain_mistake"


class Phone:
    """One browser session on the Live class page: a reader task records what arrives, ``run`` sends."""

    def __init__(self, port: int, query: str, rng: random.Random):
        self.port, self.query, self.rng = port, query, rng
        self.page_hash = ""
        self.cached: set[str] = set()
        self.fragment_id = ""
        self.every = 1.0  # the fragment's run_every, as the page sent it
        self.radio_id = ""
        self.options: list[str] = []
        self.room_input = ""  # the room code box's id: sent back with every rerun, as a browser does
        self.code = ""
        self.choice: str | None = None
        self.idle = asyncio.Event()
        self.saw_question: float | None = None
        self.saved: list[tuple[float, str]] = []
        self.answered_shown: list[tuple[float, int]] = []  # the projector's metric, (when, value)
        self.errors: list[str] = []
        self.headers: dict[str, str] = {}  # e.g. nginx's route cookie, as a browser sends it with the websocket
        self.ws = None

    async def _reader(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for data in self.ws:
            fm = ForwardMsg()
            fm.ParseFromString(data)
            now = time.perf_counter()
            kind = keep_as_a_browser(self, fm)
            if kind == "auto_rerun":
                self.fragment_id, self.every = fm.auto_rerun.fragment_id, fm.auto_rerun.interval
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "radio" and "live_pick" in el.radio.id:
                    if not self.radio_id:
                        self.saw_question = now
                    self.radio_id, self.options = el.radio.id, list(el.radio.options)
                elif etype == "text_input" and el.text_input.id.endswith("-room"):
                    self.room_input = el.text_input.id
                elif etype == "alert" and el.alert.body.startswith("Answer saved: "):
                    self.saved.append((now, el.alert.body.split(": ", 1)[1].split(". You can")[0]))
                elif etype == "metric" and el.metric.label == "Answered so far":
                    self.answered_shown.append((now, int(el.metric.body)))
                elif etype == "exception":
                    self.errors.append(el.exception.message[:200])
            elif kind == "script_finished":
                if fm.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                          ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    self.idle.set()

    async def send(self, *, tick: bool = False) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_hash:
            state.page_script_hash = self.page_hash
        else:
            state.page_name = "live_class"
        state.context_info.url = f"http://127.0.0.1:{self.port}/live_class"
        state.cached_message_hashes.extend(sorted(self.cached))
        if self.room_input:
            w = state.widget_states.widgets.add()
            w.id, w.string_value = self.room_input, self.code
        if self.choice is not None and self.radio_id:
            w = state.widget_states.widgets.add()
            w.id, w.string_value = self.radio_id, self.choice
        if tick and self.fragment_id:
            state.fragment_id, state.is_auto_rerun = self.fragment_id, True
        self.idle.clear()
        await self.ws.send(msg.SerializeToString())

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                           max_size=None, open_timeout=30, additional_headers=self.headers)
        self.reader = asyncio.create_task(self._reader())
        await self.send()
        await asyncio.wait_for(self.idle.wait(), 60)

    async def ticking(self, until: float) -> None:
        """What the browser does for ``st.fragment(run_every=…)``: a fragment rerun that long after the last one
        (never two at once)."""
        while time.perf_counter() < until:
            await asyncio.sleep(self.every)
            if self.idle.is_set() and self.fragment_id:
                await self.send(tick=True)

    async def answer(self, choice: str) -> float:
        await asyncio.wait_for(self.idle.wait(), 30)  # a browser queues the tap behind a running tick
        self.choice = choice
        seen = len(self.saved)
        t0 = time.perf_counter()
        await self.send()
        while len(self.saved) == seen or self.saved[-1][1] != choice:
            await asyncio.sleep(0.005)
            if time.perf_counter() - t0 > 30:
                raise TimeoutError("no 'Answer saved'")
        return self.saved[-1][0] - t0


async def _scenario(port: int, store, students: int, seconds: float, idle_seconds: float, server_pids: list[int],
                    seed: int, prepare=None, others: dict | None = None) -> dict:
    """The class on the server(s) at ``port``; ``prepare(phone)``, if given, runs before each phone (and the
    projector) connects. Server CPU is the sum over ``server_pids``, and each alone in ``*_each``; ``others`` maps
    a name to a reader of CPU seconds (nginx, the database server), measured while the class answers."""
    rng = random.Random(seed)

    def cpu() -> list[float]:
        return [_proc_cpu_seconds(pid) for pid in server_pids]

    def pct(c0: list[float], t0: float) -> list[float]:
        return [100 * (b - a) / (time.perf_counter() - t0) for a, b in zip(c0, cpu(), strict=True)]

    code, key = store.open_room()
    phones = [Phone(port, f"room={code}&me=bench{secrets.token_hex(6)}", random.Random(rng.random()))
              for _ in range(students)]
    for p in phones:
        p.code = code
        if prepare:
            prepare(p)
    arrivals = []
    for p in phones:  # the class arrives within 3 s
        arrivals.append(asyncio.create_task(p.connect()))
        await asyncio.sleep(3.0 / students)
    await asyncio.gather(*arrivals)
    horizon = time.perf_counter() + idle_seconds + seconds + 30
    tickers = [asyncio.create_task(p.ticking(horizon)) for p in phones]
    await asyncio.sleep(5)  # every phone ticking at its own phase
    cpu0, t0 = cpu(), time.perf_counter()
    await asyncio.sleep(idle_seconds)
    idle_pct = pct(cpu0, t0)

    projector = Phone(port, f"room={code}&key={key}", rng)
    projector.code = code
    if prepare:
        prepare(projector)
    await projector.connect()
    asked = time.perf_counter()
    store.ask(code, key, QUESTION)
    await projector.send()  # the teacher's "Open this question" is a full rerun of the teacher's page
    ticker = asyncio.create_task(projector.ticking(horizon))
    deadline = time.perf_counter() + 30
    while not all(p.saw_question for p in phones) and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    reach = sorted(p.saw_question - asked for p in phones if p.saw_question)

    cpu0, t0, own0 = cpu(), time.perf_counter(), time.process_time()
    others0 = {name: read() for name, read in (others or {}).items()}
    final: dict[str, str] = {}

    async def student(p: Phone, i: int) -> list[float]:
        await asyncio.sleep(p.rng.uniform(0, seconds))
        first = p.rng.choice(p.options)
        out = [await p.answer(first)]
        final[p.query] = first
        if i % 4 == 0:  # a quarter change their mind a second later
            await asyncio.sleep(1.0)
            second = p.options[(p.options.index(first) + 1) % len(p.options)]
            out.append(await p.answer(second))
            final[p.query] = second
        return out

    results = await asyncio.gather(*(student(p, i) for i, p in enumerate(phones)), return_exceptions=True)
    last_saved = max(p.saved[0][0] for p in phones if p.saved)  # the last student's first answer: count complete
    answer_cpu = pct(cpu0, t0)
    class_cpu = 100 * (time.process_time() - own0) / (time.perf_counter() - t0)
    others_cpu = {name: 100 * (read() - others0[name]) / (time.perf_counter() - t0)
                  for name, read in (others or {}).items()}
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and not any(v == students for _, v in projector.answered_shown):
        await asyncio.sleep(0.02)
    shown = [t for t, v in projector.answered_shown if v == students]
    projector_lag = min(shown) - last_saved if shown else float("nan")
    for t in [*tickers, ticker]:
        t.cancel()
    for p in [*phones, projector]:
        await p.ws.close()
    taps = sorted(x for r in results if isinstance(r, list) for x in r)
    failures = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
    tally = store.tally(code)
    expected: dict[float, int] = {}
    options = phones[0].options
    for choice in final.values():
        expected[float(options.index(choice))] = expected.get(float(options.index(choice)), 0) + 1
    q = statistics.quantiles(taps, n=20) if len(taps) >= 20 else [float("nan")] * 19
    return {"students": students, "idle_cpu_pct": sum(idle_pct), "answer_cpu_pct": sum(answer_cpu),
            "idle_cpu_pct_each": idle_pct, "answer_cpu_pct_each": answer_cpu, "class_cpu_pct": class_cpu,
            "answer_cpu_pct_others": others_cpu,
            "reach_p95_s": reach[int(0.95 * (len(reach) - 1))] if reach else float("nan"),
            "reach_max_s": reach[-1] if reach else float("nan"), "reached": len(reach),
            "taps": len(taps), "tap_p50_ms": 1e3 * statistics.median(taps) if taps else float("nan"),
            "tap_p95_ms": 1e3 * q[18], "tap_max_ms": 1e3 * max(taps) if taps else float("nan"),
            "projector_lag_s": projector_lag, "counted": tally.total, "counted_right": tally.counts == expected,
            "failures": failures[:3], "errors": [e for p in phones for e in p.errors][:3]}


def writer_ceiling(url: str, seconds: float = 5.0, threads: int = 8) -> float:
    """Answers per second written straight to the store (distinct students, one open question)."""
    from lib import live

    store = live.Store(url)
    code, key = store.open_room()
    r = store.ask(code, key, QUESTION)
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def work(k: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            store.answer(code, r, f"writer-{k}-{i:07d}", i % 4)
            i += 1
        counts[k] = i

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert store.tally(code).total == sum(counts)
    return sum(counts) / seconds


def fresh_url(db: str, tmp: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{tmp / 'live.sqlite3'}"
    import sqlalchemy as sa

    server = os.environ.get("LOG_LOSS_LAB_TEST_PG")
    if not server:
        sys.exit("--db postgresql needs LOG_LOSS_LAB_TEST_PG (a superuser URL, as for the tests)")
    name = "live_bench_" + secrets.token_hex(4)
    with sa.create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)

def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and its children (nginx's workers, PostgreSQL's backends), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended while we looked
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextmanager
def throwaway_postgres(port: int | None = None):
    """A PostgreSQL cluster on loopback for this run only (``.ci/postgres``, as CI's); yields (superuser URL, the
    postmaster's pid). It inherits this process's CPU affinity."""
    folder = tempfile.mkdtemp(prefix="live-bench-pg-")  # outside a private temp folder: the postgres user reads it
    script = str(ROOT / ".ci" / "postgres")
    try:
        url = subprocess.run([script, "start", folder, *([str(port)] if port else [])], check=True,
                             capture_output=True, text=True).stdout.strip()
        yield url, int((Path(folder) / "data" / "postmaster.pid").read_text().split()[0])
    finally:
        subprocess.run([script, "stop", folder], check=False)


def two_processes(db: str, students: int, seconds: float, idle: float, cores: list[int], first_port: int | None,
                  tmp: Path) -> dict:
    """The class through nginx (the shipped recipe: a route cookie keeps each browser on one process) in front of
    two app processes, server k pinned to ``cores[k]``, sharing one database: a fresh PostgreSQL cluster on
    loopback, or one SQLite file (WAL). Each phone first fetches a page through nginx, as a browser loads the app,
    and sends the route cookie it got with its websocket; the access log says which process each one reached."""
    from lib import live
    from tests.browser.conftest import behind_nginx, free_port

    ports = [first_port + k for k in range(4)] if first_port else [free_port() for _ in range(4)]
    pg_port, app_ports, nginx_port = ports[0], ports[1:3], ports[3]
    if len(set(cores)) == 1 and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        # both servers on one core: the class, nginx and the database (started below, inheriting it) on the other
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) - set(cores))
    with ExitStack() as stack:
        others: dict = {}
        if db == "postgresql":
            server, pg_pid = stack.enter_context(throwaway_postgres(pg_port if first_port else None))
            os.environ["LOG_LOSS_LAB_TEST_PG"] = server
            others["postgresql"] = lambda: _tree_cpu_seconds(pg_pid)
        url = fresh_url(db, tmp)
        os.environ["LOG_LOSS_LAB_DB"] = url
        store = live.Store(url)
        servers = []
        try:
            for port, core in zip(app_ports, cores, strict=True):
                servers.append(start_server(port, post_script_gc=False, core=core))
            nginx_dir = tmp / "nginx"
            nginx_dir.mkdir()
            base = stack.enter_context(behind_nginx(app_ports, nginx_port, nginx_dir))
            nginx_pid = int((nginx_dir / "nginx.pid").read_text())
            others["nginx"] = lambda: _tree_cpu_seconds(nginx_pid)
            routes: dict[str, str] = {}  # phone's query → its route cookie

            def route(phone: Phone) -> None:
                """What a browser does first: load the app through nginx, keep the route cookie it sets."""
                jar = CookieJar()
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
                opener.open(f"{base}/_stcore/health", timeout=20).read()
                cookie = next(c.value for c in jar if c.name == "llroute")
                phone.headers["Cookie"] = f"llroute={cookie}"
                routes[phone.query] = cookie

            r = asyncio.run(_scenario(nginx_port, store, students, seconds, idle, [s.pid for s in servers], seed=0,
                                      prepare=route, others=others))
        finally:
            for server in servers:
                server.terminate()
                server.wait(20)
        log = (nginx_dir / "access.log").read_text().splitlines()
        upstream = {m.group(2): m.group(1) for ln in log if (m := re.search(r"upstream=(\S+) route=(\S+) ", ln))}
        where = {q: upstream.get(c, "?") for q, c in routes.items()}
        projector = next(q for q in where if "key=" in q)
        r["phones_per_process"] = [sum(1 for q, u in where.items() if u == f"127.0.0.1:{p}" and q != projector)
                                   for p in app_ports]
        r["projector_process"] = app_ports.index(int(where[projector].rsplit(":", 1)[1])) \
            if where[projector] != "?" else None
        r["writer_answers_per_s"] = writer_ceiling(url)
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            r["writer_answers_per_s_two_processes"] = sum(pool.map(writer_ceiling, [url, url]))
    r.update(db=db, processes=2, cores=cores)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--processes", type=int, choices=[1, 2], default=1,
                    help="2: two app processes behind nginx (deploy/'s recipe) sharing the database; with "
                         "--db postgresql a throwaway cluster on loopback is started for the run")
    ap.add_argument("--cores", default="0,1", help="with --processes 2, the core of each server: 0,1 (a core each, "
                    "the class, nginx and the database share both) or 0,0 (both on core 0, the rest on core 1)")
    ap.add_argument("--ports", type=int, default=None, help="with --processes 2, use this port and the next three "
                    "(database, two servers, nginx) instead of free ones")
    ap.add_argument("--json", default=None, help="where to write the result (default tests/perf/results/…)")
    args = ap.parse_args()
    if args.students > 300 or args.seconds > 120 or args.idle > 300:
        sys.exit("bounded: at most 300 students, 120 s of answers and 300 s idle")
    results = ROOT / "tests" / "perf" / "results"
    if args.processes == 2:
        cores = [int(c) for c in args.cores.split(",")]
        with tempfile.TemporaryDirectory() as tmp:
            r = two_processes(args.db, args.students, args.seconds, args.idle, cores, args.ports, Path(tmp))
        path = Path(args.json or results / f"live_class_2proc_{args.db}_cores{''.join(map(str, cores))}.json")
        print(json.dumps(r, indent=1))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r, indent=1))
        return
    from lib import live
    from tests.browser.conftest import free_port

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        if args.db == "postgresql" and not os.environ.get("LOG_LOSS_LAB_TEST_PG"):
            os.environ["LOG_LOSS_LAB_TEST_PG"] = stack.enter_context(throwaway_postgres())[0]
        url = fresh_url(args.db, Path(tmp))
        os.environ["LOG_LOSS_LAB_DB"] = url
        store = live.Store(url)
        port = free_port()
        server = start_server(port, post_script_gc=False, core=0)
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
            os.sched_setaffinity(0, {1})  # the class on core 1, the server on core 0
        try:
            r = asyncio.run(_scenario(port, store, args.students, args.seconds, args.idle, [server.pid], seed=0))
        finally:
            server.terminate()
            server.wait(20)
        r["db"] = args.db
        r["writer_answers_per_s"] = writer_ceiling(url)
    print(json.dumps(r, indent=1))
    path = Path(args.json or results / "live_class.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
