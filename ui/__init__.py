"""The Streamlit-facing helpers every page shares, one module a job; ``import ui`` gives a page what it uses.

* ``ui.registry`` — the page registry (``PAGES``) and the home page's links to the others;
* ``ui.page`` — ``Page``: a page's header, its room (phone, projector, theme), layout, charts and the share dialog;
* ``ui.controls`` — the URL-bound controls ``Page`` makes, an exercise link's locks and hides, the share link;
* ``ui.tables`` — a small table of the app's numbers, and a table the user uploads or edits;
* ``ui.text`` — untrusted text escaped (``literal``, ``code_span``), numbers for people and for LaTeX;
* ``ui.runs`` — one script run at a time (the run lock), sections that rerun alone, calm failures;
* ``ui.caches`` — caches every session shares; ``ui.css`` — the static CSS;
* ``ui.tuning`` — every change to the server process beyond Streamlit's public API, behind one switch.

`lib/` never imports Streamlit and `pages/` holds only pages, so this is where code the pages share lives (as
``utils.py`` does in Streamlit's own Hello app).
"""
from ui import tuning
from ui.caches import cached, run_experiment
from ui.page import Page, dark_theme, is_phone
from ui.registry import PAGES, PageInfo, page_map
from ui.runs import (
    FRIENDLY_ERROR,
    RUN_LOCK,
    SEEN,
    TOO_LONG,
    RunLock,
    RunTooLong,
    report_failure,
    routed,
    say_too_long,
    section,
)
from ui.tables import refuse_upload, table, table_editor, uploaded
from ui.text import code_span, fmt, literal, tex_num

__all__ = [
    "FRIENDLY_ERROR", "PAGES", "RUN_LOCK", "SEEN", "TOO_LONG", "Page", "PageInfo", "RunLock", "RunTooLong", "cached",
    "code_span", "dark_theme", "fmt", "is_phone", "literal", "page_map", "refuse_upload", "report_failure", "routed",
    "run_experiment", "say_too_long", "section", "table", "table_editor", "tex_num", "tuning", "uploaded",
]
