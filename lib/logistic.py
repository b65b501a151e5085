"""Logistic regression trained by minimizing BCE: the model, five optimizers, and the reference optimum.

The model is p = σ(w·x + b). The objective is the mean (weighted) BCE plus an L2 penalty on w (not on b):

    J(w, b) = (1/n) Σᵢ [pos_weight·yᵢ·softplus(−zᵢ) + (1−yᵢ)·softplus(zᵢ)] + (l2/2)·‖w‖²,   zᵢ = w·xᵢ + b

computed with ``lib.loss``'s exact kernels, so J is never NaN. The gradient is ∇_w J = Xᵀg/n + l2·w and
∂J/∂b = mean(g), with g = ∂L/∂z = σ(z) − y (for pos_weight = 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from lib import loss

OPTIMIZERS = {
    "gd": "Gradient descent (full batch)",
    "sgd": "Mini-batch SGD",
    "momentum": "Momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
MAX_STEPS = 2000
TICK_STEPS = 32  # train(tick=...) calls tick every this many steps: ~1.4 ms of the heaviest run (3 paths, 500 points)
OBJECTIVES = {"bce": "BCE", "squared": "squared error"}

# Each optimizer's update as the page shows it, in pieces (one line each on a phone); θ = (w, b), the
# constants are those train() uses.
UPDATE_RULES = {
    "gd": (r"\theta \leftarrow \theta - {lr}\,\nabla J(\theta)",),
    "sgd": (r"\theta \leftarrow \theta - {lr}\,\nabla J_B(\theta)",
            r"\text{{(}}J_B\text{{: the mean over a mini-batch of {batch} points)}}"),
    "momentum": (r"v \leftarrow 0.9\,v + \nabla J(\theta)", r"\theta \leftarrow \theta - {lr}\,v"),
    "rmsprop": (r"g = \nabla J(\theta),\ \ s \leftarrow 0.9\,s + 0.1\,g^2",
                r"\theta \leftarrow \theta - {lr}\,\frac{{g}}{{\sqrt{{s}} + 10^{{-8}}}}"),
    "adam": (r"g = \nabla J(\theta),\ \ m \leftarrow 0.9\,m + 0.1\,g,\ \ s \leftarrow 0.999\,s + 0.001\,g^2",
             r"\theta \leftarrow \theta - {lr}\,\frac{{m/(1-0.9^t)}}{{\sqrt{{s/(1-0.999^t)}} + 10^{{-8}}}}"),
}
# Parameters beyond this norm are called diverged: the run stops there (well before any overflow).
DIVERGENCE_NORM = 1e6


@dataclass(frozen=True)
class Trajectory:
    """A training run: parameters and full-data objective at every step (step 0 is the start).

    ``w`` (steps+1, d), ``b`` (steps+1,), ``loss`` (steps+1,), ``grad_norm`` (steps+1,) — the norm of the full
    gradient of J at that step. ``diverged_at`` is the first step whose update left the finite range or exceeded
    ``DIVERGENCE_NORM`` (the arrays then hold the last good step from there on), else None.
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    diverged_at: int | None = None
    optimizer: str = "gd"
    lr: float = 0.1
    objective: str = "bce"    # what ``loss`` records and the run minimized: "bce" or "squared"

    @property
    def loss_increases(self) -> int:
        """How many steps made the objective go up (momentum and Adam overshoot and come back: not by itself a
        sign of trouble; see :attr:`still_swinging`)."""
        return int(np.sum(np.diff(self.loss) > 1e-12 * (1 + np.abs(self.loss[:-1]))))

    @property
    def tail(self) -> int:
        """The length of the run's last stretch judged by :attr:`swing`: a tenth of the steps, at least 2."""
        return max((len(self.loss) - 1) // 10, 2)

    @property
    def swing(self) -> float:
        """How far the loss still bounces at the end: the largest rise above its running best within the last
        :attr:`tail` steps, as a share of the whole descent (start − best). 0 for a loss that only goes down."""
        excess = self.loss - np.minimum.accumulate(self.loss)
        descent = float(self.loss[0]) - float(np.min(self.loss))
        rise = float(np.max(excess[-self.tail:]))
        if descent <= 0:
            return 0.0 if rise <= 0 else np.inf
        return rise / descent

    @property
    def still_swinging(self) -> bool:
        """The run did not settle: in its last tenth the loss rises above its running best by more than 1% of the
        whole descent, or it ends above its start (judged from the run itself, not from counting rises)."""
        return bool(self.loss[-1] > self.loss[0] + 1e-12 or self.swing > 0.01)

    @property
    def unstable(self) -> bool:
        """Diverged, or still swinging at the end (the learning rate is too large for this optimizer)."""
        return self.diverged_at is not None or self.still_swinging


@dataclass(frozen=True)
class Fit:
    """The minimizer of J found by Newton's method; ``converged`` False (and w, b None) where no minimizer exists."""

    w: np.ndarray | None
    b: float | None
    loss: float
    converged: bool
    message: str = ""


def _checked(X, y, pos_weight, l2) -> tuple[np.ndarray, np.ndarray, float, float]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n, d), got shape {X.shape}")
    y = loss.checked_array("y", y, 0.0, 1.0)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite")
    l2 = float(l2)
    if not (l2 >= 0 and np.isfinite(l2)):
        raise ValueError(f"l2 must be finite and >= 0, got {l2}")
    return X, y, loss.checked_pos_weight(pos_weight), l2


def _objective(X, y, w, b, l2, pos_weight) -> float:
    z = X @ w + b
    return float(np.mean(loss.logit_loss_kernel(y, z, pos_weight)) + 0.5 * l2 * np.dot(w, w))


def _gradient(X, y, w, b, l2, pos_weight) -> tuple[np.ndarray, float]:
    g = loss.logit_grad_kernel(y, X @ w + b, pos_weight)
    return X.T @ g / len(y) + l2 * w, float(np.mean(g))


def objective(X, y, w, b, *, l2: float = 0.0, pos_weight: float = 1.0) -> float:
    """J(w, b): mean (weighted) BCE + (l2/2)·‖w‖², the bias not penalized.

    >>> objective([[1.0], [-1.0]], [1, 0], [0.0], 0.0)  # p = 1/2 everywhere: log 2
    0.6931471805599453
    """
    X, y, pos_weight, l2 = _checked(X, y, pos_weight, l2)
    return _objective(X, y, np.asarray(w, dtype=np.float64), float(b), l2, pos_weight)


def gradient(X, y, w, b, *, l2: float = 0.0, pos_weight: float = 1.0) -> tuple[np.ndarray, float]:
    """(∇_w J, ∂J/∂b) at (w, b)."""
    X, y, pos_weight, l2 = _checked(X, y, pos_weight, l2)
    return _gradient(X, y, np.asarray(w, dtype=np.float64), float(b), l2, pos_weight)


def train(X, y, *, optimizer: str = "gd", lr: float = 0.1, steps: int = 100, batch_size: int | None = None,
          l2: float = 0.0, pos_weight: float = 1.0, seed: int = 0, w0=None, b0: float = 0.0,
          objective: str = "bce", tick=None) -> Trajectory:
    """Minimize J from (w0, b0) (zeros by default) and record every step.

    Args:
        objective: what is trained: "bce" (J above) or "squared", the mean squared error of the probabilities
            (1/n) Σ [pos_weight·yᵢ·(1 − pᵢ)² + (1 − yᵢ)·pᵢ²] + (l2/2)‖w‖² — what TensorFlow Playground trains with.
            Its gradient in zᵢ is 2pᵢ(1 − pᵢ) times BCE's, so it vanishes on confident mistakes.
        optimizer: "gd" (full batch), "sgd" (mini-batches), "momentum" (β = 0.9), "rmsprop" (ρ = 0.9, ε = 1e−8),
            "adam" (β₁ = 0.9, β₂ = 0.999, ε = 1e−8, bias-corrected) — the textbook updates.
        lr: learning rate > 0. Any value is safe: a run that leaves the finite range is stopped and reported in
            ``diverged_at``, never NaN, never a NumPy warning.
        steps: 0 … ``MAX_STEPS`` updates.
        batch_size: mini-batch size; None means the full batch ("sgd" then uses 16). Mini-batches are drawn by
            shuffling each epoch with ``seed``, so a run is reproducible.
        tick: None, or a function called with no arguments every ``TICK_STEPS`` steps and between the recorded
            curves: a server's run lock lets another student's move in there (it may block; the result is the same).
    """
    return train_many(X, y, [optimizer], lr=lr, steps=steps, batch_size=batch_size, l2=l2, pos_weight=pos_weight,
                      seed=seed, w0=w0, b0=b0, objective=objective, tick=tick)[optimizer]


def train_many(X, y, optimizers, *, lr: float = 0.1, steps: int = 100, batch_size: int | None = None,
               l2: float = 0.0, pos_weight: float = 1.0, seed: int = 0, w0=None, b0: float = 0.0,
               objective: str = "bce", tick=None) -> dict[str, Trajectory]:
    """Train several optimizers from the same start with the same settings, in one loop.

    Each optimizer is a row of a (K, d+1) parameter matrix, so a step costs about the same for one optimizer as
    for five (the per-step cost is NumPy call overhead, not arithmetic). ``batch_size`` applies to "sgd" only
    (default 16); the others use the full batch. Returns {optimizer: Trajectory}; see :func:`train` (and its
    ``tick``).
    """
    X, y, pos_weight, l2 = _checked(X, y, pos_weight, l2)
    names, lr, steps = _checked_run(optimizers, objective, lr, steps)
    n, d = X.shape
    start = np.append(np.zeros(d) if w0 is None else np.asarray(w0, dtype=np.float64), float(b0))
    if start.shape != (d + 1,) or not np.all(np.isfinite(start)):
        raise ValueError(f"w0 must be {d} finite numbers and b0 finite, got {w0!r:.60}, {b0!r:.30}")
    squared = objective == "squared"
    signed = _signed_design(X, y, pos_weight)         # hard labels (every dataset): one expit per gradient
    if signed is not None and names == ["gd"] and not squared:  # the page's default: plain BCE descent
        As, c = signed
        W, B, L, G, stopped = _plain_descent(As, c, As * c[:, None], start, lr, steps, l2, tick)
        return {"gd": Trajectory(w=W, b=B, loss=L, grad_norm=G, diverged_at=stopped, optimizer="gd", lr=lr,
                                 objective=objective)}
    grad = _gradient_rows(X, y, pos_weight, signed, squared)
    hist, diverged = _descend(grad, names, start, lr, steps, l2, batch_size, seed, n, tick)
    out = {}
    for i, name in enumerate(names):
        if tick is not None:
            tick()
        W, B = hist[:, i, :d].copy(), hist[:, i, d].copy()
        L, G = _objective_and_grad_norm_along(X, y, W, B, l2, pos_weight, squared=squared)
        out[name] = Trajectory(w=W, b=B, loss=L, grad_norm=G, diverged_at=int(diverged[i]) if diverged[i] >= 0
                               else None, optimizer=name, lr=lr, objective=objective)
    return out


def _checked_run(optimizers, objective: str, lr, steps) -> tuple[list[str], float, int]:
    """The optimizers (in order, each once), the learning rate and the step count, or a ValueError naming them."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {tuple(OBJECTIVES)}, got {objective!r}")
    names = list(dict.fromkeys(optimizers))
    for name in names:
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, got {name!r}")
    lr = float(lr)
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr must be finite and > 0, got {lr}")
    steps = int(steps)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS}, got {steps}")
    return names, lr, steps


def _gradient_rows(X, y, pos_weight: float, signed, squared: bool):
    """grad(θ, idx): ∇ of the data term of J for each row of θ, on the points ``idx`` (all by default)."""
    if signed is not None:
        As, c = signed
        Cs = As * c[:, None]
        return lambda th, idx=slice(None): _grad_rows_signed(th, As[idx], Cs[idx], squared)
    A = np.column_stack([X, np.ones(len(y))])         # z = A·θ with θ = (w, b)
    pos_w = pos_weight * y                            # ∂L/∂z = (1−y)·σ(z) − w·y·σ(−z)
    both_w = (1.0 - y) + pos_w                        #       = ((1−y) + w·y)·σ(z) − w·y
    return lambda th, idx=slice(None): _grad_rows(th, A[idx], both_w[idx], pos_w[idx], squared)


def _descend(grad, names: list[str], start: np.ndarray, lr: float, steps: int, l2: float, batch_size, seed: int,
             n: int, tick=None) -> tuple[np.ndarray, np.ndarray]:
    """Every optimizer in ``names`` from ``start``: the parameters at every step (steps+1, K, d+1) and the step
    each run stopped at (−1: it did not). The textbook updates (see :func:`train`); L2 on the weights, not the bias.
    A step past ``DIVERGENCE_NORM`` (NaN and inf fail it too) stops that run at its last good step."""
    K, d = len(names), len(start) - 1
    reg = np.append(np.full(d, l2), 0.0)
    theta = np.tile(start, (K, 1))                    # (K, d+1)
    hist = np.empty((steps + 1, K, d + 1))
    hist[0] = theta
    v = np.zeros((K, d + 1))                          # momentum / first moment
    s = np.zeros((K, d + 1))                          # second moment
    diverged = np.full(K, -1)
    live = np.ones(K, dtype=bool)
    rows = {kind: np.array([i for i, nm in enumerate(names) if nm == kind]) for kind in OPTIMIZERS}
    rows = {k: (slice(None) if len(r) == K else r) for k, r in rows.items() if len(r)}
    full_rows = [i for i, nm in enumerate(names) if nm != "sgd"]
    full = slice(None) if len(full_rows) == K else np.array(full_rows, dtype=int)
    sgd = rows.get("sgd")
    batch = min(max(int(batch_size or 16), 1), n)
    rng = np.random.default_rng(int(seed))
    order, cursor = rng.permutation(n), 0
    g = np.empty((K, d + 1))
    step = np.empty((K, d + 1))
    limit = DIVERGENCE_NORM**2
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            if tick is not None and not t % TICK_STEPS:
                tick()
            if full_rows:
                g[full] = grad(theta[full])
                if l2:
                    g[full] += reg * theta[full]
            if sgd is not None:
                if cursor + batch > n:
                    order, cursor = rng.permutation(n), 0
                idx = order[cursor:cursor + batch]
                cursor += batch
                g[sgd] = grad(theta[sgd], idx) + reg * theta[sgd]
            for kind, r in rows.items():
                if kind in ("gd", "sgd"):
                    step[r] = lr * g[r]
                elif kind == "momentum":
                    v[r] = 0.9 * v[r] + g[r]
                    step[r] = lr * v[r]
                elif kind == "rmsprop":
                    s[r] = 0.9 * s[r] + 0.1 * g[r] * g[r]
                    step[r] = lr * g[r] / (np.sqrt(s[r]) + 1e-8)
                else:  # adam
                    v[r] = 0.9 * v[r] + 0.1 * g[r]
                    s[r] = 0.999 * s[r] + 0.001 * g[r] * g[r]
                    step[r] = lr * (v[r] / (1 - 0.9**t)) / (np.sqrt(s[r] / (1 - 0.999**t)) + 1e-8)
            new = theta - step
            # ‖θ‖² of all rows together within the limit proves every row is (one call: the usual case); else row
            # by row — NaN and inf fail "<= limit", and so does a norm past DIVERGENCE_NORM
            if live.all() and np.vdot(new, new) <= limit:
                theta = new
            else:
                ok = np.einsum("ij,ij->i", new, new) <= limit
                diverged[live & ~ok] = t
                live &= ok
                theta = np.where(live[:, None], new, theta)  # a diverged run stays at its last good step
                if not live.any():                           # every run stopped: the rest is its last good step
                    hist[t:] = theta
                    break
            hist[t] = theta
    return hist, diverged


def _plain_descent(As, c, Cs, start, lr, steps, l2, tick=None):
    """Plain gradient descent of BCE on hard labels (the page's default run), recording what the trajectory shows
    on the way: (W, B, J, ‖∇J‖ at every step, the step it stopped at or None).

    The update is the general loop's, θ ← θ − η·(σ(As·θ)·Cs/n + λθ); each step's s·z = As·θ and gradient are the
    ones the step computes, kept, so J and ‖∇J‖ along the run need one softplus pass over the kept s·z and no second
    evaluation (:func:`_objective_and_grad_norm_along` recomputes both; tests check both against hand-written J
    and ∇J). L2 is on the weights, not the bias. A step past ``DIVERGENCE_NORM`` (NaN fails it too) stops the run
    at its last good step."""
    n, d = len(c), len(start) - 1
    reg = np.append(np.full(d, l2), 0.0)
    limit = DIVERGENCE_NORM**2
    AsT, Csn = np.ascontiguousarray(As.T), Cs / n
    theta = start.copy()
    hist = np.empty((steps + 1, d + 1))
    Z = np.empty((steps + 1, n))                      # s·z at every step
    grads = np.empty((steps + 1, d + 1))              # ∇J at every step
    q = np.empty(n)
    stopped, last = None, steps
    expit, dot, vdot = special.expit, np.dot, np.vdot
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            if tick is not None and t and not t % TICK_STEPS:
                tick()
            hist[t] = theta
            expit(dot(theta, AsT, out=Z[t]), out=q)
            g = dot(q, Csn, out=grads[t])
            if l2:
                g += reg * theta
            if t == steps:
                break
            new = theta - lr * g
            if vdot(new, new) <= limit:
                theta = new
            else:  # stopped: the run stays at its last good step
                stopped, last = t + 1, t
                hist[t + 1:] = theta
                grads[t + 1:] = g
                break
        per = loss.softplus(Z[:last + 1])
    W, B = hist[:, :d], hist[:, d]
    J = np.empty(steps + 1)
    J[:last + 1] = per @ c / n + 0.5 * l2 * np.einsum("ij,ij->i", W[:last + 1], W[:last + 1])
    J[last + 1:] = J[last]
    return W.copy(), B.copy(), J, np.sqrt(np.einsum("ij,ij->i", grads, grads)), stopped


def _grad_rows(theta: np.ndarray, A: np.ndarray, both_w: np.ndarray, pos_w: np.ndarray,
               squared: bool = False) -> np.ndarray:
    """∇ of the mean weighted BCE for each row of θ (k, d+1) on the design A (n, d+1), for soft labels (hard ones
    take :func:`_grad_rows_signed`).

    σ(z) by scipy's expit (one call, no overflow), and σ(−z) = 1 − σ(z): ∂L/∂z = (1−y)σ − w·y(1−σ)
    = ((1−y) + w·y)·σ − w·y, with ``both_w`` = (1−y) + w·y and ``pos_w`` = w·y. The absolute error, ~1e−16, is
    far below what moves a parameter; the recorded losses and gradient norms are computed exactly afterwards.
    """
    s = special.expit(theta @ A.T)                   # (k, n)
    gz = both_w * s
    gz -= pos_w
    if squared:  # ∂/∂z of w·y(1 − σ)² + (1 − y)σ² is 2σ(1 − σ) times BCE's
        gz *= 2.0 * s * (1.0 - s)
    return gz @ A / A.shape[0]


def _signed_design(X: np.ndarray, y: np.ndarray, pos_weight: float) -> tuple[np.ndarray, np.ndarray] | None:
    """For hard labels, each point's loss is c·softplus(s·z) with s = −1, c = pos_weight for y = 1 and s = +1,
    c = 1 for y = 0 (softplus(−z) = −log σ(z), softplus(z) = −log(1 − σ(z))): returns (As, c), the rows of the
    design A = [X, 1] signed (so As·θ = s·z with θ = (w, b)) and the weights. None when some label is soft."""
    positive = y == 1.0
    if not np.all(positive | (y == 0.0)):
        return None
    s = np.where(positive, -1.0, 1.0)
    return np.column_stack([X * s[:, None], s]), np.where(positive, pos_weight, 1.0)


def _grad_rows_signed(theta: np.ndarray, As: np.ndarray, Cs: np.ndarray, squared: bool = False) -> np.ndarray:
    """∇ of the mean weighted BCE (or squared error) for each row of θ (k, d+1), hard labels — the training hot
    path. With :func:`_signed_design`'s As and c, and Cs = c·As: ∇J = Σᵢ cᵢ·σ(sᵢzᵢ)·sᵢaᵢ / n = σ(θ·Asᵀ)·Cs / n,
    one expit and two products, nothing subtracted (σ(sz) is the probability given to the wrong class)."""
    q = special.expit(theta @ As.T)                   # (k, n)
    if squared:  # squared error's gradient in z is BCE's times 2σ(z)(1 − σ(z)), the same for s·z
        q *= 2.0 * q * (1.0 - q)
    return q @ Cs / As.shape[0]


def _objective_and_grad_norm_along(X, y, W, B, l2, pos_weight, chunk: int | None = None, squared: bool = False):
    """J and ‖∇J‖ at every row of (W, B), vectorized over steps in chunks of ``chunk`` steps (default: ~8,000
    per-sample values a chunk, so the temporaries stay in the CPU's cache); ``squared`` for the squared-error
    objective (σ and 1 − σ each from scipy's expit, so 1 − σ is not rounded away)."""
    T = len(B)
    chunk = chunk or max(8, loss.BLOCK // max(len(y), 1))
    L = np.empty(T)
    G = np.empty(T)
    n, d = X.shape
    signed = _signed_design(X, y, pos_weight)
    for a in range(0, T, chunk):
        Wc, Bc = W[a:a + chunk], B[a:a + chunk]
        if signed is not None:  # hard labels: every term from s·z, one expit (see _signed_design)
            As, c = signed
            Zs = As @ np.vstack([Wc.T, Bc])                   # (n, k): s·z
            q = special.expit(Zs)                             # σ(s·z)
            if squared:
                per = q * q
                gz = 2.0 * per * special.expit(-Zs)           # 1 − σ(s·z) by expit, not rounded away
            else:
                with np.errstate(over="ignore"):
                    per, gz = loss.softplus(Zs), q
            grad = As.T @ (c[:, None] * gz) / n               # (d+1, k)
            mean = c @ per / n
            gw, gb = grad[:d] + l2 * Wc.T, grad[d]
        else:
            Z = X @ Wc.T + Bc                                 # (n, k)
            gz = loss.logit_grad_kernel(y[:, None], Z, pos_weight)  # (n, k)
            if squared:
                s, r = special.expit(Z), special.expit(-Z)
                per = pos_weight * y[:, None] * r * r + (1.0 - y[:, None]) * s * s
                gz = 2.0 * s * r * gz
            else:
                per = loss.logit_loss_kernel(y[:, None], Z, pos_weight)
            mean = np.mean(per, axis=0)
            gw = X.T @ gz / n + l2 * Wc.T                     # (d, k)
            gb = np.mean(gz, axis=0)
        L[a:a + chunk] = mean + 0.5 * l2 * np.sum(Wc * Wc, axis=1)
        G[a:a + chunk] = np.sqrt(np.sum(gw * gw, axis=0) + gb * gb)
    return L, G


def losses_along(traj: Trajectory, X, y, *, pos_weight: float = 1.0) -> np.ndarray:
    """Mean BCE (without the L2 term) of every step's model on (X, y): a test-loss curve. Empty set → NaN-free []."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(y) == 0:
        return np.zeros(0)
    return _mean_losses(X, y, traj.w.T, traj.b, float(pos_weight))


def _mean_losses(X: np.ndarray, y: np.ndarray, W: np.ndarray, B: np.ndarray, pos_weight: float) -> np.ndarray:
    """Mean weighted BCE on (X, y) of every model (W[:, j], B[j]) — W is (d, models) — a block of models at a
    time, so the (n, block) temporaries stay in the CPU's cache (``loss.BLOCK`` values)."""
    out = np.empty(len(B))
    n = len(y)
    step = max(1, loss.BLOCK // max(n, 1))
    signed = _signed_design(X, y, pos_weight)
    theta = np.vstack([W, B]) if signed is not None else None
    for a in range(0, len(B), step):
        if signed is not None:  # hard labels: Σ c·softplus(s·z), one softplus and one weighted sum per block
            As, c = signed
            with np.errstate(over="ignore"):
                out[a:a + step] = c @ loss.softplus(As @ theta[:, a:a + step]) / n
        else:
            Z = X @ W[:, a:a + step] + B[a:a + step]  # (n, block)
            out[a:a + step] = np.mean(loss.logit_loss_kernel(y[:, None], Z, pos_weight), axis=0)
    return out


def predict_proba(X, w, b) -> np.ndarray:
    """p = σ(Xw + b)."""
    return special.expit(np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + float(b))


def is_separable(X, y, w=None, b: float = 0.0) -> bool:
    """True if a hyperplane separates the classes strictly (an LP: find w, b with tᵢ(w·xᵢ + b) >= 1).

    ``w``, ``b``: a candidate, e.g. a trained model: if it puts every point strictly on its own side, that is the
    proof and no LP is solved. (The opposite proof, that the classes overlap, is Newton's minimizer:
    :func:`overlap_shown`, used by :func:`optimum`.)
    """
    X = np.asarray(X, dtype=np.float64)
    t = np.where(np.asarray(y) >= 0.5, 1.0, -1.0)
    if len(np.unique(t)) < 2:
        return True
    if w is not None and separates(X, y, w, b):
        return True
    n, d = X.shape
    A = -t[:, None] * np.column_stack([X, np.ones(n)])
    res = optimize.linprog(np.zeros(d + 1), A_ub=A, b_ub=-np.ones(n), bounds=[(None, None)] * (d + 1),
                           method="highs")
    return res.status == 0


def separates(X, y, w, b: float) -> bool:
    """Whether the model (w, b) puts every point strictly on its own side of w·x + b = 0 (y >= ½ on the positive
    side): then it is the proof that the classes are separable."""
    X = np.asarray(X, dtype=np.float64)
    t = np.where(np.asarray(y) >= 0.5, 1.0, -1.0)
    w = np.asarray(w, dtype=np.float64)
    return bool(np.all(np.isfinite(w)) and np.isfinite(b) and np.all(t * (X @ w + b) > 0))


OVERLAP_TOL = 1e-8  # how close (relative to the points' spread) two hull points must be to count as meeting


def overlap_shown(X, y, w, b, *, pos_weight: float = 1.0) -> bool:
    """Whether the model (w, b) shows that no hyperplane separates the classes (hard labels 0/1).

    Where BCE without L2 is stationary, ∂J/∂b = 0 and ∇_w J = 0 say Σ_{y=1} aᵢ (xᵢ, 1) = Σ_{y=0} cⱼ (xⱼ, 1) with
    aᵢ = pos_weight·(1 − pᵢ) > 0 and cⱼ = pⱼ > 0: a convex combination of class-1 points equals one of class-0
    points, so their convex hulls meet and no hyperplane can put the two on strictly opposite sides (Farkas; a
    finite minimizer exists only for overlapping classes). This computes those two hull points from (w, b) and
    accepts when they are within ``OVERLAP_TOL`` of the points' spread: a separating line would need a margin
    that thin. Anywhere else — a point far from stationary, separable data, where every aᵢ and cⱼ underflows —
    the two points lie apart and the answer is False (no proof; ask the LP).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if not (np.all((y == 0.0) | (y == 1.0)) and np.all(np.isfinite(w)) and np.isfinite(b)):
        return False
    pos = y == 1.0
    if pos.all() or not pos.any():
        return False
    z = X @ np.asarray(w, dtype=np.float64) + float(b)
    a = pos_weight * special.expit(-z[pos])
    c = special.expit(z[~pos])
    sa, sc = float(a.sum()), float(c.sum())
    if not (sa > 0 and sc > 0):
        return False
    gap = float(np.linalg.norm(a @ X[pos] / sa - c @ X[~pos] / sc))
    spread = float(np.max(np.ptp(X, axis=0))) if X.size else 0.0
    return gap <= OVERLAP_TOL * max(spread, 1e-300)


def optimum(X, y, *, l2: float = 0.0, pos_weight: float = 1.0, separable: bool | None = None,
            near: tuple | None = None) -> Fit:
    """The minimizer of J by Newton's method with the exact Hessian (a damped Newton step with a line search;
    ``scipy.optimize``'s trust-exact if that cannot converge).

    With l2 = 0 on strictly separable data J has no minimizer (its infimum 0 is approached as ‖w‖ → ∞):
    then ``converged`` is False, w and b are None and ``loss`` is the infimum 0, rather than a made-up point.
    Hard labels are assumed for that check; ``separable`` passes ``is_separable(X, y)`` when the caller has it,
    else the minimizer Newton finds is the proof that there is one (:func:`overlap_shown`), and only without that
    proof is the LP solved.
    ``near`` = (w, b), e.g. where gradient descent ended: Newton starts there if it is finite and no worse than
    zero (fewer steps; J is convex, so the minimizer found is the same).
    """
    X, y, pos_weight, l2 = _checked(X, y, pos_weight, l2)
    n, d = X.shape
    no_minimum = Fit(None, None, 0.0, False, "separable data and no L2: the loss has no minimum, only the infimum 0")
    if l2 == 0 and separable:
        return no_minimum
    ask = l2 == 0 and separable is None  # not known yet: Newton's point may prove overlap, else the LP decides
    A = np.column_stack([X, np.ones(n)])
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    weight = pos_weight * y + (1.0 - y)  # the Hessian weight of each sample (hard or soft labels)
    signed = _signed_design(X, y, pos_weight)

    if signed is None:  # soft labels
        def fun(theta):
            return _objective(X, y, theta[:d], theta[d], l2, pos_weight)

        def jac(theta):
            gw, gb = _gradient(X, y, theta[:d], theta[d], l2, pos_weight)
            return np.append(gw, gb)
    else:  # hard labels (every dataset): J = c·softplus(As·θ)/n and ∇J = σ(As·θ)·Cs/n, as in training
        As, c = signed
        Cs = As * c[:, None]

        def fun(theta):
            with np.errstate(over="ignore"):  # beyond the double range the loss is +inf, its rounded value
                return float(c @ loss.softplus(As @ theta) / n + 0.5 * l2 * (theta[:d] @ theta[:d]))

        def jac(theta):
            return _grad_rows_signed(theta, As, Cs) + reg * theta

    def hess(theta):
        z = A @ theta
        s = special.expit(z) * special.expit(-z) * weight
        return (A.T * s) @ A / n + np.diag(reg)

    x0 = np.zeros(d + 1)
    if near is not None:
        guess = np.append(np.asarray(near[0], dtype=np.float64), float(near[1]))
        if guess.shape == x0.shape and np.all(np.isfinite(guess)) and fun(guess) <= fun(x0):
            x0 = guess
    found = _damped_newton(fun, jac, hess, x0)
    if found is not None:
        x, f = found
        if ask and not overlap_shown(X, y, x[:d], x[d], pos_weight=pos_weight) and is_separable(X, y):
            return no_minimum
        return Fit(x[:d].copy(), float(x[d]), float(f), True, "Newton's method converged")
    if ask and is_separable(X, y):
        return no_minimum
    res = optimize.minimize(fun, x0, jac=jac, hess=hess, method="trust-exact",
                            options={"gtol": 1e-10, "maxiter": 500})
    ok = bool(res.success) or float(np.linalg.norm(res.jac)) < 1e-8
    return Fit(res.x[:d].copy(), float(res.x[d]), float(res.fun), ok, str(res.message))


def _damped_newton(fun, jac, hess, x: np.ndarray, maxiter: int = 60):
    """Newton's method with a backtracking line search on a smooth convex J: (θ, J(θ)) with ‖∇J(θ)‖ < 1e−10, or
    None when it cannot get there (a singular Hessian, a stalled search) — the caller then asks scipy's trust
    region. A few microseconds a step instead of scipy's ~0.5 ms, the same minimizer."""
    f, g = fun(x), jac(x)
    for _ in range(maxiter):
        gnorm = float(np.linalg.norm(g))
        if gnorm < 1e-10:
            return x, f
        try:
            step = np.linalg.solve(hess(x), g)
        except np.linalg.LinAlgError:
            return None
        slope = float(step @ g)
        if not (slope > 0 and np.all(np.isfinite(step))):
            return None
        t = 1.0
        while True:
            new = x - t * step
            f_new = fun(new)
            if f_new <= f - 1e-4 * t * slope:  # Armijo: enough decrease
                g_new = jac(new)
                break
            if f_new <= f:  # no visible decrease, J flat to rounding: accept if the gradient shrinks
                g_new = jac(new)
                if float(np.linalg.norm(g_new)) < gnorm:
                    break
            t *= 0.5
            if t < 1e-8:
                return (x, f) if gnorm < 1e-8 else None
        x, f, g = new, f_new, g_new
    return (x, f) if float(np.linalg.norm(g)) < 1e-8 else None


def landscape(X, y, w, b, *, axes: tuple[int, int] = (0, 1), span: tuple[np.ndarray, np.ndarray],
              l2: float = 0.0, pos_weight: float = 1.0) -> np.ndarray:
    """J over a grid of two parameters, the others held at (w, b).

    ``axes`` index the parameter vector θ = (w₁ … w_d, b); ``span`` gives the grid values along each of the
    two axes. Returns an array (len(span[1]), len(span[0])) — rows follow the second axis, as plotly's contour
    expects.
    """
    X, y, pos_weight, l2 = _checked(X, y, pos_weight, l2)
    n, d = X.shape
    theta = np.append(np.asarray(w, dtype=np.float64), float(b))
    u, v = np.meshgrid(np.asarray(span[0], dtype=np.float64), np.asarray(span[1], dtype=np.float64))
    T = np.repeat(theta[:, None], u.size, axis=1)  # (d+1, G)
    T[axes[0]] = u.ravel()
    T[axes[1]] = v.ravel()
    J = _mean_losses(X, y, T[:d], T[d], pos_weight) + 0.5 * l2 * np.sum(T[:d] ** 2, axis=0)
    return J.reshape(u.shape)
