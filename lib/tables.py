"""User tables of samples (y, p): the one validation helper, CSV in and out, and the presets.

Cells arrive as whatever the user typed (strings, numbers, None). :func:`check_samples` never raises on bad
cells: it returns the rows that are valid, and one plain message per invalid row, so a page can flag each row
where it was entered and compute the mean over the rest. Sizes are bounded: ``MAX_ROWS`` rows,
``MAX_CSV_BYTES`` per upload.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

MAX_ROWS = 500               # rows of a table of samples (y, p): typed, pasted or uploaded
MAX_CSV_BYTES = 100_000      # bytes of one uploaded CSV file, of samples or of points (lib.datasets)
MAX_LINK_ROWS = 100          # a table in a share link: y:p pairs, comma-separated (a link stays under ~2.5 KB)
MAX_LINK_CHARS = 25 * MAX_LINK_ROWS
COLUMNS = ("y", "p")

PRESETS: dict[str, list[tuple[float, float]]] = {
    "Good model": [(1, 0.9), (1, 0.8), (1, 0.95), (0, 0.1), (0, 0.2), (0, 0.05), (1, 0.7), (0, 0.3)],
    "One confident mistake": [(1, 0.9), (1, 0.8), (1, 0.95), (0, 0.1), (0, 0.2), (0, 0.05), (1, 0.7), (1, 0.001)],
    "Always 0.5": [(1, 0.5), (0, 0.5), (1, 0.5), (0, 0.5), (1, 0.5), (0, 0.5)],
    "Imbalanced classes": [(0, 0.1)] * 9 + [(1, 0.1)],
}


@dataclass(frozen=True)
class Checked:
    """The result of checking a table: valid rows' values and one message per invalid row (by row index)."""

    rows: np.ndarray      # indices of valid rows
    y: np.ndarray
    p: np.ndarray
    problems: dict[int, str]
    n_rows: int


def _cell(value, lo: float = 0.0, hi: float = 1.0) -> tuple[float | None, str | None]:
    """A cell as a float in [lo, hi], or the reason it is not one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, "is empty"
    if isinstance(value, bool):
        return None, "is not a number"
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None, "is empty"
        try:
            x = float(text.replace("−", "-"))
        except ValueError:
            shown = text if len(text) <= 20 else text[:19] + "…"
            return None, f"is not a number ({shown!r})"
    if math.isnan(x):
        return None, "is not a number (NaN)"
    if not lo <= x <= hi:
        return None, f"= {x:g} is outside [{lo:g}, {hi:g}]"
    return x, None


def check_samples(rows) -> Checked:
    """Check a table of (y, p) rows.

    Args:
        rows: a sequence of (y, p) pairs or of mappings with keys "y" and "p"; cells may be anything.

    Returns:
        :class:`Checked` — the valid rows (labels y and probabilities p both in [0, 1]) and, for each invalid
        row, a message such as ``"p = 1.5 is outside [0, 1]"`` or ``"y is empty"``.

    >>> c = check_samples([(1, 0.9), ("x", 0.5), (0, 1.5)])
    >>> c.rows.tolist(), c.problems
    ([0], {1: "y is not a number ('x')", 2: 'p = 1.5 is outside [0, 1]'})
    """
    ok, values, problems, n = _check_rows(rows, COLUMNS, lambda name, cell: _cell(cell))
    return Checked(np.array(ok, dtype=int), values[:, 0], values[:, 1], problems, n)


def _check_rows(rows, columns, parse) -> tuple[list[int], np.ndarray, dict[int, str], int]:
    """The one row checker behind :func:`check_samples` and :func:`check_points`: each row's cells (a sequence, or
    a mapping by column name; missing cells are empty) parsed by ``parse(name, cell) -> (value, why)``.
    Returns the valid rows' indices, their values (k, len(columns)), one message per invalid row, the row count."""
    ok, good, problems, n = [], [], {}, 0
    width = len(columns)
    for i, row in enumerate(rows):
        n += 1
        cells = [row.get(c) for c in columns] if isinstance(row, dict) else (list(row) + [None] * width)[:width]
        values, msgs = [], []
        for name, cell in zip(columns, cells, strict=True):
            x, why = parse(name, cell)
            values.append(x)
            if why:
                msgs.append(f"{name} {why}")
        if msgs:
            problems[i] = "; ".join(msgs)
        else:
            ok.append(i)
            good.append(values)
    return ok, np.array(good, dtype=np.float64).reshape(-1, width), problems, n


class TableError(ValueError):
    """A CSV file that cannot be read as a table of samples; the message says why, in plain words."""


def open_csv(data: bytes, max_bytes: int, size_note: str, header_hint: str, item: str):
    """The one way an uploaded CSV is opened: bounded in bytes, UTF-8 text, a header line read. Returns (reader,
    header) or raises :class:`TableError` saying why in plain words."""
    if len(data) > max_bytes:
        raise TableError(f"The file is {len(data) / 1000:.0f} KB; the limit is {max_bytes // 1000} KB "
                         f"({size_note}).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError("The file is not UTF-8 text. Save it as CSV (comma-separated values).") from None
    if "\x00" in text:
        raise TableError("The file is not a text CSV file.")
    # lines may end in CR LF (Windows), LF, or a lone CR (old Macs' spreadsheets): all read as lines
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")))
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(f"The file is empty. It needs a header row '{header_hint}' and one row per {item}.") from None
    except csv.Error as e:
        raise TableError(f"The file is not valid CSV ({e}).") from None
    names = [h.strip().lower() for h in header]
    twice = next((h for i, h in enumerate(names) if h and h in names[:i]), None)
    if twice is not None:  # which of the two would be meant is a guess: refuse rather than pick one
        raise TableError(f"The header names the column '{twice[:20]}' twice; each column needs its own name.")
    return reader, header


def read_records(reader, cols: list[int], max_rows: int, too_many: str) -> tuple[list[list[str]], list[int]]:
    """The cells of columns ``cols`` ("" past a short record's end) of each non-blank record an :func:`open_csv`
    reader yields, and each one's line number; :class:`TableError` ``too_many`` past ``max_rows`` records (the file
    is not read further). A ``csv.Error`` is left to the caller, whose message names the file's kind."""
    rows, lines = [], []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= max_rows:
            raise TableError(too_many)
        rows.append([record[j] if j < len(record) else "" for j in cols])
        lines.append(reader.line_num)
    return rows, lines


def read_csv(data: bytes) -> list[tuple[str, str]]:
    """Parse an uploaded CSV with columns y and p (a header row is required) into rows of raw strings.

    Cells are kept as text, so bad cells reach :func:`check_samples` and are flagged row by row. The file as a
    whole is refused (``TableError``) when it is too large, not text, has no y and p columns, or has more than
    ``MAX_ROWS`` rows.
    """
    reader, header = open_csv(data, MAX_CSV_BYTES, f"at most {MAX_ROWS} rows", "y,p", "sample")
    names = [h.strip().lower() for h in header]
    if "y" not in names or "p" not in names:
        shown = ", ".join(repr(h[:20]) for h in header[:5]) or "nothing"
        raise TableError(f"The file needs columns named y and p; its header has {shown}.")
    try:
        records, _ = read_records(reader, [names.index("y"), names.index("p")], MAX_ROWS,
                                  f"The file has more than {MAX_ROWS} rows; the limit is {MAX_ROWS}.")
    except csv.Error as e:
        raise TableError(f"The file is not valid CSV ({e}).") from None
    if not records:
        raise TableError("The file has a header but no rows.")
    return [(y.strip(), p.strip()) for y, p in records]


def write_csv(rows) -> str:
    """Rows of (y, p) as CSV text with a header, cells written exactly as they are."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for y, p in rows:
        w.writerow(["" if y is None else y, "" if p is None else p])
    return out.getvalue()


def _short(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def to_link(y, p) -> str | None:
    """Valid samples as a link value "y:p,y:p,…" (shortest exact decimals); None when there are more than
    ``MAX_LINK_ROWS`` (the link would be too long to share).

    >>> to_link([1, 0], [0.9, 0.25])
    '1:0.9,0:0.25'
    """
    if len(y) > MAX_LINK_ROWS:
        return None
    return ",".join(f"{_short(a)}:{_short(b)}" for a, b in zip(y, p, strict=True))


def from_link(text: str) -> list[tuple[str, str]]:
    """A link's table value back into rows of raw strings, bounded like an upload; cells are checked afterwards
    by :func:`check_samples` (so a bad cell is flagged on its row, not refused with the whole table).

    >>> from_link("1:0.9,0:0.25")
    [('1', '0.9'), ('0', '0.25')]
    """
    text = str(text)
    if len(text) > MAX_LINK_CHARS:
        raise TableError(f"The link's table is {len(text)} characters long; the limit is {MAX_LINK_CHARS}.")
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise TableError("The link's table is empty.")
    if len(items) > MAX_LINK_ROWS:
        raise TableError(f"The link's table has {len(items)} rows; a link holds at most {MAX_LINK_ROWS}.")
    rows = []
    for i, item in enumerate(items):
        parts = item.split(":")
        if len(parts) != 2:
            raise TableError(f"Item {i + 1} of the link's table ({item[:20]!r}) is not of the form y:p.")
        rows.append((parts[0].strip(), parts[1].strip()))
    return rows


POINT_COLUMNS = ("x1", "x2", "y")
POINT_LIMIT = 1e6  # |x| bound for a point's coordinates (far beyond any toy data; keeps the training finite)


@dataclass(frozen=True)
class CheckedPoints:
    """A table of points after checking: the valid rows' X (k, 2) and y (k,), one message per invalid row."""

    rows: np.ndarray
    X: np.ndarray
    y: np.ndarray
    problems: dict[int, str]
    n_rows: int


def check_points(rows) -> CheckedPoints:
    """Check a table of (x1, x2, y) rows: coordinates numbers within ±1e6, y exactly 0 or 1.

    >>> c = check_points([(0.5, -1, 1), ("a", 0, 0), (1, 2, 0.5)])
    >>> c.rows.tolist(), c.problems
    ([0], {1: "x1 is not a number ('a')", 2: 'y = 0.5 is not 0 or 1'})
    """
    def parse(name, cell):
        if name != "y":
            return _cell(cell, -POINT_LIMIT, POINT_LIMIT)
        x, why = _cell(cell, -math.inf, math.inf)  # any number that is not a label gets the same plain message
        return (None, f"= {x:g} is not 0 or 1") if x is not None and x not in (0.0, 1.0) else (x, why)

    ok, values, problems, n = _check_rows(rows, POINT_COLUMNS, parse)
    return CheckedPoints(rows=np.array(ok, dtype=int), X=values[:, :2], y=values[:, 2], problems=problems, n_rows=n)


def write_points_csv(X, y) -> str:
    """Points as CSV text with the header x1,x2,y (shortest exact decimals)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(POINT_COLUMNS)
    for (a, b), c in zip(np.asarray(X), np.asarray(y), strict=True):
        w.writerow([_short(a), _short(b), _short(c)])
    return out.getvalue()
