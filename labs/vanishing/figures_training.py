"""The vanishing lab's training figures: per-layer gradient heatmaps over the updates and the loss curves."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale
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
    sampled_columns,
    updates_text,
)
from labs.vanishing.model import ActivationRun
from viz.decimate import compact, minmax_indices
from viz.fast_figure import figure, layout
from viz.tick_figure import tick_figure

# ``NORM_SCALE`` as explicit colours: nothing expands a scale's name without validation
NORM_COLOURS: list[list] = [[float(p), c] for p, c in get_colorscale(NORM_SCALE)]

MAX_HEATMAP_COLUMNS = 300
# while Play ticks: at most this many points per loss curve (minimum, maximum and spikes kept)
PLAY_LINE_POINTS = 300


def heatmap_figure(
    runs: Sequence[ActivationRun], max_columns: int = MAX_HEATMAP_COLUMNS, playing: bool = False
) -> go.Figure:
    """Per activation, ``log10 ||dW||`` as a layer x iteration heatmap; one colour range for all.

    With more iterations than ``max_columns``, evenly spaced iterations are shown (hover names them).
    Play redraws this several times a second, so it is built from plain dicts without Plotly's
    validation (``viz.fast_figure``); the tests validate it in full. ``playing``: the cells go out
    as float32 where that is exact to 6e-8 (``viz.decimate.compact``), in a ``viz.tick_figure``
    (the same dict for Streamlit, without Plotly's objects); paused, as float64 in a ``go.Figure``.
    """
    light = compact if playing else _same
    n = max(len(runs), 1)
    fig_layout = _panels_layout(tuple(r.activation for r in runs) or ("",))
    annotations = fig_layout.setdefault("annotations", [])
    mats = []
    for r in runs:
        g = r.grad_norm_matrix()
        cols = sampled_columns(g.shape[1], max_columns)
        mats.append((cols, g[:, cols]))
    with quiet():
        logs = [np.log10(drawable(m)) if m.size else m for _, m in mats]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs if v.size] or [np.array([])])
    n_layers = runs[0].initial.n_layers if runs else 1
    # notes sit in a panel: one across the figure would cover the next panel's title
    if finite.size == 0 and any(m.size for _, m in mats):
        for k in range(n):
            annotations.append(
                _panel_note("Every ‖dW‖ is 0 or not finite: nothing to colour (see the note below).", k + 1)
            )
        # with nothing drawn Plotly would invent an x range; show the iterations there are
        last = max(int(cols[-1]) + 1 for cols, m in mats if m.size)
        for k in range(n):
            fig_layout[_axis("xaxis", k + 1)]["range"] = [0.5, last + 0.5]
    elif finite.size == 0:
        # before training only the first panel has axes (the others have no trace yet)
        annotations.append(_panel_note("No iterations yet: press Train or Play.", 1, font={"size": 15}))
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    traces = []
    for k, (r, (cols, m), z) in enumerate(zip(runs, mats, logs, strict=True)):
        if not m.size:
            continue
        traces.append(
            dict(
                type="heatmap",
                z=light(z),
                x=cols + 1,
                y=np.arange(1, m.shape[0] + 1),
                xaxis=_axis("x", k + 1),
                yaxis=_axis("y", k + 1),
                coloraxis="coloraxis",
                # the true norm, formatted in the browser (a numeric array stays small on the wire)
                customdata=light(m),
                hovertemplate=f"<b>{r.activation}</b> · iteration %{{x}} · layer %{{y}}<br>"
                "‖dW‖ = %{customdata:.4~g}<extra></extra>",
            )
        )
    ticks = list(range(math.floor(lo), math.ceil(hi) + 1))
    if len(ticks) > 10:
        ticks = ticks[:: math.ceil(len(ticks) / 10)]
    for k in range(n):
        fig_layout[_axis("yaxis", k + 1)].update(
            title={"text": "layer"}, **layer_axis(n_layers, one_line=True)
        )
    fig_layout[_axis("xaxis", n)]["title"] = {"text": "iteration"}
    fig_layout.update(
        layout(
            title={"text": "‖dW‖ of every layer at every iteration (log colour scale, one range for all)"},
            height=110 + 190 * n,
            coloraxis={
                "colorscale": NORM_COLOURS,
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
    return (tick_figure if playing else figure)(traces, fig_layout)


def _same(values: np.ndarray) -> np.ndarray:
    return values


def _axis(name: str, panel: int) -> str:
    """``xaxis``, ``xaxis2``, ... (or ``x``, ``x2``, ... for a trace's reference) of subplot ``panel``."""
    return name if panel == 1 else f"{name}{panel}"


def _panel_note(text: str, panel: int, y: float = 0.5, **style: object) -> dict:
    """``text`` in the middle of subplot ``panel`` (counted from 1), as ``figures.panel_note`` puts it."""
    return dict(
        text=text,
        showarrow=False,
        xref=f"{_axis('x', panel)} domain",
        yref=f"{_axis('y', panel)} domain",
        x=0.5,
        y=y,
        **style,
    )


@functools.lru_cache(maxsize=16)
def _panels_layout_json(titles: tuple[str, ...]) -> str:
    fig = make_subplots(
        rows=len(titles),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12 / len(titles),
        subplot_titles=list(titles),
    )
    out = fig.layout.to_plotly_json()
    out.pop("template", None)  # Streamlit's theme styles the chart (as in viz.fast_figure.layout)
    return json.dumps(out)


def _panels_layout(titles: tuple[str, ...]) -> dict:
    """The axes and titles ``make_subplots`` lays out for one column of panels (worked out once per
    set of titles; a fresh copy each call)."""
    return json.loads(_panels_layout_json(titles))


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


def loss_curves_figure(runs: Sequence[ActivationRun], playing: bool = False) -> go.Figure:
    """The loss after every update of every run, on one log-scale chart; a cross where a run stopped.

    Built from plain dicts without validation, like ``heatmap_figure``. Paused, a curve has up to
    ``MAX_LINE_POINTS`` evenly spaced points; ``playing``, up to ``PLAY_LINE_POINTS`` that keep its
    shape (first, last, each stretch's lowest and highest loss: ``viz.decimate.minmax_indices``),
    as float32 where that is exact to 6e-8, in a ``viz.tick_figure``.
    """
    traces = []
    for r in runs:
        losses = np.array(r.losses)
        if playing:
            idx = minmax_indices(drawable(losses), PLAY_LINE_POINTS)
        else:
            idx = sampled_columns(len(losses), MAX_LINE_POINTS)
        colour = activation_colour(r.activation)
        trace = loss_trace(idx, losses[idx], r.activation, r.activation, {"color": colour, "width": 2})
        if playing:
            trace.update(y=compact(trace["y"]), customdata=compact(trace["customdata"]))
        traces.append(trace)
        if r.diverged:
            why = f"<b>{r.activation}</b> stopped here: {r.stop_reason}"
            traces.append(stop_trace(losses, colour, "stopped: diverged", "top center", why))
    annotations = []
    if runs and all(r.iteration == 0 for r in runs):
        annotations.append(
            dict(
                text="No updates yet: each dot is a network's loss before training. Press Train or Play.",
                showarrow=False,
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
            )
        )
    fig_layout = layout(
        title={"text": "Loss curves: same network, same data, same starting weights"},
        height=360,
        legend={"title": {"text": "activation"}},
        annotations=annotations,
        yaxis={
            "type": "log",
            "exponentformat": "power",
            "title": {"text": "loss on the training set (log scale)"},
        },
        xaxis={"title": {"text": "updates (iterations)"}, "rangemode": "tozero"},
    )
    return (tick_figure if playing else figure)(traces, fig_layout)


def loss_notes(runs: Sequence[ActivationRun]) -> list[str]:
    """Why a run stopped, and loss values the log axis cannot show."""
    notes = []
    for r in runs:
        if r.diverged:
            notes.append(f"{r.activation} stopped after {updates_text(r.iteration)}: {r.stop_reason}.")
        notes.extend(loss_gaps(r.activation, r.losses))
    return notes


def loss_trace(updates: np.ndarray, losses: np.ndarray, name: str, run_name: str, line: dict) -> dict:
    """``figures.loss_line`` as a trace dict: the loss after each of ``updates``, for a log axis."""
    # before the first update there is one point, and a line through one point draws nothing:
    # a dot, not cut in half by the y axis it sits on
    dot = {} if len(updates) > 1 else {"marker": {"size": 10}, "cliponaxis": False}
    return dict(
        type="scatter",
        x=np.asarray(updates),
        y=drawable(losses),
        mode="lines" if len(updates) > 1 else "markers",
        **dot,
        name=name,
        line=line,
        customdata=np.asarray(losses, dtype=float),
        hovertemplate=(
            f"<b>{run_name}</b> · after %{{x}} updates<br>loss = %{{customdata:.5~g}}<extra></extra>"
        ),
    )


def stop_trace(losses: Sequence[float], colour: str, label: str, position: str, why: str) -> dict:
    """``figures.stop_marker`` as a trace dict: a cross labelled ``label`` on a stopped run's last loss."""
    return dict(
        type="scatter",
        x=[len(losses) - 1],
        y=drawable(losses[-1:]),
        mode="markers+text",
        marker={"symbol": "x", "size": 12, "color": colour},
        text=(label,),
        textposition=position,
        # the cross often sits at the top or right edge: let its label reach past the axes
        cliponaxis=False,
        showlegend=False,
        hovertemplate=f"{why}<extra></extra>",
    )
