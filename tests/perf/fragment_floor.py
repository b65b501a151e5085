"""What one idle ``st.fragment(run_every=…)`` tick costs the server: Streamlit's floor against a fragment's own work.

    flock /tmp/heavy.lock python -m tests.perf.fragment_floor [--phones 200] [--seconds 20] [--every 1.0]
        [--body empty caption read page]

Each ``--body`` is a one-file app written to a temporary folder (the repository's .streamlit config copied beside
it) whose only content is one ``st.fragment(run_every=--every)``:

* ``empty``: a fragment that does nothing — Streamlit's own cost of a tick (a rerun request, a script thread, the
  ``new_session`` and ``script_finished`` messages), the floor no page can go under;
* ``caption``: the fragment draws one ``st.caption`` (the waiting phone's one line);
* ``read``: it also reads a room from ``lib.live`` through the per-process shared read, as the page does;
* ``page``: the real Live class page (app.py, a waiting room), as ``tests.perf.live_class`` measures it.

``--phones`` websocket sessions (the browser's protocol, as tests/perf/load.py speaks it) load the app, then send
the fragment's auto-rerun every ``--every`` seconds after the last one finished (never two at once), each at its own
phase. Reported per body: the server's CPU over ``--seconds`` in % of one core, ticks served, and CPU ms per tick.
The server is pinned to core 0, the phones to core 1. Loopback only; every loop is bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.load import _proc_cpu_seconds, keep_as_a_browser, start_server  # noqa: E402

BODIES = {
    "empty": "pass",
    "caption": 'st.caption("Live · room ABCDE")',
    "read": 'STORE.room(CODE, max_age=0.5)\n    st.caption("Live · room ABCDE")',
}
APP = '''import streamlit as st
from lib import live

STORE = st.cache_resource(lambda: live.Store())()
CODE = {code!r}


@st.fragment(run_every={every})
def tick():
    {body}


tick()
'''


class Tab:
    """One browser session: loads the app, then sends the fragment's auto-rerun as the browser's timer does."""

    def __init__(self, port: int, query: str, page_name: str):
        self.port, self.query, self.page_name = port, query, page_name
        self.page_hash, self.cached, self.fragment_id = "", set(), ""
        self.idle = asyncio.Event()
        self.ticks = 0
        self.ws = None

    async def _reader(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for data in self.ws:
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = keep_as_a_browser(self, fm)
            if kind == "auto_rerun":
                self.fragment_id = fm.auto_rerun.fragment_id
            elif kind == "script_finished":
                self.idle.set()

    async def send(self, tick: bool = False) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_hash:
            state.page_script_hash = self.page_hash
        elif self.page_name:
            state.page_name = self.page_name
        state.context_info.url = f"http://127.0.0.1:{self.port}/{self.page_name}"
        state.cached_message_hashes.extend(sorted(self.cached))
        if tick:
            state.fragment_id, state.is_auto_rerun = self.fragment_id, True
        self.idle.clear()
        await self.ws.send(msg.SerializeToString())

    async def run(self, every: float, until: float) -> None:
        import websockets

        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                           max_size=None, open_timeout=30)
        reader = asyncio.create_task(self._reader())
        await self.send()
        await asyncio.wait_for(self.idle.wait(), 60)
        while time.perf_counter() < until:
            await asyncio.sleep(every)
            if self.idle.is_set() and self.fragment_id:
                await self.send(tick=True)
                self.ticks += 1
        reader.cancel()
        await self.ws.close()


async def _class(port: int, pid: int, phones: int, seconds: float, every: float, query: str, page: str) -> dict:
    until = time.perf_counter() + 3 + 5 + seconds + 2
    tabs = [Tab(port, query.format(me=secrets.token_hex(6)), page) for _ in range(phones)]
    runs = []
    for t in tabs:  # they arrive within 3 s: every tab at its own phase
        runs.append(asyncio.create_task(t.run(every, until)))
        await asyncio.sleep(3.0 / phones)
    await asyncio.sleep(5)
    cpu0, t0, ticks0 = _proc_cpu_seconds(pid), time.perf_counter(), sum(t.ticks for t in tabs)
    await asyncio.sleep(seconds)
    cpu, wall, ticks = _proc_cpu_seconds(pid) - cpu0, time.perf_counter() - t0, sum(t.ticks for t in tabs) - ticks0
    await asyncio.gather(*runs, return_exceptions=True)
    return {"cpu_pct": round(100 * cpu / wall, 1), "ticks_per_s": round(ticks / wall, 1),
            "cpu_ms_per_tick": round(1e3 * cpu / max(ticks, 1), 2)}


def measure(body: str, phones: int, seconds: float, every: float, env: dict | None = None) -> dict:
    from lib import live
    from tests.browser.conftest import free_port

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'live.sqlite3'}"
        store = live.Store(url)
        code, _ = store.open_room()
        env = {"LOG_LOSS_LAB_DB": url, **(env or {})}
        if body == "page":
            app_dir, query, page = ROOT, f"room={code}&me={{me}}", "live_class"
        else:
            app_dir, query, page = tmp, "", ""
            shutil.copytree(ROOT / ".streamlit", tmp / ".streamlit")
            (tmp / "app.py").write_text(APP.format(code=code, every=every, body=BODIES[body]))
            env["PYTHONPATH"] = str(ROOT)
        port = free_port()
        server = start_server(port, post_script_gc=False, core=0, app_dir=app_dir, env=env)
        try:
            if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
                os.sched_setaffinity(0, {1})
            idle0 = _proc_cpu_seconds(server.pid)
            time.sleep(2)
            base = 100 * (_proc_cpu_seconds(server.pid) - idle0) / 2
            r = asyncio.run(_class(port, server.pid, phones, seconds, every, query, page))
        finally:
            server.terminate()
            server.wait(20)
    return {"body": body, "phones": phones, "every_s": every, "server_alone_pct": round(base, 1), **r}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--body", nargs="+", choices=[*BODIES, "page"], default=["empty", "caption", "read", "page"])
    ap.add_argument("--json", default=str(ROOT / "tests" / "perf" / "results" / "fragment_floor.json"))
    args = ap.parse_args()
    if args.phones > 300 or args.seconds > 120 or not 0.2 <= args.every <= 10:
        sys.exit("bounded: at most 300 phones, 120 s, a tick every 0.2–10 s")
    rows = [measure(b, args.phones, args.seconds, args.every) for b in args.body]
    for r in rows:
        print(json.dumps(r))
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
