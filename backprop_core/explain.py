"""The chain rule for one weight, factor by factor, with the numbers of every sample.

For the weight ``w = W[layer][i, j]`` (from neuron i of the previous layer to neuron j):

    dL/dw = sum over samples s of  dL/da_j * da_j/dz_j * dz_j/dw
          = sum_s delta[layer][s, j] * a_prev[s, i]        (+ l2 * w with an L2 penalty)

``gradient`` is the engine's ``dW[layer][i, j]`` itself; ``sum(per_sample) + l2_term`` equals
it up to float rounding (the matrix product adds the same terms in its own order).

For a hidden neuron, ``dL/da_j`` is itself a sum over the downstream paths: every neuron k of
the next layer passes back ``W[layer+1][j, k] * delta[layer+1][s, k]`` (the delta recursion).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .numerics import quiet
from .trace import StepTrace
from .validation import show, whole_number


@dataclass(frozen=True)
class DownstreamPath:
    """One path back from neuron k of the next layer: ``weight * delta_next`` per sample."""

    k: int
    weight: float
    delta_next: np.ndarray
    contribution: np.ndarray


@dataclass(frozen=True)
class WeightExplanation:
    """Every factor of ``dL/dw`` for one parameter, per sample (arrays of shape ``(m,)``).

    ``i is None`` marks the bias ``b[layer][j]``, for which ``dz/db = 1``. ``da_dz`` is
    ``None`` at a softmax output (its derivative is a Jacobian); ``shortcut`` says that the
    output ``delta`` was formed directly as ``(a - y) * scale``. ``gradient`` is the engine's
    ``dW[layer][i, j]`` (or ``db[layer][j]``), i.e. ``sum(per_sample) + l2_term``.
    """

    layer: int
    i: int | None
    j: int
    weight: float
    is_output: bool
    activation: str
    dL_da: np.ndarray
    da_dz: np.ndarray | None
    delta: np.ndarray
    dz_dw: np.ndarray
    per_sample: np.ndarray
    l2_term: float
    gradient: float
    paths: tuple[DownstreamPath, ...]
    shortcut: bool
    lr: float
    step: float
    new_weight: float

    @property
    def m(self) -> int:
        return self.delta.shape[0]


def explain_weight(trace: StepTrace, layer: int, i: int | None, j: int) -> WeightExplanation:
    """The chain rule for ``W[layer][i, j]`` (or the bias ``b[layer][j]`` when ``i is None``)."""
    if not isinstance(trace, StepTrace):
        raise ValueError(f"trace must be the StepTrace returned by train_step, got {show(trace)}")
    net = trace.net_before
    layer = whole_number(layer, "layer")
    if not 0 <= layer < net.n_layers:
        raise ValueError(f"layer {layer} does not exist; expected 0 to {net.n_layers - 1}")
    n_in, n_out = net.weights[layer].shape
    j = whole_number(j, "index j")
    i = None if i is None else whole_number(i, "index i")
    if not 0 <= j < n_out or (i is not None and not 0 <= i < n_in):
        raise ValueError(f"W[{layer}] has shape {(n_in, n_out)}; index ({i}, {j}) is outside it")
    is_output = layer == net.n_layers - 1
    act = ACTIVATIONS[net.activations[layer]]
    z = trace.z[layer][:, j]
    dL_da = trace.dL_da[layer][:, j]
    delta = trace.delta[layer][:, j]
    if i is None:
        weight = float(net.biases[layer][j])
        dz_dw = np.ones_like(delta)
        l2_term = 0.0  # biases carry no penalty
        # the total is the engine's own number, so the explainer and the dW/db the app shows
        # agree to the last digit: sum(per_sample) adds the same products in another order
        # than the engine's matrix product and sum, and can differ from it by a rounding
        gradient = float(trace.db[layer][j])
        step = float(trace.update.step_b[layer][j])
        new_weight = float(trace.net_after.biases[layer][j])
    else:
        weight = float(net.weights[layer][i, j])
        dz_dw = trace.forward.a_prev(layer)[:, i]
        l2_term = trace.loss_trace.l2 * weight
        gradient = float(trace.dW[layer][i, j])  # = sum(per_sample) + l2_term, see above
        step = float(trace.update.step_W[layer][i, j])
        new_weight = float(trace.net_after.weights[layer][i, j])
    paths: tuple[DownstreamPath, ...] = ()
    with quiet():  # a diverged trace gives inf/NaN quietly
        da_dz = act.df(z) if act.df is not None else None
        per_sample = delta * dz_dw
        if not is_output:
            W_next = net.weights[layer + 1]
            delta_next = trace.delta[layer + 1]
            paths = tuple(
                DownstreamPath(k, float(W_next[j, k]), delta_next[:, k], W_next[j, k] * delta_next[:, k])
                for k in range(W_next.shape[1])
            )
    return WeightExplanation(
        layer,
        i,
        j,
        weight,
        is_output,
        act.name,
        dL_da,
        da_dz,
        delta,
        dz_dw,
        per_sample,
        l2_term,
        gradient,
        paths,
        is_output and trace.loss_trace.shortcut,
        trace.update.lr,
        step,
        new_weight,
    )
