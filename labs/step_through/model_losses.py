"""Loss details the step-through page shows: each output's share of the loss, and the output
delta of a saturated sigmoid unit under squared error and under cross-entropy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_core.activations import ACTIVATIONS, log_softmax
from backprop_core.engine import compute_loss, forward
from backprop_core.losses import get_loss
from backprop_core.network import MLP
from backprop_core.passes import quiet
from backprop_core.trace import ForwardTrace, LossTrace


def output_loss_shares(fwd: ForwardTrace, lt: LossTrace) -> np.ndarray:
    """Each output's share of its sample's loss, ``(m, k)``; rows sum to ``lt.per_sample``.

    half_sse: ``1/2 (a - y)^2``; mse: ``(a - y)^2 / k``; bce: ``-[y log a + (1-y) log(1-a)] / k``;
    cross_entropy: ``-y log a``. Each column is the loss's own ``per_sample`` on that output alone,
    scaled by ``1/k`` where the loss averages over outputs.
    """
    spec = get_loss(lt.name)
    a, z, y = fwd.output, fwd.z[-1], lt.y
    k = a.shape[1]
    with quiet():
        if lt.name == "cross_entropy":
            # softmax ties the outputs together: the share of output k is -y_k log a_k
            return -y * log_softmax(z)
        cols = [spec.per_sample(a[:, [c]], z[:, [c]], y[:, [c]]) for c in range(k)]
        shares = np.column_stack(cols)
    return shares / k if lt.name in ("mse", "bce") else shares


@dataclass(frozen=True)
class SaturationCompare:
    """One sigmoid output unit at pre-activations ``z`` with target ``y``, under two losses.

    ``a = sigmoid(z)``; ``slope = sigmoid'(z)``; ``delta_mse``: the unit's own ``dL/dz`` under
    ``L = (a - y)^2`` (``2 (a - y) sigmoid'(z)``); ``delta_bce`` under binary cross-entropy
    (``a - y``: the slope cancels). Every array has the shape of ``z``.
    """

    z: np.ndarray
    y: float
    a: np.ndarray
    slope: np.ndarray
    dL_da_mse: np.ndarray
    delta_mse: np.ndarray
    dL_da_bce: np.ndarray
    delta_bce: np.ndarray


def saturation_compare(z: np.ndarray, y: float) -> SaturationCompare:
    """Run the engine on a one-weight sigmoid unit (w = 1, x = z) and read the output deltas.

    Each z value is one sample; the engine's batch delta carries ``1/m``, so it is multiplied
    back by ``m`` to give each sample's own error signal.
    """
    z = np.atleast_1d(np.asarray(z, dtype=float))
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite numbers")
    if y not in (0.0, 1.0):
        raise ValueError(f"the target must be 0 or 1, got {y!r}")
    m = z.size
    net = MLP.from_params([[[1.0]]], [[0.0]], ["sigmoid"])
    X = z.reshape(-1, 1)
    Y = np.full((m, 1), float(y))
    fwd = forward(net, X)
    out = {}
    for loss in ("mse", "bce"):
        lt = compute_loss(net, fwd, Y, loss)
        out[loss] = (lt.dL_da[:, 0] * m, lt.output_delta[:, 0] * m)
    slope = ACTIVATIONS["sigmoid"].df(fwd.z[0])[:, 0]
    return SaturationCompare(
        z, float(y), fwd.output[:, 0], slope, out["mse"][0], out["mse"][1], out["bce"][0], out["bce"][1]
    )
