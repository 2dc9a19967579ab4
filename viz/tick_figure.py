"""Figures for Play ticks without Plotly's object model: the dict Streamlit sends, made directly.

``st.plotly_chart`` turns a ``go.Figure`` into what it sends with ``fig.to_dict()``. For a figure
made from plain dicts (``viz.fast_figure.figure``) that is a round trip: making the figure builds
one Plotly object per trace and per part of the layout and puts the default template (a deep
structure) into the layout; ``to_dict`` then deep-copies all of it back into dicts and encodes the
numeric arrays (base64). For a chart redrawn several times a second that round trip costs more
server time than working out the chart's numbers.

``tick_figure(traces, layout)`` returns a ``TickFigure``: a ``go.Figure`` in type only (so that
``st.plotly_chart`` and ``ui.presenter`` take it), whose ``to_dict()`` is the dict
``fast_figure.figure(traces, layout).to_dict()`` gives - the same template, the same encoded
arrays, a trace's or the layout's own ``None`` properties left out as Plotly leaves them out -
made without the objects.
Nothing else of ``go.Figure`` works on it (no ``data``, no ``layout``); tests compare its dict with
the full figure's, which Plotly validates.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

# the default template as a dict, per template name (a template is fixed once registered)
_TEMPLATES: dict[str, dict] = {}


def default_template() -> dict | None:
    """What a new ``go.Figure`` puts into a layout without a template: ``pio.templates.default``."""
    name = pio.templates.default
    if name is None:
        return None
    if not isinstance(name, str):
        return name.to_plotly_json()
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json()
    return _TEMPLATES[name]


def _copy(node: Any) -> Any:
    """Fresh dicts and lists all the way down; arrays and other leaves shared."""
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_copy(v) for v in node]
    return node


def _top(node: dict) -> dict:
    """``_copy`` of a trace or a layout without its ``None`` properties (Plotly drops those; it keeps
    a ``None`` deeper down, in a property of a property, and so does this)."""
    return {k: _copy(v) for k, v in node.items() if v is not None}


class TickFigure(go.Figure):
    """Trace dicts (each with its ``type``) and a layout dict that ``to_dict`` hands over as Plotly would.

    Deliberately not initialised as a ``go.Figure``: building Plotly's objects is the cost it avoids.
    """

    def __init__(self, traces: list[dict], layout: dict) -> None:
        object.__setattr__(self, "_tick_spec", (traces, layout))

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` with numeric arrays base64-encoded, a fresh copy each call."""
        traces, layout = self._tick_spec
        data = [_top(t) for t in traces]
        out_layout = _top(layout)
        convert_to_base64(data)
        convert_to_base64(out_layout)
        if "template" not in out_layout:
            template = default_template()
            if template is not None:
                # shared, not copied: the template is only read (it holds no arrays to encode)
                out_layout["template"] = template
        return {"data": data, "layout": out_layout}

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def __repr__(self) -> str:
        traces, _ = self._tick_spec
        return f"TickFigure({len(traces)} traces)"


def tick_figure(traces: list[dict], layout: dict) -> go.Figure:
    """A ``TickFigure`` of ``traces`` and ``layout`` (as ``viz.fast_figure.figure`` takes them)."""
    return TickFigure(traces, layout)
