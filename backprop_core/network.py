"""The multilayer perceptron: layer sizes, weights, biases and activations.

Notation (used in code, UI and tests alike):

* layer ``l`` is counted from 0 = the first layer *after* the input. The app shows layers to
  the learner numbered from 1, so the app's "layer 1" is ``l = 0`` here.
* ``W[l]`` has shape ``(n_in, n_out)`` and ``b[l]`` shape ``(n_out,)``; rows of ``X`` are samples,
  so ``z[l] = a[l-1] @ W[l] + b[l]`` with ``a[-1] = X`` (the inputs).
* ``W[l][i, j]`` is the weight from neuron i of the previous layer to neuron j of layer l.

An ``MLP`` never changes after it is made: its arrays are read-only, and every training step
returns a new ``MLP``. That makes history, step-back and time travel free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .validation import (
    check_finite,
    check_name,
    check_rng,
    check_seed,
    finite_number,
    real_array,
    show,
    whole_number,
)

MAX_HIDDEN_LAYERS = 30
MAX_WIDTH = 512
INIT_SCHEMES: tuple[str, ...] = ("xavier", "he", "normal", "zeros")


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=float, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, repr=False)
class MLP:
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]``.

    ``weights[l]``: ``(sizes[l], sizes[l+1])``; ``biases[l]``: ``(sizes[l+1],)``;
    ``activations[l]``: the UI name of layer l's activation.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: tuple[str, ...]

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_params(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activations: str | Sequence[str],
    ) -> MLP:
        """A network with exactly these parameters (copied, then made read-only).

        ``activations`` is one name per layer, or a single name used for every layer.
        """
        weights = param_list(weights, "weights", "W")
        biases = param_list(biases, "biases", "b")
        if not weights:
            raise ValueError("a network needs at least one layer of weights")
        if len(biases) != len(weights):
            raise ValueError(
                f"got {len(weights)} weight matrices but {len(biases)} bias vectors; "
                "expected one bias vector per layer"
            )
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        elif not isinstance(activations, (list, tuple)):
            raise ValueError(
                f"activations must be a name or a list of names, one per layer, got {show(activations)}"
            )
        activations = tuple(activations)
        if len(activations) != len(weights):
            raise ValueError(
                f"got {len(activations)} activations for {len(weights)} layers; "
                "expected one activation per layer"
            )
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if w.ndim != 2:
                raise ValueError(f"W[{l}] has shape {w.shape}; expected a 2-D array (n_in, n_out)")
            if 0 in w.shape:
                raise ValueError(f"W[{l}] has shape {w.shape}; every layer needs width >= 1")
            if b.shape != (w.shape[1],):
                raise ValueError(
                    f"b[{l}] has shape {b.shape}; expected ({w.shape[1]},) to match W[{l}] of shape {w.shape}"
                )
            if l > 0 and w.shape[0] != weights[l - 1].shape[1]:
                raise ValueError(
                    f"W[{l}] has shape {w.shape} but layer {l - 1} has "
                    f"{weights[l - 1].shape[1]} neurons; expected {weights[l - 1].shape[1]} rows"
                )
        check_sizes([weights[0].shape[0], *(w.shape[1] for w in weights)])  # the width and depth limits
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            check_finite(w, f"W[{l}]")
            check_finite(b, f"b[{l}]")
        for l, name in enumerate(activations):
            act = get_activation(name)
            if act.output_only and l != len(activations) - 1:
                raise ValueError(f"{name} can only be the output layer's activation (layer {l})")
        return cls([_frozen(w) for w in weights], [_frozen(b) for b in biases], activations)

    @classmethod
    def create(
        cls,
        sizes: Sequence[int],
        hidden: str | Sequence[str] = "tanh",
        output: str = "sigmoid",
        init: str = "xavier",
        seed: int | None = 0,
        *,
        std: float = 0.1,
        rng: np.random.Generator | None = None,
    ) -> MLP:
        """A freshly initialised network.

        ``sizes``: ``[n_inputs, hidden widths..., n_outputs]``. ``hidden``: one activation for
        every hidden layer or one per hidden layer. ``init``: ``xavier`` (Glorot uniform:
        ``U(-r, r)``, ``r = sqrt(6 / (n_in + n_out))``), ``he`` (normal with std
        ``sqrt(2 / n_in)``), ``normal`` (normal with std ``std``) or ``zeros``. Biases start at 0.
        All randomness comes from ``rng`` or, if it is not given, ``default_rng(seed)``.
        """
        sizes = check_sizes(sizes)
        n_hidden = len(sizes) - 2
        if isinstance(hidden, str):
            hidden_acts = [hidden] * n_hidden
        elif isinstance(hidden, (list, tuple)):
            hidden_acts = list(hidden)
        else:
            raise ValueError(f"hidden activation must be a name or a list of names, got {show(hidden)}")
        for name in [*hidden_acts, output]:
            get_activation(name)
        if len(hidden_acts) != n_hidden:
            raise ValueError(f"got {len(hidden_acts)} hidden activations for {n_hidden} hidden layers")
        check_name(init, "init", INIT_SCHEMES)
        if init == "normal":
            std = finite_number(std, "std", lo=0.0, rule="must be a finite number >= 0")
        if check_rng(rng) is None:
            rng = np.random.default_rng(check_seed(seed, allow_none=True))
        weights = [init_weights(init, n_in, n_out, rng, std=std) for n_in, n_out in pairwise(sizes)]
        biases = [np.zeros(n) for n in sizes[1:]]
        return cls.from_params(weights, biases, [*hidden_acts, output])

    def with_params(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> MLP:
        """The same architecture with new parameters."""
        return MLP.from_params(weights, biases, self.activations)

    @classmethod
    def trusted(
        cls, weights: list[np.ndarray], biases: list[np.ndarray], activations: tuple[str, ...]
    ) -> MLP:
        """A network from parameters known to be right, without ``from_params``' checks or copies.

        For the engine's fast path and for code that builds many networks from arrays of known
        shapes: ``weights[l]`` ``(n_in, n_out)`` and ``biases[l]`` ``(n_out,)`` float arrays that
        match, ``activations`` a tuple of known names, one per layer. The arrays are used as
        given: whoever keeps the network makes them read-only (``passes`` does for every update).
        """
        return cls(weights, biases, activations)

    # -- description ------------------------------------------------------------------------
    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))

    @property
    def n_layers(self) -> int:
        """Number of layers with weights (hidden layers + the output layer)."""
        return len(self.weights)

    @property
    def n_params(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    @property
    def output_activation(self) -> str:
        return self.activations[-1]

    def __repr__(self) -> str:
        arch = "-".join(str(s) for s in self.sizes)
        return f"MLP({arch}, activations={list(self.activations)}, params={self.n_params})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MLP):
            return NotImplemented
        return (
            self.activations == other.activations
            and len(self.weights) == len(other.weights)
            and all(np.array_equal(a, b) for a, b in zip(self.weights, other.weights, strict=True))
            and all(np.array_equal(a, b) for a, b in zip(self.biases, other.biases, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict:
        """A JSON-ready description (nested lists) that ``from_dict`` reads back."""
        return {
            "sizes": list(self.sizes),
            "activations": list(self.activations),
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
        }

    @classmethod
    def from_dict(cls, data: object) -> MLP:
        """Read ``to_dict`` output back; ``ValueError`` says what is missing or malformed."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object with keys weights, biases, activations")
        missing = [k for k in ("weights", "biases", "activations") if k not in data]
        if missing:
            raise ValueError(f"missing key(s): {', '.join(missing)}")
        try:
            weights = param_list(data["weights"], "weights", "W")
            biases = param_list(data["biases"], "biases", "b")
        except ValueError as exc:
            raise ValueError(f"weights and biases must be nested lists of numbers: {exc}") from None
        acts = data["activations"]
        if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
            raise ValueError("activations must be a list of names")
        net = cls.from_params(weights, biases, acts)
        sizes = data.get("sizes", list(net.sizes))
        if not isinstance(sizes, (list, tuple)) or list(sizes) != list(net.sizes):
            raise ValueError(f"sizes {show(sizes)} do not match the weight shapes {list(net.sizes)}")
        return net


def param_list(value: object, what: str, symbol: str) -> list[np.ndarray]:
    """A list of parameter arrays (``weights`` or ``biases``), each converted by ``validation``'s rule."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        value = list(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{what} must be a list of arrays, one per layer, got {show(value)}")
    return [real_array(v, f"{symbol}[{l}]", "nested lists of numbers") for l, v in enumerate(value)]


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Validate ``[n_inputs, hidden..., n_outputs]``; returns it as a list of ints."""
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if not isinstance(sizes, (list, tuple)):
        raise ValueError(f"sizes must be a list of whole numbers such as [2, 3, 1], got {show(sizes)}")
    try:
        sizes = [whole_number(s, "sizes entry") for s in sizes]
    except ValueError:
        raise ValueError(f"sizes must be whole numbers (layer widths), got {show(sizes, 60)}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes {sizes} needs at least an input and an output size")
    if len(sizes) - 2 > MAX_HIDDEN_LAYERS:
        raise ValueError(f"{len(sizes) - 2} hidden layers requested; expected 0 to {MAX_HIDDEN_LAYERS}")
    for pos, s in enumerate(sizes):
        if not 1 <= s <= MAX_WIDTH:
            what = "input" if pos == 0 else "output" if pos == len(sizes) - 1 else f"hidden layer {pos}"
            raise ValueError(f"{what} width {show(s)} is out of range; expected 1 to {MAX_WIDTH}")
    return sizes


def init_weights(
    scheme: str, n_in: int, n_out: int, rng: np.random.Generator, *, std: float = 0.1
) -> np.ndarray:
    """One weight matrix ``(n_in, n_out)`` drawn by ``scheme`` from ``rng``."""
    if scheme == "xavier":
        r = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-r, r, size=(n_in, n_out))
    if scheme == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    if scheme == "normal":
        return rng.normal(0.0, std, size=(n_in, n_out))
    if scheme == "zeros":
        return np.zeros((n_in, n_out))
    raise ValueError(f"unknown init {scheme!r}; expected one of {', '.join(INIT_SCHEMES)}")


__all__ = ["ACTIVATIONS", "INIT_SCHEMES", "MLP", "check_sizes", "init_weights"]
