"""Fast figure assembly for the playground: traces and layout as plain dicts, wrapped once without validation.

Play redraws the boundary and loss charts several times a second. Building them from
``go.Heatmap``/``go.Scatter`` objects and ``update_layout`` calls validates every property on
every change and cost ~50 ms per chart here; plain dicts wrapped once cost well under 1 ms
(``tests/test_viz_playground.py`` validates every figure in full, so a typo cannot slip by).
Without validation nothing resolves names for us: the diverging scale is given as explicit
colours (Plotly.js reads a bare ``"RdBu"`` the other way round from plotly.py), and the template
name is left out, as in ``viz/network.py`` - Streamlit's theme styles the charts.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import get_colorscale

from viz.theme import DIVERGING, base_layout

DIVERGING_SCALE: list[list] = [[float(p), c] for p, c in get_colorscale(DIVERGING)]


def layout(**overrides: object) -> dict:
    """``theme.base_layout`` without the template name (only validation would expand it)."""
    out = base_layout(**overrides)
    out.pop("template", None)
    return out


def figure(traces: list[dict], fig_layout: dict) -> go.Figure:
    """A figure from trace dicts (each with its ``type``) and a layout dict, without validation."""
    return go.Figure(data=traces, layout=fig_layout, _validate=False)
