"""A small convolutional network, and one training step of it with every number kept.

The network: ``conv -> f -> [conv -> f] -> max-pool -> flatten -> dense layers -> output``.
Conv layer ``l`` has filters ``K[l]`` (C_out, C_in, kh, kw) and biases ``kb[l]`` (C_out,); every conv
layer uses the same stride and padding and the activation ``conv_activation``; one max-pool of
``pool x pool`` windows follows the last conv layer (``pool = 1``: none). Dense layer ``l`` has ``W[l]``
(n_in, n_out) and ``b[l]`` as in the MLP engine (``z = a_prev @ W + b``); the last dense layer is the
output. Flattening keeps PyTorch's order (channel, then row, then column), as ``x.flatten(1)``.

``train_step`` is forward -> loss -> backward -> update, each a short pass below, returning a frozen
``ConvStep``; the network passed in is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation
from .conv import (
    MAX_CHANNELS,
    Conv2dTrace,
    PoolTrace,
    check_images,
    check_int,
    conv2d_backward_pass,
    conv2d_pass,
    maxpool2d_backward_pass,
    maxpool2d_pass,
    out_size,
)
from .losses import check_pairing, get_loss
from .optimizers import Optimizer, OptimizerState, as_optimizer, check_state, optimizer_step
from .validation import as_targets, check_lr, check_seed, show

MAX_CONV_LAYERS = 2
MAX_DENSE_WIDTH = 256
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, repr=False)
class ConvNet:
    """Parameters and shape of the network (see the module docstring); arrays are read-only."""

    K: tuple[np.ndarray, ...]
    kb: tuple[np.ndarray, ...]
    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    input_shape: tuple[int, int, int]
    conv_activation: str = "relu"
    dense_activation: str = "relu"
    output_activation: str = "softmax"
    pool: int = 2
    stride: int = 1
    padding: int = 0

    @property
    def params(self) -> list[np.ndarray]:
        """Every parameter in the optimiser's order: ``K..., kb..., W..., b...``."""
        return [*self.K, *self.kb, *self.W, *self.b]

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params))

    @property
    def n_out(self) -> int:
        return int(self.W[-1].shape[1])

    def with_params(self, params: Sequence[np.ndarray]) -> ConvNet:
        """The same network with new parameters, in the order of ``params``."""
        nc, nd = len(self.K), len(self.W)
        p = [_frozen(a) for a in params]
        return ConvNet(
            tuple(p[:nc]), tuple(p[nc : 2 * nc]), tuple(p[2 * nc : 2 * nc + nd]), tuple(p[2 * nc + nd :]),
            self.input_shape, self.conv_activation, self.dense_activation, self.output_activation,
            self.pool, self.stride, self.padding,
        )  # fmt: skip

    def __repr__(self) -> str:
        convs = " -> ".join(f"conv{k.shape}" for k in self.K)
        dense = " -> ".join(f"dense{w.shape}" for w in self.W)
        out = self.output_activation
        return f"ConvNet({self.input_shape} -> {convs} -> pool {self.pool} -> {dense} {out})"


def feature_shapes(
    input_shape: Sequence[int], filters: Sequence[int], kernel: int, stride: int, padding: int, pool: int
) -> list[tuple[int, int, int]]:
    """The shape (C, H, W) after each conv layer, then after the pool; ``ValueError`` if one vanishes."""
    c, h, w = input_shape
    shapes = []
    for n in filters:
        h, w = out_size(h, kernel, stride, padding), out_size(w, kernel, stride, padding)
        if h < 1 or w < 1:
            raise ValueError(f"the {kernel}x{kernel} kernel is larger than the padded input of a conv layer")
        c = n
        shapes.append((c, h, w))
    if pool > h or pool > w:
        raise ValueError(f"pool size {pool} is larger than the last feature map ({h}x{w})")
    shapes.append((c, h // pool, w // pool))
    return shapes


def whole_list(value: object, what: str) -> list:
    """A list or tuple (or 1-D array) of entries, each checked by the caller; never text or a bare number."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{what} must be a list or tuple of whole numbers, got {show(value)}")
    return list(value)


def create(
    input_shape: Sequence[int] = (1, 12, 12),
    filters: Sequence[int] = (4,),
    kernel: int = 3,
    n_out: int = 5,
    dense: Sequence[int] = (),
    *,
    conv_activation: str = "relu",
    dense_activation: str = "relu",
    output_activation: str = "softmax",
    pool: int = 2,
    stride: int = 1,
    padding: int = 0,
    seed: int = 0,
) -> ConvNet:
    """A new network with random weights (biases 0) drawn from ``seed``.

    He normal, ``std = sqrt(2 / fan_in)``, for relu-type layers; Xavier normal, ``std = sqrt(1 / fan_in)``,
    for the others and the output layer. A conv filter's fan-in is ``C_in * kh * kw``.
    """
    input_shape = tuple(
        check_int(n, "input shape entry", 1, 64) for n in whole_list(input_shape, "input_shape")
    )
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {input_shape}")
    filters = [check_int(n, "number of filters", 1, MAX_CHANNELS) for n in whole_list(filters, "filters")]
    if not 1 <= len(filters) <= MAX_CONV_LAYERS:
        raise ValueError(f"a ConvNet has 1 to {MAX_CONV_LAYERS} conv layers, got {len(filters)}")
    dense = [check_int(n, "dense layer width", 1, MAX_DENSE_WIDTH) for n in whole_list(dense, "dense")]
    n_out = check_int(n_out, "number of outputs", 1, MAX_DENSE_WIDTH)
    kernel = check_int(kernel, "kernel size", 1, 9)
    stride, padding = check_int(stride, "stride", 1, 8), check_int(padding, "padding", 0, 8)
    pool = check_int(pool, "pool size", 1, 8)
    for name in (conv_activation, dense_activation):
        if not isinstance(name, str) or name not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"hidden activation {show(name)}: expected one of {', '.join(HIDDEN_ACTIVATIONS)}"
            )
    get_activation(output_activation)
    shapes = feature_shapes(input_shape, filters, kernel, stride, padding, pool)
    rng = np.random.default_rng(check_seed(seed))

    def draw(shape: tuple[int, ...], fan_in: int, act: str) -> np.ndarray:
        gain = 2.0 if act in ("relu", "leaky_relu") else 1.0
        return _frozen(rng.normal(0.0, np.sqrt(gain / fan_in), size=shape))

    K, c_in = [], input_shape[0]
    for n in filters:
        K.append(draw((n, c_in, kernel, kernel), c_in * kernel * kernel, conv_activation))
        c_in = n
    sizes = [int(np.prod(shapes[-1])), *dense, n_out]
    W = [
        draw((n_in, n), n_in, dense_activation if l < len(sizes) - 2 else output_activation)
        for l, (n_in, n) in enumerate(pairwise(sizes))
    ]
    return ConvNet(
        tuple(K), tuple(_frozen(np.zeros(n)) for n in filters), tuple(W),
        tuple(_frozen(np.zeros(w.shape[1])) for w in W), input_shape,  # type: ignore[arg-type]
        conv_activation, dense_activation, output_activation, pool, stride, padding,
    )  # fmt: skip


@dataclass(frozen=True, repr=False)
class ConvLayerStep:
    """Conv layer ``l`` of one step: ``conv.z``, ``a = f(z)``, ``delta = dL/dz``, ``dK``, ``db`` and
    ``dx = dL/d(its input)`` (the previous layer's ``a``, or the images for layer 0)."""

    conv: Conv2dTrace
    a: np.ndarray
    delta: np.ndarray | None = None
    dK: np.ndarray | None = None
    db: np.ndarray | None = None
    dx: np.ndarray | None = None

    @property
    def z(self) -> np.ndarray:
        return self.conv.z


@dataclass(frozen=True, repr=False)
class PoolStep:
    """The max-pool: its trace, ``dout = dL/d(pooled map)`` and ``dx`` routed to the winners."""

    trace: PoolTrace
    dout: np.ndarray | None = None
    dx: np.ndarray | None = None


@dataclass(frozen=True, repr=False)
class DenseStep:
    """Dense layer ``l``: ``z = a_prev @ W + b``, ``a``, ``delta``, ``dW``, ``db``."""

    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray | None = None
    dW: np.ndarray | None = None
    db: np.ndarray | None = None


@dataclass(frozen=True, repr=False)
class ConvForward:
    x: np.ndarray
    convs: tuple[ConvLayerStep, ...]
    pool: PoolStep
    flat: np.ndarray
    dense: tuple[DenseStep, ...]

    @property
    def output(self) -> np.ndarray:
        return self.dense[-1].a


@dataclass(frozen=True, repr=False)
class ConvStep:
    """One training step: every layer forward and backward, the loss, and the network after."""

    x: np.ndarray
    Y: np.ndarray
    loss_name: str
    loss: float
    per_sample: np.ndarray
    convs: tuple[ConvLayerStep, ...]
    pool: PoolStep
    flat: np.ndarray
    dflat: np.ndarray
    dense: tuple[DenseStep, ...]
    lr: float
    optimizer: str
    net: ConvNet
    net_after: ConvNet
    state: OptimizerState

    @property
    def output(self) -> np.ndarray:
        return self.dense[-1].a

    @property
    def grads(self) -> list[np.ndarray]:
        """Every gradient in the order of ``ConvNet.params``."""
        return gradients(self.convs, self.dense)

    def __repr__(self) -> str:
        return f"ConvStep(loss={self.loss:.6g}, m={self.x.shape[0]}, {self.net!r})"


def gradients(convs: Sequence[ConvLayerStep], dense: Sequence[DenseStep]) -> list[np.ndarray]:
    """The gradients of a backward pass in the order of ``ConvNet.params``: ``dK..., db..., dW..., db...``."""
    return [*(c.dK for c in convs), *(c.db for c in convs), *(d.dW for d in dense), *(d.db for d in dense)]


def check_inputs(net: ConvNet, X: object) -> np.ndarray:
    """``X`` as checked images of the network's input shape (m, C, H, W)."""
    if not isinstance(net, ConvNet):
        raise ValueError("net must be a ConvNet (see convnet.create)")
    X = check_images(X, "X")
    if X.shape[1:] != net.input_shape:
        raise ValueError(f"X has images of shape {X.shape[1:]}; the network expects {net.input_shape}")
    return X


def forward(net: ConvNet, X: object) -> ConvForward:
    """Run images ``X`` (m, C, H, W) through ``net``, keeping every layer's ``z`` and ``a``."""
    X = check_inputs(net, X)
    with np.errstate(**_QUIET):
        return forward_pass(net, X)


def forward_pass(net: ConvNet, X: np.ndarray) -> ConvForward:
    """conv -> f (per conv layer) -> max-pool -> flatten -> dense layers; inputs already checked."""
    f = ACTIVATIONS[net.conv_activation].f
    convs, a = [], X
    for K, kb in zip(net.K, net.kb, strict=True):
        t = conv2d_pass(a, K, kb, net.stride, net.padding)
        a = f(t.z)
        convs.append(ConvLayerStep(t, a))
    pool = PoolStep(maxpool2d_pass(a, net.pool))
    flat = a = pool.trace.out.reshape(len(X), -1)  # channel, row, column: PyTorch's flatten(1)
    dense = []
    for l, (W, b) in enumerate(zip(net.W, net.b, strict=True)):
        z = a @ W + b
        name = net.output_activation if l == len(net.W) - 1 else net.dense_activation
        a = ACTIVATIONS[name].f(z)
        dense.append(DenseStep(z, a))
    return ConvForward(X, tuple(convs), pool, flat, tuple(dense))


def output_delta(net: ConvNet, fwd: ConvForward, Y: np.ndarray, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's loss (m,) and ``delta = dL/dz`` of the output layer (averaged over the batch)."""
    spec, out = get_loss(loss), fwd.dense[-1]
    m, k = out.a.shape
    per_sample = spec.per_sample(out.a, out.z, Y)
    if spec.shortcut_output == net.output_activation:
        # softmax + cross_entropy, sigmoid + bce: f'(z) cancels dL/da's denominator, delta = (a - y) / m
        # (and / (m k) for bce, which also averages over the outputs)
        return per_sample, (out.a - Y) / (m * k if loss == "bce" else m)
    return per_sample, spec.grad(out.a, Y) * ACTIVATIONS[net.output_activation].df(out.z)


def backward_pass(net: ConvNet, fwd: ConvForward, delta: np.ndarray) -> tuple:
    """From the output delta back to the images: dense layers, un-flatten, pool, conv layers."""
    dense = list(fwd.dense)
    for l in range(len(dense) - 1, -1, -1):
        if l < len(dense) - 1:
            delta = (delta @ net.W[l + 1].T) * ACTIVATIONS[net.dense_activation].df(dense[l].z)
        a_prev = fwd.flat if l == 0 else dense[l - 1].a
        dense[l] = DenseStep(dense[l].z, dense[l].a, delta, a_prev.T @ delta, delta.sum(axis=0))
    dflat = delta @ net.W[0].T
    dout = dflat.reshape(fwd.pool.trace.out.shape)
    pool = PoolStep(fwd.pool.trace, dout, maxpool2d_backward_pass(dout, fwd.pool.trace).dx)
    convs, da = list(fwd.convs), pool.dx  # da = dL/da of the last conv layer
    df = ACTIVATIONS[net.conv_activation].df
    for l in range(len(convs) - 1, -1, -1):
        c = convs[l]
        d = da * df(c.z)  # delta = dL/dz = dL/da * f'(z)
        g = conv2d_backward_pass(d, c.conv)
        convs[l] = ConvLayerStep(c.conv, c.a, d, g.dK, g.db, g.dx)
        da = g.dx  # dL/da of the layer below
    return tuple(convs), pool, dflat, tuple(dense)


def train_step(
    net: ConvNet,
    X: object,
    Y: object,
    *,
    loss: str = "cross_entropy",
    lr: float,
    optimizer: str | Optimizer = "sgd",
    state: OptimizerState | None = None,
) -> ConvStep:
    """One step on the batch: forward, loss (averaged over the m images), backward, update.

    ``X`` (m, C, H, W); ``Y`` (m, n_out), or integer labels (m,) for ``cross_entropy``. ``state``: the
    optimiser's memory from the previous step (``None``: a fresh start).
    """
    X = check_inputs(net, X)
    get_loss(loss)
    check_pairing(net.output_activation, loss)
    Y = as_targets(Y, X.shape[0], net.n_out, loss)
    lr, opt = check_lr(lr), as_optimizer(optimizer)
    state = check_state(state, opt, net.params)
    with np.errstate(**_QUIET):
        fwd = forward_pass(net, X)
        per_sample, delta = output_delta(net, fwd, Y, loss)
        convs, pool, dflat, dense = backward_pass(net, fwd, delta)
        changes, new_state = optimizer_step(opt, net.params, gradients(convs, dense), lr, state)
        after = net.with_params([p + c for p, c in zip(net.params, changes, strict=True)])
    return ConvStep(
        X, Y, loss, float(per_sample.sum() / len(X)), per_sample, convs, pool, fwd.flat, dflat, dense,
        lr, opt.name, net, after, new_state,
    )  # fmt: skip


def loss_of(net: ConvNet, X: object, Y: object, loss: str = "cross_entropy") -> float:
    """The batch loss of ``net`` on ``(X, Y)`` without a step (for finite-difference checks)."""
    X = check_inputs(net, X)
    get_loss(loss)
    check_pairing(net.output_activation, loss)
    Y = as_targets(Y, X.shape[0], net.n_out, loss)
    with np.errstate(**_QUIET):
        per_sample, _ = output_delta(net, forward_pass(net, X), Y, loss)
    return float(per_sample.sum() / len(X))


def predict(net: ConvNet, X: object) -> np.ndarray:
    """The output layer's ``a`` (m, n_out) for images ``X``."""
    return forward(net, X).output
