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


def checked_array(name: str, value, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """``value`` as a float64 array; ValueError naming ``name`` and the first bad index for NaN or out of range."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        a = value.astype(np.float64, copy=False)
    else:
        a = _from_python(name, value)
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


def _from_python(name: str, value) -> np.ndarray:
    """Python numbers or nested lists as float64; None, text and integers beyond the double range are refused by
    name (``np.asarray(None, float)`` would be NaN and ``np.asarray(10**400, float)`` an OverflowError)."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # ragged lists
        raise ValueError(f"{name} must be numbers in a regular array, got {value!r:.60}") from None
    if raw.dtype.kind in "biuf":
        return raw.astype(np.float64, copy=False)
    if raw.dtype.kind != "O":
        raise ValueError(f"{name} must be numbers, got {value!r:.60}")
    out = np.empty(raw.shape)
    for i, v in enumerate(raw.flat):
        if v is None or isinstance(v, (str, bytes)) or not isinstance(v, (int, float, np.number)):
            raise ValueError(f"{name}{_index(raw, i)} must be a number, got {v!r:.60}")
        try:
            out.flat[i] = float(v)
        except OverflowError:
            raise ValueError(f"{name}{_index(raw, i)} = {_digits(v)} is beyond the double range (±1.8e308)") from None
    return out


def _digits(v) -> str:
    text = str(v)
    return text if len(text) <= 12 else f"{text[:4]}…({len(text)} digits)"


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
        return scalar_or_array(values)
    if values.size == 0:
        raise ValueError("cannot take the mean or sum of zero samples")
    total = _sum(values)
    return total if reduction == "sum" else total / values.size


def scalar_or_array(a):
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
    y = checked_array("y", y, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
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
    return scalar_or_array(positive), scalar_or_array(negative)


def bce(y, p, *, reduction: str = "mean"):
    """Binary cross-entropy from probabilities: L = −[y·log p + (1−y)·log(1−p)], in nats.

    Args:
        y: labels in [0, 1]; p: probabilities in [0, 1]; scalars or arrays of one shape.
        reduction: "none" (per sample), "mean" (default) or "sum".

    The sum of the two non-negative terms of :func:`bce_terms`; the mean is correctly rounded up to 10 000
    samples (``math.fsum``; ``_EXACT_SUM_LIMIT``).

    >>> bce([1, 0], [0.8, 0.2])
    0.22314355131420974
    >>> bce(1, 0)
    inf
    """
    _check_reduction(reduction)
    positive, negative = bce_terms(y, p)
    return _reduce(positive + negative, reduction)


def softplus(z: np.ndarray) -> np.ndarray:
    """softplus(z) = log(1 + e^z) = −log σ(−z), exact for all z including ±inf.

    Written as max(z, 0) + log1p(e) with e = e^−|z| ∈ [0, 1]: two non-negative parts, so nothing cancels, and
    ``np.log1p`` keeps e's digits where 1 + e would round them away (tests/test_loss.py checks it against mpmath).

    >>> float(softplus(0.0)) == math.log(2), float(softplus(-800.0)), float(softplus(800.0))
    (True, 0.0, 800.0)
    """
    z = np.asarray(z, dtype=np.float64)
    if z.size <= BLOCK:
        return _softplus_block(z)
    # a large array a cache-sized block at a time: its temporaries stay in the CPU's cache instead of each being
    # a fresh multi-megabyte allocation
    flat = z.ravel()
    out = np.empty(flat.shape)
    for i in range(0, flat.size, BLOCK):
        out[i:i + BLOCK] = _softplus_block(flat[i:i + BLOCK])
    return out.reshape(z.shape)


BLOCK = 8192  # values per block of a large computation: 64 KB, so the block and its temporaries fit in L2


def _softplus_block(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


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
    y = checked_array("y", y, 0.0, 1.0)
    z = checked_array("z", z)
    w = checked_pos_weight(pos_weight)
    _same_shape(y=y, z=z)
    return _reduce(logit_loss_kernel(y, z, w), reduction)


def logit_loss_kernel(y: np.ndarray, z: np.ndarray, pos_weight: float) -> np.ndarray:
    """Per-sample BCE from logits for already validated float arrays (the hot path of training and landscapes).

    With hard labels only one term is live, softplus(−z) for y = 1 and softplus(z) for y = 0: one softplus per
    element instead of two, exactly the same values.
    """
    y = np.asarray(y, dtype=np.float64)
    # beyond the double range (w·softplus(1e308) for w > 1) the loss is +inf, which is its rounded value: no warning
    with np.errstate(over="ignore"):
        if np.all((y == 0.0) | (y == 1.0)):
            positive = y == 1.0
            term = softplus(np.where(positive, -z, z))
            return np.where(positive, pos_weight * term, term) if pos_weight != 1.0 else term
        # w * (y * term), not (w * y) * term: w * y can underflow to 0 for a subnormal y and drop a live term
        return pos_weight * _weighted(y, softplus(-z)) + _weighted(1.0 - y, softplus(z))


def logit_grad_kernel(y: np.ndarray, z: np.ndarray, pos_weight: float) -> np.ndarray:
    """Per-sample ∂L/∂z for already validated float arrays (see :func:`bce_grad_logit`).

    σ is bounded, so no 0·inf can arise and plain products suffice (a term with weight 0 is exactly 0).
    """
    return (1.0 - y) * special.expit(z) - pos_weight * (y * special.expit(-z))


def checked_pos_weight(pos_weight) -> float:
    """``pos_weight`` as a float; ValueError unless it is a finite number ≥ 0."""
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
    y = checked_array("y", y, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
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
    return scalar_or_array(out)


def bce_grad_logit(y, z, *, pos_weight: float = 1.0) -> np.ndarray:
    """∂L/∂z per sample: −w·y·σ(−z) + (1−y)·σ(z), which is σ(z) − y for w = 1.

    For a hard label only one term is left, −σ(−z) (y = 1) or σ(z) (y = 0), each exact: the textbook
    ``sigmoid(z) - 1`` would round to 0 for z > 37. A soft label keeps both terms; near the optimum σ(z) ≈ y
    their difference carries an absolute error of about 2**-53, the rounding of σ(z) itself.

    >>> float(bce_grad_logit(1.0, 40.0))
    -4.248354255291589e-18
    """
    y = checked_array("y", y, 0.0, 1.0)
    z = checked_array("z", z)
    w = checked_pos_weight(pos_weight)
    _same_shape(y=y, z=z)
    out = logit_grad_kernel(y, z, w)
    return scalar_or_array(out)


# --------------------------------------------------------------------------------------------------------------
# many classes
# --------------------------------------------------------------------------------------------------------------
def _as_rows(name: str, value, lo=None, hi=None) -> np.ndarray:
    a = checked_array(name, value, lo, hi)
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
    """softmax(Z) per row, within a few ulp (rows with +inf logits handled as limits).

    pⱼ = e^(zⱼ − m) / Σₖ e^(zₖ − m) with m the row's largest logit, the shift carried exactly (TwoSum), so every
    pⱼ is two roundings of exp and one division. ``exp(−(−log pⱼ))`` would turn the absolute error of a large
    −log pⱼ into a relative error of pⱼ (tens of ulp for p ~ 1e−30).

    >>> [round(float(v), 6) for v in softmax([0.0, 1.0, 2.0])[0]]
    [0.090031, 0.244728, 0.665241]
    """
    Z = _as_rows("Z", Z)
    hi, lo, _ = _shifted_logits(Z)
    with np.errstate(under="ignore"):
        e = np.exp(hi) * (1.0 + lo)        # e^(hi + lo), hi + lo = zⱼ − m exactly; the argmax's is 1
    return e / _row_sums(e)[:, None]


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
    """BCE as a framework's probability-based call reports it for the same (y, p), in that call's dtype.

    * ``"pytorch"`` — ``torch.nn.functional.binary_cross_entropy`` (``nn.BCELoss``) on float32 tensors, PyTorch's
      default dtype: −[y·max(log p, −100) + (1−y)·max(log1p(−p), −100)] in float32. A certain mistake costs 100;
      p within 3e−8 of 1 rounds to 1 in float32, so a true 0 there costs 100 too.
    * ``"keras"`` — ``keras.losses.BinaryCrossentropy()`` / ``binary_crossentropy`` on float32 probabilities (what
      ``model.compile`` uses by default), from_logits=False: p clipped to [1e−7, 1 − 1e−7] in float32, whose upper
      end is 1 − 2⁻²³, so a true 1 at p = 0 costs −log 1e−7 ≈ 16.12 but a true 0 at p = 1 costs 23·log 2 ≈ 15.94.
      (With the TensorFlow backend a model whose last layer is a sigmoid hands its logits to the loss, which is
      then exact: the clip applies only to bare probabilities.)
    * ``"sklearn"`` — ``sklearn.metrics.log_loss`` in float64: p clipped to [ε, 1 − ε], ε = 2.2e−16, so a certain
      mistake costs ≈ 36.04. It accepts hard labels only: soft labels raise ValueError here as they do there.

    These are clamps, not the loss: compare with :func:`bce`.

    >>> float(framework_bce(1, 0, "pytorch"))
    100.0
    >>> round(float(framework_bce(0, 1, "keras")), 4)
    15.9424
    """
    _check_reduction(reduction)
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    y = checked_array("y", y, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    if framework == "sklearn":
        if not np.all((y == 0.0) | (y == 1.0)):
            i = int(np.flatnonzero((y != 0.0) & (y != 1.0))[0])
            raise ValueError(f"y{_index(y, i)} = {float(y.flat[i])!r}: scikit-learn's log_loss accepts hard labels "
                             "0 or 1 only")
        eps = float(np.finfo(np.float64).eps)
        pc = np.clip(p, eps, 1.0 - eps)
        values = -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
    else:
        y32, p32 = y.astype(np.float32), p.astype(np.float32)
        one = np.float32(1.0)
        with np.errstate(divide="ignore"):
            if framework == "pytorch":
                log_p = np.maximum(np.log(p32), np.float32(-100.0))
                log_q = np.maximum(np.log1p(-p32), np.float32(-100.0))
            else:  # keras: both clip ends are float32 numbers, the upper one 1 − 2⁻²³
                pc = np.clip(p32, np.float32(1e-7), np.float32(1.0 - 1e-7))
                log_p, log_q = np.log(pc), np.log(one - pc)
        values = (-(y32 * log_p + (one - y32) * log_q)).astype(np.float64)
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
    y = checked_array("y", y, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    return _reduce(np.asarray(np.square(p - y)), reduction)


def hinge(y, z, *, reduction: str = "mean"):
    """Hinge loss on logits, labels {0, 1} read as t = 2y − 1 ∈ {−1, +1}: max(0, 1 − t·z)."""
    _check_reduction(reduction)
    y = checked_array("y", y, 0.0, 1.0)
    z = checked_array("z", z)
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
    y = checked_array("y", y, 0.0, 1.0)
    z = checked_array("z", z)
    _same_shape(y=y, z=z)
    gamma, alpha = _focal_parameters(gamma, alpha)
    ce = _weighted(y, softplus(-z)) + _weighted(1.0 - y, softplus(z))
    miss = _weighted(y, special.expit(-z)) + _weighted(1.0 - y, special.expit(z))
    values = _weighted(np.power(miss, gamma), ce) if gamma else ce
    if alpha is not None:
        values = _weighted(alpha * y + (1.0 - alpha) * (1.0 - y), values)
    return _reduce(np.asarray(values), reduction)


def _focal_parameters(gamma, alpha) -> tuple[float, float | None]:
    """γ finite and >= 0, α None or in [0, 1] (Lin et al.'s ranges); ValueError naming the parameter."""
    try:
        gamma = float(gamma)
        alpha = None if alpha is None else float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"gamma and alpha must be numbers, got {gamma!r:.30}, {alpha!r:.30}") from None
    if not (gamma >= 0 and math.isfinite(gamma)):
        raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
    if alpha is not None and not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    return gamma, alpha


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
    y = checked_array("y", y, 0.0, 1.0)
    z = checked_array("z", z)
    _same_shape(y=y, z=z)
    t = _hard_sign(y)
    gamma, alpha = _focal_parameters(gamma, alpha)
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
        q = special.expit(t * z)
        miss = special.expit(-t * z)  # 1 − q without cancellation
        with np.errstate(invalid="ignore"):
            out = t * (gamma * _weighted(q * np.power(miss, gamma), special.log_expit(t * z))
                       - np.power(miss, gamma + 1.0))
        if alpha is not None:
            out = out * (alpha * y + (1.0 - alpha) * (1.0 - y))
    else:
        raise ValueError(f"loss_name must be one of bce, brier, hinge, zero_one, focal; got {loss_name!r}")
    out = np.asarray(out + 0.0)
    return scalar_or_array(out)


def zero_one(y, p, *, reduction: str = "mean"):
    """0-1 loss: 1 where the prediction is on the wrong side of 0.5 (p >= 0.5 predicts class 1), else 0."""
    _check_reduction(reduction)
    y = checked_array("y", y, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
    _same_shape(y=y, p=p)
    return _reduce(np.asarray(((p >= 0.5) != (y >= 0.5)).astype(np.float64)), reduction)


def smooth_labels(y, epsilon: float):
    """Label smoothing: y·(1 − ε) + ε/2, so a hard 1 becomes 1 − ε/2 and a hard 0 becomes ε/2."""
    y = checked_array("y", y, 0.0, 1.0)
    epsilon = float(epsilon)
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
    out = y * (1.0 - epsilon) + epsilon / 2.0
    return scalar_or_array(out)


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

    Written as D(q, p) + D(1−q, 1−p) with D(x, y) = x·log(x/y) − x + y ≥ 0 (the −x + y parts cancel in the sum),
    so the two parts are added without cancelling each other. Each D is evaluated in the form that keeps its
    digits (:func:`_divergence_term`). Cross-entropy splits as BCE(q, p) = H(q) + KL(q‖p).

    >>> float(bernoulli_kl(0.3, 5e-324))   # finite: only p = 0 itself would make it infinite
    222.72115727435943
    """
    q = checked_array("q", q, 0.0, 1.0)
    p = checked_array("p", p, 0.0, 1.0)
    shape = _same_shape(q=q, p=p)
    q, p = np.broadcast_to(q, shape), np.broadcast_to(p, shape)
    # x − y exactly as hi + lo from the inputs; the second part's is (1 − q) − (1 − p) = p − q, not the rounded 1 − q
    # 1 − q and 1 − p round; their exact values are carried as 1 − q = hi + lo (TwoSum)
    (q1, q1_low), (p1, p1_low) = _two_sum(1.0, -q), _two_sum(1.0, -p)
    out = _divergence_term(q, p, _two_sum(q, -p)) + _divergence_term(q1, p1, _two_sum(p, -q), q1_low + p1_low)
    return scalar_or_array(out)


# Coefficients of S(s) = Σ cₘ sᵐ with cₘ = 1/(2⌈m/2⌉ + 1): D(x, y) = (x + y)·s²·S(s), s = (x − y)/(x + y).
# |s| <= 7/9 (x/y in [1/8, 8]) needs (7/9)^m below 2^-60 of the sum: 170 terms. S′ for the correction term.
_KL_SERIES = 1.0 / (2.0 * np.ceil(np.arange(170) / 2.0) + 1.0)
_KL_SERIES_DERIVATIVE = _KL_SERIES[1:] * np.arange(1, 170)


def _two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum)."""
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def _two_product(a, b):
    """a·b = p + e exactly (Dekker's product with Veltkamp's split; no FMA in NumPy)."""
    p = a * b
    ca, cb = 134217729.0 * a, 134217729.0 * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _horner(coefficients: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Σ cₘ sᵐ by Horner's rule, elementwise. A few values (a page's one KL) in Python floats: the same IEEE
    multiply-then-add per step (NumPy fuses nothing either), so the same bits, without ~340 NumPy calls on tiny
    arrays."""
    if s.size <= _HORNER_IN_PYTHON:
        reversed_coefficients = coefficients[::-1].tolist()
        values = []
        for v in s.ravel().tolist():
            acc = 0.0
            for c in reversed_coefficients:
                acc = acc * v + c
            values.append(acc)
        return np.array(values, dtype=np.float64).reshape(s.shape)
    acc = np.zeros(s.shape)
    for c in coefficients[::-1]:
        acc = acc * s + c
    return acc


_HORNER_IN_PYTHON = 16  # up to this many values Python's loop is cheaper than 170 NumPy calls


def _divergence_term(x: np.ndarray, y: np.ndarray, d: tuple, low=0.0) -> np.ndarray:
    """D(x, y) = x·log(x/y) − x + y ≥ 0 for x, y in [0, 1], with d = x − y given exactly as (hi, lo) and
    ``low`` the rounding error of x + y's inputs (x and y may be rounded 1 − q, 1 − p).

    * x/y in [1/8, 8]: the direct form cancels (D ~ (x − y)²), so D = (x + y)·s²·S(s) with s = (x − y)/(x + y),
      from log(x/y) = 2·atanh(s): (1 + s)·atanh(s) − s = s²·(1 + s/3 + s²/3 + s³/5 + s⁴/5 + …). s is carried as
      an unevaluated sum of two doubles (TwoSum, Dekker's product), so its rounding does not reach D.
    * elsewhere: x·log(x/y) + (y − x), which there cancels by at most a factor ~2.5; log(x/y) is taken as
      log x − log y only where x/y would overflow or underflow (then |log(x/y)| > 690 and nothing cancels).
    * x = 0: D = y. y = 0 < x: +inf (the one true infinity of KL).
    """
    x, y, d, d_low, low = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
                                              d[0], d[1], low)
    out = np.empty(x.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        t = x / y
        near = (t >= 0.125) & (t <= 8.0)
        if near.any():
            xn, yn = x[near], y[near]
            dh, dl = d[near], 0.0
            sh_, sl_ = _two_sum(xn, yn)                       # x + y = σh + σl
            sl_ = sl_ + low[near]
            s = dh / sh_
            p, e = _two_product(s, sh_)
            s_low = ((dh - p) - e + dl - s * sl_) / sh_       # s + s_low = (d)/(σh + σl) to ~2^-106
            sq, sq_low = _two_product(s, s)
            sq_low = sq_low + 2.0 * s * s_low
            series = _horner(_KL_SERIES, s)
            correction = _horner(_KL_SERIES_DERIVATIVE, s) * s_low / series + sq_low / sq + sl_ / sh_
            base = sh_ * sq * series
            out[near] = np.where(sq > 0, base + base * correction, 0.0)
        far = ~near
        if far.any():
            xf, yf, tf = x[far], y[far], t[far]
            ok = np.isfinite(tf) & (tf > 1e-300)
            log_t = np.where(ok, np.log(np.where(ok, tf, 1.0)), np.log(xf) - np.log(yf))
            far_value = _weighted(xf, log_t) + (yf - xf)
            far_value = np.where(yf == 0.0, np.where(xf > 0.0, np.inf, 0.0), far_value)
            out[far] = np.where(xf == 0.0, yf, far_value)
    return out


# --------------------------------------------------------------------------------------------------------------
# conversions
# --------------------------------------------------------------------------------------------------------------
def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z) (``scipy.special.expit``); σ(±inf) = 1, 0."""
    out = special.expit(checked_array("z", z))
    return scalar_or_array(out)


def logit(p):
    """logit(p) = log(p / (1 − p)), the inverse of σ; ±inf at p = 1, 0.

    Near p = 1/2 the two logs of ``log p − log1p(−p)`` cancel, so there it is log1p((2p − 1)/(1 − p)), whose
    2p − 1 is exact for p >= 1/4.
    """
    p = checked_array("p", p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        middle = (p >= 0.25) & (p <= 0.75)
        out = np.where(middle, np.log1p((2.0 * p - 1.0) / (1.0 - p)), np.log(p) - np.log1p(-p))
    return scalar_or_array(out)


def to_bits(nats):
    """A loss in nats as bits: divide by ln 2."""
    return np.asarray(nats, dtype=np.float64) / math.log(2.0) if np.ndim(nats) else float(nats) / math.log(2.0)
