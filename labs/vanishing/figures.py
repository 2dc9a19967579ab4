"""Figures and tables of the vanishing and exploding gradients lab: engine results in, Plotly out.

Layers are numbered for the learner from 1 (next to the input) to L (the output layer); the
engine's layer ``l`` is shown as ``l + 1``. Gradient norms span many orders of magnitude, so
they are drawn on log axes; a log axis has no place for 0, NaN or infinity, so such values are
left out of the drawing and every builder has a companion ``*_gaps`` function that says, in
words, what was left out and why. Every colour or point carries its number on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from labs.vanishing.model import (
    SATURATED_BELOW,
    ClipComparison,
    GradientProfile,
    LayerStats,
    Run,
    ScaleSweep,
    SymmetryRun,
    derivative_bound,
    derivative_curve,
    max_derivative,
)
from viz.theme import DIVERGING, GREY, SERIES, base_layout, fmt, symmetric_range

# a sequential scale for magnitudes (norms are never negative): dark = small, bright = large
NORM_SCALE = "Viridis"
# each activation keeps its colour on every chart of the page
ACTIVATION_COLOURS = {"sigmoid": SERIES[0], "relu": SERIES[1], "tanh": SERIES[2], "leaky_relu": SERIES[3]}
SATURATING = ("sigmoid", "tanh")
PIECEWISE_LINEAR = ("relu", "leaky_relu")
MAX_HEATMAP_COLUMNS = 300
MAX_LINE_POINTS = 1000


def _updates(n: int) -> str:
    return f"{n} update" if n == 1 else f"{n} updates"


def activation_colour(name: str) -> str:
    return ACTIVATION_COLOURS.get(name, SERIES[4])


def drawable(values: np.ndarray) -> np.ndarray:
    """``values`` as floats with every value a log axis cannot show (<= 0, NaN, inf) set to NaN."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
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


def _layer_axis(n_layers: int, output_last: bool = True, one_line: bool = False) -> dict:
    """Ticks for an axis of layers 1..n; the last is marked as the output layer if ``output_last``."""
    step = 1 if n_layers <= 16 else 5
    vals = [*range(1, n_layers, step), n_layers]
    sep = " " if one_line else "<br>"
    return {
        "tickvals": vals,
        "ticktext": [f"{v}{sep}out" if v == n_layers and output_last else str(v) for v in vals],
        "range": [0.5, n_layers + 0.5],
    }


def _what_is_missing(values: np.ndarray) -> dict[str, list[int]]:
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


def _layer_line(values: Sequence[float], name: str, what: str, **style: object) -> go.Scatter:
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


def _loss_line(updates: np.ndarray, losses: np.ndarray, name: str, run_name: str, line: dict) -> go.Scatter:
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


def _stop_marker(losses: Sequence[float], colour: str, label: str, position: str, why: str) -> go.Scatter:
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


def _panel_note(fig: go.Figure, text: str, panel: int, y: float = 0.5, **style: object) -> None:
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


def latex_number(x: float, digits: int = 3) -> str:
    """``x`` for a LaTeX formula: ``9.54 \\times 10^{-7}`` rather than ``9.54e-07``."""
    text = fmt(x, digits)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


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
                "‖dW‖ layer 1": fmt(float(p.grad_norms[0])),
                "‖dW‖ output layer": fmt(float(p.grad_norms[-1])),
                "‖dW‖ first / output": fmt(p.ratio),
                "layer 1's gradient is": describe_ratio(p.ratio),
                "‖delta‖ first / output": fmt(p.delta_ratio),
            }
        )
    return pd.DataFrame(rows)


def bound_table(profiles: Sequence[GradientProfile], depth: int) -> pd.DataFrame:
    """``max f'``, ``(max f')^depth`` and the measured ``||delta_1|| / ||delta_out||`` per activation.

    Then the measured delta ratio / bound: what the weights (and ``f'`` values below their maximum)
    multiplied in on top of the derivative bound. Last, for comparison, the ``||dW||`` ratio of
    section 1 under the same name as there: it also carries the size of each layer's input.
    """
    rows = []
    for p in profiles:
        bound = derivative_bound(p.activation, depth)
        measured = p.delta_ratio
        rest = measured / bound if bound > 0 and np.isfinite(measured) else float("nan")
        rows.append(
            {
                "activation": p.activation,
                "largest f'(z)": fmt(max_derivative(p.activation)),
                f"(largest f')^{depth}": fmt(bound),
                "measured ‖delta‖ layer 1 / output": fmt(measured),
                "weights & the rest multiplied by": fmt(rest),
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
    n_layers = len(profiles[0].grad_norms) if profiles else 1
    for p in profiles:
        for col, values, what in ((1, p.grad_norms, "‖dW‖"), (2, p.delta_norms, "‖delta‖")):
            fig.add_trace(
                _layer_line(
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
    fig.update_xaxes(title_text="layer (1 = next to the input)", **_layer_axis(n_layers))
    fig.update_layout(
        **base_layout(title={"text": title}, height=height, legend={"title": {"text": "activation"}})
    )
    return fig


def profile_gaps(profiles: Sequence[GradientProfile]) -> list[str]:
    """What ``profile_figure`` could not draw, one sentence per activation and quantity."""
    notes = []
    for p in profiles:
        for what, values in (("‖dW‖", p.grad_norms), ("‖delta‖", p.delta_norms)):
            for kind, layers in _what_is_missing(values).items():
                why = (
                    " A relu layer whose units all have z ≤ 0 on every sample passes no gradient back."
                    if kind == "exactly 0" and p.activation == "relu"
                    else ""
                )
                notes.append(f"{p.activation}: {what} is {kind} in {layers_text(layers)} (not drawn).{why}")
    return notes


# -- over training -------------------------------------------------------------------------------------


def _columns(n: int, limit: int) -> np.ndarray:
    """At most ``limit`` evenly spread indices of ``range(n)``, always with the last one."""
    step = max(1, math.ceil(n / limit))
    idx = np.arange(0, n, step)
    return idx if n == 0 or idx[-1] == n - 1 else np.append(idx, n - 1)


def heatmap_figure(runs: Sequence[Run], max_columns: int = MAX_HEATMAP_COLUMNS) -> go.Figure:
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
        cols = _columns(g.shape[1], max_columns)
        mats.append((cols, g[:, cols]))
    logs = [np.log10(drawable(m)) for _, m in mats if m.size]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs]) if logs else np.array([])
    n_layers = runs[0].initial.n_layers if runs else 1
    # notes sit in a panel: one across the figure would cover the next panel's title
    if finite.size == 0 and any(m.size for _, m in mats):
        for k in range(n):
            _panel_note(fig, "Every ‖dW‖ is 0 or not finite: nothing to colour (see the note below).", k + 1)
        # with nothing drawn Plotly would invent an x range; show the iterations there are
        last = max(int(cols[-1]) + 1 for cols, m in mats if m.size)
        fig.update_xaxes(range=[0.5, last + 0.5])
    elif finite.size == 0:
        # before training only the first panel has axes (the others have no trace yet)
        _panel_note(fig, "No iterations yet: press Train or Play.", 1, font={"size": 15})
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    for k, (r, (cols, m)) in enumerate(zip(runs, mats, strict=True)):
        if not m.size:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
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
    fig.update_yaxes(title_text="layer", **_layer_axis(n_layers, one_line=True))
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


def heatmap_gaps(runs: Sequence[Run]) -> list[str]:
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
            shown = len(_columns(g.shape[1], MAX_HEATMAP_COLUMNS))
            notes.append(
                f"{r.activation}: {g.shape[1]} iterations, {shown} evenly spaced ones shown "
                "(hover gives each one's number)."
            )
    return notes


def loss_figure(runs: Sequence[Run]) -> go.Figure:
    """The loss after every update of every run, on one log-scale chart; a cross where a run stopped."""
    fig = go.Figure()
    for r in runs:
        losses = np.array(r.losses)
        idx = _columns(len(losses), MAX_LINE_POINTS)
        colour = activation_colour(r.activation)
        fig.add_trace(_loss_line(idx, losses[idx], r.activation, r.activation, {"color": colour, "width": 2}))
        if r.diverged:
            why = f"<b>{r.activation}</b> stopped here: {r.stop_reason}"
            fig.add_trace(_stop_marker(losses, colour, "stopped: diverged", "top center", why))
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


def _loss_gaps(name: str, losses: Sequence[float]) -> list[str]:
    v = np.asarray(losses, dtype=float)
    notes = []
    zeros = np.flatnonzero(v == 0)
    if zeros.size:
        notes.append(
            f"{name}: the loss is exactly 0 (below the smallest float64) after {_updates(int(zeros[0]))} "
            f"and at {zeros.size} point(s) in all; a log axis cannot show 0, so those points are not drawn."
        )
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        notes.append(
            f"{name}: the loss is not a finite number (it overflowed) after {_updates(int(bad[0]))}; "
            "that point is not drawn."
        )
    return notes


def loss_notes(runs: Sequence[Run]) -> list[str]:
    """Why a run stopped, and loss values the log axis cannot show."""
    notes = []
    for r in runs:
        if r.diverged:
            notes.append(f"{r.activation} stopped after {_updates(r.iteration)}: {r.stop_reason}.")
        notes.extend(_loss_gaps(r.activation, r.losses))
    return notes


# -- why it happens ------------------------------------------------------------------------------------


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


def saturation_figure(all_stats: Sequence[LayerStats]) -> go.Figure:
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
            _panel_note(fig, f"{', '.join(zero)}: 0% in every layer", col, y=0.6)
        if not members:
            _panel_note(fig, f"no {' or '.join(group)} network in this comparison", col)
    fig.update_yaxes(title_text="% of the layer", range=[0, 105])
    fig.update_xaxes(
        title_text="hidden layer (1 = next to the input)", **_layer_axis(depth, output_last=False)
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


# -- exploding gradients -------------------------------------------------------------------------------


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
                line={"color": "#555555", "dash": "dot", "width": 1.5},
                hovertemplate=f"std^{sweep.depth} reference<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if not any(a in SATURATING for a in sweep.activations):
        _panel_note(fig, "no sigmoid or tanh network compared", 3)
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
    n_layers = len(cmp.raw_grads)
    grads = [(cmp.raw_grads, "as computed", "solid")]
    runs = [(cmp.losses_plain, cmp.stop_plain, "without clipping", "solid")]
    if clipped:
        grads.append((cmp.clipped_grads, f"clipped to global norm {fmt(cmp.clip_norm)}", "dash"))
        runs.append((cmp.losses_clipped, cmp.stop_clipped, "with clipping", "dash"))
    for values, name, dash in grads:
        line = {"color": SERIES[1] if dash == "solid" else SERIES[5], "dash": dash}
        fig.add_trace(_layer_line(values, name, "‖dW‖", line=line), row=1, col=1)
    for losses, stop, name, dash in runs:
        colour = SERIES[1] if dash == "solid" else SERIES[5]
        line = {"color": colour, "dash": dash}
        fig.add_trace(_loss_line(np.arange(len(losses)), losses, f"loss {name}", name, line), row=1, col=2)
        if stop:
            fig.add_trace(
                _stop_marker(losses, colour, "stopped", "top left", f"stopped here: {stop}"), row=1, col=2
            )
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="‖dW‖ (log)", row=1, col=1)
    fig.update_yaxes(title_text="loss (log)", row=1, col=2)
    fig.update_xaxes(title_text="layer (1 = next to the input)", row=1, col=1, **_layer_axis(n_layers))
    fig.update_xaxes(title_text="updates", row=1, col=2)
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
    grads = [("‖dW‖ as computed", cmp.raw_grads)]
    if clipped:
        runs.append(("with clipping", cmp.losses_clipped, cmp.stop_clipped))
        grads.append(("‖dW‖ after clipping", cmp.clipped_grads))
    for what, values in grads:
        for kind, layers in _what_is_missing(values).items():
            notes.append(f"{what} is {kind} in {layers_text(layers)} (not drawn).")
    for what, losses, stop in runs:
        if stop:
            notes.append(f"The run {what} stopped after {_updates(len(losses) - 1)}: {stop}.")
        notes.extend(_loss_gaps(f"The run {what}", losses))
    return notes


# -- symmetry --------------------------------------------------------------------------------------------

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
