"""The computational graph as a Plotly figure (data in, figure out; never streamlit).

Nodes are boxes in layers (leaves round), each showing what it is, its value and, once the
backward pass has reached it, its gradient d output / d node, coloured on the one diverging
scale (centred at zero). Edges carry their local derivative. Built from plain dicts without
validation (``viz.fast_figure``): a step click redraws it.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from backprop_core.graph import GraphTrace
from viz.fast_figure import DIVERGING_SCALE, figure, layout
from viz.format import fmt
from viz.theme import GREY, HIGHLIGHT, diverging_color

from .model import grads_after, node_title, pytorch_names

ROW_PX = 64  # one layer of the graph per row, leaves at the top, the output at the bottom
BOX_W = 0.42  # half a box's width, in columns
BOX_H = 17 / ROW_PX  # half a box's height, in rows (17 px)
MIN_COLUMNS = 5  # small graphs keep boxes of a sensible width


def _limit(trace: GraphTrace) -> float:
    finite = [abs(g) for g in trace.node_grads if math.isfinite(g)]
    return max(finite, default=1.0) or 1.0


def graph_figure(
    trace: GraphTrace, positions: dict[int, tuple[float, float]], steps: int, current: int | None = None
) -> go.Figure:
    """The graph after ``steps`` backward steps; ``current``: the node being processed (highlighted,
    with the edges to its inputs). ``positions``: node -> (layer, place in layer), drawn as
    (x = place, y = layer)."""
    nodes = trace.nodes
    grad = grads_after(trace, steps)
    vmax = 1.6 * _limit(trace)  # colours stay light enough for the black numbers on them
    xy = {i: (p, layer) for i, (layer, p) in positions.items()}
    edges: dict[bool, tuple[list, list]] = {False: ([], []), True: ([], [])}
    mid_x, mid_y, mid_hover, notes, shapes = [], [], [], [], []
    placed: list[tuple[float, float]] = []
    for n in nodes:
        for k, local in zip(n.inputs, n.local, strict=True):
            (x0, y0), (x1, y1) = xy[k], xy[n.index]
            hot = n.index == current
            xs, ys = edges[hot]
            xs += [x0, x1, None]
            ys += [y0 + BOX_H, y1 - BOX_H, None]
            # the label sits in the gap just above the box it feeds, never on a box it passes
            mx, my = _label_spot(placed, x0, y0, x1, y1)
            mid_x.append(mx)
            mid_y.append(my)
            mid_hover.append(f"local derivative<br>d({node_title(n)})/d({node_title(nodes[k])}) = {local!r}")
            if nodes[k].needs_grad:
                notes.append(_edge_label(mx, my, fmt(local, 3), hot))
    text_x, text_y, text, hover = [], [], [], []
    for n in nodes:
        x, y = xy[n.index]
        g = grad[n.index]
        fill = "#f7f7f7" if g is None else diverging_color(g, vmax)
        hot = n.index == current
        shapes.append(
            {
                "type": "circle" if n.op == "leaf" else "rect",
                "x0": x - BOX_W,
                "x1": x + BOX_W,
                "y0": y - BOX_H,
                "y1": y + BOX_H,
                "fillcolor": fill,
                "line": {"color": HIGHLIGHT if hot else "#888", "width": 4 if hot else 1},
                "layer": "below",
            }
        )
        title = f"<b>{node_title(n)}</b>" + (f" {n.name}" if n.name and n.op != "leaf" else "")
        text_x.append(x)
        text_y.append(y)
        text.append(f"{title}  {fmt(n.value)}" + (f"<br>grad <b>{fmt(g)}</b>" if g is not None else ""))
        hover.append(
            f"{node_title(n)} {n.name if n.op != 'leaf' else ''}<br>value = {n.value!r}<br>"
            f"gradient = {g!r}<br>PyTorch: {pytorch_names(trace, n.index)}"
        )
    traces = [
        _lines(*edges[False], GREY, 1.5),
        _lines(*edges[True], HIGHLIGHT, 4),
        _hover_points(mid_x, mid_y, mid_hover, 14),
        {
            "type": "scatter",
            "x": text_x,
            "y": text_y,
            "mode": "markers+text",
            "text": text,
            "textposition": "middle center",
            "textfont": {"size": 11, "color": "#111"},
            "hovertext": hover,
            "hoverinfo": "text",
            "marker": {"size": 30, "opacity": 0},
            "showlegend": False,
        },
        {  # the colour scale's legend only
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "hoverinfo": "skip",
            "showlegend": False,
            "marker": {
                "color": [0.0],
                "colorscale": DIVERGING_SCALE,
                "cmin": -vmax,
                "cmax": vmax,
                "showscale": True,
                "colorbar": {"title": {"text": "gradient", "side": "right"}, "thickness": 12, "len": 0.8},
            },
        },
    ]
    xs = [p[0] for p in xy.values()]
    ys = [p[1] for p in xy.values()]
    span = max(max(xs) - min(xs) + 1, MIN_COLUMNS)
    centre = (max(xs) + min(xs)) / 2
    fig_layout = layout(
        height=int(ROW_PX * (max(ys) - min(ys) + 1) + 60),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False, "range": [centre - span / 2, centre + span / 2], "fixedrange": True},
        yaxis={"visible": False, "range": [max(ys) + 0.5, min(ys) - 0.5], "fixedrange": True},
        annotations=notes,
        shapes=shapes,
        showlegend=False,
        hovermode="closest",
        title={
            "text": "each box: what it is, its value; grad = d(output)/d(box) once reached",
            "font": {"size": 13},
        },
    )
    return figure(traces, fig_layout)


def _label_spot(placed: list[tuple[float, float]], x0: float, y0: float, x1: float, y1: float) -> tuple:
    """Where an edge's label goes: in the gap just above the box it feeds (never on a box it
    passes), moved up or down its line when another label already sits there."""
    ya, yb = y0 + BOX_H, y1 - BOX_H
    for dy in (0.0, -0.19, 0.19):
        my = y1 - 0.5 + dy
        mx = x0 + (x1 - x0) * (my - ya) / (yb - ya)
        if all(abs(mx - px) > 0.3 or abs(my - py) > 0.18 for px, py in placed):
            break
    placed.append((mx, my))
    return mx, my


def _lines(xs: list, ys: list, colour: str, width: float) -> dict:
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "lines",
        "line": {"color": colour, "width": width},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _hover_points(xs: list, ys: list, hover: list, size: int) -> dict:
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "marker": {"size": size, "opacity": 0},
        "hovertext": hover,
        "hoverinfo": "text",
        "showlegend": False,
    }


def _edge_label(x: float, y: float, text: str, hot: bool) -> dict:
    return {
        "x": x,
        "y": y,
        "text": text,
        "showarrow": False,
        "font": {"size": 11, "color": "#7a3e00" if hot else "#444"},
        "bgcolor": "rgba(255,255,255,0.9)",
        "borderpad": 1,
    }
