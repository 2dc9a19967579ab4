"""The convolution lab's prose, built from the model's constants where it names them."""

from __future__ import annotations

from .model import BAR, CLASSES, KERNEL, N_TEST, N_TRAIN, NOISE, POOL, SIDE

TITLE = "Convolutions and max-pooling"
ICON = "🧩"
INTRO = (
    "A convolutional layer uses **one small filter at every position** of the image, and a max-pool keeps "
    "only the largest value of each window. Here you step through both, forward and backward, number by "
    "number: why the filter's gradient is a **sum over all positions**, why the gradient through a max-pool "
    "reaches **only the winning cells**, and how $dx$ is a convolution with the **flipped** filter. Then you "
    "train the network live and watch its filters become edge and line detectors."
)

DATA = (
    f"The images are drawn by code from a seed, so nothing is downloaded: {SIDE}x{SIDE} pixels, one channel, "
    f"five classes ({', '.join(CLASSES)}), each shape {BAR[0]} to {BAR[1]} pixels long at a random position, "
    f"pixel value 1 on the shape and 0 elsewhere, plus Gaussian noise of std {NOISE}. {N_TRAIN} training "
    f"images and {N_TEST} test images (another seed)."
)

NETWORK = (
    f"**The network.** {KERNEL}x{KERNEL} convolution (stride 1, no padding) → relu → {POOL}x{POOL} max-pool "
    "→ flatten → one dense layer → softmax over the five classes; loss: cross-entropy averaged over the "
    "images. Initial weights: He normal (std √(2 / fan-in)), biases 0. With two conv layers, a second "
    f"{KERNEL}x{KERNEL} convolution and relu come before the pool."
)

ONE_IMAGE = (
    "The Forward and Backward sections follow **one training image as a batch of one**, through the "
    "network as it is now (train it below and come back: the numbers change). With a batch of one, the "
    "loss is that image's own loss and every sum over images has a single term."
)

CROSS_CORRELATION = (
    "Like PyTorch's `F.conv2d`, the layer computes a *cross-correlation*: the filter is laid on the "
    "image as it is, not flipped. (A convolution in the mathematical sense would flip it first; deep "
    "learning keeps the name anyway.)"
)

POOL_WHY = (
    "The max-pool's output is the largest input of each window, so a small change of the winning cell "
    "changes the output by the same amount (slope 1), and a small change of any other cell changes nothing "
    "(slope 0). So the gradient of each window goes to its winner, and every other cell gets exactly 0. "
    "**Ties:** if several cells share the maximum, the first in reading order (row by row, left to right) "
    "wins and receives the whole gradient; PyTorch's CPU kernel makes the same choice. At a tie the max "
    "has no derivative, so this is a convention, not a consequence."
)

DK_WHY = (
    "The same filter entry $K[u, v]$ multiplies $x[i+u, j+v]$ at **every** position $(i, j)$: it takes "
    "part in every $z[i, j]$. By the chain rule its gradient is the sum of what each position contributes, "
    "$dK[u,v] = \\sum_{i,j} x[i+u, j+v]\\,\\delta[i,j]$. A dense layer would have a separate weight (and a "
    "separate gradient) for each of those positions; sharing the filter is why the conv layer has so few "
    "parameters."
)

DX_WHY = (
    "Each $z[i, j]$ used the input cells under its window, weighted by $K$. Going back, $\\delta[i, j]$ "
    "sends $K[u, v]\\,\\delta[i, j]$ to input cell $(i+u, j+v)$. Collecting, for one input cell, every "
    "window that covered it gives $dx[p, q] = \\sum_{u,v} \\delta[p-u, q-v]\\,K[u, v]$: sliding the "
    "**flipped** filter over $\\delta$ padded with $k-1$ zeros on every side, the *full* convolution. Its "
    "output is as large as the input."
)

PARAMS_WHY = (
    "A conv layer's parameter count depends on the filter size and the number of channels, not on the "
    "image size: the same weights are used at every position."
)


def try_this() -> str:
    """The closing predict-then-check task."""
    return (
        f"**Predict first:** a {POOL}x{POOL} max-pool covers the relu map in windows of {POOL * POOL} cells. "
        "In the Backward section, which cells of the map (before the pool) will get a non-zero gradient, and "
        "how many per window at most? Pick step 2 (*routed to the winners*), then check: compare the ringed "
        "winners with the cells that are not 0. Then step 3 (*times f′(z)*): can a winner still end up "
        "with 0 there, and why?\n\n"
        "**Then:** set the filters to 1 and train. Predict whether the accuracy on the test images goes up "
        "or down compared with 4 filters, and look at what the single filter becomes."
    )


SUMMARY = (
    f"{N_TRAIN} training and {N_TEST} test images of {SIDE}x{SIDE} pixels in {len(CLASSES)} classes, made by "
    f"code from the seed; {KERNEL}x{KERNEL} convolution, relu, {POOL}x{POOL} max-pool, one dense layer, "
    "softmax, cross-entropy (the second conv layer, when chosen, comes before the pool)."
)
