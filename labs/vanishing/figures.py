"""Figures and tables of the vanishing and exploding gradients lab: engine results in, Plotly out.

Layers are numbered for the learner from 1 (next to the input) to L (the output layer); the
engine's layer ``l`` is shown as ``l + 1``. Gradient norms span many orders of magnitude, so
they are drawn on log axes; a log axis has no place for 0, NaN or infinity, so such values are
left out of the drawing and every builder has a companion ``*_gaps`` function that says, in
words, what was left out and why. Every colour or point carries its number on hover.

This module holds the shared parts and section 1 (per-layer profile, ratio tables); the other
sections' figures are in ``figures_training``, ``figures_saturation`` and ``figures_scale``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backprop_core.passes import quiet
from labs.vanishing.model import GradientProfile
from labs.vanishing.model_experiments import (
    derivative_bound,
    max_derivative,
)
from viz.format import fmt
from viz.theme import SERIES, base_layout

# a sequential scale for magnitudes (norms are never negative): dark = small, bright = large
NORM_SCALE = "Viridis"
# each activation keeps its colour on every chart of the page
ACTIVATION_COLOURS = {"sigmoid": SERIES[0], "relu": SERIES[1], "tanh": SERIES[2], "leaky_relu": SERIES[3]}
SATURATING = ("sigmoid", "tanh")
PIECEWISE_LINEAR = ("relu", "leaky_relu")
MAX_LINE_POINTS = 1000


def updates_text(n: int) -> str:
    return f"{n} update" if n == 1 else f"{n} updates"


def activation_colour(name: str) -> str:
    return ACTIVATION_COLOURS.get(name, SERIES[4])


def drawable(values: np.ndarray) -> np.ndarray:
    """``values`` as floats with every value a log axis cannot show (<= 0, NaN, inf) set to NaN."""
    v = np.asarray(values, dtype=float)
    with quiet():
        return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def layer_ranges(layers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1–3, 5"`` (layer numbers as the learner sees them)."""
    parts: list[str] = []
    start = prev = None
    for n in sorted(layers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = n
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def layers_text(layers: Sequence[int]) -> str:
    """``"layer 3"`` or ``"layers 1–3, 5"``."""
    return f"layer {layers[0]}" if len(layers) == 1 else f"layers {layer_ranges(layers)}"


def layer_label(layer: int, n_layers: int) -> str:
    """``layer`` counted from 1; the last one is the output layer."""
    return f"{layer} (output)" if layer == n_layers else str(layer)


def layer_axis(n_layers: int, output_last: bool = True, one_line: bool = False) -> dict:
    """Ticks for an axis of layers 1..n; the last is marked as the output layer if ``output_last``."""
    step = 1 if n_layers <= 16 else 5
    vals = [*range(1, n_layers, step), n_layers]
    sep = " " if one_line else "<br>"
    return {
        "tickvals": vals,
        "ticktext": [f"{v}{sep}out" if v == n_layers and output_last else str(v) for v in vals],
        "range": [0.5, n_layers + 0.5],
    }


def what_is_missing(values: np.ndarray) -> dict[str, list[int]]:
    """Layer numbers (from 1) where a value is exactly 0, NaN or infinite."""
    v = np.asarray(values, dtype=float)
    out: dict[str, list[int]] = {}
    for label, mask in (
        ("exactly 0", v == 0),
        ("not a number (NaN)", np.isnan(v)),
        ("infinite (overflow)", np.isinf(v)),
    ):
        if mask.any():
            out[label] = [int(i) + 1 for i in np.flatnonzero(mask)]
    return out


def layer_line(values: Sequence[float], name: str, what: str, **style: object) -> go.Scatter:
    """``values`` (one per layer, layer 1 first) over the layers, for a log axis; hover: each exact value."""
    n_layers = len(values)
    labels = [layer_label(l, n_layers) for l in range(1, n_layers + 1)]
    return go.Scatter(
        x=np.arange(1, n_layers + 1),
        y=drawable(values),
        mode="lines+markers",
        name=name,
        customdata=np.column_stack([labels, [fmt(float(v)) for v in values]]),
        hovertemplate=f"<b>{name}</b> · layer %{{customdata[0]}}<br>{what} = %{{customdata[1]}}"
        "<extra></extra>",
        **style,
    )


def loss_line(updates: np.ndarray, losses: np.ndarray, name: str, run_name: str, line: dict) -> go.Scatter:
    """The loss after each of ``updates``, for a log axis; hover: the exact value."""
    # before the first update there is one point, and a line through one point draws nothing:
    # a dot, not cut in half by the y axis it sits on
    dot = {} if len(updates) > 1 else {"marker": {"size": 10}, "cliponaxis": False}
    return go.Scatter(
        x=updates,
        y=drawable(losses),
        mode="lines" if len(updates) > 1 else "markers",
        **dot,
        name=name,
        line=line,
        customdata=np.asarray(losses, dtype=float),
        hovertemplate=f"<b>{run_name}</b> · after %{{x}} updates<br>"
        "loss = %{customdata:.5~g}<extra></extra>",
    )


def stop_marker(losses: Sequence[float], colour: str, label: str, position: str, why: str) -> go.Scatter:
    """A cross labelled ``label`` on the last loss of a run that stopped; hover: ``why``."""
    return go.Scatter(
        x=[len(losses) - 1],
        y=drawable(losses[-1:]),
        mode="markers+text",
        marker={"symbol": "x", "size": 12, "color": colour},
        text=[label],
        textposition=position,
        # the cross often sits at the top or right edge: let its label reach past the axes
        cliponaxis=False,
        showlegend=False,
        hovertemplate=f"{why}<extra></extra>",
    )


def panel_note(fig: go.Figure, text: str, panel: int, y: float = 0.5, **style: object) -> None:
    """``text`` in the middle of subplot ``panel`` (counted from 1) of a one-row or one-column figure."""
    axis = "" if panel == 1 else panel
    fig.add_annotation(
        text=text, showarrow=False, xref=f"x{axis} domain", yref=f"y{axis} domain", x=0.5, y=y, **style
    )


# -- ratios in words ---------------------------------------------------------------------------------


def describe_ratio(ratio: float) -> str:
    """A first/output ratio in words for a table cell."""
    if math.isnan(ratio):
        return "undefined: both gradients are 0 or not finite"
    if math.isinf(ratio):
        return "the output layer's gradient is 0"
    if ratio == 0:
        return "the first layer's gradient is 0"
    if ratio < 1:
        return f"{times(1 / ratio)} times smaller"
    return f"{times(ratio)} times larger"


def times(x: float) -> str:
    """A factor in words a learner reads at a glance: ``2.44 million``, ``31.6``, ``4.1e+15``."""
    for word, size in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6), ("thousand", 1e3)):
        if size <= x < 1000 * size:
            return f"{x / size:.3g} {word}"
    return fmt(x, 3)


def ratio_table(profiles: Sequence[GradientProfile]) -> pd.DataFrame:
    """One row per activation: first- and output-layer norms and their ratio (all as text)."""
    rows = []
    for p in profiles:
        rows.append(
            {
                "activation": p.activation,
                "‖dW‖ layer 1": fmt(float(p.layer_grad_norms[0])),
                "‖dW‖ output layer": fmt(float(p.layer_grad_norms[-1])),
                "‖dW‖ first / output": fmt(p.ratio),
                "layer 1's gradient is": describe_ratio(p.ratio),
                "‖delta‖ first / output": fmt(p.delta_ratio),
            }
        )
    return pd.DataFrame(rows)


def bound_table(
    profiles: Sequence[GradientProfile], depth: int, weight_bounds: Sequence[float]
) -> pd.DataFrame:
    """``max f'``, ``(max f')^depth``, the bound with the weights and the measured delta ratio.

    ``weight_bounds[i]``: ``model_experiments.delta_bound`` of activation ``i``'s network, the
    bound on ``||delta_1|| / ||delta_out||`` that holds for its weights. Last, for comparison, the
    ``||dW||`` ratio of section 1: it also carries the size of each layer's input.
    """
    rows = []
    for p, bound in zip(profiles, weight_bounds, strict=True):
        rows.append(
            {
                "activation": p.activation,
                "largest f'(z)": fmt(max_derivative(p.activation)),
                f"(largest f')^{depth}": fmt(derivative_bound(p.activation, depth)),
                "bound with the weights ∏ max f'·‖W‖₂": fmt(bound),
                "measured ‖delta‖ layer 1 / output": fmt(p.delta_ratio),
                "‖dW‖ first / output": fmt(p.ratio),
            }
        )
    return pd.DataFrame(rows)


# -- gradient norm per layer ---------------------------------------------------------------------------


def profile_figure(profiles: Sequence[GradientProfile], title: str, height: int = 400) -> go.Figure:
    """``||dW_l||`` and ``||delta_l||`` against the layer, one series per activation, log y axes."""
    fig = make_subplots(
        rows=1,
        cols=2,
        # room between the panels for the right one's tick labels and axis title on a laptop screen
        horizontal_spacing=0.13,
        subplot_titles=("‖dW‖ = ‖dL/dW‖ of each layer", "‖delta‖ = ‖dL/dz‖ of each layer"),
    )
    n_layers = len(profiles[0].layer_grad_norms) if profiles else 1
    for p in profiles:
        for col, values, what in ((1, p.layer_grad_norms, "‖dW‖"), (2, p.delta_norms, "‖delta‖")):
            fig.add_trace(
                layer_line(
                    values,
                    p.activation,
                    what,
                    legendgroup=p.activation,
                    showlegend=col == 1,
                    line={"color": activation_colour(p.activation), "width": 2},
                    marker={"size": 6},
                ),
                row=1,
                col=col,
            )
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="‖dW‖ (log scale)", row=1, col=1)
    fig.update_yaxes(title_text="‖delta‖ (log scale)", row=1, col=2)
    fig.update_xaxes(title_text="layer (1 = next to the input)", **layer_axis(n_layers))
    fig.update_layout(
        **base_layout(title={"text": title}, height=height, legend={"title": {"text": "activation"}})
    )
    return fig


def profile_gaps(profiles: Sequence[GradientProfile]) -> list[str]:
    """What ``profile_figure`` could not draw, one sentence per activation and quantity."""
    notes = []
    for p in profiles:
        for what, values in (("‖dW‖", p.layer_grad_norms), ("‖delta‖", p.delta_norms)):
            for kind, layers in what_is_missing(values).items():
                why = (
                    " A relu layer whose units all have z ≤ 0 on every sample passes no gradient back."
                    if kind == "exactly 0" and p.activation == "relu"
                    else ""
                )
                notes.append(f"{p.activation}: {what} is {kind} in {layers_text(layers)} (not drawn).{why}")
    return notes


# -- over training -------------------------------------------------------------------------------------


def sampled_columns(n: int, limit: int) -> np.ndarray:
    """At most ``limit`` evenly spread indices of ``range(n)``, always with the last one."""
    step = max(1, math.ceil(n / limit))
    idx = np.arange(0, n, step)
    return idx if n == 0 or idx[-1] == n - 1 else np.append(idx, n - 1)


def loss_gaps(name: str, losses: Sequence[float]) -> list[str]:
    v = np.asarray(losses, dtype=float)
    notes = []
    zeros = np.flatnonzero(v == 0)
    if zeros.size:
        notes.append(
            f"{name}: the loss is exactly 0 (below the smallest float64) after {updates_text(int(zeros[0]))} "
            f"and at {zeros.size} point(s) in all; a log axis cannot show 0, so those points are not drawn."
        )
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        notes.append(
            f"{name}: the loss is not a finite number (it overflowed) after {updates_text(int(bad[0]))}; "
            "that point is not drawn."
        )
    return notes


# -- why it happens ------------------------------------------------------------------------------------


# -- exploding gradients -------------------------------------------------------------------------------


# -- symmetry --------------------------------------------------------------------------------------------
