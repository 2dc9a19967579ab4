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
    """``theme.base_layout`` without the template (Streamlit's theme styles these charts)."""
    out = base_layout(**overrides)
    out.pop("meta", None)  # the mark that asks for the template (viz.theme.with_template)
    return out


def figure(traces: list[dict], fig_layout: dict) -> go.Figure:
    """A figure from trace dicts (each with its ``type``) and a layout dict, without validation."""
    return go.Figure(data=traces, layout=fig_layout, _validate=False)


def panel_row(titles: list[str], spacing: float, *, title_size: float = 16, **axis: object) -> dict:
    """Layout entries for ``len(titles)`` side-by-side subplots, as ``make_subplots(1, n)`` lays them out.

    ``xaxis``/``yaxis``, ``xaxis2``/``yaxis2``, ... (each x axis with ``axis``'s ``x_*`` entries,
    each y axis with its ``y_*`` entries, prefix dropped) and one centred title annotation per
    panel; trace ``k`` (from 0) goes on ``xaxis=panel_axis("x", k)``, ``yaxis=panel_axis("y", k)``.
    ``make_subplots`` validates every property of every axis it touches, which cost ~0.3 s for a
    row of six images here; these are plain dicts.
    """
    n = max(len(titles), 1)
    width = (1.0 - spacing * (n - 1)) / n
    xs = {k[2:]: v for k, v in axis.items() if k.startswith("x_")}
    ys = {k[2:]: v for k, v in axis.items() if k.startswith("y_")}
    out: dict = {"annotations": []}
    for k in range(n):
        lo = k * (width + spacing)
        suffix = "" if k == 0 else str(k + 1)
        out[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [lo, lo + width], **xs}
        out[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [0.0, 1.0], **ys}
        if k < len(titles):
            out["annotations"].append(
                {"font": {"size": title_size}, "showarrow": False, "text": titles[k], "x": lo + width / 2,
                 "xanchor": "center", "xref": "paper", "y": 1.0, "yanchor": "bottom", "yref": "paper"}
            )  # fmt: skip
    return out


def panel_axis(letter: str, k: int) -> str:
    """The axis reference of panel ``k`` (from 0) for a trace: ``x``, ``x2``, ... (see ``panel_row``)."""
    return letter if k == 0 else f"{letter}{k + 1}"
