"""Immutable records of one training iteration, phase by phase.

Vocabulary (shared with the UI): ``z`` pre-activation, ``a`` activation, ``dL_da = dL/da``,
``delta = dL/dz``, ``dW = dL/dW``, ``db = dL/db``, ``lr`` learning rate. Lists are indexed by
layer ``l`` = 0 for the first layer after the input (the app calls it "layer 1").
Shapes, with m samples and ``n_l`` neurons in layer l: ``z[l], a[l], dL_da[l], delta[l]``:
``(m, n_l)``; ``dW[l]``: ``(n_{l-1}, n_l)``; ``db[l]``: ``(n_l,)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .losses import get_loss
from .network import MLP
from .numerics import quiet
from .optimizers import OptimizerState, clip_scale

# Traces are compared by identity (``eq=False``): a generated ``__eq__`` would compare numpy arrays,
# which has no single truth value.


def _norms(arrays: list[np.ndarray]) -> np.ndarray:
    # a diverging run's gradients overflow the sum of squares: the norm is then inf, quietly
    with quiet():
        return np.array([np.sqrt(np.dot(x.ravel(), x.ravel())) for x in arrays])


def _all_finite(arrays: Iterable[np.ndarray]) -> bool:
    # a finite sum means no NaN or infinity is in it (either would make the sum NaN or infinite), and
    # the same holds for the sum of the arrays' sums: one sum per array, one errstate for them all;
    # a sum that overflows although every entry is finite falls back to checking each entry
    arrays = tuple(arrays)
    with quiet():
        total = 0.0
        for x in arrays:
            total += np.add.reduce(x, axis=None)
    return bool(np.isfinite(total)) or all(bool(np.isfinite(x).all()) for x in arrays)


@dataclass(frozen=True, repr=False, eq=False)
class ForwardTrace:
    """The forward pass: ``x`` (the inputs, ``(m, n_in)``) and ``z[l]``, ``a[l]`` per layer."""

    x: np.ndarray
    z: list[np.ndarray]
    a: list[np.ndarray]
    activations: tuple[str, ...]

    @property
    def output(self) -> np.ndarray:
        """The network's prediction ``a[L-1]``: ``(m, n_out)``."""
        return self.a[-1]

    def a_prev(self, layer: int) -> np.ndarray:
        """The input to ``layer``: ``x`` for layer 0, else ``a[layer - 1]``."""
        return self.x if layer == 0 else self.a[layer - 1]

    def __repr__(self) -> str:
        return f"ForwardTrace(m={self.x.shape[0]}, layers={len(self.z)})"


@dataclass(frozen=True, repr=False, eq=False)
class LossTrace:
    """The loss of a batch and the error signal it sends into the output layer.

    ``value = data_loss + penalty``; ``data_loss = mean(per_sample)``; ``penalty`` is the L2
    term ``l2/2 * sum of squared weights``. ``dL_da`` and ``output_delta`` are of the batch loss
    and carry the ``1/m`` of the average; ``shortcut`` says whether ``output_delta`` was formed
    directly as ``(a - y) * scale`` (sigmoid + bce, softmax + cross_entropy) instead of
    ``dL_da * f'(z)``. ``output`` is the network's prediction ``a`` the loss was measured on.
    """

    name: str
    y: np.ndarray
    per_sample: np.ndarray
    data_loss: float
    penalty: float
    l2: float
    output: np.ndarray
    output_delta: np.ndarray
    shortcut: bool
    given_dL_da: np.ndarray | None = None  # the dL/da the loss pass used, when it formed one

    @cached_property
    def dL_da(self) -> np.ndarray:
        """``dL/da`` at the output, ``(m, k)``.

        With the shortcut the backward pass never needs it, so it is worked out only when
        someone looks; otherwise it is the one the engine used (``given_dL_da``).
        """
        if self.given_dL_da is not None:
            return self.given_dL_da
        with quiet():
            return get_loss(self.name).grad(self.output, self.y)

    @property
    def value(self) -> float:
        return self.data_loss + self.penalty

    @property
    def m(self) -> int:
        return self.y.shape[0]

    @property
    def averaging_note(self) -> str:
        """Where the average over samples enters the gradients, in words."""
        k = self.y.shape[1]
        scale = f"1/(m*k) = 1/{self.m * k}" if self.name in ("mse", "bce") and k > 1 else f"1/m = 1/{self.m}"
        return (
            f"The loss is averaged over the batch, so dL/da at the output carries the factor {scale}; "
            "every delta and every gradient inherits it. A sample's own error signal is m * delta."
        )

    def __repr__(self) -> str:
        return f"LossTrace({self.name}, value={self.value:.6g}, shortcut={self.shortcut})"


@dataclass(frozen=True, repr=False, eq=False)
class BackwardTrace:
    """The backward pass: per layer ``dL_da``, ``delta = dL/dz``, ``dW``, ``db``.

    ``dW[l] = a_prev.T @ delta[l] + l2 * W[l]`` and ``db[l] = sum over samples of delta[l]``.
    ``hidden_dL_da`` holds ``dL/da`` of the hidden layers (the output layer's entry is taken from
    ``loss_trace``, where it was formed); ``dL_da`` lists every layer's.
    """

    hidden_dL_da: list[np.ndarray | None]
    delta: list[np.ndarray]
    dW: list[np.ndarray]
    db: list[np.ndarray]
    loss_trace: LossTrace | None = None

    @cached_property
    def dL_da(self) -> list[np.ndarray]:
        """``dL/da[l]`` for every layer ``l``, the output layer's from the loss."""
        if self.loss_trace is None or not self.hidden_dL_da:
            return list(self.hidden_dL_da)
        return [*self.hidden_dL_da[:-1], self.loss_trace.dL_da]

    @property
    def sample_delta(self) -> list[np.ndarray]:
        """Each sample's own error signal ``dL_i/dz``: ``m * delta`` (undoing the average)."""
        with quiet():
            return [d * d.shape[0] for d in self.delta]

    @cached_property
    def layer_grad_norms(self) -> np.ndarray:
        """``||dW[l]||`` (Frobenius) per layer."""
        return _norms(self.dW)

    @cached_property
    def delta_norms(self) -> np.ndarray:
        """``||delta[l]||`` per layer."""
        return _norms(self.delta)

    @cached_property
    def layer_bias_grad_norms(self) -> np.ndarray:
        return _norms(self.db)

    def __repr__(self) -> str:
        return f"BackwardTrace(layers={len(self.delta)})"


@dataclass(frozen=True, repr=False, eq=False)
class UpdateTrace:
    """The weight update: the change applied to every parameter and the parameters around it.

    ``step_W[l] = W_after[l] - W_before[l]`` (``-lr * dW[l]`` for plain SGD). ``clip_scale`` is
    the factor the gradients were multiplied by before the optimiser saw them (1 = not clipped);
    ``global_grad_norm`` the global norm before clipping, over ``grads`` (the gradients of the trainable
    parameters, ``None`` for frozen ones). Frozen biases get a zero step.
    """

    lr: float
    optimizer: str
    step_W: list[np.ndarray]
    step_b: list[np.ndarray]
    state: OptimizerState
    grads: list[np.ndarray | None]
    clip_scale: float
    freeze_biases: bool
    net_before: MLP
    net_after: MLP
    given_global_grad_norm: float | None = None  # the global norm clipping worked out, when it did

    @cached_property
    def global_grad_norm(self) -> float:
        """The global gradient norm before clipping (worked out when clipping needed it, else on look)."""
        if self.given_global_grad_norm is not None:
            return self.given_global_grad_norm
        with quiet():
            return clip_scale(self.grads, None)[0]

    def __repr__(self) -> str:
        return f"UpdateTrace({self.optimizer}, lr={self.lr:g}, clip_scale={self.clip_scale:.3g})"


@dataclass(frozen=True, repr=False, eq=False)
class StepTrace:
    """One whole training iteration: forward, loss, backward, update.

    Convenience properties expose the parts under the public names ``loss`` (before the
    update), ``dW``, ``db``, ``z``, ``a``, ``delta``, ``net_after``.
    """

    forward: ForwardTrace
    loss_trace: LossTrace
    backward: BackwardTrace
    update: UpdateTrace

    @property
    def loss(self) -> float:
        return self.loss_trace.value

    @property
    def per_sample_loss(self) -> np.ndarray:
        return self.loss_trace.per_sample

    @property
    def x(self) -> np.ndarray:
        return self.forward.x

    @property
    def y(self) -> np.ndarray:
        return self.loss_trace.y

    @property
    def z(self) -> list[np.ndarray]:
        return self.forward.z

    @property
    def a(self) -> list[np.ndarray]:
        return self.forward.a

    @property
    def output(self) -> np.ndarray:
        return self.forward.output

    @property
    def dL_da(self) -> list[np.ndarray]:
        return self.backward.dL_da

    @property
    def delta(self) -> list[np.ndarray]:
        return self.backward.delta

    @property
    def dW(self) -> list[np.ndarray]:
        return self.backward.dW

    @property
    def db(self) -> list[np.ndarray]:
        return self.backward.db

    @property
    def layer_grad_norms(self) -> np.ndarray:
        return self.backward.layer_grad_norms

    @property
    def net_before(self) -> MLP:
        return self.update.net_before

    @property
    def net_after(self) -> MLP:
        return self.update.net_after

    @property
    def optimizer_state(self) -> OptimizerState:
        return self.update.state

    @cached_property
    def non_finite(self) -> bool:
        """True when the loss, a gradient or an updated parameter is NaN or infinite."""
        if not np.isfinite(self.loss) or not np.isfinite(self.update.global_grad_norm):
            return True
        return not _all_finite((*self.net_after.weights, *self.net_after.biases))

    def __repr__(self) -> str:
        return (
            f"StepTrace(loss={self.loss:.6g}, m={self.x.shape[0]}, optimizer={self.update.optimizer}, "
            f"non_finite={self.non_finite})"
        )
