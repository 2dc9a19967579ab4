"""The step-through presets: small networks with fixed data, and names for their neurons and weights.

* ``single weight``: y = w * x, w = 2, x = 5, target 12, squared error (the engine's
  ``single_weight`` example).
* ``classic 2-2-2``: the widely published hand-worked example (``classic_222``), with the
  walk-through's names w1..w8 for the weights and i/h/o for the neurons.
* ``tiny classifier``: 2-3-1 (tanh hidden, sigmoid output, bce) on the four XOR points, initial
  weights drawn from a fixed seed and rounded to two decimals so they can be checked by hand.
* ``custom``: any layer sizes up to ``MAX_CUSTOM_HIDDEN`` hidden layers of up to
  ``MAX_CUSTOM_WIDTH`` neurons, with eight seeded samples.

A parameter is addressed as ``(layer, i, j)`` (``W[layer][i, j]``, engine layer numbering) or
``(layer, None, j)`` for the bias ``b[layer][j]``. Its id (for URLs) numbers layers and neurons
from 1 as the app does: ``w2.1.1`` is the weight from neuron 1 of the previous layer to neuron 1
of layer 2, ``b2.1`` the bias of that neuron; in the classic preset the weights are ``w1``..``w8``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from backprop_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from backprop_core.datasets import CLASSIC_WEIGHT_NAMES, Example, classic_222, single_weight
from backprop_core.losses import LOSSES, pairing_problem
from backprop_core.network import MLP, check_sizes
from backprop_core.pytorch.common import CompareRow
from backprop_core.validation import as_targets

PRESET_NAMES: tuple[str, ...] = ("single weight", "classic 2-2-2", "tiny classifier", "custom")
MAX_CUSTOM_HIDDEN = 4
MAX_CUSTOM_WIDTH = 6
MAX_BATCH = 8
TINY_SEED = 7
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


@dataclass(frozen=True)
class Preset(Example):
    """A network to step through and the samples it may train on: an ``Example`` with names.

    ``X``: ``(n, n_in)`` and ``Y``: ``(n, n_out)`` hold every available sample; a batch of size
    m uses the first m rows. ``neuron_names[c][k]``: the name of neuron k of diagram column c
    (0 = input). ``fixed_biases``: the model has no trainable bias (single weight).
    """

    neuron_names: tuple[tuple[str, ...], ...]
    fixed_biases: bool = False

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.net.sizes

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def is_classic(self) -> bool:
        return self.name == "classic 2-2-2"

    @property
    def weight_names(self) -> dict[ParamRef, str]:
        """Names the preset gives its weights: w1..w8 in the classic example, w for the single weight."""
        if self.is_classic:
            return {v: k for k, v in CLASSIC_WEIGHT_NAMES.items()}
        if self.name == "single weight":
            return {(0, 0, 0): "w"}
        return {}


def from_example(
    ex: Example, neuron_names: tuple[tuple[str, ...], ...], fixed_biases: bool = False
) -> Preset:
    """The engine's fixed example ``ex`` as a preset, with names for its neurons."""
    return Preset(
        ex.name,
        ex.net,
        ex.X,
        ex.Y,
        ex.loss,
        ex.lr,
        ex.freeze_biases,
        ex.description,
        neuron_names,
        fixed_biases,
    )


def default_neuron_names(sizes: Sequence[int]) -> tuple[tuple[str, ...], ...]:
    """x1.. for inputs, o1.. for outputs, h1.. for one hidden layer (h2.3 = layer 2, neuron 3 if several)."""
    n_hidden = len(sizes) - 2
    names = []
    for c, n in enumerate(sizes):
        if c == 0:
            names.append(tuple(f"x{k + 1}" for k in range(n)))
        elif c == len(sizes) - 1:
            names.append(tuple(f"o{k + 1}" for k in range(n)))
        elif n_hidden == 1:
            names.append(tuple(f"h{k + 1}" for k in range(n)))
        else:
            names.append(tuple(f"h{c}.{k + 1}" for k in range(n)))
    return tuple(names)


def tiny_classifier(seed: int = TINY_SEED) -> Preset:
    """2-3-1, tanh hidden layer, sigmoid output, bce, lr 0.5, on the four XOR points."""
    net = MLP.create([2, 3, 1], hidden="tanh", output="sigmoid", init="xavier", seed=seed)
    net = MLP.from_params([np.round(w, 2) for w in net.weights], net.biases, net.activations)
    return Preset(
        "tiny classifier",
        net,
        XOR_X.copy(),
        XOR_Y.copy(),
        "bce",
        0.5,
        False,
        "two inputs, three tanh hidden units, one sigmoid output, on the four XOR points "
        f"(target 1 when exactly one input is 1); starting weights from seed {seed}",
        default_neuron_names(net.sizes),
    )


def check_custom_sizes(sizes: Sequence[int]) -> list[int]:
    """Layer sizes a learner may build: ``ValueError`` with a readable reason otherwise.

    One rule per limit, worded the same way whichever side of it a size falls (``2-0-1`` and
    ``2-50-1`` both hear "use 1 to 6 per layer").
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError("needs at least an input and an output size, e.g. 2-3-1")
    if len(sizes) - 2 > MAX_CUSTOM_HIDDEN:
        raise ValueError(
            f"{len(sizes) - 2} hidden layers is too many for a readable diagram; use 0 to {MAX_CUSTOM_HIDDEN}"
        )
    for pos, n in enumerate(sizes):
        if not 1 <= n <= MAX_CUSTOM_WIDTH:
            last = pos == len(sizes) - 1
            what = "the input" if pos == 0 else "the output" if last else f"hidden layer {pos}"
            wide = "too wide" if n > MAX_CUSTOM_WIDTH else "too small"
            raise ValueError(f"{what} has {n} neurons, {wide} here; use 1 to {MAX_CUSTOM_WIDTH} per layer")
    return check_sizes(sizes)


def parse_sizes(text: str) -> list[int]:
    """``"2-3-1"`` (input, hidden..., output) as checked sizes; ``ValueError`` says what is wrong.

    The messages never repeat the text (the page echoes it itself, escaped).
    """
    parts = [p.strip() for p in re.split(r"[-,\s]+", text.strip()) if p.strip()]
    if len(parts) < 2:
        raise ValueError("needs at least an input and an output size, e.g. 2-3-1")
    if not all(p.isdecimal() and p.isascii() and len(p) <= 6 for p in parts):
        raise ValueError("expected whole numbers separated by '-', e.g. 2-3-1")
    return check_custom_sizes([int(p) for p in parts])


def custom_data(n_in: int, n_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``MAX_BATCH`` samples: inputs in [-1, 1] rounded to 2 decimals, targets valid for every loss.

    One output: target 1 when the inputs sum to more than 0, else 0. Several outputs: a one-hot
    row for class ``(number of positive inputs) mod n_out``. 0/1 and one-hot targets suit mse,
    half_sse, bce and cross_entropy alike, so changing the loss never makes the data invalid.
    """
    rng = np.random.default_rng([seed, 1])
    X = np.round(rng.uniform(-1, 1, (MAX_BATCH, n_in)), 2)
    if n_out == 1:
        return X, (X.sum(axis=1) > 0).astype(float).reshape(-1, 1)
    labels = (X > 0).sum(axis=1) % n_out
    return X, np.eye(n_out)[labels]


def custom(sizes: Sequence[int], seed: int = 0) -> Preset:
    """A network of the given sizes (tanh hidden, sigmoid output, mse), weights from ``seed``."""
    sizes = check_custom_sizes(sizes)
    net = MLP.create(sizes, hidden="tanh", output="sigmoid", init="xavier", seed=seed)
    net = MLP.from_params([np.round(w, 2) for w in net.weights], net.biases, net.activations)
    X, Y = custom_data(sizes[0], sizes[-1], seed)
    return Preset(
        "custom",
        net,
        X,
        Y,
        "mse",
        0.5,
        False,
        f"layer sizes {'-'.join(map(str, sizes))}, starting weights from seed {seed}, eight seeded samples",
        default_neuron_names(sizes),
    )


def get_preset(name: str, sizes: Sequence[int] | None = None, seed: int = 0) -> Preset:
    """The preset ``name``; ``sizes`` and ``seed`` build the custom one."""
    if name == "single weight":
        return from_example(single_weight(), (("x",), ("ŷ",)), fixed_biases=True)
    if name == "classic 2-2-2":
        return from_example(classic_222(), (("i1", "i2"), ("h1", "h2"), ("o1", "o2")))
    if name == "tiny classifier":
        return tiny_classifier()
    if name == "custom":
        return custom(sizes if sizes is not None else (2, 3, 1), seed)
    raise ValueError(f"unknown preset {name!r}; expected one of {', '.join(PRESET_NAMES)}")


# -- valid choices ------------------------------------------------------------------------------


def output_activation_problem(name: str, n_out: int) -> str | None:
    """Why ``name`` cannot be the output activation of a network with ``n_out`` outputs, or None."""
    if name not in ACTIVATIONS:
        return f"unknown activation {name!r}"
    if name == "softmax" and n_out < 2:
        return "softmax needs at least two outputs: with one output it always gives 1"
    return None


# the values an output activation can take (low, high); sigmoid, softmax and tanh only approach their ends
OUTPUT_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, float("inf")),
}


def unreachable_target(output: str, Y: np.ndarray) -> str | None:
    """Why an ``output`` activation can never come near some target in ``Y``, or ``None``.

    ``"a sigmoid output lies strictly between 0 and 1, so it can never reach the target 12"``.
    Targets on the ends of an open range (0 and 1 for a sigmoid) are approached as closely as
    the weights allow, so the loss can still fall towards zero: they are not reported.
    """
    if output not in OUTPUT_RANGES:
        return None
    lo, hi = OUTPUT_RANGES[output]
    outside = Y[(Y < lo) | (Y > hi)]
    if outside.size == 0:
        return None
    worst = float(outside[np.argmax(np.abs(outside))])
    where = f"at least {lo:g}" if hi == float("inf") else f"strictly between {lo:g} and {hi:g}"
    return f"a {output} output lies {where}, so it can never reach the target {worst:g}"


def output_activations(n_out: int) -> list[str]:
    return [name for name in ACTIVATIONS if output_activation_problem(name, n_out) is None]


def hidden_activations() -> list[str]:
    return list(HIDDEN_ACTIVATIONS)


def target_problem(Y: np.ndarray, loss_name: str) -> str | None:
    """Why the targets ``Y`` ``(m, n_out)`` do not suit ``loss``, or ``None``."""
    try:
        as_targets(Y, Y.shape[0], Y.shape[1], loss_name)
    except ValueError as exc:
        return f"the targets do not suit it ({exc})"
    return None


def loss_choices(output_activation: str, Y: np.ndarray) -> tuple[list[str], dict[str, str]]:
    """The losses that fit the output activation and the targets, and why each other one does not."""
    valid, excluded = [], {}
    for name in LOSSES:
        problem = pairing_problem(output_activation, name) or target_problem(Y, name)
        if problem:
            excluded[name] = problem
        else:
            valid.append(name)
    return valid, excluded


# -- names of parameters ------------------------------------------------------------------------

_WEIGHT_ID = re.compile(r"w(\d+)\.(\d+)\.(\d+)")
_BIAS_ID = re.compile(r"b(\d+)\.(\d+)")


class ParamRef(NamedTuple):
    """One parameter of the network: weight ``W[layer][i, j]``, or bias ``b[layer][j]`` (``i`` is None).

    ``layer`` is the engine's (0 = first after the input; shown to the learner as ``layer + 1``).
    A plain ``(layer, i, j)`` tuple is equal to it and finds the same dict entries. Its three
    renderers share one rule: a weight the preset names (``w5``) is called by that name.
    """

    layer: int
    i: int | None
    j: int

    def preset_name(self, weight_names: dict[ParamRef, str] | None) -> str | None:
        """The preset's own name for this weight (``w5``), or ``None``."""
        if self.i is None or not weight_names:
            return None
        return weight_names.get(self)

    def url_id(self, weight_names: dict[ParamRef, str] | None = None) -> str:
        """The URL id: the preset's own name if it has one (``w5``), else ``w2.1.1``; ``b2.1``
        for the bias of neuron 1 of layer 2."""
        if self.i is None:
            return f"b{self.layer + 1}.{self.j + 1}"
        return self.preset_name(weight_names) or f"w{self.layer + 1}.{self.i + 1}.{self.j + 1}"

    def short_name(self, names: Sequence[Sequence[str]], weight_names: dict | None = None) -> str:
        """``w5`` where the preset names the weight, else ``w(h1→o1)``; ``b(h1)`` for a bias."""
        dst = names[self.layer + 1][self.j]
        if self.i is None:
            return f"b({dst})"
        return self.preset_name(weight_names) or f"w({names[self.layer][self.i]}→{dst})"

    def label(self, names: Sequence[Sequence[str]], weight_names: dict[ParamRef, str] | None = None) -> str:
        """``w5 (h1 → o1)`` where the preset names the weight, else ``w(h1 → o1), layer 2``;
        ``b(h1), bias of layer 1`` for a bias."""
        dst = names[self.layer + 1][self.j]
        if self.i is None:
            return f"b({dst}), bias of layer {self.layer + 1}"
        src = names[self.layer][self.i]
        own = self.preset_name(weight_names)
        return f"{own} ({src} → {dst})" if own else f"w({src} → {dst}), layer {self.layer + 1}"


def param_id(param: tuple[int, int | None, int], weight_names: dict[ParamRef, str] | None = None) -> str:
    """``ParamRef(*param).url_id(weight_names)``."""
    return ParamRef(*param).url_id(weight_names)


PARAM_ID = re.compile(r"w\d+\.\d+\.\d+|b\d+\.\d+|w\d*")


def parse_param_id(
    text: str, sizes: Sequence[int], weight_names: dict[ParamRef, str] | None = None
) -> ParamRef:
    """The parameter a URL id names; ``ValueError`` when it does not exist in this network."""
    text = text.strip()
    if len(text) > 20:
        raise ValueError("too long for a parameter name")
    by_name = {v: k for k, v in (weight_names or {}).items()}
    if text in by_name:
        return by_name[text]
    if m := _WEIGHT_ID.fullmatch(text):
        layer, i, j = (int(g) - 1 for g in m.groups())
    elif m := _BIAS_ID.fullmatch(text):
        layer, j = (int(g) - 1 for g in m.groups())
        i = None
    else:
        example = next(iter(by_name), "w2.1.1")
        raise ValueError(f"not a weight name like {example} or a bias name like b1.1 here")
    n_layers = len(sizes) - 1
    ok = 0 <= layer < n_layers and 0 <= j < sizes[layer + 1] and (i is None or 0 <= i < sizes[layer])
    if not ok:
        raise ValueError(f"no such parameter in a {'-'.join(map(str, sizes))} network")
    return (layer, i, j)


def all_params(sizes: Sequence[int], include_biases: bool = True) -> list[ParamRef]:
    """Every weight, layer by layer (output layer last), then optionally every bias."""
    weights = [(l, i, j) for l in range(len(sizes) - 1) for j in range(sizes[l + 1]) for i in range(sizes[l])]
    if not include_biases:
        return weights
    return weights + [(l, None, j) for l in range(len(sizes) - 1) for j in range(sizes[l + 1])]


def param_label(
    param: tuple[int, int | None, int],
    names: Sequence[Sequence[str]],
    weight_names: dict[ParamRef, str] | None = None,
) -> str:
    """``ParamRef(*param).label(names, weight_names)``."""
    return ParamRef(*param).label(names, weight_names)


_ROW = re.compile(r"(dL/dW|W after) layer (\d+) \[(\d+), (\d+)\]")


def named_rows(rows: Sequence[CompareRow], weight_names: dict[ParamRef, str]) -> list[CompareRow]:
    """``mlp_rows``'s rows with the preset's own weight names: ``dL/dW layer 2 [0, 0]`` becomes
    ``dL/dw5`` and ``W after layer 2 [0, 0]`` becomes ``w5 after`` in the classic preset, listed
    w1..w8 within each block (the script's order is by matrix position: w1, w3, w2, ...)."""
    keyed = []
    block = 0
    previous_kind = None
    for index, row in enumerate(rows):
        m = _ROW.fullmatch(row.quantity)
        kind = m[1] if m else row.quantity.split(" layer")[0]
        block += kind != previous_kind
        previous_kind = kind
        name = weight_names.get((int(m[2]) - 1, int(m[3]), int(m[4]))) if m else None
        if name is None:
            keyed.append(((block, 0, index), row))
            continue
        quantity = f"dL/d{name}" if m[1] == "dL/dW" else f"{name} after"
        number = int("".join(c for c in name if c.isdigit()) or 0)
        keyed.append(((block, number, index), CompareRow(quantity, row.pytorch, row.value)))
    return [row for _, row in sorted(keyed, key=lambda item: item[0])]
