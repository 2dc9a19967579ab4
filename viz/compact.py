"""Smaller figure data: float arrays sent as float32 where no number a learner can read changes.

Plotly sends a numpy array as base64 bytes (``{"dtype", "bdata"}``): a float64 array costs 8 bytes
a value, float32 4, so ``float32`` halves a chart's data. What a learner reads is the hover (and
any label), written from the values with a format such as ``%{customdata:.4g}``; positions need
far less than float32's ~7 significant digits to land on the same pixel. Three helpers, by what
the array is for:

- ``colours(values)``: values only coloured (a contour's or heatmap's ``z`` with
  ``hoverinfo="skip"``, colour-bar ticks computed from the float64 values): plain float32.
- ``shown(values, digits)``: values a hover writes with ``digits`` significant digits
  (``:.{digits}g``): rounded to those digits first (correctly, as the hover rounds), then float32,
  which holds every number of up to 6 digits closer than half a unit of its last digit, so the
  hover reads exactly what it read from the float64 values.
- ``positions(values, digits)``: coordinates that a hover also writes with ``digits`` significant
  digits: float32 when every value then reads the same, else the float64 values unchanged.
"""

from __future__ import annotations

import numpy as np

MAX_SHOWN_DIGITS = 6  # float32 keeps any number of up to 6 significant digits apart from its neighbours


# float32 keeps its full 24-bit precision between these magnitudes (below: subnormal numbers)
FLOAT32_RANGE = (float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max) / 2)


def _finite_in_float32(values: np.ndarray) -> bool:
    magnitude = np.abs(values[np.isfinite(values) & (values != 0)])
    return not magnitude.size or (
        FLOAT32_RANGE[0] <= float(magnitude.min()) and float(magnitude.max()) <= FLOAT32_RANGE[1]
    )


def colours(values: object) -> np.ndarray:
    """``values`` as float32 (unchanged if beyond float32's normal range): for values only coloured."""
    arr = np.asarray(values, dtype=float)
    return arr.astype(np.float32) if _finite_in_float32(arr) else arr


def _reads(values: np.ndarray, digits: int) -> list[str]:
    # Python's %e formatting rounds the exact binary value correctly, as Plotly's d3-format does
    return [f"{v:.{digits - 1}e}" for v in values.ravel().tolist()]


def shown(values: object, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits, as float32.

    A ``:.{digits}g`` hover reads the result exactly as it read ``values``. Shape kept; non-finite
    values stay as they are. Raises ``ValueError`` for ``digits`` outside 1-6.
    """
    if not 1 <= digits <= MAX_SHOWN_DIGITS:
        raise ValueError(f"digits must be from 1 to {MAX_SHOWN_DIGITS}, got {digits!r}")
    arr = np.asarray(values, dtype=float)
    if not _finite_in_float32(arr):
        return arr
    rounded = np.array([float(s) for s in _reads(arr, digits)], dtype=float).reshape(arr.shape)
    return rounded.astype(np.float32)


def positions(values: object, digits: int) -> np.ndarray:
    """``values`` as float32 if each then reads the same with ``digits`` significant digits, else float64."""
    arr = np.asarray(values, dtype=float)
    if not _finite_in_float32(arr):
        return arr
    small = arr.astype(np.float32)
    return small if _reads(small.astype(float), digits) == _reads(arr, digits) else arr
