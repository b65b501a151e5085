"""Where the loss comes from: coin tosses → likelihood → log-likelihood → BCE; entropy and KL divergence."""
import math

import numpy as np
import streamlit as st

import ui
from lib import charts, claims, datasets, loss
from lib.charts import BLUE, GREEN, GREY, ORANGE, VERMILLION

page = ui.Page("Where the loss comes from", "Notice that BCE is not an arbitrary choice: it is the negative log of "
               "the probability the model gives to the data — and its best constant guess is the sample mean.")

# ------------------------------------------------------------------------------------------ the interactive
st.header("Toss coins and find the best p", anchor=False)


def _toss_again():
    st.session_state["toss"] = int(st.session_state.get("toss", 0)) % 9999 + 1


area, controls = page.chart_and_controls(stacked=True)
with controls, page.controls("The coin and its tosses"):
    row = page.row()
    bias = page.slider("Hidden bias of the coin", "bias", 0.05, 0.95, 0.7, step=0.05, container=row)
    n = page.choice_slider("Number of tosses n", "tosses", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], 50,
                           container=row)
    toss = page.number("Toss number (seed)", "toss", 0, 9999, 0, step=1, fmt_str="%d", container=row)
    page.button_for("toss", "Toss again", _toss_again, icon=":material/casino:", container=row)

y = datasets.coin_tosses(bias, n, seed=toss)
k = int(y.sum())
mle = k / n
shown = "".join("H" if v else "T" for v in y[:60]) + ("…" if n > 60 else "")
area.markdown(f"Tosses: {ui.code_span(shown, 80)} — **{claims.tosses(k, n)}**.")

grid = np.linspace(0.001, 0.999, 999)
mean_nll = loss.bce(np.full_like(grid, mle), grid, reduction="none")  # −(1/n) log L(p) = BCE(k/n, p)
# L(p) / L(k/n) = exp(n·(H(k/n) − BCE(k/n, p))): divided by the true maximum, at the edge p = 0 or 1 for all tails
# or all heads (the drawn grid's own highest point is below it there: 0.999¹⁰⁰⁰ = 0.37 at p = 0.001); no underflow
relative = np.exp(n * (float(loss.bce(mle, mle)) - mean_nll))
search = np.linspace(0.0, 1.0, 1001)                                  # the numerical maximum's grid holds 0 and 1
best = float(search[np.argmin(loss.bce(np.full_like(search, mle), search, reduction="none"))])
left, right = area.columns(2)
with left:
    page.chart(charts.lines_figure(
        grid, [("likelihood L(p) / its maximum", relative, {"color": VERMILLION})], x_title="p",
        y_title="relative likelihood", y_range=[0, 1.3], x_range=[0, 1],
        vlines=[(bias, "hidden bias")], points=[(mle, 1.0, f"max at k/n = {mle:.3g}", ORANGE)]), key="likelihood",
        alt=claims.likelihood_alt(k, n, bias))
with right:
    page.chart(charts.lines_figure(
        grid, [("mean log-likelihood = −BCE(k/n, p)", -mean_nll, {"color": BLUE})], x_title="p",
        y_title="(1/n) log L(p)  (nats)", y_range=[-3, 0.4], x_range=[0, 1],
        vlines=[(bias, "hidden bias")],
        points=[(mle, float(-loss.bce(mle, mle)), f"max at {mle:.3g}", ORANGE)]), key="loglik",
        alt=claims.log_likelihood_alt(k, n, float(-loss.bce(mle, mle))))
numbers = page.row()
numbers.metric("Sample mean k/n", f"{mle:.4g}")
numbers.metric("Numerical maximum of the likelihood", f"{best:.4g}",
          help="The highest point of the likelihood on a grid of p from 0 to 1 in steps of 0.001.")
numbers.metric("BCE of predicting k/n for every toss", f"{ui.fmt(loss.bce(y, np.full(n, mle)))} nats")
st.latex(rf"\hat p = \arg\max_p \mathcal{{L}}(p) = \frac{{k}}{{n}} = \frac{{{k}}}{{{n}}} = {mle:.4g}")
st.caption(claims.sample_mean_is_best(k, n) + " With more tosses the likelihood narrows around the hidden bias — "
           "the data pins p down.")

# ------------------------------------------------------------------------------------------ the derivation
st.header("From a coin toss to BCE, step by step", anchor=False)
p_demo = page.slider("Bias p of the coin (probability of heads, y = 1)", "coin", 0.01, 0.99, 0.7, step=0.01)
st.markdown("**1. One toss.** A single formula gives the probability of either outcome:")
rest = f"{1 - p_demo:.6g}"  # 1 − p as the decimal it is (a link may carry 0.555: 1 − p = 0.445, never 0.44)
page.latex(r"P(y) = p^{y}(1-p)^{1-y}", rf"P(1) = {p_demo:g}^1\cdot {rest}^0 = {p_demo:g}",
           rf"P(0) = {p_demo:g}^0\cdot {rest}^1 = {rest}")
with st.container(border=True):
    st.markdown("**A common slip: ŷ^y·(1 − y)^(1 − ŷ).** Swapping ŷ and y in the second factor (seen in forums and "
                "slides) gives a formula that is no probability of the outcome at all:")
    slip_one, slip_zero = p_demo ** 1 * 0.0 ** (1 - p_demo), p_demo ** 0 * 1.0 ** (1 - p_demo)
    page.latex(r"\text{right: } \hat y^{y}(1-\hat y)^{1-y}", rf"P(1) = {p_demo:g},\ P(0) = {rest}")
    page.latex(r"\text{slip: } \hat y^{y}(1-y)^{1-\hat y}",
               rf"y = 1 \to {p_demo:g}\cdot 0^{{{rest}}} = {slip_one:g}",
               rf"y = 0 \to {p_demo:g}^0\cdot 1^{{{rest}}} = {slip_zero:g}")
    st.markdown(f"Whatever the prediction ŷ = {p_demo:g}, the slip says heads is impossible and tails certain; its "
                "log, y·log ŷ + (1 − ŷ)·log(1 − y), is −∞ for every head. The exponents belong to the outcome y; "
                "the bases are the model's two probabilities ŷ and 1 − ŷ.")
st.markdown("**2. n independent tosses.** The probability of the whole sequence — the *likelihood* of p — is the "
            "product:")
st.latex(r"\mathcal{L}(p) = \prod_{i=1}^{n} p^{y_i}(1-p)^{1-y_i}")
st.markdown("**3. Take the log.** The product becomes a sum; maximizing it is minimizing its negative mean — "
            "which is exactly binary cross-entropy:")
page.latex(r"-\frac{1}{n}\log\mathcal{L}(p)",
           r"= -\frac{1}{n}\sum_{i=1}^{n}\bigl[y_i\log p + (1-y_i)\log(1-p)\bigr] = \mathrm{BCE}")
st.markdown("**4. Let p depend on the input.** Replace the one coin by a model that gives every sample its own "
            "probability, pᵢ = σ(w·xᵢ + b): the same loss is logistic regression's.")
page.latex(r"\mathrm{BCE}(w, b) = -\frac{1}{n}\sum_i\bigl[y_i\log\sigma(w\cdot x_i+b)",
           r"+ (1-y_i)\log(1-\sigma(w\cdot x_i+b))\bigr]")

# ------------------------------------------------------------------------------------------ information theory
st.header("Cross-entropy = entropy + KL divergence", anchor=False)
row = page.row()
q = page.slider("Target q (probability that y = 1)", "soft_target", 0.0, 1.0, 0.8, step=0.01, container=row)
p = page.slider("Prediction p", "pred", 0.01, 0.99, 0.6, step=0.01, container=row)
unit = page.select("Units", "unit", {"nats": "nats", "bits": "bits"}, "nats", kind="segmented", container=row)
scale = 1.0 if unit == "nats" else 1 / math.log(2)
H, KL, CE = (float(v) * scale for v in (loss.bernoulli_entropy(q), loss.bernoulli_kl(q, p), loss.bce(q, p)))
left, right = st.columns([1, 2])
with left:
    st.metric(f"Entropy H(q) ({unit})", ui.fmt(H))
    st.metric(f"KL divergence KL(q‖p) ({unit})", ui.fmt(KL))
    st.metric(f"Cross-entropy H(q, p) ({unit})", ui.fmt(CE))
with right:
    page.chart(charts.bars_figure(
        ["H(q, p)"], [("entropy H(q): the unavoidable part", [H], GREY, ""),
                      ("KL(q‖p): the price of predicting p instead of q", [KL], VERMILLION, "/")],
        barmode="stack", horizontal=True, x_title=f"{unit}", height=220), key="ce_split",
        alt=f"one bar of cross-entropy {ui.fmt(CE)} {unit}: entropy {ui.fmt(H)} plus KL divergence {ui.fmt(KL)}.")
    page.chart(charts.lines_figure(
        grid, [(f"H(q, p) for q = {q:g}", loss.bce(np.full_like(grid, q), grid, reduction="none") * scale,
                {"color": GREEN})], x_title="prediction p", y_title=f"cross-entropy ({unit})",
        y_range=[0, 3 * scale], x_range=[0, 1], height=260,
        points=[(q, H, "minimum H(q) at p = q", ORANGE)] if 0 < q < 1 else []), key="ce_curve",
        alt=claims.cross_entropy_curve_alt(q, H, unit))
page.latex(r"H(q, p) = H(q) + \mathrm{KL}(q\,\|\,p)",
           rf"{ui.tex_num(CE)} = {ui.tex_num(H)} + {ui.tex_num(KL)}\ \text{{{unit}}}")
st.markdown(
    "For a **hard label** (q = 0 or 1) the entropy is 0, so BCE *is* the KL divergence. For a **noisy label** — a "
    "target that is itself uncertain, like q = 0.8 — even the perfect prediction p = q pays H(q): no model can "
    "beat the entropy of its labels. The loss you can still remove is the KL part.")

st.header("Further reading", anchor=False)
st.markdown(
    "- C. E. Shannon, *A Mathematical Theory of Communication*, Bell System Technical Journal 27 (1948) — entropy "
    "and the cost of coding with the wrong distribution.\n"
    "- D. Jurafsky and J. H. Martin, *Speech and Language Processing*, 3rd ed., chapter 5 (Logistic Regression), "
    "section on the cross-entropy loss function.")

page.done()
