"""The one Streamlit-facing helper module: the page registry, page headers, and every URL-bound control.

Why a top-level module: `lib/` must never import Streamlit, and `pages/` holds only pages, so the shared widget
code that all pages use lives here (as `utils.py` does in Streamlit's own Hello app).

URL binding is owned here and nowhere else. Each control is a Streamlit widget with ``bind="query-params"``, keyed
by its URL parameter name, so a shared link reproduces the view. Streamlit silently drops a URL value it cannot use
(garbage, out of range, unknown option) and falls back to the default; :class:`Page` compares the raw value in the
link with what the widget ended up holding and shows a visible notice when they differ. Text from a link, a file
or a cell is only ever shown inside a code span (:func:`code_span`) or escaped (:func:`literal`), never as Markdown,
LaTeX or HTML.
"""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from lib import charts
from ui import tuning
from ui.caches import cached, run_experiment  # noqa: F401
from ui.css import BASE_CSS, PRESENTATION_CSS
from ui.registry import PAGES, PageInfo, page_map  # noqa: F401  (re-exported: import ui)
from ui.runs import (  # noqa: F401
    FRIENDLY_ERROR,
    RUN_LOCK,
    SEEN,
    TOO_LONG,
    RunLock,
    RunTooLong,
    is_routed,
    report_failure,
    routed,
    say_too_long,
    section,
    session_id,
)
from ui.tables import refuse_upload, table, upload_key, uploaded  # noqa: F401
from ui.text import code_span, fmt, literal, short, tex_num  # noqa: F401


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



class Page:
    """A page's header and its URL-bound controls.

    >>> page = Page("Loss explorer", "Notice how the loss explodes near the wrong edge.")   # doctest: +SKIP
    >>> p = page.slider("Prediction p", "p", 0.0, 1.0, 0.8, step=0.01)                      # doctest: +SKIP
    """

    def __init__(self, title: str, notice: str):
        tuning.leave_legacy_multipage_mode(routed=is_routed())
        self._bound: dict[str, object] = {}
        self._share_box = st.sidebar.empty()  # the share button, placed by done() above the presentation toggle
        self._extra: dict[str, str] = {}
        # an exercise link: controls the teacher fixed (shown, disabled) or hid (still applied, not shown)
        self._lesson = {kind: _key_list(st.query_params.get_all(kind)) for kind in ("lock", "hide")}
        self._seen: dict[str, str] = {}
        self._uploader_shown = False  # this run showed an uploader: the session's uploads are let in (guard_uploads)
        self.phone = is_phone()
        self.dark = dark_theme()
        st.html(BASE_CSS)
        st.title(title, anchor=False)
        st.markdown(f"**{notice}**")
        self._notices = st.container()
        # True from here to done(): a full run. A section's own rerun comes later, with this flag False; the
        # link's values were checked by the full run that opened it, and a section may not write outside itself.
        self._full_run = True
        self._lesson_box = st.container()
        self.presenting = self.toggle("Presentation mode", "present", container=st.sidebar,
                                      help="Larger type and charts for a projector; explanations folded away.")
        if self.presenting:
            st.html(PRESENTATION_CSS)

    @property
    def fixed(self) -> frozenset[str]:
        """The control keys this student cannot change: the exercise link's locked and hidden ones (advice in the
        page's sentences must not ask to change them, ``lib.claims.diagnosis``)."""
        return frozenset(self._lesson["lock"] | self._lesson["hide"])

    @property
    def chart_first(self) -> bool:
        """On a phone or a projector the main chart comes before the controls (it must be on the first screen)."""
        return self.phone or self.presenting

    # ---------------------------------------------------------------- URL checks
    def _raw(self, key: str):
        values = st.query_params.get_all(key)
        if not values:
            return None
        return values if len(values) > 1 else values[0]

    def done(self) -> None:
        """Finish the page: the sidebar's "Share this view" button, and the lesson's notices.

        Call it last (and before any ``st.stop()``). The link is built when the button is pressed — a full rerun,
        so from every control's current value — and shown in a dialog: no copy of it stays on screen to go stale
        while a section that is a fragment reruns alone, and no interaction pays for rendering it.
        """
        self._full_run = False
        if not self._uploader_shown:  # a page without an uploader takes no files (ui.tuning.guard_uploads)
            tuning.allow_uploads(session_id(), False)
        self._show_lesson()
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

    def _show_lesson(self) -> None:
        """Tell the student what the teacher set, and flag lesson keys that name no control on this page."""
        for kind in ("lock", "hide"):
            unknown = sorted(self._lesson[kind] - self._seen.keys())
            if unknown:
                self._notices.warning(f"The link's {kind} list names {code_span(', '.join(unknown))}, which is not "
                                      "a control on this page, so it was ignored.", icon=":material/link_off:")
            known = sorted(self._lesson[kind] & self._seen.keys())
            if known:
                self._extra[kind] = ",".join(known)
        locked = [self._seen[k] for k in sorted(self._lesson["lock"] & self._seen.keys())]
        hidden = len(self._lesson["hide"] & self._seen.keys())
        if locked or hidden:
            parts = ([f"{', '.join(short(x) for x in locked)} set by your teacher"] if locked else []) + (
                [f"{hidden} control{'s' if hidden > 1 else ''} hidden for this exercise"] if hidden else [])
            self._lesson_box.info("**Exercise:** " + "; ".join(parts) + ". The rest is yours to change.",
                                  icon=":material/school:")

    def _check(self, key: str, label: str, raw, value, shown) -> None:
        """A notice when the link carried a value for ``key`` that the control did not take as given."""
        if raw is None or not self._full_run:  # in a section's rerun the address may trail the control: no check
            return
        if isinstance(raw, list) or not _matches(raw, value, shown):
            self._notices.warning(
                f"The link's value for **{short(label)}** ({code_span(raw if not isinstance(raw, list) else raw[0])})"
                f" is not valid here, so it was reset to {code_span(shown)}.",
                icon=":material/link_off:",
            )

    def chart(self, fig, key: str, alt: str, themed: bool = False, **kwargs) -> None:
        """Show a plotly figure — the one place charts are put on the page, so every chart follows the room
        (and where a run that has held the run lock too long stops, ``RunLock.check_time``):

        * its palette colours are those legible on the theme really painted (``charts.for_theme``);
        * in presentation mode its type is larger and it is taller (``charts.for_projector``);
        * the plotly toolbar is left out: it covered the legend (zoom by dragging still works);
        * ``alt``, one sentence of what the chart shows with its key numbers, is its text alternative: Streamlit
          makes it the accessible name of the chart's ``role="figure"`` box (``st.plotly_chart(alt=...)``, one
          message instead of the hidden paragraph and its container this page used to send beside every chart).
        """
        RUN_LOCK.check_time()
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
            return self.tabs(titles, key)

    def controls(self, title: str, expanded: bool = False):
        """A group of controls: a bordered box, or in presentation mode an expander, folded (the chart comes first)
        unless ``expanded`` (the controls are the screen's main action)."""
        if self.presenting:
            return st.expander(title, expanded=expanded, icon=":material/tune:")
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        return box

    # ---------------------------------------------------------------- controls
    def _placement(self, key: str, label: str, container, help: str | None):
        """Where a control goes and whether the student may change it: (container, help, disabled)."""
        RUN_LOCK.check_time()
        self._seen[key] = label
        where = container or st
        if key in self._lesson["hide"]:
            return where.container(key=f"hidden-ctl-{key}"), help, True
        if key in self._lesson["lock"]:  # said beside it, readable (ui/css.py), not only in the (?) tooltip
            return where.container(key=f"locked-ctl-{key}"), "Set by your teacher for this exercise.", True
        return where, help, False

    def button_for(self, key: str, label: str, on_click, *, icon: str | None = None, container=None) -> None:
        """A button that sets control ``key`` (New sample, Toss again): hidden when the control is hidden by an
        exercise link, greyed when it is locked — else it would undo the lesson from the page."""
        if key in self._lesson["hide"]:
            return
        locked = key in self._lesson["lock"]
        (container or st).button(label, on_click=on_click, icon=icon, disabled=locked,
                                 help="Set by your teacher for this exercise." if locked else None)

    def slider(self, label: str, key: str, min_value, max_value, default, *, step=None, fmt_str: str | None = None,
               help: str | None = None, container=None):
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.slider(label, min_value, max_value, default, step=step, key=key, bind="query-params",
                             format=fmt_str, help=help, disabled=disabled)
        self._check(key, label, raw, value, str(value))
        self._bound[key] = (value, default)
        return value

    def number(self, label: str, key: str, min_value: float, max_value: float, default: float, *, step=None,
               fmt_str: str = "%.6g", help: str | None = None, container=None):
        """A number box; integer bounds give an integer back.

        The widget is always a float ``number_input``: Streamlit 1.67's integer one crashes the page with
        OverflowError on a link value like ``1e309`` (it calls int(inf) while seeding from the URL), while the
        float one drops such a value and keeps the default.
        """
        integer = all(isinstance(v, int) for v in (min_value, max_value, default))
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.number_input(label, min_value=float(min_value), max_value=float(max_value), value=float(default),
                                   step=float(step if step is not None else 1 if integer else 0.01), key=key,
                                   bind="query-params", format="%.0f" if integer else fmt_str, help=help,
                                   disabled=disabled)
        if integer:
            value = int(round(value))
        self._check(key, label, raw, value, str(value))
        self._bound[key] = (value, default)
        return value

    def select(self, label: str, key: str, options: dict, default, *, kind: str = "selectbox", help: str | None = None,
               container=None):
        """A choice among ``options`` ({value: label}); the URL holds the label. Returns the value."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        index = labels.index(options[default])
        if kind == "radio":
            shown = where.radio(label, labels, index=index, key=key, bind="query-params", horizontal=True, help=help,
                                disabled=disabled)
        elif kind == "segmented":
            # required: a second tap on the chosen option keeps it (phones tap twice all the time)
            shown = where.segmented_control(label, labels, default=labels[index], key=key, bind="query-params",
                                            help=help, selection_mode="single", required=True, disabled=disabled)
            if shown is None:  # never with required=True; kept so a future change cannot crash the page
                shown = labels[index]
        else:
            shown = where.selectbox(label, labels, index=index, key=key, bind="query-params", help=help,
                                    disabled=disabled)
        self._check(key, label, raw, shown, shown)
        self._bound[key] = (shown, labels[index])
        return back[shown]

    def choice_slider(self, label: str, key: str, options: list, default, *, help: str | None = None,
                      fmt_func=str, container=None):
        """A slider over a fixed list of values (e.g. a log-spaced ladder); the URL holds the shown value. A link's
        number written another way (``100`` or ``1e2`` for ``100.0``) is read as that value."""
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        start = default
        if isinstance(raw, str) and raw not in {fmt_func(o) for o in options}:
            # Streamlit matches the link's text against the shown labels and drops anything else; a number that
            # equals an option starts the widget there (its id is its key, so later runs keep it)
            start = next((o for o in options if not isinstance(o, bool) and isinstance(o, (int, float))
                          and _matches(raw, o, "")), default)
        value = where.select_slider(label, options=options, value=start, key=key, bind="query-params",
                                    format_func=fmt_func, help=help, disabled=disabled)
        self._check(key, label, raw, value, fmt_func(value))
        self._bound[key] = (value, default)
        return value

    def multi(self, label: str, key: str, options: dict, default: list, *, help: str | None = None,
              container=None) -> list:
        """Several choices among ``options`` ({value: label}); the URL repeats the parameter per label."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        kept = st.session_state.get(key)
        dropped = isinstance(kept, list) and any(k not in labels for k in kept)
        if dropped:
            # a choice of this session's that left the options (the optimizer now chosen is not also compared
            # with): dropped through the widget's own value, so the address bar drops it too and a reopened link
            # is clean; not the link's mistake, so no notice
            st.session_state[key] = [k for k in kept if k in labels]
            raw = None
        shown = where.multiselect(label, labels, default=None if dropped else [options[d] for d in default],
                                  key=key, bind="query-params", help=help, disabled=disabled)
        if raw is not None and self._full_run:
            given = raw if isinstance(raw, list) else [raw]
            unknown = [g for g in given if g not in labels]
            if unknown:
                self._notices.warning(f"The link's value for **{short(label)}** ({code_span(unknown[0])}) is not "
                                      "one of the choices, so it was left out.", icon=":material/link_off:")
        self._bound[key] = (shown, [options[d] for d in default])
        return [back[s] for s in shown]

    def answer(self, label: str, key: str, options: list[str], *, container=None) -> str | None:
        """A quiz answer: no choice until the student picks one (so the reveal waits for a guess)."""
        raw = self._raw(key)
        where = container or st
        value = where.radio(label, options, index=None, key=key, bind="query-params")
        if raw is not None and value is None:
            self._check(key, label, raw, "no answer", "no answer")
        self._bound[key] = (value, None)
        return value

    def toggle(self, label: str, key: str, default: bool = False, *, help: str | None = None, container=None) -> bool:
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help)
        value = where.toggle(label, value=default, key=key, bind="query-params", help=help, disabled=disabled)
        self._check(key, label, raw, value, "on" if value else "off")
        self._bound[key] = (value, default)
        return value

    def tabs(self, labels: list[str], key: str):
        """Tabs whose choice is in the URL (the label is the value)."""
        raw = self._raw(key)
        tabs = st.tabs(labels, key=key, bind="query-params", on_change="rerun")
        chosen = st.session_state.get(key) or labels[0]
        if raw is not None and raw not in labels:
            self._check(key, "tab", raw, chosen, chosen)
        self._bound[key] = (chosen, labels[0])
        return tabs

    def file_uploader(self, label: str, key: str, **kwargs):
        """``st.file_uploader``, and the session's uploads let in while its page shows one (ui.tuning.guard_uploads).
        Its file is :func:`uploaded` (``key``); after :func:`refuse_upload` the box starts again empty."""
        self._uploader_shown = True
        tuning.allow_uploads(session_id())
        return st.file_uploader(label, key=upload_key(key), **kwargs)

    # ---------------------------------------------------------------- sharing
    def link_extra(self, key: str, value: str | None) -> None:
        """A value that is not a widget but belongs in the share link (e.g. an edited table); None leaves it out."""
        if value is None:
            self._extra.pop(key, None)
        else:
            self._extra[key] = value

    def share_query(self) -> str:
        """The query string of this view: every bound control that differs from its default, then the extras."""
        pairs = []
        for key, (value, default) in self._bound.items():
            if value == default or value is None:
                continue
            if isinstance(value, list):
                pairs.extend((key, str(v)) for v in value)
            else:
                pairs.append((key, str(value).lower() if isinstance(value, bool) else str(value)))
        pairs.extend(self._extra.items())
        return urlencode(pairs)


def _key_list(values: list[str]) -> set[str]:
    """Control keys from a link's lock/hide parameter: comma-separated, repeatable, bounded (10 values of 50 keys,
    each cut to 100 characters). A name that is no control — however long — stays, so the page can say so."""
    keys = {k.strip()[:100] for v in values[:10] for k in str(v).split(",")[:50]}
    return {k for k in keys if k}


def _matches(raw: str, value, shown: str) -> bool:
    """Did the control take the link's value as given (up to how the number was written)?"""
    if isinstance(value, bool):
        return raw.strip().lower() in (("true", "1", "on") if value else ("false", "0", "off"))
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    return raw == shown


_SHARE_REQUESTED = "_share_requested"


def _request_share() -> None:
    st.session_state[_SHARE_REQUESTED] = True


@st.dialog("Share this view")
def _share_dialog(link: str) -> None:
    st.code(link or "(the page's address)", language=None, wrap_lines=True)
    st.caption("Opening this link shows this page with every control as it is now.")
