"""The page frame: ``Page``, a page's header and the room it is shown in (phone, projector, theme), its layout, its
charts and formulas, and the "Share this view" dialog. Its URL-bound controls come from ``ui.controls``."""
from __future__ import annotations

import streamlit as st

from lib import charts
from ui import tuning
from ui.controls import Controls
from ui.css import BASE_CSS, PRESENTATION_CSS
from ui.runs import RUN_LOCK, is_routed


def is_phone() -> bool:
    """A phone-sized browser, by its user agent ("Mobi" is the convention); wide layouts then stack."""
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:
        return False


def dark_theme() -> bool:
    """Whether the viewer's browser shows Streamlit's dark theme (charts then draw their ink lines light)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser context (bare runs): light
        return False


class Page(Controls):
    """A page's header, its room and layout, and its URL-bound controls (:class:`ui.controls.Controls`).

    >>> page = Page("Loss explorer", "Notice how the loss explodes near the wrong edge.")   # doctest: +SKIP
    >>> p = page.slider("Prediction p", "p", 0.0, 1.0, 0.8, step=0.01)                      # doctest: +SKIP
    """

    def __init__(self, title: str, notice: str):
        tuning.leave_legacy_multipage_mode(routed=is_routed())
        self._share_box = st.sidebar.empty()  # the share button, placed by done() above the presentation toggle
        self.phone = is_phone()
        self.dark = dark_theme()
        st.html(BASE_CSS)
        st.title(title, anchor=False)
        st.markdown(f"**{notice}**")
        super().__init__(notices=st.container(), lesson_box=st.container())
        self.presenting = self.toggle("Presentation mode", "present", container=st.sidebar,
                                      help="Larger type and charts for a projector; explanations folded away.")
        if self.presenting:
            st.html(PRESENTATION_CSS)

    def done(self) -> None:
        """Finish the page: the sidebar's "Share this view" button, and the lesson's notices.

        Call it last (and before any ``st.stop()``). The link is built when the button is pressed — a full rerun,
        so from every control's current value — and shown in a dialog: no copy of it stays on screen to go stale
        while a section reruns alone.
        """
        self._end_controls()
        self._share_box.button("Share this view", key="share_view", icon=":material/link:", width="stretch",
                               help="A link that opens this page with every control as it is now.",
                               on_click=_request_share)
        # a flag set by the click's callback, not the button's value: it survives a rerun before this point
        if st.session_state.pop(_SHARE_REQUESTED, False):
            _share_dialog(self.share_link())

    def share_link(self) -> str:
        """The address of this view: the page's URL and :meth:`share_query`."""
        base = st.context.url or ""
        query = self.share_query()
        return f"{base}?{query}" if query else base

    # ---------------------------------------------------------------- layout
    @property
    def chart_first(self) -> bool:
        """On a phone or a projector the main chart comes before the controls (it must be on the first screen)."""
        return self.phone or self.presenting

    def chart_and_controls(self, *, stacked: bool = False, chart_always_first: bool = False) -> tuple:
        """Two areas, (chart, controls): the chart's first on a phone or a projector (:attr:`chart_first`), else
        the controls' first. Side by side with the chart's column twice as wide (a phone stacks them), or
        ``stacked`` one above the other."""
        chart_first = chart_always_first or self.chart_first
        if stacked:
            first, second = st.container(), st.container()
        else:
            first, second = st.columns([2, 1] if chart_first else [1, 2], gap="large")
        return (first, second) if chart_first else (second, first)

    def row(self):
        """A row of controls or metrics that wraps onto more lines when the screen is narrow; its items line up
        at the bottom, so a button sits level with the input box beside it rather than with that box's label."""
        return st.container(horizontal=True, gap="medium", vertical_alignment="bottom")

    def control_groups(self, titles: list[str], key: str) -> list:
        """Several groups of controls in little height: tabs in one bordered box (the chosen tab is in the URL),
        or in presentation mode folded expanders (the chart comes first there)."""
        if self.presenting:
            return [st.expander(t, expanded=False, icon=":material/tune:") for t in titles]
        with st.container(border=True):
            return self.tabs(titles, key, label="Group of controls")

    def controls(self, title: str, expanded: bool = False):
        """A group of controls: a bordered box, or in presentation mode an expander, folded (the chart comes first)
        unless ``expanded`` (the controls are the screen's main action)."""
        if self.presenting:
            return st.expander(title, expanded=expanded, icon=":material/tune:")
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        return box

    # ---------------------------------------------------------------- charts and formulas
    def chart(self, fig, key: str, alt: str, themed: bool = False, **kwargs) -> None:
        """Show a plotly figure — the one place charts are put on the page, so every chart follows the room
        (and where a run that has held the run lock too long stops, ``RunLock.check_time``):

        * its palette colours are those legible on the theme really painted (``charts.for_theme``);
        * in presentation mode its type is larger and it is taller (``charts.for_projector``);
        * the plotly toolbar is left out: it covered the legend (zoom by dragging still works);
        * ``alt``, one sentence of what the chart shows with its key numbers, is its text alternative (the
          accessible name of the chart's ``role="figure"`` box).
        """
        RUN_LOCK.checkpoint()
        spec = fig.to_dict() if themed else charts.for_theme(fig.to_dict(), self.dark)  # themed: a cached figure
        if isinstance(spec, charts.EncodedFigure) and (self.presenting or not tuning.is_on("json")):
            spec = spec.spec()  # decoded: to scale it, or because plotly's own encoder would see only its size
        if self.presenting:  # larger type: a new figure
            spec = charts.for_projector(spec)
        # no plotly toolbar: it sat on the legends (always on touch screens, on hover elsewhere)
        config = {"displaylogo": False, "displayModeBar": False}
        st.plotly_chart(charts.FigureSpec(spec), key=key, config=config, alt=f"Chart: {alt}", **kwargs)

    def latex(self, *lines: str, stack: bool = False) -> None:
        """A formula in several pieces: one line on a wide screen, one piece a line on a phone (a long formula
        would otherwise run past the right edge) — or one piece a line everywhere with ``stack``."""
        if (self.phone or stack) and len(lines) > 1:
            st.latex(r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}")
        else:  # a piece that continues the one before (=, +, −) follows it directly; a new formula after a gap
            out = lines[0]
            for piece in lines[1:]:
                out += (" " if piece.lstrip()[:1] in "=+-" else r" \qquad ") + piece
            st.latex(out)


_SHARE_REQUESTED = "_share_requested"


def _request_share() -> None:
    st.session_state[_SHARE_REQUESTED] = True


@st.dialog("Share this view")
def _share_dialog(link: str) -> None:
    st.code(link or "(the page's address)", language=None, wrap_lines=True)
    st.caption("Opening this link shows this page with every control as it is now.")
