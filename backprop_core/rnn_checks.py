"""Input checks for the recurrent network (``rnn.py``): each raises ``ValueError`` naming what was wrong.

Limits: a sequence of at most ``MAX_T`` steps, at most ``MAX_HIDDEN`` hidden units, at most
``MAX_IO`` inputs and outputs, at most ``MAX_BATCH`` sequences in a batch.
"""

from __future__ import annotations

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .validation import as_targets, check_finite, frozen_copy, real_array, show, whole_number
from .validation import check_clip as validation_check_clip

MAX_T = 200
MAX_HIDDEN = 64
MAX_IO = 64
MAX_BATCH = 4096
OUTPUTS: tuple[str, ...] = ("linear", "sigmoid", "softmax")
RNN_ACTIVATIONS: tuple[str, ...] = tuple(a for a in HIDDEN_ACTIVATIONS if a != "leaky_relu")


def check_size(value: object, what: str, hi: int) -> int:
    """A whole number from 1 to ``hi`` (the conversion rule of ``validation``)."""
    return whole_number(value, what, 1, hi)


def check_names(activation: object, output: object) -> None:
    if not isinstance(activation, str) or activation not in RNN_ACTIVATIONS:
        raise ValueError(
            f"unknown hidden activation {show(activation)}; expected one of {', '.join(RNN_ACTIVATIONS)}"
        )
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ValueError(f"unknown output activation {show(output)}; expected one of {', '.join(OUTPUTS)}")


def as_matrix(value: object, what: str, shape: tuple[int, ...] | None = None, ndim: int = 2) -> np.ndarray:
    """``value`` as a finite float array with ``ndim`` dimensions (and ``shape`` if given)."""
    a = real_array(value, what, f"an array of shape {shape}" if shape else f"a {ndim}-D array")
    a = np.array(a, dtype=float, copy=True)
    if a.ndim != ndim or (shape is not None and a.shape != shape):
        want = shape if shape is not None else f"{ndim} dimensions"
        raise ValueError(f"{what} has shape {a.shape}; expected {want}")
    check_finite(a, what)
    return a


def as_sequences(X: object, n_in: int) -> np.ndarray:
    """``X`` as a float ``(m, T, n_in)`` array with 1 <= T <= MAX_T, checked."""
    given = X
    X = real_array(X, "X", "an array of shape (m, T, n_in)")
    if X.ndim != 3 or X.shape[2] != n_in:
        raise ValueError(f"X has shape {X.shape}; expected (m, T, {n_in}): sequences, time steps, inputs")
    m, T, _ = X.shape
    if not 1 <= m <= MAX_BATCH:
        raise ValueError(f"X holds {m} sequences; expected 1 to {MAX_BATCH}")
    if not 1 <= T <= MAX_T:
        raise ValueError(f"the sequence length T = {T} is out of range; expected 1 to {MAX_T}")
    check_finite(X, "X")
    return frozen_copy(X, given)


def as_sequence_targets(Y: object, m: int, T: int, n_out: int, loss: str) -> tuple[np.ndarray, bool]:
    """``Y`` as float targets and whether the loss is on every step.

    ``(m, T, n_out)``: a target for every step; ``(m, n_out)``: for the last step only. Returned
    as ``(m * T, n_out)`` resp. ``(m, n_out)`` rows, checked against the loss (bce in [0, 1],
    cross_entropy one-hot rows).
    """
    Y = real_array(Y, "Y", f"shape ({m}, {T}, {n_out}) or ({m}, {n_out})")
    if Y.shape == (m, T, n_out):
        return as_targets(Y.reshape(m * T, n_out), m * T, n_out, loss), True
    if Y.shape == (m, n_out):
        return as_targets(Y, m, n_out, loss), False
    raise ValueError(
        f"Y has shape {Y.shape}; expected ({m}, {T}, {n_out}) for a loss on every step "
        f"or ({m}, {n_out}) for a loss on the last step only"
    )


def check_truncate(truncate: object, T: int) -> int | None:
    """``None`` (full BPTT) or a whole number k >= 1; k >= T is the same as full."""
    if truncate is None:
        return None
    k = whole_number(truncate, "truncate (None or a number of steps)", 1, 10**9)
    return None if k >= T else k


def check_clip(clip_norm: object) -> float | None:
    return validation_check_clip(clip_norm)
