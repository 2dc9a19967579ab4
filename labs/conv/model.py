"""The convolution lab's model: the seeded image set, the network, training, and the step worked out.

numpy and ``backprop_core`` only. Everything a section shows is computed here as plain arrays:
the window under the cursor and its products, the running sum of ``dK``, the parameter counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from backprop_core import convnet
from backprop_core.conv import full_convolution
from backprop_core.convnet import ConvNet, ConvStep
from backprop_core.optimizers import OptimizerState, carried_memory

SIDE = 12
CLASSES: tuple[str, ...] = ("horizontal bar", "vertical bar", "diagonal bar", "cross", "corner")
N_TRAIN, N_TEST = 200, 100
NOISE = 0.15  # std of the Gaussian noise added to every pixel
BAR = (5, 8)  # a bar's length in pixels, from 5 to 8
KERNEL = 3
POOL = 2
FILTER_CHOICES: tuple[int, ...] = (1, 2, 3, 4, 6, 8)
CONV_LAYER_CHOICES: tuple[int, ...] = (1, 2)
DEFAULT_FILTERS = 4
DEFAULT_LR = 0.3
DEFAULT_OPTIMIZER = "sgd"
LOSS = "cross_entropy"
MAX_ITERATIONS = 5000
MISCLASSIFIED_SHOWN = 6


@dataclass(frozen=True, repr=False)
class Images:
    """Training and test images (m, 1, SIDE, SIDE) with integer class labels (m,)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def draw_shape(kind: int, rng: np.random.Generator, side: int = SIDE) -> np.ndarray:
    """One clean image (side, side) of class ``kind``: pixels 1 on the shape, 0 elsewhere."""
    img = np.zeros((side, side))
    n = int(rng.integers(BAR[0], BAR[1] + 1))
    r, c = (int(v) for v in rng.integers(0, side - n + 1, size=2))
    if kind == 0:
        img[int(rng.integers(0, side)), c : c + n] = 1.0
    elif kind == 1:
        img[r : r + n, int(rng.integers(0, side))] = 1.0
    elif kind == 2:
        k = np.arange(n)
        if rng.random() < 0.5:
            img[r + k, c + k] = 1.0  # top-left to bottom-right
        else:
            img[r + k, c + n - 1 - k] = 1.0  # top-right to bottom-left
    elif kind == 3:
        half = n // 2
        img[r + half, c : c + n] = 1.0
        img[r : r + n, c + half] = 1.0
    else:
        # an L in one of four orientations: a horizontal and a vertical arm meeting at a corner
        row = r if rng.random() < 0.5 else r + n - 1
        col = c if rng.random() < 0.5 else c + n - 1
        img[row, c : c + n] = 1.0
        img[r : r + n, col] = 1.0
    return img


def make_images(n: int, seed: int, noise: float = NOISE, side: int = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy images (n, 1, side, side), classes in turn, and their labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(CLASSES)
    clean = np.stack([draw_shape(int(k), rng, side) for k in labels])
    X = clean + rng.normal(0.0, noise, size=clean.shape)
    return X[:, None, :, :], labels


def make_dataset(seed: int = 0) -> Images:
    """The lab's images: training and test sets drawn from different seeds."""
    X_train, y_train = make_images(N_TRAIN, seed)
    X_test, y_test = make_images(N_TEST, seed + 10_000)
    return Images(X_train, y_train, X_test, y_test)


def make_net(filters: int = DEFAULT_FILTERS, conv_layers: int = 1, seed: int = 0) -> ConvNet:
    """The lab's network: 3x3 conv (``filters`` of them, once or twice) -> relu -> 2x2 max-pool ->
    flatten -> dense -> softmax over the five classes; He initialisation, biases 0."""
    return convnet.create(
        (1, SIDE, SIDE), (filters,) * conv_layers, KERNEL, len(CLASSES), pool=POOL, seed=seed
    )


@dataclass(frozen=True, repr=False)
class Lab:
    """One learner's training run: the network, the optimiser's memory and the curves so far."""

    net: ConvNet
    data: Images
    state: OptimizerState | None = None
    iteration: int = 0
    losses: tuple[float, ...] = ()
    train_acc: tuple[float, ...] = ()
    test_acc: tuple[float, ...] = ()
    optimizer: str = DEFAULT_OPTIMIZER
    seed: int = 0

    @property
    def finished(self) -> bool:
        return self.iteration >= MAX_ITERATIONS


def start_lab(
    filters: int = DEFAULT_FILTERS, conv_layers: int = 1, seed: int = 0, data: Images | None = None
) -> Lab:
    """A fresh run: new weights from ``seed``, no steps taken; the curves start with the untrained net."""
    data = data if data is not None else make_dataset(seed)
    net = make_net(filters, conv_layers, seed)
    first_loss, tr, te = evaluate(net, data)
    return Lab(net, data, seed=seed, losses=(first_loss,), train_acc=(tr,), test_acc=(te,))


def evaluate(net: ConvNet, data: Images) -> tuple[float, float, float]:
    """Training loss, training accuracy and test accuracy of ``net`` (two forward passes)."""
    fwd = convnet.forward(net, data.X_train)
    out = fwd.output
    # softmax + cross_entropy: the mean of -log a[label], from z through log-softmax
    z = fwd.dense[-1].z
    z = z - z.max(axis=1, keepdims=True)
    log_a = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    value = float(-log_a[np.arange(len(z)), data.y_train].mean())
    train_acc = float(np.mean(out.argmax(axis=1) == data.y_train))
    return value, train_acc, accuracy(net, data.X_test, data.y_test)


def accuracy(net: ConvNet, X: np.ndarray, y: np.ndarray) -> float:
    """The share of images whose largest output is the right class."""
    return float(np.mean(convnet.predict(net, X).argmax(axis=1) == y))


def train(lab: Lab, iterations: int, lr: float, optimizer: str) -> Lab:
    """``iterations`` full-batch steps on the 200 training images; the optimiser's memory restarts
    when the optimiser changes."""
    net, state = lab.net, carried_memory(lab.state, optimizer)  # a switched optimiser starts empty
    losses, tr, te = list(lab.losses), list(lab.train_acc), list(lab.test_acc)
    n = max(0, min(iterations, MAX_ITERATIONS - lab.iteration))
    for _ in range(n):
        X, y = lab.data.X_train, lab.data.y_train
        step = convnet.train_step(net, X, y, loss=LOSS, lr=lr, optimizer=optimizer, state=state)
        net, state = step.net_after, step.state
        for curve, value in zip((losses, tr, te), evaluate(net, lab.data), strict=True):
            curve.append(value)
    return replace(lab, net=net, state=state, iteration=lab.iteration + n, losses=tuple(losses),
                   train_acc=tuple(tr), test_acc=tuple(te), optimizer=optimizer)  # fmt: skip


def misclassified(lab: Lab, limit: int = MISCLASSIFIED_SHOWN) -> list[tuple[int, int, int, float]]:
    """Test images the network gets wrong: (index, true class, predicted class, its probability)."""
    out = convnet.predict(lab.net, lab.data.X_test)
    pred = out.argmax(axis=1)
    wrong = np.flatnonzero(pred != lab.data.y_test)[:limit]
    return [(int(i), int(lab.data.y_test[i]), int(pred[i]), float(out[i, pred[i]])) for i in wrong]


@dataclass(frozen=True)
class ParamCount:
    """The conv layer's parameters against a dense layer from the same input to as many outputs."""

    conv: int
    dense: int
    n_in: int
    n_out: int


def param_count(net: ConvNet) -> ParamCount:
    """First conv layer: ``C_out * (C_in * kh * kw + 1)``; a dense layer with the same input (C*H*W)
    and the same number of outputs (its feature map's size) needs ``n_in * n_out + n_out``."""
    K = net.K[0]
    c, h, w = net.input_shape
    ho, wo = h - K.shape[2] + 1, w - K.shape[3] + 1
    n_in, n_out = c * h * w, K.shape[0] * ho * wo
    return ParamCount(K.size + K.shape[0], n_in * n_out + n_out, n_in, n_out)


def one_image_step(net: ConvNet, x: np.ndarray, label: int, lr: float, optimizer: str = "sgd") -> ConvStep:
    """One step on a batch of one image ``x`` (1, SIDE, SIDE): what the Forward and Backward sections show."""
    return convnet.train_step(net, x[None], np.array([label]), loss=LOSS, lr=lr, optimizer=optimizer)


@dataclass(frozen=True)
class Position:
    """One position of the sliding window for filter ``o`` of conv layer 0 and image 0 of a step."""

    i: int
    j: int
    patch: np.ndarray  # (kh, kw) the input under the window (channel 0)
    kernel: np.ndarray  # (kh, kw)
    products: np.ndarray  # patch * kernel
    bias: float
    z: float


def position(step: ConvStep, o: int, k: int) -> Position:
    """The window at position number ``k`` (reading order) of filter ``o`` in the first conv layer."""
    t = step.convs[0].conv
    wo = t.z.shape[3]
    i, j = divmod(k, wo)
    kh, kw = t.K.shape[2:]
    s = t.stride
    patch = t.xp[0, 0, i * s : i * s + kh, j * s : j * s + kw]
    kernel = t.K[o, 0]
    return Position(i, j, patch, kernel, patch * kernel, float(t.b[o]), float(t.z[0, o, i, j]))


@dataclass(frozen=True)
class RunningSum:
    """``dK[o, 0, u, v]`` built position by position: each position's term and the sum so far."""

    u: int
    v: int
    inputs: np.ndarray  # x[i + u, j + v] for every position (H_out, W_out)
    deltas: np.ndarray  # delta[i, j] (H_out, W_out)
    terms: np.ndarray  # their products
    running: np.ndarray  # cumulative sum in reading order, (H_out * W_out,)
    total: float  # the engine's dK[o, 0, u, v]


def running_sum(step: ConvStep, o: int, c: int, u: int, v: int) -> RunningSum:
    """The terms of ``dK[o, c, u, v] = sum over i, j of x[c, i + u, j + v] * delta[o, i, j]`` for the last
    conv layer of a one-image step (its input ``x`` is the image, or conv layer 1's ``a``)."""
    layer = step.convs[-1]
    ho, wo = layer.delta.shape[2:]
    s = layer.conv.stride
    inputs = layer.conv.xp[0, c, u : u + s * (ho - 1) + 1 : s, v : v + s * (wo - 1) + 1 : s]
    deltas = layer.delta[0, o]
    terms = inputs * deltas
    return RunningSum(u, v, inputs, deltas, terms, np.cumsum(terms.ravel()), float(layer.dK[o, c, u, v]))


@dataclass(frozen=True)
class FullConvolution:
    """``dx`` of the last conv layer for input channel ``c`` (image 0), worked out as a full convolution."""

    padded: np.ndarray  # delta[o] with kh - 1, kw - 1 zeros on every side
    flipped: np.ndarray  # K[o, c] turned upside down and left to right
    part: np.ndarray  # what filter o contributes to dx[c]
    dx: np.ndarray  # the sum over every filter: the engine's dx[c]
    engine_dx: np.ndarray


def full_conv_view(step: ConvStep, o: int, c: int) -> FullConvolution:
    """Filter ``o``'s share of ``dx[c]`` and the total over filters, beside the engine's ``dx[c]``."""
    layer = step.convs[-1]
    K, delta = layer.conv.K, layer.delta[:1]
    kh, kw = K.shape[2:]
    padded = np.pad(delta[0, o], ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    part = full_convolution(delta[:, o : o + 1], K[o : o + 1, c : c + 1])[0, 0]
    total = full_convolution(delta, K)[0, c]
    return FullConvolution(padded, K[o, c, ::-1, ::-1], part, total, layer.dx[0, c])
