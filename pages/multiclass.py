"""Many classes: softmax, categorical cross-entropy, its gradient, and why K = 2 is exactly BCE."""
import math

import numpy as np
import pandas as pd
import streamlit as st

import ui
from lib import charts, claims, loss
from lib.charts import BLUE, GREEN, VERMILLION

page = ui.Page("Many classes", "Notice that only the true class's probability enters the loss — and that with two "
               "classes softmax cross-entropy is exactly BCE.")

DEFAULT_Z = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5)
st.header("Softmax and the cross-entropy of one sample", anchor=False)
charts_col, controls = page.chart_and_controls()
# on a phone the columns stack: the gradient chart waits under the controls, so the logit sliders sit right under
# the probabilities they move
grads_col = st.container() if page.phone else charts_col
with controls:
    K = page.slider("Number of classes K", "k", 2, 6, 3)
    scale = page.choice_slider("Scale the logits by", "scale", [1, 10, 100], 1,
                               help="×100 makes logits up to ±1000: naive exp overflows, the exact form does not.")
    z = np.array([page.slider(f"Logit z{j}", f"z{j}", -10.0, 10.0, DEFAULT_Z[j], step=0.1) for j in range(K)]) * scale
    target = page.select("Target", "target", {"onehot": "one-hot", "soft": "smoothed"}, "onehot", kind="segmented")
    # the slider offers only the classes there are (0 … K − 1): a link's class beyond them is reset with the
    # standard notice, and a class left over from a larger K is moved to the last class before the slider is drawn
    if st.session_state.get("true", 0) > K - 1:  # set before the slider: Streamlit refuses a value above max
        st.session_state["true"] = K - 1
    true = page.slider("True class", "true", 0, K - 1, 0, help=f"Classes are numbered 0 … {K - 1}.")
    eps = page.slider("Smoothing ε", "eps", 0.0, 0.5, 0.1, step=0.01) if target == "soft" else 0.0

y = np.full(K, eps / K)
y[true] += 1.0 - eps
p = loss.softmax(z)[0]
neg_log_p = loss.softmax_cross_entropy(np.eye(K), np.tile(z, (K, 1)), reduction="none")  # −log pⱼ, never −log 0
ce = float(loss.softmax_cross_entropy(y, z))
grad = p - y
classes = [f"class {j}" for j in range(K)]
with charts_col:
    numbers = page.row()
    numbers.metric("Cross-entropy (nats)", ui.fmt(ce))
    numbers.metric(f"p of the true class {true}", claims.probability_from_log(neg_log_p[true], 6))
    page.chart(charts.bars_figure(
        classes, [("softmax probability p", p, BLUE, ""), ("target y", y, VERMILLION, "/")],
        y_title="probability", y_range=[0, 1.1], height=300), key="class_probs",
        alt=claims.softmax_alts(neg_log_p, y)[0])
with grads_col:
    page.chart(charts.bars_figure(
        classes, [("gradient ∂L/∂z = p − y", grad, GREEN, "")], y_title="∂L/∂zⱼ", y_range=[-1.05, 1.05],
        height=260, legend=True), key="class_grads",
        alt=claims.softmax_alts(neg_log_p, y)[1])

terms = " + ".join([rf"{y[j]:.3g}\log {claims.probability_from_log(neg_log_p[j], 3, tex=True)}" for j in range(K)
                    if y[j] > 0][:4])
more = r" + \dots" if (y > 0).sum() > 4 else ""
page.latex(r"L = -\sum_j y_j \log p_j", rf"= -\bigl({terms}{more}\bigr) = {ui.tex_num(ce)}\ \text{{nats}}")
page.latex(r"p_j = \mathrm{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}",
           r"\frac{\partial L}{\partial z_j} = p_j - y_j")
st.caption(claims.softmax_gradient(y, p))

with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    naive = float(-np.sum(y * np.log(np.exp(z) / np.sum(np.exp(z)))))
if not math.isclose(naive, ce, rel_tol=1e-9):  # no absolute tolerance: 0 for 3.7e−44 loses every digit
    st.warning(f"The textbook formula −Σ y log(eᶻ/Σeᶻ) evaluated naively in floating point gives "
               f"**{ui.fmt(naive) if math.isfinite(naive) else 'nan' if math.isnan(naive) else '∞'}** here "
               f"({claims.naive_softmax_failure(z)}); the exact value is {claims.exact_value(ce)}. This app "
               "subtracts the largest logit and adds the parts without cancelling.")

st.header("Two classes: softmax cross-entropy is BCE", anchor=False)
if K == 2:
    d = float(z[1] - z[0])
    b = float(loss.bce_with_logits(y[1], d))
    numbers = page.row()
    numbers.metric("Softmax cross-entropy of (z₀, z₁)", ui.fmt(ce, 10))
    numbers.metric("BCE with logit z₁ − z₀", ui.fmt(b, 10))
    page.latex(r"\mathrm{softmax}(z_0, z_1)_1 = \frac{e^{z_1}}{e^{z_0} + e^{z_1}}",
               rf"= \sigma(z_1 - z_0) = \sigma({ui.tex_num(d)})")
    st.caption("Only the difference of the two logits matters, so a binary classifier needs one logit, and its "
               "cross-entropy is BCE with that logit.")
else:
    st.info("Set K = 2 to compare softmax cross-entropy with BCE side by side.", icon=":material/swap_horiz:")

st.header("A batch: the mean over samples", anchor=False)
rng_logits = np.array([[3.0, 0.5, -1.0], [0.2, 2.5, 0.1], [1.0, 1.2, 0.8], [-2.0, 0.0, 4.0], [2.0, -1.0, -3.0]])
batch_true = np.array([0, 1, 2, 0, 0])
Y = np.eye(3)[batch_true]
per = loss.softmax_cross_entropy(Y, rng_logits, reduction="none")
P = loss.softmax(rng_logits)
frame = pd.DataFrame({"true class": batch_true, "loss −log p": per,  # the key columns first (cut on a phone)
                      "p of the true class": P[np.arange(5), batch_true],
                      "logits (z₀, z₁, z₂)": [", ".join(f"{v:g}" for v in row) for row in rng_logits]})
st.dataframe(frame, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.4g")
                                                    for c in ("p of the true class", "loss −log p")})
mean = float(loss.softmax_cross_entropy(Y, rng_logits))
page.latex(r"\bar L = -\frac{1}{5}\sum_i \log p_{i,\,y_i}",
           r"= \frac{1}{5}\bigl(" + " + ".join(f"{v:.3g}" for v in per[:3]),
           "+ " + " + ".join(f"{v:.3g}" for v in per[3:]) + rf"\bigr) = {ui.tex_num(mean)}\ \text{{nats}}")
st.caption("Sample 4 is a confident mistake (it put its weight on class 2): as in the binary case, it alone "
           "dominates the mean.")

page.done()
