"""Numbers the engine shows or writes: ``quiet()`` for inf/NaN arithmetic, ``float_literal`` for exact text.

``quiet()`` is the engine's one way to let inf/NaN arithmetic pass without numpy's warnings.

A diverging run is something to show, not to crash on or to flood the log with: overflow,
invalid values (NaN), division by zero and underflow all pass silently inside ``quiet()``.
Every module that needs it uses this one (``passes`` re-exports it for the labs).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


@contextmanager
def quiet() -> Iterator[None]:
    """``np.errstate`` that lets overflow, NaN and division by zero pass without a warning."""
    with np.errstate(**QUIET):
        yield


def float_literal(value: float) -> str:
    """``repr`` of a float64, with ``float('inf')``/``float('nan')`` for the non-finite ones."""
    value = float(value)
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)
