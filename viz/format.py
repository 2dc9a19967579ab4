"""Every number the labs print, in text and in LaTeX: one module for all number formatting.

``fmt`` is the general label format (``digits`` significant digits, scientific when very small or
large); ``latex_number`` is ``fmt`` for a LaTeX formula. The step-through lesson's numbers:
``num`` prints 9 decimals with trailing zeros dropped, the precision of the classic hand-worked
example (0.298371109, 0.35891648, 0.000438568), and switches to 6 significant digits in
scientific notation outside ``[1e-4, 1e5)``.
"""

from __future__ import annotations

import math
import re

import numpy as np

_NAME = re.compile(r"([a-zA-Z]+)(\d+(?:\.\d+)?)")


def fmt(value: float, digits: int = 4) -> str:
    """A number for a label: ``digits`` significant digits, scientific when very small or large."""
    if value is None or not np.isfinite(value):
        return "NaN" if value is None or np.isnan(value) else ("∞" if value > 0 else "-∞")
    if value == 0:
        return "0"
    mag = abs(value)
    if mag < 1e-3 or mag >= 1e5:
        return f"{value:.{max(digits - 1, 1)}e}"
    return f"{value:.{digits}g}"


def tex_exponent(text: str) -> str:
    """``9.54e-07`` -> ``9.54 \\times 10^{-7}`` (text without an exponent is returned as it is)."""
    if "e" not in text or "NaN" in text:
        return text
    mantissa, exp = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exp)}}}"


def latex_number(x: float, digits: int = 3) -> str:
    """``fmt`` for a LaTeX formula: ``9.54 \\times 10^{-7}`` rather than ``9.54e-07``."""
    return tex_exponent(fmt(x, digits))


def num(value: float) -> str:
    """A number for equations and hover text (see the module docstring)."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e5:
        text = f"{value:.9f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{value:.5e}".replace("e-0", "e-").replace("e+0", "e+")


def short(value: float) -> str:
    """A number for labels printed on the diagram: 4 significant digits."""
    value = float(value)
    if not math.isfinite(value):
        return num(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.2e}".replace("e-0", "e-").replace("e+0", "e+")


def tex_num(value: float, signed_parens: bool = False) -> str:
    """``num`` in LaTeX: ``4.38568 \\times 10^{-5}``; negatives in parentheses if ``signed_parens``."""
    text = tex_exponent(num(value)).replace("∞", r"\infty")
    if signed_parens and float(value) < 0:
        return f"({text})"
    return text


def tex_name(name: str) -> str:
    """``h1`` -> ``h_{1}``, ``h2.3`` -> ``h_{2.3}``, ``ŷ`` -> ``\\hat{y}``, ``w5`` -> ``w_{5}``."""
    if name == "ŷ":
        return r"\hat{y}"
    m = _NAME.fullmatch(name)
    return f"{m.group(1)}_{{{m.group(2)}}}" if m else name


def plain_label(text: object, limit: int = 40) -> str:
    """A learner's text (a CSV class label, a file name) for a Plotly legend, hover or annotation.

    Plotly renders a subset of HTML in its text (``<a href>``, ``<b>``, ``<br>``): ``&``, ``<`` and
    ``>`` become entities, so the text is shown letter for letter. Shortened to ``limit``
    characters (ending in "…"); newlines become spaces.
    """
    value = text if isinstance(text, str) else str(text)
    value = " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value
    if len(value) > max(int(limit), 1):
        value = value[: max(int(limit), 1) - 1] + "…"
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
