"""The vanishing lab's side experiments: activation slopes, layer statistics, the weight-scale sweep,
clipping by global norm and the symmetry of equal starting weights. Shapes as in model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from backprop_core.activations import ACTIVATIONS
from backprop_core.datasets import get_dataset
from backprop_core.engine import backward, compute_loss, evaluate, forward, train_step
from backprop_core.network import MLP
from backprop_core.optimizers import OPTIMIZERS, clip_scale
from backprop_core.passes import quiet
from backprop_core.runner import Data, Record, RunState, TrainConfig, run
from labs.vanishing.model import (
    EQUAL_WEIGHT,
    SATURATED_BELOW,
    SYMMETRY_RUN_STARTS,
    LabSetup,
    build_activation_network,
    gradient_profile,
    lab_inputs,
    norm_ratio,
    start_lab,
    train_lab,
)

# the symmetry experiment's small network and its training length
SYMMETRY_HIDDEN: tuple[int, ...] = (4, 4)
SYMMETRY_ITERATIONS = 200


def derivative_curve(activation: str, lo: float = -6.0, hi: float = 6.0, n: int = 241) -> tuple:
    """``(z, f'(z))`` on ``n`` points of ``[lo, hi]`` (arrays of shape ``(n,)``), from the registry."""
    z = np.linspace(lo, hi, n)
    return z, ACTIVATIONS[activation].df(z)


def max_derivative(activation: str) -> float:
    """The largest value ``f'`` takes (0.25 for sigmoid, 1 for tanh, relu and leaky relu)."""
    # the grid holds z = 0 (where sigmoid' and tanh' peak) and positive z (relu' = 1)
    z = np.linspace(-10.0, 10.0, 2001)
    return float(ACTIVATIONS[activation].df(z).max())


def derivative_bound(activation: str, depth: int) -> float:
    """``max f' ** depth``: the most the derivative factors along one path can multiply by.

    Between the output layer's ``delta`` and the first layer's there are ``depth`` hidden
    layers, each multiplying by its ``f'(z)``: ``0.25 ** depth`` for sigmoid.
    """
    return max_derivative(activation) ** depth


def delta_bound(net: MLP) -> float:
    """The bound on ``||delta[0]|| / ||delta[L-1]||`` that the weights and slopes allow.

    Backprop computes ``delta[l] = (delta[l+1] @ W[l+1].T) * f_l'(z[l])``. Multiplying by a matrix
    stretches a row by at most its largest singular value ``||W||_2`` (spectral norm), and the
    element-wise factor ``f'`` by at most ``max f'``, so over the hidden layers ``l = 0 .. L-2``::

        ||delta[0]|| <= prod_l (max f_l' * ||W[l+1]||_2) * ||delta[L-1]||

    (Frobenius norms over the batch). Returns that product.
    """
    factors = [
        max_derivative(net.activations[l]) * float(np.linalg.norm(net.weights[l + 1], 2))
        for l in range(net.n_layers - 1)
    ]
    return float(np.prod(factors))


@dataclass(frozen=True)
class UpdateSizes:
    """How far an optimizer moves each layer, relative to the layer's size.

    ``relative[k, l] = ||W_after[l] - W_before[l]|| / ||W_before[l]||`` for update ``k``, shape
    ``(iterations, L)`` (Frobenius norms); ``lr`` is the learning rate used.
    """

    activation: str
    optimizer: str
    lr: float
    relative: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """The mean relative update size per layer over the updates, ``(L,)``."""
        return self.relative.mean(axis=0)

    @property
    def first_over_output(self) -> float:
        """Mean relative update of layer 1 over that of the output layer."""
        m = self.mean
        return norm_ratio(float(m[0]), float(m[-1]))


def update_sizes(setup: LabSetup, activation: str, optimizer: str, lr: float, iterations: int) -> UpdateSizes:
    """Train ``activation``'s network of ``setup`` for ``iterations`` updates; measure each layer's step."""
    if not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise ValueError(f"iterations must be a whole number >= 1, got {iterations!r}")
    lab = start_lab(replace(setup, activations=(activation,)))
    net, state = lab.runs[0].initial, None
    rows = []
    for _ in range(iterations):
        step = train_step(
            net, lab.data.X_train, lab.data.Y_train, loss=setup.loss, lr=lr, optimizer=optimizer, state=state
        )
        with quiet():
            rows.append(
                [
                    float(np.linalg.norm(dw) / np.linalg.norm(w))
                    for dw, w in zip(step.update.step_W, net.weights, strict=True)
                ]
            )
        net, state = step.net_after, step.update.state
    return UpdateSizes(activation, optimizer, float(lr), np.array(rows))


@dataclass(frozen=True)
class LayerStats:
    """Pre-activations of the hidden layers and how many units are stuck.

    ``z[l]``: ``(m, width)`` for hidden layer ``l`` (output layer excluded).
    ``saturated_share[l]``: share of the ``m * width`` values of ``z[l]`` where
    ``f'(z) < SATURATED_BELOW`` (meaningful for sigmoid and tanh).
    ``dead_share[l]``: share of the layer's units with ``z <= 0`` for every sample (for relu such a
    unit is dead: its derivative is 0 on every sample, so no gradient passes through it).
    Shapes ``(depth,)``.
    """

    activation: str
    z: tuple[np.ndarray, ...]
    saturated_share: np.ndarray
    dead_share: np.ndarray

    @property
    def pooled_saturated_share(self) -> float:
        """One share over every hidden ``z`` value of the batch (all hidden layers pooled)."""
        sizes = np.array([z.size for z in self.z], dtype=float)
        return float(np.dot(self.saturated_share, sizes) / sizes.sum()) if sizes.size else 0.0

    @property
    def dead_units(self) -> np.ndarray:
        """Number of units with ``z <= 0`` on every sample, per hidden layer."""
        return np.array([int(np.all(z <= 0, axis=0).sum()) for z in self.z])


def layer_stats(net: MLP, X: np.ndarray) -> LayerStats:
    """Run ``X`` forward and measure saturation and dead units in every hidden layer."""
    fwd = forward(net, X)
    hidden = fwd.z[:-1]
    act = net.activations[0]
    df = ACTIVATIONS[act].df
    with quiet():
        saturated = np.array([float(np.mean(df(z) < SATURATED_BELOW)) for z in hidden])
        dead = np.array([float(np.mean(np.all(z <= 0, axis=0))) for z in hidden])
    return LayerStats(act, tuple(hidden), saturated, dead)


@dataclass(frozen=True)
class ScaleSweep:
    """First- and output-layer gradient norms at initialisation as the weight std grows.

    ``stds``: ``(k,)``; ``first_grad``, ``out_grad``, ``first_delta``, ``saturated``:
    ``(n_activations, k)``, row ``i`` for ``activations[i]`` (normal init with that std, same draws
    up to the scale). ``saturated``: share of all hidden ``z`` values with ``f'(z) < SATURATED_BELOW``.
    """

    activations: tuple[str, ...]
    depth: int
    stds: np.ndarray
    first_grad: np.ndarray
    out_grad: np.ndarray
    first_delta: np.ndarray
    saturated: np.ndarray

    @property
    def ratio(self) -> np.ndarray:
        """``first_grad / out_grad`` element by element (``NaN`` where undefined)."""
        return np.vectorize(norm_ratio, otypes=[float])(self.first_grad, self.out_grad)

    def slope(self, activation: str, lo: float, hi: float) -> float:
        """The log-log slope of ``||dW[0]||`` against std between ``lo`` and ``hi`` (NaN if undefined)."""
        row = self.first_grad[self.activations.index(activation)]
        keep = (self.stds >= lo) & (self.stds <= hi) & np.isfinite(row) & (row > 0)
        if keep.sum() < 2:
            return float("nan")
        return float(np.polyfit(np.log(self.stds[keep]), np.log(row[keep]), 1)[0])


def scale_sweep(setup: LabSetup, stds: Sequence[float], activations: Sequence[str]) -> ScaleSweep:
    """One gradient profile per activation and std (normal init, ``setup``'s data and seed)."""
    X, y = lab_inputs(setup.dataset, setup.seed)
    stds = np.asarray(stds, dtype=float)
    k, n = len(stds), len(activations)
    first, out, first_delta, saturated = (np.empty((n, k)) for _ in range(4))
    data: Data | None = None
    for i, act in enumerate(activations):
        for j, s in enumerate(stds):
            net = build_activation_network(
                replace(setup, init="normal", std=float(s), activations=(act,)), act
            )
            if data is None:
                data = Data.create(net, setup.loss, X, y)
            p = gradient_profile(net, data.X_train, data.Y_train, setup.loss)
            first[i, j], out[i, j], first_delta[i, j] = (
                p.layer_grad_norms[0],
                p.layer_grad_norms[-1],
                p.delta_norms[0],
            )
            saturated[i, j] = layer_stats(net, data.X_train).pooled_saturated_share
    return ScaleSweep(tuple(activations), setup.depth, stds, first, out, first_delta, saturated)


@dataclass(frozen=True)
class ClipComparison:
    """One network (normal init with ``std``) trained twice: without and with clipping by global norm.

    ``raw_layer_grad_norms``: ``||dW[l]||`` of the first update, ``(L,)``;
    ``clipped_layer_grad_norms``: the same after clipping to ``clip_norm`` (every layer times
    ``clip_scale``); ``global_grad_norm``: the global norm of that first gradient, before clipping.
    ``losses_*``: loss after t updates
    (entry 0 at initialisation); ``stop_*``: why a run stopped early, or ``None``.
    """

    activation: str
    std: float
    clip_norm: float
    raw_layer_grad_norms: np.ndarray
    clipped_layer_grad_norms: np.ndarray
    global_grad_norm: float
    clip_scale: float
    losses_plain: np.ndarray
    losses_clipped: np.ndarray
    stop_plain: str | None
    stop_clipped: str | None


def _losses(
    initial: float, records: Sequence[Record], final_net: MLP, data: Data, loss_name: str
) -> np.ndarray:
    values = [initial, *(r.batch_loss for r in records[1:])] if records else [initial]
    if records:
        values.append(evaluate(final_net, data.X_train, data.Y_train, loss_name))
    return np.array(values)


def clipping_experiment(
    setup: LabSetup,
    std: float,
    clip_norm: float,
    lr: float,
    optimizer: str = "sgd",
    iterations: int = 100,
    activation: str = "relu",
) -> ClipComparison:
    """Train ``activation`` with normal(std) init for ``iterations`` updates, unclipped and clipped."""
    if not (np.isfinite(clip_norm) and clip_norm > 0):
        raise ValueError(f"the clipping norm must be a positive number, got {clip_norm!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    one = replace(setup, init="normal", std=float(std), activations=(activation,))
    lab = start_lab(one)
    base = lab.runs[0]
    plain = train_lab(lab, iterations, lr, optimizer).runs[0]
    clipped = train_lab(lab, iterations, lr, optimizer, clip_norm=clip_norm).runs[0]
    raw = base.profile.layer_grad_norms
    # global norm over every trainable gradient (weights and biases), as the engine clips
    fwd = forward(base.initial, lab.data.X_train)
    back = backward(base.initial, fwd, compute_loss(base.initial, fwd, lab.data.Y_train, one.loss))
    with quiet():
        total, scale = clip_scale([*back.dW, *back.db], clip_norm)
    return ClipComparison(
        activation,
        float(std),
        float(clip_norm),
        raw,
        raw * scale,
        total,
        scale,
        np.array(plain.losses),
        np.array(clipped.losses),
        plain.stop_reason,
        clipped.stop_reason,
    )


@dataclass(frozen=True)
class SymmetryRun:
    """A small network trained from a symmetric start (or the random fix).

    ``spread[t, l]``: after ``t`` updates, the largest difference between two units of hidden
    layer ``l`` in their incoming weights and bias (0 means every unit of the layer is the same);
    shape ``(iterations + 1, n_hidden)``. ``losses``: ``(iterations + 1,)``.
    """

    start: str
    activation: str
    initial: MLP
    final: MLP
    spread: np.ndarray
    losses: np.ndarray
    stop_reason: str | None


def unit_spread(net: MLP, layer: int) -> float:
    """Largest ``|theta_j - theta_0|`` over the units ``j`` of ``layer``.

    ``theta_j`` is unit j's incoming weights and its bias; 0 means every unit of the layer is the same.
    """
    theta = np.vstack([net.weights[layer], net.biases[layer][None, :]])
    with quiet():
        return float(np.max(np.abs(theta - theta[:, :1])))


def symmetric_network(sizes: Sequence[int], activation: str, output: str, start: str, seed: int) -> MLP:
    """``zeros``: every weight 0; ``equal``: every weight ``EQUAL_WEIGHT``; ``random``: xavier draws."""
    if start not in SYMMETRY_RUN_STARTS:
        raise ValueError(f"unknown start {start!r}; expected one of {', '.join(SYMMETRY_RUN_STARTS)}")
    if start == "random":
        return MLP.create(sizes, hidden=activation, output=output, init="xavier", seed=seed)
    value = 0.0 if start == "zeros" else EQUAL_WEIGHT
    weights = [np.full((a, b), value) for a, b in pairwise(sizes)]
    biases = [np.zeros(b) for b in sizes[1:]]
    n_hidden = len(sizes) - 2
    return MLP.from_params(weights, biases, [*([activation] * n_hidden), output])


def symmetry_experiment(
    dataset: str,
    activation: str,
    start: str,
    *,
    hidden: Sequence[int] = SYMMETRY_HIDDEN,
    iterations: int = SYMMETRY_ITERATIONS,
    lr: float = 0.5,
    optimizer: str = "sgd",
    seed: int = 0,
) -> SymmetryRun:
    """Train a small ``[n_in, *hidden, n_out]`` network from ``start`` and follow how alike its units stay."""
    spec = get_dataset(dataset)
    sizes = [spec.n_inputs, *hidden, spec.n_outputs]
    net = symmetric_network(sizes, activation, spec.default_output, start, seed)
    X, y = lab_inputs(dataset, seed)
    data = Data.create(net, spec.default_loss, X, y)
    config = TrainConfig(spec.default_loss, lr, optimizer, seed=seed)
    result = run(RunState(net), data, config, iterations=iterations, keep_nets=True, evaluate=False)
    nets = [net, *result.nets]
    spread = np.array([[unit_spread(n, l) for l in range(len(hidden))] for n in nets])
    initial_loss = evaluate(net, data.X_train, data.Y_train, spec.default_loss)
    losses = _losses(initial_loss, result.records, result.state.net, data, spec.default_loss)
    return SymmetryRun(start, activation, net, result.state.net, spread, losses, result.stop_reason)
