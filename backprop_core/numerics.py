"""Numbers the engine shows or writes: ``quiet()`` for inf/NaN arithmetic, ``float_literal`` for exact text.

``quiet()`` is the engine's one way to let inf/NaN arithmetic pass without numpy's warnings.

A diverging run is something to show, not to crash on or to flood the log with: overflow,
invalid values (NaN), division by zero and underflow all pass silently inside ``quiet()``.
Every module that needs it uses this one (``passes`` re-exports it for the labs).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

P = ParamSpec("P")
R = TypeVar("R")

QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


def quiet() -> np.errstate:
    """``np.errstate`` that lets overflow, NaN and division by zero pass without a warning.

    The errstate itself (no generator around it): the engine enters one per phase and per check.
    """
    return np.errstate(**QUIET)


def quietly(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` run inside ``quiet()``; ``fn.__wrapped__`` is ``fn`` itself, for a caller already inside.

    The engine's phases are written as plain arithmetic under this decorator, so the source a
    learner is shown (``inspect.getsource``) is the arithmetic itself.
    """

    @functools.wraps(fn)
    def run_quietly(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(**QUIET):
            return fn(*args, **kwargs)

    return run_quietly


def float_literal(value: float) -> str:
    """``repr`` of a float64, with ``float('inf')``/``float('nan')`` for the non-finite ones."""
    value = float(value)
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)
