"""Tables on the page: a small table of the app's own numbers, and a table the user uploads or edits."""
from __future__ import annotations

import contextlib

import streamlit as st

from ui.runs import session_id


def table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> None:
    """A small table of this app's own numbers and labels as Markdown (an HTML table: read by screen readers,
    copied as text), columns from ``numeric_from`` on aligned right. Not for user text, which is never rendered as
    Markdown. Instead of ``st.dataframe`` of a pandas frame: py-spy put ~12% of the loss explorer's slider
    interaction into building and Arrow-converting its four-row framework table."""
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
