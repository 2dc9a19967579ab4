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

import numpy as np

from backprop_core.datasets import DATASETS, get_dataset, make_dataset
from backprop_core.engine import backward, compute_loss, forward
from backprop_core.network import INIT_SCHEMES, MAX_HIDDEN_LAYERS, MAX_WIDTH, MLP
from backprop_core.passes import forward_pass, loss_of_forward
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
SYMMETRIC_STARTS: tuple[str, ...] = ("zeros", "equal")  # every weight starts at the same value
# the starts symmetry_experiment takes: the symmetric ones and the random start that breaks the tie
SYMMETRY_RUN_STARTS: tuple[str, ...] = (*SYMMETRIC_STARTS, "random")
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


def build_activation_network(setup: LabSetup, activation: str) -> MLP:
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

    ``layer_grad_norms[l] = ||dW[l]||`` and ``delta_norms[l] = ||delta[l]||``, shape ``(L,)`` each;
    ``loss`` is the batch loss the gradients belong to.
    """

    activation: str
    layer_grad_norms: np.ndarray
    delta_norms: np.ndarray
    loss: float

    @property
    def ratio(self) -> float:
        """``||dW[0]|| / ||dW[L-1]||``: first layer over the output layer."""
        return norm_ratio(float(self.layer_grad_norms[0]), float(self.layer_grad_norms[-1]))

    @property
    def delta_ratio(self) -> float:
        """``||delta[0]|| / ||delta[L-1]||``."""
        return norm_ratio(float(self.delta_norms[0]), float(self.delta_norms[-1]))


def gradient_profile(net: MLP, X: np.ndarray, Y: np.ndarray, loss_name: str) -> GradientProfile:
    """Forward, loss and backward once for the batch ``(X, Y)``; no update.

    The activation reported is that of the hidden layers (the output layer's for a net without one).
    """
    fwd = forward(net, X)
    lt = compute_loss(net, fwd, Y, loss_name)
    back = backward(net, fwd, lt)
    return GradientProfile(net.activations[0], back.layer_grad_norms, back.delta_norms, lt.value)


# -- the comparison: one run per activation ----------------------------------------------------


# where an ``ActivationRun`` keeps its gradient-norm matrix once worked out
_NORMS = "_grad_norm_matrix"


def _norm_columns(records: Sequence[Record], n_layers: int, before: np.ndarray | None = None) -> np.ndarray:
    """``||dW[l]||`` of ``records`` as columns ``(n_layers, len(records))``, after ``before``'s, read-only."""
    new = np.array([r.layer_grad_norms for r in records], dtype=float).reshape(len(records), n_layers).T
    out = new if before is None else np.concatenate([before, new], axis=1)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class ActivationRun:
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
        """``||dW[l]||`` of every update: shape ``(L, iterations)``, read-only.

        Worked out once per run (a Play tick's heatmap and its notes both read it); ``train_lab``
        hands the next run this matrix extended by the new updates' columns.
        """
        cached = self.__dict__.get(_NORMS)
        if cached is None:
            cached = _norm_columns(self.records, self.initial.n_layers)
            object.__setattr__(self, _NORMS, cached)  # a cache beside the fields, not a field
        return cached

    def __repr__(self) -> str:
        return f"ActivationRun({self.activation}, iteration={self.iteration}, diverged={self.diverged})"


@dataclass(frozen=True)
class Lab:
    """A comparison: the setup, the shared data and one ``ActivationRun`` per activation (setup order)."""

    setup: LabSetup
    data: Data
    runs: tuple[ActivationRun, ...]

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

    def run_of(self, activation: str) -> ActivationRun:
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
        net = build_activation_network(setup, act)
        if data is None:
            data = Data.create(net, setup.loss, X, y)
        profile = gradient_profile(net, data.X_train, data.Y_train, setup.loss)
        runs.append(ActivationRun(act, net, profile, RunState(net), (profile.loss,)))
    if data is None:
        # no activation chosen: keep the data so the page can still describe the problem
        data = Data.create(build_activation_network(setup, "relu"), setup.loss, X, y)
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
        # engine.evaluate's arithmetic without its input checks: lab.data was checked when the lab began
        net, X, Y = result.state.net, lab.data.X_train, lab.data.Y_train
        losses.append(loss_of_forward(net, forward_pass(net, X), Y, lab.loss, 0.0))
        trained = replace(
            r,
            state=result.state,
            losses=tuple(losses),
            records=r.records + tuple(result.records),
            stop_reason=result.stop_reason or r.stop_reason,
        )
        before = r.__dict__.get(_NORMS)
        if before is not None:
            # the matrix grows by the new columns rather than being rebuilt from every record
            norms = _norm_columns(result.records, r.initial.n_layers, before)
            object.__setattr__(trained, _NORMS, norms)
        runs.append(trained)
    return replace(lab, runs=tuple(runs))


# -- why it happens: derivatives, saturation, dead units ------------------------------------------


# -- exploding gradients: the weight scale, and clipping ------------------------------------------


# -- symmetry: identical units stay identical -------------------------------------------------------
