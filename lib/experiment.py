"""One gradient-descent experiment, from settings to everything the page shows, as plain arrays.

``run(Settings(...))`` makes the dataset, splits it, maps features, trains the chosen optimizer (and any optimizers
to compare, from the same start), finds the reference optimum, and records per-step train/test loss, accuracy,
‖w‖ and gradient norm. It is pure and deterministic (same settings, same result), so the page caches it by its
settings and a shared link replays the same run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lib import datasets, logistic, loss

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
STEP_COUNTS = (10, 25, 50, 100, 200, 500, 1000)
MAX_TOY_POINTS = 500  # points of a made (toy) dataset: the heaviest toy run stays near the budget (docs/performance.md)
L2_STRENGTHS = (0.0, 0.0001, 0.001, 0.01, 0.03, 0.1, 0.3, 1.0)
POS_WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
BATCH_SIZES = (1, 4, 8, 16, 32, 64)
MAX_FRAMES = 40
TRAIN_WITH = {"bce": "BCE", "squared": "squared error", "both": "both (a race)"}
STARTS = {"zero": "w = 0, b = 0", "wrong": "confidently wrong"}
WRONG_START_NORM = 5.0  # ‖w₀‖ of the confidently wrong start: on the toy sets most points get |z| of several units


@dataclass(frozen=True)
class Settings:
    dataset: str = "blobs"
    n: int = 200
    noise: float = 0.3
    balance: float = 0.5
    seed: int = 0
    test_fraction: float = 0.0
    features: bool = False
    optimizer: str = "gd"
    batch_size: int = 16
    lr: float = 0.3
    steps: int = 200
    l2: float = 0.0
    pos_weight: float = 1.0
    compare: tuple[str, ...] = ()
    objective: str = "bce"            # "bce", "squared" or "both" (BCE and squared error race from one start)
    start: str = "zero"               # "zero" or "wrong" (w₀ points against the classes, ‖w₀‖ = WRONG_START_NORM)
    points: tuple = ()                # dataset "custom": the user's (x1, x2, y) rows, standardized for training

    def __post_init__(self):
        if self.objective not in TRAIN_WITH:
            raise ValueError(f"objective must be one of {tuple(TRAIN_WITH)}")
        if self.start not in STARTS:
            raise ValueError(f"start must be one of {tuple(STARTS)}")
        if self.dataset == "custom" and not self.points:
            raise ValueError("the custom dataset needs points")
        if self.optimizer not in logistic.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {tuple(logistic.OPTIMIZERS)}")
        for name in self.compare:
            if name not in logistic.OPTIMIZERS:
                raise ValueError(f"compare: unknown optimizer {name!r}")
        if self.dataset != "custom" and not datasets.MIN_POINTS <= self.n <= MAX_TOY_POINTS:
            raise ValueError(f"n must be in {datasets.MIN_POINTS} … {MAX_TOY_POINTS}")
        if not 0 < self.steps <= logistic.MAX_STEPS:
            raise ValueError(f"steps must be in 1 … {logistic.MAX_STEPS}")


@dataclass(frozen=True)
class Experiment:
    settings: Settings
    X_train: np.ndarray          # raw 2-D points (for the scatter)
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    F_train: np.ndarray          # model features (raw or mapped)
    F_test: np.ndarray
    feature_names: tuple[str, ...]
    traj: logistic.Trajectory
    test_loss: np.ndarray        # (steps+1,) mean BCE on the test set (empty without one)
    train_accuracy: np.ndarray   # (steps+1,)
    test_accuracy: np.ndarray
    w_norm: np.ndarray           # (steps+1,)
    optimum: logistic.Fit
    separable: bool
    frames: np.ndarray           # the steps shown as animation frames
    others: dict = field(default_factory=dict)  # optimizer name → Trajectory, same start, same lr
    train_bce: np.ndarray = field(default_factory=lambda: np.zeros(0))  # mean BCE (no L2) of traj on train
    race: logistic.Trajectory | None = None      # objective "both": the squared-error run from the same start
    race_bce: np.ndarray = field(default_factory=lambda: np.zeros(0))
    race_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def final(self) -> int:
        return len(self.traj.loss) - 1

    @property
    def last_step(self) -> int:
        """The last step the main run really took: the step before a diverging update, else its last step."""
        return last_step(self.traj)


def last_step(traj: logistic.Trajectory) -> int:
    """The last step a run really took (a diverged run stays at its last good step from then on)."""
    return len(traj.loss) - 1 if traj.diverged_at is None else traj.diverged_at - 1


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Steps to show as frames: 0, the last step, and denser early on (where the model changes fastest)."""
    if steps + 1 <= max_frames:
        return np.arange(steps + 1)
    k = np.unique(np.round(steps * np.linspace(0, 1, max_frames) ** 1.6).astype(int))
    return np.union1d(k, [0, steps])


def _accuracy_along(F: np.ndarray, y: np.ndarray, traj: logistic.Trajectory) -> np.ndarray:
    if len(y) == 0:
        return np.zeros(0)
    Z = F @ traj.w.T + traj.b
    return np.mean((Z >= 0) == (y[:, None] >= 0.5), axis=0)


def custom_dataset(points) -> datasets.Dataset:
    """The user's (x1, x2, y) rows as a Dataset, unscaled (:func:`standardize` scales them after the split)."""
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return datasets.Dataset(X=arr[:, :2], y=arr[:, 2], name="custom")


def standardize(train: datasets.Dataset, test: datasets.Dataset) -> tuple[datasets.Dataset, datasets.Dataset]:
    """Both sets scaled by the training points' mean and standard deviation per coordinate (a coordinate constant
    on the training points is only centred), so one learning rate suits any units. The held-out points do not
    enter the statistics: they would leak into training and leave the training points off mean 0, sd 1."""
    mean, sd = train.X.mean(axis=0), train.X.std(axis=0)
    scale = np.where(sd > 0, sd, 1.0)
    return (datasets.Dataset((train.X - mean) / scale, train.y, train.name),
            datasets.Dataset((test.X - mean) / scale, test.y, test.name))


def wrong_start(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w₀ pointing from class 1's mean to class 0's, of norm WRONG_START_NORM: most points start confidently
    on the wrong side (p near 0 for class 1, near 1 for class 0)."""
    d = F[y >= 0.5].mean(axis=0) - F[y < 0.5].mean(axis=0)
    norm = float(np.linalg.norm(d))
    return -WRONG_START_NORM * d / norm if norm > 0 else np.zeros(F.shape[1])


MAX_PATH_WORK = 2_000_000  # training points × steps × paths of one run: ~200 ms of one core (docs/performance.md)


def paths_within_budget(n_train: int, steps: int, race: bool, compare: tuple[str, ...]) -> tuple[str, ...]:
    """The compared optimizers a run can afford: the first of ``compare`` that keep its training points × steps ×
    paths (the run itself, the race's squared-error run, each compared path) within ``MAX_PATH_WORK``.

    A run's time grows with each of the three (every path is ``steps`` passes over the training points); a
    class's server gives one student's move ~300 ms at most, so at large n and many steps fewer paths are
    compared. Without compared paths the largest run (1,000 points, 1,000 steps, the race) fits.

    >>> paths_within_budget(200, 200, False, ("adam", "momentum")), paths_within_budget(1000, 1000, True, ("adam",))
    (('adam', 'momentum'), ())
    """
    room = MAX_PATH_WORK // max(1, n_train * steps) - 1 - int(race)
    return tuple(compare[: max(0, room)])


def run(s: Settings, tick=None) -> Experiment:
    """The experiment of settings ``s``. ``tick``: None, or a function called with no arguments now and then (in
    training, see ``logistic.train``, and between the steps below) — a server's run lock lets others in there."""
    between = tick or (lambda: None)
    data = custom_dataset(s.points) if s.dataset == "custom" else datasets.make(
        s.dataset, s.n, noise=s.noise, balance=s.balance, seed=s.seed)
    train, test = datasets.split(data, s.test_fraction, seed=s.seed)
    if s.dataset == "custom":
        train, test = standardize(train, test)
    fmap = datasets.feature_map if s.features else (lambda X: np.asarray(X, dtype=np.float64))
    F_train, F_test = fmap(train.X), fmap(test.X) if len(test.y) else np.zeros((0, 5 if s.features else 2))
    names = datasets.MAPPED_FEATURE_NAMES if s.features else datasets.FEATURE_NAMES
    w0 = wrong_start(F_train, train.y) if s.start == "wrong" else None
    common = dict(lr=s.lr, steps=s.steps, batch_size=s.batch_size, l2=s.l2, pos_weight=s.pos_weight, seed=s.seed,
                  w0=w0)
    runs = logistic.train_many(F_train, train.y, [s.optimizer, *s.compare],
                               objective="squared" if s.objective == "squared" else "bce", tick=tick, **common)
    traj = runs.pop(s.optimizer)
    others = runs
    race = logistic.train(F_train, train.y, optimizer=s.optimizer, objective="squared", tick=tick, **common) \
        if s.objective == "both" else None
    between()
    test_loss = logistic.losses_along(traj, F_test, test.y, pos_weight=s.pos_weight)
    # separable? the run may prove it (it separates the points); without L2, optimum() settles the rest — Newton's
    # minimizer proves overlap, else its LP decides — and says "separable" by returning no weights
    w_end, b_end = traj.w[-1], float(traj.b[-1])
    separates = logistic.separates(F_train, train.y, w_end, b_end)
    best = logistic.optimum(F_train, train.y, l2=s.l2, pos_weight=s.pos_weight, separable=True if separates else None,
                            near=(w_end, b_end))
    separable = best.w is None if s.l2 == 0 else separates or logistic.is_separable(F_train, train.y)
    between()
    return Experiment(
        settings=s, X_train=train.X, y_train=train.y, X_test=test.X, y_test=test.y, F_train=F_train, F_test=F_test,
        feature_names=names, traj=traj, test_loss=test_loss,
        train_accuracy=_accuracy_along(F_train, train.y, traj), test_accuracy=_accuracy_along(F_test, test.y, traj),
        w_norm=np.linalg.norm(traj.w, axis=1),
        optimum=best,
        # frames up to the last step any run really took: after every run has stopped nothing moves
        separable=separable, frames=frame_steps(max(last_step(r) for r in (traj, *others.values(), race) if r)),
        others=others,
        # BCE without L2 along the run: the trained objective itself when that is BCE with no L2 term
        train_bce=traj.loss if s.objective != "squared" and s.l2 == 0 else logistic.losses_along(
            traj, F_train, train.y, pos_weight=s.pos_weight), race=race,
        race_bce=logistic.losses_along(race, F_train, train.y, pos_weight=s.pos_weight) if race else np.zeros(0),
        race_accuracy=_accuracy_along(F_train, train.y, race) if race else np.zeros(0))


# ---------------------------------------------------------------------------------- what the animated figure draws
LANDSCAPE_EVALUATIONS = 51_200  # landscape grid points × training points: ~1 ms (docs/performance.md)
LANDSCAPE_SIDES = (16, 32)      # grid points a weight, fewest and most


def landscape_side(n_points: int) -> int:
    """Grid points along each weight of the landscape for ``n_points`` training points: as many as
    ``LANDSCAPE_EVALUATIONS`` affords, within ``LANDSCAPE_SIDES`` (J is smooth: 16 a side draws the same contours
    as 32)."""
    side = int(math.sqrt(LANDSCAPE_EVALUATIONS / max(int(n_points), 1)))
    return min(max(side, LANDSCAPE_SIDES[0]), LANDSCAPE_SIDES[1])


@dataclass(frozen=True)
class FigureNumbers:
    """The numbers the gradient-descent figure draws beyond the run's own record (:func:`figure_numbers`)."""
    u: np.ndarray             # the landscape's grid along w₁
    v: np.ndarray             # … and along w₂
    J: np.ndarray             # (len(v), len(u)): the objective (BCE + L2) there, the rest of θ at the last step
    path_losses: dict         # optimizer → loss per step on the loss panel's scale (main run first)
    point_losses: np.ndarray  # (training points, frames): each point's own BCE at each frame's step


def figure_numbers(e: Experiment) -> FigureNumbers:
    """What :func:`lib.charts.gradient_descent_figure` draws of run ``e``, as plain arrays.

    The landscape spans every path's (w₁, w₂) (and the optimum's) with 30% to spare on each side, at least one unit
    wide, on a :func:`landscape_side` grid; J = mean BCE + ½λ‖w‖² (``logistic.landscape``), the other weights and b
    held at the last step any run took. The loss panel compares paths on one scale: the objective trained, or —
    when squared error trains — BCE without L2 for every path. Point sizes follow each point's own BCE (ℓᵢ with
    pos_weight 1) at each frame.
    """
    s, traj = e.settings, e.traj
    last = int(e.frames[-1])
    paths = {s.optimizer: traj} | dict(e.others)
    pts = np.vstack([t.w[:, :2] for t in [*paths.values(), *([e.race] if e.race is not None else [])]])
    if e.optimum.converged:
        pts = np.vstack([pts, e.optimum.w[None, :2]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    side = landscape_side(len(e.y_train))
    u = np.linspace(lo[0] - 0.3 * span[0], hi[0] + 0.3 * span[0], side)
    v = np.linspace(lo[1] - 0.3 * span[1], hi[1] + 0.3 * span[1], side)
    J = logistic.landscape(e.F_train, e.y_train, traj.w[last], traj.b[last], span=(u, v), l2=s.l2,
                           pos_weight=s.pos_weight)
    bce_scale = s.objective != "bce"
    path_losses = {name: (e.train_bce if name == s.optimizer else logistic.losses_along(
        t, e.F_train, e.y_train, pos_weight=s.pos_weight)) if bce_scale else t.loss for name, t in paths.items()}
    steps = np.asarray(e.frames, dtype=int)
    Z = e.F_train @ traj.w[steps].T + traj.b[steps]  # (points, frames)
    return FigureNumbers(u=u, v=v, J=J, path_losses=path_losses,
                 point_losses=loss.logit_loss_kernel(e.y_train[:, None], Z, 1.0))
