"""A recurrent (Elman) network and one step of backpropagation through time (BPTT), every number kept.

Notation, as in the MLP engine (rows are samples, ``W`` is ``(n_in, n_out)``)::

    z_t = x_t @ Wx + h_{t-1} @ Wh + b      h_t = f(z_t)      h_0 = 0  (t = 1 .. T)
    o_t = g(h_t @ Wy + by)
    delta_t = dL/dz_t = (delta_{t+1} @ Wh^T + dL/dh_t from the output at step t) * f'(z_t)

In code the steps are indexed ``0 .. T-1`` (``h[:, t]`` is the learner's ``h_{t+1}``).
Shapes: ``X (m, T, n_in)``; ``Wx (n_in, H)``, ``Wh (H, H)``, ``b (H,)``, ``Wy (H, n_out)``, ``by (n_out,)``;
``h``, ``z``, ``delta`` ``(m, T, H)``. The same ``Wh`` is used at every step, so its gradient is
the sum over time of one contribution per step, ``h_{t-1}^T @ delta_t`` (parameter sharing).

Where the loss is: ``Y (m, T, n_out)`` puts it on every step, each (sequence, step) pair counted
as one row of the loss's own average (``mse`` is the mean over every element); ``Y (m, n_out)``
puts it on the last step only.

Truncation (``truncate=k``): the error made at step s, by the loss on ``o_s``, travels back
through at most k steps: it reaches ``delta_s, delta_{s-1}, ..., delta_{s-k+1}`` and stops there.
Every loss step gets its own window of k steps (k = 1: no error flows through ``Wh``; ``Wh`` still
gets ``h_{s-1}^T delta_s``). The forward pass is never cut, and ``k >= T`` is full BPTT. This is
exactly "for each loss step, restart the backward pass from a detached ``h_{s-k}``".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .activations import ACTIVATIONS
from .losses import check_pairing, get_loss
from .network import INIT_SCHEMES, init_weights
from .optimizers import Optimizer, OptimizerState, as_optimizer, check_state, clip_scale, optimizer_step
from .rnn_checks import (
    MAX_HIDDEN,
    MAX_IO,
    MAX_T,
    OUTPUTS,
    RNN_ACTIVATIONS,
    as_matrix,
    as_sequence_targets,
    as_sequences,
    check_clip,
    check_names,
    check_size,
    check_truncate,
)
from .validation import check_lr, check_seed, show

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}
PARAM_NAMES: tuple[str, ...] = ("Wx", "Wh", "b", "Wy", "by")


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, repr=False)
class RNN:
    """An Elman network: ``Wx (n_in, H)``, ``Wh (H, H)``, ``b (H,)``, ``Wy (H, n_out)``, ``by (n_out,)``.

    ``activation`` is the hidden ``f``, ``output`` the output ``g``. Read-only; a step returns a new one.
    """

    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    Wy: np.ndarray
    by: np.ndarray
    activation: str = "tanh"
    output: str = "linear"

    @classmethod
    def from_params(
        cls,
        Wx: np.ndarray,
        Wh: np.ndarray,
        b: np.ndarray,
        Wy: np.ndarray,
        by: np.ndarray,
        activation: str = "tanh",
        output: str = "linear",
    ) -> RNN:
        """A network with exactly these parameters (copied and made read-only), shapes checked."""
        check_names(activation, output)
        Wx = as_matrix(Wx, "Wx")
        n_in, H = Wx.shape
        check_size(n_in, "n_in (rows of Wx)", MAX_IO)
        check_size(H, "n_hidden (columns of Wx)", MAX_HIDDEN)
        Wh = as_matrix(Wh, "Wh", (H, H))
        b = as_matrix(b, "b", (H,), ndim=1)
        Wy = as_matrix(Wy, "Wy")
        if Wy.shape[0] != H:
            raise ValueError(f"Wy has shape {Wy.shape}; expected ({H}, n_out), one row per hidden unit")
        n_out = check_size(Wy.shape[1], "n_out (columns of Wy)", MAX_IO)
        by = as_matrix(by, "by", (n_out,), ndim=1)
        return cls(*(_frozen(p) for p in (Wx, Wh, b, Wy, by)), activation, output)

    @classmethod
    def create(
        cls,
        n_in: int,
        n_hidden: int,
        n_out: int,
        activation: str = "tanh",
        output: str = "linear",
        seed: int = 0,
        init: str = "xavier",
    ) -> RNN:
        """Random weights drawn by ``init`` (one of ``INIT_SCHEMES``) from ``seed``; biases 0."""
        n_in, H = check_size(n_in, "n_in", MAX_IO), check_size(n_hidden, "n_hidden", MAX_HIDDEN)
        n_out = check_size(n_out, "n_out", MAX_IO)
        check_names(activation, output)
        if init not in INIT_SCHEMES:
            raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INIT_SCHEMES)}")
        rng = np.random.default_rng(check_seed(seed))
        Wx, Wh, Wy = (init_weights(init, r, c, rng) for r, c in ((n_in, H), (H, H), (H, n_out)))
        return cls.from_params(Wx, Wh, np.zeros(H), Wy, np.zeros(n_out), activation, output)

    @property
    def params(self) -> tuple[np.ndarray, ...]:
        """``(Wx, Wh, b, Wy, by)``, the order of every gradient list."""
        return (self.Wx, self.Wh, self.b, self.Wy, self.by)

    @property
    def sizes(self) -> tuple[int, int, int]:
        """``(n_in, n_hidden, n_out)``."""
        return (self.Wx.shape[0], self.Wh.shape[0], self.Wy.shape[1])

    def replace(self, **params: np.ndarray) -> RNN:
        """A copy with some of ``Wx Wh b Wy by`` replaced (checked)."""
        values = dict(zip(PARAM_NAMES, self.params, strict=True)) | params
        return RNN.from_params(**values, activation=self.activation, output=self.output)

    def __repr__(self) -> str:
        n_in, H, n_out = self.sizes
        return f"RNN({n_in} -> {H} ({self.activation}) -> {n_out} ({self.output}))"


def spectral_radius(Wh: np.ndarray) -> float:
    """The largest ``|eigenvalue|`` of the square matrix ``Wh`` ``(H, H)``, ``1 <= H <= MAX_HIDDEN``:
    repeated products ``Wh^n`` grow or shrink like its n-th power."""
    Wh = as_matrix(Wh, "Wh")
    if Wh.shape[0] != Wh.shape[1]:
        raise ValueError(f"Wh has shape {Wh.shape}; expected a square matrix")
    if not 1 <= Wh.shape[0] <= MAX_HIDDEN:
        raise ValueError(
            f"Wh has shape {Wh.shape}; expected (H, H) with 1 <= H <= {MAX_HIDDEN}, the hidden sizes an RNN "
            "here may have"
        )
    return float(np.max(np.abs(np.linalg.eigvals(Wh))))


def check_rnn(net: object) -> RNN:
    """``net`` must be an ``RNN``."""
    if not isinstance(net, RNN):
        raise ValueError(f"net must be an RNN (RNN.create or RNN.from_params), got {show(net)}")
    return net


def forward_through_time(net: RNN, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``z, h`` of every step, each ``(m, T, H)``: ``z_t = x_t @ Wx + h_{t-1} @ Wh + b``, ``h_t = f(z_t)``."""
    m, T, _ = X.shape
    f = ACTIVATIONS[net.activation].f
    z = X @ net.Wx + net.b  # the input part of every z_t at once; h_{t-1} @ Wh is added step by step
    h = np.empty_like(z)
    h_prev = np.zeros((m, net.Wh.shape[0]))
    for t in range(T):
        zt = z[:, t]
        zt += h_prev @ net.Wh
        h[:, t] = h_prev = f(zt)
    return z, h


def backward_through_time(
    net: RNN, z: np.ndarray, h: np.ndarray, dh_out: np.ndarray, loss_steps: range, truncate: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """``delta (m, T, H)`` and the per-step ``dWh`` contributions ``(T, H, H)``.

    ``dh_out[:, t]`` is dL/dh_t from the output at step t alone; ``loss_steps`` the steps with a loss.
    """
    _, T, H = z.shape
    fz = ACTIVATIONS[net.activation].df_given(z, h)  # f'(z_t) for every step
    WhT = net.Wh.T
    if truncate is None:  # full BPTT, from the last step back to the first
        delta = np.empty_like(z)
        d = dh_out[:, T - 1] * fz[:, T - 1]
        delta[:, T - 1] = d
        for t in range(T - 2, -1, -1):
            d = (d @ WhT + dh_out[:, t]) * fz[:, t]  # delta_t = (delta_{t+1} Wh^T + dL/dh_t) f'(z_t)
            delta[:, t] = d
    else:  # the error of the loss at step s reaches steps s, s-1, ..., s-k+1 and no further
        delta = np.zeros_like(z)
        for s in loss_steps:
            d = dh_out[:, s] * fz[:, s]
            delta[:, s] += d
            for t in range(s - 1, max(s - truncate, -1), -1):
                d = (d @ WhT) * fz[:, t]
                delta[:, t] += d
    # one dWh contribution per step: h_{t-1}^T @ delta_t, with h_{-1} = 0 before the first step
    dWh_steps = np.zeros((T, H, H))
    if T > 1:
        np.matmul(h[:, :-1].transpose(1, 2, 0), delta[:, 1:].transpose(1, 0, 2), out=dWh_steps[1:])
    return delta, dWh_steps


def predict(net: RNN, X: np.ndarray) -> np.ndarray:
    """The outputs ``o_t`` of every step, ``(m, T, n_out)``, for checked inputs ``X (m, T, n_in)``."""
    X = as_sequences(X, check_rnn(net).sizes[0])
    with np.errstate(**_QUIET):
        _, h = forward_through_time(net, X)
        return ACTIVATIONS[net.output].f(h @ net.Wy + net.by)


@dataclass(frozen=True, repr=False)
class BPTTTrace:
    """Everything one ``bptt_step`` computed; shapes in the field comments. Nothing is modified later.

    ``o``/``zo``: the outputs ``g(zo)`` and their pre-activations, ``(m, T, n_out)`` with a loss on
    every step, ``(m, n_out)`` with the loss on the last step only. ``dh_out (m, T, H)``: dL/dh_t
    from the output at step t alone (zero where there is no loss). ``dWh_steps (T, H, H)``: step
    t's contribution ``h_{t-1}^T @ delta_t``; they sum to ``dWh``. Gradients are before clipping;
    ``clip_scale`` is the factor they were multiplied by before the optimiser saw them.
    """

    net: RNN
    X: np.ndarray  # (m, T, n_in)
    Y: np.ndarray  # (m, T, n_out) or (m, n_out)
    loss_name: str
    loss: float
    every_step: bool
    truncate: int | None
    z: np.ndarray  # (m, T, H)
    h: np.ndarray  # (m, T, H)
    zo: np.ndarray
    o: np.ndarray
    output_delta: np.ndarray  # dL/d(zo), shaped like zo
    dh_out: np.ndarray  # (m, T, H)
    delta: np.ndarray  # (m, T, H)
    dWh_steps: np.ndarray  # (T, H, H)
    dWx: np.ndarray
    dWh: np.ndarray
    db: np.ndarray
    dWy: np.ndarray
    dby: np.ndarray
    grad_norm: float
    clip_scale: float
    optimizer: str
    lr: float
    optimizer_state: OptimizerState
    net_after: RNN

    @property
    def grads(self) -> tuple[np.ndarray, ...]:
        """``(dWx, dWh, db, dWy, dby)``, before clipping."""
        return (self.dWx, self.dWh, self.db, self.dWy, self.dby)

    @cached_property
    def delta_norms(self) -> np.ndarray:
        """``||delta_t||`` over the batch and units, one per step ``(T,)``."""
        return np.sqrt(np.sum(self.delta**2, axis=(0, 2)))

    @cached_property
    def non_finite(self) -> bool:
        """True when the loss, a gradient or an updated parameter is NaN or infinite."""
        if not (np.isfinite(self.loss) and np.isfinite(self.grad_norm)):
            return True
        return not all(np.isfinite(p).all() for p in self.net_after.params)

    def __repr__(self) -> str:
        m, T, _ = self.X.shape
        flag = self.non_finite
        return f"BPTTTrace(loss={self.loss:.6g}, m={m}, T={T}, truncate={self.truncate}, non_finite={flag})"


@dataclass(frozen=True)
class OutputPass:
    """The output layer's part of a step: ``zo``, ``o = g(zo)``, the loss, ``dzo = dL/dzo``, ``dL/dh``
    from the output at every step ``dh_out (m, T, H)``, and ``dWy``, ``dby``."""

    zo: np.ndarray
    o: np.ndarray
    loss: float
    dzo: np.ndarray
    dh_out: np.ndarray
    dWy: np.ndarray
    dby: np.ndarray


def output_layer(net: RNN, h: np.ndarray, Y: np.ndarray, loss: str, every_step: bool) -> OutputPass:
    """The output layer on every step (``Y``: ``(m * T, n_out)`` rows) or the last one (``(m, n_out)``)."""
    m, T, H = h.shape
    hs = h.reshape(m * T, H) if every_step else h[:, -1]
    zo = hs @ net.Wy + net.by
    o = ACTIVATIONS[net.output].f(zo)
    spec = get_loss(loss)
    rows, k = o.shape
    value = float(np.mean(spec.per_sample(o, zo, Y)))
    if spec.shortcut_output == net.output:
        # sigmoid + bce, softmax + cross_entropy: f'(z) cancels, delta = (o - y) / rows (and / k for bce)
        dzo = (o - Y) / (rows * k if loss == "bce" else rows)
    else:
        dzo = spec.grad(o, Y) * ACTIVATIONS[net.output].df(zo)
    dWy, dby = hs.T @ dzo, dzo.sum(axis=0)
    dh = dzo @ net.Wy.T
    if every_step:
        dh_out = dh.reshape(m, T, H)
        zo, o, dzo = (a.reshape(m, T, k) for a in (zo, o, dzo))
    else:
        dh_out = np.zeros_like(h)
        dh_out[:, -1] = dh
    return OutputPass(zo, o, value, dzo, dh_out, dWy, dby)


def bptt_step(
    net: RNN,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "mse",
    lr: float = 0.0,
    truncate: int | None = None,
    *,
    optimizer: str | Optimizer = "sgd",
    clip_norm: float | None = None,
    state: OptimizerState | None = None,
) -> BPTTTrace:
    """One training step through time: forward, loss, BPTT, clipping by global norm, update.

    ``X (m, T, n_in)``; ``Y (m, T, n_out)`` (loss on every step) or ``(m, n_out)`` (last step only).
    ``truncate=k``: see the module docstring. ``lr = 0`` gives the gradients without a change.
    ``net`` and the arrays passed in are never modified; a diverging step sets ``non_finite``.
    """
    check_rnn(net)
    get_loss(loss)
    check_pairing(net.output, loss)
    n_in, _, n_out = net.sizes
    X = as_sequences(X, n_in)
    m, T, _ = X.shape
    Yr, every_step = as_sequence_targets(Y, m, T, n_out, loss)
    truncate = check_truncate(truncate, T)
    lr, opt, clip_norm = check_lr(lr), as_optimizer(optimizer), check_clip(clip_norm)
    state = check_state(state, opt, net.params)
    with np.errstate(**_QUIET):
        z, h = forward_through_time(net, X)
        out = output_layer(net, h, Yr, loss, every_step)
        steps = range(T) if every_step else range(T - 1, T)
        delta, dWh_steps = backward_through_time(net, z, h, out.dh_out, steps, truncate)
        flat = delta.reshape(m * T, -1)
        dWx, dWh, db = X.reshape(m * T, n_in).T @ flat, dWh_steps.sum(axis=0), flat.sum(axis=0)
        grads = [dWx, dWh, db, out.dWy, out.dby]
        norm, scale = clip_scale(grads, clip_norm if clip_norm is not None else np.inf)
        used = grads if scale == 1.0 else [g * scale for g in grads]
        changes, new_state = optimizer_step(opt, net.params, used, lr, state)
        after = RNN(
            *(_frozen(p + c) for p, c in zip(net.params, changes, strict=True)), net.activation, net.output
        )
    Y_out = Yr.reshape(m, T, n_out) if every_step else Yr
    arrays = (z, h, out.zo, out.o, out.dzo, out.dh_out, delta, dWh_steps, dWx, dWh, db, out.dWy, out.dby)
    for a in arrays:  # the trace is a record: its arrays are read-only (no copy needed, they are ours)
        a.flags.writeable = False
    return BPTTTrace(
        net, _frozen(X), _frozen(Y_out), loss, out.loss, every_step, truncate, *arrays[:8], *arrays[8:],
        norm, scale, opt.name, lr, new_state, after,
    )  # fmt: skip


__all__ = [
    "INIT_SCHEMES",
    "MAX_HIDDEN",
    "MAX_T",
    "OUTPUTS",
    "PARAM_NAMES",
    "RNN",
    "RNN_ACTIVATIONS",
    "BPTTTrace",
    "OutputPass",
    "backward_through_time",
    "bptt_step",
    "check_rnn",
    "forward_through_time",
    "output_layer",
    "predict",
    "spectral_radius",
]
