"""Log Loss Lab: the router. Only navigation lives here, and nothing that can raise before st.navigation."""
import logging
from pathlib import Path

import streamlit as st

from ui import FRIENDLY_ERROR, PAGES, RUN_LOCK

HERE = Path(__file__).parent

st.set_page_config(page_title="Log Loss Lab", page_icon=str(HERE / ".streamlit" / "favicon.png"), layout="wide")

sections: dict[str, list] = {}
for info in PAGES:
    if not (HERE / info.path).is_file():  # a missing page must not take the whole menu down
        continue
    sections.setdefault(info.section, []).append(
        st.Page(HERE / info.path, title=info.title, icon=info.icon, default=info.path == "pages/home.py"))

page = st.navigation(sections)
try:
    with RUN_LOCK:  # one script run at a time per process: see ui.RUN_LOCK
        page.run()
except Exception:  # st.stop and st.rerun are BaseExceptions and pass through
    # A bug must not show a student a traceback: they get a calm message, the server log gets the details.
    logging.getLogger("log_loss_lab").exception("page %r failed", page.title)
    st.error(FRIENDLY_ERROR, icon=":material/sentiment_dissatisfied:")
