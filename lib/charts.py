"""One chart style for every page: a colour-blind-safe palette, class markers, and one layout helper.

Pure functions: arrays in, a plotly figure out; no Streamlit. Colours are from Okabe & Ito's palette (safe for the
common colour-vision deficiencies); the two classes also differ by marker shape and the two loss terms by dash, so
every chart still reads in greyscale. Streamlit's theme (light or dark) styles the figures in the browser.

Figures are built as finished JSON-ready dicts (typed arrays base64-encoded, as plotly.py itself sends them) and
wrapped in :class:`FigureSpec`: plotly's objects validate every property, ~20× the cost of the dict
(docs/performance.md).
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lib import claims, datasets, experiment, logistic, loss

# Okabe-Ito
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
ORANGE = "#E69F00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#888888"

# class 1 (the positive class) and class 0
CLASS_COLOR = {1: VERMILLION, 0: BLUE}
CLASS_SYMBOL = {1: "diamond", 0: "circle"}
CLASS_NAME = {1: "class 1 (y = 1)", 0: "class 0 (y = 0)"}
# the positive term −y·log p belongs to class 1, the negative term −(1−y)·log(1−p) to class 0
TERM_COLOR = {"positive": VERMILLION, "negative": BLUE}
TERM_DASH = {"positive": "solid", "negative": "dash"}
# one colour per comparison loss or optimizer, in a fixed order
SERIES = (VERMILLION, BLUE, GREEN, ORANGE, PURPLE, SKY, GREY)
FAINT = 0.25
INK = {False: "#000000", True: "#F2F2F2"}  # lines that must stand out: black on light, near-white on dark

# The backgrounds Streamlit paints in its light and dark themes (config.toml sets no background of its own).
BACKGROUND = {False: "#FFFFFF", True: "#0E1117"}
# WCAG 1.4.11 asks 3:1 for graphical objects against what they are drawn on; a little margin above it.
MIN_CONTRAST = 3.2


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour, 0 (black) … 1 (white)."""
    h = color.lstrip("#")
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours, 1 … 21.

    >>> round(contrast("#000000", "#FFFFFF"), 1)
    21.0
    """
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _legible(color: str, background: str) -> str:
    """The colour itself if it stands out from the background by MIN_CONTRAST, else the same hue made darker (on a
    light background) or lighter (on a dark one) in small steps of HLS lightness until it does."""
    import colorsys

    if contrast(color, background) >= MIN_CONTRAST:
        return color
    h = color.lstrip("#")
    hue, light, sat = colorsys.rgb_to_hls(*(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)))
    step = -0.01 if relative_luminance(background) > 0.5 else 0.01
    out = color
    while contrast(out, background) < MIN_CONTRAST and 0.0 <= light <= 1.0:
        light += step
        r, g, b = colorsys.hls_to_rgb(hue, min(max(light, 0.0), 1.0), sat)
        out = "#{:02X}{:02X}{:02X}".format(*(round(255 * c) for c in (r, g, b)))
    return out


# Every palette colour as drawn in each theme: Okabe–Ito's orange, sky blue and yellow are too pale on white and are
# darkened there (same hue); on Streamlit's dark background every one of them already stands out.
THEMED = {dark: {c: _legible(c, BACKGROUND[dark]) for c in (BLUE, VERMILLION, GREEN, ORANGE, SKY, PURPLE, YELLOW,
                                                            GREY)}
          for dark in (False, True)}


# Chart text and the animation's controls, per theme. Streamlit's plotly theme draws tick labels, axis titles and
# the animation's labels in rgb(128, 132, 149): 3.7:1 on white, under the 4.5:1 text needs (WCAG 1.4.3). Text gets
# the theme's own text colour; the slider's grip and rail and the buttons' edges a grey that stands out ≥ 3:1
# (WCAG 1.4.11) from the background they sit on (plotly's default grip, #F8FAFC, is 1.05:1 on white).
TEXT = {False: "#31333F", True: "#FAFAFA"}
CONTROL = {False: "#5F6371", True: "#A3A8B8"}


def _inked(lay: dict, dark: bool) -> dict:
    """A layout with every text in the theme's text colour and the animation's controls drawn to be seen."""
    text, control, background = TEXT[dark], CONTROL[dark], BACKGROUND[dark]

    def font(d: dict | None) -> dict:
        return dict(d or {}, color=text)

    out = dict(lay, font=font(lay.get("font")))
    for key, axis in lay.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title = axis.get("title") or {}
            title = {"text": title} if isinstance(title, str) else title
            out[key] = dict(axis, tickfont=font(axis.get("tickfont")), title=dict(title, font=font(title.get("font"))))
    if isinstance(lay.get("title"), dict):
        out["title"] = dict(lay["title"], font=font(lay["title"].get("font")))
    if "legend" in lay:
        out["legend"] = dict(lay["legend"], font=font(lay["legend"].get("font")))
        if isinstance(lay["legend"].get("title"), dict):
            out["legend"]["title"] = dict(lay["legend"]["title"], font=font(lay["legend"]["title"].get("font")))
    if "annotations" in lay:
        out["annotations"] = [dict(a, font=font(a.get("font"))) for a in lay["annotations"]]
    if "updatemenus" in lay:
        out["updatemenus"] = [dict(m, font=font(m.get("font")), bgcolor=background, bordercolor=control,
                                   borderwidth=1) for m in lay["updatemenus"]]
    if "sliders" in lay:
        out["sliders"] = [dict(s, font=font(s.get("font")), bgcolor=control, activebgcolor=text, bordercolor=text,
                               borderwidth=1, tickcolor=control,
                               currentvalue=dict(s.get("currentvalue") or {}, font=font((s.get("currentvalue") or {})
                                                                                       .get("font"))))
                          for s in lay["sliders"]]
    return out


def for_theme(spec: dict, dark: bool, *, frames: bool = True) -> dict:
    """A figure spec with every palette colour replaced by its legible variant for the theme really painted, and
    its text in the theme's text colour (``_inked``).

    Only exact palette colours are replaced (strings equal to one of them), wherever they occur: trace lines,
    markers, bar fills, frames. Returns a new dict; the input is not changed. ``frames=False`` passes animation
    frames through unwalked, for a figure whose frames move data and carry no colour (gradient descent's: 40 frames,
    most of the walk).
    """
    table = THEMED[bool(dark)]
    if not frames and "frames" in spec:
        return {**for_theme({k: v for k, v in spec.items() if k != "frames"}, dark), "frames": spec["frames"]}
    if "layout" in spec:
        spec = dict(spec, layout=_inked(spec["layout"], bool(dark)))

    def walk(v):
        if isinstance(v, str):
            return table.get(v, v)
        if isinstance(v, dict):
            return v if "bdata" in v else {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(spec)


class FigureSpec(go.Figure):
    """A figure given as a finished, JSON-ready dict (typed arrays already base64-encoded).

    ``st.plotly_chart`` accepts any plotly Figure and only calls its ``to_dict()``; plotly's per-property
    validation is skipped. The spec must be valid plotly JSON; the tests read it back as the browser does.
    """

    def __init__(self, spec: dict):  # no super().__init__: nothing here is validated or converted
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec

    def to_json(self, *args, **kwargs) -> str:
        import plotly.io as pio

        return pio.to_json(self._spec, validate=False)

    def __repr__(self) -> str:
        return f"FigureSpec({len(self._spec.get('data', []))} traces, {len(self._spec.get('frames', []))} frames)"


class EncodedFigure(dict):
    """A finished figure kept only as plotly's JSON of it, for caches that hold many and show them again and again.

    ``st.plotly_chart`` encodes its figure to JSON at every call, again at every rerun that shows the same cached
    figure; ``ui.tuning.reuse_encoded_json`` has Streamlit take :attr:`json` instead. One string is also nothing for
    Python's collector to walk, where an animation as nested dicts is ~1,000 containers. The dict itself holds only
    the layout's height and width, which ``st.plotly_chart`` reads beside the JSON; :meth:`spec` decodes the rest.
    """

    __slots__ = ("json",)

    def __init__(self, spec: dict):
        layout = spec.get("layout", {})
        super().__init__(layout={k: layout[k] for k in ("height", "width") if k in layout})
        from plotly.io import _json

        self.json: str = _json.to_json(spec, validate=False)  # plotly's own encoder, never a hook in front of it

    def spec(self) -> dict:
        """The whole figure, decoded from :attr:`json`."""
        import json

        return json.loads(self.json)


PROJECTOR_SCALE = 19 / 14  # type in presentation mode: 14 px → 19 px, and every other size in proportion


def for_projector(spec: dict) -> dict:
    """A figure for the back of a room: every font size in the layout (base, legend, titles, panel headings,
    slider and buttons) scaled by ``PROJECTOR_SCALE`` and the figure taller. Returns a new dict."""
    def scale(v):
        if isinstance(v, dict):
            out = {k: scale(x) for k, x in v.items()}
            if isinstance(v.get("font"), dict):
                out["font"] = dict(out["font"], size=round(v["font"].get("size", 14) * PROJECTOR_SCALE))
            return out
        if isinstance(v, list):
            return [scale(x) for x in v]
        return v

    lay = scale(spec.get("layout", {}))
    lay["font"] = dict(lay.get("font", {}), size=round(spec.get("layout", {}).get("font", {}).get("size", 14)
                                                      * PROJECTOR_SCALE))
    height = spec.get("layout", {}).get("height", 450)
    # 1.2× as tall; an animation 1.15×, so that Play and the whole boundary panel fit one 720 px screen
    lay["height"] = int(height * (1.15 if "sliders" in lay else 1.2))
    if "margin" in lay:  # room for the larger legend and titles above and below the plot
        lay["margin"] = {k: round(v * PROJECTOR_SCALE) if k in ("t", "b") else v for k, v in lay["margin"].items()}
        if "sliders" in lay:  # an animation places its buttons, slider and legend in fractions of the plot area
            # above it: the top margin grows as the plot does, so each keeps its place (scaled, no gaps opening)
            top, bottom = spec["layout"]["margin"]["t"], lay["margin"]["b"]
            plot = height - top - spec["layout"]["margin"].get("b", 0)
            lay["margin"]["t"] = round(top * (lay["height"] - bottom) / (plot + top))
    return dict(spec, layout=lay)


def typed(a, dtype: str = "f4") -> dict:
    """An array as plotly's base64 typed array (what plotly.py itself sends): f4 = float32 (seven digits, more
    than a screen shows), f8 = float64, u1 = uint8, i4 = int32. Non-finite floats — and, in f4, values beyond
    float32's range (±3.4e38) — become NaN (a gap in a line)."""
    import base64

    if dtype[0] == "f":
        with np.errstate(over="ignore"):  # a double past float32's range casts to ±inf (then NaN), silently
            arr = np.asarray(a, dtype=np.float64).ravel().astype("<" + dtype)
        bad = ~np.isfinite(arr)
        if bad.any():
            arr[bad] = np.nan
    else:
        arr = np.asarray(a).ravel()
        if arr.dtype != np.dtype("<" + dtype):
            arr = arr.astype("<" + dtype)
    return {"dtype": dtype, "bdata": base64.b64encode(arr).decode("ascii")}  # arr is contiguous: its buffer as is


def _coords(a) -> list | dict:
    """A line's coordinates for a trace or an animation frame: a short line (a straight boundary, 2–5 points) as a
    plain list of numbers (None for a gap), which is cheaper to build than a typed array and no longer; a long one
    (a level curve of mapped features) as a typed array."""
    a = np.asarray(a, dtype=np.float64).ravel()
    if a.size > 8:
        return typed(a)
    return [v if math.isfinite(v) else None for v in a.tolist()]


def _coords_rows(a: np.ndarray) -> list[list]:
    """:func:`_coords` of each row of a 2-D array of short lines, in one pass: lists of numbers, None for a gap."""
    rows = a.tolist()
    for i, j in zip(*np.nonzero(~np.isfinite(a)), strict=True):
        rows[i][j] = None
    return rows


def _axis(title: str, rng=None, log: bool = False) -> dict:
    ax = {"title": {"text": title}, "zeroline": False, "showgrid": True}
    if rng is not None:
        ax["range"] = [float(r) for r in rng]
    if log:  # only then: forcing "linear" would break a categorical axis (horizontal bars)
        ax["type"] = "log"
        # ticks at 1, 2 and 5 of every decade, written out: plotly's own minor ticks label 0.2 as "2"
        ax["tickvals"] = [s * 10.0**k for k in range(-8, 9) for s in (1, 2, 5)]
        ax["tickformat"] = "~g"
    return ax


def layout(*, x_title: str = "", y_title: str = "", height: int = 360, log_y: bool = False, log_x: bool = False,
           title: str | None = None, legend: bool = True, x_range=None, y_range=None) -> dict:
    """The one layout every chart uses: titled axes (with units), compact margins, legend on top."""
    out = {"height": height, "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
           "showlegend": legend, "hovermode": "closest", "font": {"size": 14},
           "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0},
           "xaxis": _axis(x_title, x_range, log_x), "yaxis": _axis(y_title, y_range, log_y)}
    if title:
        out["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}}
    return out


def figure(data: list[dict], lay: dict) -> FigureSpec:
    return FigureSpec({"data": data, "layout": lay})


def probability_grid(n: int = 400, *, log_edges: bool = True) -> np.ndarray:
    """p values on (0, 1) for curves: uniform in the middle, geometric towards both edges so the blow-up shows."""
    mid = np.linspace(0.01, 0.99, n)
    if not log_edges:
        return mid
    edge = np.geomspace(1e-6, 0.01, n // 8, endpoint=False)
    return np.concatenate([edge, mid, 1.0 - edge[::-1]])


def curve(x, y, *, name: str, color: str, dash: str = "solid", width: float = 3, opacity: float = 1.0,
          hover: str | None = None, showlegend: bool = True) -> dict:
    """A line trace in the house style. x stays float64 (float32 would round p near 1 and the hover's p and loss
    would disagree); y is float32."""
    trace = {"type": "scatter", "mode": "lines", "x": typed(x, "f8"), "y": typed(y), "name": name,
             "line": {"color": color, "dash": dash, "width": width}, "showlegend": showlegend}
    if opacity != 1.0:
        trace["opacity"] = opacity
    if hover:
        trace["hovertemplate"] = hover
    return trace


def marker(x, y, *, name: str, color: str, symbol: str = "circle", size: int = 14, text: str | None = None,
           hover: str | None = None, textposition: str | None = None, text_flip: float = 0.5) -> dict:
    """A highlighted point (the current prediction) with an optional label, placed on the side with more room
    (left of the point when x > ``text_flip``)."""
    trace = {"type": "scatter", "x": [float(x)], "y": [float(y)], "mode": "markers+text" if text else "markers",
             "name": name, "showlegend": False, "cliponaxis": False,  # whole, even at the axis' very end
             "marker": {"color": color, "symbol": symbol, "size": size, "line": {"width": 2, "color": "white"}}}
    if text:
        trace["text"] = [text]
        trace["textposition"] = textposition or ("top left" if float(x) > text_flip else "top right")
    if hover:
        trace["hovertemplate"] = hover
    return trace


def single_loss_figure(p: float, loss_value: float, *, height: int = 320) -> FigureSpec:
    """Home page: the loss −log p of a true 1 against p, with the current prediction marked."""
    grid = probability_grid(300)
    shown = "∞" if not np.isfinite(loss_value) else f"{loss_value:.3g}"
    return figure([
        curve(grid, -np.log(grid), name="−log p (the loss when y = 1)", color=TERM_COLOR["positive"],
              hover="p = %{x:.4g}<br>loss = %{y:.4g} nats<extra></extra>"),
        marker(p, min(loss_value, 14.0) if np.isfinite(loss_value) else 14.0, name="your prediction",
               color=ORANGE, symbol="diamond", text=f"p = {p:g}: loss {shown}"),
    ], layout(x_title="predicted probability p of class 1", y_title="loss (nats)", height=height, y_range=[0, 6],
              x_range=[0, 1], legend=False))


def _cap(values, top: float) -> np.ndarray:
    """Values for plotting under a finite axis top: inf drawn at the top edge (the marker stays visible)."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v), np.minimum(v, top), top)


def terms_figure(y: float, p: float, *, scale: float = 1.0, unit: str = "nats", log_y: bool = False,
                 axis: str = "p", height: int = 360) -> FigureSpec:
    """The two terms of BCE and their weighted sum L(y, ·), with the current prediction marked.

    ``axis`` "p" draws against the probability, "z" against the logit (there the terms are softplus(∓z)).
    The faded curves are the raw terms −log p and −log(1−p); the bold curve is the loss for this label,
    y·(−log p) + (1−y)·(−log(1−p)), which for a hard label is exactly the active term.
    """
    if axis == "z":
        x = np.linspace(-10, 10, 401)
        pos_raw = loss.bce_with_logits(1.0, x, reduction="none")
        neg_raw = loss.bce_with_logits(0.0, x, reduction="none")
        total = loss.bce_with_logits(y, x, reduction="none")
        x_now = float(loss.logit(p))
        x_title, x_range = "logit z = log(p / (1 − p))", [-10, 10]
        names = ("−log σ(z) = softplus(−z)", "−log(1 − σ(z)) = softplus(z)")
    else:
        x = probability_grid(400)
        pos_raw, neg_raw = loss.bce_terms(1.0, x)[0], loss.bce_terms(0.0, x)[1]
        total = loss.bce(y, x, reduction="none")
        x_now = p
        x_title, x_range = "predicted probability p of class 1", [0, 1]
        names = ("−log p (counts when y = 1)", "−log(1 − p) (counts when y = 0)")
    now = float(loss.bce(y, p)) * scale
    top = 1e3 if log_y else 8.0 * max(scale, 1.0)
    traces = [
        # the term that does not count for this label is drawn thin, not faded: every line keeps its contrast
        curve(x, pos_raw * scale, name=names[0], color=TERM_COLOR["positive"], dash=TERM_DASH["positive"],
              width=3.5 if y == 1 else 1.5 if y == 0 else 2),
        curve(x, neg_raw * scale, name=names[1], color=TERM_COLOR["negative"], dash=TERM_DASH["negative"],
              width=3.5 if y == 0 else 1.5 if y == 1 else 2),
    ]
    if y not in (0.0, 1.0):
        traces.append(curve(x, total * scale, name=f"L for y = {y:g}: y·(−log p) + (1−y)·(−log(1−p))",
                            color=GREEN, width=4))
    # z = logit(σ(10)) comes back as 10.000000000000002: still the edge of the drawn range, still marked
    if np.isfinite(x_now) and (axis == "p" or abs(x_now) <= 10 + 1e-9):
        shown = "∞" if not np.isfinite(now) else f"{now:.4g}"
        traces.append(marker(x_now, _cap(now, top), name="now", color=ORANGE, symbol="diamond", size=16,
                             text=f"loss {shown} {unit}", text_flip=0.5 if axis == "p" else 0.0))
    y_title = f"loss ({unit})" + (", log scale" if log_y else "")
    y_range = [np.log10(1e-4 * scale), np.log10(top)] if log_y else [0, 6 * max(scale, 1.0)]
    return figure(traces, layout(x_title=x_title, y_title=y_title, height=height, log_y=log_y, x_range=x_range,
                                 y_range=y_range))


def gradient_figure(y: float, p: float, *, height: int = 320) -> FigureSpec:
    """∂L/∂p (blows up at the edges) against ∂L/∂z = p − y (bounded by 1), both against p, point marked."""
    x = probability_grid(400)
    gp = loss.bce_grad_prob(y, x)
    gz = x - y  # ∂L/∂z as a function of p = σ(z), exactly p − y
    lim = 10.0
    gp_now = float(loss.bce_grad_prob(y, p))
    return figure([
        curve(x, np.clip(gp, -lim, lim), name="∂L/∂p = (p − y) / (p(1 − p))", color=PURPLE, width=3,
              hover="p = %{x:.4g}<br>∂L/∂p = %{y:.4g}<extra></extra>"),
        curve(x, gz, name="∂L/∂z = p − y", color=GREEN, dash="dash", width=3,
              hover="p = %{x:.4g}<br>∂L/∂z = %{y:.4g}<extra></extra>"),
        marker(p, float(np.clip(gp_now, -lim, lim)), name="∂L/∂p now", color=PURPLE, size=12),
        marker(p, p - y, name="∂L/∂z now", color=GREEN, size=12, symbol="square"),
    ], layout(x_title="predicted probability p", y_title="gradient (clipped to ±10)", height=height, x_range=[0, 1],
              y_range=[-lim, lim]))


def contributions_figure(row_ids, labels, losses, *, scale: float = 1.0, unit: str = "nats",
                         height: int = 300) -> FigureSpec:
    """Each row's loss as a bar, largest first, coloured (and patterned) by its label; ∞ drawn at the top."""
    losses = np.asarray(losses, dtype=np.float64) * scale
    order = np.argsort(-np.where(np.isfinite(losses), losses, np.inf), kind="stable")
    finite = losses[np.isfinite(losses)]
    top = float(max(finite.max() if finite.size else 1.0, 1e-9)) * 1.15
    labels = np.asarray(labels)[order]
    vals = losses[order]
    bar = {"type": "bar", "x": [f"row {int(row_ids[i])}" for i in order], "y": typed(_cap(vals, top)),
           "marker": {"color": [CLASS_COLOR[1] if lab >= 0.5 else CLASS_COLOR[0] for lab in labels],
                      "pattern": {"shape": ["/" if lab >= 0.5 else "" for lab in labels]}},
           "text": ["∞" if not np.isfinite(v) else f"{v:.3g}" for v in vals], "textposition": "outside",
           "cliponaxis": False, "showlegend": False,
           "hovertemplate": "%{x}<br>loss %{text} " + unit + "<extra></extra>"}
    return figure([bar], layout(x_title="sample (largest loss first; hatched = y ≥ 0.5)", y_title=f"loss ({unit})",
                                height=height, y_range=[0, top * 1.1], legend=False))


def lines_figure(x, series, *, x_title: str, y_title: str, height: int = 340, log_x: bool = False,
                 log_y: bool = False, x_range=None, y_range=None, points=(), vlines=(), hover_x: str = "x",
                 tickvals=None, ticktext=None) -> FigureSpec:
    """Several curves over one x axis in the house style.

    Args:
        series: (name, y values, style) triples; style is an index into ``SERIES`` colours or a dict with keys
            color, dash, width, opacity. Infinite y values become gaps.
        points: (x, y, label, color) markers to highlight; vlines: (x, label) dotted vertical lines.
    """
    traces = []
    for i, (name, y, style) in enumerate(series):
        style = {"color": SERIES[style % len(SERIES)]} if isinstance(style, int) else dict(style)
        style.setdefault("dash", ("solid", "dash", "dot", "dashdot", "longdash", "solid", "dot")[i % 7])
        traces.append(curve(x, y, name=name, color=style["color"], dash=style["dash"],
                            width=style.get("width", 3), opacity=style.get("opacity", 1.0),
                            hover=f"{name}<br>{hover_x} = %{{x:.4g}}<br>%{{y:.4g}}<extra></extra>"))
    for px, py, label, color in points:
        traces.append(marker(px, py, name=label, color=color, size=12, text=label,
                             text_flip=(x_range[0] + x_range[1]) / 2 if x_range and not log_x else np.inf))
    lay = layout(x_title=x_title, y_title=y_title, height=height, log_y=log_y, log_x=log_x, x_range=x_range,
                 y_range=y_range)
    if vlines:
        lay["shapes"] = [{"type": "line", "x0": float(vx), "x1": float(vx), "xref": "x", "y0": 0, "y1": 1,
                          "yref": "paper", "line": {"color": GREY, "dash": "dot", "width": 2}} for vx, _ in vlines]
        lay["annotations"] = [{"x": float(vx), "y": 0, "xref": "x", "yref": "paper", "text": label,
                               "showarrow": False, "xanchor": "left", "yanchor": "bottom"} for vx, label in vlines]
    if tickvals is not None:
        lay["xaxis"].update(tickvals=[float(t) for t in tickvals], ticktext=list(ticktext))
    return figure(traces, lay)


def bars_figure(categories, series, *, x_title: str = "", y_title: str = "", height: int = 320,
                barmode: str = "group", y_range=None, horizontal: bool = False, text_fmt: str = ".3g",
                legend: bool = True) -> FigureSpec:
    """Bars in the house style. ``series``: (name, values, colour, pattern) with pattern "" or a plotly
    pattern shape ("/", "x", "."), so grouped bars stay apart in greyscale too."""
    traces = []
    for name, values, color, pattern in series:
        values = np.asarray(values, dtype=np.float64)
        text = [("∞" if np.isinf(v) else format(v, text_fmt)) for v in values]
        # the hatch over the bar's own colour (not on white), and a value label inside it in black or white,
        # whichever stands out ≥ 4.5:1 from the bar in both themes (white on a white-backed hatch vanished)
        label = "#000000" if min(contrast("#000000", THEMED[d].get(color, color)) for d in (False, True)) >= 4.5 \
            else "#FFFFFF"
        trace = {"type": "bar", "name": name,
                 "marker": {"color": color, "pattern": {"shape": pattern, "fillmode": "overlay", "fgopacity": 0.45,
                                                        "fgcolor": label}},
                 "text": text, "textposition": "auto", "insidetextfont": {"color": label}, "cliponaxis": False,
                 "hovertemplate": f"{name}<br>%{{{'y' if horizontal else 'x'}}}: %{{text}}<extra></extra>"}
        if horizontal:
            trace.update(x=typed(values, "f8"), y=list(categories), orientation="h")
        else:
            trace.update(x=list(categories), y=typed(values, "f8"))
        traces.append(trace)
    lay = layout(x_title=x_title, y_title=y_title, height=height, y_range=y_range, legend=legend)
    lay["barmode"] = barmode
    return figure(traces, lay)


# ---------------------------------------------------------------------------------------------------- gradient descent
def level_lines(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where Z (len(ys), len(xs)) crosses ``level``, as line segments separated by NaN (marching squares).

    Cheaper to send than the grid itself, and drawn as a crisp line. A saddle cell pairs its crossings in edge
    order, which only matters for a grid too coarse to resolve the curve anyway.
    """
    a, b, c, d = Z[:-1, :-1], Z[:-1, 1:], Z[1:, 1:], Z[1:, :-1]  # corners: bottom-left, -right, top-right, -left
    X0, X1 = xs[:-1][None, :], xs[1:][None, :]
    Y0, Y1 = ys[:-1][:, None], ys[1:][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        def cross(u, v):
            return ((u - level) * (v - level) < 0), np.clip((level - u) / (v - u), 0, 1)
        edges = []
        for (u, v, x_of, y_of) in (
                (a, b, lambda t: X0 + t * (X1 - X0), lambda t: Y0 + 0 * t),   # bottom
                (b, c, lambda t: X1 + 0 * t, lambda t: Y0 + t * (Y1 - Y0)),   # right
                (d, c, lambda t: X0 + t * (X1 - X0), lambda t: Y1 + 0 * t),   # top
                (a, d, lambda t: X0 + 0 * t, lambda t: Y0 + t * (Y1 - Y0))):  # left
            hit, t = cross(u, v)
            edges.append((hit, x_of(t), y_of(t)))
    hits = np.stack([e[0] for e in edges])                   # (4, ny-1, nx-1)
    ex = np.stack([np.broadcast_to(e[1], hits.shape[1:]) for e in edges])
    ey = np.stack([np.broadcast_to(e[2], hits.shape[1:]) for e in edges])
    count = hits.sum(axis=0)
    out_x, out_y = [], []
    for want in (2, 4):
        cells = np.argwhere(count == want)
        if not len(cells):
            continue
        h = hits[:, cells[:, 0], cells[:, 1]].T               # (k, 4)
        px = ex[:, cells[:, 0], cells[:, 1]].T[h].reshape(-1, want)
        py = ey[:, cells[:, 0], cells[:, 1]].T[h].reshape(-1, want)
        for j in range(0, want, 2):
            seg_x = np.column_stack([px[:, j], px[:, j + 1], np.full(len(px), np.nan)]).ravel()
            seg_y = np.column_stack([py[:, j], py[:, j + 1], np.full(len(py), np.nan)]).ravel()
            out_x.append(seg_x)
            out_y.append(seg_y)
    if not out_x:
        return np.array([np.nan]), np.array([np.nan])
    return np.concatenate(out_x), np.concatenate(out_y)


def _linear_level(w, b, level_logit, box) -> tuple[np.ndarray, np.ndarray]:
    """The line w·x + b = level across the box (x0, x1, y0, y1), or nothing if w = 0."""
    x0, x1, y0, y1 = box
    w1, w2 = float(w[0]), float(w[1])
    if abs(w2) >= abs(w1) and w2 != 0:
        xs = np.array([x0, x1])
        return xs, (level_logit - b - w1 * xs) / w2
    if w1 != 0:
        ys = np.array([y0, y1])
        return (level_logit - b - w2 * ys) / w1, ys
    return np.array([np.nan]), np.array([np.nan])


def _level_curves(w, b: float, levels, box, grid) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of the curves w·φ(x) + b = level for each level: straight lines for raw features, level curves on
    the grid for mapped ones (the score map computed once for all levels)."""
    if len(w) == 2:
        return [_linear_level(w, b, lv, box) for lv in levels]
    gx, gy, G = grid
    Z = (datasets.feature_map(G) @ w + b).reshape(len(gy), len(gx))
    return [level_lines(gx, gy, Z, lv) for lv in levels]


def _boundaries(e, t: int, box, grid) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of the p = 0.5 boundary and of the p = 0.1 and 0.9 contours at step t."""
    levels = (0.0, -np.log(9.0), np.log(9.0))  # logits of p = 0.5, 0.1, 0.9
    main, low, high = _level_curves(e.traj.w[t], float(e.traj.b[t]), levels, box, grid)
    side_x = np.concatenate([np.append(low[0], np.nan), high[0]])
    side_y = np.concatenate([np.append(low[1], np.nan), high[1]])
    return [main, (side_x, side_y)]


def _race_boundary(race, t: int, box, grid) -> tuple[np.ndarray, np.ndarray]:
    """The p = ½ line of the squared-error run at step t."""
    return _level_curves(race.w[t], float(race.b[t]), (0.0,), box, grid)[0]


def _class_1_side(w, b: float, box) -> tuple[list, list]:
    """The part of the box (x0, x1, y0, y1) where w·x + b ≥ 0 — the side a linear model calls class 1 — as a
    closed polygon (the box clipped by the half-plane, Sutherland–Hodgman); [None] when it is empty."""
    x0, x1, y0, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    score = [float(w[0]) * x + float(w[1]) * y + b for x, y in corners]
    out = []
    for i, (p, sp) in enumerate(zip(corners, score, strict=True)):
        q, sq = corners[(i + 1) % 4], score[(i + 1) % 4]
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):  # the edge crosses the boundary: where score = 0
            f = sp / (sp - sq)
            out.append((p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])))
    if not out:
        return [None], [None]
    out.append(out[0])
    return [float(x) for x, _ in out], [float(y) for _, y in out]


def _linear_levels_along(W, B, levels, box) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_linear_level` for every row of (W, B) (two raw features) and every level in one pass, the same
    arithmetic: (x, y) arrays of shape (rows, levels, 2), NaN where w = 0."""
    x0, x1, y0, y1 = box
    w1, w2, b = W[:, 0, None, None], W[:, 1, None, None], B[:, None, None]
    lv = np.asarray(levels, dtype=np.float64)[None, :, None]
    xs, ys = np.array([x0, x1], dtype=np.float64), np.array([y0, y1], dtype=np.float64)
    along_x = (np.abs(w2) >= np.abs(w1)) & (w2 != 0)      # as _linear_level: y from x where w₂ dominates
    along_y = ~along_x & (w1 != 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # the branch not taken may divide by 0
        y_of_x = (lv - b - w1 * xs) / w2
        x_of_y = (lv - b - w2 * ys) / w1
    X = np.where(along_x, xs, np.where(along_y, x_of_y, np.nan))
    Y = np.where(along_x, y_of_x, np.where(along_y, ys, np.nan))
    return X, Y


def _frame_boundaries(e, steps, box, grid) -> list[tuple]:
    """The p = ½ line and the p = 0.1 and 0.9 pair at each of ``steps`` as a frame holds them (:func:`_coords`):
    (bx, by, cx, cy). With two raw features, every step's lines in one pass."""
    steps = np.asarray(steps, dtype=int)
    if e.traj.w.shape[1] != 2:
        return [(_coords(bx), _coords(by), _coords(cx), _coords(cy))
                for (bx, by), (cx, cy) in (_boundaries(e, int(t), box, grid) for t in steps)]
    X, Y = _linear_levels_along(e.traj.w[steps], e.traj.b[steps], (0.0, -np.log(9.0), np.log(9.0)), box)
    gap = np.full((len(steps), 1), np.nan)
    side_x = np.concatenate([X[:, 1], gap, X[:, 2]], axis=1)  # p = 0.1, a gap, p = 0.9
    side_y = np.concatenate([Y[:, 1], gap, Y[:, 2]], axis=1)
    return list(zip(_coords_rows(X[:, 0]), _coords_rows(Y[:, 0]), _coords_rows(side_x), _coords_rows(side_y),
                    strict=True))


def _frame_race_boundaries(race, steps, box, grid) -> list[tuple]:
    """The squared-error run's p = ½ line at each of ``steps`` as a frame holds it: (x, y)."""
    steps = np.asarray(steps, dtype=int)
    if race.w.shape[1] != 2:
        return [(_coords(rx), _coords(ry)) for rx, ry in (_race_boundary(race, int(t), box, grid) for t in steps)]
    X, Y = _linear_levels_along(race.w[steps], race.b[steps], (0.0,), box)
    return list(zip(_coords_rows(X[:, 0]), _coords_rows(Y[:, 0]), strict=True))


def _point_sizes(point_losses: np.ndarray, y: np.ndarray, steps) -> dict[int, tuple[dict, dict]]:
    """Marker size per training point by its own loss (6 px for 0 up to 19 px for ≥ 3 nats) at each of ``steps``
    (the columns of ``point_losses``), as uint8 typed arrays, class 0's and class 1's: step → (sizes0, sizes1)."""
    size = (6 + 4.5 * np.minimum(point_losses, 3.0)).astype(np.uint8)
    by_step0, by_step1 = size[y < 0.5].T.copy(), size[y >= 0.5].T.copy()  # (steps, points), each row contiguous
    return {int(t): (typed(by_step0[j], "u1"), typed(by_step1[j], "u1")) for j, t in enumerate(steps)}


def _axes(n: int) -> tuple[str, str]:
    return ("x", "y") if n == 1 else (f"x{n}", f"y{n}")


def _scatter(x, y, panel: int, **kw) -> dict:
    xa, ya = _axes(panel)
    return {"type": "scatter", "x": x if isinstance(x, (list, dict)) else typed(x),
            "y": y if isinstance(y, (list, dict)) else typed(y), "xaxis": xa, "yaxis": ya, **kw}


def _panels(stacked: bool) -> tuple[dict, list, int]:
    """The three panels' domains (x, y) — data "d", landscape "l", loss "c" —, their headings' places and the
    figure's default height: data and landscape side by side over the loss, or one above another (a phone)."""
    if stacked:
        return ({"d": ([0, 1], [0.70, 1]), "l": ([0, 1], [0.37, 0.64]), "c": ([0, 1], [0, 0.25])},
                [(0.5, 1.0), (0.5, 0.645), (0.5, 0.255)], 1500)
    return ({"d": ([0, 0.44], [0.45, 1]), "l": ([0.56, 1], [0.45, 1]), "c": ([0, 1], [0, 0.3])},
            [(0.22, 1.0), (0.78, 1.0), (0.5, 0.31)], 900)


def _data_box(e) -> tuple[tuple, tuple | None]:
    """The data panel's box (x0, x1, y0, y1), every point inside with 8% and 0.1 to spare; and, for mapped
    features, the 40 × 40 grid their level curves are traced on (straight lines need none)."""
    allX = np.vstack([e.X_train, e.X_test]) if len(e.y_test) else e.X_train
    lo, hi = allX.min(axis=0), allX.max(axis=0)
    pad = 0.08 * (hi - lo) + 0.1
    box = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    if e.traj.w.shape[1] == 2:
        return box, None
    gx, gy = np.linspace(box[0], box[1], 40), np.linspace(box[2], box[3], 40)
    GX, GY = np.meshgrid(gx, gy)
    return box, (gx, gy, np.column_stack([GX.ravel(), GY.ravel()]))


def _moving_traces(e, t: int, yard, sizes, box, grid, ink: str) -> list[dict]:
    """The traces the frames move (0–10), at step t: the training points of class 0 and 1 sized by their own loss,
    the boundary p = ½, the p = 0.1 / 0.9 pair, the "now" markers on the landscape and the loss panel; with a race
    the squared-error run's boundary and markers (6–8) and, for straight boundaries, the side each run calls class
    1, hatched (9, 10): two lines on each other may still face opposite ways."""
    traj, race = e.traj, e.race
    data = []
    for cls, mask, size in ((0, e.y_train < 0.5, sizes[t][0]), (1, e.y_train >= 0.5, sizes[t][1])):     # 0, 1
        data.append(_scatter(e.X_train[mask, 0], e.X_train[mask, 1], 1, mode="markers", name=CLASS_NAME[cls],
                             marker={"color": CLASS_COLOR[cls], "symbol": CLASS_SYMBOL[cls], "size": size,
                                     "line": {"width": 1, "color": "white"}},
                             hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<extra></extra>"))
    (bx, by), (cx, cy) = _boundaries(e, t, box, grid)
    data.append(_scatter(bx, by, 1, mode="lines", hoverinfo="skip", line={"color": ink, "width": 4},  # 2
                         name="BCE run's boundary p = ½" if race else "boundary p = ½"))
    data.append(_scatter(cx, cy, 1, mode="lines", name="p = 0.1 and 0.9", hoverinfo="skip",  # 3
                         line={"color": GREY, "width": 1.5, "dash": "dot"}))
    now = {"color": ORANGE, "size": 13, "line": {"width": 2, "color": "white"}}
    data.append(_scatter([float(traj.w[t, 0])], [float(traj.w[t, 1])], 2, mode="markers", name="now",  # 4
                         marker=now, showlegend=False, hovertemplate="step now<extra></extra>"))
    data.append(_scatter([t], [float(yard[t])], 3, mode="markers", name="now", marker=now,  # 5
                         showlegend=False, hovertemplate="step %{x}<br>loss %{y:.4g}<extra></extra>"))
    if race is None:
        return data
    race_now = {"color": PURPLE, "size": 12, "symbol": "square", "line": {"width": 2, "color": "white"}}
    rx, ry = _race_boundary(race, t, box, grid)                                                    # 6, 7, 8
    data.append(_scatter(rx, ry, 1, mode="lines", name="squared-error run's boundary", hoverinfo="skip",
                         line={"color": PURPLE, "width": 4, "dash": "dash"}))
    data.append(_scatter([float(race.w[t, 0])], [float(race.w[t, 1])], 2, mode="markers",
                         name="now (squared error)", marker=race_now, showlegend=False, hoverinfo="skip"))
    data.append(_scatter([t], [float(e.race_bce[t])], 3, mode="markers", marker=race_now,
                         name="now (squared error)", showlegend=False,
                         hovertemplate="step %{x}<br>BCE %{y:.4g}<extra>squared-error run</extra>"))
    if grid is None:                                                                               # 9, 10
        for run, shape, color, who in ((traj, "/", ink, "BCE run"), (race, "\\", PURPLE, "squared-error run")):
            sx, sy = _class_1_side(run.w[t], float(run.b[t]), box)
            data.append(_scatter(sx, sy, 1, mode="none", fill="toself", fillcolor="rgba(0,0,0,0)", hoverinfo="skip",
                                 fillpattern={"shape": shape, "fgcolor": color, "fgopacity": 0.5, "size": 12,
                                              "solidity": 0.12},
                                 name=f"{who} calls this side class 1 ({shape[0]})"))
    return data


def _kept_steps(last: int) -> np.ndarray:
    """At most 300 steps of 0 … last, evenly spread: a line of a thousand steps looks the same from 300."""
    return np.unique(np.linspace(0, last, min(last + 1, 300)).astype(int))


def _path_traces(e, numbers, last: int, ink: str) -> list[dict]:
    """The landscape (log10 J, a contour) with each optimizer's path over it, and each path's loss per step in the
    loss panel (the main run first, solid; the others dashed apart in greyscale); the race's squared-error path and
    its BCE; the optimum and its loss."""
    s, race = e.settings, e.race
    u, v = numbers.u, numbers.v
    data = [{"type": "contour", "x": typed(u), "y": typed(v),
             "z": {**typed(np.log10(numbers.J + 1e-12)), "shape": f"{len(v)}, {len(u)}"}, "xaxis": "x2", "yaxis": "y2",
             "colorscale": "Viridis", "reversescale": True, "ncontours": 18, "showscale": False, "opacity": 0.65,
             "contours": {"coloring": "heatmap", "showlines": True}, "line": {"width": 0.5, "color": "white"},
             "name": "log10 loss", "hovertemplate": "w₁ %{x:.3g}, w₂ %{y:.3g}<br>log10 J %{z:.3g}<extra></extra>"}]
    dashes = ("solid", "dot", "dashdot", "longdash", "longdashdot")
    paths = {s.optimizer: e.traj} | dict(e.others)
    for i, (name, t) in enumerate(paths.items()):
        keep = _kept_steps(len(t.loss) - 1)
        color = VERMILLION if i == 0 else SERIES[(i + 1) % len(SERIES)]
        label = logistic.OPTIMIZERS[name]
        data.append(_scatter(t.w[keep, 0], t.w[keep, 1], 2, mode="lines", hoverinfo="skip",
                             name=f"path: BCE ({label})" if race is not None and i == 0 else f"path: {label}",
                             line={"color": color, "width": 3 if i == 0 else 2, "dash": dashes[i % 5]}))
        data.append(_scatter(typed(keep, "i4"), numbers.path_losses[name][keep], 3, mode="lines", showlegend=False,
                             name=f"train loss: {label}", line={"color": color, "width": 3 if i == 0 else 1.5,
                                                                "dash": dashes[i % 5]},
                             hovertemplate="step %{x}<br>train loss %{y:.4g}<extra>" + label + "</extra>"))
    if race is not None:
        keep = _kept_steps(last)
        data.append(_scatter(race.w[keep, 0], race.w[keep, 1], 2, mode="lines", name="path: squared error",
                             hoverinfo="skip", line={"color": PURPLE, "width": 3, "dash": "dash"}))
        data.append(_scatter(typed(keep, "i4"), e.race_bce[keep], 3, mode="lines", showlegend=False,
                             name="BCE of the squared-error run", line={"color": PURPLE, "width": 3, "dash": "dash"},
                             hovertemplate="step %{x}<br>BCE %{y:.4g}<extra>squared-error run</extra>"))
    if e.optimum.converged:
        data.append(_scatter([float(e.optimum.w[0])], [float(e.optimum.w[1])], 2, mode="markers",
                             name="optimum", marker={"symbol": "star", "size": 16, "color": ink}))
    if e.optimum.converged and s.objective == "bce":  # the optimum's loss is the objective's: drawn on its scale
        data.append(_scatter([0, last], [e.optimum.loss] * 2, 3, mode="lines", name="optimum loss",
                             line={"color": ink, "dash": "dash", "width": 1.5},
                             hovertemplate="optimum %{y:.5g}<extra></extra>"))
    return data


def _test_traces(e, last: int) -> list[dict]:
    """The held-out points' loss per step (dashed) and the points themselves (open markers); none without them."""
    if not len(e.test_loss):
        return []
    keep = _kept_steps(last)
    data = [_scatter(typed(keep, "i4"), e.test_loss[keep], 3, mode="lines", name="test loss",
                     line={"color": BLUE, "dash": "dash", "width": 2.5},
                     hovertemplate="step %{x}<br>test loss %{y:.4g}<extra></extra>")]
    for cls, symbol in ((0, "circle-open"), (1, "diamond-open")):
        m = (e.y_test >= 0.5) == bool(cls)
        data.append(_scatter(e.X_test[m, 0], e.X_test[m, 1], 1, mode="markers", hoverinfo="skip",
                             name=f"test, {CLASS_NAME[cls]}",
                             marker={"color": CLASS_COLOR[cls], "size": 8, "symbol": symbol, "line": {"width": 2}}))
    return data


def _frame_values(e, yard, steps: list[int]) -> dict[str, dict[int, float]]:
    """The numbers the frames show at each of ``steps``, as Python floats (cheaper to format than NumPy's)."""
    traj, race = e.traj, e.race
    series = [("yard", yard), ("accuracy", 100 * e.train_accuracy), ("w_norm", e.w_norm),
              ("grad_norm", traj.grad_norm), ("w1", traj.w[:, 0]), ("w2", traj.w[:, 1])]
    if len(e.test_loss):
        series.append(("test", e.test_loss))
    if race is not None:
        series += [("race_bce", e.race_bce), ("race_accuracy", 100 * e.race_accuracy), ("race_w1", race.w[:, 0]),
                   ("race_w2", race.w[:, 1])]
    return {name: dict(zip(steps, np.asarray(values, dtype=np.float64)[steps].tolist(), strict=True))
            for name, values in series}


def _frame_title(e, at: dict, t: int, stacked: bool) -> str:
    """Step t's numbers over the figure, the losses written as the text alternative (``claims.describe``) writes
    them; two lines on a phone."""
    s, num, brk = e.settings, claims.num, "<br>" if stacked else " · "
    if e.race is not None:
        bce = claims.bce_name(s.pos_weight)
        return (f"step {t} · BCE run: {bce} {num(at['yard'][t])}, accuracy {at['accuracy'][t]:.1f}%"
                + brk + f"squared-error run: {bce} {num(at['race_bce'][t])}, accuracy "
                f"{at['race_accuracy'][t]:.1f}%")
    parts = [f"step {t}", f"{claims.loss_label(s.objective, s.pos_weight)} {num(at['yard'][t])}"]
    if len(e.test_loss):
        parts.append(f"test loss {at['test'][t]:.4g}")
    rest = [f"accuracy {at['accuracy'][t]:.1f}%", f"‖w‖ {at['w_norm'][t]:.3g}", f"‖∇J‖ {at['grad_norm'][t]:.3g}"]
    return " · ".join(parts) + brk + " · ".join(rest)


def _frames(e, steps: list[int], at: dict, sizes: dict, box, grid, stacked: bool) -> list[dict]:
    """One frame a step: the title and what traces 0–10 (:func:`_moving_traces`) show at that step."""
    lines = _frame_boundaries(e, steps, box, grid)
    race_lines = _frame_race_boundaries(e.race, steps, box, grid) if e.race is not None else None
    frames = []
    for i, t in enumerate(steps):
        f0, f1 = sizes[t]
        bx, by, cx, cy = lines[i]
        frame = {"name": str(t), "traces": [0, 1, 2, 3, 4, 5],
                 "layout": {"title": {"text": _frame_title(e, at, t, stacked)}},
                 "data": [{"marker": {"size": f0}}, {"marker": {"size": f1}},
                          {"x": bx, "y": by}, {"x": cx, "y": cy},
                          {"x": [at["w1"][t]], "y": [at["w2"][t]]},
                          {"x": [t], "y": [at["yard"][t]]}]}
        if e.race is not None:
            rx, ry = race_lines[i]
            frame["traces"] += [6, 7, 8]
            frame["data"] += [{"x": rx, "y": ry},
                              {"x": [at["race_w1"][t]], "y": [at["race_w2"][t]]},
                              {"x": [t], "y": [at["race_bce"][t]]}]
            if grid is None:
                frame["traces"] += [9, 10]
                for run in (e.traj, e.race):
                    sx, sy = _class_1_side(run.w[t], float(run.b[t]), box)
                    frame["data"].append({"x": sx, "y": sy})
        frames.append(frame)
    return frames


def _animate(names, duration: int, redraw: bool = True) -> dict:
    """A button's or slider step's action: play ``names`` (None: all frames, [None]: pause) at ``duration`` ms a
    frame, without plotly's transitions."""
    return {"method": "animate", "args": [names, {"frame": {"duration": duration, "redraw": redraw},
                                                  "transition": {"duration": 0}, "mode": "immediate"}]}


def _player(frames: list[dict], shown: int, stacked: bool, buttons_y: float, slider_y: float) -> dict:
    """Play, Pause, Reset, slow and fast (icons only on a phone) and the step slider on frame ``shown``, their
    tops at ``buttons_y`` and ``slider_y`` (fractions of the plot area)."""
    return {
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": buttons_y, "xanchor": "left",
                         "yanchor": "top", "showactive": False, "pad": {"t": 0, "r": 6}, "font": {"size": 14},
                         "buttons": [
                             {"label": "▶" if stacked else "▶ Play", **_animate(None, 180)},
                             {"label": "❚❚" if stacked else "❚❚ Pause", **_animate([None], 0, False)},
                             {"label": "Reset", **_animate(["0"], 0)},
                             {"label": "slow", **_animate(None, 450)},
                             {"label": "fast", **_animate(None, 60)}]}],
        "sliders": [{"active": shown, "x": 0, "y": slider_y, "len": 1, "xanchor": "left",
                     "yanchor": "top", "pad": {"t": 0, "l": 0, "r": 10},
                     "currentvalue": {"prefix": "step ", "font": {"size": 13}},
                     "font": {"size": 11 if stacked else 12},
                     "steps": [{"label": f["name"], **_animate([f["name"]], 0)} for f in frames]}]}


def _heading(text: str, x: float, y: float) -> dict:
    return {"text": text, "x": x, "y": y, "xref": "paper", "yref": "paper", "showarrow": False,
            "xanchor": "center", "yanchor": "bottom", "font": {"size": 14}}


def _descent_layout(e, numbers, box, *, height: int, stacked: bool, n_legend: int, log_loss_axis: bool,
                    title: str, frames: list[dict], shown: int) -> dict:
    """The figure's layout, top down: the title (the step's numbers), the player, the legend, the panels — Play
    right above the boundary it moves, on one screen with it on a phone and a projector. Places are pixels from the
    top turned into fractions of the plot area, so they hold at any height; on a phone the legend (an entry a line)
    gets its own band under the two-line title."""
    dom, heads, _ = _panels(stacked)
    title_h = 70 if stacked else 34  # the title's one or two lines
    controls_h = 100                 # the buttons' row and the slider with its "step N"
    top = title_h + controls_h + (38 + 21 * n_legend if stacked else 160)  # + the legend, 28 px above the plot
    bottom = 60                      # the loss panel's ticks and its "step" title
    plot_h = height - top - bottom
    u, v, bce_scale = numbers.u, numbers.v, e.settings.objective != "bce"
    axis = {"showgrid": True, "zeroline": False}
    return {
        "height": height, "hovermode": "closest", "font": {"size": 14}, "showlegend": True,
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 1 - (26 if stacked else 8) / height,
                  "yref": "container", "yanchor": "top", "font": {"size": 15}},
        "margin": {"l": 10, "r": 10, "t": top, "b": bottom},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1 + 28 / plot_h, "xanchor": "left", "x": 0,
                   "font": {"size": 13}},
        "xaxis": {**axis, "domain": dom["d"][0], "anchor": "y", "title": {"text": "x₁"}, "range": [box[0], box[1]]},
        "yaxis": {**axis, "domain": dom["d"][1], "anchor": "x", "title": {"text": "x₂"},
                  "range": [box[2], box[3]], "scaleanchor": "x", "scaleratio": 1},
        "xaxis2": {**axis, "domain": dom["l"][0], "anchor": "y2", "range": [u[0], u[-1]],
                   "title": {"text": f"weight of {e.feature_names[0]}"}},
        "yaxis2": {**axis, "domain": dom["l"][1], "anchor": "x2", "range": [v[0], v[-1]],
                   "title": {"text": f"weight of {e.feature_names[1]}"}},
        "xaxis3": {**axis, "domain": dom["c"][0], "anchor": "y3", "title": {"text": "step"}},
        "yaxis3": {**axis, "domain": dom["c"][1], "anchor": "x3", "type": "log" if log_loss_axis else "linear",
                   "title": {"text": ("BCE, no L2 (nats)" if bce_scale else "loss (nats)")
                                      + (", log scale" if log_loss_axis else "")}},
        "annotations": [_heading("Data, decision boundary (p = ½) and p = 0.1 / 0.9", *heads[0]),
                        _heading("Loss landscape over two weights", *heads[1]),
                        _heading("Loss per step", *heads[2])],
        **_player(frames, shown, stacked, 1 + (top - title_h) / plot_h, 1 + (top - title_h - 38) / plot_h)}


def gradient_descent_figure(e, *, log_loss_axis: bool = False, height: int | None = None, dark: bool = False,
                            stacked: bool = False, show: int | None = None) -> FigureSpec:
    """Data with boundary, loss landscape with the optimizer's path, and loss per step — animated together.

    The frames (at most ``experiment.MAX_FRAMES``) are played by plotly in the browser: Play, Pause, Reset,
    speeds, and a step slider. Traces 0–10 animate (:func:`_moving_traces`); the numbers drawn come from
    ``experiment.figure_numbers``. ``stacked`` puts the three panels one above another (for phones). ``show`` is
    the frame the figure opens on (an index into ``e.frames``; default the last) — the page's Step control.
    """
    numbers = experiment.figure_numbers(e)
    height = height or _panels(stacked)[2]
    shown = len(e.frames) - 1 if show is None else min(max(int(show), 0), len(e.frames) - 1)
    now_step = int(e.frames[shown])  # the step the static traces show; frames animate from there
    last = int(e.frames[-1])  # the last step any run really took
    ink = INK[dark]
    box, grid = _data_box(e)
    yard = numbers.path_losses[e.settings.optimizer]
    steps = [int(k) for k in e.frames]
    sizes = _point_sizes(numbers.point_losses, e.y_train, steps)
    data = (_moving_traces(e, now_step, yard, sizes, box, grid, ink) + _path_traces(e, numbers, last, ink)
            + _test_traces(e, last))
    at = _frame_values(e, yard, steps)
    frames = _frames(e, steps, at, sizes, box, grid, stacked)
    lay = _descent_layout(e, numbers, box, height=height, stacked=stacked, log_loss_axis=log_loss_axis,
                          n_legend=sum(1 for tr in data if tr.get("showlegend", True)),
                          title=_frame_title(e, at, now_step, stacked), frames=frames, shown=shown)
    return FigureSpec({"data": data, "frames": frames, "layout": lay})


def reliability_figure(curves, *, height: int = 360) -> FigureSpec:
    """A reliability diagram: for each (name, Reliability, colour, symbol) the observed frequency of y = 1 against
    the mean predicted probability per bin, marker area by the bin's count (empty bins left out, their count shown
    in the hover of the others), over the diagonal of perfect calibration."""
    traces = [curve([0, 1], [0, 1], name="perfectly calibrated", color=GREY, dash="dot", width=2)]
    for name, rel, color, symbol in curves:
        seen = rel.counts > 0
        sizes = 8 + 22 * np.sqrt(rel.counts[seen] / max(rel.counts.max(), 1))
        traces.append({"type": "scatter", "mode": "lines+markers", "cliponaxis": False,  # whole markers at 0 and 1
                       "x": typed(rel.mean_p[seen], "f8"),
                       "y": typed(rel.frac_pos[seen], "f8"), "name": name,
                       "line": {"color": color, "width": 3},
                       "marker": {"color": color, "symbol": symbol, "size": typed(sizes),
                                  "line": {"width": 1, "color": "white"}},
                       "customdata": [int(c) for c in rel.counts[seen]],
                       "hovertemplate": "predicted %{x:.3f}<br>observed %{y:.3f}<br>%{customdata} points<extra>"
                                        + name + "</extra>"})
    return figure(traces, layout(x_title="mean predicted probability in the bin", y_title="observed frequency of y = 1",
                                 height=height, x_range=[-0.02, 1.02], y_range=[-0.02, 1.02]))


# ---------------------------------------------------------------------------------------------------- live class
def answers_figure(bars, *, revealed: bool, height: int = 300) -> FigureSpec:
    """The class's answers as horizontal bars, one per answer (``bars``: (label, count, right?) in order, top to
    bottom). Before the reveal every bar is blue, so the chart gives nothing away; at the reveal the right answer's
    bar turns green and hatched (told apart in greyscale too)."""
    right = [bool(r) and revealed for _, _, r in bars][::-1]
    # plotly draws the first category at the bottom; at the reveal the right answer is named on its axis label
    # too, so it shows when nobody gave it (a bar of 0 is no bar)
    labels = [f"{label} ✓" if r else label for (label, _, _), r in zip(bars[::-1], right, strict=True)]
    counts = np.array([n for _, n, _ in bars][::-1], dtype=np.float64)
    trace = {"type": "bar", "orientation": "h", "y": labels, "x": typed(counts, "f8"),
             "text": [f"{int(n)}" for n in counts], "textposition": "outside", "cliponaxis": False,
             "marker": {"color": [GREEN if r else BLUE for r in right],
                        "pattern": {"shape": ["/" if r else "" for r in right]}},
             "hovertemplate": "%{y}: %{x} students<extra></extra>"}
    lay = layout(x_title="students", height=height, legend=False,
                 x_range=[0, max(1.0, float(counts.max(initial=0.0))) * 1.18])
    lay["yaxis"]["automargin"] = True
    lay["yaxis"]["type"] = "category"  # number-like answers ("0.5") are labels, not positions on a number line
    lay["xaxis"]["rangemode"] = "tozero"
    lay["xaxis"]["tickformat"] = "d"  # whole students
    if counts.max(initial=0.0) <= 10:
        lay["xaxis"]["dtick"] = 1
    return figure([trace], lay)


# Keyboard for the animation. Plotly draws Play, Pause, Reset and the step slider as SVG that Tab never reaches;
# this static script (no user text; ``st.html(..., unsafe_allow_javascript=True)``) makes each button a focusable
# button (Enter or Space presses it) and the slider a focusable slider (← → one frame, Home / End, PgUp / PgDn
# five), driving plotly's own handlers so that a key does exactly what a click or a drag does. Plotly redraws
# these elements, so the attributes are kept up every 400 ms; one timer per browser tab.
ANIMATION_KEYS = """<style>
.js-plotly-plot g.updatemenu-button:focus, .js-plotly-plot g.slider-container:focus { outline: none; }
.js-plotly-plot g.updatemenu-button:focus rect { stroke: #FF4B4B !important; stroke-width: 3px !important; }
.js-plotly-plot g.slider-container:focus .slider-grip-rect { stroke: #FF4B4B !important; stroke-width: 3px !important; }
</style>
<script>
(() => {
  if (window.__logLossLabKeys) return;
  window.__logLossLabKeys = true;
  const press = (el, type, x, y) => el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true,
    view: window, clientX: x, clientY: y, button: 0}));
  const slider = gd => (gd._fullLayout && gd._fullLayout.sliders || [])[0];
  const goTo = (gd, group, index) => {
    const opts = slider(gd), ticks = group.querySelectorAll('.slider-tick-rect');
    const rail = group.querySelector('.slider-rail-touch-rect');
    if (!opts || !rail || !ticks.length) return;
    index = Math.max(0, Math.min(ticks.length - 1, index));
    const t = ticks[index].getBoundingClientRect(), r = rail.getBoundingClientRect();
    const x = t.left + t.width / 2, y = r.top + r.height / 2;
    press(rail, 'mousedown', x, y);
    press(gd, 'mouseup', x, y);
  };
  const keep = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      for (const b of gd.querySelectorAll('g.updatemenu-button')) {
        if (b.getAttribute('tabindex') === '0') continue;
        const label = (b.textContent || '').trim();
        b.setAttribute('tabindex', '0');
        b.setAttribute('role', 'button');
        b.setAttribute('aria-label', label.replace(/^[▶❚\\s ]+/, '') || {'▶': 'Play', '❚❚': 'Pause'}[label] || label);
        b.addEventListener('keydown', ev => {
          if (ev.key !== 'Enter' && ev.key !== ' ') return;
          ev.preventDefault();
          press(b, 'click', 0, 0);
        });
      }
      const group = gd.querySelector('g.slider-container');
      const opts = slider(gd);
      if (!group || !opts) continue;
      const n = (opts.steps || []).length;
      const label = (opts.steps[opts.active] || {}).label;
      group.setAttribute('aria-valuenow', String(opts.active));
      group.setAttribute('aria-valuetext', 'step ' + label);
      if (group.getAttribute('tabindex') === '0') continue;
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'slider');
      group.setAttribute('aria-label', 'Step shown');
      group.setAttribute('aria-valuemin', '0');
      group.setAttribute('aria-valuemax', String(n - 1));
      group.addEventListener('keydown', ev => {
        const o = slider(gd);
        if (!o) return;
        const moves = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5};
        let to = null;
        if (ev.key in moves) to = o.active + moves[ev.key];
        else if (ev.key === 'Home') to = 0;
        else if (ev.key === 'End') to = o.steps.length - 1;
        if (to === null) return;
        ev.preventDefault();
        goTo(gd, group, to);
      });
    }
  };
  keep();
  setInterval(keep, 400);
})();
</script>"""
