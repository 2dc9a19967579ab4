"""The network diagram: neurons as nodes in layers, weights as edges, numbers on hover.

Layers are shown to the learner numbered from 1 next to the input ("layer 1" is the engine's
layer 0); neurons are numbered from 1 too. Edges are drawn as a few traces, one per colour bin
(``None``-separated segments), because one trace per edge makes the browser slow; a Plotly line
answers hover only at its end points, so an invisible marker on every edge carries the edge's
hover text and ``customdata = [layer, i, j]`` for click selection.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from viz.format import fmt

from .theme import (
    DIVERGING,
    GREY,
    HIGHLIGHT,
    INK,
    base_layout,
    diverging_color,
    line_color,
    line_scale,
    symmetric_range,
)

# where along an edge (from source 0 to target 1) its hover marker and label may sit, preferred
# first: off the middle, so that two edges crossing in an X do not share a hover point
LABEL_AT = (0.3, 0.45, 0.6, 0.2, 0.7)
# to keep printed labels apart: the diagram's plot width on a laptop screen, and text sizes (px)
PLOT_WIDTH_PX = 540
EDGE_CHAR_PX, NODE_CHAR_PX, TEXT_HEIGHT_PX = 6.5, 7.0, 16
NODE_RADIUS_PX = 17
N_BINS = 7
MIN_WIDTH, MAX_WIDTH = 0.8, 7.0
SMALL_NETWORK_EDGES = 24
# the scale as explicit [position, colour] pairs: the figure skips Plotly's validation (which would
# expand the name), and plotly.js reads the bare name "RdBu" the other way round (blue low, red high)
_DIVERGING_SCALE = [[float(p), c] for p, c in get_colorscale(DIVERGING)]
# edges are lines on the page: their colour bar shows the shortened scale they are drawn with
_EDGE_SCALE = line_scale()
# the halo behind a picked edge or neuron: teal, apart from the orange that marks a layer
PICK = "#5fc4b0"


def _colorbar(title: str, vmax: float, x: float, scale: list | None = None) -> dict:
    """A horizontal colour bar from ``-vmax`` to ``vmax`` under the diagram, centred at ``x``
    (paper coordinates), carried by an invisible marker."""
    return _scatter(
        x=[None],
        y=[None],
        mode="markers",
        hoverinfo="skip",
        showlegend=False,
        marker={
            "color": [0],
            "colorscale": scale or _DIVERGING_SCALE,
            "cmin": -vmax,
            "cmax": vmax,
            "cmid": 0,
            "showscale": True,
            "colorbar": {
                "title": {"text": title, "side": "top"},
                "orientation": "h",
                "x": x,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
                "len": 0.42,
                "thickness": 12,
                "tickfont": {"size": 11},
            },
        },
    )


def layer_title(index: int, n_weight_layers: int) -> str:
    """Diagram column title; ``index`` 0 is the input, ``n_weight_layers`` the output layer."""
    if index == 0:
        return "input"
    return f"layer {index} (output)" if index == n_weight_layers else f"layer {index} (hidden)"


def node_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """(x, y) of every neuron, layer by layer: x is the column, y centred around 0, top first."""
    return [
        np.column_stack([np.full(n, float(col)), (n - 1) / 2 - np.arange(n, dtype=float)])
        for col, n in enumerate(sizes)
    ]


def label_places(
    sizes: Sequence[int],
    edge_labels: Sequence[np.ndarray],
    node_labels: Sequence[Sequence[str]] | None,
    height: int,
) -> dict[tuple[int, int, int], float]:
    """Where along its edge (a value of ``LABEL_AT``) each non-empty edge label sits, edge by edge.

    Edges are taken in order; each label gets the first place whose box keeps clear of the
    neurons, their labels and the edge labels placed before it (when none is clear, the place
    that overlaps them least). With one fixed place, the labels of two edges crossing in an X
    covered each other.
    Sizes are estimated in pixels for a diagram ``height`` px tall and ``PLOT_WIDTH_PX`` wide.
    """
    pos = node_positions(sizes)
    n_layers = len(sizes) - 1
    px_x = PLOT_WIDTH_PX / (n_layers + 0.8)  # the x axis spans the columns plus 0.4 either side
    px_y = (height - 100) / (max(sizes) + 0.85)  # the y axis range, less the margins
    # boxes as (x, y, half width, half height) in pixels: the neurons and the text under them
    boxes = []
    for c, column in enumerate(pos):
        for k, (x, y) in enumerate(column):
            boxes.append((x * px_x, y * px_y, NODE_RADIUS_PX, NODE_RADIUS_PX))
            text = node_labels[c][k] if node_labels is not None else ""
            if text:
                below = y * px_y - NODE_RADIUS_PX - TEXT_HEIGHT_PX / 2
                boxes.append((x * px_x, below, len(text) * NODE_CHAR_PX / 2, TEXT_HEIGHT_PX / 2))

    def overlap(box: tuple[float, float, float, float]) -> float:
        x, y, w, h = box
        return sum(
            max(0.0, w + bw - abs(x - bx)) * max(0.0, h + bh - abs(y - by)) for bx, by, bw, bh in boxes
        )

    places = {}
    for l in range(n_layers):
        for i in range(sizes[l]):
            for j in range(sizes[l + 1]):
                text = str(edge_labels[l][i, j])
                if not text:
                    continue
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                half = (len(text) * EDGE_CHAR_PX + 4) / 2
                candidates = [
                    ((x0 + t * (x1 - x0)) * px_x, (y0 + t * (y1 - y0)) * px_y, half, TEXT_HEIGHT_PX / 2)
                    for t in LABEL_AT
                ]
                # the first place that overlaps nothing, else the one that overlaps least
                k = min(range(len(candidates)), key=lambda k: (overlap(candidates[k]), k))
                boxes.append(candidates[k])
                places[(l, i, j)] = LABEL_AT[k]
    return places


def _scale_range(arrays: Sequence[np.ndarray]) -> float:
    """The colour scale's half-width: the largest |value|, or 1 when every value is zero
    (a scale of width 1e-12 would print ticks such as "1p")."""
    vmax = symmetric_range(*arrays) if arrays else 1.0
    return vmax if vmax > 1e-12 else 1.0


def _scatter(**kwargs: object) -> dict:
    return {"type": "scatter", **kwargs}


def _lines(x: list, y: list, color: str, width: float, **kwargs: object) -> dict:
    """Line segments (``None``-separated) without hover or legend."""
    return _scatter(
        x=x,
        y=y,
        mode="lines",
        line={"color": color, "width": width},
        hoverinfo="skip",
        showlegend=False,
        **kwargs,
    )


def _annotate(annotations: list[dict], **kwargs: object) -> None:
    annotations.append(kwargs)


def default_edge_hover(values: Sequence[np.ndarray], name: str = "w") -> list[np.ndarray]:
    return [
        np.array(
            [
                [
                    f"{name} from neuron {i + 1} to neuron {j + 1} of layer {l + 1}: {fmt(v[i, j], 6)}"
                    for j in range(v.shape[1])
                ]
                for i in range(v.shape[0])
            ],
            dtype=object,
        )
        for l, v in enumerate(values)
    ]


def network_figure(
    sizes: Sequence[int],
    *,
    edge_values: Sequence[np.ndarray] | None = None,
    edge_title: str = "weight",
    edge_hover: Sequence[np.ndarray] | None = None,
    edge_labels: Sequence[np.ndarray] | None = None,
    node_values: Sequence[np.ndarray | None] | None = None,
    node_title: str = "a",
    node_hover: Sequence[Sequence[str]] | None = None,
    node_labels: Sequence[Sequence[str]] | None = None,
    grey_layers: Collection[int] = (),
    highlight_layer: int | None = None,
    selected: tuple[int, int, int] | None = None,
    selected_node: tuple[int, int] | None = None,
    title: str | None = None,
    height: int = 420,
    column_titles: Sequence[str] | None = None,
) -> go.Figure:
    """A diagram of a network with layer sizes ``sizes`` (input first).

    ``edge_values[l]``: ``(sizes[l], sizes[l+1])``, colour and width of weight layer l (engine
    index). ``node_values[c]``: one value per neuron of diagram column c (0 = input), or ``None``
    for an uncoloured column. ``edge_labels`` / ``node_labels``: text printed on the diagram
    (pass them only when the network is small). ``grey_layers``: weight layers not reached yet,
    drawn grey with their target neurons. ``highlight_layer``: weight layer whose target neurons
    are outlined. ``selected``: ``(layer, i, j)`` of an edge to draw highlighted.
    ``selected_node``: ``(column, k)`` of a neuron to ring (column 0 = input). The two colour
    bars (edges left, neurons right) sit under the diagram. ``column_titles``: one per column in
    place of ``layer_title``'s (shorter ones keep many narrow columns from overlapping).
    """
    sizes = list(sizes)
    n_layers = len(sizes) - 1
    pos = node_positions(sizes)
    grey = set(grey_layers)
    # traces and annotations are collected as plain dicts and validated once at the end: adding
    # them one by one to a go.Figure re-validates the whole figure each time (several times slower)
    traces: list[dict] = []
    annotations: list[dict] = []

    values = (
        list(edge_values)
        if edge_values is not None
        else [np.zeros((a, b)) for a, b in itertools.pairwise(sizes)]
    )
    live = [values[l] for l in range(n_layers) if l not in grey]
    vmax = _scale_range(live)
    hover = list(edge_hover) if edge_hover is not None else default_edge_hover(values)
    # a printed label and its edge's hover marker share a place; unlabelled edges take the first
    places = label_places(sizes, edge_labels, node_labels, height) if edge_labels is not None else {}

    # edges: one trace per colour bin, plus one for layers not reached yet
    edges = np.linspace(-vmax, vmax, N_BINS + 1)
    bins: dict[int, tuple[list, list]] = {}
    grey_xy: tuple[list, list] = ([], [])
    mark_x, mark_y, mark_text, mark_data = [], [], [], []
    for l in range(n_layers):
        src, dst = pos[l], pos[l + 1]
        v = values[l]
        for i in range(sizes[l]):
            for j in range(sizes[l + 1]):
                x0, y0 = src[i]
                x1, y1 = dst[j]
                if l in grey:
                    target = grey_xy
                else:
                    value = v[i, j]
                    b = (
                        int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0, N_BINS - 1))
                        if np.isfinite(value)
                        else -1
                    )
                    target = bins.setdefault(b, ([], []))
                target[0].extend((x0, x1, None))
                target[1].extend((y0, y1, None))
                t = places.get((l, i, j), LABEL_AT[0])
                mark_x.append(x0 + t * (x1 - x0))
                mark_y.append(y0 + t * (y1 - y0))
                mark_text.append(str(hover[l][i, j]))
                mark_data.append([l, i, j])
    # the selected edge: a halo drawn first, beneath the edges, so the edge keeps its colour
    if selected is not None:
        l, i, j = selected
        if 0 <= l < n_layers and 0 <= i < sizes[l] and 0 <= j < sizes[l + 1]:
            (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
            traces.append(_lines([x0, x1], [y0, y1], PICK, MAX_WIDTH + 8, opacity=0.55))

    # every live edge also as a thin light line underneath: an edge whose value is near zero
    # takes the scale's near-white colour and would otherwise vanish on the white background
    base_x = [x for b in sorted(bins) for x in bins[b][0]]
    base_y = [y for b in sorted(bins) for y in bins[b][1]]
    if base_x:
        traces.append(_lines(base_x, base_y, "#d9d9d9", 1.2))
    if grey_xy[0]:
        traces.append(_lines(grey_xy[0], grey_xy[1], GREY, 1))
    for b in sorted(bins):
        xs, ys = bins[b]
        if b < 0:
            color, width = GREY, MIN_WIDTH
        else:
            centre = 0.5 * (edges[b] + edges[b + 1])
            # the shortened scale: its darkest ends would vanish on the dark theme's page
            color = line_color(centre, vmax)
            width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * min(abs(centre) / vmax, 1.0)
        traces.append(_lines(xs, ys, color, width))

    # invisible markers carrying each edge's hover text and identity
    traces.append(
        _scatter(
            x=mark_x,
            y=mark_y,
            mode="markers",
            marker={"size": 14, "color": "rgba(0,0,0,0)"},
            hovertext=mark_text,
            hoverinfo="text",
            customdata=mark_data,
            name="edges",
            showlegend=False,
            # a click selects a point; keep every marker as it was (Plotly fades the others)
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
        )
    )
    traces.append(_colorbar(f"edge colour: {edge_title}", vmax, 0.25, _EDGE_SCALE))

    # the printed edge labels (only the non-empty ones have a place), edge by edge
    for (l, i, j), t in places.items():
        (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
        _annotate(
            annotations,
            x=x0 + t * (x1 - x0),
            y=y0 + t * (y1 - y0),
            text=str(edge_labels[l][i, j]),
            showarrow=False,
            font={"size": 11, "color": "#222"},
            bgcolor="rgba(255,255,255,0.85)",
            borderpad=1,
        )

    # neurons
    node_vals = list(node_values) if node_values is not None else [None] * len(sizes)
    finite = [
        np.asarray(v, float)
        for c, v in enumerate(node_vals)
        if v is not None and (c == 0 or c - 1 not in grey)
    ]
    nmax = _scale_range(finite)
    xs, ys, colors, texts, hovers, outline, data = [], [], [], [], [], [], []
    for c, n in enumerate(sizes):
        v = node_vals[c] if c < len(node_vals) else None
        reached = c == 0 or (c - 1) not in grey
        for k in range(n):
            xs.append(pos[c][k][0])
            ys.append(pos[c][k][1])
            if v is not None and reached and np.isfinite(v[k]):
                colors.append(float(v[k]))
            else:
                colors.append(None)
            texts.append(node_labels[c][k] if node_labels is not None and reached else "")
            if node_hover is not None:
                hovers.append(node_hover[c][k])
            else:
                name = "x" if c == 0 else node_title
                value = f" = {fmt(v[k], 6)}" if v is not None and reached else ""
                hovers.append(f"{layer_title(c, n_layers)}, neuron {k + 1}: {name}{value}")
            outline.append(HIGHLIGHT if highlight_layer is not None and c == highlight_layer + 1 else INK)
            data.append([c, k])
    marker_colors = [GREY if col is None else diverging_color(col, nmax) for col in colors]
    if selected_node is not None:
        c, k = selected_node
        if 0 <= c < len(sizes) and 0 <= k < sizes[c]:
            traces.append(
                _scatter(
                    x=[pos[c][k][0]],
                    y=[pos[c][k][1]],
                    mode="markers",
                    marker={"size": 50, "color": PICK, "opacity": 0.55},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    traces.append(
        _scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=texts,
            textposition="bottom center",
            # no colour of its own: the theme's text colour, readable in the light and the dark theme
            textfont={"size": 12},
            hovertext=hovers,
            hoverinfo="text",
            customdata=data,
            name="neurons",
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
            marker={
                "size": 34,
                "color": marker_colors,
                "line": {"color": outline, "width": [4 if o == HIGHLIGHT else 1.5 for o in outline]},
            },
            showlegend=False,
        )
    )
    traces.append(_colorbar(f"neuron colour: {node_title}", nmax, 0.75))

    top = max(sizes) / 2 + 0.1
    for c in range(len(sizes)):
        _annotate(
            annotations,
            x=c,
            y=top,
            text=f"<b>{column_titles[c] if column_titles else layer_title(c, n_layers)}</b>",
            showarrow=False,
            yanchor="bottom",
            font={"size": 12},
        )
    layout = base_layout(
        height=height,
        title={"text": title} if title else None,
        margin={"l": 10, "r": 10, "t": 40 if title else 20, "b": 60},
        dragmode=False,
        hovermode="closest",
        clickmode="event+select",
        annotations=annotations,
        xaxis={"visible": False, "range": [-0.4, n_layers + 0.4], "fixedrange": True},
        yaxis={"visible": False, "range": [-max(sizes) / 2 - 0.3, top + 0.45], "fixedrange": True},
    )
    # built from known-good dicts: Plotly's per-property validation would cost more than the rest of
    # a step (tests/test_viz_step.py validates these figures in full, so a mistake cannot slip by)
    # Streamlit's theme styles the chart: no "plotly_white" template (base_layout's mark for it is
    # dropped, see viz.theme.with_template)
    layout.pop("meta", None)
    return go.Figure(data=traces, layout=layout, _validate=False)
