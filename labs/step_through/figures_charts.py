"""Small charts of the step-through page: loss per iteration, and a saturated output unit's delta
under squared error vs cross-entropy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from backprop_core.explain import WeightExplanation
from labs.step_through.model_losses import SaturationCompare
from viz.format import num, short
from viz.theme import INK, MUTED, SERIES, base_layout, line_color


def loss_history_figure(losses: Sequence[float], current: float | None, height: int = 260) -> go.Figure:
    """Loss of every finished iteration (``losses``, measured before each update) and, once the
    Loss phase has been reached, the current iteration's loss ``current``.

    Redrawn on every step, so it is assembled from plain dicts without Plotly's per-property
    validation (tests/test_viz_step.py validates it in full).
    """
    traces = [
        {
            "type": "scatter",
            "x": list(range(1, len(losses) + 1)),
            "y": [float(v) if np.isfinite(v) else None for v in losses],
            "mode": "lines+markers",
            "name": "finished iterations",
            "line": {"color": SERIES[0]},
            "hovertemplate": "iteration %{x}<br>loss %{customdata}<extra></extra>",
            "customdata": [num(v) for v in losses],
        }
    ]
    if current is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [len(losses) + 1],
                "y": [float(current) if np.isfinite(current) else None],
                "mode": "markers",
                "name": "this iteration",
                "marker": {"color": SERIES[1], "size": 11, "symbol": "diamond"},
                "hovertemplate": "iteration %{x} (now)<br>loss %{customdata}<extra></extra>",
                "customdata": [num(current)],
            }
        )
    n = len(losses) + 1
    annotations = []
    if not losses and current is None:
        annotations.append(
            {
                "text": "no loss yet:<br>press Forward, then Loss",
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"color": MUTED},
            }
        )
    layout = base_layout(
        height=height,
        # two lines: the chart sits in a narrow column, where one line was cut off on a laptop screen
        title={"text": "Loss per iteration<br>(before its update)", "font": {"size": 14}},
        margin={"l": 55, "r": 10, "t": 56, "b": 40},
        showlegend=True,
        # below the axis title: with the two-line title the plot is shorter, and -0.3 touched it
        legend={"orientation": "h", "y": -0.45, "x": 0},
        annotations=annotations,
        # at most six whole-number ticks: more, and the narrow chart turned them on their side, over the title
        xaxis={
            "title": {"text": "iteration"},
            "range": [0.5, max(n, 5) + 0.5],
            "nticks": 6,
            "tickformat": "d",
        },
        yaxis=_loss_axis([*losses, *([] if current is None else [current])]),
    )
    # Streamlit's theme styles the chart: no "plotly_white" template (base_layout's mark for it is
    # dropped, see viz.theme.with_template)
    layout.pop("meta", None)
    return go.Figure(data=traces, layout=layout, _validate=False)


def _loss_axis(values: Sequence[float]) -> dict:
    """A linear loss axis from zero, or a log axis once the losses span three orders of magnitude
    (a diverging run), so that every iteration stays readable."""
    finite = [v for v in values if np.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 1e3:
        return {"title": {"text": "loss L (log scale)"}, "type": "log", "exponentformat": "e"}
    return {"title": {"text": "loss L"}, "rangemode": "tozero"}


def saturation_figure(curve: SaturationCompare, point: SaturationCompare, height: int = 330) -> go.Figure:
    """|delta| of one sigmoid output against z, under squared error and under cross-entropy.

    ``curve``: the engine's values over a grid of z; ``point``: at the learner's z (marked).
    Log scale on y: at a saturated unit the two differ by orders of magnitude.
    """
    fig = go.Figure()
    for name, values, color, pv in (
        ("squared error (mse)", curve.delta_mse, SERIES[1], point.delta_mse[0]),
        ("cross-entropy (bce)", curve.delta_bce, SERIES[0], point.delta_bce[0]),
    ):
        fig.add_trace(
            go.Scatter(
                x=curve.z,
                y=np.abs(values),
                mode="lines",
                name=name,
                line={"color": color, "width": 2.5},
                customdata=[num(v) for v in values],
                hovertemplate=f"{name}<br>z = %{{x:.2f}}<br>delta = %{{customdata}}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[point.z[0]],
                y=[abs(pv)],
                mode="markers",
                marker={"color": color, "size": 11, "line": {"color": INK, "width": 1}},
                showlegend=False,
                customdata=[num(pv)],
                hovertemplate=f"{name} at your z<br>z = %{{x:.2f}}<br>delta = %{{customdata}}<extra></extra>",
            )
        )
    fig.add_vline(x=float(point.z[0]), line={"color": "#888", "dash": "dot"})
    fig.update_layout(
        **base_layout(
            height=height,
            title={
                "text": f"Output error signal |delta| vs z (target y = {curve.y:g})",
                "font": {"size": 14},
            },
            legend={"orientation": "h", "y": -0.25, "x": 0},
        )
    )
    fig.update_xaxes(title="pre-activation z of the output unit")
    fig.update_yaxes(title="|delta| = |dL/dz| (log scale)", type="log", exponentformat="e")
    return fig


def _path_label(
    e: WeightExplanation, names: Sequence[Sequence[str]], k: int, weight_names: dict | None
) -> str:
    own = weight_names.get((e.layer + 1, e.j, k)) if weight_names else None
    src, dst = names[e.layer + 1][e.j], names[e.layer + 2][k]
    return f"{own or f'w({src}→{dst})'} · δ({dst})"


def credit_figure(
    e: WeightExplanation,
    names: Sequence[Sequence[str]],
    sample: int = 0,
    weight_names: dict | None = None,
    *,
    scale: float = 1.0,
    height: int | None = None,
) -> go.Figure:
    """Credit assignment for the hidden neuron that ``e``'s parameter feeds: one bar per downstream
    path, its contribution ``w * delta_next`` to ``dL/da`` (sample ``sample``), and their sum.

    ``e.paths`` must not be empty (an output neuron has no downstream paths). ``scale``: ``m``
    to show per-sample deltas (m times the engine's), else 1. Every bar carries its number.
    """
    if not e.paths:
        raise ValueError("an output neuron has no downstream paths to show")
    labels = [_path_label(e, names, p.k, weight_names) for p in e.paths]
    values = [float(p.contribution[sample]) * scale for p in e.paths]
    total = float(sum(values))
    labels.append("sum = dL/da")
    values.append(total)
    vmax = max(abs(v) for v in values) or 1.0
    colors = [line_color(v, vmax) for v in values[:-1]] + [MUTED]
    hover = [
        f"{lab}<br>= {num(p.weight)} × {num(p.delta_next[sample] * scale)}<br>= {num(v)}"
        for lab, p, v in zip(labels, e.paths, values, strict=False)
    ] + [f"dL/da of {names[e.layer + 1][e.j]} = {num(total)}"]
    me = names[e.layer + 1][e.j]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": colors, "line": {"color": INK, "width": 1}},
            text=[short(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.add_vline(x=0, line={"color": "#888", "width": 1})
    fig.update_layout(
        **base_layout(
            height=height or 120 + 38 * len(values),
            title={"text": f"Credit assignment: who blames {me}?", "font": {"size": 14}},
            margin={"l": 10, "r": 60, "t": 50, "b": 40},
            showlegend=False,
        )
    )
    fig.update_xaxes(title="contribution w · δ to dL/da", range=[-1.35 * vmax, 1.35 * vmax], zeroline=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def credit_caption(e: WeightExplanation, names: Sequence[Sequence[str]], sample: int = 0) -> str:
    """One sentence on the bars: do the paths agree or pull in opposite directions?"""
    me = names[e.layer + 1][e.j]
    signs = {np.sign(p.contribution[sample]) for p in e.paths if p.contribution[sample] != 0}
    if len(signs) > 1:
        how = (
            "the paths pull in **opposite directions**: one output wants "
            f"{me}'s activation higher, another lower, and its dL/da is what is left after they "
            "cancel in part"
        )
    else:
        how = "every path pulls the same way, so their shares add up"
    return (
        f"Each bar is one path from {me} to a neuron it feeds: the connecting weight times that neuron's "
        f"delta. Their sum is dL/da of {me}; here {how}."
    )
