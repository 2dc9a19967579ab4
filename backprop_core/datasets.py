"""Data sets: 2-D toy problems in a registry, a train/test split, and the two tiny examples.

Every generator has the signature ``(n, noise, rng) -> (X, y)``: ``n`` points, ``noise`` from
0 (clean) to 1 (very noisy), randomness only from the injected ``numpy.random.Generator``.
Targets: binary problems give ``y`` of shape ``(n, 1)`` with 0/1; ``blobs`` gives integer class
labels ``(n,)``; regression gives ``(n, 1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .network import MLP
from .validation import check_name, check_rng, check_seed, finite_number, real_array, show, whole_number

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Dataset:
    """A named problem: ``kind`` is ``binary``, ``multiclass`` or ``regression``."""

    name: str
    kind: str
    n_inputs: int
    n_outputs: int
    generate: Generator
    description: str

    @property
    def default_output(self) -> str:
        return {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}[self.kind]

    @property
    def default_loss(self) -> str:
        return {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse"}[self.kind]


def _binary(labels: np.ndarray) -> np.ndarray:
    return labels.astype(float).reshape(-1, 1)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside a disc of radius 2, class 0 on a ring from 3 to 5."""
    inner = n // 2
    r = np.concatenate([rng.uniform(0, 2, inner), rng.uniform(3, 5, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    X += rng.normal(0, noise * 1.5, X.shape)
    return X, _binary(np.arange(n) < inner)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where x1 and x2 have the same sign (the XOR pattern over four quadrants)."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.sign(X) * 0.3  # a small gap along the axes
    labels = X[:, 0] * X[:, 1] > 0
    X += rng.normal(0, noise * 1.5, X.shape)
    return X, _binary(labels)


def gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds centred at (2, 2) and (-2, -2)."""
    half = n // 2
    spread = 0.5 + 2.0 * noise
    pos = rng.normal(2, spread, (half, 2))
    neg = rng.normal(-2, spread, (n - half, 2))
    return np.vstack([pos, neg]), _binary(np.arange(n) < half)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms."""
    half = n // 2
    parts, labels = [], []
    for cls, count in ((1, half), (0, n - half)):
        t = np.linspace(0, 1, count, endpoint=False) if count else np.zeros(0)
        r = 5 * t
        angle = 1.75 * t * 2 * np.pi + (0 if cls else np.pi)
        pts = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        parts.append(pts + rng.normal(0, noise, pts.shape))
        labels.append(np.full(count, cls))
    return np.vstack(parts), _binary(np.concatenate(labels))


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, scaled to roughly the [-5, 5] box."""
    upper = n // 2
    t1 = rng.uniform(0, np.pi, upper)
    t2 = rng.uniform(0, np.pi, n - upper)
    a = np.column_stack([np.cos(t1), np.sin(t1)])
    b = np.column_stack([1 - np.cos(t2), 0.5 - np.sin(t2)])
    X = (np.vstack([a, b]) - [0.5, 0.25]) * 3.0
    X += rng.normal(0, noise * 1.5, X.shape)
    return X, _binary(np.arange(n) < upper)


def blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds, one per class; labels 0, 1, 2."""
    centres = np.array([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    labels = np.arange(n) % 3
    X = centres[labels] + rng.normal(0, 0.6 + 2.0 * noise, (n, 2))
    return X, labels


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """1-D regression: y = sin(x) on [-5, 5]."""
    x = rng.uniform(-5, 5, n)
    y = np.sin(x) + rng.normal(0, noise, n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """2-D regression: y = (x1 + x2) / 10, a tilted plane, on the [-5, 5] box."""
    X = rng.uniform(-5, 5, (n, 2))
    y = (X[:, 0] + X[:, 1]) / 10 + rng.normal(0, noise, n)
    return X, y.reshape(-1, 1)


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("circle", "binary", 2, 1, circle, "a disc of one class inside a ring of the other"),
        Dataset("xor", "binary", 2, 1, xor, "opposite quadrants share a class"),
        Dataset("gaussian", "binary", 2, 1, gaussian, "two separable clouds"),
        Dataset("spiral", "binary", 2, 1, spiral, "two interleaved spirals (hard)"),
        Dataset("moons", "binary", 2, 1, moons, "two interleaving half circles"),
        Dataset("blobs", "multiclass", 2, 3, blobs, "three clouds, three classes (softmax output)"),
        Dataset("sine", "regression", 1, 1, sine, "fit y = sin(x)"),
        Dataset("plane", "regression", 2, 1, plane, "fit the plane y = (x1 + x2) / 10"),
    )
}

MAX_POINTS = 5000


def get_dataset(name: str) -> Dataset:
    return DATASETS[check_name(name, "dataset", tuple(DATASETS))]


def make_dataset(
    name: str, n: int, noise: float = 0.0, rng: np.random.Generator | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the named problem (randomness from ``rng``, else ``default_rng(seed)``)."""
    spec = get_dataset(name)
    n = whole_number(
        n, "number of points", 1, MAX_POINTS, rule=f"must be a whole number from 1 to {MAX_POINTS}"
    )
    noise = finite_number(noise, "noise", lo=0.0, hi=1.0, rule="must lie between 0 and 1")
    if check_rng(rng) is None:
        rng = np.random.default_rng(check_seed(seed))
    return spec.generate(n, noise, rng)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``rng`` and split: ``(X_train, y_train, X_test, y_test)``.

    ``test_fraction`` in [0, 0.9]; at least one training point is always kept.
    """
    test_fraction = finite_number(
        test_fraction, "test fraction", lo=0.0, hi=0.9, rule="must lie between 0 and 0.9"
    )
    X = real_array(X, "X", "an array with one row per sample")
    y = real_array(y, "y", "an array with one row (or label) per sample")
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y need one row per sample; got shapes {X.shape} and {y.shape}")
    n = len(X)
    if n == 0:
        raise ValueError("X has 0 rows: there is nothing to split")
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}; expected one target per sample")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {show(rng)}"
        )
    order = rng.permutation(n)
    n_test = min(round(n * test_fraction), n - 1)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


# -- the two tiny fixed examples ----------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A fixed, hand-checkable training problem: network, one batch, loss and learning rate."""

    name: str
    net: MLP
    X: np.ndarray
    Y: np.ndarray
    loss: str
    lr: float
    freeze_biases: bool
    description: str


def single_weight() -> Example:
    """y = w * x with w = 2, x = 5, target 12, squared error (mse on one number), lr 0.01.

    Prediction 10, loss (10 - 12)^2 = 4, dL/dw = 2 (10 - 12) * 5 = -20, new w = 2 + 0.2 = 2.2.
    """
    net = MLP.from_params([[[2.0]]], [[0.0]], ["linear"])
    return Example(
        "single weight",
        net,
        np.array([[5.0]]),
        np.array([[12.0]]),
        "mse",
        0.01,
        True,
        "one input, one weight, no bias: y = w * x",
    )


def classic_222() -> Example:
    """The widely published 2-2-2 sigmoid walk-through.

    Inputs 0.05, 0.10; targets 0.01, 0.99. w1, w2 feed h1 from the two inputs, w3, w4 feed h2;
    w5, w6 feed o1 from h1, h2 and w7, w8 feed o2. Hence ``W1 = [[w1, w3], [w2, w4]]`` and
    ``W2 = [[w5, w7], [w6, w8]]``. Biases 0.35 (hidden) and 0.60 (output), never updated.
    Loss 1/2 * sum of squared errors, lr 0.5.
    """
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
    net = MLP.from_params(
        [[[w1, w3], [w2, w4]], [[w5, w7], [w6, w8]]],
        [[0.35, 0.35], [0.60, 0.60]],
        ["sigmoid", "sigmoid"],
    )
    return Example(
        "classic 2-2-2",
        net,
        np.array([[0.05, 0.10]]),
        np.array([[0.01, 0.99]]),
        "half_sse",
        0.5,
        True,
        "two inputs, two sigmoid hidden units, two sigmoid outputs (biases frozen)",
    )


EXAMPLES: dict[str, Callable[[], Example]] = {
    "single weight": single_weight,
    "classic 2-2-2": classic_222,
}

CLASSIC_WEIGHT_NAMES: dict[str, tuple[int, int, int]] = {
    # name -> (layer, i, j): W[layer][i, j] is the weight from neuron i to neuron j
    "w1": (0, 0, 0),
    "w2": (0, 1, 0),
    "w3": (0, 0, 1),
    "w4": (0, 1, 1),
    "w5": (1, 0, 0),
    "w6": (1, 1, 0),
    "w7": (1, 0, 1),
    "w8": (1, 1, 1),
}
