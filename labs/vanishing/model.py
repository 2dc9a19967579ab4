"""The vanishing and exploding gradients lab: one deep network, trained once per activation.

Every run of a comparison starts from the same data and the same weight draws: the networks are
built with ``MLP.create`` from a fresh ``default_rng(seed)`` each, so the draws are identical and
only the hidden activation differs. Layer ``l = 0`` is the first layer after the input (the app's
"layer 1"); the last layer is the output layer. With ``depth`` hidden layers a network has
``L = depth + 1`` layers of weights.

Measured here, per layer ``l``: ``||dW[l]||`` (Frobenius norm of ``dL/dW``) and ``||delta[l]||``
(of ``dL/dz`` over the batch). Numbers are never clipped or hidden: an overflow shows up as
``inf``/``NaN`` and the app says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from backprop_core.activations import ACTIVATIONS
from backprop_core.datasets import DATASETS, get_dataset, make_dataset
from backprop_core.engine import backward, compute_loss, evaluate, forward
from backprop_core.network import INIT_SCHEMES, MAX_HIDDEN_LAYERS, MAX_WIDTH, MLP
from backprop_core.optimizers import OPTIMIZERS
from backprop_core.passes import quiet
from backprop_core.runner import Data, Record, RunState, TrainConfig, run

# the hidden activations the lab compares, in the order the learner sees them
COMPARE_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu")
# a sigmoid or tanh value counts as saturated where its derivative is below this
SATURATED_BELOW = 0.01
N_POINTS = 300
NOISE = 0.1
# a run stops growing here; the charts stay readable and the session small
MAX_ITERATIONS = 5000
# the symmetric starts of the symmetry experiment, and the random fix
SYMMETRY_STARTS: tuple[str, ...] = ("zeros", "equal", "random")
EQUAL_WEIGHT = 0.5


@dataclass(frozen=True)
class LabSetup:
    """Everything that defines the networks of a comparison; changing any of it starts over.

    ``depth`` hidden layers of ``width`` neurons each, ``sizes = [n_in, width * depth, n_out]``.
    ``std`` is used only by ``init = "normal"``.
    """

    activations: tuple[str, ...] = ("sigmoid", "relu")
    depth: int = 10
    width: int = 16
    dataset: str = "xor"
    init: str = "xavier"
    std: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "activations", tuple(self.activations))
        unknown = [a for a in self.activations if a not in COMPARE_ACTIVATIONS]
        if unknown:
            raise ValueError(
                f"unknown activation(s) {', '.join(map(repr, unknown))}; expected some of "
                f"{', '.join(COMPARE_ACTIVATIONS)}"
            )
        if len(set(self.activations)) != len(self.activations):
            raise ValueError("each activation may appear only once in a comparison")
        if not isinstance(self.depth, (int, np.integer)) or not 1 <= self.depth <= MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"depth must be a whole number from 1 to {MAX_HIDDEN_LAYERS}, got {self.depth!r}"
            )
        if not isinstance(self.width, (int, np.integer)) or not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width must be a whole number from 1 to {MAX_WIDTH}, got {self.width!r}")
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; expected one of {', '.join(DATASETS)}")
        if self.init not in INIT_SCHEMES:
            raise ValueError(f"unknown init {self.init!r}; expected one of {', '.join(INIT_SCHEMES)}")
        if not (np.isfinite(self.std) and self.std >= 0):
            raise ValueError(f"std must be a finite number >= 0, got {self.std!r}")
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}")

    @property
    def sizes(self) -> list[int]:
        spec = get_dataset(self.dataset)
        return [spec.n_inputs, *([self.width] * self.depth), spec.n_outputs]

    @property
    def output(self) -> str:
        return get_dataset(self.dataset).default_output

    @property
    def loss(self) -> str:
        return get_dataset(self.dataset).default_loss


def lab_inputs(
    dataset: str, seed: int, n: int = N_POINTS, noise: float = NOISE
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``dataset``, inputs standardised to mean 0 and variance 1 per column.

    The init schemes assume inputs of about unit size; standardising keeps the first layer from
    saturating just because the data lives on [-5, 5]. The data's randomness is a stream of its
    own (``default_rng([seed, 1])``) so it never shifts the weight draws.
    """
    X, y = make_dataset(dataset, n, noise, rng=np.random.default_rng([seed, 1]))
    scale = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    return X, y


def build_network(setup: LabSetup, activation: str) -> MLP:
    """The network of ``setup`` with ``activation`` in every hidden layer.

    A fresh ``default_rng(setup.seed)`` per call: every activation gets the same weight draws.
    """
    return MLP.create(
        setup.sizes,
        hidden=activation,
        output=setup.output,
        init=setup.init,
        std=setup.std,
        rng=np.random.default_rng(setup.seed),
    )


def norm_ratio(first: float, last: float) -> float:
    """``first / last`` for two norms; ``inf`` for x/0 with x > 0, ``NaN`` for 0/0 or non-finite input."""
    if not (np.isfinite(first) and np.isfinite(last)):
        return float("nan")
    if last == 0:
        return float("inf") if first > 0 else float("nan")
    return float(first / last)


@dataclass(frozen=True)
class GradientProfile:
    """One backward pass measured layer by layer.

    ``grad_norms[l] = ||dW[l]||`` and ``delta_norms[l] = ||delta[l]||``, shape ``(L,)`` each;
    ``loss`` is the batch loss the gradients belong to.
    """

    activation: str
    grad_norms: np.ndarray
    delta_norms: np.ndarray
    loss: float

    @property
    def ratio(self) -> float:
        """``||dW[0]|| / ||dW[L-1]||``: first layer over the output layer."""
        return norm_ratio(float(self.grad_norms[0]), float(self.grad_norms[-1]))

    @property
    def delta_ratio(self) -> float:
        """``||delta[0]|| / ||delta[L-1]||``."""
        return norm_ratio(float(self.delta_norms[0]), float(self.delta_norms[-1]))


def gradient_profile(net: MLP, X: np.ndarray, Y: np.ndarray, loss: str) -> GradientProfile:
    """Forward, loss and backward once for the batch ``(X, Y)``; no update.

    The activation reported is that of the hidden layers (the output layer's for a net without one).
    """
    fwd = forward(net, X)
    lt = compute_loss(net, fwd, Y, loss)
    back = backward(net, fwd, lt)
    return GradientProfile(net.activations[0], back.grad_norms, back.delta_norms, lt.value)


# -- the comparison: one run per activation ----------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One activation's network and its training so far.

    ``losses[t]`` is the loss after ``t`` updates (``losses[0]`` at initialisation), so it has one
    more entry than ``records``; ``records[t - 1]`` holds the gradient norms update ``t`` used.
    """

    activation: str
    initial: MLP
    profile: GradientProfile
    state: RunState
    losses: tuple[float, ...]
    records: tuple[Record, ...] = ()
    stop_reason: str | None = None

    @property
    def iteration(self) -> int:
        return self.state.iteration

    @property
    def net(self) -> MLP:
        return self.state.net

    @property
    def diverged(self) -> bool:
        return self.state.diverged

    def grad_norm_matrix(self) -> np.ndarray:
        """``||dW[l]||`` of every update: shape ``(L, iterations)``."""
        if not self.records:
            return np.zeros((self.initial.n_layers, 0))
        return np.array([r.grad_norms for r in self.records]).T

    def __repr__(self) -> str:
        return f"Run({self.activation}, iteration={self.iteration}, diverged={self.diverged})"


@dataclass(frozen=True)
class Lab:
    """A comparison: the setup, the shared data and one ``Run`` per activation (setup order)."""

    setup: LabSetup
    data: Data
    runs: tuple[Run, ...]

    @property
    def loss(self) -> str:
        return self.setup.loss

    @property
    def iteration(self) -> int:
        """The most updates any run has made (a diverged run stops early)."""
        return max((r.iteration for r in self.runs), default=0)

    @property
    def finished(self) -> bool:
        """True when no run can train further (all diverged or at ``MAX_ITERATIONS``)."""
        return all(r.diverged or r.iteration >= MAX_ITERATIONS for r in self.runs)

    def run_of(self, activation: str) -> Run:
        for r in self.runs:
            if r.activation == activation:
                return r
        raise ValueError(f"no run for {activation!r}; the lab compares {', '.join(self.setup.activations)}")

    def __repr__(self) -> str:
        return f"Lab({list(self.setup.activations)}, depth={self.setup.depth}, iteration={self.iteration})"


def start_lab(setup: LabSetup) -> Lab:
    """Fresh networks for every activation of ``setup``, with their gradient profile at initialisation."""
    X, y = lab_inputs(setup.dataset, setup.seed)
    runs = []
    data: Data | None = None
    for act in setup.activations:
        net = build_network(setup, act)
        if data is None:
            data = Data.create(net, setup.loss, X, y)
        profile = gradient_profile(net, data.X_train, data.Y_train, setup.loss)
        runs.append(Run(act, net, profile, RunState(net), (profile.loss,)))
    if data is None:
        # no activation chosen: keep the data so the page can still describe the problem
        data = Data.create(build_network(setup, "relu"), setup.loss, X, y)
    return Lab(setup, data, tuple(runs))


def train_lab(
    lab: Lab, iterations: int, lr: float, optimizer: str = "sgd", clip_norm: float | None = None
) -> Lab:
    """Train every run ``iterations`` more full-batch updates (fewer at ``MAX_ITERATIONS``).

    A diverged run stays where it stopped, with its reason kept. ``lr`` and ``optimizer`` may
    change between calls: the next updates use the new values (a new optimizer starts with an
    empty memory).
    """
    if not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"iterations must be a whole number >= 0, got {iterations!r}")
    config = TrainConfig(lab.loss, lr, optimizer, clip_norm=clip_norm, seed=lab.setup.seed)
    runs = []
    for r in lab.runs:
        todo = min(iterations, MAX_ITERATIONS - r.iteration)
        if r.diverged or todo <= 0:
            runs.append(r)
            continue
        result = run(r.state, lab.data, config, iterations=todo, evaluate=False)
        # record t's batch_loss is the loss before update t (full batch: the whole training set)
        losses = [*r.losses[:-1], *(rec.batch_loss for rec in result.records)]
        losses.append(evaluate(result.state.net, lab.data.X_train, lab.data.Y_train, lab.loss))
        runs.append(
            replace(
                r,
                state=result.state,
                losses=tuple(losses),
                records=r.records + tuple(result.records),
                stop_reason=result.stop_reason or r.stop_reason,
            )
        )
    return replace(lab, runs=tuple(runs))


# -- why it happens: derivatives, saturation, dead units ------------------------------------------


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


# -- exploding gradients: the weight scale, and clipping ------------------------------------------


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
            net = build_network(replace(setup, init="normal", std=float(s), activations=(act,)), act)
            if data is None:
                data = Data.create(net, setup.loss, X, y)
            p = gradient_profile(net, data.X_train, data.Y_train, setup.loss)
            first[i, j], out[i, j], first_delta[i, j] = p.grad_norms[0], p.grad_norms[-1], p.delta_norms[0]
            saturated[i, j] = _saturated_share(net, data.X_train)
    return ScaleSweep(tuple(activations), setup.depth, stds, first, out, first_delta, saturated)


def _saturated_share(net: MLP, X: np.ndarray) -> float:
    # one share over every hidden z value of the batch (all hidden layers pooled)
    fwd = forward(net, X)
    df = ACTIVATIONS[net.activations[0]].df
    with quiet():
        values = [df(z) < SATURATED_BELOW for z in fwd.z[:-1]]
    return float(np.mean(np.concatenate([v.ravel() for v in values]))) if values else 0.0


@dataclass(frozen=True)
class ClipComparison:
    """One network (normal init with ``std``) trained twice: without and with clipping by global norm.

    ``raw_grads``: ``||dW[l]||`` of the first update, ``(L,)``; ``clipped_grads``: the same after
    clipping to ``clip_norm`` (every layer times ``clip_scale``). ``losses_*``: loss after t updates
    (entry 0 at initialisation); ``stop_*``: why a run stopped early, or ``None``.
    """

    activation: str
    std: float
    clip_norm: float
    raw_grads: np.ndarray
    clipped_grads: np.ndarray
    global_norm: float
    clip_scale: float
    losses_plain: np.ndarray
    losses_clipped: np.ndarray
    stop_plain: str | None
    stop_clipped: str | None


def _losses(initial: float, records: Sequence[Record], final_net: MLP, data: Data, loss: str) -> np.ndarray:
    values = [initial, *(r.batch_loss for r in records[1:])] if records else [initial]
    if records:
        values.append(evaluate(final_net, data.X_train, data.Y_train, loss))
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
    raw = base.profile.grad_norms
    # global norm over every trainable gradient (weights and biases), as the engine clips
    fwd = forward(base.initial, lab.data.X_train)
    back = backward(base.initial, fwd, compute_loss(base.initial, fwd, lab.data.Y_train, one.loss))
    with quiet():
        total = float(np.sqrt(np.sum(back.grad_norms**2) + np.sum(back.bias_grad_norms**2)))
    scale = clip_norm / (total + 1e-6) if np.isfinite(total) and total > clip_norm else 1.0
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


# -- symmetry: identical units stay identical -------------------------------------------------------


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
    if start not in SYMMETRY_STARTS:
        raise ValueError(f"unknown start {start!r}; expected one of {', '.join(SYMMETRY_STARTS)}")
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
    hidden: Sequence[int] = (4, 4),
    iterations: int = 200,
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
