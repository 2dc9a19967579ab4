"""Loss functions and the conventions behind them.

Conventions, stated once and used everywhere:

* ``m`` is the number of samples (rows) in the batch and ``k`` the number of outputs.
* Every loss is **averaged over samples**: ``L = (1/m) * sum_i L_i`` where ``L_i`` is sample
  i's own loss. So ``dL/da`` and ``delta = dL/dz`` of the batch loss carry a factor ``1/m``;
  a sample's own error signal is ``m * delta`` (row i).
* ``mse``: ``L_i = (1/k) sum_k (a_k - y_k)^2`` so L is the mean over every element, as
  PyTorch's ``MSELoss``. ``dL/da = 2 (a - y) / (m k)``.
* ``half_sse``: ``L_i = 1/2 sum_k (a_k - y_k)^2`` -- the convention of the classic
  hand-worked examples, where the 1/2 cancels the 2 of the derivative. ``dL/da = (a - y) / m``.
* ``bce``: binary cross-entropy for sigmoid outputs, mean over every element:
  ``L_i = -(1/k) sum_k [y log a + (1 - y) log(1 - a)]``. Computed from ``z`` so it stays finite.
* ``cross_entropy``: for softmax outputs, ``L_i = -sum_k y_k log a_k`` with one-hot ``y``
  (integer labels are turned into one-hot rows). Computed from ``z`` with log-softmax.

Pairings (``check_pairing``): softmax only with cross_entropy and cross_entropy only after
softmax; bce only after sigmoid (its log needs outputs in (0, 1)). For sigmoid + bce and
softmax + cross_entropy the output delta collapses to ``(a - y) / (m k)`` resp. ``(a - y) / m``;
the engine uses that shortcut and records that it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import log_softmax

# keep log() and divisions away from exact 0 and 1 where a probability saturates
_PROB_FLOOR = 1e-300


@dataclass(frozen=True)
class Loss:
    """A loss: per-sample values and ``dL/da`` of the averaged batch loss.

    ``per_sample(a, z, y) -> (m,)``: each sample's own loss ``L_i``.
    ``grad(a, y) -> (m, k)``: ``dL/da`` of ``L = mean_i L_i`` (carries the 1/m).
    ``shortcut_output``: the output activation for which ``delta = dL/dz`` collapses to
    ``(a - y) * scale``; ``None`` when there is no such pairing.
    """

    name: str
    per_sample: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    shortcut_output: str | None = None

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def _mse(a: np.ndarray, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.mean((a - y) ** 2, axis=1)


def _mse_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    m, k = a.shape
    return 2.0 * (a - y) / (m * k)


def _half_sse(a: np.ndarray, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum((a - y) ** 2, axis=1)


def _half_sse_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (a - y) / a.shape[0]


def _bce(a: np.ndarray, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    # -y log(a) - (1 - y) log(1 - a) with a = sigmoid(z) equals softplus(z) - y z, written in the
    # form max(z, 0) - y z + log(1 + e^-|z|): computed from z, so finite even where a rounds to 0
    # or 1, and without the cancellation softplus(z) - y z suffers for large z
    terms = np.exp(-np.abs(z))
    np.log1p(terms, out=terms)
    terms += np.maximum(z, 0.0)
    terms -= y * z
    k = terms.shape[1]
    if k == 1:
        return terms[:, 0]
    # the mean over outputs, divided before summing: each term is at most |z| in size, so
    # the sum cannot overflow even for logits near the float limit (|z| ~ 1e308)
    return np.add.reduce(terms / k, axis=1)


def _bce_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    m, k = a.shape
    p = np.minimum(np.maximum(a, _PROB_FLOOR), 1.0 - 1e-16)  # np.clip, without its overhead
    return (p - y) / (p * (1.0 - p)) / (m * k)


def _cross_entropy(a: np.ndarray, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    log_a = log_softmax(z)
    # a class with y = 0 adds nothing, even where its log-probability underflowed to -inf
    # (0 * -inf would be NaN)
    return -np.sum(np.multiply(y, log_a, out=np.zeros_like(log_a), where=y != 0), axis=1)


def _cross_entropy_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -y / np.maximum(a, _PROB_FLOOR) / a.shape[0]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse, _mse_grad, r"L = \frac{1}{m k}\sum_{i}\sum_{k} (a_{ik} - y_{ik})^2"),
        Loss(
            "half_sse",
            _half_sse,
            _half_sse_grad,
            r"L = \frac{1}{m}\sum_{i} \tfrac{1}{2}\sum_{k} (a_{ik} - y_{ik})^2",
        ),
        Loss(
            "bce",
            _bce,
            _bce_grad,
            r"L = -\frac{1}{m k}\sum_{i}\sum_{k} \left[y \log a + (1 - y)\log(1 - a)\right]",
            shortcut_output="sigmoid",
        ),
        Loss(
            "cross_entropy",
            _cross_entropy,
            _cross_entropy_grad,
            r"L = -\frac{1}{m}\sum_{i}\sum_{k} y_{ik} \log a_{ik}",
            shortcut_output="softmax",
        ),
    )
}


def get_loss(name: str) -> Loss:
    """Look up a loss by its UI name; ``ValueError`` lists the valid names."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}") from None


def pairing_problem(output_activation: str, loss: str) -> str | None:
    """Why ``output_activation`` and ``loss`` do not fit together, or ``None`` if they do."""
    if output_activation == "softmax" and loss != "cross_entropy":
        return (
            f"a softmax output must be trained with cross_entropy, not {loss}: softmax turns "
            "the outputs into class probabilities, and cross_entropy is the loss for those"
        )
    if loss == "cross_entropy" and output_activation != "softmax":
        return (
            f"cross_entropy needs a softmax output layer (got {output_activation}): it takes "
            "the log of probabilities that sum to 1 over the classes"
        )
    if loss == "bce" and output_activation != "sigmoid":
        return (
            f"bce needs a sigmoid output layer (got {output_activation}): it takes log(a) and "
            "log(1 - a), so every output must lie between 0 and 1"
        )
    return None


def valid_losses(output_activation: str) -> list[str]:
    """The losses that may follow ``output_activation``, in registry order."""
    return [name for name in LOSSES if pairing_problem(output_activation, name) is None]


def check_pairing(output_activation: str, loss: str) -> None:
    """``ValueError`` when the output activation and loss do not fit together."""
    problem = pairing_problem(output_activation, loss)
    if problem:
        raise ValueError(problem)
