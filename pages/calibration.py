"""Honest probabilities: log loss is a proper scoring rule; calibration, temperature scaling and thresholds."""
import math
from dataclasses import asdict
from types import SimpleNamespace

import numpy as np
import streamlit as st

import ui
from lib import charts, claims, datasets, experiment, loss, scoring
from lib.charts import BLUE, GREEN, GREY, ORANGE, PURPLE, VERMILLION

page = ui.Page("Honest probabilities", "Notice that log loss is lowest exactly when you report the probability you "
               "believe — while accuracy does not care what probability you give, only which side of ½ it is on.")

# ------------------------------------------------------------------------------------------ be the forecaster
st.header("1. Be the forecaster", anchor=False)


RULE_STYLE = {"log": VERMILLION, "brier": BLUE, "absolute": GREEN, "zero_one": PURPLE}


@ui.cached(max_entries=1024)
def _forecast_figure(target: float, reveal: bool, what: str, r: float, dark: bool) -> charts.EncodedFigure:
    """The forecaster's chart: each rule's score against the report for the truth ``target`` (q, or k/n of the
    tosses), and the report r — themed and encoded once, so a full rerun of the page (the model's L2, further down)
    shows it again without building it."""
    grid = np.linspace(0.0, 1.0, 401)
    curves = [(scoring.RULE_NAMES[rule], scoring.expected_score(target, grid, rule), {"color": RULE_STYLE[rule]})
              for rule in scoring.RULES]
    # a short axis title (a long one is cut), what is scored said by the legend's title; the ranges leave room for
    # the "you" marker at r = 0 or 1
    spec = charts.lines_figure(
        grid, curves, x_title="your report r", y_title="score (lower is better)", y_range=[0, 1.75],
        x_range=[-0.03, 1.03], hover_x="r", vlines=[(target, "q" if reveal else "k/n")],
        points=[(r, min(float(scoring.expected_score(target, r, "log")), 1.6), "you", ORANGE)]).to_dict()
    spec["layout"]["legend"]["title"] = {"text": f"{what}:"}
    return charts.EncodedFigure(charts.for_theme(spec, dark))


@ui.section
def forecaster_section() -> None:
    """Be the forecaster: a hidden coin, a report, four scoring rules."""
    st.caption("A coin with a hidden bias q is tossed. Report your probability r of heads; the tosses are scored by "
               "each rule. Which report scores best on average?")
    area, controls = page.chart_and_controls(stacked=True)
    with controls, page.controls("Your forecast"):
        row = page.row()
        coin = page.number("Coin number", "coin_no", 0, 999, 0, step=1, container=row,
                           help="Each number is a coin with its own hidden bias.")
        r = page.slider("Your report r", "report", 0.0, 1.0, 0.5, step=0.01, container=row)
        n = page.choice_slider("Tosses revealed", "revealed", [0, 1, 5, 10, 20, 50, 100, 200, 500], 20,
                                 container=row)
        reveal = page.toggle("Reveal the bias q", "reveal", container=row)
    q = round(float(np.random.default_rng([int(coin), 11]).uniform(0.05, 0.95)), 2)
    tosses = datasets.coin_tosses(q, n, seed=int(coin)) if n else np.zeros(0)
    k = int(tosses.sum())
    if n:
        freq = k / n
        scores = {rule: float(scoring.expected_score(freq, r, rule)) for rule in scoring.RULES}  # mean over the tosses
        area.markdown(f"Tosses: {ui.code_span(''.join('H' if t else 'T' for t in tosses[:60]), 80)}"
                      f"{'…' if n > 60 else ''} — **{claims.tosses(k, n)}**.")
    target = q if reveal else (k / n if n else None)
    with area:
        if target is not None:
            what = f"expected score when the bias is q = {q:g}" if reveal else f"mean score on these {n} tosses"
            page.chart(charts.FigureSpec(_forecast_figure(float(target), bool(reveal), what, float(r), page.dark)),
                       key="forecast", alt=claims.forecast_alt(what, float(target)), themed=True)
        else:
            st.info("Reveal some tosses (or the bias) to see how each rule scores your report.",
                    icon=":material/casino:")
        if n:  # the numbers under the chart (the chart must be on the first screen of a phone or a projector)
            numbers = page.row()
            for rule in scoring.RULES:
                numbers.metric(f"Mean {scoring.RULE_NAMES[rule]} on these {n} tosses", ui.fmt(scores[rule]))
    if target is not None:
        best_log = float(scoring.expected_score(target, target, "log"))
        mine = float(scoring.expected_score(target, r, "log"))
        page.latex(rf"\bar L(r) = -{target:.3g}\log r - {1 - target:.3g}\log(1-r)",
                   rf"\bar L({r:g}) = {ui.tex_num(mine)} \ \ge\ \bar L({target:.3g}) = {ui.tex_num(best_log)}")
        st.markdown(claims.forecast_gap(float(r), float(target), mine, best_log,
                                        "the true bias" if reveal else "the observed frequency"))
    st.caption("A scoring rule is *proper* when its expected score is best at the truth: log loss and the Brier "
               "score are; absolute error is not (it pays to exaggerate towards 0 or 1); the 0-1 loss only sees the "
               "side of ½.")


forecaster_section()

# ------------------------------------------------------------------------------------------ calibration
st.header("2. Is the model's 0.9 really 90%?", anchor=False)
with page.controls("The model"):
    row = page.row()
    name = page.select("Dataset", "cal_data", datasets.DATASETS, "moons", container=row)
    n_points = page.choice_slider("Points (half held out)", "cal_n", [60, 100, 200, 400], 60, container=row)
    l2 = page.choice_slider("L2 strength λ", "cal_l2", [0.0, 0.001, 0.01, 0.1], 0.0, container=row)
    bins = page.choice_slider("Bins", "cal_bins", [5, 10], 5, container=row)
settings = experiment.Settings(dataset=name, n=int(n_points), noise=0.3, features=True, l2=float(l2), steps=1000,
                               lr=1.0, test_fraction=0.5)
TEMPS = np.geomspace(0.2, 10.0, 121)      # the temperature chart's grid
THRESHOLDS = np.linspace(0.05, 0.95, 19)   # the threshold chart's grid


@ui.cached(max_entries=256)
def _model(key: str, _fields: dict, bins: int) -> SimpleNamespace:
    """What the page shows of one trained model that no section's control changes, once per model and bins —
    shared by every session (a class on one link), so a section's rerun or another student's visit reuses it
    (``key``: the settings' repr, every field exactly)."""
    e = ui.run_experiment(key, _fields)
    w, b = e.traj.w[-1], float(e.traj.b[-1])
    m = SimpleNamespace(e=e, z_train=e.F_train @ w + b, z_test=e.F_test @ w + b)
    m.p_train, m.p_test = loss.sigmoid(m.z_train), loss.sigmoid(m.z_test)
    m.rel_train = scoring.reliability_curve(e.y_train, m.p_train, bins)
    m.rel_test = scoring.reliability_curve(e.y_test, m.p_test, bins)
    m.total = float(loss.bce(e.y_test, m.p_test))
    m.train_loss = float(loss.bce(e.y_train, m.p_train))
    m.best_T = scoring.fit_temperature(e.y_test, m.z_test)
    m.loss_at_best_T = scoring.recalibrated_loss(e.y_test, m.z_test, m.best_T)  # its limit at T = 0 or ∞
    m.calibration = max(m.total - m.loss_at_best_T, 0.0)  # T = 1 is a candidate: never negative but for rounding
    m.losses_T = loss.logit_loss_kernel(e.y_test[:, None], m.z_test[:, None] / TEMPS[None, :], 1.0).mean(axis=0)
    m.counts = [scoring.threshold_counts(e.y_test, m.p_test, t) for t in THRESHOLDS]
    return m


fields, run_key = asdict(settings), repr(settings)
model = _model(run_key, fields, int(bins))
e, rel_train, rel_test, train_loss = model.e, model.rel_train, model.rel_test, model.train_loss
left, right = st.columns([2, 1], gap="large")
with left:
    page.chart(charts.reliability_figure([("training points", rel_train, BLUE, "circle"),
                                          ("held-out points", rel_test, VERMILLION, "diamond")]),
               key="reliability", alt=f"a reliability diagram with {bins} bins: observed frequency against predicted "
               f"probability for training and held-out points; held-out log loss {claims.num(model.total)} nats, of "
               f"which the best temperature saves {claims.num(model.calibration)}.")
with right:
    st.metric("Log loss, training points", f"{ui.fmt(train_loss)} nats")
    st.metric("Log loss, held-out points", f"{ui.fmt(model.total)} nats")
    st.metric("…of which calibration", f"{ui.fmt(model.calibration)} nats",
              help="What the best temperature T saves on the held-out points: L(T = 1) − L(best T), never negative.")
    st.metric("…left after recalibrating", f"{ui.fmt(model.loss_at_best_T)} nats",
              help="The held-out log loss at the best temperature: what no rescaling of the logits removes.")
page.latex(r"\text{log loss} = \underbrace{L(1) - L(T^\ast)}_{\text{calibration}}"
           r" + \underbrace{L(T^\ast)}_{\text{left after recalibrating}}",
           rf"{ui.tex_num(model.total)} = {ui.tex_num(model.calibration)} + {ui.tex_num(model.loss_at_best_T)}",
           stack=True)
st.markdown(claims.calibration_cost(model.total, model.loss_at_best_T, model.best_T, len(e.y_test))
            + (claims.largest_miss(rel_test.mean_p, rel_test.frac_pos, rel_test.counts) or "")
            + (claims.train_vs_held_out(train_loss, model.total) or ""))

# ------------------------------------------------------------------------------------------ temperature
st.header("3. Temperature scaling", anchor=False)


@ui.section
def temperature_section(key: str, fields: dict, bins: int) -> None:
    """Temperature scaling of the held-out logits (the model comes from section 2, a full rerun)."""
    m = _model(key, fields, bins)
    y_test, z_test, best_T, Ts, losses_T = m.e.y_test, m.z_test, m.best_T, TEMPS, m.losses_T
    T = page.choice_slider("Temperature T (probabilities σ(z / T))", "temp",
                           [0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0], 1.0,
                           help="T > 1 softens over-confident probabilities towards ½; T < 1 sharpens them.")
    at_T = float(loss.bce_with_logits(y_test, z_test / T))
    t1, t2 = st.columns([2, 1], gap="large")
    with t1:
        marks = [(T, at_T, f"T = {T:g}", ORANGE)]
        if math.isfinite(best_T) and 0.2 <= best_T <= 10:
            marks.append((best_T, m.loss_at_best_T, "best T", GREY))
        page.chart(charts.lines_figure(Ts, [("held-out log loss", losses_T, {"color": VERMILLION})],
                                       x_title="temperature T", y_title="log loss (nats)", log_x=True, points=marks,
                                       hover_x="T", height=300),
                   key="temperature", alt=claims.temperature_alt(T, at_T, best_T))
    with t2:
        st.metric(f"Held-out log loss at T = {T:g}", f"{ui.fmt(at_T)} nats")
        st.metric("Best T on the held-out points", ui.fmt(best_T, 3),
                  help="0 or ∞ when no finite temperature is best (logits that separate the points, or no better "
                       "than chance).")
        st.metric("Calibration cost at this T", f"{ui.fmt(max(at_T - m.loss_at_best_T, 0.0))} nats",
                  help="The held-out log loss at this T minus its lowest, at the best T (section 2's calibration "
                       "part is this at T = 1).")
    st.caption("Temperature scaling divides every logit by one number T: the order of the predictions — and so the "
               "accuracy at ½ — does not change, only how confident they are. T is fitted on held-out points.")


temperature_section(run_key, fields, int(bins))

# ------------------------------------------------------------------------------------------ threshold
st.header("4. The threshold moves accuracy, not log loss", anchor=False)


@ui.section
def threshold_section(key: str, fields: dict, bins: int) -> None:
    """Accuracy, precision and recall move with the threshold; the log loss does not."""
    m = _model(key, fields, bins)
    y_test, p_test, total, ts, counts = m.e.y_test, m.p_test, m.total, THRESHOLDS, m.counts
    thr = page.slider("Decision threshold t (call class 1 when p ≥ t)", "thr", 0.05, 0.95, 0.5, step=0.05)
    c = scoring.threshold_counts(y_test, p_test, thr)
    h1, h2 = st.columns([1, 1], gap="large")
    with h1:
        numbers = page.row()
        numbers.metric("Accuracy", f"{100 * c.accuracy:.1f}%")
        numbers.metric("Log loss (any t)", f"{ui.fmt(total)} nats")
        numbers.metric("Precision", "—" if math.isnan(c.precision) else f"{100 * c.precision:.1f}%")
        numbers.metric("Recall", "—" if math.isnan(c.recall) else f"{100 * c.recall:.1f}%")
        ui.table([f"at t = {thr:g}", "called 1", "called 0"],
                 [["truly 1", str(c.tp), str(c.fn)], ["truly 0", str(c.fp), str(c.tn)]])
    with h2:
        page.chart(charts.lines_figure(
            ts, [("accuracy", [x.accuracy for x in counts], {"color": BLUE}),
                 ("precision", [x.precision for x in counts], {"color": GREEN}),
                 ("recall", [x.recall for x in counts], {"color": PURPLE}),
                 ("log loss (nats)", [total] * len(ts), {"color": VERMILLION})],
            x_title="threshold t", y_title="rate, or nats", x_range=[0, 1], vlines=[(thr, "t")], hover_x="t",
            height=300), key="threshold",
            alt=f"accuracy, precision and recall of the held-out points against the threshold, and the log loss "
                f"{total:.3f}, flat: at t = {thr:g} accuracy is {100 * c.accuracy:.1f}%.")
    st.caption("Log loss scores the probabilities themselves, before any threshold; accuracy, precision and recall "
               "score the decisions made from them.")


threshold_section(run_key, fields, int(bins))

page.done()
