"""lib.scoring against independent references: hand derivations, mpmath, scipy and scikit-learn."""
import math
import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import scoring

mp.mp.prec = 200


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------- expected scores
def test_expected_scores_by_hand():
    q, r = 0.7, 0.4
    assert scoring.expected_score(q, r, "log") == pytest.approx(-(0.7 * math.log(0.4) + 0.3 * math.log(0.6)),
                                                                rel=1e-15)
    assert scoring.expected_score(q, r, "brier") == pytest.approx(0.7 * 0.36 + 0.3 * 0.16, rel=1e-15)
    assert scoring.expected_score(q, r, "absolute") == pytest.approx(0.7 * 0.6 + 0.3 * 0.4, rel=1e-15)
    assert scoring.expected_score(q, r, "zero_one") == pytest.approx(0.7)   # r < ½ calls 0: wrong 70% of the time
    assert scoring.expected_score(q, 0.5, "zero_one") == pytest.approx(0.3)  # r = ½ calls 1


def test_log_rule_is_exact_and_infinite_only_where_true():
    for q, r in ((0.3, 1e-300), (1e-20, 0.5), (0.5, 0.5 + 2**-40)):
        exact = -(mp.mpf(q) * mp.log(mp.mpf(r)) + (1 - mp.mpf(q)) * mp.log1p(-mp.mpf(r)))
        assert float(scoring.expected_score(q, r, "log")) == pytest.approx(float(exact), rel=1e-15)
    assert scoring.expected_score(0.3, 0.0, "log") == math.inf    # a possible head called impossible
    assert scoring.expected_score(0.0, 0.0, "log") == 0.0         # 0·∞ = 0: nothing possible was ruled out
    assert scoring.expected_score(1.0, 1.0, "log") == 0.0


def test_arrays_broadcast():
    r = np.linspace(0, 1, 5)
    out = scoring.expected_score(np.array([[0.2], [0.8]]), r, "brier")
    assert out.shape == (2, 5)
    np.testing.assert_allclose(out[1], 0.8 * (1 - r) ** 2 + 0.2 * r**2)


@settings(max_examples=60)
@given(st.floats(0.02, 0.98))
def test_log_and_brier_are_proper_absolute_is_not(q):
    # d/dr of q·L(1, r) + (1 − q)·L(0, r) vanishes at r = q for log (−q/r + (1−q)/(1−r)) and Brier (2(r − q)),
    # so on a fine grid the minimum is the grid point nearest q; absolute error q(1 − r) + (1 − q)r is linear in r
    r = np.linspace(0, 1, 10_001)
    for rule in ("log", "brier"):
        best = r[np.argmin(scoring.expected_score(q, r, rule))]
        assert abs(best - q) <= 1e-4 + 1e-12, rule
    best = r[np.argmin(scoring.expected_score(q, r, "absolute"))]
    assert best == (1.0 if q > 0.5 else 0.0) or q == 0.5


@pytest.mark.parametrize("call, message", [
    (lambda: scoring.expected_score(0.5, 0.5, "hinge"), "rule must be one of"),
    (lambda: scoring.expected_score(1.5, 0.5, "log"), r"q = 1.5 is outside"),
    (lambda: scoring.expected_score(0.5, [0.1, np.nan], "log"), r"r\[1\] is NaN"),
    (lambda: scoring.expected_score([0.1, 0.2], [0.1, 0.2, 0.3], "log"), "must broadcast"),
    (lambda: scoring.reliability_curve([0, 1], [0.5], 10), "one length"),
    (lambda: scoring.reliability_curve([0, 0.5], [0.5, 0.5], 10), "hard labels"),
    (lambda: scoring.reliability_curve([0, 1], [0.5, 0.5], 0), "bins"),
    (lambda: scoring.fit_temperature([0, 1], [1.0, np.inf]), "finite"),
    (lambda: scoring.threshold_counts([0, 1], [0.2, 0.8], 1.5), "threshold"),
])
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------- reliability and the split
def test_reliability_curve_matches_scikit_learn_and_keeps_empty_bins():
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(3)
    p = rng.beta(0.6, 0.6, 500)
    p[:5] = [0.0, 0.1, 0.2, 0.5, 1.0]   # values on the edges go where scikit-learn puts them
    y = (rng.random(500) < p).astype(float)
    for bins in (5, 10, 13):
        prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
        curve = scoring.reliability_curve(y, p, bins)
        seen = curve.counts > 0
        np.testing.assert_allclose(curve.frac_pos[seen], prob_true, rtol=1e-12)
        np.testing.assert_allclose(curve.mean_p[seen], prob_pred, rtol=1e-12)
        assert curve.counts.sum() == 500 and len(curve.counts) == bins
    curve = scoring.reliability_curve([0, 1], [0.05, 0.95], 10)
    assert curve.counts.tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert curve.frac_pos[4] == 0.0 and curve.mean_p[4] == pytest.approx(0.45)  # documented placeholders


def test_log_loss_split_adds_up_and_a_calibrated_model_has_no_calibration_loss():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(4)
    p = rng.uniform(0.01, 0.99, 2000)
    y = (rng.random(2000) < p).astype(float)
    split = scoring.log_loss_split(y, p, 10)
    assert split.total == pytest.approx(log_loss(y, p), rel=1e-12)
    assert split.calibration + split.refinement + split.within_bins == pytest.approx(split.total, rel=1e-12)
    # forecasts constant in each bin and equal to the bin's frequency: calibration 0, and the loss is the refinement
    p = np.repeat([0.15, 0.55, 0.85], 20)
    y = np.concatenate([np.r_[np.ones(3), np.zeros(17)], np.r_[np.ones(11), np.zeros(9)],
                        np.r_[np.ones(17), np.zeros(3)]])
    split = scoring.log_loss_split(y, p, 10)
    assert split.calibration == pytest.approx(0.0, abs=1e-15)
    entropy = lambda o: -(o * math.log(o) + (1 - o) * math.log(1 - o))  # noqa: E731
    assert split.refinement == pytest.approx((entropy(0.15) + entropy(0.55) + entropy(0.85)) / 3, rel=1e-12)
    assert split.within_bins == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------- temperature
def _mean_log_loss_at(T, y, z):
    from sklearn.metrics import log_loss

    return log_loss(y, 1 / (1 + np.exp(-z / T)), labels=[0, 1])


@pytest.mark.parametrize("seed, scale", [(0, 4.0), (1, 0.3), (2, 1.0)])
def test_temperature_minimizes_the_log_loss_to_1e_8(seed, scale):
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(seed)
    true = rng.normal(0, 1.5, 400)
    y = (rng.random(400) < 1 / (1 + np.exp(-true))).astype(float)
    z = true * scale                                   # over-confident (scale > 1) or under-confident logits
    T = scoring.fit_temperature(y, z)
    # an independent solve: scipy's bounded Brent on log T, tolerance far below 1e−8
    ref = minimize_scalar(lambda t: _mean_log_loss_at(math.exp(t), y, z), bounds=(-6, 6), method="bounded",
                          options={"xatol": 1e-12})
    assert T == pytest.approx(math.exp(ref.x), rel=1e-6)  # Brent on a flat minimum stops early; check stationarity:
    h = 1e-5 * T
    slope = (_mean_log_loss_at(T + h, y, z) - _mean_log_loss_at(T - h, y, z)) / (2 * h)
    assert abs(slope) < 1e-8
    if scale != 1.0:
        assert (T > 1) == (scale > 1)  # over-confident logits are cooled, under-confident ones warmed


def test_temperature_limits():
    assert scoring.fit_temperature([1, 0], [-1.0, 1.0]) == math.inf   # worse than chance: all ½ is best
    assert scoring.fit_temperature([1, 0, 1], [2.0, -1.0, 0.5]) == 0.0  # separated: sharper is always better


# ---------------------------------------------------------------------------- thresholds
@pytest.mark.parametrize("t", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_threshold_counts_match_scikit_learn(t):
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

    rng = np.random.default_rng(5)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    c = scoring.threshold_counts(y, p, t)
    pred = (p >= t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert (c.tp, c.fp, c.fn, c.tn) == (tp, fp, fn, tn)
    assert c.accuracy == pytest.approx(accuracy_score(y, pred))
    if tp + fp:
        assert c.precision == pytest.approx(precision_score(y, pred))
    else:
        assert math.isnan(c.precision)
    assert c.recall == pytest.approx(recall_score(y, pred))
