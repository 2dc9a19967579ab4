"""Input checks shared by the engine: each raises ``ValueError`` naming what was wrong."""

from __future__ import annotations

import math

import numpy as np


def check_finite(array: np.ndarray, what: str) -> None:
    """``ValueError`` if ``array`` holds NaN or infinity."""
    if not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{what} contains {bad} NaN or infinite value(s); expected finite numbers")


def as_inputs(X: object, n_in: int) -> np.ndarray:
    """``X`` as a float ``(m, n_in)`` array, checked."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("X must be numeric: an array of shape (m, n_inputs)") from None
    if X.ndim != 2 or X.shape[1] != n_in or X.shape[0] == 0:
        raise ValueError(f"X has shape {X.shape}; expected (m, {n_in}) with one row per sample, m >= 1")
    check_finite(X, "X")
    return X


def as_targets(Y: object, m: int, n_out: int, loss_name: str) -> np.ndarray:
    """``Y`` as float ``(m, n_out)`` targets, checked against the loss.

    For ``cross_entropy`` integer class labels of shape ``(m,)`` are accepted and turned into
    one-hot rows; one-hot rows must sum to 1.
    """
    try:
        Y = np.asarray(Y)
        if Y.dtype == object:
            raise TypeError
        Y = Y.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"Y must be numeric: an array of shape ({m}, {n_out})") from None
    if loss_name == "cross_entropy" and Y.ndim == 1:
        if Y.shape != (m,):
            raise ValueError(f"labels have shape {Y.shape}; expected ({m},), one per sample")
        check_finite(Y, "labels")
        if np.any(Y != np.round(Y)) or np.any(Y < 0) or np.any(Y >= n_out):
            raise ValueError(
                f"class labels must be whole numbers from 0 to {n_out - 1} "
                f"(the network has {n_out} outputs); got values from {Y.min():g} to {Y.max():g}"
            )
        onehot = np.zeros((m, n_out))
        onehot[np.arange(m), Y.astype(int)] = 1.0
        return onehot
    if Y.shape != (m, n_out):
        hint = " (for one output, make it a column of shape (m, 1))" if Y.shape == (m,) else ""
        raise ValueError(f"Y has shape {Y.shape}; expected ({m}, {n_out}){hint}")
    # the common case first: bce targets within [0, 1] are finite too (a NaN fails both tests)
    if loss_name == "bce" and Y.size and 0.0 <= Y.min() and Y.max() <= 1.0:
        return Y
    check_finite(Y, "Y")
    if loss_name == "cross_entropy" and (np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0)):
        raise ValueError("cross_entropy targets must be one-hot rows (or probabilities) summing to 1")
    if loss_name == "bce":
        raise ValueError("bce targets must lie between 0 and 1")
    return Y


def check_non_negative(value: object, what: str, *, expected: str = "a number") -> float:
    """``value`` as a float that is finite and >= 0; ``ValueError`` naming ``what`` otherwise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be {expected}, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return number


def check_lr(lr: float) -> float:
    """A learning rate must be a finite number >= 0 (0 computes gradients without a change)."""
    return check_non_negative(lr, "learning rate")


def check_l2(l2: float) -> float:
    """An L2 strength must be a finite number >= 0."""
    return check_non_negative(l2, "l2", expected="a number >= 0")


def check_clip(clip_norm: float | None) -> float | None:
    """A clipping threshold: ``None`` (no clipping) or a finite number > 0."""
    if clip_norm is None:
        return None
    try:
        value = float(clip_norm)
    except (TypeError, ValueError):
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"clip_norm must be a positive number or None, got {clip_norm!r}")
    return value
