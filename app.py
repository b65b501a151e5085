"""Log Loss Lab: the router. Only navigation lives here, and nothing that can raise before st.navigation."""
from pathlib import Path

import streamlit as st

from ui import PAGES, RUN_LOCK, SEEN, RunTooLong, report_failure, routed, say_too_long, tuning

HERE = Path(__file__).parent

tuning.install()  # the server tuning, once per process (LOG_LOSS_LAB_TUNING=off: stock Streamlit); never raises
# presentation mode (a projector) opens with the sidebar folded: its 300 px are the chart's
st.set_page_config(page_title="Log Loss Lab", page_icon=str(HERE / ".streamlit" / "favicon.png"), layout="wide",
                   initial_sidebar_state="collapsed" if st.query_params.get("present") == "true" else "auto")

sections: dict[str, list] = {}
for info in PAGES:
    if not (HERE / info.path).is_file():  # a missing page must not take the whole menu down
        continue
    sections.setdefault(info.section, []).append(
        st.Page(HERE / info.path, title=info.title, icon=info.icon, default=info.path == "pages/home.py"))

page = st.navigation(sections)
first_run = not st.session_state.get(SEEN, False)  # this browser's first run: queued after working students'
st.session_state[SEEN] = True
try:
    # one script run at a time per process (ui.RUN_LOCK); the page knows it was routed
    with RUN_LOCK.held(first_run=first_run), routed():
        page.run()
except RunTooLong:  # the run held the lock past its bound (ui.RunLock): stopped, calmly
    say_too_long()
except Exception:  # st.stop and st.rerun are BaseExceptions and pass through
    report_failure(f"page {page.title!r}")  # a calm message for the student, the traceback in the server's log
