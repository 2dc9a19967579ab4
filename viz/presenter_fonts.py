"""Every font of a Plotly figure raised to a minimum size, for presenter mode (readable from the back).

Pure: returns a new figure and never changes the one it was given (dicts are rebuilt along every
path that changes; data arrays are shared, never written). Explicit sizes are set on everything
that shows text (layout font, titles, axis ticks and titles, legend, annotations, colour bars,
hover labels, trace text): a template (plotly's or Streamlit's chart theme) would otherwise keep
its own smaller tick and title sizes, whatever the layout font says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from viz.tick_figure import figure_dict

PRESENTER_MIN_FONT = 16
PRESENTER_TITLE_FONT = 20
_AXIS = re.compile(r"^[xyz]axis\d*$|^(radial|angular)axis$")
_SUBPLOT = re.compile(r"^(polar|scene|ternary)\d*$")
_COLORAXIS = re.compile(r"^coloraxis\d*$")
# trace types whose colour bar shows by default
_COLORBAR_TRACES = {"heatmap", "contour", "histogram2d", "histogram2dcontour", "surface", "densitymap"}


def _at_least(size: Any, minimum: float) -> Any:
    if size is None:
        return minimum
    if isinstance(size, int | float) and not isinstance(size, bool):
        return max(size, minimum)
    try:
        return np.maximum(np.asarray(size, dtype=float), minimum).tolist()
    except (TypeError, ValueError):
        return minimum


def _font(font: Any, minimum: float, *, force: bool) -> Any:
    """A copy of a font dict with its size raised (set to ``minimum`` if absent and ``force``)."""
    font = dict(font) if isinstance(font, Mapping) else {}
    if "size" in font or force:
        font["size"] = _at_least(font.get("size"), minimum)
    return font


def _walk(node: Mapping, minimum: float, *, lists: bool) -> dict:
    """A copy of ``node`` with every explicit font size below ``minimum`` raised (recursively)."""
    out: dict = {}
    for key, value in node.items():
        if key == "template":  # styles only what the figure leaves open: explicit sizes below win
            pass
        elif isinstance(value, Mapping):
            value = _walk(value, minimum, lists=lists)
            if key.endswith("font"):
                value = _font(value, minimum, force=False)
        elif lists and isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            value = [_walk(v, minimum, lists=lists) if isinstance(v, Mapping) else v for v in value]
        out[key] = value
    return out


def _with(node: Mapping, key: str, update: Any) -> dict:
    out = dict(node)
    out[key] = update
    return out


def _titled(title: Any, minimum: float) -> dict:
    title = {"text": title} if isinstance(title, str) else dict(title or {})
    title["font"] = _font(title.get("font"), minimum, force=True)
    return title


def _colorbar(colorbar: Any, minimum: float) -> dict:
    colorbar = dict(colorbar or {})
    colorbar["tickfont"] = _font(colorbar.get("tickfont"), minimum, force=True)
    if "title" in colorbar:
        colorbar["title"] = _titled(colorbar["title"], minimum)
    return colorbar


def _axis(axis: Mapping, minimum: float) -> dict:
    axis = _with(axis, "tickfont", _font(axis.get("tickfont"), minimum, force=True))
    if "title" in axis:
        axis["title"] = _titled(axis["title"], minimum)
    return axis


def presenter_layout(layout: Mapping, minimum: float = PRESENTER_MIN_FONT) -> dict:
    """A copy of a figure's layout with every text at least ``minimum`` px."""
    out = _walk(layout, minimum, lists=True)
    out["font"] = _font(out.get("font"), minimum, force=True)
    if "title" in out:
        out["title"] = _titled(out["title"], max(minimum, PRESENTER_TITLE_FONT))
    for key, value in list(out.items()):
        if _AXIS.match(key) and isinstance(value, Mapping):
            out[key] = _axis(value, minimum)
        elif _SUBPLOT.match(key) and isinstance(value, Mapping):
            out[key] = {
                k: _axis(v, minimum) if _AXIS.match(k) and isinstance(v, Mapping) else v
                for k, v in value.items()
            }
        elif _COLORAXIS.match(key) and isinstance(value, Mapping):
            out[key] = _with(value, "colorbar", _colorbar(value.get("colorbar"), minimum))
    # axes a template would style: make sure the first pair exists with explicit sizes
    for key in ("xaxis", "yaxis"):
        out[key] = _axis(out.get(key) or {}, minimum)
    out["legend"] = _with(
        out.get("legend") or {}, "font", _font((out.get("legend") or {}).get("font"), minimum, force=True)
    )
    if "title" in out["legend"]:  # a legend's own title ("activation") has a font of its own
        out["legend"]["title"] = _titled(out["legend"]["title"], minimum)
    hover = out.get("hoverlabel") or {}
    out["hoverlabel"] = _with(hover, "font", _font(hover.get("font"), minimum, force=True))
    if "annotations" in out:
        out["annotations"] = [
            _with(a, "font", _font(a.get("font"), minimum, force=True)) if isinstance(a, Mapping) else a
            for a in out["annotations"]
        ]
    return out


def presenter_trace(trace: Mapping, minimum: float = PRESENTER_MIN_FONT) -> dict:
    """A copy of one trace with its text, hover label and colour bar fonts at least ``minimum`` px."""
    out = _walk(trace, minimum, lists=False)
    shows_text = any(k in out for k in ("text", "texttemplate", "textfont")) or "text" in str(
        out.get("mode", "")
    )
    if shows_text:
        out["textfont"] = _font(out.get("textfont"), minimum, force=True)
    if "hoverlabel" in out:
        out["hoverlabel"] = _with(
            out["hoverlabel"], "font", _font(out["hoverlabel"].get("font"), minimum, force=True)
        )
    if out.get("type") in _COLORBAR_TRACES or "colorbar" in out:
        out["colorbar"] = _colorbar(out.get("colorbar"), minimum)
    marker = out.get("marker")
    if isinstance(marker, Mapping) and ("colorbar" in marker or marker.get("showscale")):
        out["marker"] = _with(marker, "colorbar", _colorbar(marker.get("colorbar"), minimum))
    return out


def presenter_figure(fig: go.Figure | Mapping, minimum: float = PRESENTER_MIN_FONT) -> go.Figure:
    """A new figure like ``fig`` (a Figure or a ``{"data", "layout"}`` dict) with every font >= ``minimum``.

    ``fig`` itself is left exactly as it was.
    """
    spec = figure_dict(fig)
    data = [presenter_trace(t, minimum) for t in spec.get("data", ())]
    layout = presenter_layout(spec.get("layout") or {}, minimum)
    return go.Figure(data=data, layout=layout, _validate=False)
