"""Every sentence the app builds from numbers, in one place, each a claim whose premises are checked.

A function here takes the numbers a sentence is about, checks what its words assert — a ratio's numerator and
denominator are the quantities named; "keeps growing" only if it grew; "over-confident" only if the forecast is
further from ½ than the frequency, on the same side; "no line can" only if an LP finds none — and returns a
different true sentence, or None, when a premise fails. Pages show what these functions return and keep no fixed
blurb that depends on data; ``tests/test_claims.py`` sweeps them over hundreds of settings and recomputes each
claim independently.

Pure Python and NumPy (no Streamlit): the numbers come from ``lib.experiment``, ``lib.logistic`` and
``lib.scoring``; this module only phrases them.
"""
from __future__ import annotations

import math

import numpy as np

from lib import experiment, logistic, loss

# ------------------------------------------------------------------------------------------------ numbers in words


def num(x: float, digits: int = 4) -> str:
    """A number for people: ∞ for infinity, ``digits`` significant digits, scientific notation when tiny or huge
    (the same form as ``ui.fmt``)."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if math.isnan(x):
        return "—"
    if x == 0:
        return "0"
    if 10**digits <= abs(x) < 1e6:  # f"{x:.4g}" would write 29395.5 as 2.94e+04
        s = f"{x:.0f}"
    elif 1e-4 <= abs(x) < 1e6:
        s = f"{x:.{digits}g}"
    else:
        mant, exp = f"{x:.{max(digits - 1, 1)}e}".split("e")
        s = f"{mant}e{int(exp)}"
    return s.replace("-", "−")


def probability(p: float, rest: float, digits: int = 6, tex: bool = False) -> str:
    """A probability p as text that never rounds to 1 when it is not exactly 1: given ``rest`` = 1 − p computed
    without cancelling (σ(−z) for p = σ(z)), a p that would print as 1 is written ``1 − 3.05902e−7`` — so the number
    never contradicts the finite loss shown beside it. ``tex``: for st.latex (× 10^k form).

    >>> probability(0.9999996940977731, 3.059022269256247e-07), probability(0.8, 0.2)
    ('1 − 3.05902e−7', '0.8')
    """
    p, rest = float(p), float(rest)
    show = tex_num if tex else num
    if p > 0.5 and rest > 0 and f"{p:.{digits}g}" == "1":
        return f"1 - {show(rest, digits)}" if tex else f"1 − {show(rest, digits)}"
    return show(p, digits)


def tex_num(x: float, digits: int = 4) -> str:
    """A number for st.latex, as ``ui.tex_num``: \\infty, and a × 10^{k} form for tiny or huge values."""
    x = float(x)
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if 10**digits <= abs(x) < 1e6:  # f"{x:.4g}" would write 29395.5 as 2.94e+04
        return f"{x:.0f}"
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.{digits}g}"
    mant, exp = f"{x:.{max(digits - 1, 1)}e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}"


def probability_from_log(neg_log_p: float, digits: int = 4, tex: bool = False) -> str:
    """A probability given by −log p, written even where p itself underflows to 0 in float64 (p = e^−2000 is
    2.577e−869): a finite loss is never shown beside a probability of "0".

    >>> probability_from_log(2000.0), probability_from_log(0.5)
    ('2.577e−869', '0.6065')
    """
    neg_log_p = float(neg_log_p)
    p = math.exp(-neg_log_p)
    if p > 0 or math.isinf(neg_log_p):
        return tex_num(p, digits) if tex else num(p, digits)
    exponent = -neg_log_p / math.log(10.0)                       # log10 p
    whole = math.floor(exponent)
    mant = f"{10 ** (exponent - whole):.{max(digits - 1, 1)}f}"
    if mant.startswith("10"):                                    # 9.9996 rounded up
        mant, whole = f"{1:.{max(digits - 1, 1)}f}", whole + 1
    return rf"{mant} \times 10^{{{whole}}}" if tex else f"{mant}e−{-whole}"


def probability_of_logit(z: float, digits: int = 6) -> str:
    """p = σ(z) as :func:`probability` writes it (1 − σ(z) = σ(−z), exactly as small as it is).

    >>> probability_of_logit(15.0), probability_of_logit(1.4), probability_of_logit(-15.0)
    ('1 − 3.05902e−7', '0.802184', '3.05902e−7')
    """
    return probability(loss.sigmoid(float(z)), loss.sigmoid(-float(z)), digits)


# ------------------------------------------------------------------------------------------------ loss explorer


def sample_kind(y: float, p: float) -> str:
    """What a prediction p is for a label y, in a student's words.

    A hard label's prediction is judged by the probability q it gives the true class: a confident mistake
    (q <= 0.1), a mistake (q < ½), a coin-flip guess (q = ½), a hit, a confident hit (q >= 0.9). A soft label
    has no mistake or hit; it is named as such.

    >>> sample_kind(1, 0.02), sample_kind(0, 0.3), sample_kind(0.5, 0.5)
    ('a confident mistake', 'a hit', 'a soft label (y = 0.5) predicted at p = 0.5')
    """
    y, p = float(y), float(p)
    if y not in (0.0, 1.0):
        return f"a soft label (y = {y:g}) predicted at p = {p:g}"
    q = p if y == 1.0 else 1.0 - p
    if q <= 0.1:
        return "a confident mistake"
    if q < 0.5:
        return "a mistake"
    if q == 0.5:
        return "a coin-flip guess"
    return "a confident hit" if q >= 0.9 else "a hit"


def infinite_loss_reason(y: float, p: float) -> str:
    """Why BCE(y, p) is ∞, for a (y, p) where it is: the label puts weight on an outcome p calls impossible.

    >>> infinite_loss_reason(1, 0)
    'The true label is 1, but p = 0 gave class 1 probability 0: −log 0 = ∞.'
    """
    y, p = float(y), float(p)
    impossible = 1 if p == 0.0 else 0       # the class p rules out
    weight = y if impossible == 1 else 1.0 - y
    if y in (0.0, 1.0):
        return f"The true label is {y:g}, but p = {p:g} gave class {impossible} probability 0: −log 0 = ∞."
    term = "−y·log p" if impossible == 1 else "−(1 − y)·log(1 − p)"
    return (f"The soft label y = {y:g} puts weight {weight:g} on class {impossible}, but p = {p:g} calls class "
            f"{impossible} impossible: the term {term} = {weight:g}·∞ = ∞.")


def dominant_sample(row: int, y: float, p: float, share: float) -> str | None:
    """The batch's caption when one sample carries more than half of the total loss (None otherwise): the mean
    is then mostly that sample."""
    if not share > 0.5:
        return None
    if (y == 1 and p == 0) or (y == 0 and p == 1):  # a certain mistake: the whole (infinite) total is its
        return (f"Row {row} (y = {y:g}, p = {p:g}) is a certain mistake: −log 0 = ∞, so the sum and the mean are "
                "∞ whatever the other rows are.")
    return (f"Row {row} (y = {y:g}, p = {p:g}) carries {share:.0%} of the total loss: the mean is mostly that one "
            f"sample, {sample_kind(y, p)}.")


def logit_terms_alt(y: float, z: float, value: float, unit: str) -> str:
    """The logit-axis chart's text alternative: "marked at z" only where the chart draws the mark (z finite and
    within its −10…10); a logit beyond that (the logit box goes to ±15, p = 0 or 1 is z = ∓∞) is named unmarked."""
    head = "the terms softplus(−z) and softplus(z) against the logit z from −10 to 10"
    if math.isfinite(z) and abs(z) <= 10 + 1e-9:  # as charts.terms_figure: logit(σ(10)) is 10 + 2e−15
        return f"{head}, the loss for y = {y:g} marked at z = {num(z)}: {num(value)} {unit}."
    return (f"{head}; the loss for y = {y:g} at z = {num(z)} is {num(value)} {unit}, beyond the drawn range, so it is "
            "not marked.")


def contributions_alt(rows, per, mean: float, unit: str) -> str:
    """The batch chart's text alternative: the largest loss and the row(s) it belongs to — "the largest" only when
    one row has it; tied rows are named together (the chart draws them side by side, first in table order)."""
    per = np.asarray(per, dtype=np.float64)
    top = float(np.max(per))
    tied = [int(r) for r, v in zip(rows, per, strict=True) if v == top]
    if len(tied) == 1:
        who = f"row {tied[0]} is the largest at {num(top)} {unit}"
    else:
        listed = ", ".join(str(r) for r in tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
        who = f"rows {listed} share the largest, {num(top)} {unit} each"
    return (f"each of the {len(per)} samples' loss as a bar, largest first: {who}; the mean is {num(mean)} "
            f"{unit}.")


def home_curve_alt(p: float, value: float) -> str:
    """The home page chart's text alternative: the curve −log p of a true 1 and the user's p, written so it never
    rounds to 1 beside a loss that is not 0."""
    return (f"the curve −log p of a true 1 against p, falling from ∞ at p = 0 to 0 at p = 1; your prediction "
            f"p = {probability(p, 1.0 - p)} is marked at loss {num(value)} nats.")


# ------------------------------------------------------------------------------------------------ many classes


def class_probability(neg_log_p, j: int, digits: int = 3) -> str:
    """Softmax probability pⱼ from every class's −log p (``neg_log_p``), as text that is never "0" for a positive
    pⱼ (e^−1100 underflows float64) nor "1" when the other classes have some probability: then it is written
    ``1 − r`` with r = Σₖ≠ⱼ pₖ taken from the logs (log-sum-exp, no underflow)."""
    nl = np.asarray(neg_log_p, dtype=np.float64)
    p = math.exp(-nl[j])
    if p < 0.5 or f"{p:.{digits}g}" != "1":
        return probability_from_log(nl[j], digits)
    others = -np.delete(nl, j)
    if not others.size or np.all(np.isneginf(others)):
        return "1"
    top = float(np.max(others))
    neg_log_rest = -(top + math.log(float(np.sum(np.exp(others - top)))))
    return f"1 − {probability_from_log(neg_log_rest, digits)}"


def softmax_alts(neg_log_p, y) -> tuple[str, str]:
    """The two text alternatives of Many classes: the probabilities beside the target, and the gradient p − y.
    Each pⱼ as :func:`class_probability` writes it; pⱼ − yⱼ is pⱼ where yⱼ = 0 and −(1 − pⱼ) where yⱼ = 1, so a
    tiny gradient is written as small as it is rather than 0."""
    nl, y = np.asarray(neg_log_p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    K = len(nl)
    probs = [class_probability(nl, j) for j in range(K)]
    grads = []
    for j in range(K):
        if y[j] == 0:
            grads.append(probs[j])
        elif y[j] == 1:
            others = -np.delete(nl, j)
            top = float(np.max(others))
            grads.append("−" + probability_from_log(-(top + math.log(float(np.sum(np.exp(others - top))))), 3))
        else:
            grads.append(num(math.exp(-nl[j]) - y[j], 3))
    grads = ["0" if g == "−0" else g for g in grads]
    return (f"bars of the softmax probabilities ({', '.join(probs)}) beside the target "
            f"({', '.join(num(v, 3) for v in y)}) for {K} classes.",
            f"bars of the gradient p − y per class: ({', '.join(grads)}); they sum to zero.")


def blow_up_edges(y: float) -> str:
    """Where ∂L/∂p = (p − y)/(p(1 − p)) blows up for the label y: a hard label only at the wrong edge (for y = 1 it
    is −1/p, finite at p = 1), a soft one at both."""
    if y == 1:
        return "blows up at the wrong edge, p = 0 (for y = 1 it is −1/p)"
    if y == 0:
        return "blows up at the wrong edge, p = 1 (for y = 0 it is 1/(1 − p))"
    return "blows up at both edges (a soft label is wrong at each)"


def infinite_rows(rows: list[int]) -> str:
    """The batch's caption when more than one sample is a certain mistake: each alone makes the mean ∞."""
    shown = ", ".join(str(r) for r in rows[:8]) + (", …" if len(rows) > 8 else "")
    return (f"Rows {shown} are {len(rows)} certain mistakes: each alone makes the sum and the mean ∞, so the "
            "share column splits the total equally among them.")


def softmax_gradient(y, p) -> str:
    """What the gradient p − y does to the logits: a one-hot target pushes its class up by 1 − p and every other
    down by its own probability; a soft target moves each logit by yⱼ − pⱼ, up only where pⱼ < yⱼ."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if np.count_nonzero(y) == 1 and float(np.max(y)) == 1.0:
        return ("The gradient pushes the true class's logit up by 1 − p and every other logit down by its own "
                "probability; the pushes sum to zero. With a one-hot target only −log p of the true class is left.")
    up = [str(j) for j in range(len(y)) if p[j] < y[j]]
    down = [str(j) for j in range(len(y)) if p[j] > y[j]]

    def classes(js):
        return ("class " if len(js) == 1 else "classes ") + ", ".join(js) if js else "no class"

    return (f"With a soft target each logit moves by yⱼ − pⱼ: up where the model gives less than the target "
            f"({classes(up)}), down where it gives more ({classes(down)}); the pushes sum to zero.")


def naive_softmax_failure(z) -> str:
    """Why −Σ y log(eᶻ/Σeᶻ) computed as written fails for logits z: e^z overflows past ~709.78, underflows to 0
    below ~−745.13 (and log 0 = −∞), or, in between, rounding in the quotient loses digits."""
    z = np.asarray(z, dtype=float)
    top, bottom = float(np.max(z)), float(np.min(z))
    if top > 709.78:
        return f"e^{num(top)} overflows to ∞, and ∞/∞ is nan"
    if bottom < -745.13:
        return f"e^{num(bottom)} underflows to 0, and log 0 = −∞"
    return "the quotient eᶻ/Σeᶻ rounds away the small probabilities' digits"


def exact_value(ce: float) -> str:
    """The exact cross-entropy in words: finite logits never give exactly 0, so a 0 is below float64's range."""
    return ("positive but below float64's smallest number, so it rounds to 0" if ce == 0
            else num(ce))


# ------------------------------------------------------------------------------------------------ confident mistakes


def ladder(c: float, hit: float, miss: float, saved: float) -> str:
    """What the penalty ladder's three numbers say at confidence c: the mistake's loss ``miss`` as a multiple of
    the hit's ``hit`` and of what the hit ``saved`` over guessing ½ (at c = ½ there is no ratio: the two coincide)."""
    if saved <= 0:
        return "At c = ½ the hit and the mistake are the same coin-flip guess: both cost log 2 ≈ 0.6931 nats."
    return (f"At c = {c:g} the mistake costs {num(miss)} nats: {num(miss / hit, 3)}× the hit's loss of "
            f"{num(hit)}, and {num(miss / saved, 3)}× the {num(saved)} nats the hit saves over guessing ½.")


def smoothing(eps: float) -> str:
    """What label smoothing ε does to the loss of a true 1 (target 1 − ε/2); at ε = 0 nothing is smoothed."""
    if eps == 0:
        return ("At ε = 0 nothing is smoothed: the target is 1, the loss reaches 0 at p = 1, and a confident hit "
                "is never pushed back. Move ε to see the minimum leave p = 1.")
    return ("With a smoothed target the loss no longer reaches 0: it is lowest at p = 1 − ε/2 and rises again "
            "towards p = 1 (a certain hit now costs ∞ through the ε/2 weight on −log(1 − p)). The gradient at a "
            "confident hit, p − (1 − ε/2), pushes back against over-confidence.")


def smoothing_alt(target: float, lowest: float) -> str:
    """The label-smoothing chart's text alternative (at ε = 0 the two curves are one)."""
    if target == 1:
        return ("the loss for the hard target 1 against p from 0.5 to 1; at ε = 0 the smoothed target is 1 too, so the "
                "two curves coincide, lowest, 0 nats, at p = 1.")
    return (f"the loss for the hard target 1 and for the smoothed target {num(target)} against p from 0.5 to 1; the "
            f"smoothed one is lowest, {num(lowest)} nats, at p = {num(target)}.")


# ------------------------------------------------------------------------------------------------ honest probabilities


def forecast_alt(what: str, target: float) -> str:
    """The forecaster chart's text alternative: where each rule's curve is lowest for the truth ``target``.

    Log loss and Brier are lowest at r = target (proper rules); absolute error at r = 0 below ½, r = 1 above it,
    and flat (every report scores ½) at exactly ½; the 0-1 loss is flat on each side of ½.
    """
    if target < 0.5:
        absolute = "absolute error at r = 0"
    elif target > 0.5:
        absolute = "absolute error at r = 1"
    else:
        absolute = "absolute error is flat (every report scores ½)"
    return (f"the {what} against the report r for four rules; log loss and Brier are lowest at r = {target:g}, "
            f"{absolute}, and the 0-1 loss is flat on each side of ½.")


def forecast_gap(r: float, target: float, mine: float, best: float, truth: str) -> str:
    """What reporting r costs against reporting the truth ``target`` (``truth`` names it: "the true bias" or "the
    observed frequency"), given their mean log losses ``mine`` and ``best``: the gap is KL(target ‖ r)."""
    gap = mine - best
    if math.isinf(gap):
        head = (f"Reporting r = {r:g} costs ∞: it calls impossible an outcome that {truth} {target:.3g} says "
                f"happens. The gap is KL({target:.3g} ‖ {r:g}), never negative and zero only at r = {target:.3g}")
    else:
        gap = 0.0 if r == target else max(gap, 0.0)  # never a rounding's −0 or 1e−17 at the truth itself
        head = (f"Reporting r = {r:g} costs {num(gap)} nats more than reporting {truth} {target:.3g}: "
                f"the gap is KL({target:.3g} ‖ {r:g}), never negative and zero only at r = {target:.3g}")
    return head + ". The 0-1 loss cannot tell r = 0.51 from r = 0.99."


# The calibration cost is the held-out loss the best temperature (fitted on those points) saves: never negative, it
# adds up with the loss left after recalibrating, unlike a binned split at 30–200 points (README, "Every
# sentence a checked claim"). Fitted on the points it scores, it flatters them at small sizes; the sentence says so.
def calibration_cost(total: float, recalibrated: float, best_T: float, n_test: int) -> str:
    """The calibration sentence: how much of the held-out log loss ``total`` the best temperature ``best_T``
    saves (``recalibrated``: the held-out loss at that T, its limit at T = 0 or ∞)."""
    saved = max(total - recalibrated, 0.0)  # T = 1 is a candidate, so the best T never loses (≤ 1e−15 rounding)
    share = saved / total if total > 0 else 0.0
    percent = f"{share:.0%}" if share >= 0.005 else "under 1%"  # never "(0%)" beside a cost that is not 0
    if best_T == 0:
        how = ("The held-out logits put every held-out point on its own side, so sharpening them (T → 0) takes "
               f"the loss towards 0: all {num(total, 3)} nats of held-out log loss count as calibration here")
    elif math.isinf(best_T):
        how = (f"The held-out logits do no better than chance: predicting ½ everywhere (T → ∞) scores log 2 = "
               f"0.693 nats, {num(saved, 3)} of the {num(total, 3)} nats of held-out log loss ({percent})")
    elif f"{saved:.2g}" == "0" or saved < 5e-4:
        how = (f"Calibration costs almost nothing: the best temperature T = {num(best_T, 3)} lowers the held-out "
               f"log loss only from {num(total, 4)} to {num(recalibrated, 4)} nats")
    else:
        how = (f"Calibration costs {num(saved, 3)} of the {num(total, 3)} nats of held-out log loss "
               f"({percent}): dividing every logit by the best temperature T = {num(best_T, 3)}, which keeps "
               f"every prediction's order, lowers it to {num(recalibrated, 3)}")
    return (how + f". T is fitted on the same {n_test} held-out points it is scored on, which can only flatter "
            "it: with few points, read this as an upper estimate of what recalibration saves on new points.")


def largest_miss(mean_p, frac_pos, counts, min_count: int = 3) -> str | None:
    """The reliability diagram's largest miss among bins of at least ``min_count`` points, with the direction it
    misses in — "over-confident" only where the forecast is further from ½ than the frequency on the same side,
    "under-confident" only where it is nearer, "on the wrong side of ½" where the two are on opposite sides — or
    a sentence that no bin misses visibly (None without such a bin)."""
    mean_p, frac_pos, counts = (np.asarray(a, dtype=np.float64) for a in (mean_p, frac_pos, counts))
    ok = counts >= min_count
    if not ok.any():
        return None
    gap = np.where(ok, np.abs(frac_pos - mean_p), -1.0)
    k = int(np.argmax(gap))
    p_bar, o, n_k = float(mean_p[k]), float(frac_pos[k]), int(counts[k])
    if gap[k] < 0.005:  # invisible at the two decimals shown: no miss to speak of
        return (f" In every bin of {min_count} or more held-out points the share of 1s is within 0.01 of what the "
                "model says there.")
    ones = round(o * n_k)  # a count, never a rounded share ("100%" of 200 would hide the one 0 among them)
    said = (f"where it says {p_bar:.2f} on average, {ones} of the {n_k} held-out points there "
            f"{'is' if ones == 1 else 'are'} 1")
    a, b = p_bar - 0.5, o - 0.5
    if abs(a) < 0.005:  # shown as 0.50: a coin flip, neither side's confidence
        verdict = "no better than a coin flip there"
    elif a * b < 0:
        verdict = "on the wrong side of ½ there"
    elif abs(a) > abs(b):
        verdict = "over-confident there"
    elif abs(a) < abs(b):
        verdict = "under-confident there"
    else:
        verdict = f"too {'high' if p_bar > o else 'low'} there"
    return f" Its largest miss: {said} — {verdict}."


def temperature_alt(T: float, at_T: float, best_T: float) -> str:
    """The temperature chart's text alternative: the held-out loss at the chosen T and where it is lowest (T → 0
    or T → ∞ when no finite temperature is best)."""
    if best_T == 0:
        best = "falling towards 0 as T → 0 (the logits separate the held-out points)"
    elif math.isinf(best_T):
        best = "lowest as T → ∞, where every probability is ½"
    else:
        best = f"lowest at T = {num(best_T)}"
    return f"held-out log loss against the temperature T from 0.2 to 10; at T = {T:g} it is {num(at_T)}, {best}."


def train_vs_held_out(train_loss: float, total: float) -> str | None:
    """Training against held-out loss, only where the training loss is lower by a visible amount ("only" and
    "hide" when the held-out loss is at least 10% higher)."""
    if not (math.isfinite(train_loss) and train_loss < total) or num(train_loss, 3) == num(total, 3):
        return None
    if total >= 1.1 * train_loss:
        return (f" On its own training points the loss is only {num(train_loss, 3)}: held-out points show what the "
                "training points hide.")
    return f" On its own training points the loss is {num(train_loss, 3)}, a little lower."


# ----------------------------------------------------------------------------------------- where the loss comes from


def tosses(k: int, n: int) -> str:
    """"k heads in n tosses", singular where a count is 1.

    >>> tosses(1, 1), tosses(0, 50)
    ('1 head in 1 toss', '0 heads in 50 tosses')
    """
    return f"{k} head{'' if k == 1 else 's'} in {n} toss{'' if n == 1 else 'es'}"


def likelihood_alt(k: int, n: int, bias: float) -> str:
    """The likelihood chart's text alternative: the curve L(p)/L(k/n) is highest at p = k/n (its maximum over
    [0, 1], at the edge when k = 0 or k = n)."""
    return (f"the likelihood of p for {tosses(k, n)}, divided by its maximum, highest at p = k/n = {k / n:.3g}; the "
            f"hidden bias is {bias:g}.")


def log_likelihood_alt(k: int, n: int, top: float) -> str:
    """The mean log-likelihood chart's text alternative; ``top`` is its value at p = k/n, −H(k/n)."""
    return (f"the mean log-likelihood −BCE(k/n, p) against p, highest at p = k/n = {k / n:.3g} where it is "
            f"{num(top)} nats.")


def sample_mean_is_best(k: int, n: int) -> str:
    """Why the likelihood of k heads in n tosses is highest at p = k/n: the derivative of the log-likelihood
    k/p − (n − k)/(1 − p) is zero there — only when 0 < k < n. With all tails (all heads) it has no zero: the
    log-likelihood (n − k)·log(1 − p) only falls (n·log p only rises), and the maximum is the edge p = 0 (p = 1),
    still k/n."""
    if 0 < k < n:
        return (f"Set the derivative of the log-likelihood, k/p − (n−k)/(1−p), to zero and you get p = k/n = "
                f"{k}/{n}: the best constant prediction under BCE is the sample mean.")
    every = "The toss is" if n == 1 else f"All {n} tosses are"
    if k == 0:
        how = (f"{every} tails (k = 0): the log-likelihood {n}·log(1 − p) only falls as p grows — its derivative "
               f"−{n}/(1 − p) is never 0 — so it is highest at the edge, p = 0 = k/n")
    else:
        how = (f"{every} heads (k = n): the log-likelihood {n}·log p only rises as p grows — its derivative "
               f"{n}/p is never 0 — so it is highest at the edge, p = 1 = k/n")
    return how + ": the best constant prediction under BCE is still the sample mean, and it costs 0 nats."


def cross_entropy_curve_alt(q: float, entropy: float, unit: str) -> str:
    """The cross-entropy chart's text alternative: H(q, p) against p is lowest at p = q, where it is H(q) — for a
    hard label (q = 0 or 1) a limit at the edge, 0, which no p strictly between 0 and 1 reaches."""
    head = f"the cross-entropy H(q, p) for q = {q:g} against p"
    if 0 < q < 1:
        return f"{head}, lowest at p = q where it equals the entropy {num(entropy)} {unit}."
    side = "−log(1 − p)" if q == 0 else "−log p"
    return (f"{head}: for this hard label it is {side}, falling towards 0 {unit} (the entropy of a hard label) as "
            f"p goes to {q:g}.")


# ------------------------------------------------------------------------------------------------ gradient descent

# What one step does, in words (the step is η times a direction; its length is η‖direction‖, not η).
STEP_SENTENCE = {
    "gd": "Each step moves the parameters against the gradient by η = {lr} times the gradient: a step of length "
          "η‖∇J‖, long on steep slopes and short where the loss flattens.",
    "sgd": "Each step follows the gradient of one mini-batch, a noisy estimate of the full one, scaled by η = {lr}.",
    "momentum": "Each step adds the gradient to a velocity that keeps 90% of the previous one, then moves η = {lr} "
                "times the velocity: it speeds up along a long valley and can overshoot.",
    "rmsprop": "Each step divides the gradient by the root of its recent mean square, per parameter, whatever the "
               "slope: the first step is about 3η per parameter (the mean square starts at 0), then steps settle "
               "towards η = {lr} as it fills.",
    "adam": "Each step combines momentum (a running mean of gradients) with RMSprop's per-parameter scaling, both "
            "bias-corrected: steps of about η = {lr} per parameter.",
}


def step_sentence(optimizer: str, lr: float, objective: str, pos_weight: float) -> str:
    """What one step of ``optimizer`` does, and how each point pushes under the loss trained (``objective``
    "bce" or "squared"; a race trains BCE on the main run)."""
    text = STEP_SENTENCE[optimizer].format(lr=f"{lr:g}") + " "
    if objective == "squared":
        return text + ("Squared error's gradient in the logit is BCE's times 2p(1 − p): near 0 wherever p is near 0 "
                       "or 1, so a confident mistake barely pushes.")
    if pos_weight == 1:
        return text + ("BCE's gradient in the logit is p − y, so every point pushes in proportion to how wrong it is "
                       "— confident mistakes push hardest.")
    return text + (f"With pos_weight = {pos_weight:g} a positive point pushes {pos_weight:g}·(1 − p) and a negative "
                   "one p: each in proportion to how wrong it is, the positives weighted "
                   f"{'more' if pos_weight > 1 else 'less'}.")


def optimum_finder(fit: logistic.Fit) -> str:
    """Who found the reference optimum, from the fit's own message (the project's Newton, or scipy's trust region
    when Newton gave up)."""
    return "Newton's method" if fit.message.startswith("Newton") else "scipy's trust-region Newton method"


def gap_help(fit: logistic.Fit, objective: str) -> str:
    """The help of the "gap to optimum" number."""
    if objective == "squared":
        return "The optimum is BCE's; this run trains squared error, so its BCE is shown instead."
    if not fit.converged and fit.w is None:
        return ("The training points are separable and L2 is 0: the loss has no minimum, only the infimum 0, so "
                "there is no gap to measure.")
    if not fit.converged:
        return f"Neither Newton's method nor scipy's trust region converged here ({fit.message})."
    return f"Train loss minus the minimum of the same objective, found by {optimum_finder(fit)}."


def own_points_caption(test_fraction: float) -> str:
    """How the user's points are prepared (``lib.experiment.standardize``), for the test share chosen."""
    held = (" of the training points only (the held-out points do not enter them)" if test_fraction > 0 else "")
    return (f"Your points are standardized for training with the mean and standard deviation{held}: each "
            "coordinate then has mean 0 and standard deviation 1 on the training points, except a coordinate that "
            "is constant there, which is only centred. They are drawn standardized. The share link does not carry "
            "them: download them to share.")


def bce_name(pos_weight: float) -> str:
    """What the page's "BCE" of a run is: plain BCE, or BCE weighted by pos_weight (the trained objective's
    weighting, which the runs' BCE curves use)."""
    return "BCE" if pos_weight == 1 else f"BCE weighted by pos_weight = {pos_weight:g}"


def loss_label(objective: str, pos_weight: float) -> str:
    """The name of the loss the chart's title, its text alternative and the metrics give a run: the objective
    trained ("train loss"), or — for a squared-error run, drawn by its BCE — "train BCE"."""
    if objective != "squared":
        return "train loss"
    return "train BCE" if pos_weight == 1 else "train weighted BCE"


def start_gradients(e) -> tuple[float, float]:
    """‖∇‖ of the mean BCE and of the mean squared error alone (no L2 term) at the race's shared start, on the
    training points: (BCE's, squared error's). Squared error's ∂/∂z is BCE's times 2p(1 − p)."""
    w0, b0 = e.traj.w[0], float(e.traj.b[0])
    A = np.column_stack([e.F_train, np.ones(len(e.y_train))])
    z = A @ np.append(w0, b0)
    g = loss.logit_grad_kernel(e.y_train, z, e.settings.pos_weight)      # BCE's ∂L/∂z, exact near the edges
    p, q = loss.sigmoid(z), loss.sigmoid(-z)
    n = len(z)
    return float(np.linalg.norm(A.T @ g / n)), float(np.linalg.norm(A.T @ (2 * p * q * g) / n))


def race(e) -> str | None:
    """What the race between BCE and squared error did, from the two runs (None without a race).

    Premises checked: the step each run reached (a diverged run stopped earlier); the gradients compared are the
    losses' own, without the shared L2 term; "barely push" only where most points start confidently wrong;
    Adam and RMSprop's first steps are scale-free, so a small gradient does not slow them; a run that did not
    settle is named.
    """
    if e.race is None:
        return None
    bce_run, sq_run = e.traj, e.race
    t_b, t_s = experiment.last_step(bce_run), experiment.last_step(sq_run)
    a, b = 100 * e.train_accuracy[-1], 100 * e.race_accuracy[-1]
    bce = bce_name(e.settings.pos_weight)
    if t_b == t_s:
        head = f"After {t_b} steps" if t_b == e.final else f"Both runs stopped at step {t_b} (they diverged); there"
        text = (f"{head} the BCE run classifies {a:.1f}% of the training points correctly, the squared-error run "
                f"{b:.1f}% ({bce} {num(e.train_bce[-1])} nats against {num(e.race_bce[-1])}).")
    else:
        ran = {t: "ran all" if t == e.final else "stopped after" for t in (t_b, t_s)}
        text = (f"The BCE run {ran[t_b]} {t_b} steps and classifies {a:.1f}% of the training points correctly; the "
                f"squared-error run {ran[t_s]} {t_s} and classifies {b:.1f}% ({bce} {num(e.train_bce[-1])} nats "
                f"against {num(e.race_bce[-1])}).")
    lr = e.settings.lr
    if bce_run.diverged_at is not None and bce_run.diverged_at == sq_run.diverged_at:
        text += f" Both diverged at step {bce_run.diverged_at}: η = {lr:g} is too large for both."
    for name, run, curve in (("BCE", bce_run, e.train_bce), ("squared-error", sq_run, e.race_bce)):
        if run.diverged_at is not None and bce_run.diverged_at != sq_run.diverged_at:
            text += f" The {name} run diverged at step {run.diverged_at}: η = {lr:g} is too large for it."
        elif run.diverged_at is None and run.still_swinging:
            direction = "up" if curve[-1] > curve[0] else "down"
            how = "still swings at the end" if run.swing > 0.01 else "ends above where it started"
            text += (f" The {name} run did not settle: its {bce_name(e.settings.pos_weight)} went {direction} from "
                     f"{num(curve[0])} to {num(curve[-1])} and its objective {how} (η = {lr:g} is too large for it).")
    g_bce, g_sq = start_gradients(e)
    if g_sq > 0 and g_bce > 0:
        ratio = g_bce / g_sq
        cmp = f"{num(ratio, 3)}× larger" if ratio >= 1 else f"{num(1 / ratio, 3)}× smaller"
        text += (f" At the start squared error's own gradient (without the L2 term) was {num(g_sq, 3)} and BCE's "
                 f"{num(g_bce, 3)}, {cmp}: squared error's gradient in z is BCE's times 2p(1 − p), at most ½")
        z = e.F_train @ bce_run.w[0] + bce_run.b[0]
        wrong = (e.y_train >= 0.5) != (z >= 0)
        confident = wrong & (np.abs(z) >= math.log(9))          # p beyond 0.9 on the wrong side: 2p(1 − p) ≤ 0.18
        if ratio >= 5 and confident.sum() * 2 > len(z):
            text += (f" and at most 0.18 on the {int(confident.sum())} of {len(z)} points that start confidently "
                     "wrong (p beyond 0.9 on the wrong side), which barely push.")
        else:
            text += "."
    if e.settings.optimizer in ("adam", "rmsprop"):
        name = logistic.OPTIMIZERS[e.settings.optimizer]
        size = "about η" if e.settings.optimizer == "adam" else "about 3η at first, settling towards η,"
        text += (f" But {name} divides each step by the gradient's own recent size, so its steps are {size} per "
                 "parameter whatever the gradient's scale: a small gradient does not slow it the way it slows "
                 "plain gradient descent.")
    return text


def diagnosis(e, fixed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """What the run shows that a student should be told: (kind, sentence) with kind "warning" or "info".

    ``fixed`` holds the control keys the student cannot change here (an exercise link's locked or hidden ones,
    ``ui.Page.fixed``): no advice asks them to change one ("lr", "l2"); the sentence says the exercise fixes it.

    A learning rate is called too large only when the run diverged or did not settle
    (:attr:`logistic.Trajectory.still_swinging`); each number named is the one the words describe (rises counted
    only when there were some; a gap to the optimum only for the objective that optimum minimizes).
    """
    descent = _descent_diagnosis(e, fixed)
    out = [descent] if descent else []
    if e.separable and e.settings.l2 == 0:
        out.append(_separable_note(e, fixed))
    if e.settings.pos_weight != 1:
        out.append(_pos_weight_note(e))
    return out


def _descent_diagnosis(e, fixed: frozenset[str]) -> tuple[str, str] | None:
    """How the loss travelled: diverged, still swinging, or rose on the way yet settled (else None)."""
    t = e.traj
    s = e.settings
    what = "squared error" if t.objective == "squared" else "loss"
    if t.diverged_at is not None:
        return ("warning", f"**Diverged at step {t.diverged_at}.** The learning rate {s.lr:g} is too "
                "large: each step overshoots the minimum by more than it corrects, so the weights grow without "
                f"bound. The run stops at step {t.diverged_at - 1}, its last good step; "
                + ("this exercise fixes the learning rate." if "lr" in fixed else "lower the learning rate."))
    if t.still_swinging:
        return _swinging(e, fixed, what)
    if t.loss_increases:
        return _rose_but_settled(e, what)
    return None


def _swinging(e, fixed: frozenset[str], what: str) -> tuple[str, str]:
    """The run did not settle: how (the numbers of its tail) and why (noise for SGD, a too-large η otherwise)."""
    t = e.traj
    s = e.settings
    tail = t.loss[-t.tail:]
    rises = int(np.sum(np.diff(tail) > 0))
    if rises:
        how = (f"**The {what} is still swinging at the end.** In the last {t.tail} steps it rose {rises} "
               f"time{'s' if rises > 1 else ''}, up to {num(np.max(tail))}")
    elif t.loss[-1] > t.loss[0] and np.min(t.loss) < t.loss[0]:
        how = f"**The {what} came down, then climbed back.** It ends at {num(t.loss[-1])}, above its start"
    elif t.loss[-1] > t.loss[0]:
        how = f"**The {what} did not come down.** It ends at {num(t.loss[-1])}, above its start"
    else:
        how = (f"**The {what} did not settle.** In its last {t.tail} steps it stays up to "
               f"{num(float(np.max(tail - np.minimum.accumulate(t.loss)[-t.tail:])))} above its best so far")
    why = (f"Each mini-batch's gradient is a noisy estimate, and η = {s.lr:g} scales that noise into steps "
           "large enough to keep the loss bouncing. "
           + ("Use bigger mini-batches; this exercise fixes the learning rate." if "lr" in fixed else
              "Lower the learning rate or use bigger mini-batches.")
           if s.optimizer == "sgd" else
           f"The learning rate {s.lr:g} is too large for {logistic.OPTIMIZERS[s.optimizer]}: steps jump across "
           "the valley of the loss instead of into it. "
           + ("This exercise fixes the learning rate." if "lr" in fixed else "Lower the learning rate."))
    return ("warning", f"{how}; its best was {num(np.min(t.loss))} and it started at {num(t.loss[0])}. " + why)


def _rose_but_settled(e, what: str) -> tuple[str, str]:
    """The loss rose on some steps without swinging at the end: how far it settled, and why it rose."""
    t = e.traj
    s = e.settings
    gap, settled = "", False
    if e.optimum.converged and t.objective == "bce":
        d = float(t.loss[-1] - e.optimum.loss)
        gap = ("; it ends at the optimum" if d <= 1e-12 * (1 + abs(e.optimum.loss))
               else f"; it ends {num(d, 2)} above the optimum")
        settled = d <= 0.01 * max(float(t.loss[0]) - e.optimum.loss, 1e-12)  # within 1% of its way down
    settle = ("never rises above its best" if t.swing == 0 else
              f"never rises more than {num(100 * t.swing, 2)}% of its whole descent above its best")
    why = {"sgd": "Mini-batches see different points, so some steps go up: that is noise, not a too-large "
                  "learning rate.",
           "rmsprop": "RMSprop scales every step to a length set by η, whatever the slope, so near the minimum "
                      "it steps across it and back: small rises, no divergence.",
           "gd": "A step long enough to cross the valley of the loss raises it for a step; here the rises did "
                 "not grow into a swing: that is not divergence."}.get(
        s.optimizer, f"{logistic.OPTIMIZERS[s.optimizer]} carries speed, overshoots and comes back — that is not "
                     "divergence.")
    head = "yet the run settled" if settled else "yet it is not swinging at the end"
    return ("info", f"The {what} rose in {t.loss_increases} of {e.final} steps, {head}: in its last "
            f"{t.tail} steps it {settle}{gap}. {why}")


def _separable_note(e, fixed: frozenset[str]) -> tuple[str, str]:
    """Separable data and no L2: the loss has no minimum, and what ‖w‖ did in this run."""
    t = e.traj
    k = min(10, e.final)
    now, then = float(e.w_norm[-1]), float(e.w_norm[k])
    tail_start = float(e.w_norm[-1 - t.tail]) if e.final > t.tail else then
    if now > then and now > tail_start:
        growth = f"‖w‖ keeps growing (now {num(now, 3)}, from {num(then, 3)} at step {k})"
    elif k == e.final:
        growth = (f"in this run ‖w‖ is {num(now, 3)} at the end; it must grow without bound for the loss to "
                  "approach 0")
    else:
        growth = (f"in this run ‖w‖ is {num(now, 3)} at the end ({num(then, 3)} at step {k}); it must grow "
                  "without bound for the loss to approach 0")
    return ("info", "**The training data is linearly separable and L2 is 0**, so the loss has no minimum, "
            f"only the infimum 0: {growth}. With L2 above 0 the loss has a minimum at a finite ‖w‖"
            + ("; this exercise keeps L2 at 0." if "l2" in fixed else "."))


def _pos_weight_note(e) -> tuple[str, str]:
    """pos_weight ≠ 1: which way it tilts the calls, and how many training points are called positive now."""
    t = e.traj
    s = e.settings
    z = e.F_train @ t.w[-1] + t.b[-1]
    called, truly = int(np.sum(z >= 0)), int(np.sum(e.y_train >= 0.5))
    cmp = "more than" if called > truly else "fewer than" if called < truly else "as many as"
    favoured = "positive" if s.pos_weight > 1 else "negative"
    verb = {n: "is" if n == 1 else "are" for n in (called, truly)}
    return ("info", f"pos_weight = {s.pos_weight:g} makes a missed positive cost {s.pos_weight:g}× as much "
            f"as a missed negative, which favours calling points {favoured}. Now {called} of {len(z)} "
            f"training points {verb[called]} called positive, {cmp} the {truly} that {verb[truly]}.")


def what_to_notice(e) -> str:
    """The dataset's sentence, computed from the points actually drawn and this run (never a fixed blurb).

    "Separates" and "no line can" rest on ``e.separable`` (an LP, or a run that separates the points, or Newton's
    minimizer proving overlap); a best loss is named only when the optimum converged, and as the objective it
    minimizes (BCE, plus the L2 term when λ > 0).
    """
    s = e.settings
    y = e.y_train
    share = float(np.mean(y))
    acc = float(e.train_accuracy[-1])
    line = "line" if not s.features else "boundary of the squared features"
    squared = s.objective == "squared"
    best_name = "BCE" if s.l2 == 0 else f"BCE + L2 objective (λ = {s.l2:g})"
    if e.separable:
        split = (f"a {line} separates the training points perfectly" if s.l2 == 0 else
                 f"a {line} separates the training points; L2 = {s.l2:g} keeps ‖w‖ finite, so the {best_name} has "
                 "a minimum above 0" + (f" ({num(e.optimum.loss)})" if e.optimum.converged else ""))
    else:
        floor = ""
        if e.optimum.converged and s.l2 == 0 and not squared:
            floor = f" — the best possible is {num(e.optimum.loss)} nats"
        elif e.optimum.converged:
            floor = (f" — the lowest {best_name} any {line} reaches is {num(e.optimum.loss)} nats"
                     + (" (this run trains squared error, a different loss)" if squared else ""))
        split = f"no {line} separates the training points, so the loss has a floor above 0{floor}"
    if s.dataset == "custom":
        return f"Your {len(y)} training points: {split}. This run gets {acc:.1%} of them right."
    if s.dataset == "blobs":
        if not e.separable:
            return f"The blobs overlap: {split}."
        return (f"These {len(y)} drawn training points happen not to overlap: {split}. More points at this noise "
                "would overlap sooner or later.")
    if s.dataset == "separable":
        return (f"The classes lie on either side of a margin: {split}." if e.separable else
                f"At this noise the margin is gone: {split}.")
    if s.dataset == "xor" and not s.features:
        if e.separable:
            return (f"XOR's four quadrants cannot be split by one straight line, but these {len(y)} drawn training "
                    f"points can: {split}. Draw more points, or turn on the feature map (x₁·x₂ is the feature that "
                    "solves XOR).")
        entropy = float(loss.bernoulli_entropy(share))
        if e.optimum.converged:
            best, who = e.optimum.loss, f"the best line's {best_name} is"
        else:
            best, who = float(np.min(e.train_bce)), "this run's lowest BCE is"
        rel = ("no lower than" if best >= entropy else "barely below" if best >= 0.9 * entropy else "below")
        return (f"No straight line can split these XOR points: {who} {num(best)} nats, {rel} the {num(entropy)} "
                f"nats of predicting the share of class 1 ({share:.0%}) everywhere — the entropy of the labels "
                "(log 2 ≈ 0.693 only when the classes are balanced). Turn on the feature map: x₁·x₂ is the feature "
                "that solves it.")
    if s.dataset == "xor":
        if e.separable:
            return f"With the feature x₁·x₂ a linear model can split XOR: {split}; accuracy now {acc:.1%}."
        return (f"x₁·x₂ is the feature XOR needs, but at this noise the quadrants overlap: {split}; accuracy now "
                f"{acc:.1%}.")
    if s.dataset == "circles" and not s.features:
        return (f"One class surrounds the other: {split}, and this run ends at {acc:.1%} accuracy. With the squared "
                "features the boundary can become a circle.")
    if s.dataset == "circles":
        return f"With x₁² and x₂² the boundary can close into a circle: {split}; accuracy now {acc:.1%}."
    return (f"The moons interlock: {split}. This run gets {acc:.1%} of the training points right; the biggest points "
            "are the ones the boundary gets most wrong.")


def describe(e, t: int) -> str:
    """The gradient-descent chart in one sentence, for screen readers: what is drawn at step t, with the numbers
    the chart's title shows — the loss named for what it is (a squared-error run is drawn by its BCE)."""
    w = e.traj.w[t]
    squared = e.settings.objective == "squared"
    label = loss_label(e.settings.objective, e.settings.pos_weight)
    bce = bce_name(e.settings.pos_weight)
    if e.race is not None:  # the chart's title names each run's BCE (no L2 term): so does this
        loss_part = f"BCE run: {bce} {num(e.train_bce[t])}"
        series, label = e.train_bce, "train BCE"
    elif squared:
        loss_part = (f"{label} {num(e.train_bce[t])} nats (the run trains squared error, "
                     f"{num(e.traj.loss[t])} at this step)")
        series = e.train_bce
    else:
        loss_part = f"{label} {num(e.traj.loss[t])} nats"
        series = e.traj.loss
    name = label.removeprefix("train ")
    first, last = float(series[0]), float(series[-1])
    moved = "fell" if last < first else "rose" if last > first else "stayed"
    parts = [f"Training points of two classes ({int(np.sum(e.y_train < 0.5))} of class 0, "
             f"{int(np.sum(e.y_train >= 0.5))} of class 1) with the decision boundary at step {t} of {e.final}",
             f"{loss_part}, accuracy {100 * e.train_accuracy[t]:.1f}%",
             f"weights ({', '.join(num(v, 3) for v in w)}), bias {num(e.traj.b[t], 3)}",
             f"the {name} {moved} from {num(first)} at step 0 to {num(last)} at step {e.last_step}"
             if moved != "stayed" else f"the {name} stayed at {num(first)} from step 0 to step {e.last_step}"]
    if e.traj.diverged_at is not None:
        parts.append(f"the run diverged at step {e.traj.diverged_at} and shows its last good step, {e.last_step}")
    if e.race is not None:
        parts.append(f"squared-error run: {bce} {num(e.race_bce[t])}, accuracy "
                     f"{100 * e.race_accuracy[t]:.1f}%")
    if e.optimum.converged and e.settings.objective == "bce":
        parts.append(f"the optimum loss is {num(e.optimum.loss)}")
    return "; ".join(parts) + "."


def landscape(objective: str, l2: float) -> str:
    """What the landscape panel draws: BCE's objective (``logistic.landscape``), whatever the run trains."""
    what = "BCE" if l2 == 0 else f"BCE + L2 (λ = {l2:g})"
    note = " — BCE's, not the squared error this run trains" if objective == "squared" else ""
    return (f"The landscape shows {what} over the first two weights{note}, the other weights and b held at the "
            "last step.")


def point_pulls(e, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Each training point's size and pull at step t of the main run: (its own BCE, as the chart sizes it; the
    norm of its term in the gradient of the loss trained, |∂Lᵢ/∂zᵢ|·‖(xᵢ, 1)‖ — BCE's ∂L/∂z is p − y, squared
    error's that times 2p(1 − p))."""
    z = e.F_train @ e.traj.w[t] + e.traj.b[t]
    size = loss.logit_loss_kernel(e.y_train, z, 1.0)
    g = np.abs(loss.logit_grad_kernel(e.y_train, z, e.settings.pos_weight))
    if e.traj.objective == "squared":
        g = g * 2 * loss.sigmoid(z) * loss.sigmoid(-z)
    return size, g * np.sqrt(np.sum(e.F_train**2, axis=1) + 1.0)


def point_sizes(e, t: int) -> str:
    """What the points' sizes say at step t: "the big ones pull hardest" only where size and pull go together
    (Spearman's rank correlation ≥ 0.8 over the training points, "mostly" from 0.5, and in both the largest tenth
    pulls more on average than the smaller half), the opposite where they go apart (≤ −0.5, the largest tenth
    pulling less), and neither otherwise."""
    from scipy import stats

    size, pull = point_pulls(e, t)
    head = f"Point size is each point's own BCE at step {t}"
    if np.ptp(size) <= 1e-12 * max(float(np.max(size)), 1e-300) or np.ptp(pull) == 0:
        return head + ": every point has the same loss here, so size says nothing about how hard each one pulls."
    rho = float(stats.spearmanr(size, pull).statistic)
    big, small = size >= np.quantile(size, 0.9), size <= np.median(size)
    top_pulls_more = float(np.mean(pull[big])) > float(np.mean(pull[small]))  # the largest tenth vs the smaller half
    rule = ("squared error's pull |∂L/∂z|·‖(x, 1)‖ = 2p(1 − p)·|p − y|·‖(x, 1)‖" if e.traj.objective == "squared"
            else "BCE's pull |∂L/∂z|·‖(x, 1)‖ grows with |p − y|")
    if rho >= 0.8 and top_pulls_more:
        return head + f": the bigger ones pull the boundary harder ({rule})."
    if rho >= 0.5 and top_pulls_more:
        return head + f": the bigger ones mostly pull the boundary harder ({rule})."
    if rho <= -0.5 and not top_pulls_more:
        if e.traj.objective == "squared":
            # the largest tenth all confident mistakes (BCE ≥ log 10: p beyond 0.9 on the wrong side)?
            who = ", and the big points are confident mistakes" if np.all(size[big] >= math.log(10)) else ""
            return head + f": here the big ones pull least — {rule} fades where p is near 0 or 1{who}."
        # BCE's |p − y| grows with the loss, so the other factor decides: how far a point is from the origin
        reach = np.sqrt(np.sum(e.F_train**2, axis=1) + 1.0)
        near = float(np.mean(reach[big])) < float(np.mean(reach[small]))
        where = ", and the big ones sit nearer the origin, where ‖(x, 1)‖ is small" if near else ""
        return head + f": here the big ones pull least — BCE's pull is |p − y|·‖(x, 1)‖{where}."
    return head + f": here size and pull do not go together ({rule}), so do not read size as pull."
