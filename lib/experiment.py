"""One gradient-descent experiment, from settings to everything the page shows, as plain arrays.

``run(Settings(...))`` makes the dataset, splits it, maps features, trains the chosen optimizer (and any optimizers
to compare, from the same start), finds the reference optimum, and records per-step train/test loss, accuracy,
‖w‖ and gradient norm. It is pure and deterministic (same settings, same result), so the page caches it by its
settings and a shared link replays the same run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib import datasets, logistic

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
STEP_COUNTS = (10, 25, 50, 100, 200, 500, 1000)
MAX_POINTS = 500  # the page's bound (lib.datasets allows 1000): keeps the heaviest run near the budget
L2_STRENGTHS = (0.0, 0.0001, 0.001, 0.01, 0.03, 0.1, 0.3, 1.0)
POS_WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
BATCH_SIZES = (1, 4, 8, 16, 32, 64)
MAX_FRAMES = 40


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

    def __post_init__(self):
        if self.optimizer not in logistic.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {tuple(logistic.OPTIMIZERS)}")
        for name in self.compare:
            if name not in logistic.OPTIMIZERS:
                raise ValueError(f"compare: unknown optimizer {name!r}")
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

    @property
    def final(self) -> int:
        return len(self.traj.loss) - 1


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


def run(s: Settings) -> Experiment:
    data = datasets.make(s.dataset, s.n, noise=s.noise, balance=s.balance, seed=s.seed)
    train, test = datasets.split(data, s.test_fraction, seed=s.seed)
    fmap = datasets.feature_map if s.features else (lambda X: np.asarray(X, dtype=np.float64))
    F_train, F_test = fmap(train.X), fmap(test.X) if len(test.y) else np.zeros((0, 5 if s.features else 2))
    names = datasets.MAPPED_FEATURE_NAMES if s.features else datasets.FEATURE_NAMES
    runs = logistic.train_many(F_train, train.y, [s.optimizer, *s.compare], lr=s.lr, steps=s.steps,
                               batch_size=s.batch_size, l2=s.l2, pos_weight=s.pos_weight, seed=s.seed)
    traj = runs.pop(s.optimizer)
    others = runs
    test_loss = logistic.losses_along(traj, F_test, test.y, pos_weight=s.pos_weight)
    return Experiment(
        settings=s, X_train=train.X, y_train=train.y, X_test=test.X, y_test=test.y, F_train=F_train, F_test=F_test,
        feature_names=names, traj=traj, test_loss=test_loss,
        train_accuracy=_accuracy_along(F_train, train.y, traj), test_accuracy=_accuracy_along(F_test, test.y, traj),
        w_norm=np.linalg.norm(traj.w, axis=1),
        optimum=logistic.optimum(F_train, train.y, l2=s.l2, pos_weight=s.pos_weight),
        separable=logistic.is_separable(F_train, train.y), frames=frame_steps(s.steps), others=others)


def diagnosis(e: Experiment) -> list[tuple[str, str]]:
    """What the run shows that a student should be told: (kind, sentence) with kind "warning" or "info"."""
    out = []
    t = e.traj
    if t.diverged_at is not None:
        out.append(("warning", f"**Diverged at step {t.diverged_at}.** The learning rate {e.settings.lr:g} is too "
                    "large: each step overshoots the minimum by more than it corrects, so the weights grow without "
                    "bound. The run stops there; lower the learning rate."))
    elif t.unstable:
        out.append(("warning", f"**The loss goes up in {t.loss_increases} of {e.final} steps.** The learning rate "
                    f"{e.settings.lr:g} is too large: each step jumps across the valley of the loss instead of into "
                    "it, so it oscillates. Lower the learning rate."))
    if e.separable and e.settings.l2 == 0:
        out.append(("info", f"**The training data is linearly separable and L2 is 0**, so the loss has no minimum: "
                    f"it creeps towards 0 while ‖w‖ keeps growing (now {e.w_norm[-1]:.3g}, from "
                    f"{e.w_norm[min(10, e.final)]:.3g} at step {min(10, e.final)}). Turn on L2 and ‖w‖ settles."))
    if e.settings.pos_weight != 1:
        out.append(("info", f"pos_weight = {e.settings.pos_weight:g} makes a missed positive cost "
                    f"{e.settings.pos_weight:g}× as much, so the boundary moves to "
                    f"{'call more points positive' if e.settings.pos_weight > 1 else 'call fewer points positive'}."))
    return out
