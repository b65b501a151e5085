"""lib.experiment: what the gradient-descent figure draws (``figure_numbers``), recomputed by hand with mpmath."""
import mpmath as mp
import numpy as np
import pytest

from lib import datasets, experiment

mp.mp.dps = 30


def _bce(y: float, z: float, pos_weight: float = 1.0) -> mp.mpf:
    """One point's BCE from its logit, −y·pw·log σ(z) − (1 − y)·log(1 − σ(z)), in 30 digits."""
    z = mp.mpf(z)
    return -(pos_weight * y * mp.log(1 / (1 + mp.exp(-z))) + (1 - y) * mp.log(1 - 1 / (1 + mp.exp(-z))))


def _logit(f, w, b) -> mp.mpf:
    """z = w·f + b, in 30 digits."""
    return mp.fsum(mp.mpf(float(a)) * mp.mpf(float(c)) for a, c in zip(f, w, strict=True)) + float(b)


def _mean_bce(F, y, w, b, pos_weight: float = 1.0) -> mp.mpf:
    return mp.fsum(_bce(float(yi), _logit(f, w, b), pos_weight) for f, yi in zip(F, y, strict=True)) / len(y)


@pytest.mark.parametrize("settings", [
    {"n": 20, "l2": 0.1, "pos_weight": 2.0},                            # raw features, L2 and a weighted class 1
    {"n": 20, "features": True, "dataset": "circles", "start": "wrong"},  # five weights: three held at the last step
    {"n": 60, "objective": "both", "lr": 1.0}], ids=str)
def test_the_landscape_is_mean_bce_plus_l2_over_w1_w2_the_rest_held_at_the_last_step(settings):
    e = experiment.run(experiment.Settings(**settings))
    got = experiment.figure_numbers(e)
    s, last = e.settings, int(e.frames[-1])
    assert got.J.shape == (len(got.v), len(got.u))
    for i in range(0, len(got.v), 5):
        for j in range(0, len(got.u), 5):
            w = [float(x) for x in e.traj.w[last]]
            w[0], w[1] = float(got.u[j]), float(got.v[i])
            want = _mean_bce(e.F_train, e.y_train, w, e.traj.b[last], s.pos_weight) + s.l2 / 2 * mp.fsum(
                mp.mpf(x) ** 2 for x in w)
            assert got.J[i, j] == pytest.approx(float(want), rel=1e-12)


@pytest.mark.parametrize("n, side", [(20, 32), (40, 32), (100, 22), (200, 16), (500, 16)])
def test_the_landscape_grid_is_even_shrinks_as_points_grow_and_holds_every_path(n, side):
    """⌊√(51,200 / n)⌋ a weight, between 16 and 32; every path (the race's and compared ones too) and the optimum
    lie inside, with room to spare."""
    e = experiment.run(experiment.Settings(n=n, dataset="moons", objective="both", compare=("adam",), l2=0.01))
    got = experiment.figure_numbers(e)
    assert len(got.u) == len(got.v) == side
    for axis in (got.u, got.v):
        assert np.allclose(np.diff(axis), axis[1] - axis[0])
    for t in (e.traj, e.race, *e.others.values()):
        assert got.u[0] < t.w[:, 0].min() <= t.w[:, 0].max() < got.u[-1]
        assert got.v[0] < t.w[:, 1].min() <= t.w[:, 1].max() < got.v[-1]
    assert got.u[0] < e.optimum.w[0] < got.u[-1] and got.v[0] < e.optimum.w[1] < got.v[-1]


@pytest.mark.parametrize("objective", ["bce", "squared"])
def test_each_path_is_drawn_on_one_loss_scale_the_objective_or_bce_when_squared_error_trains(objective):
    """Training BCE (+ L2) draws the objective of every path; training squared error draws BCE without L2 for every
    path, so the paths compare on one scale."""
    e = experiment.run(experiment.Settings(n=30, steps=25, objective=objective, l2=0.03, pos_weight=0.5,
                                           compare=("adam", "momentum")))
    got = experiment.figure_numbers(e)
    paths = {e.settings.optimizer: e.traj} | e.others
    assert list(got.path_losses) == list(paths)  # the main run first
    for name, t in paths.items():
        for step in (0, 7, 25):
            w, b = [float(x) for x in t.w[step]], t.b[step]
            want = _mean_bce(e.F_train, e.y_train, w, b, 0.5)
            if objective == "bce":
                want += 0.03 / 2 * mp.fsum(mp.mpf(x) ** 2 for x in w)
            assert got.path_losses[name][step] == pytest.approx(float(want), rel=1e-12)


def test_each_training_point_s_own_bce_at_each_frame():
    """Unweighted (pos_weight does not size the points), from the run's weights at each frame's step."""
    e = experiment.run(experiment.Settings(n=24, steps=50, start="wrong", pos_weight=4.0, dataset="xor",
                                           features=True))
    got = experiment.figure_numbers(e)
    assert got.point_losses.shape == (len(e.y_train), len(e.frames))
    for j, t in enumerate(e.frames):
        for i in range(len(e.y_train)):
            z = _logit(e.F_train[i], e.traj.w[t], e.traj.b[t])
            assert got.point_losses[i, j] == pytest.approx(float(_bce(float(e.y_train[i]), z)), rel=1e-12, abs=1e-300)


def test_a_made_dataset_stops_at_the_toy_bound_and_your_own_points_at_the_dataset_bound():
    """``MAX_TOY_POINTS`` (the Points slider's top) bounds a made dataset; the user's own points go up to
    ``datasets.MAX_POINTS``, beyond the toy bound."""
    assert experiment.MAX_TOY_POINTS < datasets.MAX_POINTS
    experiment.Settings(n=experiment.MAX_TOY_POINTS)
    for n in (experiment.MAX_TOY_POINTS + 1, datasets.MIN_POINTS - 1):
        with pytest.raises(ValueError, match="n must be in"):
            experiment.Settings(n=n)
    own = tuple((float(i), float(-i), float(i % 2)) for i in range(experiment.MAX_TOY_POINTS + 1))
    assert len(experiment.Settings(dataset="custom", points=own).points) == experiment.MAX_TOY_POINTS + 1
