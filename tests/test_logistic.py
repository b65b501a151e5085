"""lib.logistic and lib.datasets: optimizers reach scipy's optimum, the optimum matches scikit-learn."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import datasets, logistic, loss


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture(scope="module")
def blobs():
    d = datasets.make("blobs", 200, noise=0.5, seed=3)
    assert not logistic.is_separable(d.X, d.y)
    return d


def test_objective_is_mean_bce_plus_half_l2_norm_by_hand():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]])
    y = np.array([1.0, 0.0, 1.0])
    w, b, l2 = np.array([0.3, -0.2]), 0.1, 0.5
    z = X @ w + b
    by_hand = np.mean([np.log1p(np.exp(-z[0])), np.log1p(np.exp(z[1])), np.log1p(np.exp(-z[2]))])
    by_hand += 0.25 * (0.3**2 + 0.2**2)
    assert logistic.objective(X, y, w, b, l2=l2) == pytest.approx(by_hand, rel=1e-14)


def test_gradient_matches_finite_differences(blobs):
    w, b = np.array([0.4, -0.3]), 0.2
    gw, gb = logistic.gradient(blobs.X, blobs.y, w, b, l2=0.1, pos_weight=2.0)
    h = 1e-6
    f = lambda w, b: logistic.objective(blobs.X, blobs.y, w, b, l2=0.1, pos_weight=2.0)
    fd = [(f(w + h * e, b) - f(w - h * e, b)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(gw, fd, rtol=1e-6)
    assert gb == pytest.approx((f(w, b + h) - f(w, b - h)) / (2 * h), rel=1e-6)


@pytest.mark.parametrize("optimizer, lr, steps", [("gd", 1.0, 2000), ("momentum", 0.3, 800),
                                                  ("rmsprop", 0.01, 2000), ("adam", 0.05, 2000)])
def test_every_full_batch_optimizer_reaches_scipys_optimum(blobs, optimizer, lr, steps):
    fit = logistic.optimum(blobs.X, blobs.y, l2=0.01)
    assert fit.converged
    traj = logistic.train(blobs.X, blobs.y, optimizer=optimizer, lr=lr, steps=steps, l2=0.01)
    assert traj.diverged_at is None
    assert traj.loss[-1] - fit.loss < 1e-4
    assert traj.loss[-1] >= fit.loss - 1e-12  # nothing beats the optimum


def test_optimum_agrees_with_scikit_learn(blobs):
    from sklearn.linear_model import LogisticRegression

    n = len(blobs.y)
    for l2 in (0.0, 0.01, 0.3):
        fit = logistic.optimum(blobs.X, blobs.y, l2=l2)
        kw = {"C": np.inf} if l2 == 0 else {"C": 1.0 / (l2 * n)}
        ref = LogisticRegression(tol=1e-12, max_iter=10_000, **kw).fit(blobs.X, blobs.y)
        np.testing.assert_allclose(fit.w, ref.coef_[0], rtol=1e-5, atol=1e-6)
        assert fit.b == pytest.approx(ref.intercept_[0], rel=1e-5, abs=1e-6)


def test_optimum_with_pos_weight_matches_sklearn_sample_weights(blobs):
    from sklearn.linear_model import LogisticRegression

    fit = logistic.optimum(blobs.X, blobs.y, l2=0.05, pos_weight=3.0)
    sw = np.where(blobs.y == 1, 3.0, 1.0)
    n = len(blobs.y)
    ref = LogisticRegression(C=1.0 / (0.05 * n), tol=1e-12, max_iter=10_000).fit(blobs.X, blobs.y, sample_weight=sw)
    np.testing.assert_allclose(fit.w, ref.coef_[0], rtol=1e-5)


def test_separable_data_without_l2_has_no_minimizer_and_the_weights_grow():
    d = datasets.make("separable", 100, seed=2)
    assert logistic.is_separable(d.X, d.y)
    fit = logistic.optimum(d.X, d.y)
    assert not fit.converged and fit.w is None and fit.loss == 0.0
    traj = logistic.train(d.X, d.y, lr=1.0, steps=2000)
    norms = np.linalg.norm(traj.w, axis=1)
    assert np.all(np.diff(norms[10:]) > 0) and traj.loss[-1] < 0.05
    # with L2 the minimizer exists and the weights stop growing
    fit2 = logistic.optimum(d.X, d.y, l2=0.05)
    assert fit2.converged
    traj2 = logistic.train(d.X, d.y, lr=1.0, steps=2000, l2=0.05)
    assert np.linalg.norm(traj2.w[-1]) == pytest.approx(np.linalg.norm(fit2.w), rel=1e-3)


def test_sgd_is_reproducible_by_seed_and_differs_across_seeds(blobs):
    a = logistic.train(blobs.X, blobs.y, optimizer="sgd", lr=0.1, steps=50, batch_size=8, seed=5)
    b = logistic.train(blobs.X, blobs.y, optimizer="sgd", lr=0.1, steps=50, batch_size=8, seed=5)
    c = logistic.train(blobs.X, blobs.y, optimizer="sgd", lr=0.1, steps=50, batch_size=8, seed=6)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.w, c.w)


def test_trajectory_shapes_and_start():
    d = datasets.make("moons", 60, seed=0)
    traj = logistic.train(d.X, d.y, steps=7)
    assert traj.w.shape == (8, 2) and traj.b.shape == (8,) and traj.loss.shape == (8,)
    assert traj.loss[0] == pytest.approx(np.log(2))  # w = 0, b = 0: p = 1/2 everywhere


@pytest.mark.parametrize("optimizer", list(logistic.OPTIMIZERS))
@pytest.mark.parametrize("lr", [1e3, 1e6, 1e12, 1e300])
def test_any_learning_rate_is_safe_no_nan_no_warning(optimizer, lr):
    d = datasets.make("blobs", 100, seed=1)
    traj = logistic.train(d.X, d.y, optimizer=optimizer, lr=lr, steps=200, l2=0.5)
    for a in (traj.w, traj.b, traj.loss, traj.grad_norm):
        assert np.all(np.isfinite(a))
    assert traj.unstable


def test_a_too_large_learning_rate_with_l2_diverges_and_is_reported():
    d = datasets.make("blobs", 100, seed=1)
    traj = logistic.train(d.X, d.y, lr=50.0, steps=500, l2=0.5)
    assert traj.diverged_at is not None and traj.unstable
    good = logistic.train(d.X, d.y, lr=0.5, steps=500, l2=0.5)
    assert good.diverged_at is None and not good.unstable


@pytest.mark.parametrize("alone", [True, False], ids=["gd alone", "gd beside momentum"])
def test_a_diverging_run_stops_at_the_first_step_past_the_limit_and_stays_there(alone):
    """diverged_at is the first step whose textbook update θ ← θ − η(∇J + λw) leaves ‖θ‖ ≤ 1e6 (the update and
    the norm written out here); from there the run holds its last good step. The same whether gradient descent
    trains alone (its own loop) or beside another optimizer."""
    d = datasets.make("blobs", 100, seed=1)
    lr, l2 = 50.0, 0.5
    X, y = d.X, d.y
    theta = np.zeros(3)
    good = [theta]
    for _ in range(500):
        z = X @ theta[:2] + theta[2]
        p = 0.5 * (1 + np.tanh(0.5 * z))
        g = np.append(X.T @ (p - y) / len(y) + l2 * theta[:2], np.mean(p - y))
        new = theta - lr * g
        if not np.sqrt(new @ new) <= 1e6:
            break
        theta = new
        good.append(theta)
    else:
        pytest.fail("the textbook run did not diverge")
    runs = logistic.train_many(X, y, ["gd"] if alone else ["gd", "momentum"], lr=lr, steps=500, l2=l2)
    traj, t = runs["gd"], len(good)  # the first step past the limit
    assert traj.diverged_at == t
    got = np.column_stack([traj.w, traj.b])
    np.testing.assert_allclose(got[:t], np.array(good), rtol=1e-6, atol=1e-9)
    assert (got[t:] == got[t - 1]).all()
    # J and ‖∇J‖ hold too: from the stop on they are the last good step's, written out here
    last = good[-1]
    z = X @ last[:2] + last[2]
    J = np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)) + 0.5 * l2 * last[:2] @ last[:2]
    p = 0.5 * (1 + np.tanh(0.5 * z))
    G = np.linalg.norm(np.append(X.T @ (p - y) / len(y) + l2 * last[:2], np.mean(p - y)))
    np.testing.assert_allclose(traj.loss[t - 1:], J, rtol=1e-6)
    np.testing.assert_allclose(traj.grad_norm[t - 1:], G, rtol=1e-6)


def test_pos_weight_moves_the_boundary_towards_more_positive_predictions():
    d = datasets.make("blobs", 300, noise=0.6, balance=0.2, seed=4)
    plain = logistic.optimum(d.X, d.y, l2=0.01)
    weighted = logistic.optimum(d.X, d.y, l2=0.01, pos_weight=4.0)
    share = lambda f: np.mean(logistic.predict_proba(d.X, f.w, f.b) >= 0.5)
    assert share(weighted) > share(plain)


def test_losses_along_matches_bce_of_each_step():
    d = datasets.make("blobs", 80, seed=9)
    traj = logistic.train(d.X, d.y, steps=5, lr=0.5)
    curve = logistic.losses_along(traj, d.X, d.y)
    for t in range(6):
        assert curve[t] == pytest.approx(loss.bce_with_logits(d.y, d.X @ traj.w[t] + traj.b[t]), rel=1e-13)


def test_landscape_equals_objective_at_grid_points(blobs):
    w, b = np.array([0.5, 0.5]), -0.1
    s0, s1 = np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)
    J = logistic.landscape(blobs.X, blobs.y, w, b, span=(s0, s1), l2=0.1)
    assert J.shape == (4, 5)
    assert J[2, 3] == pytest.approx(logistic.objective(blobs.X, blobs.y, [s0[3], s1[2]], b, l2=0.1), rel=1e-13)
    Jb = logistic.landscape(blobs.X, blobs.y, w, b, axes=(0, 2), span=(s0, s1))
    assert Jb[1, 0] == pytest.approx(logistic.objective(blobs.X, blobs.y, [s0[0], 0.5], s1[1]), rel=1e-13)


# ---------------------------------------------------------------------------- datasets
@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_datasets_are_seeded_bounded_and_balanced(name):
    a = datasets.make(name, 101, noise=0.4, balance=0.3, seed=11)
    b = datasets.make(name, 101, noise=0.4, balance=0.3, seed=11)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (101, 2) and set(np.unique(a.y)) == {0.0, 1.0}
    assert int(a.y.sum()) == 30
    assert not np.array_equal(a.X, datasets.make(name, 101, noise=0.4, balance=0.3, seed=12).X)


def test_separable_dataset_is_separable_at_any_noise_and_xor_is_not_without_features():
    for seed in range(3):
        d = datasets.make("separable", 200, noise=1.0, seed=seed)
        assert logistic.is_separable(d.X, d.y)
    x = datasets.make("xor", 200, noise=0.0, seed=0)
    assert not logistic.is_separable(x.X, x.y)
    assert logistic.is_separable(datasets.feature_map(x.X), x.y)


def test_feature_map_makes_circles_learnable():
    d = datasets.make("circles", 200, noise=0.2, seed=0)
    lin = logistic.optimum(d.X, d.y, l2=0.01)
    quad = logistic.optimum(datasets.feature_map(d.X), d.y, l2=0.01)
    assert lin.loss > 0.6 and quad.loss < 0.3


@pytest.mark.parametrize("kwargs, message", [({"name": "spiral"}, "dataset must be one of"),
                                             ({"n": 5000}, "n must be between"),
                                             ({"noise": 2.0}, "noise"), ({"balance": 1.0}, "balance")])
def test_dataset_arguments_are_bounded(kwargs, message):
    args = {"name": "blobs", **kwargs}
    with pytest.raises(ValueError, match=message):
        datasets.make(args.pop("name"), **args)


def test_split_keeps_every_point_once():
    d = datasets.make("moons", 100, seed=0)
    train, test = datasets.split(d, 0.25, seed=3)
    assert len(train.y) == 75 and len(test.y) == 25
    both = np.vstack([train.X, test.X])
    assert sorted(map(tuple, both)) == sorted(map(tuple, d.X))


# ---------------------------------------------------------------------------- squared error vs BCE (issue 14)
def _textbook(X, y, w0, b0, lr, steps, squared):
    """Plain full-batch gradient descent, written out by hand: p = σ(Xw + b); BCE's ∂/∂z = p − y, squared error's
    ∂/∂z of (p − y)² = 2(p − y)·p(1 − p)."""
    w, b = np.array(w0, dtype=float), float(b0)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = (p - y) * (2 * p * (1 - p) if squared else 1.0)
        w, b = w - lr * X.T @ g / len(y), b - lr * g.mean()
    return w, b


def test_squared_error_from_a_confidently_wrong_start_barely_moves_while_bce_recovers():
    d = datasets.make("blobs", 200, noise=0.0, seed=0)            # two well-separated blobs
    u = d.X[d.y == 1].mean(0) - d.X[d.y == 0].mean(0)
    w0 = -5 * u / np.linalg.norm(u)                               # the weights point the wrong way
    accuracy = {}
    for name, squared in (("bce", False), ("squared", True)):
        w, b = _textbook(d.X, d.y, w0, 0.0, 0.5, 100, squared)
        traj = logistic.train(d.X, d.y, lr=0.5, steps=100, w0=w0, b0=0.0, objective=name)
        np.testing.assert_allclose(traj.w[-1], w, rtol=1e-9, atol=1e-12)
        accuracy[name] = np.mean(((d.X @ w + b) >= 0) == (d.y == 1))
    assert accuracy["bce"] > 0.99 and accuracy["squared"] <= 0.02


def test_squared_error_objective_is_recorded_and_its_gradient_is_right():
    d = datasets.make("moons", 80, seed=2)
    traj = logistic.train(d.X, d.y, lr=0.3, steps=20, l2=0.01, pos_weight=2.0, objective="squared")
    assert traj.objective == "squared"
    for k in (0, 10, 20):
        w, b = traj.w[k], traj.b[k]
        p = 1 / (1 + np.exp(-(d.X @ w + b)))
        J = np.mean(2.0 * d.y * (1 - p) ** 2 + (1 - d.y) * p**2) + 0.005 * w @ w   # by hand
        assert traj.loss[k] == pytest.approx(J, rel=1e-12)
        # ‖∇J‖ against central finite differences of the hand-written J
        def J_at(theta):
            q = 1 / (1 + np.exp(-(d.X @ theta[:2] + theta[2])))
            return np.mean(2.0 * d.y * (1 - q) ** 2 + (1 - d.y) * q**2) + 0.005 * theta[:2] @ theta[:2]
        theta, h = np.append(w, b), 1e-6
        grad = [(J_at(theta + h * e) - J_at(theta - h * e)) / (2 * h) for e in np.eye(3)]
        assert traj.grad_norm[k] == pytest.approx(np.linalg.norm(grad), rel=1e-6)
    with pytest.raises(ValueError, match="objective must be one of"):
        logistic.train(d.X, d.y, objective="hinge")


def test_a_separating_candidate_proves_separability_without_the_lp(monkeypatch):
    from scipy import optimize

    d = datasets.make("blobs", 80, noise=0.2, seed=1)
    t = np.where(d.y >= 0.5, 1.0, -1.0)
    w = np.linalg.lstsq(np.column_stack([d.X, np.ones(len(t))]), t, rcond=None)[0]  # a hand fit, not ours
    assert np.all(t * (d.X @ w[:2] + w[2]) > 0)  # it does separate these two blobs
    calls = []
    real = optimize.linprog
    monkeypatch.setattr(optimize, "linprog", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert logistic.is_separable(d.X, d.y, w[:2], w[2]) and calls == []
    # a candidate that misclassifies a point proves nothing: the LP decides, and finds the separation
    assert logistic.is_separable(d.X, d.y, -w[:2], -w[2]) and calls == [1]
    assert logistic.is_separable(d.X, d.y, np.array([np.nan, 0.0]), 0.0) and calls == [1, 1]
    xor = datasets.make("xor", 80, noise=0.2, seed=1)
    assert not logistic.is_separable(xor.X, xor.y, w[:2], w[2])


def _lp_separable(X, y) -> bool:
    """The reference, written here from the definition: is there (w, b) with tᵢ(w·xᵢ + b) >= 1 for all i?"""
    from scipy.optimize import linprog

    t = np.where(y >= 0.5, 1.0, -1.0)
    A = -t[:, None] * np.column_stack([X, np.ones(len(t))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(t)), bounds=[(None, None)] * (X.shape[1] + 1),
                  method="highs")
    return res.status == 0


def test_the_overlap_proof_is_two_hull_points_that_meet_computed_by_hand():
    # two positives at x = 0 and 2, one negative at x = 1: the hulls meet at 1 (not separable); BCE's stationary
    # point by symmetry has w = 0, and b with p = 1/3 for all three points (a hand derivation: ∂J/∂b = 0 ⇔ p̄ = ⅓)
    X = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0]])
    y = np.array([1.0, 1.0, 0.0])
    b = np.log(2.0)  # σ(b) = 2/3 = share of class 1
    assert logistic.overlap_shown(X, y, np.zeros(2), b)
    # (the hull points: class 1's two weighted ⅓ each → (1, 0); class 0's one → (1, 0): they meet)
    # far from stationary (w tilted), the weighted points differ: no proof
    assert not logistic.overlap_shown(X, y, np.array([3.0, 0.0]), -2.0)
    # move the negative off the segment: separable, and no (w, b) whatsoever proves overlap
    X2 = X.copy()
    X2[2] = [1.0, 0.5]
    assert _lp_separable(X2, y)
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert not logistic.overlap_shown(X2, y, rng.normal(0, 10, 2), rng.normal(0, 10))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), gap=st.floats(0.0, 4.0), n=st.integers(6, 60),
       pos_weight=st.sampled_from([1.0, 0.5, 3.0]))
def test_is_separable_with_newtons_point_agrees_with_the_lp_and_never_proves_a_separable_set_overlaps(
        seed, gap, n, pos_weight):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(float)
    X = rng.normal(0, 1, (n, 2)) + np.outer(y, [gap, 0.0])
    truth = _lp_separable(X, y)
    fit = logistic.optimum(X, y, pos_weight=pos_weight)
    assert fit.converged == (not truth)  # a minimizer exactly when the classes overlap
    if fit.converged:  # the minimizer itself shows the hulls meet
        assert logistic.overlap_shown(X, y, fit.w, fit.b, pos_weight=pos_weight)
    # a proof of overlap is never found for separable points, wherever one looks
    for w, b in [(rng.normal(0, 5, 2), rng.normal(0, 5)), (np.zeros(2), 0.0)]:
        if truth:
            assert not logistic.overlap_shown(X, y, w, b, pos_weight=pos_weight)


def test_a_default_gradient_descent_run_on_overlapping_blobs_solves_no_lp(monkeypatch):
    from scipy import optimize

    from lib import experiment

    calls = []
    real = optimize.linprog
    monkeypatch.setattr(optimize, "linprog", lambda *a, **k: calls.append(1) or real(*a, **k))
    import scipy.optimize
    assert scipy.optimize.linprog is not real
    for seed in (0, 2, 3, 4, 5):
        e = experiment.run(experiment.Settings(seed=seed))
        assert not _lp_separable(e.F_train, e.y_train)  # the reference: these points overlap
        assert not e.separable and e.optimum.converged
    assert len(calls) == 5  # the reference's own five
    # separable data: the trained model is the proof; with L2 the page still needs the LP's answer
    e = experiment.run(experiment.Settings(dataset="separable", l2=0.1))
    assert e.separable == _lp_separable(e.F_train, e.y_train)


def test_the_optimum_is_the_same_from_any_start(blobs):
    far = logistic.optimum(blobs.X, blobs.y, l2=0.01, near=(np.array([40.0, -40.0]), 25.0))
    bad = logistic.optimum(blobs.X, blobs.y, l2=0.01, near=(np.array([np.inf, 0.0]), 0.0))
    plain = logistic.optimum(blobs.X, blobs.y, l2=0.01)
    close = logistic.optimum(blobs.X, blobs.y, l2=0.01, near=(plain.w + 0.3, plain.b - 0.2))
    for fit in (far, bad, close):
        assert fit.converged
        np.testing.assert_allclose(fit.w, plain.w, rtol=1e-8, atol=1e-10)
        assert fit.b == pytest.approx(plain.b, rel=1e-8, abs=1e-10)


def test_when_newton_gives_up_scipys_trust_region_finds_the_same_optimum(blobs, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    newton = logistic.optimum(blobs.X, blobs.y, l2=0.01)
    monkeypatch.setattr(logistic, "_damped_newton", lambda *a, **k: None)
    fallback = logistic.optimum(blobs.X, blobs.y, l2=0.01)
    ref = LogisticRegression(tol=1e-12, max_iter=10_000, C=1.0 / (0.01 * len(blobs.y))).fit(blobs.X, blobs.y)
    for fit in (newton, fallback):
        assert fit.converged
        np.testing.assert_allclose(fit.w, ref.coef_[0], rtol=1e-5, atol=1e-6)
    assert "Newton" in newton.message and "Newton" not in fallback.message


@pytest.mark.parametrize("objective,l2", [("bce", 0.0), ("both", 0.0), ("bce", 0.01), ("squared", 0.0)])
def test_the_runs_bce_curve_is_mean_bce_without_l2_whatever_was_trained(objective, l2):
    from lib import experiment

    e = experiment.run(experiment.Settings(n=60, steps=25, objective=objective, l2=l2, pos_weight=2.0))
    for t in (0, 7, 25):  # by hand: the weighted BCE of step t's model, no L2 term
        z = e.F_train @ e.traj.w[t] + e.traj.b[t]
        expected = loss.bce_with_logits(e.y_train, z, pos_weight=2.0)
        assert e.train_bce[t] == pytest.approx(expected, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 40), d=st.integers(1, 3), soft=st.booleans(), pos_weight=st.sampled_from([0.5, 1.0, 3.0]),
       l2=st.sampled_from([0.0, 0.1]), objective=st.sampled_from(["bce", "squared"]),
       optimizer=st.sampled_from(["gd", "sgd"]), seed=st.integers(0, 10**6))
def test_training_follows_the_textbook_update_for_hard_and_soft_labels(n, d, soft, pos_weight, l2, objective,
                                                                      optimizer, seed):
    """Every step is θ ← θ − η·∇J with ∇J written out here from the per-sample loss (BCE or squared error, any
    pos_weight, L2 on w), for hard labels (the signed fast path) and soft ones; the recorded J and ‖∇J‖ are the
    hand-written ones at every step, and the loss over a grid is the objective at its points."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.5, (n, d))
    y = rng.uniform(0, 1, n) if soft else (rng.uniform(0, 1, n) < 0.5).astype(float)
    lr, steps, batch = 0.5, 8, 3

    def sig(z):
        return 0.5 * (1 + np.tanh(0.5 * z))  # σ another way than scipy's expit

    def J(theta):
        z = X @ theta[:d] + theta[d]
        if objective == "bce":  # softplus(−z) = log(1 + e^−z) by numpy's logaddexp
            per = pos_weight * y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)
        else:
            per = pos_weight * y * (1 - sig(z)) ** 2 + (1 - y) * sig(z) ** 2
        return np.mean(per) + 0.5 * l2 * theta[:d] @ theta[:d]

    def grad(theta, rows):
        z = X[rows] @ theta[:d] + theta[d]
        p = sig(z)
        gz = (1 - y[rows]) * p - pos_weight * y[rows] * (1 - p)  # ∂BCE/∂z
        if objective == "squared":
            gz = 2 * p * (1 - p) * gz
        A = np.column_stack([X[rows], np.ones(len(rows))])
        return A.T @ gz / len(rows) + l2 * np.append(theta[:d], 0.0)

    traj = logistic.train(X, y, optimizer=optimizer, lr=lr, steps=steps, l2=l2, pos_weight=pos_weight,
                          objective=objective, batch_size=batch, seed=seed)
    theta = np.zeros(d + 1)
    shuffle = np.random.default_rng(seed)  # the documented mini-batches: a fresh shuffle by the seed each epoch
    order, cursor = shuffle.permutation(n), 0
    for t in range(steps + 1):
        np.testing.assert_allclose(np.append(traj.w[t], traj.b[t]), theta, rtol=1e-9, atol=1e-12)
        assert traj.loss[t] == pytest.approx(J(theta), rel=1e-12)
        assert traj.grad_norm[t] == pytest.approx(np.linalg.norm(grad(theta, np.arange(n))), rel=1e-9, abs=1e-15)
        if optimizer == "sgd":
            if cursor + batch > n:
                order, cursor = shuffle.permutation(n), 0
            rows = order[cursor:cursor + batch]
            cursor += batch
        else:
            rows = np.arange(n)
        theta = theta - lr * grad(theta, rows)
    span = (np.linspace(-2, 2, 3), np.linspace(-1, 1, 4))
    L = logistic.landscape(X, y, traj.w[-1], traj.b[-1], axes=(0, d), span=span, l2=l2, pos_weight=pos_weight)
    if objective == "bce":
        for i, j in ((0, 0), (3, 2), (1, 1)):
            at = np.append(traj.w[-1], traj.b[-1])
            at[0], at[d] = span[0][j], span[1][i]
            assert L[i, j] == pytest.approx(J(at), rel=1e-12)


@pytest.mark.parametrize("optimizers", [["gd"], ["sgd", "adam", "momentum"]])
def test_a_tick_is_called_every_few_steps_and_changes_no_number(optimizers):
    """``tick`` (a server's run lock steps aside there) is called at least every ``TICK_STEPS`` steps of training,
    and a run with it is the same run, bit for bit, as one without."""
    from lib import experiment

    X, y = datasets.make("moons", 120, seed=3).X, datasets.make("moons", 120, seed=3).y
    steps = 10 * logistic.TICK_STEPS + 5
    calls = []
    ticked = logistic.train_many(X, y, optimizers, lr=0.5, steps=steps, pos_weight=2.0, l2=0.01,
                                 tick=lambda: calls.append(1))
    plain = logistic.train_many(X, y, optimizers, lr=0.5, steps=steps, pos_weight=2.0, l2=0.01)
    assert len(calls) >= steps // logistic.TICK_STEPS
    for name in optimizers:
        for field in ("w", "b", "loss", "grad_norm"):
            np.testing.assert_array_equal(getattr(ticked[name], field), getattr(plain[name], field))
    s = experiment.Settings(dataset="moons", n=120, steps=300, compare=("adam",), objective="both", seed=5)
    calls.clear()
    a, b = experiment.run(s, tick=lambda: calls.append(1)), experiment.run(s)
    assert len(calls) >= 2 * (300 // logistic.TICK_STEPS)  # the run and the race
    for field in ("train_accuracy", "w_norm", "test_loss", "race_bce", "frames"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    np.testing.assert_array_equal(a.traj.w, b.traj.w)
    np.testing.assert_array_equal(a.others["adam"].loss, b.others["adam"].loss)
