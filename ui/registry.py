"""The page registry: every page's file, title, icon, menu section and one-line blurb, in menu order."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_ROOT = Path(__file__).parent.parent  # the repository: ui/ is one level down


@dataclass(frozen=True)
class PageInfo:
    path: str
    title: str
    icon: str
    section: str
    blurb: str


PAGES = (
    PageInfo("pages/home.py", "Home", ":material/home:", "Learn",
             "What binary cross-entropy is, in one slider."),
    PageInfo("pages/loss_curves.py", "Loss explorer", ":material/show_chart:", "Learn",
             "Set labels and predictions and see each term of the loss, one sample or a whole table."),
    PageInfo("pages/confident_mistakes.py", "Confident mistakes", ":material/warning:", "Learn",
             "Why a confident mistake costs so much, how other losses compare, and what frameworks report."),
    PageInfo("pages/gradient_descent.py", "Gradient descent", ":material/model_training:", "Train",
             "Watch logistic regression learn by minimizing BCE, step by step, on toy data."),
    PageInfo("pages/derivation.py", "Where the loss comes from", ":material/functions:", "Go deeper",
             "From a coin toss to BCE by maximum likelihood; entropy and KL divergence."),
    PageInfo("pages/multiclass.py", "Many classes", ":material/stacked_bar_chart:", "Go deeper",
             "Softmax and categorical cross-entropy; with two classes it is exactly BCE."),
    PageInfo("pages/calibration.py", "Honest probabilities", ":material/balance:", "Go deeper",
             "Why log loss rewards reporting what you believe, and what a calibrated probability is."),
    PageInfo("pages/live_class.py", "Live class", ":material/co_present:", "Teach",
             "Ask the whole class a question on their phones, show their answers, then reveal the right one."),
)


def page_map() -> None:
    """Links to every page, each with its one-line blurb."""
    for info in PAGES:
        if info.path == "pages/home.py" or not (_ROOT / info.path).is_file():
            continue
        st.page_link(info.path, label=f"**{info.title}** — {info.blurb}", icon=info.icon)
