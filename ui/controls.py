"""URL-bound controls: each widget bound to the link under its URL parameter name, so a shared link reproduces the
view; an exercise link's locks and hides; and the share link built from them.

Streamlit silently drops a link value it cannot use (garbage, out of range, an unknown option) and keeps the
default; a control compares the raw value in the link with what the widget took and shows a visible notice when
they differ, the raw text inside a code span, never rendered.
"""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui import tuning
from ui.runs import RUN_LOCK, session_id
from ui.tables import upload_key
from ui.text import code_span, short

LOCKED_HELP = "Set by your teacher for this exercise."


class Controls:
    """A page's URL-bound controls. Every widget kind goes through one recipe, :meth:`_control`."""

    def __init__(self, notices, lesson_box) -> None:
        self._bound: dict[str, object] = {}  # key → (value, default): the share link
        self._extra: dict[str, str] = {}
        # an exercise link: controls the teacher fixed (shown, disabled) or hid (still applied, not shown)
        self._lesson = {kind: _key_list(st.query_params.get_all(kind)) for kind in ("lock", "hide")}
        self._seen: dict[str, str] = {}  # key → label of every control this run placed
        self._uploader_shown = False  # this run showed an uploader: the session's uploads are let in (guard_uploads)
        self._notices, self._lesson_box = notices, lesson_box
        # True until the page is done: a full run. A section's own rerun comes later, with this flag False; the
        # link's values were checked by the full run that opened it, and a section may not write outside itself.
        self._full_run = True

    @property
    def fixed(self) -> frozenset[str]:
        """The control keys this student cannot change: the exercise link's locked and hidden ones (advice in the
        page's sentences must not ask to change them, ``lib.claims.diagnosis``)."""
        return frozenset(self._lesson["lock"] | self._lesson["hide"])

    # ---------------------------------------------------------------- the one recipe
    def _control(self, key: str, label: str, default, widget, *, container=None, help: str | None = None,
                 shown=str, check=None, kind: str = "ctl"):
        """Bind one control: read the link's raw value, place the control (free, or locked or hidden by an exercise
        link), make it with ``widget(where, raw, bound)`` — ``bound`` holds its key, the URL binding, its help and
        whether it is disabled — flag a link value it did not take (``check``, by default :meth:`_check` on
        ``shown(value)``), and keep its value for the share link. Returns the value."""
        raw = self._raw(key)
        where, help, disabled = self._placement(key, label, container, help, kind)
        value = widget(where, raw, {"key": key, "bind": "query-params", "help": help, "disabled": disabled})
        (check or self._check)(key, label, raw, value, shown(value))
        self._bound[key] = (value, default)
        return value

    def _raw(self, key: str):
        values = st.query_params.get_all(key)
        if not values:
            return None
        return values if len(values) > 1 else values[0]

    def _placement(self, key: str, label: str, container, help: str | None, kind: str = "ctl"):
        """Where a control goes and whether the student may change it: (container, help, disabled)."""
        RUN_LOCK.checkpoint()
        self._seen[key] = label
        where = container or st
        if key in self._lesson["hide"]:
            return where.container(key=f"hidden-{kind}-{key}"), help, True
        if key in self._lesson["lock"]:  # said beside it, readable (ui/css.py), not only in the (?) tooltip
            return where.container(key=f"locked-{kind}-{key}"), LOCKED_HELP, True
        return where, help, False

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

    # ---------------------------------------------------------------- widget kinds
    def slider(self, label: str, key: str, min_value, max_value, default, *, step=None, fmt_str: str | None = None,
               help: str | None = None, container=None):
        return self._control(key, label, default, lambda where, raw, bound: where.slider(
            label, min_value, max_value, default, step=step, format=fmt_str, **bound), container=container, help=help)

    def number(self, label: str, key: str, min_value: float, max_value: float, default: float, *, step=None,
               fmt_str: str = "%.6g", help: str | None = None, container=None):
        """A number box; integer bounds give an integer back.

        The widget is always a float ``number_input``: Streamlit 1.67's integer one crashes the page with
        OverflowError on a link value like ``1e309`` (docs/upstream.md), while the float one drops it.
        """
        integer = all(isinstance(v, int) for v in (min_value, max_value, default))

        def widget(where, raw, bound):
            value = where.number_input(label, min_value=float(min_value), max_value=float(max_value),
                                       value=float(default), step=float(step if step is not None else 1 if integer
                                                                        else 0.01),
                                       format="%.0f" if integer else fmt_str, **bound)
            return int(round(value)) if integer else value

        return self._control(key, label, default, widget, container=container, help=help)

    def select(self, label: str, key: str, options: dict, default, *, kind: str = "selectbox", help: str | None = None,
               container=None):
        """A choice among ``options`` ({value: label}); the URL holds the label. Returns the value."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        index = labels.index(options[default])

        def widget(where, raw, bound):
            if kind == "radio":
                return where.radio(label, labels, index=index, horizontal=True, **bound)
            if kind == "segmented":
                # required: a second tap on the chosen option keeps it (phones tap twice all the time)
                shown = where.segmented_control(label, labels, default=labels[index], selection_mode="single",
                                                required=True, **bound)
                return labels[index] if shown is None else shown  # None never comes with required=True
            return where.selectbox(label, labels, index=index, **bound)

        return back[self._control(key, label, labels[index], widget, container=container, help=help)]

    def choice_slider(self, label: str, key: str, options: list, default, *, help: str | None = None,
                      fmt_func=str, container=None):
        """A slider over a fixed list of values (e.g. a log-spaced ladder); the URL holds the shown value. A link's
        number written another way (``100`` or ``1e2`` for ``100.0``) is read as that value."""
        def widget(where, raw, bound):
            start = default
            if isinstance(raw, str) and raw not in {fmt_func(o) for o in options}:
                # Streamlit matches the link's text against the shown labels and drops anything else; a number
                # that equals an option starts the widget there (its id is its key, so later runs keep it)
                start = next((o for o in options if not isinstance(o, bool) and isinstance(o, (int, float))
                              and _matches(raw, o, "")), default)
            return where.select_slider(label, options=options, value=start, format_func=fmt_func, **bound)

        return self._control(key, label, default, widget, container=container, help=help, shown=fmt_func)

    def multi(self, label: str, key: str, options: dict, default: list, *, help: str | None = None,
              container=None) -> list:
        """Several choices among ``options`` ({value: label}); the URL repeats the parameter per label."""
        labels = list(options.values())
        back = {v: k for k, v in options.items()}
        kept = st.session_state.get(key)
        dropped = isinstance(kept, list) and any(k not in labels for k in kept)
        if dropped:
            # a choice of this session's that left the options (the optimizer now chosen is not also compared
            # with): dropped through the widget's own value, so the address bar drops it too and a reopened link
            # is clean; not the link's mistake, so no notice
            st.session_state[key] = [k for k in kept if k in labels]

        def widget(where, raw, bound):
            return where.multiselect(label, labels, default=None if dropped else [options[d] for d in default],
                                     **bound)

        def check(key, label, raw, value, shown):
            given = [] if dropped or raw is None or not self._full_run else raw if isinstance(raw, list) else [raw]
            unknown = [g for g in given if g not in labels]
            if unknown:
                self._notices.warning(f"The link's value for **{short(label)}** ({code_span(unknown[0])}) is not "
                                      "one of the choices, so it was left out.", icon=":material/link_off:")

        shown = self._control(key, label, [options[d] for d in default], widget, container=container, help=help,
                              check=check)
        return [back[s] for s in shown]

    def answer(self, label: str, key: str, options: list[str], *, container=None) -> str | None:
        """A quiz answer: no choice until the student picks one (so the reveal waits for a guess)."""
        return self._control(key, label, None, lambda where, raw, bound: where.radio(
            label, options, index=None, **bound), container=container,
            shown=lambda value: "no answer" if value is None else value)

    def toggle(self, label: str, key: str, default: bool = False, *, help: str | None = None, container=None) -> bool:
        return self._control(key, label, default, lambda where, raw, bound: where.toggle(
            label, value=default, **bound), container=container, help=help,
            shown=lambda value: "on" if value else "off")

    def tabs(self, labels: list[str], key: str, *, label: str = "Tab", container=None):
        """Tabs whose choice is in the URL (the label is the value). Locked or hidden by an exercise link, the tab
        bar is inert or not shown (ui/css.py) and the link's tab (or the first) is chosen again at every run, as
        Streamlit's tabs cannot be disabled; the chosen tab's content is shown either way."""
        made = []

        def widget(where, raw, bound):
            if key in self.fixed:  # set before the tabs are made this run
                st.session_state[key] = raw if raw in labels else labels[0]
            made.extend(where.tabs(labels, key=key, bind="query-params", on_change="rerun"))
            return st.session_state.get(key) or labels[0]

        self._control(key, label, labels[0], widget, container=container, kind="tabs")
        return made

    def button_for(self, key: str, label: str, on_click, *, icon: str | None = None, container=None) -> None:
        """A button that sets control ``key`` (New sample, Toss again): hidden when the control is hidden by an
        exercise link, greyed when it is locked — else it would undo the lesson from the page."""
        if key in self._lesson["hide"]:
            return
        locked = key in self._lesson["lock"]
        (container or st).button(label, on_click=on_click, icon=icon, disabled=locked,
                                 help=LOCKED_HELP if locked else None)

    def file_uploader(self, label: str, key: str, **kwargs):
        """``st.file_uploader``, and the session's uploads let in while its page shows one (ui.tuning.guard_uploads).
        Its file is ``ui.tables.uploaded(key)``; after ``ui.tables.refuse_upload`` the box starts again empty."""
        self._uploader_shown = True
        tuning.allow_uploads(session_id())
        return st.file_uploader(label, key=upload_key(key), **kwargs)

    # ---------------------------------------------------------------- the lesson and sharing
    def _end_controls(self) -> None:
        """After the page's last control: uploads shut if no uploader was shown, the lesson's notices written."""
        self._full_run = False
        if not self._uploader_shown:  # a page without an uploader takes no files (ui.tuning.guard_uploads)
            tuning.allow_uploads(session_id(), False)
        self._show_lesson()

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
