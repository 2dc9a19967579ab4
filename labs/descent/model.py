"""Gradient descent on one weight: the iterates, the critical learning rates, the regime.

The problem is the engine's single-weight example: ``y = w * x`` with ``x = 5``, target 12, one
sample, no bias. With the ``mse`` loss ``L(w) = (w x - y)^2`` (the default here) the slope is
``L'(w) = 2 x (w x - y)`` and the curvature ``L'' = 2 x^2 = 50``, the same for every ``w``.
With ``half_sse``, ``L = 1/2 (w x - y)^2``, the curvature is ``x^2 = 25``.

Because ``L`` is a parabola, one step of gradient descent shrinks the distance to the minimum
``w*`` by a fixed factor::

    w_next - w* = (1 - lr * L'') * (w - w*)        call r = 1 - lr * L''

so the critical learning rates are ``1 / L''`` (r = 0: one step lands on w*) and ``2 / L''``
(r = -1: the iterates bounce between two points forever). Below ``1 / L''`` they approach from
one side (0 < r < 1), between the two they overshoot and oscillate inward (-1 < r < 0), above
``2 / L''`` they overshoot further every step and diverge (r < -1). Halving the loss (the
``1/2`` convention) halves ``L''`` and so doubles both critical rates.

The iterates come from the engine's ``train_step``; the curvature and ``w*`` are measured from
the engine's gradients, not typed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from backprop_core.datasets import Example, single_weight
from backprop_core.engine import train_step
from backprop_core.losses import LOSSES
from backprop_core.network import MLP
from backprop_core.passes import quiet

# "too slow": still further than this share of the starting distance after the chosen steps
TOO_SLOW_SHARE = 0.01
# lr * L'' within this relative tolerance of 1 or 2 counts as exactly critical (0.02 * 50 rounds)
CRITICAL_RTOL = 1e-9
ONE_WEIGHT_LOSSES: tuple[str, ...] = ("mse", "half_sse")


def one_weight_example(loss_name: str = "mse") -> Example:
    """The engine's single-weight example (``x = 5``, target 12, ``w = 2``) with the loss ``loss_name``."""
    if loss_name not in ONE_WEIGHT_LOSSES:
        raise ValueError(
            f"unknown loss {loss_name!r} for the one-weight lesson; expected one of mse, half_sse"
        )
    return replace(single_weight(), loss=loss_name)


def _net(example: Example, w: float) -> MLP:
    return example.net.with_params([[[float(w)]]], example.net.biases)


def gradient_at(example: Example, w: float) -> tuple[float, float]:
    """``(L(w), dL/dw)`` from one forward and backward pass of the engine."""
    trace = train_step(_net(example, w), example.X, example.Y, loss=example.loss, lr=0.0, freeze_biases=True)
    return trace.loss, float(trace.dW[0][0, 0])


def loss_curve(example: Example, w: np.ndarray) -> np.ndarray:
    """``L(w)`` at every weight in ``w`` (any shape) with the engine's loss function.

    The prediction of ``y = w x`` for the one sample is ``a = w x``; every weight is treated as
    its own one-sample batch, so ``per_sample`` returns one loss per weight.
    """
    w = np.asarray(w, dtype=float)
    a = w.reshape(-1, 1) * float(example.X[0, 0])
    with quiet():
        values = LOSSES[example.loss].per_sample(a, a, np.full_like(a, float(example.Y[0, 0])))
    return values.reshape(w.shape)


def curvature(example: Example) -> float:
    """``L''`` measured from the engine's gradients: ``dL/dw(1) - dL/dw(0)``.

    The slope of a parabola is a straight line, so the difference of the slopes one unit apart
    is the curvature exactly (up to rounding).
    """
    return gradient_at(example, 1.0)[1] - gradient_at(example, 0.0)[1]


def minimum(example: Example) -> float:
    """``w*``, the weight with zero slope: one Newton step ``w - L'(w) / L''`` from ``w = 0``."""
    return 0.0 - gradient_at(example, 0.0)[1] / curvature(example)


@dataclass(frozen=True)
class CriticalRates:
    """The two critical learning rates of a parabola with curvature ``curvature``."""

    curvature: float

    @property
    def one_step(self) -> float:
        """``1 / L''``: the first step lands exactly on the minimum."""
        return 1.0 / self.curvature

    @property
    def bounce(self) -> float:
        """``2 / L''``: the iterates bounce between two points forever; above it they diverge."""
        return 2.0 / self.curvature


def critical_rates(example: Example) -> CriticalRates:
    return CriticalRates(curvature(example))


# regime kind -> how the iterates behave, in the learner's words
REGIME_TEXT: dict[str, str] = {
    "one-sided": "approach the minimum from one side, each step shorter than the last",
    "one step": "land exactly on the minimum in one step",
    "oscillating": "overshoot the minimum and oscillate inward, changing side every step",
    "bouncing": "bounce between two points on either side of the minimum forever",
    "diverging": "overshoot further every step and run away: training diverges",
}


@dataclass(frozen=True)
class Regime:
    """What learning rate ``lr`` does on a parabola with curvature ``L''``.

    ``kind`` is a key of ``REGIME_TEXT``. ``factor`` is ``r = 1 - lr * L''``, the factor the
    distance to the minimum is multiplied by at every step. ``remaining`` is the share of the
    starting distance left after ``steps`` steps, ``|r| ** steps``. ``too_slow`` marks a
    converging rate that still leaves more than ``TOO_SLOW_SHARE`` of the distance.
    """

    kind: str
    lr: float
    factor: float
    steps: int
    remaining: float
    too_slow: bool

    @property
    def converges(self) -> bool:
        return self.kind in ("one-sided", "one step", "oscillating")

    @property
    def text(self) -> str:
        return REGIME_TEXT[self.kind]

    @property
    def headline(self) -> str:
        """A short name for the regime, with "too slow" taking precedence when it applies."""
        if self.too_slow:
            return "too slow"
        return {"one-sided": "converges from one side"}.get(self.kind, self.kind)


def classify(lr: float, curvature: float, steps: int) -> Regime:
    """The regime of ``lr`` for curvature ``L'' > 0`` after ``steps`` steps."""
    if not (math.isfinite(curvature) and curvature > 0):
        raise ValueError(f"the curvature must be a positive number, got {curvature!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
    if steps < 0:
        raise ValueError(f"the number of steps must be >= 0, got {steps!r}")
    product = lr * curvature
    factor = 1.0 - product
    if math.isclose(product, 1.0, rel_tol=CRITICAL_RTOL):
        kind, factor = "one step", 0.0
    elif math.isclose(product, 2.0, rel_tol=CRITICAL_RTOL):
        kind, factor = "bouncing", -1.0
    elif product < 1.0:
        kind = "one-sided"
    elif product < 2.0:
        kind = "oscillating"
    else:
        kind = "diverging"
    with quiet():
        remaining = float(np.float64(abs(factor)) ** steps) if steps else 1.0
    too_slow = kind in ("one-sided", "oscillating") and remaining > TOO_SLOW_SHARE
    return Regime(kind, lr, factor, steps, remaining, too_slow)


@dataclass(frozen=True)
class WeightStep:
    """One gradient-descent step on the single weight.

    ``w`` before the step, ``loss = L(w)``, ``grad = dL/dw``, ``update = -lr * dL/dw`` (the
    engine's change to the weight) and ``w_next = w + update``.
    """

    k: int
    w: float
    loss: float
    grad: float
    update: float
    w_next: float


@dataclass(frozen=True)
class WeightRun:
    """Gradient descent from ``w0`` for up to ``steps`` steps.

    ``steps_taken`` holds one ``WeightStep`` per step; the run stops early (``stopped``) when a
    number becomes infinite. ``w_star`` is the minimum and ``rates`` the critical rates.
    """

    example: Example
    lr: float
    w0: float
    steps: int
    steps_taken: tuple[WeightStep, ...]
    w_star: float
    rates: CriticalRates
    regime: Regime
    stopped: bool

    @property
    def weights(self) -> np.ndarray:
        """``w_0, w_1, ..., w_n``: every iterate including the start, ``(len(steps_taken) + 1,)``."""
        return np.array([self.w0, *(s.w_next for s in self.steps_taken)])

    @cached_property
    def _last(self) -> tuple[float, float]:
        # the last iterate has no step of its own: one more forward and backward pass measures it
        return gradient_at(self.example, float(self.weights[-1]))

    @property
    def losses(self) -> np.ndarray:
        """``L(w_k)`` for every iterate ``(len(steps_taken) + 1,)``."""
        return np.array([*(s.loss for s in self.steps_taken), self._last[0]])

    @property
    def grads(self) -> np.ndarray:
        """``dL/dw`` at every iterate ``(len(steps_taken) + 1,)``."""
        return np.array([*(s.grad for s in self.steps_taken), self._last[1]])

    @property
    def distances(self) -> np.ndarray:
        """``|w_k - w*|`` for every iterate."""
        with quiet():
            return np.abs(self.weights - self.w_star)

    @property
    def remaining(self) -> float:
        """Share of the starting distance left after the last step (NaN if starting at ``w*``)."""
        d = self.distances
        return float(d[-1] / d[0]) if d[0] > 0 else float("nan")


def descend(w0: float, lr: float, steps: int, loss_name: str = "mse") -> WeightRun:
    """Run gradient descent on the single-weight example from ``w0``: ``steps`` engine steps."""
    if not math.isfinite(w0):
        raise ValueError(f"the starting weight must be a finite number, got {w0!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"the number of steps must be a whole number >= 0, got {steps!r}")
    example = one_weight_example(loss_name)
    rates = critical_rates(example)
    regime = classify(lr, rates.curvature, int(steps))
    taken: list[WeightStep] = []
    net = _net(example, w0)
    stopped = False
    for k in range(int(steps)):
        trace = train_step(net, example.X, example.Y, loss=example.loss, lr=lr, freeze_biases=True)
        if trace.non_finite:
            stopped = True
            break
        w = float(net.weights[0][0, 0])
        update = float(trace.update.step_W[0][0, 0])
        w_next = float(trace.net_after.weights[0][0, 0])
        taken.append(WeightStep(k, w, trace.loss, float(trace.dW[0][0, 0]), update, w_next))
        net = trace.net_after
    return WeightRun(
        example, lr, float(w0), int(steps), tuple(taken), minimum(example), rates, regime, stopped
    )
