"""The playground's network diagram (weights or their last gradients) and the map of one neuron.

The diagram is ``viz.network.network_figure`` fed with a ``Snapshot``: edges show the weights
``W`` after that iteration or the gradient ``dL/dW`` the iteration computed; nodes show each
neuron's mean activation ``a`` over that iteration's batch, or its ``delta = dL/dz`` summed over
the batch (which is exactly ``dL/db``). Hover gives every exact number. Columns and neurons are
numbered from 1 for the learner; column 0 is the input.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from labs.playground.model_boundary import InputGrid
from labs.playground.model_run import Snapshot
from viz.fast_figure import DIVERGING_SCALE, figure, layout
from viz.format import fmt
from viz.network import layer_title, network_figure
from viz.theme import INK, MUTED, symmetric_range

EDGE_MODES = {"weight": "weight w", "gradient": "last dL/dw"}
NODE_MODES = {"a": "activation a", "delta": "delta = dL/dz"}
# up to this many columns "layer 2 (hidden)" fits above each; beyond, columns are only numbered
LONG_TITLES_UP_TO = 5


def column_titles(n_columns: int) -> list[str] | None:
    """Short column titles for a diagram too crowded for the long ones (``None``: keep those)."""
    if n_columns <= LONG_TITLES_UP_TO:
        return None
    return ["input", *map(str, range(1, n_columns - 1)), f"{n_columns - 1} (out)"]


def neuron_name(column: int, k: int, n_columns: int, input_names: tuple[str, ...] = ("x1", "x2")) -> str:
    """``input x1``, ``layer 2, neuron 3`` or ``output layer 3, neuron 1`` (column 0 is the input)."""
    if column == 0:
        return f"input {input_names[k] if k < len(input_names) else k + 1}"
    where = "output layer" if column == n_columns - 1 else "layer"
    return f"{where} {column}, neuron {k + 1}"


def diagram_figure(
    snap: Snapshot,
    *,
    edges: str = "weight",
    nodes: str = "a",
    selected: tuple[int, int] | None = None,
    height: int = 400,
) -> go.Figure:
    """The network at ``snap``: edges by ``weight`` or ``gradient``, nodes by ``a`` or ``delta``.

    ``selected``: ``(column, k)`` of a neuron to ring. Before the first iteration there is no
    gradient, activation or delta yet: those views draw grey with a note.
    """
    if edges not in EDGE_MODES or nodes not in NODE_MODES:
        raise ValueError(f"edges must be one of {list(EDGE_MODES)} and nodes one of {list(NODE_MODES)}")
    net = snap.net
    sizes = list(net.sizes)
    n_cols = len(sizes)
    trained = snap.dW is not None
    W, dW = net.weights, snap.dW
    edge_hover = []
    for l, w in enumerate(W):
        hover = np.empty(w.shape, dtype=object)
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                src = neuron_name(l, i, n_cols)
                text = f"w from {src} to {neuron_name(l + 1, j, n_cols)}<br>w = {fmt(w[i, j], 6)}"
                if trained:
                    text += f"<br>last dL/dw = {fmt(dW[l][i, j], 6)}"
                hover[i, j] = text
        edge_hover.append(hover)

    if edges == "weight":
        edge_values, grey = list(W), ()
    elif trained:
        edge_values, grey = list(dW), ()
    else:
        edge_values, grey = list(W), tuple(range(len(W)))

    node_values: list[np.ndarray | None] = [None] * n_cols
    node_hover: list[list[str]] = []
    for c in range(n_cols):
        texts = []
        for k in range(sizes[c]):
            text = neuron_name(c, k, n_cols)
            if trained:
                text += f"<br>mean over the batch of {snap.batch_size}: {'x' if c == 0 else 'a'} = "
                text += fmt(snap.a_mean[c][k], 6)
                if c > 0:
                    text += f"<br>delta summed over the batch (= dL/db) = {fmt(snap.db[c - 1][k], 6)}"
                    text += f"<br>bias b = {fmt(net.biases[c - 1][k], 6)}"
            elif c > 0:
                text += f"<br>bias b = {fmt(net.biases[c - 1][k], 6)}<br>(no iteration yet)"
            texts.append(text)
        node_hover.append(texts)
        if trained:
            if nodes == "a":
                node_values[c] = snap.a_mean[c]
            elif c > 0:
                node_values[c] = snap.db[c - 1]

    title = (
        f"Network after iteration {snap.iteration}: edges = {EDGE_MODES[edges]}, nodes = {NODE_MODES[nodes]}"
    )
    fig = network_figure(
        sizes,
        edge_values=edge_values,
        edge_title="w" if edges == "weight" else "dL/dw",
        edge_hover=edge_hover,
        node_values=node_values,
        node_title="mean a" if nodes == "a" else "Σ delta",
        node_hover=node_hover,
        grey_layers=grey,
        selected_node=selected,
        title=title,
        height=height,
        column_titles=column_titles(n_cols),
    )
    if not trained:
        fig.add_annotation(
            text="No iteration yet: gradients, activations and deltas appear after the first Step",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.0,
            yanchor="bottom",
            font={"size": 12, "color": MUTED},
        )
    return fig


def neuron_figure(
    grid: InputGrid,
    values: np.ndarray,
    name: str,
    activation: str,
    *,
    height: int = 300,
) -> go.Figure:
    """One neuron's output ``a`` over the input plane (``values``: ``grid.shape``), or along x for 1 input."""
    if grid.x2 is None:
        trace = dict(
            type="scatter",
            x=grid.x1,
            y=values,
            mode="lines",
            line={"color": INK, "width": 2.5},
            name=name,
            hovertemplate=f"x = %{{x:.3f}}<br>a = %{{y:.4f}}<extra>{name}</extra>",
        )
        axes = {"xaxis": {"title": {"text": "x"}}, "yaxis": {"title": {"text": "a"}}}
    else:
        vmax = symmetric_range(values)
        trace = dict(
            type="heatmap",
            x=grid.x1,
            y=grid.x2,
            z=values.astype(np.float32),
            zmin=-vmax,
            zmax=vmax,
            zmid=0,
            colorscale=DIVERGING_SCALE,
            # the title above the bar: beside it, "a" reads as part of the tick label "0"
            colorbar={"title": {"text": "a", "side": "top"}, "thickness": 12},
            hovertemplate=f"x1 = %{{x:.3f}}<br>x2 = %{{y:.3f}}<br>a = %{{z:.4f}}<extra>{name}</extra>",
        )
        axes = {
            "xaxis": {"title": {"text": "x1"}, "showgrid": False},
            "yaxis": {"title": {"text": "x2"}, "showgrid": False},
        }
    fig_layout = layout(
        title={"text": f"{name} ({activation}): its output a over the inputs", "font": {"size": 13}},
        height=height,
        margin={"l": 45, "r": 10, "t": 40, "b": 40},
        **axes,
    )
    return figure([trace], fig_layout)


def neuron_options(sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    """Every neuron as ``(column, k)``, input first."""
    return [(c, k) for c, n in enumerate(sizes) for k in range(n)]


__all__ = [
    "EDGE_MODES",
    "NODE_MODES",
    "column_titles",
    "diagram_figure",
    "layer_title",
    "neuron_figure",
    "neuron_name",
    "neuron_options",
]
