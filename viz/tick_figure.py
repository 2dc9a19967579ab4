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

import base64
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import to_typed_array_spec

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


# what Plotly's ``convert_to_base64`` leaves as it is under these keys
_SKIPPED = frozenset({"geojson", "layer", "layers", "range"})
# plotly.js's names of the dtypes it reads from base64 (``_plotly_utils.utils.plotlyjsShortTypes``)
_SHORT = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}  # fmt: skip
_INTS = (np.int8, np.int16, np.int32)
_UINTS = (np.uint8, np.uint16, np.uint32)


def _typed(value: Any) -> Any:
    """A numeric array as Plotly's ``to_typed_array_spec`` writes it, without its generic array
    detection (which costs more than the encoding); anything else goes to Plotly's own function."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        return to_typed_array_spec(value)
    if value.size == 0:
        return value
    if value.dtype in (np.int64, np.uint64):
        # the smallest integer type that holds every value, as Plotly picks it (plotly.js has no int64)
        lo, hi = value.min(), value.max()
        kinds = _INTS if value.dtype == np.int64 else _UINTS
        fits = [k for k in kinds if np.iinfo(k).min <= lo and hi <= np.iinfo(k).max]
        if not fits:
            return value
        value = value.astype(fits[0])
    short = _SHORT.get(str(value.dtype))
    if short is None:
        return value
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii")}
    if value.ndim > 1:
        spec["shape"] = str(value.shape)[1:-1]
    return spec


def _is_array(value: Any) -> bool:
    """Plotly's ``is_homogeneous_array``, answered without it for the common kinds of value."""
    if isinstance(value, np.ndarray):
        return True
    if value is None or isinstance(value, str | int | float | dict | list | tuple):
        return False
    return is_homogeneous_array(value)


def _encoded(node: Any) -> Any:
    """A copy of ``node`` (fresh dicts and lists) with every array that is a dict's value encoded, as
    ``go.Figure.to_dict`` (a deep copy, then Plotly's ``convert_to_base64``) gives it."""
    if isinstance(node, dict):
        return {
            k: _copied(v) if k in _SKIPPED else _typed(v) if _is_array(v) else _encoded(v)
            for k, v in node.items()
        }
    if isinstance(node, list | tuple):
        return [_encoded(v) for v in node]
    return node


def _copied(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copied(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_copied(v) for v in node]
    return node


def _top(node: dict) -> dict:
    """``_encoded`` of a trace or a layout without its own ``None`` properties (Plotly drops those; it
    keeps a ``None`` deeper down, in a property of a property, and so does this)."""
    return _encoded({k: v for k, v in node.items() if v is not None})


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


def figure_dict(fig: go.Figure | Mapping) -> dict:
    """``fig.to_dict()`` (a fresh dict, numeric arrays base64-encoded) made in one pass.

    ``go.Figure.to_dict`` deep-copies the figure and then walks the copy to encode its arrays; this
    walks Plotly's own store of the figure (``_data``, ``_layout``, the frames' ``_props``: what
    ``to_dict`` copies) once, copying and encoding as it goes. A figure given as a dict is encoded
    the same way. ``tests/test_viz_send.py`` checks the result equals ``to_dict`` for every chart of
    every page, and fails if Plotly's store moves.
    """
    if isinstance(fig, TickFigure | SentFigure):
        return fig.to_dict()
    if isinstance(fig, go.Figure):
        out = {"data": [_encoded(t) for t in fig._data], "layout": _encoded(fig._layout)}
        frames = [_encoded(f._props) for f in fig._frame_objs]
        if frames:
            out["frames"] = frames
        return out
    return _encoded(dict(fig))


class SentFigure(go.Figure):
    """A finished figure dict (``figure_dict``'s) that ``st.plotly_chart`` sends as it is.

    ``st.plotly_chart`` validates a figure given as a dict by building a ``go.Figure`` from it, the
    template included (most of a chart's server time); a ``go.Figure`` it only asks for ``to_dict``.
    So a chart whose figure was built (and checked by the tests) once is not checked again on every
    run. ``tests/test_viz_send.py`` checks that validating every chart of every page changes nothing.
    """

    def __init__(self, spec: dict) -> None:
        object.__setattr__(self, "_sent_spec", spec)

    def to_dict(self) -> dict:
        return self._sent_spec

    def to_plotly_json(self) -> dict:
        return self._sent_spec

    def __repr__(self) -> str:
        return f"SentFigure({len(self._sent_spec.get('data', ()))} traces)"


def sent_figure(spec: dict) -> go.Figure:
    """``spec`` (a ``figure_dict``) wrapped for ``st.plotly_chart``: see ``SentFigure``."""
    return SentFigure(spec)
