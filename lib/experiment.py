"""One gradient-descent experiment, from settings to everything the page shows, as plain arrays.

``run(Settings(...))`` makes the dataset, splits it, maps features, trains the chosen optimizer (and any optimizers
to compare, from the same start), finds the reference optimum, and records per-step train/test loss, accuracy,
‖w‖ and gradient norm. It is pure and deterministic (same settings, same result), so the page caches it by its
settings and a shared link replays the same run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib import datasets, logistic, loss

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
STEP_COUNTS = (10, 25, 50, 100, 200, 500, 1000)
MAX_POINTS = 500  # the page's bound (lib.datasets allows 1000): keeps the heaviest run near the budget
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
    """The user's (x1, x2, y) rows as a Dataset with each feature standardized (mean 0, standard deviation 1; a
    constant feature is only centred), so one learning rate suits any units."""
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    X = arr[:, :2]
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return datasets.Dataset(X=X, y=arr[:, 2], name="custom")


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


def run(s: Settings) -> Experiment:
    data = custom_dataset(s.points) if s.dataset == "custom" else datasets.make(
        s.dataset, s.n, noise=s.noise, balance=s.balance, seed=s.seed)
    train, test = datasets.split(data, s.test_fraction, seed=s.seed)
    fmap = datasets.feature_map if s.features else (lambda X: np.asarray(X, dtype=np.float64))
    F_train, F_test = fmap(train.X), fmap(test.X) if len(test.y) else np.zeros((0, 5 if s.features else 2))
    names = datasets.MAPPED_FEATURE_NAMES if s.features else datasets.FEATURE_NAMES
    w0 = wrong_start(F_train, train.y) if s.start == "wrong" else None
    common = dict(lr=s.lr, steps=s.steps, batch_size=s.batch_size, l2=s.l2, pos_weight=s.pos_weight, seed=s.seed,
                  w0=w0)
    runs = logistic.train_many(F_train, train.y, [s.optimizer, *s.compare],
                               loss="squared" if s.objective == "squared" else "bce", **common)
    traj = runs.pop(s.optimizer)
    others = runs
    race = logistic.train(F_train, train.y, optimizer=s.optimizer, loss="squared", **common) \
        if s.objective == "both" else None
    test_loss = logistic.losses_along(traj, F_test, test.y, pos_weight=s.pos_weight)
    # separable? the run may prove it (it separates the points); without L2, optimum() settles the rest — Newton's
    # minimizer proves overlap, else its LP decides — and says "separable" by returning no weights
    w_end, b_end = traj.w[-1], float(traj.b[-1])
    separates = logistic.separates(F_train, train.y, w_end, b_end)
    best = logistic.optimum(F_train, train.y, l2=s.l2, pos_weight=s.pos_weight, separable=True if separates else None,
                            near=(w_end, b_end))
    separable = best.w is None if s.l2 == 0 else separates or logistic.is_separable(F_train, train.y)
    return Experiment(
        settings=s, X_train=train.X, y_train=train.y, X_test=test.X, y_test=test.y, F_train=F_train, F_test=F_test,
        feature_names=names, traj=traj, test_loss=test_loss,
        train_accuracy=_accuracy_along(F_train, train.y, traj), test_accuracy=_accuracy_along(F_test, test.y, traj),
        w_norm=np.linalg.norm(traj.w, axis=1),
        optimum=best,
        separable=separable, frames=frame_steps(s.steps), others=others,
        # BCE without L2 along the run: the trained objective itself when that is BCE with no L2 term
        train_bce=traj.loss if s.objective != "squared" and s.l2 == 0 else logistic.losses_along(
            traj, F_train, train.y, pos_weight=s.pos_weight), race=race,
        race_bce=logistic.losses_along(race, F_train, train.y, pos_weight=s.pos_weight) if race else np.zeros(0),
        race_accuracy=_accuracy_along(F_train, train.y, race) if race else np.zeros(0))


def race_sentence(e: Experiment) -> str | None:
    """What the race between BCE and squared error did, from the two runs (None without a race)."""
    if e.race is None:
        return None
    t = e.final
    a, b = 100 * e.train_accuracy[t], 100 * e.race_accuracy[t]
    g_bce, g_sq = float(e.traj.grad_norm[0]), float(e.race.grad_norm[0])
    text = (f"After {t} steps the BCE run classifies {a:.1f}% of the training points correctly, the squared-error "
            f"run {b:.1f}% (BCE {e.train_bce[t]:.4g} nats against {e.race_bce[t]:.4g}).")
    ratio = g_bce / g_sq if g_sq > 0 else np.inf
    text += (f" At the start the squared error's gradient was {g_sq:.3g} and BCE's {g_bce:.3g}, {ratio:.3g}× larger: "
             "squared error's gradient in z is BCE's times 2p(1 − p), at most ½"
             + (" and near 0 where p is near 0 or 1 — here on the confidently wrong points, which barely push."
                if ratio >= 5 else "."))
    return text


def diagnosis(e: Experiment) -> list[tuple[str, str]]:
    """What the run shows that a student should be told: (kind, sentence) with kind "warning" or "info".

    Every sentence is computed from this run: a learning rate is called too large only when the run diverged or
    is still swinging at its end (:attr:`logistic.Trajectory.still_swinging`), not because the loss rose on some
    steps — momentum and Adam overshoot and come back while converging.
    """
    out = []
    t = e.traj
    s = e.settings
    label = logistic.OPTIMIZERS[s.optimizer]
    if t.diverged_at is not None:
        out.append(("warning", f"**Diverged at step {t.diverged_at}.** The learning rate {s.lr:g} is too "
                    "large: each step overshoots the minimum by more than it corrects, so the weights grow without "
                    "bound. The run stops there; lower the learning rate."))
    elif t.still_swinging:
        tail = t.loss[-t.tail:]
        rises = int(np.sum(np.diff(tail) > 0))
        out.append(("warning", f"**The loss is still swinging at the end.** In the last {t.tail} steps it rose "
                    f"{rises} times, up to {np.max(tail):.4g}; its best was {np.min(t.loss):.4g} and it started at "
                    f"{t.loss[0]:.4g}. The learning rate "
                    f"{s.lr:g} is too large for {label}: steps jump across the valley of the loss instead of into "
                    "it. Lower the learning rate" + (" or use bigger mini-batches." if s.optimizer == "sgd" else ".")))
    elif t.loss_increases:
        gap = (f"; it ends {t.loss[-1] - e.optimum.loss:.2g} above the optimum" if e.optimum.converged else "")
        out.append(("info", f"The loss rose in {t.loss_increases} of {e.final} steps, yet the run settled: in its "
                    f"last {t.tail} steps it never rises more than {100 * t.swing:.2g}% of its whole descent above its "
                    f"best{gap}. " + ("Mini-batches see different points, so some steps go up: that is noise, not a "
                                  "too-large learning rate." if s.optimizer == "sgd" else
                                  "RMSprop scales every step to about η, so near the minimum it steps across it "
                                  "and back: small rises, no divergence." if s.optimizer == "rmsprop" else
                                  f"{label} carries speed, overshoots and comes back — that is not divergence.")))
    if e.separable and s.l2 == 0:
        out.append(("info", f"**The training data is linearly separable and L2 is 0**, so the loss has no minimum: "
                    f"it creeps towards 0 while ‖w‖ keeps growing (now {e.w_norm[-1]:.3g}, from "
                    f"{e.w_norm[min(10, e.final)]:.3g} at step {min(10, e.final)}). Turn on L2 and ‖w‖ settles."))
    if s.pos_weight != 1:
        z = e.F_train @ t.w[-1] + t.b[-1]
        out.append(("info", f"pos_weight = {s.pos_weight:g} makes a missed positive cost {s.pos_weight:g}× as much, "
                    f"which pulls the boundary towards {'more' if s.pos_weight > 1 else 'fewer'} positive "
                    f"predictions: now {int(np.sum(z >= 0))} of {len(z)} training points are called positive, and "
                    f"{int(np.sum(e.y_train >= 0.5))} are."))
    return out


def what_to_notice(e: Experiment) -> str:
    """The dataset's sentence, computed from the points actually drawn and this run (never a fixed blurb)."""
    s = e.settings
    y = e.y_train
    share = float(np.mean(y))
    acc = float(e.train_accuracy[-1])
    line = "line" if not s.features else "boundary of the squared features"
    if e.separable:
        split = (f"a {line} separates the training points perfectly" if s.l2 == 0 else
                 f"a {line} separates the training points; L2 = {s.l2:g} keeps ‖w‖ finite, so the loss has a "
                 f"minimum of {e.optimum.loss:.4g} above 0")
    else:
        floor = (f" — the best possible is {e.optimum.loss:.4g} nats" if e.optimum.converged else "")
        split = f"no {line} separates the training points, so the loss settles at a floor above 0{floor}"
    if s.dataset == "custom":
        return f"Your {len(y)} training points: {split}. This run gets {acc:.1%} of them right."
    if s.dataset == "blobs":
        return f"{'The blobs overlap' if not e.separable else 'At this noise the blobs do not overlap'}: {split}."
    if s.dataset == "separable":
        return f"The classes lie on either side of a margin: {split}."
    if s.dataset == "xor" and not s.features:
        entropy = float(loss.bernoulli_entropy(share))
        best = e.optimum.loss if e.optimum.converged else float(np.min(e.traj.loss))
        close = (best >= 0.9 * entropy)
        return (f"No straight line can split XOR: the best line's loss is {best:.4g} nats, "
                f"{'barely below' if close else 'below'} the {entropy:.4g} nats of predicting the share of class 1 "
                f"({share:.0%}) everywhere — the entropy of the labels (log 2 ≈ 0.693 only when the classes are "
                "balanced). Turn on the feature map: x₁·x₂ is the feature that solves it.")
    if s.dataset == "xor":
        return f"With the feature x₁·x₂ a linear model can split XOR: {split}; accuracy now {acc:.1%}."
    if s.dataset == "circles" and not s.features:
        return (f"One class surrounds the other: {split}, and this run ends at {acc:.1%} accuracy. With the squared "
                "features the boundary can become a circle.")
    if s.dataset == "circles":
        return f"With x₁² and x₂² the boundary can close into a circle: {split}; accuracy now {acc:.1%}."
    return (f"The moons interlock: {split}. This run gets {acc:.1%} of the training points right; the biggest points "
            "are the ones the boundary gets most wrong.")


def describe(e: Experiment, t: int) -> str:
    """The chart in one sentence, for screen readers: what is drawn at step t, with its numbers."""
    w = e.traj.w[t]
    parts = [f"Training points of two classes ({int(np.sum(e.y_train < 0.5))} of class 0, "
             f"{int(np.sum(e.y_train >= 0.5))} of class 1) with the decision boundary at step {t} of {e.final}",
             f"train loss {e.traj.loss[t]:.4g} nats, accuracy {100 * e.train_accuracy[t]:.1f}%",
             f"weights ({', '.join(f'{v:.3g}' for v in w)}), bias {e.traj.b[t]:.3g}",
             f"the loss fell from {e.traj.loss[0]:.4g} at step 0 to {e.traj.loss[-1]:.4g} at step {e.final}"]
    if e.optimum.converged:
        parts.append(f"the optimum loss is {e.optimum.loss:.4g}")
    return "; ".join(parts) + "."
