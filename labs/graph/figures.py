"""The computational graph as a Plotly figure (data in, figure out; never streamlit).

Nodes are boxes in layers (leaves round), each showing what it is, its value and, once the
backward pass has reached it, its gradient d output / d node, coloured on the one diverging
scale (centred at zero). Edges carry their local derivative. Built from plain dicts without
validation (``viz.playground_fig``): a step click redraws it.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from backprop_core.graph import GraphTrace
from viz.playground_fig import DIVERGING_SCALE, figure, layout
from viz.theme import GREY, HIGHLIGHT, fmt

from .model import grads_after, node_title, pytorch_names

NODE_SIZE = 64
ROW_PX = 84


def _limit(trace: GraphTrace) -> float:
    finite = [abs(g) for g in trace.node_grads if math.isfinite(g)]
    return max(finite, default=1.0) or 1.0


def graph_figure(
    trace: GraphTrace, positions: dict[int, tuple[float, float]], steps: int, current: int | None = None
) -> go.Figure:
    """The graph after ``steps`` backward steps; ``current``: the node being processed (highlighted,
    with the edges to its inputs)."""
    nodes = trace.nodes
    grad = grads_after(trace, steps)
    edges_x: list[float | None] = []
    edges_y: list[float | None] = []
    hot_x: list[float | None] = []
    hot_y: list[float | None] = []
    mid_x, mid_y, mid_hover, notes = [], [], [], []
    for n in nodes:
        for k, local in zip(n.inputs, n.local, strict=True):
            (x0, y0), (x1, y1) = positions[k], positions[n.index]
            xs, ys = (hot_x, hot_y) if n.index == current else (edges_x, edges_y)
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            mx, my = x0 + 0.5 * (x1 - x0), y0 + 0.5 * (y1 - y0)
            mid_x.append(mx)
            mid_y.append(my)
            mid_hover.append(f"local derivative<br>d({node_title(n)})/d({node_title(nodes[k])}) = {local!r}")
            if nodes[k].needs_grad:
                notes.append(_edge_label(mx, my, fmt(local, 3), n.index == current))
    vmax = 1.6 * _limit(trace)  # colours stay light enough for the black numbers on them
    reached = [i for i, g in enumerate(grad) if g is not None]
    waiting = [i for i, g in enumerate(grad) if g is None]
    traces = [
        _lines(edges_x, edges_y, GREY, 1.5),
        _lines(hot_x, hot_y, HIGHLIGHT, 4),
        {
            "type": "scatter",
            "x": mid_x,
            "y": mid_y,
            "mode": "markers",
            "marker": {"size": 14, "opacity": 0},
            "hovertext": mid_hover,
            "hoverinfo": "text",
            "showlegend": False,
        },
        _nodes(trace, positions, waiting, grad, current, {"color": "#f7f7f7"}),
        _nodes(
            trace,
            positions,
            reached,
            grad,
            current,
            {
                "color": [grad[i] if math.isfinite(grad[i]) else 0.0 for i in reached],
                "colorscale": DIVERGING_SCALE,
                "cmin": -vmax,
                "cmax": vmax,
                "cmid": 0.0,
                "showscale": True,
                "colorbar": {"title": {"text": "gradient", "side": "right"}, "thickness": 12, "len": 0.8},
            },
        ),
    ]
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    rows = max(ys) + 1
    fig_layout = layout(
        height=int(max(300, ROW_PX * rows + 70)),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False, "range": [min(xs) - 0.55, max(xs) + 0.55], "fixedrange": True},
        yaxis={"visible": False, "range": [max(ys) + 0.6, min(ys) - 0.6], "fixedrange": True},
        annotations=notes,
        showlegend=False,
        hovermode="closest",
        title={"text": "each box: what it is · value · gradient d(output)/d(box)", "font": {"size": 13}},
    )
    return figure(traces, fig_layout)


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


def _nodes(
    trace: GraphTrace, positions: dict, idx: list[int], grad: list, current: int | None, colour: dict
) -> dict:
    nodes = trace.nodes
    text, hover = [], []
    for i in idx:
        n, g = nodes[i], grad[i]
        title = f"<b>{node_title(n)}</b>" + (f" {n.name}" if n.name and n.op != "leaf" else "")
        text.append(f"{title}<br>{fmt(n.value)}" + (f"<br><b>{fmt(g)}</b>" if g is not None else ""))
        hover.append(
            f"{node_title(n)} {n.name if n.op != 'leaf' else ''}<br>value = {n.value!r}<br>"
            f"gradient = {g!r}<br>PyTorch: {pytorch_names(trace, i)}"
        )
    return {
        "type": "scatter",
        "x": [positions[i][0] for i in idx],
        "y": [positions[i][1] for i in idx],
        "mode": "markers+text",
        "text": text,
        "textposition": "middle center",
        "textfont": {"size": 11, "color": "#111"},
        "hovertext": hover,
        "hoverinfo": "text",
        "marker": {
            **colour,
            "size": NODE_SIZE,
            "symbol": ["circle" if nodes[i].op == "leaf" else "square" for i in idx],
            "line": {
                "color": [HIGHLIGHT if i == current else "#777" for i in idx],
                "width": [5 if i == current else 1 for i in idx],
            },
        },
        "showlegend": False,
    }
