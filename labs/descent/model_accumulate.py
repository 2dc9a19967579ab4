"""Gradient accumulation as PyTorch does it, with an explicit reset.

In PyTorch every parameter keeps a ``.grad``; ``loss.backward()`` *adds* the new gradient into
it, ``optimizer.step()`` reads it, and ``optimizer.zero_grad()`` clears it. A training loop
that forgets ``zero_grad()`` therefore steps along the sum of every gradient so far.
(TensorFlow's ``GradientTape.gradient`` and JAX's ``jax.grad`` return fresh gradients on every
call, so there is nothing to reset.)

``GradBuffer`` is that ``.grad`` store as an immutable value: ``accumulate`` is what a backward
pass does to it, ``zero`` is ``zero_grad()``. Since PyTorch 2.0 ``zero_grad()`` sets ``.grad`` to
``None`` rather than to zeros; the next backward pass then stores its gradient as it is, which
gives the same numbers as adding it to zeros.

The useful side: the engine's loss is the *mean* over a batch, so the full-batch loss is the
share-weighted sum of the mini-batch losses, ``L = sum_i (m_i / n) L_i``, and the gradient of a
sum is the sum of the gradients. Accumulating every mini-batch's gradient scaled by its share
``m_i / n`` therefore gives the full-batch gradient (``accumulated_gradient``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_core.datasets import Example, single_weight
from backprop_core.engine import backward, compute_loss, forward, update
from backprop_core.network import MLP
from backprop_core.optimizers import OptimizerState
from backprop_core.trace import BackwardTrace
from backprop_core.validation import as_inputs, as_targets, check_lr


@dataclass(frozen=True)
class GradBuffer:
    """The stored gradients ``.grad`` of every parameter; ``None`` when nothing is stored.

    ``dW[l]`` has the shape of ``W[l]`` and ``db[l]`` that of ``b[l]``.
    """

    dW: tuple[np.ndarray, ...] | None = None
    db: tuple[np.ndarray, ...] | None = None

    @property
    def empty(self) -> bool:
        return self.dW is None

    def accumulate(self, grads: BackwardTrace, scale: float = 1.0) -> GradBuffer:
        """What ``(scale * loss).backward()`` does: add ``scale`` times the new gradients."""
        new_W = tuple(scale * g for g in grads.dW)
        new_b = tuple(scale * g for g in grads.db)
        if self.dW is None or self.db is None:
            return GradBuffer(new_W, new_b)
        return GradBuffer(
            tuple(old + g for old, g in zip(self.dW, new_W, strict=True)),
            tuple(old + g for old, g in zip(self.db, new_b, strict=True)),
        )

    def zero(self) -> GradBuffer:
        """``optimizer.zero_grad()``: forget every stored gradient."""
        return GradBuffer()

    def as_backward(self) -> BackwardTrace:
        """The stored gradients as ``engine.update`` reads them (as ``optimizer.step()`` reads ``.grad``)."""
        if self.dW is None or self.db is None:
            raise ValueError("no gradients are stored yet: run a backward pass first")
        return BackwardTrace([], [], list(self.dW), list(self.db))

    def max_abs_diff(self, grads: BackwardTrace) -> float:
        """The largest ``|stored - grads|`` over every parameter."""
        if self.dW is None or self.db is None:
            raise ValueError("no gradients are stored yet")
        pairs = [*zip(self.dW, grads.dW, strict=True), *zip(self.db, grads.db, strict=True)]
        return max(float(np.max(np.abs(a - b))) for a, b in pairs)


@dataclass(frozen=True)
class AccumStep:
    """One iteration of the loop ``[zero_grad()]; backward(); step()``.

    ``net`` before the step; ``loss`` its batch loss; ``fresh`` the gradients of this backward
    pass; ``stored`` the ``.grad`` the optimiser read (``fresh`` if it was reset, otherwise the
    running sum); ``change_W``/``change_b`` what the step added to each parameter.
    """

    k: int
    net: MLP
    loss: float
    fresh: BackwardTrace
    stored: GradBuffer
    change_W: tuple[np.ndarray, ...]
    change_b: tuple[np.ndarray, ...]
    net_after: MLP


@dataclass(frozen=True)
class AccumRun:
    """The steps of one training loop, with or without ``zero_grad()`` (``reset``)."""

    reset: bool
    lr: float
    steps: tuple[AccumStep, ...]
    requested: int
    stopped: bool

    def series(self, layer: int = 0, i: int = 0, j: int = 0) -> dict[str, np.ndarray]:
        """One weight's story, a value per step: ``w loss fresh stored update w_next``."""
        return {
            "w": np.array([s.net.weights[layer][i, j] for s in self.steps]),
            "loss": np.array([s.loss for s in self.steps]),
            "fresh": np.array([s.fresh.dW[layer][i, j] for s in self.steps]),
            "stored": np.array([s.stored.dW[layer][i, j] for s in self.steps]),  # type: ignore[index]
            "update": np.array([s.change_W[layer][i, j] for s in self.steps]),
            "w_next": np.array([s.net_after.weights[layer][i, j] for s in self.steps]),
        }


def train_with_accumulation(
    example: Example, lr: float, steps: int, *, reset: bool, optimizer: str = "sgd"
) -> AccumRun:
    """Train ``example`` for ``steps`` iterations on its batch, PyTorch style.

    Every iteration: ``zero_grad()`` if ``reset``, then a backward pass that adds into the stored
    gradients, then an optimiser step that reads them. The run stops early (``stopped``) when a
    number becomes NaN or infinite.
    """
    lr = check_lr(lr)
    if not isinstance(steps, (int, np.integer)) or not 0 <= steps <= 1000:
        raise ValueError(f"steps must be a whole number from 0 to 1000, got {steps!r}")
    net = example.net
    X = as_inputs(example.X, net.sizes[0])
    Y = as_targets(example.Y, X.shape[0], net.sizes[-1], example.loss)
    buffer = GradBuffer()
    state: OptimizerState | None = None
    taken: list[AccumStep] = []
    stopped = False
    for k in range(int(steps)):
        if reset:
            buffer = buffer.zero()
        fwd = forward(net, X)
        loss_trace = compute_loss(net, fwd, Y, example.loss)
        fresh = backward(net, fwd, loss_trace)
        buffer = buffer.accumulate(fresh)
        upd = update(net, buffer.as_backward(), lr, optimizer, state, freeze_biases=example.freeze_biases)
        params = [*upd.net_after.weights, *upd.net_after.biases, np.array(loss_trace.value)]
        if not all(np.all(np.isfinite(p)) for p in params):
            stopped = True
            break
        taken.append(
            AccumStep(
                k, net, loss_trace.value, fresh, buffer, tuple(upd.step_W), tuple(upd.step_b), upd.net_after
            )
        )
        net, state = upd.net_after, upd.state
    return AccumRun(bool(reset), lr, tuple(taken), int(steps), stopped)


def zero_grad_lesson(lr: float, steps: int, reset: bool) -> AccumRun:
    """The single-weight example (``y = w x``, ``x = 5``, target 12) trained with or without resets."""
    return train_with_accumulation(single_weight(), lr, steps, reset=reset)


@dataclass(frozen=True)
class AccumulationCheck:
    """Mini-batch gradients accumulated with their shares, next to the full-batch gradient.

    ``batches[i]``: the sample indices of batch i; ``shares[i] = m_i / n``; ``grads[i]``: the
    engine's gradient of batch i's (mean) loss; ``scaled``: sum of ``share_i * grads[i]``;
    ``unscaled``: the plain sum (what accumulating without the shares gives); ``full``: the
    gradient of the whole batch; ``difference``: ``max |scaled - full|``.
    """

    batches: tuple[np.ndarray, ...]
    shares: np.ndarray
    grads: tuple[BackwardTrace, ...]
    scaled: GradBuffer
    unscaled: GradBuffer
    full: BackwardTrace
    difference: float

    @property
    def k(self) -> int:
        return len(self.batches)


def accumulated_gradient(
    net: MLP, X: np.ndarray, Y: np.ndarray, loss_name: str, k: int, order: np.ndarray | None = None
) -> AccumulationCheck:
    """Split ``(X, Y)`` into ``k`` mini-batches (in ``order``, default as given) and accumulate.

    Batch sizes differ by at most one (``numpy.array_split``) when ``k`` does not divide ``n``.
    """
    X = as_inputs(X, net.sizes[0])
    Y = as_targets(Y, X.shape[0], net.sizes[-1], loss_name)
    n = X.shape[0]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"the number of mini-batches must be a whole number from 1 to {n}, got {k!r}")
    order = np.arange(n) if order is None else np.asarray(order)
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must list every sample index 0 to {n - 1} exactly once")
    batches = tuple(np.array_split(order, int(k)))
    scaled, unscaled = GradBuffer(), GradBuffer()
    grads, shares = [], []
    for idx in batches:
        fwd = forward(net, X[idx])
        g = backward(net, fwd, compute_loss(net, fwd, Y[idx], loss_name))
        share = len(idx) / n
        scaled = scaled.accumulate(g, share)
        unscaled = unscaled.accumulate(g)
        grads.append(g)
        shares.append(share)
    fwd = forward(net, X)
    full = backward(net, fwd, compute_loss(net, fwd, Y, loss_name))
    return AccumulationCheck(
        batches, np.array(shares), tuple(grads), scaled, unscaled, full, scaled.max_abs_diff(full)
    )
