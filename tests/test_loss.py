"""lib.loss: values against mpmath at 300 bits over the whole double range, properties, and scikit-learn."""
import math
import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import loss

mp.mp.prec = 300
INF = math.inf
TINY = 5e-324
BELOW_ONE = np.nextafter(1.0, 0.0)  # the largest double below 1


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def ulps(got: float, exact) -> float:
    """Distance in units in the last place between a double and an exact (mpmath) value."""
    exact_d = float(exact) if mp.isfinite(exact) else (INF if exact > 0 else -INF)
    if math.isinf(exact_d) or math.isinf(got):
        return 0.0 if got == exact_d else INF
    if exact_d == 0.0:
        return 0.0 if got == 0.0 else INF
    err = abs(mp.mpf(got) - exact)
    return float(err / mp.mpf(math.ulp(exact_d)))


# ---------------------------------------------------------------------------- exact references (hand derived)
def ref_bce(y: float, p: float):
    y, p = mp.mpf(y), mp.mpf(p)
    total = mp.mpf(0)
    if y != 0:
        total += -y * mp.log(p) if p != 0 else mp.inf
    if y != 1:
        total += -(1 - y) * mp.log1p(-p) if p != 1 else mp.inf
    return total


def ref_softplus(z):
    z = mp.mpf(z)
    return mp.log1p(mp.exp(z))


def ref_bce_logits(y: float, z: float, w: float = 1.0):
    y, w = mp.mpf(y), mp.mpf(w)
    total = mp.mpf(0)
    if math.isinf(z):
        p_one = z > 0
        if y != 0 and not p_one:
            return mp.inf
        if y != 1 and p_one:
            return mp.inf
        return mp.mpf(0)
    if y != 0:
        total += w * y * ref_softplus(-z)
    if y != 1:
        total += (1 - y) * ref_softplus(z)
    return total


def ref_bce_logits_mp(y, z, w):
    """The logit form for a finite mpmath z (no rounding of z to a double)."""
    y, w = mp.mpf(y), mp.mpf(w)
    return w * y * mp.log1p(mp.exp(-z)) + (1 - y) * mp.log1p(mp.exp(z))


def ref_sigmoid(z):
    return 1 / (1 + mp.exp(-mp.mpf(z)))


PROBS = [TINY, 1e-310, 1e-300, 1e-100, 1e-20, 1e-16, 1e-10, 1e-3, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.999,
         1 - 1e-10, 1 - 2**-52, BELOW_ONE]
LABELS = [0.0, 1.0, 0.5, 1e-10, 1 - 1e-10, 0.3, 5e-324]
LOGITS = [-1000.0, -745.0, -700.0, -100.0, -40.0, -37.0, -20.0, -1.0, -1e-10, 0.0, 1e-10, 1.0, 20.0, 37.0, 40.0,
          100.0, 700.0, 745.0, 1000.0]


@pytest.mark.parametrize("y", LABELS)
def test_bce_is_within_4_ulp_of_mpmath_for_every_probability(y):
    for p in PROBS:
        got = loss.bce(y, p, reduction="none")
        assert ulps(float(got), ref_bce(y, p)) <= 4, (y, p, got)


@pytest.mark.parametrize("y", LABELS)
def test_bce_terms_are_each_within_4_ulp(y):
    for p in PROBS + [0.0, 1.0]:
        pos, neg = loss.bce_terms(y, p)
        ref_pos = mp.mpf(0) if y == 0 else (mp.inf if p == 0 else -mp.mpf(y) * mp.log(mp.mpf(p)))
        ref_neg = mp.mpf(0) if y == 1 else (mp.inf if p == 1 else -(1 - mp.mpf(y)) * mp.log1p(-mp.mpf(p)))
        assert ulps(float(pos), ref_pos) <= 4 and ulps(float(neg), ref_neg) <= 4, (y, p, pos, neg)


@pytest.mark.parametrize("y", LABELS)
@pytest.mark.parametrize("w", [1.0, 3.0, 0.25])
def test_bce_with_logits_is_within_4_ulp_of_mpmath(y, w):
    for z in LOGITS + [-INF, INF]:
        got = float(loss.bce_with_logits(y, z, reduction="none", pos_weight=w))
        assert ulps(got, ref_bce_logits(y, z, w)) <= 4, (y, z, w, got)


def test_a_certain_mistake_is_infinite_and_a_certain_hit_is_exactly_zero():
    assert loss.bce(1, 0) == INF and loss.bce(0, 1) == INF
    assert loss.bce(1, 1) == 0.0 and loss.bce(0, 0) == 0.0
    assert loss.bce_with_logits(1, INF) == 0.0 and loss.bce_with_logits(0, -INF) == 0.0
    assert loss.bce_with_logits(1, -INF) == INF and loss.bce_with_logits(0, INF) == INF
    # a certain mistake anywhere makes the mean infinite, not nan
    assert loss.bce([1, 1, 0], [0.9, 0.0, 0.1]) == INF


def test_tiny_losses_keep_their_digits():
    # y = 1, p = 1 - 2^-53 ... the naive log(p) rounds; log1p forms keep every digit
    assert ulps(float(loss.bce(0, 1e-20)), mp.mpf(1e-20) + mp.mpf(1e-20) ** 2 / 2) <= 1
    assert loss.bce_with_logits(1, 40.0) > 0  # the naive log(sigmoid(40)) is exactly 0


@pytest.mark.parametrize("w", [1.0, 2.0])
def test_grad_logit_is_within_4_ulp_for_hard_labels(w):
    for y in (0.0, 1.0):
        for z in LOGITS + [-INF, INF]:
            got = float(loss.bce_grad_logit(y, z, pos_weight=w))
            exact = -w * ref_sigmoid(-z) if y == 1 else ref_sigmoid(z)
            assert ulps(got, exact) <= 4, (y, z, got)


def test_grad_logit_soft_labels_have_absolute_error_of_one_rounding():
    for y in (0.3, 0.5, 1e-10, 1 - 1e-10):
        for z in LOGITS:
            got = float(loss.bce_grad_logit(y, z))
            exact = ref_sigmoid(z) - mp.mpf(y)
            assert abs(mp.mpf(got) - exact) <= 2 * 2**-53, (y, z, got)


@pytest.mark.parametrize("y", LABELS)
def test_grad_prob_is_within_4_ulp_of_mpmath(y):
    for p in PROBS:
        got = float(loss.bce_grad_prob(y, p))
        yy, pp = mp.mpf(y), mp.mpf(p)
        exact = -yy / pp + (1 - yy) / (1 - pp)
        assert ulps(got, exact) <= 4, (y, p, got)


def test_grad_prob_at_the_edges_keeps_only_the_live_term():
    g = loss.bce_grad_prob([1, 0, 1, 0, 0.5, 0.5], [0, 0, 1, 1, 0, 1])
    assert g.tolist() == [-INF, 1.0, -1.0, INF, -INF, INF]


def ref_softmax_ce(yrow, zrow):
    zs = [mp.mpf(z) for z in zrow]
    lse = mp.log(sum(mp.exp(z) for z in zs))
    return sum(mp.mpf(y) * (lse - z) for y, z in zip(yrow, zs, strict=True) if y != 0)


@pytest.mark.parametrize("zrow", [[30.0, 0.0], [1000.0, -1000.0], [0.1, 30.1, -5.3], [1e-10, 0.0, 0.0],
                                  [700.0, 699.0, 0.0, -3.0], [-1000.0, 1000.0, 999.0, 998.0, 0.0, 1.0],
                                  [2.5, 2.5, -1.0]])
def test_softmax_cross_entropy_is_within_4_ulp_for_huge_and_small_logits(zrow):
    k = len(zrow)
    for j in range(k):
        y = [0.0] * k
        y[j] = 1.0
        got = loss.softmax_cross_entropy(y, zrow)
        assert ulps(got, ref_softmax_ce(y, zrow)) <= 4, (y, zrow, got)
    soft = [1.0 / k] * k
    assert ulps(loss.softmax_cross_entropy(soft, zrow), ref_softmax_ce(soft, zrow)) <= 4


def test_softmax_cross_entropy_with_two_classes_is_bce_with_logits():
    for y in (0.0, 1.0, 0.3):
        for z in LOGITS:
            two = loss.softmax_cross_entropy([1 - y, y], [0.0, z])
            one = float(loss.bce_with_logits(y, z))
            assert ulps(two, ref_bce_logits(y, z)) <= 4 and ulps(one, ref_bce_logits(y, z)) <= 4


def test_softmax_with_infinite_logits_gives_the_limit():
    assert loss.softmax_cross_entropy([[1, 0, 0]], [[INF, 3.0, -INF]]) == 0.0
    assert loss.softmax_cross_entropy([[0, 1, 0]], [[INF, 3.0, -INF]]) == INF
    np.testing.assert_allclose(loss.softmax([[INF, INF, 0.0]]), [[0.5, 0.5, 0.0]])


def test_categorical_cross_entropy_matches_hand_values():
    assert ulps(loss.categorical_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]), -mp.log(mp.mpf(0.7))) <= 1
    got = loss.categorical_cross_entropy([[0.5, 0.5, 0.0]], [[0.25, 0.25, 0.5]])
    assert ulps(got, mp.log(4)) <= 2
    assert loss.categorical_cross_entropy([1, 0], [0.0, 1.0]) == INF


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: loss.bce([1, 0, 2], [0.1, 0.2, 0.3]), r"y\[2\] = 2.0 is outside \[0, 1\]"),
    (lambda: loss.bce([1, 0], [0.1, 1.5]), r"p\[1\] = 1.5 is outside"),
    (lambda: loss.bce([1, 0], [0.1, -0.0001]), r"p\[1\] = -0.0001"),
    (lambda: loss.bce([[1, 0], [0, 1]], [[0.1, 0.2], [0.3, np.nan]]), r"p\[1, 1\] is NaN"),
    (lambda: loss.bce([1, 0], [0.1, 0.2, 0.3]), r"one shape.*y has shape \(2,\).*p has shape \(3,\)"),
    (lambda: loss.bce([1], [0.5], reduction="avg"), r"reduction must be one of"),
    (lambda: loss.bce_with_logits([1.0], [np.nan]), r"z\[0\] is NaN"),
    (lambda: loss.bce_with_logits(1, 0, pos_weight=-1), r"pos_weight"),
    (lambda: loss.bce(["a"], [0.5]), r"y must be numbers"),
    (lambda: loss.framework_bce(1, 0.5, "jax"), r"framework must be one of"),
    (lambda: loss.categorical_cross_entropy([[1, 0]], [[0.7, 0.7]]), r"P\[0\] sums to"),
    (lambda: loss.softmax_cross_entropy([[1, 0, 0]], [[1.0, 2.0]]), r"one shape"),
    (lambda: loss.bce([], [], reduction="mean"), r"zero samples"),
])
def test_bad_input_raises_value_error_naming_argument_and_index(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reductions():
    y, p = [1, 0, 1], [0.9, 0.2, 0.6]
    per = loss.bce(y, p, reduction="none")
    assert per.shape == (3,)
    assert loss.bce(y, p, reduction="sum") == pytest.approx(math.fsum(per), rel=1e-15)
    assert loss.bce(y, p) == pytest.approx(math.fsum(per) / 3, rel=1e-15)


# ---------------------------------------------------------------------------- what frameworks report
def test_framework_clamps_at_a_certain_mistake():
    assert loss.framework_bce(1, 0, "pytorch") == 100.0
    assert loss.framework_bce(1, 0, "keras") == pytest.approx(-math.log(1e-7), rel=1e-6)  # float32
    assert loss.framework_bce(1, 0, "sklearn") == pytest.approx(-math.log(2**-52), rel=1e-12)


def test_framework_values_are_those_of_their_float32_calls():
    # Keras clips to [1e−7, 1 − 1e−7] in float32, whose upper end is 1 − 2⁻²³: a true 0 at p = 1 costs 23·ln 2
    assert loss.framework_bce(0, 1, "keras") == pytest.approx(23 * math.log(2), rel=1e-6)
    assert loss.framework_bce(1, 1, "keras") == pytest.approx(2.0**-23, rel=1e-6)
    # PyTorch's default tensors are float32: p = 1 − 1e−10 rounds to 1 there, log1p(−1) = −inf is clamped at −100
    assert loss.framework_bce(0, 1 - 1e-10, "pytorch") == 100.0
    assert loss.framework_bce(1, 0.8, "pytorch") == pytest.approx(-math.log(0.8), rel=1e-6)


def test_sklearn_column_refuses_soft_labels_as_sklearn_does():
    from sklearn.metrics import log_loss

    with pytest.raises(ValueError):
        log_loss([0.3], [0.5], labels=[0, 1])
    with pytest.raises(ValueError, match="hard labels"):
        loss.framework_bce(0.3, 0.5, "sklearn")


def test_framework_sklearn_matches_sklearn_log_loss_at_the_extremes():
    from sklearn.metrics import log_loss

    y = np.array([1, 0, 1, 0, 1, 0])
    p = np.array([0.0, 1.0, 1e-300, 1 - 1e-17, 0.3, 0.6])
    assert loss.framework_bce(y, p, "sklearn") == pytest.approx(log_loss(y, p, labels=[0, 1]), rel=1e-12)


def test_bce_agrees_with_sklearn_log_loss_where_sklearn_is_exact():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 500)
    p = rng.uniform(0.01, 0.99, 500)
    assert loss.bce(y, p) == pytest.approx(log_loss(y, p), rel=1e-13)


# ---------------------------------------------------------------------------- comparison losses
def test_comparison_losses_by_hand():
    assert loss.brier(1, 0.8) == pytest.approx(0.04)
    assert loss.hinge([1, 0, 1], [2.0, 0.5, -1.0], reduction="none").tolist() == [0.0, 1.5, 2.0]
    assert loss.zero_one([1, 0, 1, 0], [0.6, 0.6, 0.4, 0.1], reduction="none").tolist() == [0, 1, 1, 0]
    assert loss.smooth_labels(1.0, 0.1) == pytest.approx(0.95) and loss.smooth_labels(0.0, 0.1) == pytest.approx(0.05)
    # focal: (1 - p)^gamma * CE for y = 1, p = sigmoid(z)
    z = 1.3
    p = 1 / (1 + math.exp(-z))
    assert loss.focal_loss(1, z, gamma=2.0) == pytest.approx((1 - p) ** 2 * -math.log(p), rel=1e-13)
    assert loss.focal_loss(0, z, gamma=0.0, alpha=0.25) == pytest.approx(0.75 * -math.log(1 - p), rel=1e-13)
    assert loss.focal_loss(1, -INF, gamma=2.0) == INF
    assert loss.focal_loss(1, 1000.0, gamma=2.0) == 0.0


def test_logit_inverts_sigmoid_and_is_exact_near_one_half():
    assert ulps(float(loss.logit(0.5 + 2**-30)), mp.log((mp.mpf(0.5) + mp.mpf(2) ** -30) /
                                                         (mp.mpf(0.5) - mp.mpf(2) ** -30))) <= 2
    assert loss.logit(0.0) == -INF and loss.logit(1.0) == INF
    for z in (-30.0, -2.0, 0.3, 5.0):
        assert float(loss.logit(loss.sigmoid(z))) == pytest.approx(z, rel=1e-9)


def test_to_bits():
    assert loss.to_bits(math.log(2)) == pytest.approx(1.0, rel=1e-15)


# ---------------------------------------------------------------------------- properties
probs = st.floats(0.0, 1.0)
labels = st.floats(0.0, 1.0)
logits = st.floats(-800, 800)


@settings(max_examples=300)
@given(st.floats(0.5, 1.0), st.floats(0.5, 1.0))
def test_bce_is_non_negative_and_mirror_symmetric(y, p):
    # for y, p >= 1/2 the mirrored 1 - y and 1 - p are exact doubles (Sterbenz), so L(y, p) = L(1 - y, 1 - p)
    # holds for the doubles themselves
    value = loss.bce(y, p)
    assert value >= 0
    assert loss.bce(1 - y, 1 - p) == pytest.approx(value, rel=1e-14, abs=0)


@settings(max_examples=300)
@given(labels, st.floats(1e-300, 1.0, exclude_max=True))
def test_probability_and_logit_forms_agree(y, p):
    # z = logit(p) is the logit of the double p itself (to one rounding), so both forms describe the same point
    z = float(loss.logit(p))
    a, b = loss.bce(y, p), loss.bce_with_logits(y, z)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-300)


@settings(max_examples=200)
@given(labels, st.floats(-30, 30), st.floats(0.1, 5))
def test_logit_gradient_matches_finite_differences(y, z, w):
    h = mp.mpf(1e-12)
    zz = mp.mpf(z)
    fd = (ref_bce_logits_mp(y, zz + h, w) - ref_bce_logits_mp(y, zz - h, w)) / (2 * h)
    assert float(loss.bce_grad_logit(y, z, pos_weight=w)) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)


@settings(max_examples=200)
@given(labels, st.floats(1e-6, 1 - 1e-6))
def test_probability_gradient_matches_finite_differences(y, p):
    pp = mp.mpf(p)
    h = mp.mpf(1e-12) * min(pp, 1 - pp)
    fd = (ref_bce(y, pp + h) - ref_bce(y, pp - h)) / (2 * h)
    assert float(loss.bce_grad_prob(y, p)) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)


@settings(max_examples=150)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=6), st.data())
def test_softmax_cross_entropy_is_non_negative_and_softmax_sums_to_one(zrow, data):
    k = len(zrow)
    j = data.draw(st.integers(0, k - 1))
    y = [0.0] * k
    y[j] = 1.0
    assert loss.softmax_cross_entropy(y, zrow) >= 0
    assert float(np.sum(loss.softmax(zrow))) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("name", ["bce", "brier", "hinge", "focal"])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_comparison_gradients_match_finite_differences(name, y):
    def value(z):
        if name == "bce":
            return loss.bce_with_logits(y, z)
        if name == "brier":
            return loss.brier(y, float(loss.sigmoid(z)))
        if name == "hinge":
            return loss.hinge(y, z)
        return loss.focal_loss(y, z, gamma=2.0, alpha=0.25)

    for z in (-6.0, -2.3, -0.4, 0.3, 1.7, 5.0):
        if name == "hinge" and abs(abs(z) - 1) < 1e-3:
            continue
        h = 1e-6
        fd = (value(z + h) - value(z - h)) / (2 * h)
        got = float(loss.comparison_grad_logit(y, z, name, gamma=2.0, alpha=0.25))
        assert got == pytest.approx(fd, rel=1e-5, abs=1e-9), (name, y, z)


def test_squared_error_gradient_vanishes_on_a_confident_mistake_while_bce_stays_near_one():
    z = -12.0  # y = 1 predicted at p = 6e-6
    assert abs(float(loss.comparison_grad_logit(1.0, z, "brier"))) < 2e-5
    assert float(loss.comparison_grad_logit(1.0, z, "bce")) == pytest.approx(-1.0, abs=1e-5)
    assert float(loss.comparison_grad_logit(1.0, z, "zero_one")) == 0.0


def test_entropy_and_kl_by_hand_and_their_sum_is_cross_entropy():
    q, p = 0.8, 0.6
    H = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2))
    KL = 0.8 * math.log(0.8 / 0.6) + 0.2 * math.log(0.2 / 0.4)
    assert float(loss.bernoulli_entropy(q)) == pytest.approx(H, rel=1e-14)
    assert float(loss.bernoulli_kl(q, p)) == pytest.approx(KL, rel=1e-13)
    assert loss.bce(q, p) == pytest.approx(H + KL, rel=1e-14)
    assert float(loss.bernoulli_entropy(1.0)) == 0.0 and float(loss.bernoulli_kl(1.0, 0.3)) == pytest.approx(
        -math.log(0.3))
    assert float(loss.bernoulli_kl(1.0, 0.0)) == math.inf


@settings(max_examples=200)
@given(st.floats(0, 1), st.floats(1e-12, 1 - 1e-12))
def test_kl_is_non_negative_and_cross_entropy_splits(q, p):
    kl = float(loss.bernoulli_kl(q, p))
    assert kl >= 0
    assert loss.bce(q, p) == pytest.approx(float(loss.bernoulli_entropy(q)) + kl, rel=1e-9, abs=1e-15)


def test_tiny_kl_keeps_its_digits():
    q, p = 0.5, 0.5 + 1e-9
    exact = mp.mpf(q) * mp.log(mp.mpf(q) / mp.mpf(p)) + (1 - mp.mpf(q)) * mp.log((1 - mp.mpf(q)) / (1 - mp.mpf(p)))
    assert float(loss.bernoulli_kl(q, p)) == pytest.approx(float(exact), rel=1e-6)  # naive CE − H: all digits lost


# ---------------------------------------------------------------------------- the audit's edges (issue 13)
def ref_kl(q: float, p: float):
    """KL(q‖p) at 300 bits; 1 − q and 1 − p through log1p of the exact doubles."""
    q, p = mp.mpf(q), mp.mpf(p)
    first = mp.mpf(0) if q == 0 else (mp.inf if p == 0 else q * (mp.log(q) - mp.log(p)))
    second = mp.mpf(0) if q == 1 else (mp.inf if p == 1 else (1 - q) * (mp.log1p(-q) - mp.log1p(-p)))
    return first + second


def test_kl_against_a_tiny_prediction_is_finite_and_exact():
    assert math.isfinite(float(loss.bernoulli_kl(0.3, TINY)))
    assert ulps(float(loss.bernoulli_kl(0.3, TINY)), ref_kl(0.3, TINY)) <= 4  # 222.72, not ∞


def test_kl_between_neighbouring_doubles_keeps_its_digits():
    for q, p in ((0.5, 0.5 - 2**-54), (0.5, 0.5 + 2**-53), (0.3, np.nextafter(0.3, 1)), (1e-300, 1.1e-300),
                 (1 - 1e-10, 1 - 1.1e-10), (0.75, 0.7500000001)):
        got = float(loss.bernoulli_kl(q, p))
        assert got > 0 and ulps(got, ref_kl(q, p)) <= 4, (q, p, got)


@settings(max_examples=300)
@given(st.one_of(st.floats(0, 1), st.floats(1e-300, 1e-3)), st.floats(0, 1),
       st.floats(0.05, 20.0))
def test_kl_is_within_4_ulp_of_mpmath(q, p_free, ratio):
    for p in (p_free, min(q * ratio, 1.0)):  # any pair, and pairs near each other where the direct form cancels
        assert ulps(float(loss.bernoulli_kl(q, p)), ref_kl(q, p)) <= 4, (q, p)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0.05, 20.0)), min_size=17, max_size=60))
def test_kl_of_one_pair_is_bit_for_bit_the_kl_of_a_long_array(pairs):
    """A page's one KL divergence takes the series in Python floats, an array of more than 16 in NumPy: the same
    IEEE operations, so the same bits, near p = q (the series) and elsewhere."""
    q = np.array([a for a, _ in pairs])
    p = np.minimum(q * np.array([r for _, r in pairs]), 1.0)
    together = loss.bernoulli_kl(q, p)
    alone = np.array([float(loss.bernoulli_kl(a, b)) for a, b in zip(q, p, strict=True)])
    np.testing.assert_array_equal(alone, together)


@pytest.mark.parametrize("zrow", [[0.0, -700.0], [0.0, -60.0, -70.0], [745.0, 0.0, -3.0], [1.0, 2.0, 3.0],
                                  [-1000.0, -1000.0, -1300.0], [30.0, 0.0]])
def test_softmax_is_within_4_ulp_even_for_tiny_probabilities(zrow):
    zs = [mp.mpf(z) for z in zrow]
    total = mp.fsum(mp.exp(z) for z in zs)
    got = loss.softmax(zrow)[0]
    for j, z in enumerate(zs):
        assert ulps(float(got[j]), mp.exp(z) / total) <= 4, (zrow, j)


def test_weighted_logit_loss_beyond_the_double_range_is_infinite_without_a_warning():
    # w·softplus(1e308) is 2e308: its double is +inf, and the fixture turns any NumPy warning into an error
    assert float(loss.bce_with_logits(1.0, -1e308, pos_weight=2.0)) == INF
    assert float(loss.bce_with_logits(0.95, -1e308, pos_weight=2.0)) == INF  # 1.9e308
    assert float(loss.bce_with_logits(0.7, -1e308, pos_weight=2.0)) == pytest.approx(1.4e308)


@pytest.mark.parametrize("call, message", [
    (lambda: loss.bce(1, 10**400), r"p = 1000…\(401 digits\) is beyond the double range"),
    (lambda: loss.bce(1, None), r"p must be a number, got None"),
    (lambda: loss.bce([1, 0], [0.5, None]), r"p\[1\] must be a number, got None"),
    (lambda: loss.bce(1, "0.5"), r"p must be numbers"),
    (lambda: loss.bce([1, 0], [[0.5], 0.5]), r"p must be numbers in a regular array"),
    (lambda: loss.comparison_grad_logit(1.0, 0.0, "focal", gamma=-1.0), r"gamma must be finite and >= 0"),
    (lambda: loss.comparison_grad_logit(1.0, 0.0, "focal", alpha=1.5), r"alpha must be in \[0, 1\]"),
    (lambda: loss.focal_loss(1.0, 0.0, alpha=-0.1), r"alpha must be in \[0, 1\]"),
])
def test_odd_input_raises_the_documented_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_exact_sum_limit_is_what_the_docstring_says():
    import re

    promised = re.search(r"correctly rounded up to ([\d ]+)\s+samples", loss.bce.__doc__).group(1)
    assert int(promised.replace(" ", "")) == loss._EXACT_SUM_LIMIT


def test_bce_with_logits_on_a_large_array_is_exact_in_every_block():
    # more than one cache-sized block (loss.softplus works through a big array a block at a time): the values at
    # the blocks' edges, the last ragged block and a 2-D non-contiguous view must all be as exact as a lone value
    rng = np.random.default_rng(7)
    n = 3 * 8192 + 517
    z = rng.normal(0.0, 30.0, n)
    z[:6] = [0.0, -0.0, 1e-300, -745.0, 709.0, 40.0]
    y = (rng.random(n) < 0.5).astype(float)
    got = loss.bce_with_logits(y, z, reduction="none")
    for i in [0, 1, 2, 3, 4, 5, 8191, 8192, 8193, 16383, 16384, 24575, 24576, n - 1, *rng.integers(0, n, 60)]:
        assert ulps(float(got[i]), ref_bce_logits(y[i], z[i], 1.0)) <= 4, (i, y[i], z[i])
    grid = rng.normal(0.0, 30.0, (200, 200))[:, ::2]  # 20,000 strided values: the block path copies them
    flat = loss.bce_with_logits(np.zeros_like(grid), grid, reduction="none")
    assert flat.shape == grid.shape
    assert np.array_equal(flat, loss.bce_with_logits(np.zeros(grid.size), grid.ravel(), reduction="none")
                          .reshape(grid.shape))
