"""Scoring rules for probabilities: why log loss rewards the truth, and what a good (calibrated) probability is.

* :func:`expected_score` — the expected loss of reporting r when the outcome is Bernoulli(q), for log loss, the
  Brier score, absolute error and the 0-1 loss. Log loss and Brier are *proper*: their expectation is lowest exactly
  at r = q. Absolute error is improper (it pushes r to 0 or 1); the 0-1 loss only sees which side of ½ r is on.
* :func:`reliability_curve` — predicted probability in uniform bins against the observed frequency, with counts
  (scikit-learn's ``calibration_curve(strategy="uniform")``, empty bins kept).
* :func:`log_loss_split` — mean log loss = calibration + refinement + what varies inside the bins.
* :func:`fit_temperature` — the temperature T that minimizes the mean log loss of σ(z/T).
* :func:`recalibrated_loss` — that lowest mean log loss, with its limits at T = 0 and T = ∞.
* :func:`threshold_counts` — the confusion matrix, accuracy, precision and recall at a decision threshold.

Pure NumPy/SciPy; validation raises ``ValueError`` naming the argument (as ``lib.loss`` does).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lib import loss

RULES = ("log", "brier", "absolute", "zero_one")
RULE_NAMES = {"log": "log loss", "brier": "Brier (squared error)", "absolute": "absolute error",
              "zero_one": "0-1 loss (1 − accuracy)"}


def expected_score(q, r, rule: str):
    """Expected loss of reporting probability r for an outcome y ~ Bernoulli(q): q·L(1, r) + (1 − q)·L(0, r).

    Args:
        q: the true probability of y = 1, in [0, 1]; r: the reported probability, in [0, 1]. Arrays broadcast.
        rule: "log" (−log r or −log(1 − r), in nats), "brier" ((y − r)²), "absolute" (|y − r|) or "zero_one"
            (1 when the side of ½ is wrong; r ≥ ½ calls class 1, as ``lib.loss.zero_one`` does).

    Returns:
        An array of the broadcast shape (a float for scalars). Exact at r ∈ {0, 1}: the log rule gives ∞ where a
        possible outcome was called impossible (q > 0 at r = 0) and 0·∞ = 0 where it was not (q = 0 at r = 0).

    The log rule is ``lib.loss.bce(q, r)`` — BCE of the soft label q is exactly this expectation — so it carries the
    same few-ulp accuracy; the others are sums of non-negative terms.

    >>> float(expected_score(0.7, 0.7, "log")), float(expected_score(0.7, 0.7, "brier"))
    (0.6108643020548935, 0.21000000000000002)
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    q = loss.checked_array("q", q, 0.0, 1.0)
    r = loss.checked_array("r", r, 0.0, 1.0)
    try:
        q, r = np.broadcast_arrays(q, r)
    except ValueError:
        raise ValueError(f"q and r must broadcast: q has shape {q.shape}, r has shape {r.shape}") from None
    if rule == "log":
        out = loss.bce(np.array(q), np.array(r), reduction="none")  # copies: broadcast views are read-only
    elif rule == "brier":
        out = q * (1.0 - r) ** 2 + (1.0 - q) * r**2
    elif rule == "absolute":
        out = q * (1.0 - r) + (1.0 - q) * r
    else:
        out = np.where(r >= 0.5, 1.0 - q, q)
    return loss.scalar_or_array(np.asarray(out, dtype=np.float64) + 0.0)


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's data, one entry per bin (empty bins included).

    ``mean_p``: the mean predicted probability in the bin (the bin's centre where it is empty); ``frac_pos``: the
    observed frequency of y = 1 in the bin (0.0 where it is empty — a placeholder, read ``counts``); ``counts``:
    the number of samples in the bin. ``edges`` has ``bins + 1`` entries from 0 to 1.
    """

    mean_p: np.ndarray
    frac_pos: np.ndarray
    counts: np.ndarray
    edges: np.ndarray

    def __iter__(self):  # (mean_p, frac_pos, counts) = reliability_curve(...)
        return iter((self.mean_p, self.frac_pos, self.counts))


def _labels_and_probabilities(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = loss.checked_array("y", y, 0.0, 1.0).ravel()
    p = loss.checked_array("p", p, 0.0, 1.0).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y and p must have one length: {y.size} and {p.size}")
    if not np.all((y == 0.0) | (y == 1.0)):
        raise ValueError("y must hold hard labels 0 or 1")
    if y.size == 0:
        raise ValueError("y and p are empty")
    return y, p


def reliability_curve(y, p, bins: int = 10) -> Reliability:
    """Predicted probability against observed frequency in ``bins`` uniform bins on [0, 1].

    The binning is scikit-learn's ``calibration_curve(strategy="uniform")``: edges ``linspace(0, 1, bins + 1)``, a
    value on an inner edge going to the lower bin. Unlike it, empty bins are kept (count 0, placeholders as
    documented in :class:`Reliability`), so the arrays always have ``bins`` entries.

    >>> mean_p, frac_pos, counts = reliability_curve([0, 1, 1, 1], [0.1, 0.15, 0.8, 0.9], bins=2)
    >>> mean_p.tolist(), frac_pos.tolist(), counts.tolist()
    ([0.125, 0.8500000000000001], [0.5, 1.0], [2, 2])
    """
    y, p = _labels_and_probabilities(y, p)
    bins = int(bins)
    if not 1 <= bins <= 100:
        raise ValueError(f"bins must be between 1 and 100, got {bins}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(ids, minlength=bins)
    sum_p = np.bincount(ids, weights=p, minlength=bins)
    sum_y = np.bincount(ids, weights=y, minlength=bins)
    seen = counts > 0
    centres = (edges[:-1] + edges[1:]) / 2
    mean_p = np.where(seen, sum_p / np.maximum(counts, 1), centres)
    frac_pos = np.where(seen, sum_y / np.maximum(counts, 1), 0.0)
    return Reliability(mean_p=mean_p, frac_pos=frac_pos, counts=counts, edges=edges)


@dataclass(frozen=True)
class LogLossSplit:
    """Mean log loss in three parts that add up to it (nats):

    * ``calibration`` = Σₖ (nₖ/n)·KL(oₖ ‖ p̄ₖ): what the bins' average forecasts p̄ₖ lose against the frequencies
      oₖ actually observed in them — 0 for a calibrated model;
    * ``refinement`` = Σₖ (nₖ/n)·H(oₖ): the loss left once each bin is recalibrated to its frequency — small when
      the model sorts the samples into bins that are nearly all 0s or all 1s;
    * ``within_bins``: the rest, from forecasts that vary inside a bin (→ 0 with finer bins).
    """

    total: float
    calibration: float
    refinement: float
    within_bins: float


def log_loss_split(y, p, bins: int = 10) -> LogLossSplit:
    """Split the mean log loss of predictions p for labels y into calibration, refinement and within-bin parts."""
    y, p = _labels_and_probabilities(y, p)
    curve = reliability_curve(y, p, bins)
    weight = curve.counts / y.size
    seen = curve.counts > 0
    calibration = float(np.sum(weight[seen] * loss.bernoulli_kl(curve.frac_pos[seen], curve.mean_p[seen])))
    refinement = float(np.sum(weight[seen] * loss.bernoulli_entropy(curve.frac_pos[seen])))
    total = float(loss.bce(y, p))
    return LogLossSplit(total=total, calibration=calibration, refinement=refinement,
                        within_bins=total - calibration - refinement)


def _mean_loss_and_derivatives(beta: float, y: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    """J(β) = mean BCE(y, σ(β·z)) and its first two derivatives in β (J is convex in β)."""
    u = beta * z
    s = loss.sigmoid(u)
    value = float(np.mean(loss.logit_loss_kernel(y, u, 1.0)))
    first = float(np.mean(loss.logit_grad_kernel(y, u, 1.0) * z))  # σ(u) − y without rounding it away
    second = float(np.mean(s * (1.0 - s) * z * z))
    return value, first, second


def fit_temperature(y, z) -> float:
    """The temperature T > 0 whose probabilities σ(z/T) have the lowest mean log loss on (y, z).

    Solved for β = 1/T, where the loss is convex (it is logistic regression with one weight and no bias): Newton's
    method inside a bracket that always holds the minimum, to a relative step of 1e−13, so T is accurate to far
    better than 1e−8. Two limits have no finite T: logits that already separate the labels perfectly (the loss
    keeps falling as T → 0: returns 0.0), and logits no better than chance, whose best temperature is T → ∞ (every
    probability ½: returns inf).

    >>> round(fit_temperature([1, 0, 1, 0], [2.0, -2.0, -1.0, 1.0]), 6)   # two right, two wrong: soften them
    2.383122
    >>> fit_temperature([1, 0], [-1.0, 1.0])                              # worse than chance: no finite T
    inf
    """
    y = loss.checked_array("y", y, 0.0, 1.0).ravel()
    z = loss.checked_array("z", z).ravel()
    if y.shape != z.shape or y.size == 0:
        raise ValueError(f"y and z must have one, non-zero length: {y.size} and {z.size}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite")
    if np.all(np.where(y == 1.0, z > 0, z < 0)):         # every logit on its label's side: no finite T
        return 0.0
    _, slope0, _ = _mean_loss_and_derivatives(0.0, y, z)
    if slope0 >= 0:              # the loss does not fall from β = 0 on: T = ∞ (p = ½) is best
        return float("inf")
    lo, hi = 0.0, 1.0
    while _mean_loss_and_derivatives(hi, y, z)[1] < 0:   # grow until the slope turns
        lo, hi = hi, 2 * hi
        if hi > 1e12:
            return 0.0                                     # still falling (soft labels near-separated)
    beta = (lo + hi) / 2
    for _ in range(200):
        _, g, h = _mean_loss_and_derivatives(beta, y, z)
        if g < 0:
            lo = beta
        else:
            hi = beta
        step = g / h if h > 0 else np.inf
        new = beta - step
        if not lo < new < hi:                              # Newton left the bracket: bisect instead
            new = (lo + hi) / 2
        if abs(new - beta) <= 1e-13 * abs(new):
            beta = new
            break
        beta = new
    return 1.0 / beta


def recalibrated_loss(y, z, T: float) -> float:
    """The mean log loss of σ(z / T) on (y, z) for the best temperature T of :func:`fit_temperature`, including
    its two limits: T = 0 (logits that separate the labels: the loss tends to 0) and T = ∞ (every probability ½:
    log 2).

    >>> recalibrated_loss([1, 0], [-1.0, 1.0], float("inf")) == math.log(2)
    True
    """
    if T == 0:
        return 0.0
    if math.isinf(T):
        return math.log(2.0)
    return float(loss.bce_with_logits(np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64) / T))


@dataclass(frozen=True)
class ThresholdCounts:
    """The confusion matrix at a threshold t (predict 1 where p ≥ t) and the rates read from it."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / (self.tp + self.fp + self.fn + self.tn)

    @property
    def precision(self) -> float:
        """TP / (TP + FP); NaN when nothing is predicted positive (undefined, shown as "—")."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        """TP / (TP + FN); NaN when there are no positives."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


def threshold_counts(y, p, threshold: float) -> ThresholdCounts:
    """Confusion matrix of the decisions "p ≥ threshold means class 1".

    >>> c = threshold_counts([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], 0.5)
    >>> (c.tp, c.fp, c.fn, c.tn), c.accuracy
    ((1, 1, 1, 1), 0.5)
    """
    y, p = _labels_and_probabilities(y, p)
    t = float(threshold)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {t!r}")
    called = p >= t
    positive = y == 1.0
    return ThresholdCounts(threshold=t, tp=int(np.sum(called & positive)), fp=int(np.sum(called & ~positive)),
                           fn=int(np.sum(~called & positive)), tn=int(np.sum(~called & ~positive)))
