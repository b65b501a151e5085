"""Seeded 2-D toy datasets for logistic regression, and the quadratic feature map that makes XOR and circles learnable.

Every dataset is a pure function of its arguments (same seed, same points), so a shared link replays the same data.
Sizes are bounded (``MAX_POINTS``, ``MAX_TOSSES``) so that nobody can exhaust a shared classroom server.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from lib import tables

MAX_POINTS = 1000  # points of any dataset: one made here, or the user's own (typed, pasted or uploaded)
MIN_POINTS = 10

DATASETS = {
    "blobs": "Two blobs",
    "separable": "Linearly separable",
    "xor": "XOR",
    "circles": "Circles",
    "moons": "Moons",
}

FEATURE_NAMES = ("x₁", "x₂")
MAPPED_FEATURE_NAMES = ("x₁", "x₂", "x₁²", "x₂²", "x₁·x₂")


@dataclass(frozen=True)
class Dataset:
    """Points X (n, 2) with labels y (n,) in {0, 1}."""

    X: np.ndarray
    y: np.ndarray
    name: str


def _counts(n: int, balance: float) -> tuple[int, int]:
    n1 = int(round(n * balance))
    n1 = min(max(n1, 1), n - 1)
    return n - n1, n1


def _check(name: str, n: int, noise: float, balance: float) -> None:
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {tuple(DATASETS)}, got {name!r}")
    if not MIN_POINTS <= n <= MAX_POINTS:
        raise ValueError(f"n must be between {MIN_POINTS} and {MAX_POINTS}, got {n}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    if not 0.05 <= balance <= 0.95:
        raise ValueError(f"balance (the share of class 1) must be in [0.05, 0.95], got {balance}")


def make(name: str, n: int = 200, *, noise: float = 0.3, balance: float = 0.5, seed: int = 0) -> Dataset:
    """A seeded toy dataset.

    Args:
        name: one of ``DATASETS`` ("blobs", "separable", "xor", "circles", "moons").
        n: number of points, ``MIN_POINTS`` … ``MAX_POINTS``.
        noise: 0 … 1; the spread of the blobs, the jitter of the other shapes. "separable" ignores it (its
            classes stay apart by a margin whatever the noise).
        balance: share of class 1, 0.05 … 0.95.
        seed: the random seed; same arguments, same points.

    >>> d = make("xor", 40, seed=1)
    >>> d.X.shape, int(d.y.sum())
    ((40, 2), 20)
    """
    n = int(n)
    _check(name, n, float(noise), float(balance))
    rng = np.random.default_rng(int(seed))
    n0, n1 = _counts(n, float(balance))
    X0, X1 = _GENERATORS[name](rng, n0, n1, float(noise))
    X = np.vstack([X0, X1])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    order = rng.permutation(n)
    return Dataset(X=X[order], y=y[order], name=name)


def _blobs(rng, n0, n1, noise):
    spread = 0.25 + 1.25 * noise
    X0 = rng.normal([-1.0, -0.6], spread, size=(n0, 2))
    X1 = rng.normal([1.0, 0.6], spread, size=(n1, 2))
    return X0, X1


def _separable(rng, n0, n1, noise):
    # the classes lie on either side of the line x2 = 0.5·x1 + 0.2, at least `margin` away from it
    normal = np.array([-0.5, 1.0]) / np.hypot(0.5, 1.0)
    margin = 0.25

    def side(count, sign):
        out = np.empty((0, 2))
        while len(out) < count:
            cand = rng.uniform(-2.2, 2.2, size=(4 * count + 8, 2))
            dist = (cand - [0.0, 0.2]) @ normal
            out = np.vstack([out, cand[sign * dist > margin]])
        return out[:count]

    return side(n0, -1.0), side(n1, 1.0)


def _xor(rng, n0, n1, noise):
    def quadrants(count, signs):
        q = rng.integers(0, 2, count)
        centre = np.array(signs)[q]
        return centre * rng.uniform(0.15, 2.0, size=(count, 2)) + rng.normal(0, 0.6 * noise, size=(count, 2))

    return quadrants(n0, [[1, -1], [-1, 1]]), quadrants(n1, [[1, 1], [-1, -1]])


def _circles(rng, n0, n1, noise):
    def ring(count, radius):
        angle = rng.uniform(0, 2 * np.pi, count)
        r = radius + rng.normal(0, 0.35 * noise, count)
        return np.column_stack([r * np.cos(angle), r * np.sin(angle)])

    return ring(n0, 1.8), ring(n1, 0.8)


def _moons(rng, n0, n1, noise):
    a0 = rng.uniform(0, np.pi, n0)
    a1 = rng.uniform(0, np.pi, n1)
    X0 = np.column_stack([np.cos(a0), np.sin(a0)]) * 1.4 + [-0.7, -0.3]
    X1 = np.column_stack([1 - np.cos(a1), 1 - np.sin(a1) - 0.5]) * 1.4 + [-0.7, -0.3]
    return X0 + rng.normal(0, 0.5 * noise, X0.shape), X1 + rng.normal(0, 0.5 * noise, X1.shape)


_GENERATORS = {"blobs": _blobs, "separable": _separable, "xor": _xor, "circles": _circles, "moons": _moons}


def feature_map(X: np.ndarray) -> np.ndarray:
    """The quadratic features [x₁, x₂, x₁², x₂², x₁·x₂] of 2-D points X (n, 2) → (n, 5).

    With them a linear model draws conics: circles become learnable through x₁² + x₂², XOR through x₁·x₂.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X[:, 0], X[:, 1], X[:, 0] ** 2, X[:, 1] ** 2, X[:, 0] * X[:, 1]])


def split(data: Dataset, test_fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
    """A seeded train/test split; ``test_fraction`` 0 gives an empty test set. Both classes stay in train."""
    if not 0.0 <= test_fraction <= 0.5:
        raise ValueError(f"test_fraction must be in [0, 0.5], got {test_fraction}")
    n = len(data.y)
    n_test = int(round(n * test_fraction))
    order = np.random.default_rng([int(seed), 1]).permutation(n)
    test, train = order[:n_test], order[n_test:]
    if n_test and len(np.unique(data.y[train])) < 2:  # keep both classes in train
        train, test = order, order[:0]
    return (Dataset(data.X[train], data.y[train], data.name), Dataset(data.X[test], data.y[test], data.name))


MAX_TOSSES = 1000  # tosses of one coin (the derivation and honest-probabilities pages)


def coin_tosses(bias: float, n: int, seed: int = 0) -> np.ndarray:
    """n seeded tosses of a coin that lands heads (1) with probability ``bias``; n ≤ ``MAX_TOSSES``."""
    if not 0.0 <= bias <= 1.0:
        raise ValueError(f"bias must be in [0, 1], got {bias}")
    if not 1 <= int(n) <= MAX_TOSSES:
        raise ValueError(f"n must be between 1 and {MAX_TOSSES}, got {n}")
    return (np.random.default_rng([int(seed), 7]).random(int(n)) < bias).astype(np.float64)


def read_points_csv(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Points from a CSV file with a header naming x1, x2 and y (in any order, other columns ignored).

    Bounded like every upload: at most ``tables.MAX_CSV_BYTES`` bytes and ``MAX_POINTS`` rows, at least ``MIN_POINTS``
    valid ones with both classes. Raises ``ValueError`` naming each bad line (line 1 is the header) and why, e.g.
    ``"line 4: y = 2 is not 0 or 1"``; blank lines are skipped.

    >>> X, y = read_points_csv(b"x1,x2,y\\n" + b"".join(b"%d,%d,%d\\n" % (i, -i, i % 2) for i in range(10)))
    >>> X.shape, y.tolist()[:4]
    ((10, 2), [0.0, 1.0, 0.0, 1.0])
    """
    reader, header = tables.open_csv(data, tables.MAX_CSV_BYTES, f"at most {MAX_POINTS} points", "x1,x2,y", "point")
    header = [h.strip().lower() for h in header]
    missing = [c for c in tables.POINT_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"line 1 (the header) needs columns x1, x2 and y; it lacks {', '.join(missing)}")
    try:
        rows, lines = tables.read_records(reader, [header.index(c) for c in tables.POINT_COLUMNS], MAX_POINTS,
                                          f"the file has more than {MAX_POINTS} points; the limit is {MAX_POINTS}")
    except csv.Error as e:
        raise ValueError(f"line {reader.line_num} is not valid CSV ({e})") from None
    checked = tables.check_points(rows)
    if checked.problems:
        bad = [f"line {lines[i]}: {why}" for i, why in checked.problems.items()]
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise ValueError("; ".join(bad[:5]) + more)
    if len(checked.y) < MIN_POINTS:
        raise ValueError(f"the file has {len(checked.y)} points; at least {MIN_POINTS} are needed")
    if len(np.unique(checked.y)) < 2:
        raise ValueError("every point has the same label; both classes 0 and 1 are needed")
    return checked.X, checked.y
