"""One chart style for every page: a colour-blind-safe palette, class markers, and one layout helper.

Pure functions: arrays in, ``plotly.graph_objects.Figure`` out; no Streamlit. Colours are from Okabe & Ito's
palette (safe for the common colour-vision deficiencies); the two classes also differ by marker shape and the two
loss terms by dash, so every chart still reads in greyscale. Figures carry an empty template: Streamlit's theme
(light or dark) styles them in the browser, and the ~8 KB default plotly template is not sent with every chart.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

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

_EMPTY_TEMPLATE = go.layout.Template()


def layout(fig: go.Figure, *, x_title: str = "", y_title: str = "", height: int = 360, log_y: bool = False,
           title: str | None = None, legend: bool = True, x_range=None, y_range=None) -> go.Figure:
    """The one layout every chart uses: titled axes (with units), compact margins, legend on top."""
    fig.update_layout(
        template=_EMPTY_TEMPLATE,
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        title=dict(text=title, x=0, xanchor="left", font=dict(size=15)) if title else None,
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0),
        hovermode="closest",
        font=dict(size=14),
    )
    fig.update_xaxes(title_text=x_title, range=x_range, zeroline=False, showgrid=True)
    fig.update_yaxes(title_text=y_title, range=y_range, zeroline=False, showgrid=True,
                     type="log" if log_y else "linear")
    return fig


def compact(a, dtype=np.float32) -> np.ndarray:
    """Chart data as float32 (half the bytes; seven digits are more than a screen shows). inf becomes NaN (a gap)."""
    a = np.asarray(a, dtype=np.float64)
    a = np.where(np.isfinite(a), a, np.nan)
    return a.astype(dtype)


def probability_grid(n: int = 400, *, log_edges: bool = True) -> np.ndarray:
    """p values on (0, 1) for curves: uniform in the middle, geometric towards both edges so the blow-up shows."""
    mid = np.linspace(0.01, 0.99, n)
    if not log_edges:
        return mid
    edge = np.geomspace(1e-6, 0.01, n // 8, endpoint=False)
    return np.concatenate([edge, mid, 1.0 - edge[::-1]])


def curve(x, y, *, name: str, color: str, dash: str = "solid", width: float = 3, opacity: float = 1.0,
          hover: str | None = None, showlegend: bool = True) -> go.Scatter:
    """A line trace in the house style. x stays float64 (float32 would round p near 1 and the hover's p and loss
    would disagree); y is float32."""
    return go.Scatter(x=compact(x, np.float64), y=compact(y), mode="lines", name=name, opacity=opacity,
                      line=dict(color=color, dash=dash, width=width), hovertemplate=hover,
                      showlegend=showlegend)


def marker(x, y, *, name: str, color: str, symbol: str = "circle", size: int = 14, text: str | None = None,
           hover: str | None = None, textposition: str | None = None, text_flip: float = 0.5) -> go.Scatter:
    """A highlighted point (the current prediction) with an optional label, placed on the side with more room
    (left of the point when x > ``text_flip``)."""
    return go.Scatter(x=[float(x)], y=[float(y)], mode="markers+text" if text else "markers", name=name,
                      marker=dict(color=color, symbol=symbol, size=size, line=dict(width=2, color="white")),
                      text=[text] if text else None, hovertemplate=hover,
                      textposition=textposition or ("top left" if float(x) > text_flip else "top right"),
                      showlegend=False)


def single_loss_figure(p: float, loss_value: float, *, height: int = 320) -> go.Figure:
    """Home page: the loss −log p of a true 1 against p, with the current prediction marked."""
    grid = probability_grid(300)
    fig = go.Figure([
        curve(grid, -np.log(grid), name="−log p (the loss when y = 1)", color=TERM_COLOR["positive"],
              hover="p = %{x:.4g}<br>loss = %{y:.4g} nats<extra></extra>"),
        marker(p, min(loss_value, 14.0) if np.isfinite(loss_value) else 14.0, name="your prediction",
               color=ORANGE, symbol="diamond",
               text=f"p = {p:g}: loss {'∞' if not np.isfinite(loss_value) else f'{loss_value:.3g}'}"),
    ])
    return layout(fig, x_title="predicted probability p of class 1", y_title="loss (nats)", height=height,
                  y_range=[0, 6], x_range=[0, 1], legend=False)


def _cap(values, top: float) -> np.ndarray:
    """Values for plotting under a finite axis top: inf drawn at the top edge (the marker stays visible)."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v), np.minimum(v, top), top)


def terms_figure(y: float, p: float, *, scale: float = 1.0, unit: str = "nats", log_y: bool = False,
                 axis: str = "p", height: int = 360) -> go.Figure:
    """The two terms of BCE and their weighted sum L(y, ·), with the current prediction marked.

    ``axis`` "p" draws against the probability, "z" against the logit (there the terms are softplus(∓z)).
    The faded curves are the raw terms −log p and −log(1−p); the bold curve is the loss for this label,
    y·(−log p) + (1−y)·(−log(1−p)), which for a hard label is exactly the active term.
    """
    from lib import loss

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
        curve(x, pos_raw * scale, name=names[0], color=TERM_COLOR["positive"], dash=TERM_DASH["positive"],
              width=2, opacity=1.0 if y == 1 else FAINT + 0.15 if y == 0 else 0.55),
        curve(x, neg_raw * scale, name=names[1], color=TERM_COLOR["negative"], dash=TERM_DASH["negative"],
              width=2, opacity=1.0 if y == 0 else FAINT + 0.15 if y == 1 else 0.55),
    ]
    if y not in (0.0, 1.0):
        traces.append(curve(x, total * scale, name=f"L for y = {y:g}: y·(−log p) + (1−y)·(−log(1−p))",
                            color=GREEN, width=4))
    if np.isfinite(x_now) and (axis == "p" or abs(x_now) <= 10):
        shown = "∞" if not np.isfinite(now) else f"{now:.4g}"
        traces.append(marker(x_now, _cap(now, top), name="now", color=ORANGE, symbol="diamond", size=16,
                             text=f"loss {shown} {unit}", text_flip=0.5 if axis == "p" else 0.0))
    fig = go.Figure(traces)
    y_title = f"loss ({unit})" + (", log scale" if log_y else "")
    y_range = [np.log10(1e-4 * scale), np.log10(top)] if log_y else [0, 6 * max(scale, 1.0)]
    return layout(fig, x_title=x_title, y_title=y_title, height=height, log_y=log_y, x_range=x_range,
                  y_range=y_range)


def gradient_figure(y: float, p: float, *, height: int = 320) -> go.Figure:
    """∂L/∂p (blows up at the edges) against ∂L/∂z = p − y (bounded by 1), both against p, point marked."""
    from lib import loss

    x = probability_grid(400)
    gp = loss.bce_grad_prob(y, x)
    gz = x - y  # ∂L/∂z as a function of p = σ(z), exactly p − y
    lim = 10.0
    fig = go.Figure([
        curve(x, np.clip(gp, -lim, lim), name="∂L/∂p = (p − y) / (p(1 − p))", color=PURPLE, width=3,
              hover="p = %{x:.4g}<br>∂L/∂p = %{y:.4g}<extra></extra>"),
        curve(x, gz, name="∂L/∂z = p − y", color=GREEN, dash="dash", width=3,
              hover="p = %{x:.4g}<br>∂L/∂z = %{y:.4g}<extra></extra>"),
    ])
    gp_now = float(loss.bce_grad_prob(y, p))
    fig.add_trace(marker(p, float(np.clip(gp_now, -lim, lim)), name="∂L/∂p now", color=PURPLE, size=12))
    fig.add_trace(marker(p, p - y, name="∂L/∂z now", color=GREEN, size=12, symbol="square"))
    return layout(fig, x_title="predicted probability p", y_title="gradient (clipped to ±10)", height=height,
                  x_range=[0, 1], y_range=[-lim, lim])


def contributions_figure(row_ids, labels, losses, *, scale: float = 1.0, unit: str = "nats",
                         height: int = 300) -> go.Figure:
    """Each row's loss as a bar, largest first, coloured (and patterned) by its label; ∞ drawn at the top."""
    losses = np.asarray(losses, dtype=np.float64) * scale
    order = np.argsort(-np.where(np.isfinite(losses), losses, np.inf), kind="stable")
    finite = losses[np.isfinite(losses)]
    top = float(max(finite.max() if finite.size else 1.0, 1e-9)) * 1.15
    ids = [f"row {int(row_ids[i])}" for i in order]
    labels = np.asarray(labels)[order]
    vals = losses[order]
    colors = [CLASS_COLOR[1] if lab >= 0.5 else CLASS_COLOR[0] for lab in labels]
    patterns = ["/" if lab >= 0.5 else "" for lab in labels]
    text = ["∞" if not np.isfinite(v) else f"{v:.3g}" for v in vals]
    fig = go.Figure(go.Bar(x=ids, y=compact(_cap(vals, top)), marker=dict(color=colors, pattern_shape=patterns),
                           text=text, textposition="outside", cliponaxis=False, showlegend=False,
                           hovertemplate="%{x}<br>loss %{text} " + unit + "<extra></extra>"))
    return layout(fig, x_title="sample (largest loss first; hatched = y ≥ 0.5)", y_title=f"loss ({unit})",
                  height=height, y_range=[0, top * 1.1], legend=False)


def lines_figure(x, series, *, x_title: str, y_title: str, height: int = 340, log_x: bool = False,
                 log_y: bool = False, x_range=None, y_range=None, points=(), vlines=(), hover_x: str = "x",
                 tickvals=None, ticktext=None) -> go.Figure:
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
    fig = go.Figure(traces)
    for px, py, label, color in points:
        fig.add_trace(marker(px, py, name=label, color=color, size=12, text=label,
                             text_flip=(x_range[0] + x_range[1]) / 2 if x_range and not log_x else np.inf))
    for vx, label in vlines:
        fig.add_vline(x=vx, line=dict(color=GREY, dash="dot", width=2), annotation_text=label,
                      annotation_position="top")
    layout(fig, x_title=x_title, y_title=y_title, height=height, log_y=log_y, x_range=x_range, y_range=y_range)
    if log_x:
        fig.update_xaxes(type="log")
    if tickvals is not None:
        fig.update_xaxes(tickvals=list(tickvals), ticktext=list(ticktext))
    return fig
