"""The vanishing lab's training figures: per-layer gradient heatmaps over the updates and the loss curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backprop_core.passes import quiet

# a sequential scale for magnitudes (norms are never negative): dark = small, bright = large
from labs.vanishing.figures import (
    MAX_LINE_POINTS,
    NORM_SCALE,
    activation_colour,
    drawable,
    layer_axis,
    layers_text,
    loss_gaps,
    loss_line,
    panel_note,
    sampled_columns,
    stop_marker,
    updates_text,
)
from labs.vanishing.model import ActivationRun
from viz.theme import base_layout

MAX_HEATMAP_COLUMNS = 300


def heatmap_figure(runs: Sequence[ActivationRun], max_columns: int = MAX_HEATMAP_COLUMNS) -> go.Figure:
    """Per activation, ``log10 ||dW||`` as a layer x iteration heatmap; one colour range for all.

    With more iterations than ``max_columns``, evenly spaced iterations are shown (hover names them).
    """
    n = max(len(runs), 1)
    fig = make_subplots(
        rows=n,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12 / n,
        subplot_titles=[r.activation for r in runs] or [""],
    )
    mats = []
    for r in runs:
        g = r.grad_norm_matrix()
        cols = sampled_columns(g.shape[1], max_columns)
        mats.append((cols, g[:, cols]))
    logs = [np.log10(drawable(m)) for _, m in mats if m.size]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs]) if logs else np.array([])
    n_layers = runs[0].initial.n_layers if runs else 1
    # notes sit in a panel: one across the figure would cover the next panel's title
    if finite.size == 0 and any(m.size for _, m in mats):
        for k in range(n):
            panel_note(fig, "Every ‖dW‖ is 0 or not finite: nothing to colour (see the note below).", k + 1)
        # with nothing drawn Plotly would invent an x range; show the iterations there are
        last = max(int(cols[-1]) + 1 for cols, m in mats if m.size)
        fig.update_xaxes(range=[0.5, last + 0.5])
    elif finite.size == 0:
        # before training only the first panel has axes (the others have no trace yet)
        panel_note(fig, "No iterations yet: press Train or Play.", 1, font={"size": 15})
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    for k, (r, (cols, m)) in enumerate(zip(runs, mats, strict=True)):
        if not m.size:
            continue
        with quiet():
            z = np.log10(drawable(m))
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=cols + 1,
                y=np.arange(1, m.shape[0] + 1),
                coloraxis="coloraxis",
                # the true norm, formatted in the browser (a numeric array stays small on the wire)
                customdata=m,
                hovertemplate=f"<b>{r.activation}</b> · iteration %{{x}} · layer %{{y}}<br>"
                "‖dW‖ = %{customdata:.4~g}<extra></extra>",
            ),
            row=k + 1,
            col=1,
        )
    ticks = list(range(math.floor(lo), math.ceil(hi) + 1))
    if len(ticks) > 10:
        ticks = ticks[:: math.ceil(len(ticks) / 10)]
    fig.update_yaxes(title_text="layer", **layer_axis(n_layers, one_line=True))
    fig.update_xaxes(title_text="iteration", row=n, col=1)
    fig.update_layout(
        **base_layout(
            title={"text": "‖dW‖ of every layer at every iteration (log colour scale, one range for all)"},
            height=110 + 190 * n,
            coloraxis={
                "colorscale": NORM_SCALE,
                "cmin": lo,
                "cmax": hi,
                "colorbar": {
                    "title": {"text": "‖dW‖"},
                    "tickvals": ticks,
                    "ticktext": [f"1e{t}" for t in ticks],
                },
            },
        )
    )
    return fig


def heatmap_gaps(runs: Sequence[ActivationRun]) -> list[str]:
    """What ``heatmap_figure`` left blank, and whether it thinned out the iterations."""
    notes = []
    for r in runs:
        g = r.grad_norm_matrix()
        if not g.size:
            continue
        for kind, mask in (("exactly 0", g == 0), ("not finite", ~np.isfinite(g))):
            layers = [int(i) + 1 for i in np.flatnonzero(mask.any(axis=1))]
            if layers:
                notes.append(
                    f"{r.activation}: ‖dW‖ is {kind} at {int(mask.sum())} layer-iteration cell(s) "
                    f"in {layers_text(layers)}; those cells are left blank."
                )
        if g.shape[1] > MAX_HEATMAP_COLUMNS:
            shown = len(sampled_columns(g.shape[1], MAX_HEATMAP_COLUMNS))
            notes.append(
                f"{r.activation}: {g.shape[1]} iterations, {shown} evenly spaced ones shown "
                "(hover gives each one's number)."
            )
    return notes


def loss_curves_figure(runs: Sequence[ActivationRun]) -> go.Figure:
    """The loss after every update of every run, on one log-scale chart; a cross where a run stopped."""
    fig = go.Figure()
    for r in runs:
        losses = np.array(r.losses)
        idx = sampled_columns(len(losses), MAX_LINE_POINTS)
        colour = activation_colour(r.activation)
        fig.add_trace(loss_line(idx, losses[idx], r.activation, r.activation, {"color": colour, "width": 2}))
        if r.diverged:
            why = f"<b>{r.activation}</b> stopped here: {r.stop_reason}"
            fig.add_trace(stop_marker(losses, colour, "stopped: diverged", "top center", why))
    if runs and all(r.iteration == 0 for r in runs):
        fig.add_annotation(
            text="No updates yet: each dot is a network's loss before training. Press Train or Play.",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    fig.update_yaxes(type="log", exponentformat="power", title_text="loss on the training set (log scale)")
    fig.update_xaxes(title_text="updates (iterations)", rangemode="tozero")
    fig.update_layout(
        **base_layout(
            title={"text": "Loss curves: same network, same data, same starting weights"},
            height=360,
            legend={"title": {"text": "activation"}},
        )
    )
    return fig


def loss_notes(runs: Sequence[ActivationRun]) -> list[str]:
    """Why a run stopped, and loss values the log axis cannot show."""
    notes = []
    for r in runs:
        if r.diverged:
            notes.append(f"{r.activation} stopped after {updates_text(r.iteration)}: {r.stop_reason}.")
        notes.extend(loss_gaps(r.activation, r.losses))
    return notes
