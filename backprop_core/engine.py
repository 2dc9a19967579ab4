"""The four phases of a training iteration as pure functions, and ``train_step`` composing them.

``forward -> compute_loss -> backward -> update``: each takes what the previous phase returned
and gives back an immutable trace; the network passed in is never modified. Numbers overflow
silently to inf/NaN instead of warning: a diverging run is something to show, not to crash on,
and ``StepTrace.non_finite`` flags it.

Each phase is a checked public function wrapping a ``_*_pass`` that does the arithmetic;
``train_step`` checks its inputs once and runs the four passes under one ``np.errstate``, which
keeps the cost of the bookkeeping small next to the arithmetic itself.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS
from .losses import check_pairing, get_loss
from .network import MLP
from .optimizers import Optimizer, OptimizerState, as_optimizer, clip_scale, optimizer_step
from .trace import BackwardTrace, ForwardTrace, LossTrace, StepTrace, UpdateTrace
from .validation import as_inputs, as_targets, check_lr

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


def forward(net: MLP, X: np.ndarray) -> ForwardTrace:
    """Run ``X`` ``(m, n_in)`` through ``net``, keeping every ``z[l]`` and ``a[l]``.

    ``z[l] = a_prev @ W[l] + b[l]`` and ``a[l] = f(z[l])``; layer 0 is the first after the input.
    """
    X = as_inputs(X, net.sizes[0])
    return _forward(net, X)


def _forward(net: MLP, X: np.ndarray) -> ForwardTrace:
    with np.errstate(**_QUIET):
        return _forward_pass(net, X)


def _forward_pass(net: MLP, X: np.ndarray) -> ForwardTrace:
    zs, as_ = [], []
    a = X
    for W, b, name in zip(net.weights, net.biases, net.activations, strict=True):
        z = a @ W
        z += b  # = a @ W + b, without a second (m, n) array
        a = ACTIVATIONS[name].f(z)
        zs.append(z)
        as_.append(a)
    return ForwardTrace(X, zs, as_, net.activations)


def predict(net: MLP, X: np.ndarray) -> np.ndarray:
    """The network's output for ``X`` without keeping a trace."""
    return _forward(net, as_inputs(X, net.sizes[0])).output


def l2_penalty(net: MLP, l2: float) -> float:
    """``l2/2 * sum of squared weights`` (biases are not penalised)."""
    if not l2:
        return 0.0
    with np.errstate(**_QUIET):  # a diverging run's huge weights give inf, not a warning
        return 0.5 * l2 * sum(float(np.dot(w.ravel(), w.ravel())) for w in net.weights)


def compute_loss(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss: str, l2: float = 0.0) -> LossTrace:
    """The batch loss of the forward pass ``fwd`` against targets ``Y`` and the output ``delta``.

    ``Y``: ``(m, n_out)``; for ``cross_entropy`` also integer labels ``(m,)``. ``l2 >= 0`` adds
    ``l2/2 * sum(W**2)`` to the loss.
    """
    spec = get_loss(loss)
    check_pairing(net.output_activation, loss)
    m = fwd.x.shape[0]
    Y = as_targets(Y, m, net.sizes[-1], loss)
    l2 = _check_l2(l2)
    return _compute_loss(net, fwd, Y, spec.name, l2)


def _compute_loss(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss: str, l2: float) -> LossTrace:
    with np.errstate(**_QUIET):
        return _loss_pass(net, fwd, Y, loss, l2)


def _loss_pass(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss: str, l2: float) -> LossTrace:
    spec = get_loss(loss)
    a, z = fwd.a[-1], fwd.z[-1]
    m, k = a.shape
    per_sample = spec.per_sample(a, z, Y)
    shortcut = spec.shortcut_output == net.activations[-1]
    dL_da = None
    if shortcut:
        # sigmoid + bce and softmax + cross_entropy: f'(z) cancels the denominator of dL/da,
        # leaving delta = (a - y) / m, and / (m*k) for bce which also averages over outputs.
        # dL/da itself is not needed then: the trace works it out if someone looks.
        delta = (a - Y) / (m * k if loss == "bce" else m)
    else:
        dL_da = spec.grad(a, Y)
        delta = dL_da * ACTIVATIONS[net.activations[-1]].df_given(z, a)
    data_loss = float(np.add.reduce(per_sample) / m)  # np.mean's own arithmetic, without its overhead
    trace = LossTrace(loss, Y, per_sample, data_loss, l2_penalty(net, l2), l2, a, delta, shortcut)
    if dL_da is not None:
        trace.__dict__["dL_da"] = dL_da  # the value of the cached property, as used above
    return trace


def backward(net: MLP, fwd: ForwardTrace, loss_trace: LossTrace) -> BackwardTrace:
    """Walk the error back from the output: ``delta[l] = (delta[l+1] @ W[l+1].T) * f'(z[l])``.

    ``dW[l] = a_prev.T @ delta[l] + l2 * W[l]`` (the L2 term of the loss) and
    ``db[l] = delta[l].sum(axis=0)``.
    """
    with np.errstate(**_QUIET):
        return _backward_pass(net, fwd, loss_trace)


def _backward_pass(net: MLP, fwd: ForwardTrace, loss_trace: LossTrace) -> BackwardTrace:
    weights, z, a = net.weights, fwd.z, fwd.a
    L = len(weights)
    dL_da: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    delta: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    dW: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    db: list[np.ndarray] = [None] * L  # type: ignore[list-item]
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
    lr = check_lr(lr)
    opt = as_optimizer(optimizer)
    clip_norm = _check_clip(clip_norm)
    with np.errstate(**_QUIET):
        return _update_pass(net, grads, lr, opt, state, clip_norm, freeze_biases)


def _update_pass(
    net: MLP,
    grads: BackwardTrace,
    lr: float,
    opt: Optimizer,
    state: OptimizerState | None,
    clip_norm: float | None,
    freeze_biases: bool,
) -> UpdateTrace:
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
    net_after = net._replace_unchecked(new_params[:L], new_params[L:])
    trace = UpdateTrace(
        lr, opt.name, changes[:L], changes[L:], new_state, raw_grads, scale, freeze_biases, net, net_after
    )
    if norm is not None:
        trace.__dict__["grad_norm"] = norm
    return trace


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
    check_pairing(net.activations[-1], loss)
    X = as_inputs(X, net.weights[0].shape[0])
    Y = as_targets(Y, X.shape[0], net.weights[-1].shape[1], loss)
    return _train_step(
        net,
        X,
        Y,
        loss,
        check_lr(lr),
        as_optimizer(optimizer),
        state,
        _check_l2(l2),
        _check_clip(clip_norm),
        freeze_biases,
    )


def _train_step(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    lr: float,
    optimizer: Optimizer,
    state: OptimizerState | None,
    l2: float,
    clip_norm: float | None,
    freeze_biases: bool,
) -> StepTrace:
    # inputs already validated: the runner calls this in its loop
    with np.errstate(**_QUIET):
        fwd = _forward_pass(net, X)
        lt = _loss_pass(net, fwd, Y, loss, l2)
        back = _backward_pass(net, fwd, lt)
        upd = _update_pass(net, back, lr, optimizer, state, clip_norm, freeze_biases)
    return StepTrace(fwd, lt, back, upd)


def evaluate(net: MLP, X: np.ndarray, Y: np.ndarray, loss: str, l2: float = 0.0) -> float:
    """The loss of ``net`` on ``(X, Y)`` (no trace, no gradients)."""
    check_pairing(net.output_activation, loss)
    X = as_inputs(X, net.sizes[0])
    Y = as_targets(Y, X.shape[0], net.sizes[-1], loss)
    return _loss_of_forward(net, _forward(net, X), Y, loss, _check_l2(l2))


def _loss_of_forward(net: MLP, fwd: ForwardTrace, Y: np.ndarray, loss: str, l2: float) -> float:
    """The loss of a finished forward pass, inputs already checked (no delta, no trace)."""
    with np.errstate(**_QUIET):
        value = float(np.mean(get_loss(loss).per_sample(fwd.output, fwd.z[-1], Y)))
    return value + l2_penalty(net, l2)


def _check_clip(clip_norm: float | None) -> float | None:
    if clip_norm is None:
        return None
    try:
        value = float(clip_norm)
    except (TypeError, ValueError):
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"clip_norm must be a positive number or None, got {clip_norm!r}")
    return value


def _check_l2(l2: float) -> float:
    try:
        l2 = float(l2)
    except (TypeError, ValueError):
        raise ValueError(f"l2 must be a number >= 0, got {l2!r}") from None
    if not math.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    return l2
