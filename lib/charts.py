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
    """A line trace in the house style."""
    return go.Scatter(x=compact(x), y=compact(y), mode="lines", name=name, opacity=opacity,
                      line=dict(color=color, dash=dash, width=width), hovertemplate=hover,
                      showlegend=showlegend)


def marker(x, y, *, name: str, color: str, symbol: str = "circle", size: int = 14, text: str | None = None,
           hover: str | None = None) -> go.Scatter:
    """A highlighted point (the current prediction) with an optional label beside it."""
    return go.Scatter(x=[float(x)], y=[float(y)], mode="markers+text" if text else "markers", name=name,
                      marker=dict(color=color, symbol=symbol, size=size, line=dict(width=2, color="white")),
                      text=[text] if text else None, textposition="top right", hovertemplate=hover,
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
