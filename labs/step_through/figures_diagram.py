"""The step-through diagram: the network drawn for one phase of one iteration.

* ready: edges by weight; only the inputs are known.
* forward: edges by weight; nodes show ``a`` (the input column shows ``x``).
* loss: as forward, and the output nodes show prediction vs target.
* backward: edges by ``dL/dw`` and nodes by ``delta`` for the layers the pass has reached;
  the others grey, the layer reached last outlined.
* update: edges by the change ``-lr * dL/dw``, labelled old -> new; nodes by the bias change.

Node values are those of one sample of the batch (``sample``); edge gradients are of the whole
batch. ``hidden`` is a parameter whose gradient (backward) or new value (update) the quiz keeps
back until the learner has answered.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from backprop_core.trace import StepTrace
from labs.step_through.model import ParamRef
from labs.step_through.model_losses import output_loss_shares
from viz.format import num, short
from viz.network import SMALL_NETWORK_EDGES, layer_title, network_figure

SMALL_NETWORK_NODES = 16
# the losses in plain text for the diagram title (the equations below give them in LaTeX); mse and
# bce average over every number, the other two sum over the outputs and average over the samples
LOSS_TEXT = {
    "mse": "L = mean of (a − y)²",
    "half_sse": "L = ½ Σ (a − y)²",
    "bce": "L = −mean of [y log a + (1 − y) log(1 − a)]",
    "cross_entropy": "L = −Σ y log a",
}
LOSS_TEXT_BATCH = {
    "mse": "L = mean over samples and outputs of (a − y)²",
    "half_sse": "L = (1/m) Σₛ ½ Σ (a − y)²",
    "bce": "L = −mean over samples and outputs of [y log a + (1 − y) log(1 − a)]",
    "cross_entropy": "L = −(1/m) Σₛ Σ y log a",
}


def loss_text(name: str, m: int) -> str:
    """The loss as the diagram title writes it: with the batch mean when there are m > 1 samples."""
    return (LOSS_TEXT_BATCH if m > 1 else LOSS_TEXT)[name] + (f", m = {m}" if m > 1 else "")


@dataclass(frozen=True)
class DiagramView:
    """What the diagram shows: ``phase`` (``ready``, ``forward``, ``loss``, ``backward``,
    ``update``), ``layers_done`` (backward), the ``sample`` whose node values are drawn."""

    phase: str
    layers_done: int = 0
    sample: int = 0
    selected: ParamRef | None = None
    neuron: tuple[int, int] | None = None
    hidden: ParamRef | None = None
    weight_names: dict[ParamRef, str] | None = None
    has_bias: bool = True


def _edge_name(names: Sequence[Sequence[str]], l: int, i: int, j: int, weight_names: dict | None) -> str:
    own = weight_names.get((l, i, j)) if weight_names else None
    base = f"w({names[l][i]} → {names[l + 1][j]})"
    return f"{own}: {base}" if own else base


def _grid(sizes: Sequence[int], make: Callable[[int, int, int], str]) -> list[np.ndarray]:
    return [
        np.array([[make(l, i, j) for j in range(sizes[l + 1])] for i in range(sizes[l])], dtype=object)
        for l in range(len(sizes) - 1)
    ]


def phase_figure(
    trace: StepTrace,
    names: Sequence[Sequence[str]],
    view: DiagramView,
    *,
    height: int | None = None,
) -> go.Figure:
    """The diagram of ``trace`` in ``view.phase`` (see the module docstring).

    ``height`` defaults to one that grows with the widest layer (330 px for one neuron, 520 for six).
    """
    net = trace.net_before
    sizes = list(net.sizes)
    L = net.n_layers
    height = height if height is not None else min(520, 280 + 50 * max(sizes))
    s = view.sample
    phase = view.phase
    n_edges = sum(a * b for a, b in itertools.pairwise(sizes))
    label_edges = n_edges <= SMALL_NETWORK_EDGES
    label_nodes = sum(sizes) <= SMALL_NETWORK_NODES
    wn = view.weight_names
    reached = {l for l in range(L) if l >= L - view.layers_done} if phase == "backward" else set(range(L))
    x = trace.x[s]
    a = [trace.a[l][s] for l in range(L)]
    z = [trace.z[l][s] for l in range(L)]
    hide = view.hidden

    def hidden_edge(l: int, i: int, j: int) -> bool:
        return hide is not None and hide == (l, i, j)

    # -- edges --------------------------------------------------------------------------------
    if phase == "backward":
        edge_values = list(trace.dW)
        edge_title = "dL/dw"

        def edge_text(l: int, i: int, j: int) -> str:
            name = _edge_name(names, l, i, j, wn)
            w = net.weights[l][i, j]
            if l not in reached:
                return f"{name}<br>w = {num(w)}<br>dL/dw: not reached yet"
            grad = "? (answer the quiz first)" if hidden_edge(l, i, j) else num(trace.dW[l][i, j])
            return f"{name}<br>w = {num(w)}<br>dL/dw = {grad}"

        def edge_label(l: int, i: int, j: int) -> str:
            if l not in reached:
                return ""
            return "?" if hidden_edge(l, i, j) else short(trace.dW[l][i, j])

        grey = [l for l in range(L) if l not in reached]
    elif phase == "update":
        edge_values = list(trace.update.step_W)
        edge_title = "change Δw"
        after = trace.net_after.weights

        def edge_text(l: int, i: int, j: int) -> str:
            name = _edge_name(names, l, i, j, wn)
            old = net.weights[l][i, j]
            if hidden_edge(l, i, j):
                return f"{name}<br>old w = {num(old)}<br>new w = ? (answer the quiz first)"
            return (
                f"{name}<br>old w = {num(old)}<br>new w = {num(after[l][i, j])}"
                f"<br>change = -lr · dL/dw = {num(trace.update.step_W[l][i, j])}"
            )

        def edge_label(l: int, i: int, j: int) -> str:
            old = short(net.weights[l][i, j])
            return f"{old}→?" if hidden_edge(l, i, j) else f"{old}→{short(after[l][i, j])}"

        grey = []
    else:
        edge_values = list(net.weights)
        edge_title = "weight w"

        def edge_text(l: int, i: int, j: int) -> str:
            return f"{_edge_name(names, l, i, j, wn)}<br>w = {num(net.weights[l][i, j])}"

        def edge_label(l: int, i: int, j: int) -> str:
            return short(net.weights[l][i, j])

        grey = []

    # -- nodes ----------------------------------------------------------------------------------
    # the inputs have no delta and no bias: uncoloured in the backward and update phases
    node_values: list[np.ndarray | None] = [None if phase in ("backward", "update") else x]
    node_hover: list[list[str]] = [
        [f"{names[0][k]} (input {k + 1}): x = {num(x[k])}" for k in range(sizes[0])]
    ]
    node_labels: list[list[str]] = [[f"x={short(v)}" for v in x]]
    node_title = "a"
    shares = output_loss_shares(trace.forward, trace.loss_trace)[s] if phase != "ready" else None
    y = trace.y[s]
    for l in range(L):
        c = l + 1
        where = layer_title(c, L)
        b = net.biases[l]
        lines = []
        labels = []
        for k in range(sizes[c]):
            head = f"{names[c][k]}: {where}, neuron {k + 1}"
            if phase == "ready":
                bias = f"<br>bias b = {num(b[k])}" if view.has_bias else ""
                lines.append(f"{head}{bias}<br>z and a: press Forward")
                labels.append("")
                continue
            text = f"{head}<br>z = {num(z[l][k])}<br>a = {net.activations[l]}(z) = {num(a[l][k])}"
            label = f"a={short(a[l][k])}"
            if c == L and phase != "forward":
                text += f"<br>target y = {num(y[k])}<br>error a - y = {num(a[l][k] - y[k])}"
                text += f"<br>its share of the loss = {num(shares[k])}"
                label = f"a={short(a[l][k])} | y={short(y[k])}"
            if phase == "backward":
                if l in reached:
                    text += f"<br>delta = dL/dz = {num(trace.delta[l][s, k])}"
                    label = f"δ={short(trace.delta[l][s, k])}"
                else:
                    text += "<br>delta: not reached yet"
                    label = ""
            if phase == "update" and view.has_bias:
                new_b = trace.net_after.biases[l][k]
                frozen = " (frozen: not updated)" if trace.update.freeze_biases else ""
                text += f"<br>bias b: {num(b[k])} → {num(new_b)}{frozen}"
                label = (
                    f"b={short(b[k])} fixed"
                    if trace.update.freeze_biases
                    else f"b {short(b[k])}→{short(new_b)}"
                )
            lines.append(text)
            labels.append(label)
        node_hover.append(lines)
        node_labels.append(labels)
        if phase == "ready":
            node_values.append(None)
        elif phase == "backward":
            node_values.append(trace.delta[l][s])
            node_title = "delta"
        elif phase == "update" and not view.has_bias:
            node_values.append(None)
            node_title = "none (no bias)"
        elif phase == "update":
            node_values.append(trace.update.step_b[l])
            node_title = "change Δb (biases fixed: 0)" if trace.update.freeze_biases else "change Δb"
        else:
            node_values.append(a[l])

    selected = view.selected if view.selected is not None and view.selected[1] is not None else None
    neuron = view.neuron
    if view.selected is not None and view.selected[1] is None:
        neuron = (view.selected[0] + 1, view.selected[2])
    return network_figure(
        sizes,
        edge_values=edge_values,
        edge_title=edge_title,
        edge_hover=_grid(sizes, edge_text),
        edge_labels=_grid(sizes, edge_label) if label_edges else None,
        node_values=node_values,
        node_title=node_title,
        node_hover=node_hover,
        node_labels=node_labels if label_nodes else None,
        grey_layers=grey,
        highlight_layer=L - view.layers_done if phase == "backward" and view.layers_done else None,
        selected=selected,
        selected_node=neuron,
        title=diagram_title(trace, view),
        height=height,
    )


def diagram_title(trace: StepTrace, view: DiagramView) -> str:
    m = trace.x.shape[0]
    who = f" · sample {view.sample + 1} of {m}" if m > 1 else ""
    text = loss_text(trace.loss_trace.name, m)
    return {
        "ready": "Ready: the inputs are set, nothing is computed yet",
        "forward": f"Forward pass: every neuron's activation a{who}",
        "loss": f"Loss {text} = {num(trace.loss)}: prediction a vs target y{who}",
        "backward": f"Backward pass: dL/dw on the edges, delta on the neurons{who}",
        "update": "Update: every weight moved by -lr · dL/dw",
    }[view.phase]


def diagram_legend(phase: str, m: int) -> str:
    """What colour and width mean in this phase (a caption under the diagram)."""
    scale = "blue = positive, red = negative, white = zero; hover any edge or neuron for its exact numbers."
    batch = (
        f" Neuron values are those of the sample shown; edge gradients add up all {m} samples."
        if m > 1
        else ""
    )
    return {
        "ready": f"Edge colour and width: the weight ({scale}) Grey neurons are not computed yet.",
        "forward": f"Edge colour and width: the weight w. Neuron colour: its activation a ({scale})",
        "loss": f"Edge colour and width: the weight w. Neuron colour: its activation a ({scale})",
        "backward": (
            "Edge colour and width: dL/dw, how much the loss changes per unit change of that weight. "
            "Neuron colour: delta = dL/dz (inputs have none). Grey: not reached yet; orange ring: the layer "
            f"reached last ({scale})"
        ),
        "update": (
            "Edge colour and width: the change of the weight, -lr · dL/dw; labels show old → new. "
            f"Neuron colour: the change of its bias ({scale})"
        ),
    }[phase] + batch
