"""Activation functions, each paired with its derivative written in terms of ``z``.

Every activation ``f`` maps a pre-activation ``z`` (shape ``(m, n)``: m samples, n neurons)
to ``a = f(z)``. ``df(z)`` returns ``da/dz`` element by element, so the backward pass can
form ``delta = dL/da * f'(z)``. Softmax is the exception: each output depends on every ``z``
of its row, so its derivative is a Jacobian ``(m, k, k)`` and it is only used at the output
layer together with cross-entropy (see ``losses.py``).

The registry ``ACTIVATIONS`` is keyed by the names the learner sees in the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .numerics import quiet

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation function ``a = f(z)`` with its derivative ``da/dz``.

    ``df`` is ``None`` for softmax, whose derivative is the Jacobian returned by ``jacobian``.
    ``formula`` and ``derivative`` are LaTeX strings for the UI.
    ``df_from_a(z, a)``: optional, the same ``f'(z)`` bit for bit, given also ``a = f(z)`` from the
    forward pass -- the backward pass uses it to skip recomputing ``f`` (sigmoid, tanh).
    ``f``, ``df`` and ``df_from_a`` return new arrays (the engine may overwrite a derivative).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray] | None
    formula: str
    derivative: str
    output_only: bool = False
    df_from_a: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = field(default=None, repr=False)

    def df_given(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``f'(z)``, computed from ``a = f(z)`` where that is cheaper; always equal to ``df(z)``."""
        if self.df_from_a is not None:
            return self.df_from_a(z, a)
        return self.df(z)  # type: ignore[misc]

    @property
    def elementwise(self) -> bool:
        return self.df is not None

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """``da_k/dz_j`` for every sample: shape ``(m, k, k)``.

        For an element-wise activation the Jacobian is diagonal with ``f'(z)`` on it.
        """
        z = np.atleast_2d(z)
        if self.df is not None:
            d = self.df(z)
            return d[:, :, None] * np.eye(z.shape[1])[None, :, :]
        s = self.f(z)
        # softmax: da_k/dz_j = a_k * (1[k == j] - a_j)
        return s[:, :, None] * np.eye(z.shape[1])[None, :, :] - s[:, :, None] * s[:, None, :]

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp(-|z|) never overflows; pick the algebraically equal form that keeps precision:
    # 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) below (one division, numerator chosen per entry)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _dsigmoid(z: np.ndarray) -> np.ndarray:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _dsigmoid_from_a(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # a is _sigmoid(z), so this is _dsigmoid(z) to the last bit
    return a * (1.0 - a)


def _dtanh(z: np.ndarray) -> np.ndarray:
    t = np.tanh(z)
    return 1.0 - t * t


def _dtanh_from_a(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # a is tanh(z), so this is _dtanh(z) to the last bit
    return 1.0 - a * a


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _drelu(z: np.ndarray) -> np.ndarray:
    # At the kink z = 0 relu has no derivative; we use 0 there, as PyTorch does.
    return (z > 0).astype(float)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _dleaky_relu(z: np.ndarray) -> np.ndarray:
    # At the kink z = 0 we use the left slope, 0.01.
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def _linear(z: np.ndarray) -> np.ndarray:
    return np.array(z, dtype=float, copy=True)


def _dlinear(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z, dtype=float)


def _shift_by_row_max(z: np.ndarray) -> np.ndarray:
    # Subtracting the row maximum changes nothing mathematically and keeps exp() finite. When
    # the row spans more than the float range (z = 1e308 next to -1e308) the difference
    # overflows to -inf, which is still right: exp(-inf) = 0 is that entry's share.
    with quiet():
        return z - np.max(z, axis=-1, keepdims=True)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(_shift_by_row_max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log(softmax(z))`` computed without forming ``softmax`` first.

    Finite unless an entry lies more than the float range (~1.8e308) below its row maximum;
    that entry's log-probability is then -inf.
    """
    shifted = _shift_by_row_max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """``log(sigmoid(z)) = -softplus(-z)``, finite for any finite z."""
    return -np.logaddexp(0.0, -z)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            _sigmoid,
            _dsigmoid,
            r"\sigma(z) = \frac{1}{1 + e^{-z}}",
            r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
            df_from_a=_dsigmoid_from_a,
        ),
        Activation(
            "tanh", np.tanh, _dtanh, r"\tanh(z)", r"\tanh'(z) = 1 - \tanh^2(z)", df_from_a=_dtanh_from_a
        ),
        Activation(
            "relu",
            _relu,
            _drelu,
            r"\mathrm{relu}(z) = \max(0, z)",
            r"\mathrm{relu}'(z) = 1 \text{ if } z > 0 \text{ else } 0",
        ),
        Activation(
            "leaky_relu",
            _leaky_relu,
            _dleaky_relu,
            r"\mathrm{leaky}(z) = z \text{ if } z > 0 \text{ else } 0.01\,z",
            r"\mathrm{leaky}'(z) = 1 \text{ if } z > 0 \text{ else } 0.01",
        ),
        Activation("linear", _linear, _dlinear, r"f(z) = z", r"f'(z) = 1"),
        Activation(
            "softmax",
            _softmax,
            None,
            r"\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
            r"\frac{\partial a_k}{\partial z_j} = a_k\,(\mathbb{1}[k=j] - a_j)",
            output_only=True,
        ),
    )
}

HIDDEN_ACTIVATIONS: tuple[str, ...] = tuple(n for n, a in ACTIVATIONS.items() if not a.output_only)


def get_activation(name: str) -> Activation:
    """Look up an activation by its UI name; ``ValueError`` lists the valid names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}") from None
