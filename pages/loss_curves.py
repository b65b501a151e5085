"""Loss explorer: one sample's two terms of BCE, its gradients, and the mean over a table of samples."""
import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

import ui
from lib import charts, claims, loss, tables

page = ui.Page("Loss explorer", "Notice that only one term counts for a hard label, and that it grows without bound "
               "as the prediction moves to the wrong edge.")

BATCH_UNIT = "_loss_explorer_batch_unit"  # the units the batch section was last drawn in

# ------------------------------------------------------------------------------------------ one sample
st.header("One sample", anchor=False)


class Sample(NamedTuple):
    """One sample as the controls set it, and its loss in the chosen units."""
    y: float
    p: float
    rest: float        # 1 − p, computed without cancelling where p comes from a logit
    unit: str
    log_y: bool

    @property
    def scale(self) -> float:
        return 1.0 if self.unit == "nats" else 1.0 / math.log(2.0)

    @property
    def terms(self) -> tuple[float, float]:
        """The positive and negative terms, −y·log p and −(1−y)·log(1−p), in the chosen units."""
        positive, negative = loss.bce_terms(self.y, self.p)
        return float(positive) * self.scale, float(negative) * self.scale


def _sample_controls() -> Sample:
    """The label, the prediction (as p or as a logit), the units and the loss axis."""
    label = page.select("True label", "label", {"0": "y = 0", "1": "y = 1", "soft": "soft y"}, "1",
                        kind="segmented", help="A soft label is a target between 0 and 1, e.g. from label smoothing.")
    y = float(label) if label != "soft" else page.slider("Soft label y", "ys", 0.0, 1.0, 0.7, step=0.01)
    mode = page.select("Prediction as", "input", {"p": "probability p", "z": "logit z"}, "p", kind="segmented")
    if mode == "p":
        p = page.slider("Predicted probability p of class 1", "prob", 0.0, 1.0, 0.8, step=0.001, fmt_str="%.3f")
        rest = 1.0 - p
        st.caption(f"Its logit: z = log(p / (1 − p)) = **{ui.fmt(loss.logit(p))}**")
    else:
        z = page.slider("Logit z", "logit", -15.0, 15.0, 1.4, step=0.1)
        p = float(loss.sigmoid(z))
        rest = float(loss.sigmoid(-z))  # 1 − p without cancelling: p near 1 is written 1 − rest
        st.caption(f"Its probability: p = σ(z) = 1 / (1 + e^(−z)) = **{claims.probability_of_logit(z)}**")
    unit = page.select("Units", "unit", {"nats": "nats", "bits": "bits"}, "nats", kind="segmented",
                       help="nats use the natural log; bits use log base 2 (1 bit = ln 2 ≈ 0.693 nats).")
    log_y = page.toggle("Log-scale loss axis", "logy", help="Shows how fast the loss grows near the wrong edge.")
    return Sample(y, p, rest, unit, log_y)


def _sample_tabs(s: Sample, value: float) -> None:
    """The three views of the sample; only the open tab is drawn (opening another reruns the section)."""
    y, p, rest, unit = s.y, s.p, s.rest, s.unit
    t_p, t_z, t_g = page.tabs(["Against p", "Against the logit z", "Gradients"], "view", label="View")
    if t_p.open:
        with t_p:
            page.chart(charts.terms_figure(y, p, scale=s.scale, unit=unit, log_y=s.log_y), key="terms_p",
                       alt=f"the terms −log p and −log(1 − p) against p, the loss for y = {y:g} marked at "
                           f"p = {claims.probability(p, rest)}: {ui.fmt(value)} {unit}.")
    if t_z.open:
        with t_z:
            page.chart(charts.terms_figure(y, p, scale=s.scale, unit=unit, log_y=s.log_y, axis="z"), key="terms_z",
                       alt=claims.logit_terms_alt(y, float(loss.logit(p)), value, unit))
            st.caption("On the logit axis the terms are softplus curves: straight lines far out, so the loss of a "
                       "confident mistake grows linearly in z.")
    if t_g.open:
        with t_g:
            gp, gz = float(loss.bce_grad_prob(y, p)), p - y
            slopes = page.row()
            slopes.metric("∂L/∂p", ui.fmt(gp))
            slopes.metric("∂L/∂z = p − y", ui.fmt(gz))
            page.chart(charts.gradient_figure(y, p), key="grads",
                       alt=f"∂L/∂p, which {claims.blow_up_edges(y)}, and ∂L/∂z = p − y, a straight line; at "
                           f"p = {claims.probability(p, rest)} they are {ui.fmt(gp)} and {ui.fmt(gz)}.")
            st.caption(f"∂L/∂p = (p − y)/(p(1 − p)) {claims.blow_up_edges(y)}, but the model moves z, not p: the "
                       "chain rule multiplies by dp/dz = p(1 − p), which cancels the blow-up and leaves ∂L/∂z = "
                       "p − y, never more than 1 in size — large exactly when the prediction is far from the label.")


def _frameworks_table(s: Sample, value: float) -> None:
    """What PyTorch, Keras and scikit-learn report for this sample: clamped values, beside the exact loss."""
    with st.expander("What frameworks report for this sample — clamped values, not the loss",
                     expanded=math.isinf(value)):
        rows = [("Exact (this app), float64", "no clamp", ui.fmt(value))]
        for fw, name, how in (
                ("pytorch", "PyTorch F.binary_cross_entropy, float32 tensors", "each log clamped at −100, in float32"),
                ("keras", "Keras BinaryCrossentropy on float32 probabilities",
                 "p clipped to [1e−7, 1 − 2⁻²³] (float32)"),
                ("sklearn", "scikit-learn log_loss, float64", "p clipped to [ε, 1 − ε], ε = 2.2e−16")):
            if fw == "sklearn" and s.y not in (0.0, 1.0):
                rows.append((name, "accepts hard labels only", "refuses soft labels (ValueError)"))
                continue
            rows.append((name, how, ui.fmt(loss.framework_bce(s.y, s.p, fw) * s.scale)))
        ui.table(["Who", "What it does", f"Reports ({s.unit})"], rows, numeric_from=2)
        st.caption("A clamp keeps training from crashing on ∞, but the number it reports is the clamp, not the "
                   "loss. Float32 (PyTorch's and Keras's default dtype) also rounds p within 3e−8 of 1 to exactly 1. "
                   "Keras with the TensorFlow backend hands a sigmoid output layer's logits to the loss, which is then "
                   "exact.")


@ui.section
def one_sample_section() -> str:
    """One sample: its label, its prediction, its two terms. Returns the units, which the batch uses."""
    chart, controls = page.chart_and_controls()
    with controls:
        s = _sample_controls()
    if s.unit != st.session_state.setdefault(BATCH_UNIT, s.unit):  # the batch below prints in these units too
        st.session_state[BATCH_UNIT] = s.unit
        st.rerun()  # a change made in this section's own rerun: the whole page reruns, once
    positive, negative = s.terms
    value = positive + negative

    # on a phone the columns stack: the three numbers wait under the controls, so the slider sits right under the
    # chart it moves
    after = page.row() if page.phone else None
    with chart:
        above = None if page.chart_first else page.row()
        _sample_tabs(s, value)
        # the three numbers above the chart, or below it where the chart must be on the first screen
        numbers = above if above is not None else after if after is not None else page.row()
        numbers.metric(f"Loss ({s.unit})", ui.fmt(value))
        numbers.metric("Positive term −y·log p", ui.fmt(positive))
        numbers.metric("Negative term −(1−y)·log(1−p)", ui.fmt(negative))

    log = r"\log" if s.unit == "nats" else r"\log_2"
    page.latex(rf"L = -{s.y:g}\cdot{log}({claims.probability(s.p, s.rest, 6, tex=True)}) - {1 - s.y:g}\cdot"
               rf"{log}({claims.probability(s.rest, s.p, 6, tex=True)})",
               rf"= {ui.tex_num(value)}\ \text{{{s.unit}}}")
    if math.isinf(value):
        st.error(f"**The loss is ∞.** {claims.infinite_loss_reason(s.y, s.p)} A prediction that is certain and wrong "
                 "has no finite price — which is why frameworks clamp.")
    _frameworks_table(s, value)
    return s.unit


unit = st.session_state[BATCH_UNIT] = one_sample_section() or "nats"  # None if the section failed
scale = 1.0 if unit == "nats" else 1.0 / math.log(2.0)
log = r"\log" if unit == "nats" else r"\log_2"

# ------------------------------------------------------------------------------------------ a batch
st.header("A batch of samples", anchor=False)
st.markdown("The loss of a dataset is the **mean** of the per-sample losses, so one confident mistake can dominate it.")
preset = page.select("Start from", "preset", {k: k for k in tables.PRESETS}, "Good model")
state = st.session_state
preset_rows = [(str(a), str(b)) for a, b in tables.PRESETS[preset]]
if state.get("table_preset") != preset:
    state.table_preset, state.table_rows = preset, preset_rows
    state.table_version = state.get("table_version", 0) + 1
linked = st.query_params.get("rows")
if linked is not None and state.get("table_from_link") != linked:  # a shared link's table, read once
    state.table_from_link = linked
    try:
        state.table_rows = tables.from_link(linked)
        state.table_version += 1
    except tables.TableError as e:
        st.warning(f"{ui.literal(e)} The table below is the preset {ui.code_span(preset)} instead.",
                   icon=":material/link_off:")

raw_rows, checked, up_col = ui.table_editor(
    page, "table", columns=tables.COLUMNS, read_file=tables.read_csv, check=tables.check_samples,
    limit=tables.MAX_ROWS, noun="rows", max_bytes=tables.MAX_CSV_BYTES, editor_key="editor", uploader_key="upload",
    side_by_side=True, left_out="left out of the mean",
    column_config={"y": st.column_config.TextColumn("y (label)"), "p": st.column_config.TextColumn("p (prediction)")})
with up_col:
    st.download_button("Download the table as CSV", lambda: tables.write_csv(raw_rows), file_name="samples.csv",
                       mime="text/csv", icon=":material/download:", on_click="ignore")

in_link = tables.to_link(checked.y, checked.p)
address = None if raw_rows == preset_rows else in_link
page.link_extra("rows", address)
if st.query_params.get("rows") != address:  # the address bar holds the edited table too (it is read once, above)
    if address is None:
        del st.query_params["rows"]
    else:
        st.query_params["rows"] = address
state.table_from_link = address
if raw_rows != preset_rows:
    with up_col:
        if in_link is None:
            st.caption(f"The share link leaves this table out: it has {checked.rows.size} valid rows and a link "
                       f"holds at most {tables.MAX_LINK_ROWS}. Download it as CSV to share it.")
        else:
            st.caption("The share link carries this table's valid rows"
                       + (f" ({len(checked.problems)} row(s) with problems are left out)." if checked.problems
                          else "."))

if checked.rows.size == 0:
    st.info("No valid rows yet: add a row with a label y and a prediction p, both between 0 and 1.")
    page.done()
    st.stop()

pos, neg = (t * scale for t in loss.bce_terms(checked.y, checked.p))
per = pos + neg
total = float(loss.bce(checked.y, checked.p, reduction="sum")) * scale
mean = total / checked.rows.size
infinite = np.isinf(per)
# an infinite total: its infinite rows share it equally (each alone makes it ∞), the finite ones carry nothing
share = per / total if math.isfinite(total) and total > 0 else np.where(infinite, 1.0 / max(infinite.sum(), 1), 0.0)
numbers = page.row()
numbers.metric("Mean loss", f"{ui.fmt(mean)} {unit}")
numbers.metric("Sum", f"{ui.fmt(total)} {unit}")
numbers.metric("Samples in the mean", f"{checked.rows.size} of {checked.n_rows}")

terms = [rf"\bigl({a:g}\,{log} {ui.tex_num(b, 3)} + {1 - a:g}\,{log}({ui.tex_num(1 - b, 3)})\bigr)"
         for a, b in zip(checked.y[:2], checked.p[:2], strict=True)]
dots = r" + \dots" if checked.rows.size > 2 else ""
closing = rf"\Bigr] = {ui.tex_num(mean)}\ \text{{{unit}}}"
if len(terms) > 1:  # a second piece that starts with "+" follows the first (on a phone, on its own line)
    page.latex(rf"\bar L = -\frac{{1}}{{{checked.rows.size}}}\Bigl[{terms[0]}",
               rf"{' + '.join([''] + terms[1:])}{dots}{closing}")
else:  # one row: one piece (a piece starting with \Bigr] was set apart by a gap inside the bracket)
    page.latex(rf"\bar L = -\frac{{1}}{{{checked.rows.size}}}\Bigl[{terms[0]}{closing}")

chart_col, table_col = st.columns([3, 2], gap="large")
with chart_col:
    page.chart(charts.contributions_figure(checked.rows, checked.y, per / scale, scale=scale, unit=unit),
               key="contributions", alt=claims.contributions_alt(checked.rows, per, mean, unit))
    top = int(np.argmax(share)) if share.size else -1
    if infinite.sum() > 1:
        dominant = claims.infinite_rows([int(r) for r in checked.rows[infinite]])
    else:
        dominant = claims.dominant_sample(int(checked.rows[top]), checked.y[top], checked.p[top], share[top]) \
            if top >= 0 else None
    if dominant:
        st.caption(dominant)
with table_col:
    # the key columns first, so a phone or a narrow column shows them; the row pinned for a sideways scroll
    result = pd.DataFrame({"row": checked.rows, "loss": per, "share": share, "y": checked.y, "p": checked.p,
                           "−y·log p": pos, "−(1−y)·log(1−p)": neg})
    number = st.column_config.NumberColumn(format="%.4g")
    st.dataframe(result, hide_index=True, column_config={"row": st.column_config.NumberColumn(pinned=True),
        "−y·log p": number, "−(1−y)·log(1−p)": number, "loss": number,
        "share": st.column_config.ProgressColumn("share of total", min_value=0.0, max_value=1.0, format="percent")})

page.done()
