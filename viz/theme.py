"""One look for every chart: the diverging colour scale for signed values, number formatting.

Signed values (weights, gradients, deltas, activations) always use ``DIVERGING`` centred on
zero: red for negative, white for zero, blue for positive. ColorBrewer's RdBu is readable
with the common forms of colour blindness; every colour also carries its number on hover.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

from viz.tick_figure import figure_dict

DIVERGING = "RdBu"
GREY = "#c8c8c8"
HIGHLIGHT = "#ff9f1c"
# Colours that must read in the light and the dark theme (Streamlit draws every chart on the page's
# background: white, or #171614 in the dark theme).
# INK: for what would be black on white (a minimum's star, a reference line, a curve): a grey with
# contrast about 4.5:1 on white and 4:1 on #171614. (Streamlit's placeholder colours, which its chart theme
# swaps for a near-black or near-white, are swapped once, when a chart is first drawn: after a switch
# of theme in the app menu they kept the old theme's colour, black on the dark page.)
INK = "#777777"
# MUTED: secondary lines and notes, a mid grey with contrast > 4:1 on white and on #171614
MUTED = "#7c7c7c"
# text on a fixed light fill (a pale box or band), which stays light in the dark theme too
TEXT_ON_LIGHT = "#262626"
FONT = {"family": "sans-serif", "size": 13}
# line colours for series compared side by side (Okabe-Ito, colour-blind safe)
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def symmetric_range(*arrays: np.ndarray) -> float:
    """The largest finite |value| across arrays (at least a tiny positive number)."""
    vals = [np.abs(a[np.isfinite(a)]).max() for a in arrays if np.size(a) and np.isfinite(a).any()]
    return float(max(vals)) if vals and max(vals) > 0 else 1e-12


# lines and symbols drawn on the page itself take the diverging scale from 0.15 to 0.85 only: its darkest
# ends (#67001f, #053061) vanish on the dark theme's background, these read on white and on #171614
LINE_SPAN = 0.35


def line_scale(n: int = 11) -> list[list]:
    """The diverging scale as ``[position, colour]`` pairs, shortened to what ``line_color`` uses."""
    ts = np.linspace(0.5 - LINE_SPAN, 0.5 + LINE_SPAN, n)
    return [[float(i / (n - 1)), c] for i, c in enumerate(sample_colorscale(DIVERGING, list(ts)))]


def line_color(value: float, vmax: float) -> str:
    """``diverging_color`` for a line or symbol on the page: its ends stay readable on both themes."""
    if not np.isfinite(value):
        return GREY
    t = 0.5 + LINE_SPAN * float(np.clip(value / vmax, -1.0, 1.0)) if vmax > 0 else 0.5
    return sample_colorscale(DIVERGING, [t])[0]


def diverging_color(value: float, vmax: float) -> str:
    """The colour of ``value`` on the diverging scale spanning ``[-vmax, vmax]``."""
    if not np.isfinite(value):
        return GREY
    t = 0.5 + 0.5 * float(np.clip(value / vmax, -1.0, 1.0)) if vmax > 0 else 0.5
    return sample_colorscale(DIVERGING, [t])[0]


# Every chart built with ``base_layout`` looks like Plotly's "plotly_white" template. Setting a named
# template makes plotly.py deep-copy and re-validate all of it for every figure (~20 ms a figure
# here: most of a small figure's cost, ~0.2 s of the convolution page's run), so ``base_layout``
# only marks the figure (``layout.meta``) and ``template_added`` writes the template into the
# figure's JSON once it is built (``ui.presenter.plotly_chart`` does, for every chart it draws).
TEMPLATE = "plotly_white"
TEMPLATE_MARK = "bpl-template:" + TEMPLATE


@functools.cache
def template_json() -> dict:
    """``TEMPLATE`` as plain JSON (built once; shared, never written to)."""
    return pio.templates[TEMPLATE].to_plotly_json()


def with_template(fig: go.Figure | Mapping) -> Any:
    """``fig`` as a dict with ``TEMPLATE`` in its layout if ``base_layout`` marked it, else unchanged.

    The same JSON as a figure built with ``template="plotly_white"`` (the mark is removed). The
    given figure is not changed.
    """
    spec = figure_dict(fig) if isinstance(fig, go.Figure) else fig
    layout = spec.get("layout") if isinstance(spec, Mapping) else None
    return template_added(spec) if _marked(layout) else fig


def template_added(spec: Mapping) -> dict:
    """A figure dict with ``TEMPLATE`` in its layout (and the mark removed) if ``base_layout`` marked
    it; ``spec`` itself is not changed (a marked layout is replaced by a new one)."""
    layout = spec.get("layout")
    if not _marked(layout):
        return dict(spec)
    layout = {k: v for k, v in layout.items() if k != "meta"}
    layout["template"] = template_json()
    return {**spec, "layout": layout}


def _marked(layout: object) -> bool:
    return isinstance(layout, Mapping) and layout.get("meta") == TEMPLATE_MARK


def base_layout(**overrides: object) -> dict:
    """Shared layout defaults: white background, readable font, compact margins.

    The white background comes from the "plotly_white" template, added when the chart is drawn
    (``template_added``, which ``ui.presenter`` applies to every chart it sends; ``layout.meta``
    carries the mark until then).
    """
    layout = {
        "meta": TEMPLATE_MARK,
        "font": FONT,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 45},
        "hoverlabel": {"font": {"family": "monospace", "size": 12}},
    }
    layout.update(overrides)
    return layout
