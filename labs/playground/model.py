"""The training playground's problem: data split into train and test, and the network's "head".

A ``Problem`` holds the data exactly as the learner sees it (points and their classes or
targets). The *head* is the output layer's activation with the loss that trains it; each kind
of problem has a natural head (sigmoid + bce for two classes, softmax + cross_entropy for
several, linear + mse for regression) and a few others that also make sense and can be tried.
``build_network`` and ``build_data`` turn a problem and a head into the engine's ``MLP`` and
``Data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backprop_core.datasets import get_dataset, make_dataset, train_test_split
from backprop_core.losses import pairing_problem, valid_losses
from backprop_core.network import MLP
from backprop_core.runner import Data
from labs.playground.model_boundary import Extent, data_extent
from labs.playground.model_byod import Table

MAX_HIDDEN = 8
MAX_HIDDEN_WIDTH = 16

# output activations that fit each kind of problem, the natural one first
HEADS: dict[str, tuple[str, ...]] = {
    "binary": ("sigmoid", "softmax", "tanh", "linear"),
    "multiclass": ("softmax", "sigmoid", "linear"),
    "regression": ("linear", "tanh", "sigmoid"),
}
DEFAULT_LOSS = {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse"}


@dataclass(frozen=True, repr=False)
class Problem:
    """Data for the playground.

    ``X_*``: ``(m, n_inputs)``. ``y_*``: class indices ``(m,)`` (ints) for classification,
    targets ``(m,)`` for regression. ``class_names``: one per class (``()`` for regression).
    ``extent``: the box drawn around the data (train and test).
    """

    name: str
    kind: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    extent: Extent
    description: str

    @property
    def n_inputs(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.X_test.shape[0]

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, {self.kind}, train={self.n_train}, test={self.n_test})"


def make_problem(name: str, n: int, noise: float, test_fraction: float, data_seed: int) -> Problem:
    """A built-in data set: ``n`` points drawn with ``default_rng(data_seed)``, then split.

    The split shuffles with ``default_rng([data_seed, 1])``, so one seed fixes both.
    """
    spec = get_dataset(name)
    X, y = make_dataset(name, n, noise, seed=data_seed)
    y = np.asarray(y)
    if spec.kind == "multiclass":
        labels, classes = y.astype(int), tuple(f"class {k}" for k in range(spec.n_outputs))
    elif spec.kind == "binary":
        labels, classes = y.reshape(-1).astype(int), ("class 0", "class 1")
    else:
        labels, classes = y.reshape(-1).astype(float), ()
    return _split(name, spec.kind, X, labels, classes, test_fraction, data_seed, spec.description)


def problem_from_table(table: Table, test_fraction: float, data_seed: int, name: str = "your CSV") -> Problem:
    """A learner's checked CSV table as a problem, split like the built-in data sets."""
    y = table.target if table.target is not None else table.labels
    return _split(
        name,
        table.kind,
        table.X,
        y,
        table.class_names,
        test_fraction,
        data_seed,
        f"{table.n_rows} rows from your file",
    )


def _split(
    name: str,
    kind: str,
    X: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    test_fraction: float,
    data_seed: int,
    description: str,
) -> Problem:
    X_tr, y_tr, X_te, y_te = train_test_split(X, y, test_fraction, np.random.default_rng([data_seed, 1]))
    return Problem(name, kind, X_tr, y_tr, X_te, y_te, classes, data_extent(X), description)


# -- the head: output activation and loss ----------------------------------------------------


def head_choices(kind: str) -> tuple[str, ...]:
    """Output activations offered for a kind of problem, the natural one first."""
    return HEADS[kind]


def loss_choices(kind: str, output: str) -> list[str]:
    """Losses that fit ``output`` and the targets of ``kind``, the natural one first."""
    losses = valid_losses(output)
    if kind == "regression":
        # bce takes log(y) and log(1 - y): regression targets are not probabilities
        losses = [loss for loss in losses if loss != "bce"]
    # the problem's own loss if it fits; else bce for sigmoid outputs (one yes/no per class)
    natural = next(loss for loss in (DEFAULT_LOSS[kind], "bce", *losses) if loss in losses)
    return [natural, *(loss for loss in losses if loss != natural)]


def head_problem(kind: str, output: str, loss_name: str) -> str | None:
    """Why the head ``(output, loss)`` cannot train a ``kind`` problem, or ``None`` if it can."""
    if output not in HEADS[kind]:
        return f"a {output} output does not fit {kind} data; choose one of {', '.join(HEADS[kind])}"
    problem = pairing_problem(output, loss_name)
    if problem:
        return problem
    if loss_name not in loss_choices(kind, output):
        return f"{loss_name} needs targets between 0 and 1, and regression targets are any numbers"
    return None


def n_outputs(problem: Problem, output: str) -> int:
    """Output neurons: one per class, except one neuron for two classes unless the output is softmax."""
    if problem.kind == "regression":
        return 1
    if problem.kind == "binary" and output != "softmax":
        return 1
    return problem.n_classes


def network_sizes(problem: Problem, hidden: Sequence[int], output: str) -> list[int]:
    """``[n_inputs, *hidden, n_outputs]``, checked against the playground's limits."""
    hidden = [int(h) for h in hidden]
    if len(hidden) > MAX_HIDDEN:
        raise ValueError(f"{len(hidden)} hidden layers requested; the playground allows 0 to {MAX_HIDDEN}")
    for pos, width in enumerate(hidden, start=1):
        if not 1 <= width <= MAX_HIDDEN_WIDTH:
            raise ValueError(f"hidden layer {pos} has width {width}; expected 1 to {MAX_HIDDEN_WIDTH}")
    return [problem.n_inputs, *hidden, n_outputs(problem, output)]


def build_network(
    problem: Problem,
    hidden: Sequence[int],
    activation: str,
    output: str,
    init: str,
    seed: int,
) -> MLP:
    """A fresh network for ``problem``: widths ``hidden``, one hidden activation, the given head."""
    return MLP.create(network_sizes(problem, hidden, output), activation, output, init, seed)


def targets(problem: Problem, y: np.ndarray, output: str) -> np.ndarray:
    """Targets in the shape the engine wants for this head.

    softmax: class indices ``(m,)`` (the engine makes them one-hot); one sigmoid/linear/tanh
    output: a column ``(m, 1)``; several of those (one per class): one-hot rows ``(m, k)``.
    """
    if problem.kind == "regression":
        return y.reshape(-1, 1).astype(float)
    if output == "softmax":
        return y.astype(int)
    if problem.kind == "binary":
        return y.reshape(-1, 1).astype(float)
    return np.eye(problem.n_classes)[y.astype(int)]


def build_data(problem: Problem, net: MLP, loss_name: str) -> Data:
    """The engine's checked ``Data`` for ``net`` (its output activation decides the target shape)."""
    output = net.output_activation
    return Data.create(
        net,
        loss_name,
        problem.X_train,
        targets(problem, problem.y_train, output),
        problem.X_test if problem.n_test else None,
        targets(problem, problem.y_test, output) if problem.n_test else None,
    )


def class_scores(outputs: np.ndarray, output: str, kind: str) -> np.ndarray:
    """What the boundary view colours, from network outputs ``(..., n_out)``.

    Two classes: ``(...)``, the score of class 1 (a probability for sigmoid and softmax, the raw
    output for tanh and linear). Several classes: ``(..., k)``, one score per class.
    """
    if kind == "binary":
        return outputs[..., 1] if output == "softmax" else outputs[..., 0]
    return outputs
