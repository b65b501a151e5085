"""Binary and categorical cross-entropy, exact over the whole double range.

Every function here returns the value of the real-number formula for the doubles it is given, to within a few
units in the last place (ulp): p from 5e-324 up to the largest double below 1, logits from -1000 to 1000 and
+-inf, soft labels such as 1 - 1e-10. The recipe, after ``scipy.special``:

* write each loss as a sum of non-negative terms, so that no subtraction can cancel;
* take ``log(1 - p)`` as ``log1p(-p)`` and ``log sigmoid(z)`` as ``log_expit(z)`` (``log(1 - sigmoid(z))`` is
  ``log_expit(-z)``), never through a rounded ``1 - p`` or ``sigmoid(z)``;
* skip a term whose weight is 0 (the convention 0 * log 0 = 0), so a certain hit is exactly 0;
* a certain mistake (y = 1, p = 0) is +inf, which is the true value, and no NumPy warning is raised for it.

Validation lives at this public edge (as in scikit-learn's ``log_loss``): NaN, values outside their range and
shapes that differ raise ``ValueError`` naming the argument and the first bad index and value.

All losses are in nats (natural log); ``to_bits`` converts.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = [
    "bce",
    "bce_terms",
    "bce_with_logits",
    "bce_grad_prob",
    "bce_grad_logit",
    "categorical_cross_entropy",
    "softmax_cross_entropy",
    "softmax",
    "framework_bce",
    "FRAMEWORKS",
    "brier",
    "hinge",
    "focal_loss",
    "zero_one",
    "comparison_grad_logit",
    "smooth_labels",
    "bernoulli_entropy",
    "bernoulli_kl",
    "sigmoid",
    "logit",
    "to_bits",
    "REDUCTIONS",
]

REDUCTIONS = ("none", "mean", "sum")
FRAMEWORKS = ("pytorch", "keras", "sklearn")

# Up to this many samples a mean or sum is correctly rounded (math.fsum; every table in the app is far smaller);
# beyond it NumPy's pairwise sum is used, whose relative error grows only like log2(n) * 2**-53.
_EXACT_SUM_LIMIT = 10_000


# --------------------------------------------------------------------------------------------------------------
# validation and reduction (the public edge)
# --------------------------------------------------------------------------------------------------------------
def _index(a: np.ndarray, flat: int) -> str:
    if a.ndim == 0:
        return ""
    idx = np.unravel_index(flat, a.shape)
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _as_array(name: str, value, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """``value`` as a float64 array; ValueError naming ``name`` and the first bad index for NaN or out of range."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {value!r:.60}") from None
    if a.size and lo is not None and lo <= a.min() and a.max() <= hi:  # NaN fails both: one pass decides
        return a
    nan = np.isnan(a)
    if nan.any():
        i = int(np.flatnonzero(nan)[0])
        raise ValueError(f"{name}{_index(a, i)} is NaN; {name} must be a number")
    if lo is not None:
        bad = (a < lo) | (a > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}{_index(a, i)} = {float(a.flat[i])!r} is outside [{lo:g}, {hi:g}]")
    return a


def _same_shape(**arrays: np.ndarray) -> tuple[int, ...]:
    """The common shape; a scalar (0-d) may stand beside an array, two arrays of different shapes may not."""
    shapes = {name: a.shape for name, a in arrays.items() if a.ndim > 0}
    distinct = set(shapes.values())
    if len(distinct) > 1:
        desc = ", ".join(f"{name} has shape {s}" for name, s in shapes.items())
        raise ValueError(f"inputs must have one shape: {desc}")
    return distinct.pop() if distinct else ()


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _sum(values: np.ndarray) -> float:
    """Sum of non-negative values, correctly rounded up to ``_EXACT_SUM_LIMIT`` values."""
    if values.size <= _EXACT_SUM_LIMIT:
        return math.fsum(values.ravel().tolist())
    return float(np.sum(values))


def _reduce(values: np.ndarray, reduction: str):
    if reduction == "none":
        return _scalar_or_array(values)
    if values.size == 0:
        raise ValueError("cannot take the mean or sum of zero samples")
    total = _sum(values)
    return total if reduction == "sum" else total / values.size


def _scalar_or_array(a):
    """A 0-d result as a NumPy scalar, anything else as the array itself (scalars in, scalar out)."""
    a = np.asarray(a)
    return a[()] if a.ndim == 0 else a


def _weighted(weight: np.ndarray, term: np.ndarray) -> np.ndarray:
    """weight * term, with 0 where the weight is 0 (0 * inf = 0: a term whose label weight is 0 is skipped)."""
    weight, term = np.broadcast_arrays(weight, term)
    out = np.zeros(weight.shape)
    np.multiply(weight, term, out=out, where=weight != 0)
    return out


# --------------------------------------------------------------------------------------------------------------
# binary cross-entropy
# --------------------------------------------------------------------------------------------------------------
def bce_terms(y, p) -> tuple[np.ndarray, np.ndarray]:
    """The two terms of BCE per sample: the positive term −y·log p and the negative term −(1−y)·log(1−p).

    Args:
        y: true labels in [0, 1] (hard 0/1 or soft); scalar or array.
        p: predicted probabilities of class 1, in [0, 1]; scalar or array of the same shape as ``y``.

    Returns:
        ``(positive_term, negative_term)``, each of the broadcast shape, each >= 0; 0 * log 0 = 0, so a term whose
        weight is 0 is exactly 0 and a certain mistake is +inf.

    ``log(1 − p)`` is ``log1p(−p)``: ``1 − p`` would round away all of p below 1e-16.

    >>> [float(t) for t in bce_terms(1.0, 0.8)]
    [0.2231435513142097, 0.0]
    """
    y = _as_array("y", y, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    shape = _same_shape(y=y, p=p)
    y, p = np.broadcast_to(y, shape), np.broadcast_to(p, shape)
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = −inf: the true price of a certain mistake
        log_p = np.log(p)
        # log(1 − p) exactly, with vectorized operations only: q = 1 − p rounds, but d = (1 − q) − p is exact
        # (Sterbenz), so 1 − p = q + d and log(1 − p) = log q + log1p(d/q) = log q + d/q, as |d/q| < 2**-53.
        q = 1.0 - p
        log_q = np.log(q) + ((1.0 - q) - p) / q
        has_one = bool(p.size) and p.max() == 1.0
        if has_one:
            log_q = np.where(p == 1.0, -np.inf, log_q)  # d/q was 0/0 there
        # 0.0 − log(·) rather than −log(·) keeps a certain hit at +0.0
        positive = y * (0.0 - log_p)
        negative = (1.0 - y) * (0.0 - log_q)
    if p.size and p.min() == 0.0:        # 0·log 0 = 0: a term whose weight is 0 is skipped, not 0·inf = NaN
        positive = _weighted(y, 0.0 - log_p)
    if has_one:
        negative = _weighted(1.0 - y, 0.0 - log_q)
    positive, negative = np.broadcast_to(positive, shape), np.broadcast_to(negative, shape)
    return _scalar_or_array(positive), _scalar_or_array(negative)


def bce(y, p, *, reduction: str = "mean"):
    """Binary cross-entropy from probabilities: L = −[y·log p + (1−y)·log(1−p)], in nats.

    Args:
        y: labels in [0, 1]; p: probabilities in [0, 1]; scalars or arrays of one shape.
        reduction: "none" (per sample), "mean" (default) or "sum".

    The sum of the two non-negative terms of :func:`bce_terms`; the mean is correctly rounded up to 100 000
    samples (``math.fsum``).

    >>> bce([1, 0], [0.8, 0.2])
    0.22314355131420974
    >>> bce(1, 0)
    inf
    """
    _check_reduction(reduction)
    positive, negative = bce_terms(y, p)
    return _reduce(positive + negative, reduction)


def _softplus(z: np.ndarray) -> np.ndarray:
    """softplus(z) = log(1 + e^z) = −log σ(−z), exact for all z including ±inf.

    Written as max(z, 0) + log1p(e) with e = e^−|z| ∈ [0, 1]: two non-negative parts, so nothing cancels. log1p
    is taken with vectorized operations only: u = 1 + e rounds, but e − (u − 1) is its exact rounding error
    (Fast2Sum), so log1p(e) = log u + (e − (u − 1))/u — several times faster than ``scipy.special.log_expit``
    or ``np.log1p`` on large arrays, and as exact (tests/test_loss.py checks it against mpmath).
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    u = 1.0 + e
    return np.maximum(z, 0.0) + (np.log(u) + (e - (u - 1.0)) / u)


def bce_with_logits(y, z, *, reduction: str = "mean", pos_weight: float = 1.0):
    """Binary cross-entropy from logits: L = pos_weight·y·softplus(−z) + (1−y)·softplus(z), in nats.

    This is −[w·y·log σ(z) + (1−y)·log(1−σ(z))] with w = ``pos_weight`` (PyTorch's meaning: the positive term is
    multiplied by w). ``softplus(−z) = −log_expit(z)`` is exact where ``log(sigmoid(z))`` would round σ(z) to 1
    and return 0 for z > 37.

    Args:
        y: labels in [0, 1]; z: logits, any real or ±inf (σ(+inf) = 1); one shape.
        reduction: "none", "mean" or "sum". pos_weight: >= 0.

    >>> float(bce_with_logits(1.0, 40.0, reduction="none"))
    4.248354255291589e-18
    """
    _check_reduction(reduction)
    y = _as_array("y", y, 0.0, 1.0)
    z = _as_array("z", z)
    w = _pos_weight(pos_weight)
    _same_shape(y=y, z=z)
    return _reduce(logit_loss_kernel(y, z, w), reduction)


def logit_loss_kernel(y: np.ndarray, z: np.ndarray, pos_weight: float) -> np.ndarray:
    """Per-sample BCE from logits for already validated float arrays (the hot path of training and landscapes).

    With hard labels only one term is live, softplus(−z) for y = 1 and softplus(z) for y = 0: one softplus per
    element instead of two, exactly the same values.
    """
    y = np.asarray(y, dtype=np.float64)
    if np.all((y == 0.0) | (y == 1.0)):
        positive = y == 1.0
        term = _softplus(np.where(positive, -z, z))
        return np.where(positive, pos_weight * term, term) if pos_weight != 1.0 else term
    # w * (y * term), not (w * y) * term: w * y can underflow to 0 for a subnormal y and drop a live term
    return pos_weight * _weighted(y, _softplus(-z)) + _weighted(1.0 - y, _softplus(z))


def logit_grad_kernel(y: np.ndarray, z: np.ndarray, pos_weight: float) -> np.ndarray:
    """Per-sample ∂L/∂z for already validated float arrays (see :func:`bce_grad_logit`).

    σ is bounded, so no 0·inf can arise and plain products suffice (a term with weight 0 is exactly 0).
    """
    return (1.0 - y) * special.expit(z) - pos_weight * (y * special.expit(-z))


def _pos_weight(pos_weight) -> float:
    try:
        w = float(pos_weight)
    except (TypeError, ValueError):
        raise ValueError(f"pos_weight must be a number, got {pos_weight!r:.60}") from None
    if not (w >= 0 and math.isfinite(w)):
        raise ValueError(f"pos_weight must be finite and >= 0, got {w!r}")
    return w


def bce_grad_prob(y, p) -> np.ndarray:
    """∂L/∂p per sample: −y/p + (1−y)/(1−p) = (p − y) / (p·(1−p)).

    The second form has no cancellation (p − y is one rounding of two exact inputs), so it is used wherever
    p·(1−p) > 0. At p = 0 or 1 only the term with non-zero weight counts: −inf at p = 0 for y > 0, +inf at p = 1
    for y < 1, and 1 (resp. −1) where the label makes the other term vanish.

    >>> float(bce_grad_prob(1.0, 0.5))
    -2.0
    """
    y = _as_array("y", y, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    shape = _same_shape(y=y, p=p)
    y, p = np.broadcast_to(y, shape), np.broadcast_to(p, shape)
    q = 1.0 - p  # exact for p >= 0.5; for p < 0.5 one rounding of a number >= 0.5
    denom = p * q
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # beyond the double range: ±inf
        out = np.asarray((p - y) / denom, dtype=np.float64)  # a fresh, writable result (0-d for scalars)
    edge = denom == 0  # p = 0 or 1: only the term with non-zero weight counts
    if edge.any():
        with np.errstate(divide="ignore"):
            pos = _weighted(y[edge], -1.0 / p[edge])
            neg = _weighted(1.0 - y[edge], 1.0 / q[edge])
        out[edge] = pos + neg
    return _scalar_or_array(out)


def bce_grad_logit(y, z, *, pos_weight: float = 1.0) -> np.ndarray:
    """∂L/∂z per sample: −w·y·σ(−z) + (1−y)·σ(z), which is σ(z) − y for w = 1.

    For a hard label only one term is left, −σ(−z) (y = 1) or σ(z) (y = 0), each exact: the textbook
    ``sigmoid(z) - 1`` would round to 0 for z > 37. A soft label keeps both terms; near the optimum σ(z) ≈ y
    their difference carries an absolute error of about 2**-53, the rounding of σ(z) itself.

    >>> float(bce_grad_logit(1.0, 40.0))
    -4.248354255291589e-18
    """
    y = _as_array("y", y, 0.0, 1.0)
    z = _as_array("z", z)
    w = _pos_weight(pos_weight)
    _same_shape(y=y, z=z)
    out = logit_grad_kernel(y, z, w)
    return _scalar_or_array(out)


# --------------------------------------------------------------------------------------------------------------
# many classes
# --------------------------------------------------------------------------------------------------------------
def _as_rows(name: str, value, lo=None, hi=None) -> np.ndarray:
    a = _as_array(name, value, lo, hi)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (samples × classes), got shape {a.shape}")
    return a


def _check_rows_sum_to_one(name: str, a: np.ndarray) -> None:
    sums = np.sum(a, axis=1)
    bad = np.abs(sums - 1.0) > 1e-6
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}] sums to {sums[i]!r}, not 1: each row must be a probability distribution")


def categorical_cross_entropy(Y, P, *, reduction: str = "mean"):
    """Categorical cross-entropy from probabilities: L = −Σⱼ yⱼ·log pⱼ per sample (row), in nats.

    Args:
        Y: targets, shape (n, C) or (C,): one-hot or soft rows summing to 1.
        P: predicted probabilities of the same shape, rows summing to 1.
        reduction: "none" (per row), "mean" or "sum" over rows.

    Terms with yⱼ = 0 are skipped (0·log 0 = 0); each row is a correctly rounded sum of non-negative terms.

    >>> categorical_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1])
    0.35667494393873245
    """
    _check_reduction(reduction)
    Y = _as_rows("Y", Y, 0.0, 1.0)
    P = _as_rows("P", P, 0.0, 1.0)
    if Y.shape != P.shape:
        raise ValueError(f"inputs must have one shape: Y has shape {Y.shape}, P has shape {P.shape}")
    _check_rows_sum_to_one("Y", Y)
    _check_rows_sum_to_one("P", P)
    with np.errstate(divide="ignore"):
        terms = -special.xlogy(Y, P) + 0.0
    return _reduce(_row_sums(terms), reduction)


def _row_sums(terms: np.ndarray) -> np.ndarray:
    if terms.size <= _EXACT_SUM_LIMIT:
        return np.array([math.fsum(row) for row in terms.tolist()])
    return np.sum(terms, axis=1)


def _shifted_logits(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z − max(Z) per row as an unevaluated sum hi + lo (TwoSum, exact), and a mask of one argmax per row.

    Rows with +inf logits give their +inf classes 0 and every other class −inf (the +inf classes share the
    probability); a row of only −inf is treated as all equal.
    """
    m = np.max(Z, axis=1, keepdims=True)
    top = np.isposinf(m[:, 0])
    none = np.isneginf(m[:, 0])
    Zs = Z.copy()
    if top.any():
        Zs[top] = np.where(np.isposinf(Z[top]), 0.0, -np.inf)
    if none.any():
        Zs[none] = 0.0
    m = np.max(Zs, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        hi = Zs - m
        # TwoSum(Zs, -m): the rounding error of the subtraction, exactly
        bp = hi - Zs
        ap = hi - bp
        lo = (Zs - ap) + (-m - bp)
    lo = np.where(np.isfinite(hi) & np.isfinite(lo), lo, 0.0)
    arg = np.zeros(Z.shape, dtype=bool)
    arg[np.arange(Z.shape[0]), np.argmax(Zs, axis=1)] = True
    return hi, lo, arg


def _log_softmax_neg(Z: np.ndarray) -> np.ndarray:
    """−log softmax(Z) per entry, >= 0, exact: log1p(Σ_{k≠argmax} e^{zₖ−m}) + (m − zⱼ).

    ``scipy.special.log_softmax`` subtracts logsumexp from zⱼ, which loses all digits of a small loss
    (z = [30, 0]: −log p₀ = 9.4e-14 comes out 2% off); here the two parts are non-negative and added.
    """
    hi, lo, arg = _shifted_logits(Z)
    e = np.exp(hi) * (1.0 + lo)
    e[arg] = 0.0
    rest = np.sum(e, axis=1, keepdims=True) if Z.shape[1] > 1 else np.zeros((Z.shape[0], 1))
    return np.log1p(rest) + (-hi - lo)


def softmax(Z) -> np.ndarray:
    """softmax(Z) per row, exact where scipy's would be (and rows with +inf logits handled as limits)."""
    Z = _as_rows("Z", Z)
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-_log_softmax_neg(Z))


def softmax_cross_entropy(Y, Z, *, reduction: str = "mean"):
    """Cross-entropy of softmax(Z) against targets Y: L = −Σⱼ yⱼ·log softmax(z)ⱼ per row, in nats.

    Args:
        Y: targets, shape (n, C) or (C,), rows one-hot or soft summing to 1.
        Z: logits of the same shape; any real, ±inf allowed (+inf classes take all the probability).
        reduction: "none", "mean" or "sum" over rows.

    Exact for huge logits: −log softmax(z)ⱼ is computed as the sum of two non-negative parts (see
    ``_log_softmax_neg``), so a tiny loss keeps its digits. With C = 2 this is exactly BCE with logits z₁ − z₀.

    >>> softmax_cross_entropy([1, 0], [30.0, 0.0])
    9.357622968839737e-14
    """
    _check_reduction(reduction)
    Y = _as_rows("Y", Y, 0.0, 1.0)
    Z = _as_rows("Z", Z)
    if Y.shape != Z.shape:
        raise ValueError(f"inputs must have one shape: Y has shape {Y.shape}, Z has shape {Z.shape}")
    _check_rows_sum_to_one("Y", Y)
    terms = _weighted(Y, _log_softmax_neg(Z))
    return _reduce(_row_sums(terms), reduction)


# --------------------------------------------------------------------------------------------------------------
# what frameworks report
# --------------------------------------------------------------------------------------------------------------
def framework_bce(y, p, framework: str, *, reduction: str = "mean"):
    """BCE as a framework reports it for the same (y, p): each has a clamp that hides the extremes.

    * ``"pytorch"`` — ``torch.nn.functional.binary_cross_entropy``: each log is clamped at −100, so a certain
      mistake costs 100 instead of inf. L = −[y·max(log p, −100) + (1−y)·max(log1p(−p), −100)].
    * ``"keras"`` — ``keras.losses.binary_crossentropy`` (from probabilities): p is clipped to
      [1e−7, 1 − 1e−7] first, so no loss is above −log 1e−7 ≈ 16.1 and no hit costs less than ≈ 1e−7.
    * ``"sklearn"`` — ``sklearn.metrics.log_loss``: p is clipped to [ε, 1 − ε] with ε = 2.2e−16, the float64
      machine epsilon: a certain mistake costs ≈ 36.04.

    These are clamps, not the loss: compare with :func:`bce`.

    >>> framework_bce(1, 0, "pytorch")
    100.0
    """
    _check_reduction(reduction)
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    y = _as_array("y", y, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    if framework == "pytorch":
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        values = -(y * log_p + (1.0 - y) * log_q)
    else:
        eps = 1e-7 if framework == "keras" else float(np.finfo(np.float64).eps)
        pc = np.clip(p, eps, 1.0 - eps)
        values = -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
    return _reduce(np.asarray(values + 0.0), reduction)


# --------------------------------------------------------------------------------------------------------------
# losses to compare with
# --------------------------------------------------------------------------------------------------------------
def brier(y, p, *, reduction: str = "mean"):
    """Squared error on probabilities (Brier score): (p − y)².

    Bounded by 1, so a confident mistake costs at most 1 — and through a sigmoid its gradient in z,
    2(p − y)·p(1−p), vanishes exactly on confident mistakes.
    """
    _check_reduction(reduction)
    y = _as_array("y", y, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    return _reduce(np.asarray(np.square(p - y)), reduction)


def hinge(y, z, *, reduction: str = "mean"):
    """Hinge loss on logits, labels {0, 1} read as t = 2y − 1 ∈ {−1, +1}: max(0, 1 − t·z)."""
    _check_reduction(reduction)
    y = _as_array("y", y, 0.0, 1.0)
    z = _as_array("z", z)
    _same_shape(y=y, z=z)
    t = 2.0 * y - 1.0
    with np.errstate(invalid="ignore"):
        margin = 1.0 - _weighted(t, z)
    return _reduce(np.asarray(np.maximum(margin, 0.0)), reduction)


def focal_loss(y, z, *, gamma: float = 2.0, alpha: float | None = None, reduction: str = "mean"):
    """Focal loss on logits (Lin et al. 2017): (1 − p_t)^γ · CE, optionally weighted by α_t.

    p_t is the probability given to the true class; 1 − p_t = y·σ(−z) + (1−y)·σ(z), taken without the
    cancellation of ``1 − p_t``. α weights the positive class: α_t = α·y + (1−α)·(1−y). γ = 0, α = None is BCE.
    """
    _check_reduction(reduction)
    y = _as_array("y", y, 0.0, 1.0)
    z = _as_array("z", z)
    _same_shape(y=y, z=z)
    gamma = float(gamma)
    if not (gamma >= 0 and math.isfinite(gamma)):
        raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
    ce = _weighted(y, _softplus(-z)) + _weighted(1.0 - y, _softplus(z))
    miss = _weighted(y, special.expit(-z)) + _weighted(1.0 - y, special.expit(z))
    values = _weighted(np.power(miss, gamma), ce) if gamma else ce
    if alpha is not None:
        alpha = float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
        values = _weighted(alpha * y + (1.0 - alpha) * (1.0 - y), values)
    return _reduce(np.asarray(values), reduction)


def _hard_sign(y: np.ndarray) -> np.ndarray:
    if not np.all((y == 0) | (y == 1)):
        i = int(np.flatnonzero((y != 0) & (y != 1))[0])
        raise ValueError(f"y{_index(y, i)} = {float(y.flat[i])!r}: this gradient is defined for hard labels 0 or 1")
    return 2.0 * y - 1.0


def comparison_grad_logit(y, z, loss_name: str, *, gamma: float = 2.0, alpha: float | None = None) -> np.ndarray:
    """∂L/∂z per sample for the comparison losses, hard labels y ∈ {0, 1}, p = σ(z), t = 2y − 1:

    * ``"bce"``: σ(z) − y.
    * ``"brier"``: 2(p − y)·p(1 − p) — it vanishes as p → 0 or 1, so a confident mistake barely moves.
    * ``"hinge"``: −t where t·z < 1, else 0.
    * ``"zero_one"``: 0 almost everywhere (no signal to learn from).
    * ``"focal"``: t·α_t·[γ(1 − q)^γ·q·log q − (1 − q)^(γ+1)] with q = σ(t·z) = p_t (derived from
      FL = −α_t(1 − q)^γ log q with dq/dz = t·q(1 − q)).
    """
    y = _as_array("y", y, 0.0, 1.0)
    z = _as_array("z", z)
    _same_shape(y=y, z=z)
    t = _hard_sign(y)
    if loss_name == "bce":
        out = logit_grad_kernel(y, z, 1.0)
    elif loss_name == "brier":
        p = special.expit(z)
        out = 2.0 * (p - y) * p * special.expit(-z)
    elif loss_name == "hinge":
        out = np.where(t * z < 1.0, -t, 0.0)
    elif loss_name == "zero_one":
        out = np.zeros(np.broadcast(y, z).shape)
    elif loss_name == "focal":
        gamma = float(gamma)
        q = special.expit(t * z)
        miss = special.expit(-t * z)  # 1 − q without cancellation
        with np.errstate(invalid="ignore"):
            out = t * (gamma * _weighted(q * np.power(miss, gamma), special.log_expit(t * z))
                       - np.power(miss, gamma + 1.0))
        if alpha is not None:
            out = out * (float(alpha) * y + (1.0 - float(alpha)) * (1.0 - y))
    else:
        raise ValueError(f"loss_name must be one of bce, brier, hinge, zero_one, focal; got {loss_name!r}")
    out = np.asarray(out + 0.0)
    return _scalar_or_array(out)


def zero_one(y, p, *, reduction: str = "mean"):
    """0-1 loss: 1 where the prediction is on the wrong side of 0.5 (p >= 0.5 predicts class 1), else 0."""
    _check_reduction(reduction)
    y = _as_array("y", y, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    return _reduce(np.asarray(((p >= 0.5) != (y >= 0.5)).astype(np.float64)), reduction)


def smooth_labels(y, epsilon: float):
    """Label smoothing: y·(1 − ε) + ε/2, so a hard 1 becomes 1 − ε/2 and a hard 0 becomes ε/2."""
    y = _as_array("y", y, 0.0, 1.0)
    epsilon = float(epsilon)
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
    out = y * (1.0 - epsilon) + epsilon / 2.0
    return _scalar_or_array(out)


# --------------------------------------------------------------------------------------------------------------
# information theory
# --------------------------------------------------------------------------------------------------------------
def bernoulli_entropy(q):
    """H(q) = −q·log q − (1−q)·log(1−q), in nats: the loss of predicting the target's own probability, BCE(q, q).

    The floor no model can beat on labels that are themselves uncertain; 0 for a hard label.
    """
    return bce(q, q, reduction="none")


def bernoulli_kl(q, p):
    """KL(q‖p) = q·log(q/p) + (1−q)·log((1−q)/(1−p)), in nats, ≥ 0, and 0 only at p = q.

    Computed as ``kl_div(q, p) + kl_div(1−q, 1−p)`` (scipy's kl_div(x, y) = x·log(x/y) − x + y is
    non-negative term by term; the −x + y parts cancel in the sum): no subtraction of two cross-entropies, so a
    tiny divergence keeps its digits. Cross-entropy splits as BCE(q, p) = H(q) + KL(q‖p).
    """
    q = _as_array("q", q, 0.0, 1.0)
    p = _as_array("p", p, 0.0, 1.0)
    _same_shape(q=q, p=p)
    with np.errstate(divide="ignore"):
        out = special.kl_div(q, p) + special.kl_div(1.0 - q, 1.0 - p)
    out = np.asarray(out + 0.0)
    return _scalar_or_array(out)


# --------------------------------------------------------------------------------------------------------------
# conversions
# --------------------------------------------------------------------------------------------------------------
def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z) (``scipy.special.expit``); σ(±inf) = 1, 0."""
    out = special.expit(_as_array("z", z))
    return _scalar_or_array(out)


def logit(p):
    """logit(p) = log(p / (1 − p)), the inverse of σ; ±inf at p = 1, 0.

    Near p = 1/2 the two logs of ``log p − log1p(−p)`` cancel, so there it is log1p((2p − 1)/(1 − p)), whose
    2p − 1 is exact for p >= 1/4.
    """
    p = _as_array("p", p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        middle = (p >= 0.25) & (p <= 0.75)
        out = np.where(middle, np.log1p((2.0 * p - 1.0) / (1.0 - p)), np.log(p) - np.log1p(-p))
    return _scalar_or_array(out)


def to_bits(nats):
    """A loss in nats as bits: divide by ln 2."""
    return np.asarray(nats, dtype=np.float64) / math.log(2.0) if np.ndim(nats) else float(nats) / math.log(2.0)
