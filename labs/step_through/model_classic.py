"""The classic 2-2-2 walk-through's published numbers, checked against the engine, and the
after-update summary the original printed (which its own walk-through does not reproduce).

The walk-through: Matt Mazur, "A Step by Step Backpropagation Example" (2015), ``CLASSIC_SOURCE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_core.datasets import CLASSIC_WEIGHT_NAMES, classic_222
from backprop_core.engine import backward, compute_loss, evaluate, forward, predict, train_step, update
from backprop_core.network import MLP
from backprop_core.runner import Data, RunState, TrainConfig, run
from backprop_core.trace import StepTrace

# -- the published walk-through -----------------------------------------------------------------

CLASSIC_AUTHOR = "Matt Mazur"
CLASSIC_TITLE = "A Step by Step Backpropagation Example"
CLASSIC_YEAR = 2015
CLASSIC_URL = "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/"
# the markdown citation every sentence naming "the published walk-through" links to
CLASSIC_SOURCE = f'{CLASSIC_AUTHOR}, ["{CLASSIC_TITLE}"]({CLASSIC_URL}) ({CLASSIC_YEAR})'

# The classic walk-through's printed values, as printed (the text keeps the printed precision).
CLASSIC_PUBLISHED: dict[str, str] = {
    "z(h1)": "0.3775",
    "a(h1)": "0.593269992",
    "a(h2)": "0.596884378",
    "z(o1)": "1.105905967",
    "a(o1)": "0.75136507",
    "a(o2)": "0.772928465",
    "E(o1)": "0.274811083",
    "E(o2)": "0.023560026",
    "total error": "0.298371109",
    "dE/dw5": "0.082167041",
    "w5 after": "0.35891648",
    "w6 after": "0.408666186",
    "w7 after": "0.511301270",
    "w8 after": "0.561370121",
    "dE/dw1": "0.000438568",
    "w1 after": "0.149780716",
    "w2 after": "0.19956143",
    "w3 after": "0.24975114",
    "w4 after": "0.29950229",
}
# the original's summary after the step, which its walk-through does not reproduce
CLASSIC_PUBLISHED_AFTER_ONE = "0.291027924"
CLASSIC_PUBLISHED_AFTER_10000 = "0.0000351085"
CLASSIC_PUBLISHED_OUTPUTS_10000 = ("0.015912196", "0.984065734")


def printed_decimals(text: str) -> int:
    """How many decimals a published number was printed with."""
    return len(text.split(".")[1]) if "." in text else 0


def matches_printed(value: float, text: str) -> bool:
    """``value`` equals the printed number at its precision, give or take one unit in the last digit."""
    unit = 10.0 ** -printed_decimals(text)
    return abs(round(value, printed_decimals(text)) - float(text)) <= unit * 1.000001


def classic_walkthrough_values(trace: StepTrace) -> dict[str, float]:
    """The engine's values of the quantities in ``CLASSIC_PUBLISHED``, from one classic-preset trace."""
    a, z, y = trace.a, trace.z, trace.y
    half_sq = 0.5 * (a[1][0] - y[0]) ** 2
    after = trace.net_after.weights
    out = {
        "z(h1)": z[0][0, 0],
        "a(h1)": a[0][0, 0],
        "a(h2)": a[0][0, 1],
        "z(o1)": z[1][0, 0],
        "a(o1)": a[1][0, 0],
        "a(o2)": a[1][0, 1],
        "E(o1)": half_sq[0],
        "E(o2)": half_sq[1],
        "total error": trace.loss,
    }
    for name in ("w5", "w1"):
        l, i, j = CLASSIC_WEIGHT_NAMES[name]
        out[f"dE/d{name}"] = trace.dW[l][i, j]
    for name in ("w5", "w6", "w7", "w8", "w1", "w2", "w3", "w4"):
        l, i, j = CLASSIC_WEIGHT_NAMES[name]
        out[f"{name} after"] = after[l][i, j]
    return {k: float(out[k]) for k in CLASSIC_PUBLISHED}


def stale_order_step(net: MLP, X: np.ndarray, Y: np.ndarray, loss_name: str, lr: float) -> MLP:
    """One step that updates layer by layer from the output, each layer's delta computed with the
    already-updated weights of the layers after it (biases frozen).

    This is *not* backpropagation as the walk-through describes it (every gradient must come from
    the weights of the forward pass); it is here because it reproduces the classic example's
    summary figures, which came from an older version of its script.
    """
    fwd = forward(net, X)
    lt = compute_loss(net, fwd, Y, loss_name)
    current = net
    for l in range(net.n_layers - 1, -1, -1):
        grads = backward(current, fwd, lt)
        stepped = update(current, grads, lr, freeze_biases=True).net_after
        weights = list(current.weights)
        weights[l] = stepped.weights[l]
        current = current.with_params(weights, current.biases)
    return current


@dataclass(frozen=True)
class ClassicSummary:
    """Loss of the classic network after 1 and after ``iterations`` steps, three ways.

    ``frozen``: backprop as walked through, biases frozen (the walk-through's algorithm);
    ``trained``: backprop with the biases updated too; ``stale``: ``stale_order_step``.
    ``*_outputs``: the two outputs after ``iterations`` steps.
    """

    iterations: int
    frozen_one: float
    trained_one: float
    stale_one: float
    frozen_many: float
    trained_many: float
    stale_many: float
    frozen_outputs: tuple[float, float]
    trained_outputs: tuple[float, float]
    stale_outputs: tuple[float, float]


def shared_bias_step(net: MLP, X: np.ndarray, Y: np.ndarray, loss_name: str, lr: float) -> MLP:
    """One backprop step where each layer has ONE bias shared by its neurons, as in the original.

    A shared bias feeds every neuron of its layer, so its gradient is the sum of the layer's
    deltas (summed over the samples too): ``dL/db_l = sum_j db[l][j]``. The engine's own step
    gives each neuron its own bias and gradient ``db[l][j]`` instead.
    """
    fwd = forward(net, X)
    grads = backward(net, fwd, compute_loss(net, fwd, Y, loss_name))
    weights = [W - lr * dW for W, dW in zip(net.weights, grads.dW, strict=True)]
    biases = [b - lr * float(db.sum()) for b, db in zip(net.biases, grads.db, strict=True)]
    return net.with_params(weights, biases)


@dataclass(frozen=True)
class AfterOne:
    """Loss of the classic network after one step, four ways (see ``classic_after_one``)."""

    frozen: float
    per_neuron: float
    shared: float
    stale: float


def classic_after_one() -> AfterOne:
    """Loss after one step with biases frozen (the walk-through), per-neuron biases trained (the
    engine's convention), one shared bias per layer trained (the original's model), and the stale
    order (``stale_order_step``) — cheap."""
    ex = classic_222()
    frozen = train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=True).net_after
    trained = train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=False).net_after
    shared = shared_bias_step(ex.net, ex.X, ex.Y, ex.loss, ex.lr)
    stale = stale_order_step(ex.net, ex.X, ex.Y, ex.loss, ex.lr)
    return AfterOne(*(evaluate(n, ex.X, ex.Y, ex.loss) for n in (frozen, trained, shared, stale)))


def classic_summary(iterations: int = 10_000) -> ClassicSummary:
    """Train the classic network ``iterations`` times three ways (about 2-3 s for 10,000)."""
    ex = classic_222()
    data = Data.create(ex.net, ex.loss, ex.X, ex.Y)
    many = {}
    for freeze in (True, False):
        config = TrainConfig(loss=ex.loss, lr=ex.lr, freeze_biases=freeze)
        many[freeze] = run(RunState(ex.net), data, config, iterations=iterations, evaluate=False).state.net
    stale = ex.net
    for _ in range(iterations):
        stale = stale_order_step(stale, ex.X, ex.Y, ex.loss, ex.lr)
    one = classic_after_one()

    def outputs(net: MLP) -> tuple[float, float]:
        out = predict(net, ex.X)[0]
        return float(out[0]), float(out[1])

    return ClassicSummary(
        iterations,
        one.frozen,
        one.per_neuron,
        one.stale,
        evaluate(many[True], ex.X, ex.Y, ex.loss),
        evaluate(many[False], ex.X, ex.Y, ex.loss),
        evaluate(stale, ex.X, ex.Y, ex.loss),
        outputs(many[True]),
        outputs(many[False]),
        outputs(stale),
    )
