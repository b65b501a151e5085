"""Shared test helpers: AppTest runs of the real app and decoding of the plotly figures a page sends."""
import base64
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def decode(value):
    """Plotly's typed arrays ({"dtype": "f4", "bdata": …}) as numpy arrays, at any depth."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
            if "shape" in value:
                shape = value["shape"]
                dims = shape if isinstance(shape, list) else [int(s) for s in str(shape).split(",")]
                arr = arr.reshape(dims)
            return arr.astype(np.float64) if arr.dtype.kind == "f" else arr
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def figures(at) -> dict:
    """Every plotly chart on the page as a decoded spec, by the chart's key."""
    out = {}
    for i, el in enumerate(at.get("plotly_chart")):
        spec = decode(json.loads(el.proto.spec))
        key = el.proto.id.rsplit("-", 1)[-1] if el.proto.id else str(i)
        out[key] = spec
        out[i] = spec
    return out


def chart(at, key: str) -> dict:
    """The decoded figure whose widget id contains ``key``."""
    for el in at.get("plotly_chart"):
        if key in el.proto.id:
            return decode(json.loads(el.proto.spec))
    raise KeyError(f"no chart with key {key!r}; ids: {[el.proto.id for el in at.get('plotly_chart')]}")


def open_page(path: str, query: dict | None = None, timeout: float = 30):
    """An AppTest of the real app, started from app.py, switched to ``path``, with URL parameters set."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if path != "pages/home.py":
        at.switch_page(path)  # open the page directly, as a shared link does
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert_ok(at)
    return at


def assert_ok(at, context="") -> None:
    """No exception element and no friendly error box (app.py turns a page's exception into one)."""
    from ui import FRIENDLY_ERROR

    assert not at.exception, (context, [e.value for e in at.exception])
    assert not any(FRIENDLY_ERROR in e.value for e in at.error), (context, "a page raised; see the log")


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown message's text: each backslash-escaped ASCII punctuation character as itself
    (CommonMark's rule; ``ui.literal`` escapes user text that way)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def metric(at, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise KeyError(f"no metric {label_start!r}; have {[m.label for m in at.metric]}")


def md_table(at, first_header: str) -> list[dict]:
    """The rows of a Markdown table (``ui.table``) whose first header cell is ``first_header``: {header: cell}."""
    for m in at.markdown:
        if m.value.startswith(f"| {first_header} |"):
            lines = m.value.splitlines()

            def cells(line: str) -> list[str]:
                parts, cur, i = [], "", 0
                body = line.strip()[1:-1]
                while i < len(body):
                    if body[i] == "\\" and i + 1 < len(body):
                        cur += body[i + 1]
                        i += 2
                        continue
                    if body[i] == "|":
                        parts.append(cur.strip())
                        cur = ""
                    else:
                        cur += body[i]
                    i += 1
                return [*parts, cur.strip()]

            header = cells(lines[0])
            return [dict(zip(header, cells(line), strict=True)) for line in lines[2:]]
    raise KeyError(f"no Markdown table starting with {first_header!r}")


@pytest.fixture
def app():
    return open_page


@pytest.fixture(autouse=True, scope="session")
def _live_class_database(tmp_path_factory):
    """The live class's store in a temporary SQLite file for the whole run (app servers started by the browser tests
    inherit it), so tests never write to the repository's .data folder; a test may still set its own."""
    if "LOG_LOSS_LAB_DB" not in os.environ:
        os.environ["LOG_LOSS_LAB_DB"] = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
