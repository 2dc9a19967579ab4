"""The vanishing lab's figures for weights that start too large or all equal: the weight-scale
sweep, clipping by global norm, symmetry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# a sequential scale for magnitudes (norms are never negative): dark = small, bright = large
from labs.vanishing.figures import (
    SATURATING,
    activation_colour,
    drawable,
    layer_axis,
    layer_line,
    layers_text,
    loss_gaps,
    loss_line,
    panel_note,
    stop_marker,
    updates_text,
    what_is_missing,
)
from labs.vanishing.model import SATURATED_BELOW
from labs.vanishing.model_experiments import (
    ClipComparison,
    ScaleSweep,
    SymmetryRun,
    UpdateSizes,
)
from viz.format import fmt
from viz.theme import DIVERGING, MUTED, SERIES, base_layout, symmetric_range


def sweep_figure(sweep: ScaleSweep, current_std: float) -> go.Figure:
    """First-layer ``||dW||``, the first/output ratio and the saturated share against the init std."""
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.1,
        subplot_titles=(
            "‖dW‖ of layer 1",
            "‖dW‖ layer 1 ÷ output layer",
            "saturated z (sigmoid, tanh)",
        ),
    )
    stds = sweep.stds
    std_text = [fmt(s, 3) for s in stds]
    ratio = sweep.ratio
    for i, act in enumerate(sweep.activations):
        colour = activation_colour(act)
        for col, values, what in ((1, sweep.first_grad[i], "‖dW‖ layer 1"), (2, ratio[i], "first / output")):
            fig.add_trace(
                go.Scatter(
                    x=stds,
                    y=drawable(values),
                    mode="lines+markers",
                    name=act,
                    legendgroup=act,
                    showlegend=col == 1,
                    line={"color": colour},
                    marker={"size": 5},
                    customdata=np.column_stack([std_text, [fmt(float(v)) for v in values]]),
                    hovertemplate=f"<b>{act}</b> · std %{{customdata[0]}}<br>{what} = %{{customdata[1]}}"
                    "<extra></extra>",
                ),
                row=1,
                col=col,
            )
        if act in SATURATING:
            fig.add_trace(
                go.Scatter(
                    x=stds,
                    y=100 * sweep.saturated[i],
                    mode="lines+markers",
                    name=act,
                    legendgroup=act,
                    showlegend=False,
                    line={"color": colour},
                    marker={"size": 5},
                    customdata=np.column_stack([std_text, [fmt(100 * v, 3) for v in sweep.saturated[i]]]),
                    hovertemplate=f"<b>{act}</b> · std %{{customdata[0]}}<br>%{{customdata[1]}}% of hidden "
                    f"z values have f'(z) < {SATURATED_BELOW:g}<extra></extra>",
                ),
                row=1,
                col=3,
            )
    # the reference slope: std^depth through the relu (else the first) curve at the top std
    ref_i = sweep.activations.index("relu") if "relu" in sweep.activations else 0
    anchor = drawable(sweep.first_grad[ref_i])
    if np.isfinite(anchor[-1]):
        ref = anchor[-1] * (stds / stds[-1]) ** sweep.depth
        ref = np.where(ref > 1e-300, ref, np.nan)
        fig.add_trace(
            go.Scatter(
                x=stds,
                y=ref,
                mode="lines",
                name=f"∝ std^{sweep.depth} (depth)",
                line={"color": MUTED, "dash": "dot", "width": 1.5},
                hovertemplate=f"std^{sweep.depth} reference<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if not any(a in SATURATING for a in sweep.activations):
        panel_note(fig, "no sigmoid or tanh network compared", 3)
    for col in (1, 2, 3):
        fig.add_vline(x=current_std, line={"color": "#888888", "dash": "dash", "width": 1}, row=1, col=col)
    decades = [10.0**k for k in range(math.floor(math.log10(stds[0])), math.ceil(math.log10(stds[-1])) + 1)]
    fig.update_xaxes(
        type="log",
        tickmode="array",
        tickvals=decades,
        ticktext=[fmt(d) for d in decades],
        title_text="std of the initial weights",
    )
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=1, title_text="‖dW‖ (log)")
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2, title_text="ratio (log)")
    fig.update_yaxes(range=[0, 105], row=1, col=3, title_text="% of hidden z values")
    fig.update_layout(
        **base_layout(
            title={"text": "Gradients at initialisation as the weight scale grows (normal init)"},
            height=420,
            # under the panels: three panels and a legend beside them do not fit a laptop screen
            legend={"orientation": "h", "y": -0.3, "title": {"text": "activation "}},
        )
    )
    return fig


def sweep_gaps(sweep: ScaleSweep) -> list[str]:
    """What ``sweep_figure`` could not draw, per activation and quantity."""
    notes = []
    ratio = sweep.ratio
    for i, act in enumerate(sweep.activations):
        for what, values in (("‖dW‖ of layer 1", sweep.first_grad[i]), ("the first/output ratio", ratio[i])):
            v = np.asarray(values, dtype=float)
            for kind, mask in (("exactly 0", v == 0), ("not a finite number", ~np.isfinite(v))):
                if mask.any():
                    stds = ", ".join(fmt(x, 3) for x in sweep.stds[mask])
                    where = "every std" if mask.all() else f"std {stds}"
                    notes.append(f"{act}: {what} is {kind} at {where} (not drawn).")
    return notes


def clipping_figure(cmp: ClipComparison, clipped: bool = True) -> go.Figure:
    """Left: ``||dW_l||`` of the first update before and after clipping. Right: both loss curves.

    ``clipped=False`` draws only the unclipped run (the page's clipping toggle is off).
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("‖dW‖ of the first update, per layer", f"loss of {cmp.activation}, with and without"),
    )
    n_layers = len(cmp.raw_layer_grad_norms)
    grads = [(cmp.raw_layer_grad_norms, "as computed", "solid")]
    runs = [(cmp.losses_plain, cmp.stop_plain, "without clipping", "solid")]
    if clipped:
        grads.append((cmp.clipped_layer_grad_norms, f"clipped to global norm {fmt(cmp.clip_norm)}", "dash"))
        runs.append((cmp.losses_clipped, cmp.stop_clipped, "with clipping", "dash"))
    for values, name, dash in grads:
        line = {"color": SERIES[1] if dash == "solid" else SERIES[5], "dash": dash}
        fig.add_trace(layer_line(values, name, "‖dW‖", line=line), row=1, col=1)
    for losses, stop, name, dash in runs:
        colour = SERIES[1] if dash == "solid" else SERIES[5]
        line = {"color": colour, "dash": dash}
        below = below_floor(losses)
        shown = losses if below is None else losses[:below]
        fig.add_trace(loss_line(np.arange(len(shown)), shown, f"loss {name}", name, line), row=1, col=2)
        if below is not None and below > 0:
            # the line ends where the loss leaves the axis: say so on the chart, at that end
            fig.add_annotation(
                x=below - 1,
                y=math.log10(max(float(shown[-1]), LOSS_FLOOR)),
                text=f"↓ below {LOSS_FLOOR:g}<br>from update {below}",
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font={"color": colour},
                row=1,
                col=2,
            )
        if stop:
            fig.add_trace(
                stop_marker(losses, colour, "stopped", "top left", f"stopped here: {stop}"), row=1, col=2
            )
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="‖dW‖ (log)", row=1, col=1)
    fig.update_yaxes(title_text="loss (log)", row=1, col=2)
    fig.update_xaxes(title_text="layer (1 = next to the input)", row=1, col=1, **layer_axis(n_layers))
    fig.update_xaxes(
        title_text="updates",
        row=1,
        col=2,
        range=[0, max(len(cmp.losses_plain), len(cmp.losses_clipped)) - 0.5],
    )
    fig.update_layout(
        **base_layout(
            title={"text": f"Clipping by global norm ({cmp.activation}, normal init, std {fmt(cmp.std, 3)})"},
            height=400,
            legend={"orientation": "h", "y": -0.3},
        )
    )
    return fig


def clipping_notes(cmp: ClipComparison, clipped: bool = True) -> list[str]:
    """Why a run of ``clipping_figure`` stopped, and losses its log axis cannot show."""
    notes = []
    runs = [("without clipping", cmp.losses_plain, cmp.stop_plain)]
    grads = [("‖dW‖ as computed", cmp.raw_layer_grad_norms)]
    if clipped:
        runs.append(("with clipping", cmp.losses_clipped, cmp.stop_clipped))
        grads.append(("‖dW‖ after clipping", cmp.clipped_layer_grad_norms))
    for what, values in grads:
        for kind, layers in what_is_missing(values).items():
            notes.append(f"{what} is {kind} in {layers_text(layers)} (not drawn).")
    for what, losses, stop in runs:
        if stop:
            notes.append(f"The run {what} stopped after {updates_text(len(losses) - 1)}: {stop}.")
        below = below_floor(losses)
        if below is not None:
            notes.append(
                f"The run {what}: from update {below} the loss is below {LOSS_FLOOR:g} "
                f"({fmt(float(losses[-1]), 3)} after the last update), so its line ends there. Its weights "
                "grew until the output fits every training point with a huge margin; a loss that small is "
                f"mostly float64 rounding, and the log axis stops at {LOSS_FLOOR:g}."
            )
        else:
            notes.extend(loss_gaps(f"The run {what}", losses))
    return notes


# a loss below this is drawn as "off the chart": below it float64 rounding dominates the value
LOSS_FLOOR = 1e-12


def below_floor(losses: np.ndarray) -> int | None:
    """The first update whose loss is below ``LOSS_FLOOR`` (0 included), or ``None``."""
    v = np.asarray(losses, dtype=float)
    hits = np.flatnonzero(np.isfinite(v) & (v < LOSS_FLOOR))
    return int(hits[0]) if hits.size else None


_START_NAMES = {"zeros": "all weights 0", "equal": "all weights 0.5", "random": "random (xavier)"}


def symmetry_spread_figure(sym: SymmetryRun, fix: SymmetryRun) -> go.Figure:
    """The largest difference between two units of each hidden layer, update by update, for both starts."""
    fig = go.Figure()
    n_hidden = sym.spread.shape[1]
    for run, dash in ((sym, "solid"), (fix, "dash")):
        for l in range(n_hidden):
            values = run.spread[:, l]
            fig.add_trace(
                go.Scatter(
                    x=np.arange(len(values)),
                    y=values,
                    mode="lines",
                    name=f"{_START_NAMES[run.start]}: layer {l + 1}",
                    line={"color": SERIES[l], "dash": dash, "width": 2.5 if dash == "solid" else 2},
                    customdata=values,
                    hovertemplate=f"<b>{_START_NAMES[run.start]}</b> · layer {l + 1} · after %{{x}} updates"
                    "<br>largest difference between two units = %{customdata:.4~g}<extra></extra>",
                )
            )
    fig.update_xaxes(title_text="updates")
    fig.update_yaxes(title_text="largest difference between two units", rangemode="tozero")
    fig.update_layout(
        **base_layout(
            title={"text": "How different the units of a layer are (0 = all identical)"},
            height=360,
            legend={"orientation": "h", "y": -0.25},
        )
    )
    return fig


def symmetry_weights_figure(sym: SymmetryRun, fix: SymmetryRun) -> go.Figure:
    """Incoming weights and bias of every hidden unit after training, for both starts, numbers printed."""
    n_hidden = sym.spread.shape[1]
    fig = make_subplots(
        rows=n_hidden,
        cols=2,
        horizontal_spacing=0.1,
        vertical_spacing=0.3 / n_hidden,
        subplot_titles=[
            f"layer {l + 1}, {_START_NAMES[r.start]}" for l in range(n_hidden) for r in (sym, fix)
        ],
    )
    mats = []
    for l in range(n_hidden):
        for r in (sym, fix):
            theta = np.vstack([r.final.weights[l], r.final.biases[l][None, :]]).T  # (units, inputs + 1)
            mats.append((l, r, theta))
    vmax = symmetric_range(*(m for _, _, m in mats))
    for k, (l, _run, theta) in enumerate(mats):
        n_in = theta.shape[1] - 1
        inputs = [f"from x{i + 1}" if l == 0 else f"from unit {i + 1}" for i in range(n_in)] + ["bias"]
        units = [f"unit {j + 1}" for j in range(theta.shape[0])]
        text = [[fmt(float(v), 3) for v in row] for row in theta]
        fig.add_trace(
            go.Heatmap(
                z=theta,
                x=inputs,
                y=units,
                coloraxis="coloraxis",
                text=text,
                texttemplate="%{text}",
                textfont={"size": 12},
                hovertemplate="%{y}, weight %{x}: %{text}<extra></extra>",
            ),
            row=k // 2 + 1,
            col=k % 2 + 1,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        **base_layout(
            title={"text": "Every hidden unit's incoming weights and bias after training"},
            height=120 + 250 * n_hidden,
            coloraxis={
                "colorscale": DIVERGING,
                "cmid": 0,
                "cmin": -vmax,
                "cmax": vmax,
                "colorbar": {"title": {"text": "weight"}},
            },
        )
    )
    return fig


def update_sizes_figure(runs: Sequence[UpdateSizes]) -> go.Figure:
    """Mean ``||dW step|| / ||W||`` per layer, one line per optimizer, log y axis."""
    fig = go.Figure()
    n_layers = runs[0].relative.shape[1] if runs else 1
    for k, u in enumerate(runs):
        fig.add_trace(
            layer_line(
                u.mean,
                f"{u.optimizer}, lr {fmt(u.lr)}",
                "‖ΔW‖ / ‖W‖",
                line={"color": SERIES[(2 * k + 1) % len(SERIES)], "width": 2},
                marker={"size": 6},
            )
        )
    fig.update_yaxes(type="log", exponentformat="power", title_text="‖ΔW‖ / ‖W‖ (log scale)")
    fig.update_xaxes(title_text="layer (1 = next to the input)", **layer_axis(n_layers))
    updates = runs[0].relative.shape[0] if runs else 0
    act = runs[0].activation if runs else ""
    fig.update_layout(
        **base_layout(
            title={
                "text": f"How far each layer of the {act} network moves, mean of the first {updates} updates"
            },
            height=360,
            legend={"title": {"text": "optimizer"}},
        )
    )
    return fig
