"""Fast figure assembly for the playground: traces and layout as plain dicts, wrapped once without validation.

Play redraws the boundary and loss charts several times a second. Building them from
``go.Heatmap``/``go.Scatter`` objects and ``update_layout`` calls validates every property on
every change and cost ~50 ms per chart here; plain dicts wrapped once cost well under 1 ms.
Without validation nothing resolves names for us, so the diverging scale and the template are
given explicitly (Plotly.js reads a bare ``"RdBu"`` the other way round from plotly.py).
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

from .theme import DIVERGING, base_layout

DIVERGING_SCALE: list[list] = get_colorscale(DIVERGING)
_TEMPLATES: dict[str, dict] = {}


def layout(**overrides: object) -> dict:
    """``theme.base_layout`` with its template spelled out as a dict."""
    out = base_layout(**overrides)
    name = out.get("template")
    if isinstance(name, str):
        if name not in _TEMPLATES:
            _TEMPLATES[name] = pio.templates[name].to_plotly_json()
        out["template"] = _TEMPLATES[name]
    return out


def figure(traces: list[dict], fig_layout: dict) -> go.Figure:
    """A figure from trace dicts (each with its ``type``) and a layout dict, without validation."""
    return go.Figure(data=traces, layout=fig_layout, _validate=False)
