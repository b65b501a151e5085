"""Tables on the page: a small table of the app's own numbers, and a table the user uploads or edits."""
from __future__ import annotations

import contextlib
from typing import NamedTuple

import pandas as pd
import streamlit as st

from ui.runs import session_id
from ui.text import literal


def table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> None:
    """A small table of this app's own numbers and labels as Markdown (an HTML table: read by screen readers,
    copied as text), columns from ``numeric_from`` on aligned right. Not for user text, which is never rendered as
    Markdown. Cheaper than ``st.dataframe`` of a pandas frame, which a page would build and convert at every
    interaction (docs/performance.md)."""
    def cell(text: str) -> str:
        return str(text).replace("\\", "\\\\").replace("|", "\\|")

    align = ["---" if i < numeric_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    st.markdown("\n".join(lines))


def upload_key(key: str) -> str:
    """The widget key of uploader ``key`` now: a new one after each refused file (``refuse_upload``)."""
    return f"{key}_{st.session_state.get(f'_{key}_round', 0)}"


def uploaded(key: str):
    """The file in uploader ``key`` (:meth:`Page.file_uploader`), or None."""
    return st.session_state.get(upload_key(key))


def refuse_upload(key: str) -> None:
    """After the page refused the file in uploader ``key`` (with its own calm message): the box starts again under a
    new widget key, so it no longer shows the file as if it were loaded, and the file's bytes leave the server now
    rather than when the session ends (they count against the session's bound, ``ui.tuning.guard_uploads``)."""
    file, session = uploaded(key), session_id()
    if file is not None and session is not None:
        with contextlib.suppress(Exception):  # no runtime (a bare run, AppTest): nothing is held
            from streamlit import runtime

            if runtime.exists():
                runtime.get_instance().uploaded_file_mgr.remove_file(session, file.file_id)
    st.session_state[f"_{key}_round"] = st.session_state.get(f"_{key}_round", 0) + 1


class Edited(NamedTuple):
    """A user's table as :func:`table_editor` returns it."""
    rows: list[tuple]   # the rows as edited (text, as typed), cut to the table's limit
    checked: object     # what ``check(rows)`` made of them: its ``problems`` were shown
    side: object        # the column beside the editor (side by side), else None


def table_editor(page, name: str, *, columns: tuple[str, ...], read_file, check, limit: int, noun: str,
                 max_bytes: int, editor_key: str, uploader_key: str, first_rows=None, side_by_side: bool = False,
                 left_out: str = "left out", **editor_options) -> Edited:
    """A table the user edits in place or uploads as a CSV file, checked row by row.

    ``read_file(bytes)`` gives the file's rows or raises ``ValueError`` with a message for the user: the file is
    refused and the box starts again empty, the table stays as it was and the message says why (escaped). The
    session keeps the table in ``{name}_rows`` and the editor's generation in ``{name}_version`` (a page that
    replaces the table sets the rows and bumps it); Streamlit drops an editor's state when it leaves the screen, so
    the table as last edited (``{name}_edited``) is where the user finds it on coming back. Rows beyond ``limit``
    are cut with a notice, and ``check(rows)``'s problems are listed (five at most, escaped).
    """
    state = st.session_state
    rows_key, version_key, edited_key, error_key = (f"{name}_{k}" for k in ("rows", "version", "edited", "error"))
    if rows_key not in state:
        state[rows_key] = first_rows()
    state.setdefault(version_key, 0)

    def load() -> None:
        file = uploaded(uploader_key)
        if file is None:
            return
        try:
            state[rows_key], state[error_key] = read_file(file.getvalue()), None
            state[version_key] += 1
        except ValueError as e:
            state[error_key] = str(e)
            refuse_upload(uploader_key)  # the box must not look as if the file were loaded

    edit_col, side = st.columns([2, 1], gap="large") if side_by_side else (contextlib.nullcontext(), None)
    with side if side is not None else contextlib.nullcontext():
        page.file_uploader(f"Upload a CSV with columns {', '.join(columns)}: this table takes files up to "
                           f"{max_bytes // 1000} KB and {limit} {noun}", type=["csv"], key=uploader_key,
                           on_change=load, max_upload_size=1,
                           help=f"The box's \"1MB per file\" is the server's limit for any file (Streamlit counts in "
                                f"whole megabytes); this table takes {max_bytes // 1000} KB and {limit} {noun} at "
                                "most. A larger file is refused with a message and the table is kept.")
        if state.get(error_key):
            st.error(f"That file was not loaded — the table is unchanged. {literal(state[error_key])}")
    saved = state.get(edited_key)  # (version, rows) as last edited
    if f"{editor_key}_{state[version_key]}" not in state and saved and saved[0] == state[version_key] \
            and saved[1] != state[rows_key]:
        state[rows_key], state[version_key] = saved[1], state[version_key] + 1
    with edit_col:
        frame = pd.DataFrame(state[rows_key], columns=list(columns), dtype=object)
        edited = st.data_editor(frame, num_rows="dynamic", key=f"{editor_key}_{state[version_key]}",
                                width="stretch", **editor_options)
    rows = list(edited[list(columns)].itertuples(index=False, name=None))[:limit]
    state[edited_key] = (state[version_key], rows)
    if len(edited) > limit:
        st.warning(f"Only the first {limit} {noun} are used.")
    checked = check(rows)
    if checked.problems:
        listed = "; ".join(f"row {i}: {msg}" for i, msg in list(checked.problems.items())[:5])
        more = f" (and {len(checked.problems) - 5} more)" if len(checked.problems) > 5 else ""
        st.warning(f"{len(checked.problems)} row(s) {left_out} until fixed — {literal(listed)}{more}")
    return Edited(rows, checked, side)
