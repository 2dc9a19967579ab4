"""The four phases of a training iteration as pure functions, and ``train_step`` composing them.

``forward -> compute_loss -> backward -> update``: each takes what the previous phase returned
and gives back an immutable trace; the network passed in is never modified. Numbers overflow
silently to inf/NaN instead of warning: a diverging run is something to show, not to crash on,
and ``StepTrace.non_finite`` flags it.

Each phase is a checked public function around the unchecked pass of the same name in
``passes`` (the engine's public fast path); ``train_step`` checks its inputs once and runs the
four passes under one ``quiet()``, which keeps the cost of the bookkeeping small next to the
arithmetic itself.
"""

from __future__ import annotations

import numpy as np

from .losses import check_pairing, get_loss
from .network import MLP
from .optimizers import Optimizer, OptimizerState, as_optimizer, check_state
from .passes import (
    backward_pass,
    forward_pass,
    l2_penalty,
    loss_of_forward,
    loss_pass,
    train_step_pass,
    update_pass,
)
from .trace import BackwardTrace, ForwardTrace, LossTrace, StepTrace, UpdateTrace
from .validation import as_inputs, as_targets, check_clip, check_flag, check_l2, check_lr, show


def check_net(net: object) -> MLP:
    """``net`` must be an ``MLP``."""
    if not isinstance(net, MLP):
        raise ValueError(f"net must be an MLP (MLP.create or MLP.from_params), got {show(net)}")
    return net


def check_forward(net: MLP, fwd: object) -> ForwardTrace:
    """``fwd`` must be a ``ForwardTrace`` of a network of ``net``'s architecture."""
    if not isinstance(fwd, ForwardTrace):
        raise ValueError(f"fwd must be the ForwardTrace returned by forward(net, X), got {show(fwd)}")
    sizes = (fwd.x.shape[1], *(z.shape[1] for z in fwd.z))
    if sizes != net.sizes or fwd.activations != net.activations:
        raise ValueError(
            f"the forward trace was made by another network ({'-'.join(map(str, sizes))}, "
            f"{list(fwd.activations)}); this one is {'-'.join(map(str, net.sizes))}, {list(net.activations)}"
        )
    return fwd


def check_grads(net: MLP, grads: object) -> BackwardTrace:
    """``grads`` must be a ``BackwardTrace`` with one ``dW``/``db`` of the right shape per layer."""
    if not isinstance(grads, BackwardTrace):
        raise ValueError(f"grads must be the BackwardTrace returned by backward(...), got {show(grads)}")
    shapes = [g.shape for g in grads.dW], [g.shape for g in grads.db]
    if shapes != ([w.shape for w in net.weights], [b.shape for b in net.biases]):
        raise ValueError(
            f"grads have dW shapes {shapes[0]}, which do not fit the network "
            f"{'-'.join(map(str, net.sizes))} (expected {[w.shape for w in net.weights]})"
        )
    return grads


def forward(net: MLP, X: np.ndarray) -> ForwardTrace:
    """Run ``X`` ``(m, n_in)`` through ``net``, keeping every ``z[l]`` and ``a[l]``.

    ``z[l] = a_prev @ W[l] + b[l]`` and ``a[l] = f(z[l])``; layer 0 is the first after the input.
    """
    X = as_inputs(X, check_net(net).sizes[0])
    return forward_pass(net, X)


def predict(net: MLP, X: np.ndarray) -> np.ndarray:
    """The network's output for ``X`` without keeping a trace."""
    return forward_pass(net, as_inputs(X, check_net(net).sizes[0])).output


def compute_loss(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss: str, l2: float = 0.0) -> LossTrace:
    """The batch loss of the forward pass ``fwd`` against targets ``Y`` and the output ``delta``.

    ``Y``: ``(m, n_out)``; for ``cross_entropy`` also integer labels ``(m,)``. ``l2 >= 0`` adds
    ``l2/2 * sum(W**2)`` to the loss.
    """
    spec = get_loss(loss)
    check_pairing(check_net(net).output_activation, loss)
    m = check_forward(net, fwd).x.shape[0]
    Y = as_targets(Y, m, net.sizes[-1], loss)
    l2 = check_l2(l2)
    return loss_pass(net, fwd, Y, spec.name, l2)


def backward(net: MLP, fwd: ForwardTrace, loss_trace: LossTrace) -> BackwardTrace:
    """Walk the error back from the output: ``delta[l] = (delta[l+1] @ W[l+1].T) * f'(z[l])``.

    ``dW[l] = a_prev.T @ delta[l] + l2 * W[l]`` (the L2 term of the loss) and
    ``db[l] = delta[l].sum(axis=0)``.
    """
    check_forward(check_net(net), fwd)
    if not isinstance(loss_trace, LossTrace):
        raise ValueError(f"loss_trace must be the LossTrace returned by compute_loss, got {show(loss_trace)}")
    if loss_trace.output_delta.shape != fwd.z[-1].shape:
        raise ValueError(
            f"the loss trace has output delta of shape {loss_trace.output_delta.shape}; the forward pass "
            f"has outputs of shape {fwd.z[-1].shape}: it belongs to another batch or network"
        )
    return backward_pass(net, fwd, loss_trace)


def update(
    net: MLP,
    grads: BackwardTrace,
    lr: float,
    optimizer: str | Optimizer = "sgd",
    state: OptimizerState | None = None,
    *,
    clip_norm: float | None = None,
    freeze_biases: bool = False,
) -> UpdateTrace:
    """Apply the optimiser to the gradients and return the new network inside the trace.

    ``clip_norm``: clip by global norm first (over the trainable parameters).
    ``freeze_biases``: compute ``db`` but never change the biases.
    """
    check_grads(check_net(net), grads)
    lr = check_lr(lr)
    opt = as_optimizer(optimizer)
    clip_norm = check_clip(clip_norm)
    state = check_state(state, opt, [*net.weights, *net.biases])
    freeze_biases = check_flag(freeze_biases, "freeze_biases")
    return update_pass(net, grads, lr, opt, state, clip_norm, freeze_biases)


def train_step(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    loss: str,
    lr: float,
    optimizer: str | Optimizer = "sgd",
    state: OptimizerState | None = None,
    l2: float = 0.0,
    clip_norm: float | None = None,
    freeze_biases: bool = False,
) -> StepTrace:
    """One training iteration on the batch ``(X, Y)``: forward, loss, backward, update.

    Returns a ``StepTrace`` whose ``loss`` is measured before the update and whose
    ``net_after`` is the updated network; ``net`` itself is untouched. ``lr = 0`` gives the
    gradients without a change. A diverging step is not an error: ``trace.non_finite`` says so.
    """
    get_loss(loss)
    check_pairing(check_net(net).activations[-1], loss)
    X = as_inputs(X, net.weights[0].shape[0])
    Y = as_targets(Y, X.shape[0], net.weights[-1].shape[1], loss)
    opt = as_optimizer(optimizer)
    if state is not None:
        state = check_state(state, opt, [*net.weights, *net.biases])
    if freeze_biases is not False:
        freeze_biases = check_flag(freeze_biases, "freeze_biases")
    return train_step_pass(
        net, X, Y, loss, check_lr(lr), opt, state, check_l2(l2), check_clip(clip_norm), freeze_biases
    )


def evaluate(net: MLP, X: np.ndarray, Y: np.ndarray, loss: str, l2: float = 0.0) -> float:
    """The loss of ``net`` on ``(X, Y)`` (no trace, no gradients)."""
    get_loss(loss)
    check_pairing(check_net(net).output_activation, loss)
    X = as_inputs(X, net.sizes[0])
    Y = as_targets(Y, X.shape[0], net.sizes[-1], loss)
    return loss_of_forward(net, forward_pass(net, X), Y, loss, check_l2(l2))


__all__ = [
    "backward",
    "check_forward",
    "check_grads",
    "check_net",
    "compute_loss",
    "evaluate",
    "forward",
    "l2_penalty",
    "predict",
    "train_step",
    "update",
]
