"""Lighter chart data for Play ticks: fewer points on a long line, and float32 where it is exact enough.

A Play tick redraws its charts several times a second, and every number of a figure is copied,
base64-encoded, sent and decoded each time. Two helpers make a ticking chart's data smaller
without changing what a learner can read off it:

* ``minmax_indices`` keeps the shape of a long series in a few hundred points: the first and the
  last point, and in each of a fixed number of buckets the smallest and the largest value (so
  the series' minimum and maximum, and every spike wider than nothing, stay drawn). A point that
  cannot be drawn (NaN) keeps its gap: the first such point of a bucket is kept too.
* ``compact`` hands float64 values over as float32 (half the bytes) when every nonzero finite
  value lies in float32's normal range, where rounding changes a value by at most 6e-8 of itself,
  far below a pixel or the 4-5 digits a hover shows; otherwise the values stay float64.

A paused chart is drawn from the full data; these are for the ticks in between.
"""

from __future__ import annotations

import numpy as np

from viz.compact import colours


def minmax_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Sorted indices of at most ``max_points`` entries of ``values`` (1-D) that keep its shape.

    Every index when there are at most ``max_points`` values. Otherwise index 0, the last index,
    and for each of ``(max_points - 2) // 2`` buckets of the points in between the index of its
    smallest and of its largest value; when some values are NaN the buckets are fewer
    (``(max_points - 2) // 3``) and each also keeps its first NaN. ``max_points`` must be >= 5.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}")
    if max_points < 5:
        raise ValueError(f"max_points must be at least 5, got {max_points}")
    n = v.size
    if n <= max_points:
        return np.arange(n)
    inner = v[1:-1]
    nan = np.isnan(inner)
    has_nan = bool(nan.any())
    buckets = (max_points - 2) // (3 if has_nan else 2)
    size = -(-inner.size // buckets)  # ceil: every bucket but the last holds ``size`` points
    pad = buckets * size - inner.size
    low = np.concatenate([np.where(nan, np.inf, inner), np.full(pad, np.inf)]).reshape(buckets, size)
    high = np.concatenate([np.where(nan, -np.inf, inner), np.full(pad, -np.inf)]).reshape(buckets, size)
    start = np.arange(buckets) * size
    picks = [start + low.argmin(axis=1), start + high.argmax(axis=1)]
    if has_nan:
        holes = np.concatenate([nan, np.zeros(pad, dtype=bool)]).reshape(buckets, size)
        rows = np.flatnonzero(holes.any(axis=1))
        picks.append(start[rows] + holes[rows].argmax(axis=1))
    # a bucket of nothing but NaN (or padding) points its argmin/argmax at its first slot: clip
    # into the real points; 1 + ... shifts from ``inner`` back to ``values``
    inside = 1 + np.minimum(np.concatenate(picks), inner.size - 1)
    return np.unique(np.concatenate([[0], inside, [n - 1]]))


def compact(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 when every nonzero finite value lies within float32's normal range, else
    as float64. NaN, infinities and 0 pass through unchanged either way (``viz.compact.colours``:
    one rule for when float32 holds a value)."""
    return colours(values)
