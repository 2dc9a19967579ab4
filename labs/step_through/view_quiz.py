"""Quiz me: the learner's own value for a gradient or an updated weight, checked within a tolerance.

The checking is pure (no Streamlit); the page keeps each answer in session state under a key that
includes the true value, so an answer stays valid exactly as long as the question does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ui.echo import quoted

TOLERANCES: dict[str, float] = {"0.1 %": 1e-3, "1 %": 1e-2, "5 %": 5e-2}
# near zero a relative tolerance means nothing: accept an absolute error this small
ABS_FLOOR = 1e-9


@dataclass(frozen=True)
class QuizResult:
    """``ok``: within tolerance; ``value``: the parsed answer (None if unreadable); ``message``."""

    ok: bool
    value: float | None
    message: str


def parse_answer(text: str) -> float:
    """A number as a learner types it: ``0.082``, ``8.2e-2``, ``-20``, ``0,082``; ``ValueError`` else."""
    cleaned = text.strip().replace(" ", "").replace("−", "-")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(
            f"{quoted(text, 30)} is not a number; type something like 0.082 or -2.5e-3"
        ) from None
    if not math.isfinite(value):
        raise ValueError("type a finite number")
    return value


def check_answer(text: str, truth: float, rel_tol: float) -> QuizResult:
    """Whether ``text`` is ``truth`` within ``rel_tol`` (relative), with a message saying so."""
    try:
        value = parse_answer(text)
    except ValueError as exc:
        return QuizResult(False, None, str(exc))
    allowed = max(rel_tol * abs(truth), ABS_FLOOR)
    ok = abs(value - truth) <= allowed
    if ok:
        return QuizResult(True, value, f"Right: {value:g} is within {rel_tol:.1%} of the engine's value.")
    if truth != 0 and value != 0 and math.copysign(1, value) != math.copysign(1, truth):
        hint = "The sign is wrong: check whether the weight should go up or down."
    elif truth != 0 and math.isclose(abs(value), abs(truth), rel_tol=rel_tol * 3):
        hint = "Close: probably rounding. Carry more digits through the multiplication."
    else:
        hint = "Not quite. Multiply the factors in the working below and compare."
    return QuizResult(False, value, f"{value:g} is not within {rel_tol:.1%} of the engine's value. {hint}")
