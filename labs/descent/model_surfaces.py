"""Loss surfaces of two parameters and optimiser trajectories on them.

Three surfaces, keyed by the names the learner sees:

* ``single neuron (w, b)``: the loss of one sigmoid neuron ``a = sigmoid(w x + b)`` with binary
  cross-entropy on ``NEURON_X, NEURON_Y`` (24 one-dimensional samples), as a function of its
  weight and bias. Losses and gradients come from the engine (forward, loss, backward).
* ``ravine``: the ill-conditioned quadratic ``L = 1/2 (w1^2 + 40 w2^2)``: 40 times steeper
  across the ravine (w2) than along it (w1), so one learning rate is too small for w1 when it is
  already too large for w2.
* ``curved valley``: ``L = (1 - w1)^2 + 10 (w2 - w1^2)^2``, a banana-shaped valley (a gentler
  Rosenbrock function) with its minimum at (1, 1).

Trajectories reuse ``optimizers.optimizer_step``, so SGD, momentum and Adam follow the engine's
PyTorch update rules. Batch-mode runs on the neuron reuse the engine's ``runner.run``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from backprop_core.activations import ACTIVATIONS
from backprop_core.engine import backward, compute_loss, forward
from backprop_core.losses import LOSSES
from backprop_core.network import MLP
from backprop_core.optimizers import Optimizer, optimizer_step
from backprop_core.passes import forward_pass, loss_pass, quiet
from backprop_core.pytorch.descent import DescentSurface, neuron_surface, quadratic_surface, valley_surface
from backprop_core.runner import Data, RunState, TrainConfig, run

# the neuron's data: x in [-3, 3]; y = 1 mostly for larger x, with some overlap so that the best
# (w, b) is finite (drawn once from sigmoid(1.5 x - 0.75) with seed 7, then written out)
NEURON_X = np.array([
    0.75, 2.38, 1.65, -1.65, -1.2, 2.24, -2.97, 1.93, 1.78, -0.19, -1.18, -1.33,
    -1.47, -0.33, 0.03, 0.32, 2.97, 1.76, 0.73, 2.93, -1.71, -2.04, 0.68, -2.74,
])  # fmt: skip
NEURON_Y = np.array([
    1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0,
    0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0,
], dtype=float)  # fmt: skip
NEURON_LOSS = "bce"

# a trajectory is stopped as diverged once a parameter leaves this box or becomes non-finite
RUNAWAY = 1e6
MAX_STEPS = 2000


def neuron_net(w: float, b: float) -> MLP:
    """The 1-1 sigmoid neuron with weight ``w`` and bias ``b``."""
    return MLP.from_params([[[float(w)]]], [[float(b)]], ["sigmoid"])


_NEURON_XY = (NEURON_X[:, None], NEURON_Y[:, None])


def neuron_grad(p: np.ndarray, X: np.ndarray | None = None, Y: np.ndarray | None = None) -> np.ndarray:
    """``(dL/dw, dL/db)`` of the neuron at ``p = (w, b)`` on ``X, Y`` (default: all 24 samples).

    One engine forward pass, loss and backward pass. With the built-in data (checked once, here)
    the engine's unchecked inner passes are used: a trajectory calls this hundreds of times.
    """
    if X is None and Y is None:
        w, b = float(p[0]), float(p[1])
        if not (np.isfinite(w) and np.isfinite(b)):
            raise ValueError(f"the neuron's weight and bias must be finite, got {(w, b)!r}")
        net = MLP.trusted([np.array([[w]], dtype=float)], [np.array([b], dtype=float)], ("sigmoid",))
        fwd = forward_pass(net, _NEURON_XY[0])
        back = backward(net, fwd, loss_pass(net, fwd, _NEURON_XY[1], NEURON_LOSS, 0.0))
    else:
        net = neuron_net(p[0], p[1])
        fwd = forward(net, X)
        back = backward(net, fwd, compute_loss(net, fwd, Y, NEURON_LOSS))
    return np.array([back.dW[0][0, 0], back.db[0][0]])


def neuron_loss(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """The neuron's loss at many ``(w, b)`` at once (any matching shapes), from the engine's registries.

    ``z`` gets one extra last axis of the 24 samples; the bce of ``LOSSES`` averages over that
    last axis, which makes it the batch loss at every grid point. ``tests`` check it against
    ``engine.evaluate`` point by point.
    """
    w1, w2 = np.broadcast_arrays(np.asarray(w1, float), np.asarray(w2, float))
    z = w1.reshape(-1, 1) * NEURON_X + w2.reshape(-1, 1)
    a = ACTIVATIONS["sigmoid"].f(z)
    return LOSSES[NEURON_LOSS].per_sample(a, z, NEURON_Y).reshape(w1.shape)


RAVINE_CURVATURES = np.array([1.0, 40.0])


def _ravine_loss(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return 0.5 * (RAVINE_CURVATURES[0] * np.square(w1) + RAVINE_CURVATURES[1] * np.square(w2))


def _ravine_grad(p: np.ndarray) -> np.ndarray:
    return RAVINE_CURVATURES * p


VALLEY_STEEPNESS = 10.0


def _valley_loss(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return np.square(1.0 - w1) + VALLEY_STEEPNESS * np.square(w2 - np.square(w1))


def _valley_grad(p: np.ndarray) -> np.ndarray:
    w1, w2 = p
    inner = w2 - w1 * w1
    return np.array([-2.0 * (1.0 - w1) - 4.0 * VALLEY_STEEPNESS * w1 * inner, 2.0 * VALLEY_STEEPNESS * inner])


@dataclass(frozen=True)
class Surface:
    """A loss ``L(w1, w2)`` with its gradient, the view to draw and sensible starting settings.

    ``loss(w1, w2)`` works element-wise on arrays; ``grad(p)`` takes ``p = (w1, w2)`` and returns
    ``(dL/dw1, dL/dw2)``. ``box = (w1_lo, w1_hi, w2_lo, w2_hi)``. ``lrs`` holds the default
    learning rate of each optimiser (keys ``sgd``, ``momentum``, ``adam``).
    """

    name: str
    labels: tuple[str, str]
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    box: tuple[float, float, float, float]
    start: tuple[float, float]
    minimum: tuple[float, float]
    threshold: float
    lrs: dict[str, float]
    steps: int
    formula: str
    description: str

    def value(self, p: np.ndarray) -> float:
        return float(self.loss(np.asarray(p[0]), np.asarray(p[1])))

    def contains(self, p: tuple[float, float]) -> bool:
        lo1, hi1, lo2, hi2 = self.box
        return lo1 <= p[0] <= hi1 and lo2 <= p[1] <= hi2


# the neuron's minimum, found once with Newton's method on the engine's gradients (the test
# suite checks that the gradient there is zero)
NEURON_MINIMUM = (1.61662432979, 0.18748999665)

SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface(
            "single neuron (w, b)",
            ("weight w", "bias b"),
            neuron_loss,
            neuron_grad,
            (-4.0, 6.0, -5.0, 5.0),
            (-3.0, 3.0),
            NEURON_MINIMUM,
            0.32,
            {"sgd": 1.0, "momentum": 0.1, "adam": 0.2},
            150,
            r"L(w, b) = -\frac{1}{24}\sum_{i=1}^{24} \left[y_i \log a_i + (1 - y_i)\log(1 - a_i)\right],"
            r"\quad a_i = \sigma(w x_i + b)",
            "one sigmoid neuron on 24 labelled points, binary cross-entropy: the loss as a function "
            "of its weight and bias",
        ),
        Surface(
            "ravine",
            ("w1", "w2"),
            _ravine_loss,
            _ravine_grad,
            (-10.0, 10.0, -3.0, 3.0),
            (-8.0, 1.5),
            (0.0, 0.0),
            0.01,
            {"sgd": 0.045, "momentum": 0.01, "adam": 0.3},
            150,
            r"L(w_1, w_2) = \tfrac{1}{2}\left(w_1^2 + 40\, w_2^2\right)",
            "an ill-conditioned quadratic: 40 times steeper across the ravine (w2) than along it (w1)",
        ),
        Surface(
            "curved valley",
            ("w1", "w2"),
            _valley_loss,
            _valley_grad,
            (-2.0, 2.0, -1.0, 3.0),
            (-1.5, 2.0),
            (1.0, 1.0),
            0.01,
            {"sgd": 0.01, "momentum": 0.003, "adam": 0.1},
            150,
            r"L(w_1, w_2) = (1 - w_1)^2 + 10\,(w_2 - w_1^2)^2",
            "a curved, banana-shaped valley (a gentle Rosenbrock function) with its minimum at (1, 1)",
        ),
    )
}


def script_surface(name: str) -> DescentSurface:
    """Surface ``name`` as ``backprop_core.pytorch.descent_script`` writes it out."""
    s = get_surface(name)
    if s.name == "ravine":
        return quadratic_surface(RAVINE_CURVATURES, s.name)
    if s.name == "curved valley":
        return valley_surface(VALLEY_STEEPNESS, s.name)
    return neuron_surface(NEURON_X, NEURON_Y, s.name)


def get_surface(name: str) -> Surface:
    try:
        return SURFACES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown surface {name!r}; expected one of {', '.join(SURFACES)}") from None


@dataclass(frozen=True)
class SurfaceGrid:
    """``loss[i, j] = L(w1[j], w2[i])``: ``w1`` ``(nx,)``, ``w2`` ``(ny,)``, ``loss`` ``(ny, nx)``."""

    surface: str
    w1: np.ndarray
    w2: np.ndarray
    loss: np.ndarray


def surface_grid(name: str, n: int = 101) -> SurfaceGrid:
    """The loss of surface ``name`` on an ``n`` x ``n`` grid spanning its box."""
    s = get_surface(name)
    if not 2 <= n <= 1000:
        raise ValueError(f"grid size must be from 2 to 1000, got {n!r}")
    lo1, hi1, lo2, hi2 = s.box
    w1 = np.linspace(lo1, hi1, n)
    w2 = np.linspace(lo2, hi2, n)
    W1, W2 = np.meshgrid(w1, w2)
    return SurfaceGrid(s.name, w1, w2, s.loss(W1, W2))


@dataclass(frozen=True)
class Trajectory:
    """Where an optimiser went: ``points`` ``(k + 1, 2)`` from the start, ``losses`` ``(k + 1,)``.

    ``grads`` ``(k, 2)``: the gradient used at each step. ``diverged`` says the run stopped
    because a parameter became non-finite or left the box ``|p| <= RUNAWAY``.
    """

    surface: str
    optimizer: Optimizer
    lr: float
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    steps: int
    diverged: bool

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to(self, threshold: float) -> int | None:
        """The first step count after which the loss is ``<= threshold`` (0: the start already is)."""
        return steps_to_threshold(self.losses, threshold)


def steps_to_threshold(losses: np.ndarray, threshold: float) -> int | None:
    """Index of the first loss ``<= threshold``, or ``None`` if no loss gets there."""
    hits = np.flatnonzero(np.asarray(losses) <= threshold)
    return int(hits[0]) if hits.size else None


def trajectory(
    name: str, optimizer: str | Optimizer, lr: float, start: tuple[float, float], steps: int
) -> Trajectory:
    """``steps`` optimiser steps on surface ``name`` from ``start``, with the engine's update rule."""
    s = get_surface(name)
    opt = optimizer if isinstance(optimizer, Optimizer) else Optimizer(optimizer)
    if not (np.isfinite(lr) and lr >= 0):
        raise ValueError(f"learning rate must be a finite number >= 0, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}")
    p = np.array(start, dtype=float)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"the start must be two finite numbers (w1, w2), got {start!r}")
    points, grads = [p], []
    state = None
    diverged = False
    with quiet():
        for _ in range(int(steps)):
            g = s.grad(p)
            changes, state = optimizer_step(opt, [p], [g], lr, state)
            p = p + changes[0]
            if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > RUNAWAY:
                diverged = True
                break
            grads.append(g)
            points.append(p)
        path = np.array(points)
        # the loss at every point in one vectorised call
        losses = s.loss(path[:, 0], path[:, 1])
    return Trajectory(
        s.name,
        opt,
        float(lr),
        path,
        np.asarray(losses, dtype=float),
        np.array(grads).reshape(-1, 2),
        steps,
        diverged,
    )


# -- batch modes on the neuron -------------------------------------------------------------------

BATCH_MODES: tuple[str, ...] = ("full batch", "mini-batch", "one sample at a time")


@dataclass(frozen=True)
class BatchRun:
    """One batch mode trained with plain SGD from the same start on the neuron's 24 samples.

    ``points`` ``(k + 1, 2)``: ``(w, b)`` at the start and after every iteration. ``loss``
    ``(k + 1,)``: the loss on all 24 samples at each of those points (the contour plot's loss).
    ``epoch`` ``(k + 1,)``: how many epochs had passed at each point (fractional inside an epoch).
    """

    mode: str
    batch_size: int
    points: np.ndarray
    loss: np.ndarray
    epoch: np.ndarray
    diverged: bool

    @property
    def iterations(self) -> int:
        return len(self.points) - 1

    @cached_property
    def iterations_per_epoch(self) -> int:
        return -(-len(NEURON_X) // self.batch_size)


def batch_mode_run(
    mode: str, start: tuple[float, float], lr: float, epochs: int, batch_size: int, seed: int = 0
) -> BatchRun:
    """Train the neuron for ``epochs`` epochs in ``mode`` (``batch_size`` is the mini-batch size).

    Uses the engine's ``runner.run``: every epoch draws a fresh shuffle from ``seed``.
    """
    n = len(NEURON_X)
    if mode not in BATCH_MODES:
        raise ValueError(f"unknown batch mode {mode!r}; expected one of {', '.join(BATCH_MODES)}")
    if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n:
        raise ValueError(f"mini-batch size must be a whole number from 1 to {n}, got {batch_size!r}")
    size = {"full batch": n, "mini-batch": int(batch_size), "one sample at a time": 1}[mode]
    net = neuron_net(*start)
    data = Data.create(net, NEURON_LOSS, NEURON_X[:, None], NEURON_Y[:, None])
    config = TrainConfig(NEURON_LOSS, lr, batch_size=None if size == n else size, seed=seed)
    # the runner's own per-iteration evaluation is skipped: the loss on all samples at every
    # point is computed afterwards in one vectorised call (the same engine loss, tested equal)
    result = run(RunState(net), data, config, epochs=epochs, keep_nets=True, evaluate=False)
    points = np.array(
        [(float(start[0]), float(start[1]))]
        + [(float(m.weights[0][0, 0]), float(m.biases[0][0])) for m in result.nets]
    )
    loss = neuron_loss(points[:, 0], points[:, 1])
    epoch = np.array([0.0, *(r.epoch for r in result.records)])
    return BatchRun(mode, size, points, loss, epoch, result.state.diverged)
