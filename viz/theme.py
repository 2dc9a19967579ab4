"""One look for every chart: the diverging colour scale for signed values, number formatting.

Signed values (weights, gradients, deltas, activations) always use ``DIVERGING`` centred on
zero: red for negative, white for zero, blue for positive. ColorBrewer's RdBu is readable
with the common forms of colour blindness; every colour also carries its number on hover.
"""

from __future__ import annotations

import numpy as np
from plotly.colors import sample_colorscale

DIVERGING = "RdBu"
GREY = "#c8c8c8"
HIGHLIGHT = "#ff9f1c"
FONT = {"family": "sans-serif", "size": 13}
# line colours for series compared side by side (Okabe-Ito, colour-blind safe)
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def symmetric_range(*arrays: np.ndarray) -> float:
    """The largest finite |value| across arrays (at least a tiny positive number)."""
    vals = [np.abs(a[np.isfinite(a)]).max() for a in arrays if np.size(a) and np.isfinite(a).any()]
    return float(max(vals)) if vals and max(vals) > 0 else 1e-12


def diverging_color(value: float, vmax: float) -> str:
    """The colour of ``value`` on the diverging scale spanning ``[-vmax, vmax]``."""
    if not np.isfinite(value):
        return GREY
    t = 0.5 + 0.5 * float(np.clip(value / vmax, -1.0, 1.0)) if vmax > 0 else 0.5
    return sample_colorscale(DIVERGING, [t])[0]


def base_layout(**overrides: object) -> dict:
    """Shared layout defaults: white background, readable font, compact margins."""
    layout = {
        "template": "plotly_white",
        "font": FONT,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 45},
        "hoverlabel": {"font": {"family": "monospace", "size": 12}},
    }
    layout.update(overrides)
    return layout
