"""The vanishing lab's 'why' figures: activation slopes, pre-activation histograms per layer
and the share of saturated units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# a sequential scale for magnitudes (norms are never negative): dark = small, bright = large
from labs.vanishing.figures import PIECEWISE_LINEAR, SATURATING, activation_colour, layer_axis, panel_note
from labs.vanishing.model import SATURATED_BELOW
from labs.vanishing.model_experiments import (
    LayerStats,
    derivative_curve,
    max_derivative,
)
from viz.format import fmt
from viz.theme import GREY, base_layout


def derivative_figure(activations: Sequence[str]) -> go.Figure:
    """``f'(z)`` of each activation on ``[-6, 6]``, with its largest value marked."""
    fig = go.Figure()
    for name in activations:
        z, d = derivative_curve(name)
        peak = max_derivative(name)
        fig.add_trace(
            go.Scatter(
                x=z,
                y=d,
                mode="lines",
                name=f"{name}' (max {fmt(peak)})",
                line={"color": activation_colour(name), "width": 2.5},
                hovertemplate=f"<b>{name}'</b><br>z = %{{x:.2f}}<br>f'(z) = %{{y:.4f}}<extra></extra>",
            )
        )
    if "sigmoid" in activations:
        fig.add_annotation(
            x=0, y=0.25, text="sigmoid'(0) = 0.25, its largest value", showarrow=True, ax=70, ay=-30
        )
    if "relu" in activations:
        fig.add_annotation(x=3, y=0.9, text="relu'(z): 1 for z > 0, else 0", showarrow=False)
    fig.update_xaxes(title_text="z (pre-activation)", range=[-6, 6])
    fig.update_yaxes(title_text="f'(z) = da/dz", range=[-0.05, 1.1])
    fig.update_layout(
        **base_layout(
            title={"text": "f'(z): the factor each layer applies"},
            height=340,
            legend={"orientation": "h", "y": -0.25},
        )
    )
    return fig


def _hidden_summary(stats: LayerStats, l: int) -> str:
    width = stats.z[l].shape[1]
    if stats.activation in SATURATING:
        return f"{fmt(100 * stats.saturated_share[l], 3)}% saturated"
    dead = int(stats.dead_units[l])
    word = "dead" if stats.activation == "relu" else "always on the 0.01 slope"
    return f"{dead} of {width} {word}"


def histogram_figure(stats: LayerStats, layers: Sequence[int], bins: int = 40) -> go.Figure:
    """Histograms of ``z`` for the hidden layers ``layers`` (engine indices), ``f'(z)`` overlaid.

    Bars: share of the layer's ``m * width`` values of ``z`` in each bin (left axis); line: the
    activation's derivative over the same range (right axis, 0 to 1).
    """
    layers = list(layers)[:6] or [0]
    ncols = min(len(layers), 3)
    nrows = math.ceil(len(layers) / ncols)
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        specs=[[{"secondary_y": True}] * ncols for _ in range(nrows)],
        subplot_titles=[f"layer {l + 1}: {_hidden_summary(stats, l)}" for l in layers],
        horizontal_spacing=0.1,
        vertical_spacing=0.32 / nrows,
    )
    act = stats.activation
    for k, l in enumerate(layers):
        row, col = k // ncols + 1, k % ncols + 1
        z = stats.z[l].ravel()
        z = z[np.isfinite(z)]
        if z.size == 0:
            continue
        counts, edges = np.histogram(z, bins=bins)
        share = counts / z.size
        centres = (edges[:-1] + edges[1:]) / 2
        fig.add_trace(
            go.Bar(
                x=centres,
                y=share,
                width=np.diff(edges),
                marker={"color": GREY, "line": {"width": 0}},
                name="share of z values",
                showlegend=k == 0,
                customdata=np.column_stack(
                    [[fmt(e) for e in edges[:-1]], [fmt(e) for e in edges[1:]], counts]
                ),
                hovertemplate="z from %{customdata[0]} to %{customdata[1]}<br>"
                "%{customdata[2]} values, %{y:.1%} of the layer<extra></extra>",
            ),
            row=row,
            col=col,
            secondary_y=False,
        )
        lo, hi = float(edges[0]), float(edges[-1])
        zz, d = derivative_curve(act, lo, hi, 200)
        fig.add_trace(
            go.Scatter(
                x=zz,
                y=d,
                mode="lines",
                line={"color": activation_colour(act), "width": 2.5},
                name=f"{act}'(z)",
                showlegend=k == 0,
                hovertemplate=f"z = %{{x:.3g}}<br>{act}'(z) = %{{y:.4f}}<extra></extra>",
            ),
            row=row,
            col=col,
            secondary_y=True,
        )
        fig.update_yaxes(
            range=[0, 1.05],
            tickmode="array",
            tickvals=[0, 0.25, 0.5, 0.75, 1],
            showgrid=False,
            row=row,
            col=col,
            secondary_y=True,
        )
        fig.update_yaxes(tickformat=".0%", row=row, col=col, secondary_y=False)
        fig.update_xaxes(title_text="z", row=row, col=col)
    fig.update_yaxes(title_text="share of values", col=1, secondary_y=False)
    fig.update_yaxes(title_text=f"{act}'(z)", col=ncols, secondary_y=True)
    fig.update_layout(
        **base_layout(
            title={"text": f"{act}: where the pre-activations z fall, and the derivative there"},
            height=170 + 260 * nrows,
            bargap=0,
            legend={"orientation": "h", "y": -0.3 / nrows, "x": 0.5, "xanchor": "center", "yanchor": "top"},
        )
    )
    return fig


def histogram_gaps(stats: LayerStats, layers: Sequence[int]) -> list[str]:
    notes = []
    for l in layers:
        bad = int(np.size(stats.z[l]) - np.count_nonzero(np.isfinite(stats.z[l])))
        if bad:
            notes.append(
                f"layer {l + 1}: {bad} values of z are NaN or infinite (overflow) and are not counted."
            )
    return notes


def saturated_share_figure(all_stats: Sequence[LayerStats]) -> go.Figure:
    """Per hidden layer: saturated share (sigmoid, tanh) and dead share (relu, leaky relu), in %."""
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=(
            f"sigmoid, tanh: values with f'(z) < {SATURATED_BELOW:g}",
            "relu, leaky_relu: units with z ≤ 0 on every sample",
        ),
    )
    depth = len(all_stats[0].z) if all_stats else 1
    layers = np.arange(1, depth + 1)
    for s in all_stats:
        colour = activation_colour(s.activation)
        m = s.z[0].shape[0] if s.z else 0
        if s.activation in SATURATING:
            n_values = [z.size for z in s.z]
            fig.add_trace(
                go.Bar(
                    x=layers,
                    y=100 * s.saturated_share,
                    name=s.activation,
                    marker={"color": colour},
                    customdata=np.column_stack([[fmt(100 * v, 3) for v in s.saturated_share], n_values]),
                    hovertemplate=f"<b>{s.activation}</b> · layer %{{x}}<br>%{{customdata[0]}}% of the "
                    f"%{{customdata[1]}} values have f'(z) < {SATURATED_BELOW:g}<extra></extra>",
                ),
                row=1,
                col=1,
            )
        else:
            widths = [z.shape[1] for z in s.z]
            fig.add_trace(
                go.Bar(
                    x=layers,
                    y=100 * s.dead_share,
                    name=s.activation,
                    marker={"color": colour},
                    customdata=np.column_stack([s.dead_units, widths]),
                    hovertemplate=f"<b>{s.activation}</b> · layer %{{x}}<br>%{{customdata[0]}} of "
                    f"%{{customdata[1]}} units have z ≤ 0 on all {m} samples<extra></extra>",
                ),
                row=1,
                col=2,
            )
    for col, group in ((1, SATURATING), (2, PIECEWISE_LINEAR)):
        members = [s for s in all_stats if s.activation in group]
        zero = [
            s.activation
            for s in members
            if not np.any(s.saturated_share if s.activation in SATURATING else s.dead_share)
        ]
        if zero:
            panel_note(fig, f"{', '.join(zero)}: 0% in every layer", col, y=0.6)
        if not members:
            panel_note(fig, f"no {' or '.join(group)} network in this comparison", col)
    fig.update_yaxes(title_text="% of the layer", range=[0, 105])
    fig.update_xaxes(
        title_text="hidden layer (1 = next to the input)", **layer_axis(depth, output_last=False)
    )
    fig.update_layout(
        **base_layout(
            title={"text": "Stuck units per hidden layer: saturated (sigmoid, tanh) and dead (relu)"},
            height=340,
            barmode="group",
            legend={"title": {"text": "activation"}},
        )
    )
    return fig
