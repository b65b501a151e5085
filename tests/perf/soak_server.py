"""`streamlit run app.py` with a heap logger: every second, one JSON line with RSS and the Python heap to a file.

    python -m tests.perf.soak_server LOGFILE [streamlit run options...]

Used by tests/perf/soak.py to see whether memory returns to its baseline once sessions have gone.
"""
import gc
import json
import sys
import threading
import time
from pathlib import Path


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _sessions() -> int:
    try:
        from streamlit.runtime import Runtime

        return len(Runtime.instance()._session_mgr.list_sessions())
    except Exception:
        return -1


def _log(path: Path) -> None:
    with path.open("a") as f:
        while True:
            f.write(json.dumps({"t": time.time(), "rss_mb": _rss_mb(), "heap_blocks": sys.getallocatedblocks(),
                                "gc_objects": len(gc.get_objects()) if int(time.time()) % 10 == 0 else None,
                                "sessions": _sessions()}) + "\n")
            f.flush()
            time.sleep(1.0)


def main() -> None:
    log = Path(sys.argv[1])
    from streamlit.web import cli  # import Streamlit fully before the logger thread touches its runtime

    threading.Thread(target=_log, args=(log,), daemon=True).start()

    sys.argv = ["streamlit", "run", "app.py", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()
