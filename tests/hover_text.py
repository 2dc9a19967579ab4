"""What a chart's hover shows, worked out in Python: for tests that compact figure data (``viz.compact``).

``hover_texts(template, columns)`` fills a Plotly ``hovertemplate`` for every point:
``%{x:.3g}``, ``%{customdata[1]:.5g}``, ``%{z:.2f}``, ``%{text}``. A ``g`` format keeps its
trailing zeros, as Plotly's d3-format does; where Python and d3 switch to exponent notation
differs, which does not matter for comparing two arrays written the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

PLACEHOLDER = re.compile(r"%\{(\w+)(?:\[(\d+)\])?(?::([^}]*))?\}")


def _one(value: object, spec: str | None) -> str:
    if spec is None:  # Plotly writes a whole number without a decimal point
        number = float(value)
        return str(int(number)) if number.is_integer() else str(number)
    return format(float(value), "#" + spec if spec.endswith("g") else spec)


def hover_texts(template: str, columns: Mapping[str, object]) -> list[str]:
    """The hover text of every point; ``columns`` maps ``x``, ``customdata``, ... to per-point values."""
    arrays = {k: np.asarray(v) for k, v in columns.items()}
    n = len(next(iter(arrays.values())))

    def fill(i: int) -> str:
        def sub(m: re.Match) -> str:
            name, index, spec = m.groups()
            value = arrays[name][i] if index is None else arrays[name][i][int(index)]
            return _one(value, spec)

        return PLACEHOLDER.sub(sub, template)

    return [fill(i) for i in range(n)]
