"""The engine's fast path: the four phases without input checks, and ``quiet()``.

For callers that checked their inputs once (the runner's loop, gradient checks, lesson models
sweeping a grid): the arithmetic of ``forward -> loss -> backward -> update`` with nothing
around it. Numbers overflow silently to inf/NaN inside ``quiet()``: a diverging run is
something to show, not to crash on. The checked public phases are in ``engine``.

Shapes as in ``engine``: ``X`` ``(m, n_in)``, ``Y`` ``(m, n_out)`` (one-hot for cross_entropy).
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .losses import get_loss
from .network import MLP
from .numerics import QUIET, quiet, quietly
from .optimizers import Optimizer, OptimizerState, clip_scale, optimizer_step
from .trace import BackwardTrace, ForwardTrace, LossTrace, StepTrace, UpdateTrace


def train_step_pass(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    loss_name: str,
    lr: float,
    optimizer: Optimizer,
    state: OptimizerState | None,
    l2: float,
    clip_norm: float | None,
    freeze_biases: bool,
) -> StepTrace:
    """``train_step`` on inputs already checked (the runner calls this in its loop)."""
    # one quiet() around the four phases; ``__wrapped__`` is each phase without its own quiet()
    with quiet():
        fwd = forward_pass.__wrapped__(net, X)
        lt = loss_pass.__wrapped__(net, fwd, Y, loss_name, l2)
        back = backward_pass.__wrapped__(net, fwd, lt)
        upd = update_pass.__wrapped__(net, back, lr, optimizer, state, clip_norm, freeze_biases)
    return StepTrace(fwd, lt, back, upd)


def loss_of_forward(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss_name: str, l2: float) -> float:
    """The loss of a finished forward pass, inputs already checked (no delta, no trace)."""
    with quiet():
        value = float(np.mean(get_loss(loss_name).per_sample(fwd.output, fwd.z[-1], Y)))
    return value + l2_penalty(net, l2)


def l2_penalty(net: MLP, l2: float) -> float:
    """``l2/2 * sum of squared weights`` (biases are not penalised)."""
    if not l2:
        return 0.0
    with quiet():  # a diverging run's huge weights give inf, not a warning
        return 0.5 * l2 * sum(float(np.dot(w.ravel(), w.ravel())) for w in net.weights)


@quietly
def forward_pass(net: MLP, X: np.ndarray) -> ForwardTrace:
    """The forward pass on a checked ``X`` ``(m, n_in)``: every layer's ``z`` and ``a``, kept."""
    zs, as_ = [], []
    a = X
    for W, b, name in zip(net.weights, net.biases, net.activations, strict=True):
        z = a @ W
        z += b  # = a @ W + b, without a second (m, n) array
        a = ACTIVATIONS[name].f(z)
        zs.append(z)
        as_.append(a)
    return ForwardTrace(X, zs, as_, net.activations)


@quietly
def loss_pass(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss_name: str, l2: float) -> LossTrace:
    """The loss of checked targets ``Y`` ``(m, n_out)`` and the output layer's ``delta = dL/dz``."""
    spec = get_loss(loss_name)
    a, z = fwd.a[-1], fwd.z[-1]
    m, k = a.shape
    per_sample = spec.per_sample(a, z, Y)
    shortcut = spec.shortcut_output == net.activations[-1]
    dL_da = None
    if shortcut:
        # sigmoid + bce: sigmoid'(z) = a(1 - a) cancels bce's denominator a(1 - a); softmax +
        # cross_entropy: the sum over outputs of dL/da_k * a_k (1[k=j] - a_j) collapses because the
        # one-hot targets sum to 1. Either way delta = (a - y) / m, and / (m*k) for bce, which also
        # averages over the outputs. dL/da is not needed then: the trace works it out on request.
        delta = (a - Y) / (m * k if loss_name == "bce" else m)
    else:
        dL_da = spec.grad(a, Y)
        delta = dL_da * ACTIVATIONS[net.activations[-1]].df_given(z, a)
    data_loss = float(np.add.reduce(per_sample) / m)  # np.mean's own arithmetic, without its overhead
    trace = LossTrace(
        loss_name, Y, per_sample, data_loss, l2_penalty(net, l2), l2, a, delta, shortcut, given_dL_da=dL_da
    )
    return trace


@quietly
def backward_pass(net: MLP, fwd: ForwardTrace, loss_trace: LossTrace) -> BackwardTrace:
    """From the output back: every layer's ``delta``, ``dW`` (shaped like ``W``) and ``db``."""
    weights, z, a = net.weights, fwd.z, fwd.a
    L = len(weights)
    # one entry per layer, filled from the output back (the output's dL/da stays None: the loss
    # pass went straight to its delta)
    dL_da: list = [None] * L
    delta: list = [None] * L
    dW: list = [None] * L
    db: list = [None] * L
    delta[-1] = d = loss_trace.output_delta
    l2 = loss_trace.l2
    for l in range(L - 1, -1, -1):
        if l < L - 1:
            dL_da[l] = da = d @ weights[l + 1].T
            # f'(z) from the cached a = f(z) where that is cheaper; the same numbers as df(z)
            fz = ACTIVATIONS[net.activations[l]].df_given(z[l], a[l])
            # f'(z) is needed only here: multiply into it rather than beside it
            delta[l] = d = np.multiply(da, fz, out=fz) if _scratch(fz, da) else da * fz
        g = (fwd.x if l == 0 else a[l - 1]).T @ d
        dW[l] = g + l2 * weights[l] if l2 else g
        db[l] = np.add.reduce(d, axis=0)  # = d.sum(axis=0)
    return BackwardTrace(dL_da, delta, dW, db, loss_trace)


def _scratch(fz: np.ndarray, like: np.ndarray) -> bool:
    """Whether ``fz`` is a fresh array of ``like``'s shape and type, free to overwrite."""
    return (
        isinstance(fz, np.ndarray)
        and fz.flags.owndata
        and fz.flags.writeable
        and fz.shape == like.shape
        and fz.dtype == like.dtype
    )


@quietly
def update_pass(
    net: MLP,
    grads: BackwardTrace,
    lr: float,
    opt: Optimizer,
    state: OptimizerState | None,
    clip_norm: float | None,
    freeze_biases: bool,
) -> UpdateTrace:
    """Every parameter moves by the change its optimiser computes (for SGD: ``-lr * gradient``),
    after clipping by the global norm when ``clip_norm`` is set; returns the new network."""
    L = len(net.weights)
    bias_grads: list[np.ndarray | None] = [None] * L if freeze_biases else list(grads.db)
    raw_grads = [*grads.dW, *bias_grads]
    norm, scale = None, 1.0
    if clip_norm is not None:  # without clipping the global norm is worked out only on request
        norm, scale = clip_scale(raw_grads, clip_norm)
    all_grads = raw_grads if scale == 1.0 else [None if g is None else g * scale for g in raw_grads]
    params = [*net.weights, *net.biases]
    changes, new_state = optimizer_step(opt, params, all_grads, lr, state)
    new_params = [p + c for p, c in zip(params, changes, strict=True)]
    for arr in new_params:
        arr.setflags(write=False)  # = flags.writeable = False, in half the time
    net_after = MLP.trusted(new_params[:L], new_params[L:], net.activations)
    trace = UpdateTrace(
        lr,
        opt.name,
        changes[:L],
        changes[L:],
        new_state,
        raw_grads,
        scale,
        freeze_biases,
        net,
        net_after,
        given_global_grad_norm=norm,
    )
    return trace


__all__ = [
    "QUIET",
    "backward_pass",
    "forward_pass",
    "l2_penalty",
    "loss_of_forward",
    "loss_pass",
    "quiet",
    "quietly",
    "train_step_pass",
    "update_pass",
]
