"""Confident mistakes: the asymmetric penalty, other losses side by side, symmetry, smoothing, frameworks, a quiz."""
import math

import numpy as np
import pandas as pd
import streamlit as st

import ui
from lib import charts, claims, loss
from lib.charts import BLUE, GREEN, ORANGE, VERMILLION

page = ui.Page("Confident mistakes", "Notice how unevenly BCE prices confidence: a confident hit can save at most "
               "log 2 ≈ 0.69 nats over a coin-flip guess, while a confident mistake costs without bound — and that "
               "steep price is what keeps BCE's gradient strong where it is needed.")


LADDER = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999]

# ------------------------------------------------------------------------------------------ the ladder
st.header("The penalty ladder", anchor=False)


@ui.section
def ladder_section() -> None:
    """The ladder: one confidence c, its hit and its mistake."""
    right, left = page.chart_and_controls()
    with left:
        c = page.choice_slider("Confidence c of the prediction", "c", LADDER, 0.99,
                               help="A hit predicts p = c for a true 1; a mistake predicts p = 1 − c for a true 1.")
        log_ladder = page.toggle("Log-scale loss axis", "ladder_log")
        hit, miss = float(loss.bce(1.0, c)), float(loss.bce(1.0, 1.0 - c))
        saved = math.log(2.0) - hit  # what the hit saves against predicting ½
        st.metric("Confident hit: −log c", f"{ui.fmt(hit)} nats")
        st.metric("Confident mistake: −log(1 − c)", f"{ui.fmt(miss)} nats")
        st.metric("Mistake's loss ÷ hit's loss", f"{ui.fmt(miss / hit, 3)} ×" if hit > 0 else "∞ ×")
        st.metric("Mistake's loss ÷ what the hit saves over p = ½",
                  f"{ui.fmt(miss / saved, 3)} ×" if saved > 0 else "—",
                  help="A hit saves log 2 − (−log c) nats against the coin-flip guess p = ½; at c = ½ nothing.")
    with right:
        cs = 1.0 - np.geomspace(0.5, 1e-5, 300)
        nines = -np.log10(1.0 - cs)
        top = 12.0
        fig = charts.lines_figure(
            nines, [("confident mistake: −log(1 − c)", loss.bce(1.0, 1.0 - cs, reduction="none"),
                     {"color": VERMILLION}),
                    ("confident hit: −log c", loss.bce(1.0, cs, reduction="none"), {"color": BLUE})],
            x_title="confidence c", y_title="loss (nats)" + (", log scale" if log_ladder else ""), log_y=log_ladder,
            y_range=[-6, math.log10(top)] if log_ladder else [0, top], hover_x="−log10(1 − c)",
            x_range=[0.2, 5.1],  # room at both ends, so the 0.5 and 0.99999 ticks are drawn
            # the markers unlabelled: a label sat on the steep curve; the numbers are in the metrics beside it
            points=[(-math.log10(1 - c), miss, "", VERMILLION), (-math.log10(1 - c), hit, "", BLUE)],
            tickvals=[-math.log10(0.5), 1, 2, 3, 4, 5], ticktext=["0.5", "0.9", "0.99", "0.999", "0.9999", "0.99999"])
        page.chart(fig, key="ladder", alt=f"the loss of a confident mistake −log(1 − c) rising without bound and "
                   f"of a confident hit −log c falling to 0 as the confidence c goes from 0.5 to 0.99999; at "
                   f"c = {c:g} they are {ui.fmt(miss)} and {ui.fmt(hit)} nats.")
    st.caption(claims.ladder(c, hit, miss, saved))
    st.caption("Each extra 9 of confidence adds log 10 ≈ 2.3 nats to the price of a mistake, without end, while the "
               "hit's cost was already almost 0. The model is rewarded a little for being sure and punished a lot for "
               "being sure and wrong.")
    with st.expander("The ladder as a table"):
        rungs = [(v, float(loss.bce(1.0, v)), float(loss.bce(1.0, 1 - v))) for v in LADDER]
        ui.table(["c", "hit −log c", "mistake −log(1−c)", "mistake / hit"],
                 [[f"{v:g}", ui.fmt(h), ui.fmt(m), ui.fmt(m / h)] for v, h, m in rungs], numeric_from=0)


ladder_section()


# ------------------------------------------------------------------------------------------ other losses
st.header("Side by side with other losses", anchor=False)


@ui.section
def other_losses_section() -> None:
    """BCE beside squared error, hinge, 0-1 and focal loss; one gradient step."""
    st.markdown("All for one sample with true label **y = 1**, against the model's logit z (p = σ(z)). Left of 0 the "
                "prediction is wrong; far left it is confidently wrong.")
    row = page.row()
    gamma = page.slider("Focal γ", "gamma", 0.0, 5.0, 2.0, step=0.5, container=row)
    use_alpha = page.toggle("Focal α weighting", "use_alpha", container=row)
    alpha = page.slider("Focal α", "alpha", 0.05, 0.95, 0.25, step=0.05, container=row) if use_alpha else None
    z = np.linspace(-6, 6, 241)
    ones = np.ones_like(z)
    p = loss.sigmoid(z)
    alpha_note = f", α = {alpha:g}" if alpha is not None else ""
    NAMES = {"bce": "BCE", "brier": "squared error (p − y)²", "hinge": "hinge max(0, 1 − z)", "zero_one": "0-1 loss",
             "focal": f"focal (γ = {gamma:g}{alpha_note})"}
    values = {"bce": loss.bce_with_logits(ones, z, reduction="none"), "brier": loss.brier(ones, p, reduction="none"),
              "hinge": loss.hinge(ones, z, reduction="none"), "zero_one": loss.zero_one(ones, p, reduction="none"),
              "focal": loss.focal_loss(ones, z, gamma=gamma, alpha=alpha, reduction="none")}
    grads = {k: loss.comparison_grad_logit(ones, z, k, gamma=gamma, alpha=alpha) for k in NAMES}
    v_col, g_col = st.columns(2)
    with v_col:
        page.chart(charts.lines_figure(z, [(NAMES[k], values[k], i) for i, k in enumerate(NAMES)],
                                            x_title="logit z (y = 1)", y_title="loss", y_range=[0, 6], hover_x="z"),
                   key="compare_values", alt=f"five losses of a true 1 against the logit z from −6 to 6; at z = −6 BCE "
                   f"is {ui.fmt(values['bce'][0])}, squared error {ui.fmt(values['brier'][0])}, hinge "
                   f"{ui.fmt(values['hinge'][0])}, 0-1 loss {ui.fmt(values['zero_one'][0])}.")
    with g_col:
        page.chart(charts.lines_figure(z, [(NAMES[k], grads[k], i) for i, k in enumerate(NAMES)],
                                            x_title="logit z (y = 1)", y_title="gradient ∂L/∂z", y_range=[-1.35, 0.1],
                                            hover_x="z"), key="compare_grads",
                   alt=f"the gradients ∂L/∂z of the five losses against z; at z = −6 BCE's is "
                   f"{ui.fmt(grads['bce'][0])} while squared error's is {ui.fmt(grads['brier'][0])}.")
    st.caption("Squared error through a sigmoid has a gradient 2(p − 1)·p(1 − p) that **vanishes exactly on "
               "confident mistakes** (far left): the model hardly learns from its worst errors. BCE's gradient "
               "p − 1 stays near −1 there — the real reason BCE trains better. The 0-1 loss has no gradient at all.")

    st.subheader("One gradient step on one confidently wrong sample", anchor=False)
    row = page.row()
    z0 = page.slider("Start: logit z", "start_z", -8.0, 0.0, -4.0, step=0.5, container=row)
    lr = page.slider("Learning rate", "step_lr", 0.1, 5.0, 1.0, step=0.1, container=row)
    p0 = float(loss.sigmoid(z0))
    rows = []
    for k in NAMES:
        g = float(loss.comparison_grad_logit(1.0, z0, k, gamma=gamma, alpha=alpha))
        p1 = float(loss.sigmoid(z0 - lr * g))
        rows.append((NAMES[k], g, z0 - lr * g, p1, p1 - p0))
    ui.table(["loss", "gradient ∂L/∂z", "new z", "new p", "p moved by"],
             [[name, *(ui.fmt(x) for x in numbers)] for name, *numbers in rows])
    st.caption(f"The sample starts at p = σ({z0:g}) = {ui.fmt(p0)} for a true 1. One step z ← z − lr·∂L/∂z.")


other_losses_section()


# ------------------------------------------------------------------------------------------ symmetry
st.header("Symmetric — until you weight it", anchor=False)


@ui.section
def symmetry_section() -> None:
    """pos_weight breaks BCE's mirror symmetry."""
    st.markdown("BCE does **not** punish a wrong positive more than a wrong negative: L(1, p) = L(0, 1 − p), so the "
                "two curves are mirror images about p = ½. A class weight `pos_weight` is what breaks the mirror.")
    w_col, chart_col = st.columns([1, 2], gap="large")
    with w_col:
        w = page.choice_slider("pos_weight (multiplies the y = 1 term)", "pos_weight", [0.25, 0.5, 1.0, 2.0, 4.0, 8.0],
                               1.0)
        st.metric("L(y = 1, p = 0.1)", ui.fmt(loss.bce_with_logits(1.0, float(loss.logit(0.1)), pos_weight=w)))
        st.metric("L(y = 0, p = 0.9)", ui.fmt(loss.bce_with_logits(0.0, float(loss.logit(0.9)), pos_weight=w)))
        st.caption("Use pos_weight ≈ (number of negatives)/(number of positives) when positives are rare and missing "
                   "one is costly: it moves the decision boundary towards predicting more positives.")
    with chart_col:
        grid = charts.probability_grid(300)
        page.chart(charts.lines_figure(
            grid, [(f"L(y = 1, p) = −{w:g}·log p", w * loss.bce(1.0, grid, reduction="none"), {"color": VERMILLION}),
                   ("L(y = 0, p) = −log(1 − p)", loss.bce(0.0, grid, reduction="none"),
                    {"color": BLUE, "dash": "dash"})],
            x_title="predicted probability p", y_title="loss (nats)", y_range=[0, 6], x_range=[0, 1],
            vlines=[(0.5, "mirror")]), key="mirror",
            alt=f"L(y = 1, p) = −{w:g}·log p and L(y = 0, p) = −log(1 − p) against p; with pos_weight {w:g} they are "
                f"{'mirror images about p = ½' if w == 1 else 'no longer mirror images'}.")


symmetry_section()


# ------------------------------------------------------------------------------------------ label smoothing
st.header("Label smoothing", anchor=False)


@ui.section
def smoothing_section() -> None:
    """Label smoothing moves the minimum off p = 1."""
    e_col, chart_col = st.columns([1, 2], gap="large")
    with e_col:
        eps = page.slider("Smoothing ε", "smooth", 0.0, 0.4, 0.1, step=0.01)
        target = float(loss.smooth_labels(1.0, eps))
        st.metric("Smoothed target for y = 1", ui.fmt(target))
        st.metric("Lowest loss (at p = 1 − ε/2)", f"{ui.fmt(loss.bce(target, target))} nats")
        st.metric("Loss of a certain hit p = 1", f"{ui.fmt(loss.bce(target, 1.0))} nats")
    with chart_col:
        near_one = 1.0 - np.geomspace(0.5, 1e-6, 300)  # zoom on p in [0.5, 1], where the minimum moves
        page.chart(charts.lines_figure(
            near_one, [("hard target y = 1", loss.bce(1.0, near_one, reduction="none"), {"color": VERMILLION}),
                       (f"smoothed target {target:g}", loss.bce(target, near_one, reduction="none"), {"color": GREEN})],
            x_title="predicted probability p", y_title="loss (nats)", y_range=[0, 1.2], x_range=[0.5, 1.0],
            points=[(target, float(loss.bce(target, target)), f"minimum at p = {target:g}", ORANGE)]), key="smoothing",
            alt=claims.smoothing_alt(target, float(loss.bce(target, target))))
    st.caption(claims.smoothing(eps))


smoothing_section()


# ------------------------------------------------------------------------------------------ frameworks
st.header("What frameworks report at the extremes", anchor=False)
st.markdown("A true 1 predicted with p = 10⁻ᵏ. The exact loss is k·ln 10 and keeps growing; each framework's clamp "
            "stops it somewhere. Their numbers are **clamps, not the loss**.")
ks = np.arange(1, 301)
ps = 10.0 ** -ks.astype(float)
FW = {"pytorch": "PyTorch BCELoss, float32 (log ≥ −100)", "keras": "Keras BinaryCrossentropy, float32 (p ≥ 1e−7)",
      "sklearn": "scikit-learn log_loss, float64 (p ≥ 2.2e−16)"}
exact = loss.bce(np.ones_like(ps), ps, reduction="none")
reported = {k: loss.framework_bce(np.ones_like(ps), ps, k, reduction="none") for k in FW}
page.chart(charts.lines_figure(
    ps, [("exact −log p", exact, {"color": charts.INK[ui.dark_theme()], "width": 4})]
    + [(FW[k], reported[k], i + 1) for i, k in enumerate(FW)],
    x_title="predicted probability p of the true class (log scale)", y_title="reported loss (nats)", log_x=True,
    hover_x="p"), key="frameworks",
    alt="the exact loss −log p of a true 1 growing without bound as p falls from 0.1 to 1e−300, and the values "
        "PyTorch, Keras and scikit-learn report, flat at their clamps of 100, 16.1 and 36.0 nats.")
show = [3, 7, 10, 16, 20, 50, 100, 300]
# short column titles, so every framework fits a phone's screen (the long ones in the tooltips); p pinned, so a
# sideways scroll keeps the row's name in view
SHORT = {"pytorch": "PyTorch", "keras": "Keras", "sklearn": "scikit-learn"}
table = pd.DataFrame({"p": [f"1e−{k}" for k in show], "exact": [ui.fmt(exact[k - 1]) for k in show]}
                     | {SHORT[k]: [ui.fmt(reported[k][j - 1]) for j in show] for k in FW})
st.dataframe(table, hide_index=True, column_config={"p": st.column_config.TextColumn(pinned=True)}
             | {SHORT[k]: st.column_config.TextColumn(help=FW[k]) for k in FW})
st.caption("Each column is that call on probabilities in its default dtype: PyTorch's and Keras's float32, "
           "scikit-learn's float64. Keras with the TensorFlow backend passes a sigmoid layer's logits to the loss, "
           "which is then exact — its clip applies only to bare probabilities.")

# ------------------------------------------------------------------------------------------ predict, then reveal
st.header("Predict, then reveal", anchor=False)


@ui.section
def quiz_section() -> None:
    """Predict, then reveal."""
    QUESTIONS = {
        "Q1": ("A true 1 predicted at p = 0.6 (a hesitant hit) or at p = 0.4 (a hesitant miss)?",
               ("A: p = 0.6", float(loss.bce(1.0, 0.6))), ("B: p = 0.4", float(loss.bce(1.0, 0.4)))),
        "Q2": ("One true 1 predicted at p = 0.0001, or ten true 1s each predicted at p = 0.5 (total loss)?",
               ("A: one at 0.0001", float(loss.bce(1.0, 0.0001))),
               ("B: ten at 0.5", float(loss.bce(np.ones(10), np.full(10, 0.5), reduction="sum")))),
        "Q3": ("A true 0 predicted at p = 0.9, or a true 1 predicted at p = 0.1?",
               ("A: y = 0, p = 0.9", float(loss.bce(0.0, 0.9))), ("B: y = 1, p = 0.1", float(loss.bce(1.0, 0.1)))),
    }
    WHY = {
        "Q1": "Near p = ½ both are priced gently: the hesitant miss costs {ratio}× the hesitant hit, not hundreds.",
        "Q2": "One confident mistake costs {ratio}× as much as ten coin-flip guesses together.",
        "Q3": "BCE is symmetric: L(0, 0.9) = L(1, 0.1). Neither class is punished more.",
    }
    q = page.select("Question", "quiz", {k: k for k in QUESTIONS}, "Q1", kind="segmented")
    text, (a_label, a_val), (b_label, b_val) = QUESTIONS[q]
    st.markdown(f"**Which costs more?** {text}")
    same = math.isclose(a_val, b_val, rel_tol=1e-9)
    options = [a_label, b_label, "They cost the same"]
    guess = page.answer("Your answer", f"answer_{q}", options)
    if guess is None:
        st.caption("Pick an answer to reveal the numbers.")
    else:
        right = options[2] if same else (a_label if a_val > b_val else b_label)
        why = WHY[q].format(ratio=ui.fmt(max(a_val, b_val) / min(a_val, b_val), 3))
        (st.success if guess == right else st.error)(
            f"{'Right' if guess == right else 'Not quite'} — {a_label}: {ui.fmt(a_val)} nats; "
            f"{b_label}: {ui.fmt(b_val)} nats. {why}")


quiz_section()


page.done()
