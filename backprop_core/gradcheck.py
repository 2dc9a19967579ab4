"""Gradient check: backprop against central finite differences, parameter by parameter.

For each parameter p the numeric gradient is ``(L(p + eps) - L(p - eps)) / (2 eps)``: two
extra forward passes per parameter, ``2P`` for a network with P parameters, where backprop
needs one backward pass for all of them. That contrast is why backprop exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .engine import backward, check_net
from .losses import check_pairing, get_loss
from .network import MLP
from .passes import forward_pass, loss_pass
from .validation import as_inputs, as_targets, check_l2, finite_number

MAX_PARAMS = 5000
MAX_WORK = 500_000  # parameters x samples: about 2 * MAX_WORK * MAX_PARAMS multiply-adds at most


@dataclass(frozen=True)
class GradCheck:
    """Analytic (backprop) and numeric gradients, and how far apart they are.

    ``rel_error`` of one parameter: ``|g_bp - g_num| / max(|g_bp| + |g_num|, 1e-12)``.
    ``layer_rel_error[l]``: the largest relative error among ``W[l]`` and ``b[l]``.
    """

    dW: list[np.ndarray]
    db: list[np.ndarray]
    num_dW: list[np.ndarray]
    num_db: list[np.ndarray]
    rel_W: list[np.ndarray]
    rel_b: list[np.ndarray]
    forward_passes: int
    backprop_seconds: float
    numeric_seconds: float

    @property
    def layer_rel_error(self) -> list[float]:
        return [float(max(w.max(), b.max())) for w, b in zip(self.rel_W, self.rel_b, strict=True)]

    @property
    def max_rel_error(self) -> float:
        return max(self.layer_rel_error)

    @property
    def n_params(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.dW, self.db, strict=True))


def relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)


def gradient_check(
    net: MLP, X: np.ndarray, Y: np.ndarray, loss: str, *, l2: float = 0.0, eps: float = 1e-6
) -> GradCheck:
    """Compare backprop's ``dW``, ``db`` with central differences for every parameter.

    ``eps``: a finite step > 0. Refused above ``MAX_PARAMS`` parameters or ``MAX_WORK`` = samples
    x parameters (the check runs two forward passes per parameter: hours on the largest networks).
    """
    get_loss(loss)
    check_pairing(check_net(net).output_activation, loss)
    X = as_inputs(X, net.sizes[0])
    Y = as_targets(Y, X.shape[0], net.sizes[-1], loss)
    l2 = check_l2(l2)
    eps = finite_number(eps, "eps", lo=0.0, lo_open=True, rule="must be a finite step > 0, such as 1e-6")
    if net.n_params > MAX_PARAMS or net.n_params * X.shape[0] > MAX_WORK:
        raise ValueError(
            f"a gradient check of {net.n_params} parameters on {X.shape[0]} sample(s) would take too long "
            f"(two forward passes per parameter); the limit is {MAX_PARAMS} parameters and "
            f"{MAX_WORK:,} parameters x samples"
        )

    start = time.perf_counter()
    fwd = forward_pass(net, X)
    back = backward(net, fwd, loss_pass(net, fwd, Y, loss, l2))
    backprop_seconds = time.perf_counter() - start

    def loss_of(weights: list[np.ndarray], biases: list[np.ndarray]) -> float:
        probe = MLP.trusted(weights, biases, net.activations)
        return loss_pass(probe, forward_pass(probe, X), Y, loss, l2).value

    start = time.perf_counter()
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    numeric: list[list[np.ndarray]] = [[], []]
    passes = 0
    for group, params in ((0, weights), (1, biases)):
        for p in params:
            g = np.zeros_like(p)
            flat, gflat = p.reshape(-1), g.reshape(-1)
            for idx in range(flat.size):
                old = flat[idx]
                flat[idx] = old + eps
                plus = loss_of(weights, biases)
                flat[idx] = old - eps
                minus = loss_of(weights, biases)
                flat[idx] = old
                gflat[idx] = (plus - minus) / (2 * eps)
                passes += 2
            numeric[group].append(g)
    numeric_seconds = time.perf_counter() - start
    num_dW, num_db = numeric
    return GradCheck(
        back.dW,
        back.db,
        num_dW,
        num_db,
        [relative_error(a, n) for a, n in zip(back.dW, num_dW, strict=True)],
        [relative_error(a, n) for a, n in zip(back.db, num_db, strict=True)],
        passes,
        backprop_seconds,
        numeric_seconds,
    )
