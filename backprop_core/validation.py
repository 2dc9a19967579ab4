"""Input checks shared by the engine: each raises ``ValueError`` naming what was wrong.

**The conversion rule** (one rule for every public function of ``backprop_core``, the MLP engine,
the recurrent, convolutional and graph engines alike):

* A *number* (learning rate, ``l2``, ``clip_norm``, ``std``, ``eps``, ``beta``, noise, a fraction)
  is a Python ``int`` or ``float`` or a numpy integer or floating scalar (or a 0-d array of one).
  **Text is never converted**: ``lr="0.5"`` is refused, as are ``None`` where a number is required,
  lists, complex numbers and ``bool`` (``True`` is not a learning rate). An ``int`` too large for a
  float (``10**400``) is refused as too large, never with Python's ``OverflowError``.
* A *whole number* (a size, a count, a seed, an index, a stride) is an ``int`` or numpy integer; a
  float with no fractional part (``3.0``) is read as that integer; ``1.5``, NaN, infinity, text and
  ``bool`` are refused. ``sizes`` is a list, tuple or 1-D integer array of such numbers, never a
  string (``MLP.create("22")`` is refused).
* An *array* (``X``, ``Y``, weights) is a numpy array or nested lists of numbers, rectangular, with
  a real dtype (integers, floats, or booleans read as 0/1); it is copied to float64. Complex,
  datetime/timedelta, text and object arrays (``None`` entries, Python integers beyond a float) are
  refused, and so are masked arrays (the mask would be silently lost).
* A *name* (activation, loss, optimizer, init, dataset) is one of the listed strings.

Every message says which parameter was wrong and what was expected; none repeats Python's own text.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

_REAL = (int, float, np.integer, np.floating)


def show(value: object, limit: int = 40) -> str:
    """A short description of a bad value for a message: its repr, shortened; ``None`` as None."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hint(value: object) -> str:
    if isinstance(value, str):
        return " (text is not converted: pass the number itself)"
    if isinstance(value, (bool, np.bool_)):
        return " (True/False is not a number)"
    return ""


def real_number(value: object, what: str, rule: str = "must be a number") -> float:
    """``value`` as a float by the conversion rule (the number may still be NaN or infinite).

    A refusal reads ``f"{what} {rule}, got {value}"``.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL):
        raise ValueError(f"{what} {rule}, got {show(value)}{_hint(value)}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{what} {rule}, got {show(value)}, which is too large for a float") from None


def finite_number(
    value: object,
    what: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    rule: str = "must be a finite number",
) -> float:
    """A finite float within ``[lo, hi]`` (``lo_open``/``hi_open``: that end excluded)."""
    number = real_number(value, what, rule)
    ok = math.isfinite(number)
    if ok and lo is not None:
        ok = number > lo if lo_open else number >= lo
    if ok and hi is not None:
        ok = number < hi if hi_open else number <= hi
    if not ok:
        raise ValueError(f"{what} {rule}, got {show(value)}")
    return number


def whole_number(
    value: object, what: str, lo: int | None = None, hi: int | None = None, *, rule: str | None = None
) -> int:
    """An int by the conversion rule, within ``[lo, hi]``; ``rule`` words every refusal, if given."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    rng = (
        f" from {lo} to {hi}" if lo is not None and hi is not None else f" >= {lo}" if lo is not None else ""
    )
    kind_rule = rule or f"must be a whole number{rng}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL):
        raise ValueError(f"{what} {kind_rule}, got {show(value)}{_hint(value)}")
    if isinstance(value, (float, np.floating)) and not (math.isfinite(value) and float(value).is_integer()):
        raise ValueError(f"{what} {kind_rule}, got {show(value)}")
    number = int(value)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        if rule:
            raise ValueError(f"{what} {rule}, got {show(value)}")
        raise ValueError(f"{what} = {show(value)} is out of range; expected a whole number{rng}")
    return number


def check_seed(seed: object, what: str = "seed", *, allow_none: bool = False) -> int | None:
    """A seed: a whole number >= 0 (or ``None`` where fresh randomness is allowed)."""
    if seed is None and allow_none:
        return None
    return whole_number(seed, what, 0, 2**63 - 1)


def check_rng(rng: object) -> np.random.Generator | None:
    """``None`` or a ``numpy.random.Generator``."""
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)) or None, got {show(rng)}"
        )
    return rng


def check_flag(value: object, what: str) -> bool:
    """A yes/no switch: ``True`` or ``False`` (numpy's bool too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} must be True or False, got {show(value)}")
    return bool(value)


def check_name(value: object, what: str, choices: Sequence[str]) -> str:
    """One of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {what} {show(value)}; expected one of {', '.join(choices)}")
    return value


def real_array(value: object, what: str, expected: str = "an array") -> np.ndarray:
    """``value`` as a float64 array by the conversion rule (not yet checked for shape or NaN).

    A float64 ndarray is returned as it is (no copy); anything else is converted into a new array.
    """
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and type(value) is np.ndarray:
        return value
    numeric = f"{what} must be numeric: {expected}"
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(
            f"{numeric}; a masked array is refused (its mask would be lost): pass the values you mean"
        )
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise ValueError(f"{numeric}, got {show(value)}")
    if isinstance(value, np.ndarray):
        a = value
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = np.asarray(value)
        except (ValueError, TypeError, OverflowError, RecursionError):
            raise ValueError(
                f"{numeric}; got rows of different lengths or values that are not numbers"
            ) from None
    kind = a.dtype.kind
    if kind in "fiub":
        with np.errstate(
            over="ignore"
        ):  # a long double beyond float64 becomes inf: the finite check names it
            return (
                a.astype(np.float64, copy=False) if type(a) is np.ndarray else np.array(a, dtype=np.float64)
            )
    reason = {
        "c": "complex numbers are refused (the imaginary part would be lost)",
        "M": "dates are not numbers",
        "m": "time spans are not numbers",
        "U": "text is not converted to numbers",
        "S": "text is not converted to numbers",
        "V": "structured records are not numbers",
    }.get(kind)
    if reason is None:  # object arrays: plain Python numbers are fine, anything else is not
        flat = a.ravel().tolist() if a.ndim else [a[()]]
        if all(isinstance(v, _REAL) and not isinstance(v, (bool, np.bool_)) for v in flat):
            try:
                return np.array(flat, dtype=np.float64).reshape(a.shape)
            except OverflowError:
                raise ValueError(
                    f"{what} holds a number too large for a float (beyond about 1.8e308)"
                ) from None
        bad = next(v for v in flat if not isinstance(v, _REAL) or isinstance(v, (bool, np.bool_)))
        reason = f"it holds {show(bad)}, which is not a number"
    raise ValueError(f"{numeric}; {reason}")


def check_finite(array: np.ndarray, what: str) -> None:
    """``ValueError`` if ``array`` holds NaN or infinity."""
    if not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{what} contains {bad} NaN or infinite value(s); expected finite numbers")


def frozen_copy(array: np.ndarray, original: object) -> np.ndarray:
    """``array`` read-only, copied first when it is the caller's own ``original`` (traces keep it)."""
    if array is original or not array.flags.owndata:
        array = array.copy()
    array.flags.writeable = False
    return array


def as_inputs(X: object, n_in: int) -> np.ndarray:
    """``X`` as a read-only float ``(m, n_in)`` array, checked (never the caller's own array)."""
    A = real_array(X, "X", "an array of shape (m, n_inputs)")
    if A.ndim != 2 or A.shape[1] != n_in or A.shape[0] == 0:
        raise ValueError(f"X has shape {A.shape}; expected (m, {n_in}) with one row per sample, m >= 1")
    check_finite(A, "X")
    return frozen_copy(A, X)


def as_targets(Y: object, m: int, n_out: int, loss_name: str) -> np.ndarray:
    """``Y`` as read-only float ``(m, n_out)`` targets, checked against the loss.

    For ``cross_entropy`` integer class labels of shape ``(m,)`` are accepted and turned into
    one-hot rows; one-hot rows must sum to 1.
    """
    given = Y
    Y = real_array(Y, "Y", f"an array of shape ({m}, {n_out})")
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
        onehot.flags.writeable = False
        return onehot
    if Y.shape != (m, n_out):
        hint = " (for one output, make it a column of shape (m, 1))" if Y.shape == (m,) else ""
        raise ValueError(f"Y has shape {Y.shape}; expected ({m}, {n_out}){hint}")
    # the common case first: bce targets within [0, 1] are finite too (a NaN fails both tests)
    if loss_name == "bce" and Y.size and 0.0 <= Y.min() and Y.max() <= 1.0:
        return frozen_copy(Y, given)
    check_finite(Y, "Y")
    if loss_name == "cross_entropy" and (np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0)):
        raise ValueError("cross_entropy targets must be one-hot rows (or probabilities) summing to 1")
    if loss_name == "bce":
        raise ValueError("bce targets must lie between 0 and 1")
    return frozen_copy(Y, given)


def check_non_negative(value: object, what: str, *, expected: str = "a number") -> float:
    """``value`` as a float that is finite and >= 0; ``ValueError`` naming ``what`` otherwise."""
    return finite_number(value, what, lo=0.0, rule="must be a finite number >= 0")


def check_lr(lr: object) -> float:
    """A learning rate must be a finite number >= 0 (0 computes gradients without a change)."""
    if type(lr) is float and 0.0 <= lr < math.inf:  # the common case, checked in one step
        return lr
    return finite_number(lr, "learning rate", lo=0.0, rule="must be a finite number >= 0")


def check_l2(l2: object) -> float:
    """An L2 strength must be a finite number >= 0."""
    if type(l2) is float and 0.0 <= l2 < math.inf:
        return l2
    return finite_number(l2, "l2", lo=0.0, rule="must be a finite number >= 0")


def check_clip(clip_norm: object) -> float | None:
    """A clipping threshold: ``None`` (no clipping) or a finite number > 0."""
    if clip_norm is None:
        return None
    return finite_number(
        clip_norm, "clip_norm", lo=0.0, lo_open=True, rule="must be a positive number or None"
    )
