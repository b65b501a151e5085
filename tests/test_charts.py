"""lib.charts: the chart style holds in greyscale on every page, and the helpers draw what they claim."""
import numpy as np
import pytest

from lib import charts
from tests.conftest import decode, figures, open_page
from ui import PAGES


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _look_without_colour(trace: dict) -> tuple:
    """What tells a trace apart in greyscale: its kind, marker symbol, line dash and width, bar pattern."""
    marker, line = trace.get("marker") or {}, trace.get("line") or {}
    pattern = (marker.get("pattern") or {}).get("shape")
    return (trace.get("type", "scatter"), trace.get("mode"), str(marker.get("symbol")), line.get("dash", "solid"),
            line.get("width"), str(pattern))


@pytest.mark.parametrize("info", PAGES, ids=[p.path for p in PAGES])
def test_every_legend_entry_is_told_apart_without_colour(info):
    at = open_page(info.path)
    for key, fig in figures(at).items():
        if not isinstance(key, str):
            continue
        shown = [t for t in fig["data"] if t.get("showlegend", True) is not False and t.get("name")
                 and fig["layout"].get("showlegend", True) is not False]
        looks = {}
        for t in shown:
            look = _look_without_colour(t)
            assert look not in looks, f"{info.path} {key}: {t['name']!r} looks like {looks[look]!r} in greyscale"
            looks[look] = t["name"]


def test_class_markers_differ_by_shape_and_the_palette_is_okabe_ito():
    assert charts.CLASS_SYMBOL[0] != charts.CLASS_SYMBOL[1]
    assert charts.TERM_DASH["positive"] != charts.TERM_DASH["negative"]
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert {charts.BLUE, charts.VERMILLION, charts.GREEN, charts.ORANGE, charts.SKY, charts.PURPLE} <= okabe_ito
    # the two class colours are close in greyscale — which is why shape, dash and hatching carry the difference
    assert abs(_luminance(charts.BLUE) - _luminance(charts.VERMILLION)) < 0.1


def test_level_lines_trace_a_circle():
    xs = ys = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, ys)
    lx, ly = charts.level_lines(xs, ys, X**2 + Y**2, 1.0)
    ok = np.isfinite(lx)
    r = np.hypot(lx[ok], ly[ok])
    np.testing.assert_allclose(r, 1.0, atol=2e-3)  # linear interpolation on a 0.05 grid
    assert np.ptp(np.arctan2(ly[ok], lx[ok])) > 6.0  # all the way round


def test_typed_arrays_round_trip_and_infinities_become_gaps():
    spec = charts.typed([1.5, np.inf, -2.0])
    out = decode(spec)
    assert out[0] == 1.5 and np.isnan(out[1]) and out[2] == -2.0
    assert decode(charts.typed([3, 250], "u1")).tolist() == [3, 250]
    # past float32's range: a gap too, and no NumPy warning (pytest turns RuntimeWarning into an error)
    out = decode(charts.typed([1e300, -1e39, 3.0e38, np.nan]))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == np.float32(3.0e38) and np.isnan(out[3])


def test_figure_spec_is_what_streamlit_serializes():
    import json

    import plotly.io as pio
    from plotly.tools import return_figure_from_figure_or_data

    spec = {"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}], "layout": {"height": 300}}
    fig = charts.FigureSpec(spec)
    as_streamlit = return_figure_from_figure_or_data(fig, validate_figure=True)  # what st.plotly_chart calls
    assert json.loads(pio.to_json(as_streamlit, validate=False)) == spec


def test_an_encoded_figure_is_plotlys_json_which_streamlit_takes_and_holds_nothing_to_collect(monkeypatch):
    """An EncodedFigure is plotly's own encoding of the spec, made once; with ``ui``'s hook the call Streamlit makes
    (``plotly.io.to_json(figure, validate=False)``) returns that string, any other call about it gets the decoded
    figure, and calls about other figures go to plotly unchanged. It holds no nested containers for the collector
    beyond the layout's size, which Streamlit reads."""
    import gc
    import json

    import plotly.io as pio
    from plotly.io import _json
    from plotly.tools import return_figure_from_figure_or_data
    from streamlit.elements.plotly_chart import _resolve_content_height

    from ui import tuning

    assert tuning.reuse_encoded_json() and tuning.reuse_encoded_json()  # in place, and a second call changes nothing
    plain = {"data": [{"type": "scatter", "x": [1, 2], "y": [3.5, None], "name": "ü <b>"}],
             "layout": {"height": 300, "title": {"text": "t"}}}
    real = _json.to_json
    encoded = charts.EncodedFigure(plain)
    assert encoded.json == real(plain, validate=False) and encoded.spec() == plain
    calls = []
    monkeypatch.setattr(_json, "to_json", lambda fig, *a, **k: calls.append(type(fig)) or real(fig, *a, **k))
    as_streamlit = return_figure_from_figure_or_data(charts.FigureSpec(encoded), validate_figure=True)
    assert as_streamlit is encoded and _resolve_content_height("content", as_streamlit) == 300
    assert pio.to_json(as_streamlit, validate=False) is encoded.json and calls == []  # not encoded again
    assert pio.to_json(plain, validate=False) == encoded.json and calls == [dict]  # a plain dict: plotly's call
    assert pio.to_json(encoded, validate=False, pretty=True) == real(plain, validate=False, pretty=True)
    assert json.loads(pio.to_json(encoded, validate=False)) == plain

    def containers(obj) -> int:  # tracked containers reachable through dict values and list items
        inner = list(obj.values()) if isinstance(obj, dict) else list(obj) if isinstance(obj, list) else []
        return sum(gc.is_tracked(x) + containers(x) for x in inner)

    from lib import experiment

    spec = charts.gradient_descent_figure(experiment.run(experiment.Settings())).to_dict()
    assert containers(spec) > 500 and containers(charts.EncodedFigure(spec)) == 0


@pytest.mark.parametrize("settings", [{}, {"objective": "both", "start": "wrong"},
                                      {"dataset": "circles", "features": True},
                                      {"test_fraction": 0.3, "compare": ("adam",)}], ids=str)
def test_gradient_descent_frames_carry_no_colour_so_theming_may_skip_them(settings):
    from lib import experiment

    e = experiment.run(experiment.Settings(**settings))
    for dark in (False, True):
        spec = charts.gradient_descent_figure(e, dark=dark).to_dict()
        whole = charts.for_theme(spec, dark)
        assert charts.for_theme(spec, dark, frames=False) == whole
        assert len(whole["frames"]) == len(e.frames)
    # the rest is themed: on white, the orange of the "now" marker is darkened to a legible orange
    spec = charts.gradient_descent_figure(e, dark=False).to_dict()
    assert charts.ORANGE in str(spec["data"]) and charts.ORANGE not in str(charts.for_theme(spec, False)["data"])


@pytest.mark.parametrize("n, side", [(40, 32), (100, 22), (200, 16), (450, 16)])
def test_the_landscape_is_the_loss_at_its_grid_points_on_a_grid_that_shrinks_as_the_points_grow(n, side):
    """The contour is log10 J over (w₁, w₂), the other weights and b at the last step, J written out here with
    numpy's logaddexp; its grid has ``side`` points a weight: 32 for few points, ⌊√(51,200 / n)⌋ between (22 for
    100), and 16 — 16·16·200 = 51,200 evaluations — from the default 200 on."""
    from lib import experiment

    e = experiment.run(experiment.Settings(n=n, dataset="moons", l2=0.01))
    contour = decode(next(t for t in charts.gradient_descent_figure(e).to_dict()["data"] if t["type"] == "contour"))
    u, v, z = contour["x"], contour["y"], contour["z"]
    assert len(u) == len(v) == side and z.shape == (side, side)
    X, y, w, b = e.F_train, e.y_train, e.traj.w[-1].copy(), e.traj.b[-1]
    for i, j in ((0, 0), (side - 1, 3), (side // 2, side - 1)):
        w[0], w[1] = u[j], v[i]  # float32 grid coordinates: J is evaluated at what the chart labels them
        zz = X @ w + b
        J = np.mean(y * np.logaddexp(0.0, -zz) + (1 - y) * np.logaddexp(0.0, zz)) + 0.005 * w @ w
        assert z[i, j] == pytest.approx(np.log10(J), rel=1e-5, abs=1e-5)


def test_the_frames_boundaries_in_one_pass_are_the_lines_of_each_step():
    """All frames' p = ½, 0.1 and 0.9 lines at once: each is w·x + b = logit p across the box, from the step's own
    weights. The run turns its weights from the confidently wrong start, so its lines are both steep and flat, and
    b moves away from 0."""
    from lib import experiment

    e = experiment.run(experiment.Settings(dataset="moons", lr=1.0, steps=50, balance=0.8, start="wrong"))
    steep = np.abs(e.traj.w[e.frames, 1]) >= np.abs(e.traj.w[e.frames, 0])
    assert steep.any() and not steep.all() and np.ptp(e.traj.b) > 1
    box = (-3.0, 4.0, -2.0, 5.0)
    lines = charts._frame_boundaries(e, e.frames, box, None)
    assert len(lines) == len(e.frames)
    for coords, t in zip(lines, e.frames, strict=True):
        assert all(isinstance(c, list) for c in coords)  # short lines: plain lists, None for a gap
        bx, by, cx, cy = (np.array([np.nan if v is None else v for v in c]) for c in coords)
        w, b = e.traj.w[t], e.traj.b[t]
        for xs, ys, level in ((bx, by, 0.0), (cx[:2], cy[:2], np.log(1 / 9)), (cx[3:], cy[3:], np.log(9))):
            np.testing.assert_allclose(w[0] * xs + w[1] * ys + b, level, atol=1e-9)
            on_edge = np.isclose(xs, box[0]) | np.isclose(xs, box[1]) | np.isclose(ys, box[2]) | np.isclose(ys, box[3])
            assert on_edge.all()
        assert coords[2][2] is None and coords[3][2] is None  # a gap between the two side lines


def test_a_short_line_is_a_plain_list_and_a_long_one_a_typed_array_with_the_same_numbers():
    short = charts._coords(np.array([0.5, np.nan, -2.25]))
    assert short == [0.5, None, -2.25]
    xs = np.linspace(-1, 1, 50)
    assert np.allclose(decode(charts._coords(xs)), xs.astype(np.float32))


@pytest.mark.parametrize("show", [0, 7, None])
def test_the_figure_opens_on_the_frame_shown_its_slider_and_markers_there(show):
    """``show`` (the page's frame box) picks where the animation opens: the step slider's active position and the
    static "now" markers are that frame's step, read back from the run's own trajectory; no show opens on the
    last frame."""
    from lib import experiment

    e = experiment.run(experiment.Settings(n=60, steps=50))
    spec = charts.gradient_descent_figure(e, show=show).to_dict()
    index = len(e.frames) - 1 if show is None else show
    t = int(e.frames[index])
    assert spec["layout"]["sliders"][0]["active"] == index
    now = spec["data"][4]  # the path's "now" marker on the landscape
    assert now["x"] == [pytest.approx(e.traj.w[t, 0])] and now["y"] == [pytest.approx(e.traj.w[t, 1])]


def test_the_class_answers_are_categories_and_the_right_one_is_named_even_when_nobody_gave_it():
    # numeric answers as labels: plotly would place "0.5" and "4.61" on a number line without type "category"
    bars = [("0.5", 3, False), ("4.61", 0, True), ("2", 1, False)]
    before = charts.answers_figure(bars, revealed=False).to_dict()
    after = charts.answers_figure(bars, revealed=True).to_dict()
    assert before["layout"]["yaxis"]["type"] == "category" and before["layout"]["xaxis"]["tickformat"] == "d"
    assert not any("✓" in label for label in before["data"][0]["y"])  # nothing given away before the reveal
    assert "4.61 ✓" in after["data"][0]["y"]
