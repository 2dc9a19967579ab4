"""Figures of the gradient descent lab's one-weight lessons: the loss curve with its iterates,
the distance to the minimum, the map of learning-rate regimes, and the zero-grad comparison.

Pure functions: engine results in, ``go.Figure`` out. Every point carries its numbers on hover.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backprop_core.accumulate import AccumRun, AccumulationCheck
from backprop_core.descent import TOO_SLOW_SHARE, CriticalRates, WeightRun, loss_curve

from .theme import GREY, SERIES, base_layout, fmt

ITERATE_COLOR = SERIES[1]
CURVE_COLOR = SERIES[0]
# show iterates up to this many starting distances away from the minimum; the rest run off
VIEW_DISTANCES = 3.0
# label the iterates with their step number when there are at most this many
LABELLED_STEPS = 12


def loss_curve_title(run: WeightRun) -> str:
    half = "½" if run.example.loss == "half_sse" else ""
    x, y = float(run.example.X[0, 0]), float(run.example.Y[0, 0])
    return f"L(w) = {half}({fmt(x)}w − {fmt(y)})² with {len(run.steps_taken)} steps of lr = {fmt(run.lr)}"


def visible_range(run: WeightRun) -> tuple[float, float, int]:
    """``(lo, hi, hidden)``: the weight axis range to draw and how many iterates fall outside it."""
    d = run.distances
    d0 = float(d[0])
    limit = max(VIEW_DISTANCES * d0, 0.5)
    shown = d[np.isfinite(d) & (d <= limit)]
    half = max(float(shown.max()) if shown.size else 0.0, 0.5) * 1.15
    hidden = int(np.sum(~(np.isfinite(d) & (d <= limit))))
    return run.w_star - half, run.w_star + half, hidden


def _spaced_labels(weights: np.ndarray, inside: np.ndarray, gap: float) -> list[str]:
    """Step numbers for the visible iterates, leaving out those too close to a labelled one."""
    labels, placed = [], []
    for k, (w, keep) in enumerate(zip(weights, inside, strict=True)):
        if not keep:
            continue
        near = any(abs(w - p) < gap for p in placed)
        labels.append("" if near else str(k))
        if not near:
            placed.append(w)
    return labels


def loss_curve_figure(run: WeightRun) -> go.Figure:
    """The parabola ``L(w)`` with the iterates ``w_0, w_1, ...`` as numbered points joined by arrows."""
    lo, hi, hidden = visible_range(run)
    ws = np.linspace(lo, hi, 241)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ws,
            y=loss_curve(run.example, ws),
            mode="lines",
            name="L(w)",
            line={"color": CURVE_COLOR, "width": 2},
            hovertemplate="w = %{x:.4g}<br>L(w) = %{y:.4g}<extra>loss curve</extra>",
        )
    )
    weights, losses = run.weights, run.losses
    inside = np.isfinite(weights) & (weights >= lo) & (weights <= hi)
    steps = np.arange(len(weights))
    hover = [
        f"step {k}<br>w<sub>{k}</sub> = {fmt(w, 6)}<br>L = {fmt(L, 6)}<br>dL/dw = {fmt(g, 6)}"
        for k, w, L, g in zip(steps, weights, losses, run.grads, strict=True)
    ]
    label = len(weights) <= LABELLED_STEPS + 1
    texts = _spaced_labels(weights, inside, 0.04 * (hi - lo)) if label else None
    fig.add_trace(
        go.Scatter(
            x=weights[inside],
            y=losses[inside],
            mode="markers+text" if label else "markers",
            text=texts,
            textposition="top center",
            name="iterates w₀, w₁, …",
            marker={"color": ITERATE_COLOR, "size": 9, "line": {"color": "white", "width": 1}},
            hovertext=[h for h, keep in zip(hover, inside, strict=True) if keep],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[run.w_star],
            y=[0.0],
            mode="markers",
            name=f"minimum w* = {fmt(run.w_star)}",
            marker={"symbol": "star", "size": 14, "color": "black"},
            hovertemplate=f"minimum: w* = {fmt(run.w_star, 6)}, L = 0<extra></extra>",
        )
    )
    for k in range(len(weights) - 1):
        if inside[k] and inside[k + 1]:
            fig.add_annotation(
                x=weights[k + 1],
                y=losses[k + 1],
                ax=weights[k],
                ay=losses[k],
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                arrowsize=1.2,
                arrowwidth=1.5,
                arrowcolor=ITERATE_COLOR,
                opacity=0.8,
                text="",
            )
    if hidden:
        far = weights[np.isfinite(weights)]
        reach = fmt(float(np.max(np.abs(far)))) if far.size else "∞"
        fig.add_annotation(
            x=0.5,
            y=1.0,
            xref="paper",
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=f"{hidden} iterate(s) lie outside this view (|w| reaches {reach})",
            font={"color": SERIES[1]},
        )
    fig.update_layout(
        **base_layout(
            title={"text": loss_curve_title(run)},
            height=420,
            legend={"orientation": "h", "y": -0.2},
            margin={"l": 60, "r": 20, "t": 70, "b": 40},
        )
    )
    fig.update_xaxes(title_text="weight w", range=[lo, hi])
    fig.update_yaxes(title_text="loss L(w)", rangemode="tozero")
    return fig


def distance_figure(run: WeightRun) -> go.Figure:
    """``|w_k - w*| / |w_0 - w*|`` per step on a log axis, with the 1% "too slow" line."""
    d = run.distances
    share = d / d[0] if d[0] > 0 else np.zeros_like(d)
    # a log axis cannot show an exact 0 (one-step rate): draw it at 1e-16 and say so on hover
    floor = 1e-16
    shown = np.where(share > floor, share, floor)
    hover = [f"step {k}: {fmt(s * 100, 4)}% of the starting distance" for k, s in enumerate(share)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=np.arange(len(share)),
            y=shown,
            mode="lines+markers",
            name="distance left",
            line={"color": ITERATE_COLOR},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.add_hline(y=TOO_SLOW_SHARE, line={"dash": "dash", "color": "black", "width": 1})
    # annotations on a log axis take log10 of the value
    fig.add_annotation(
        x=0,
        xref="paper",
        xanchor="left",
        y=np.log10(TOO_SLOW_SHARE),
        yanchor="top",
        text="1%: below this line counts as arrived",
        showarrow=False,
    )
    fig.update_layout(
        **base_layout(
            title={"text": "Distance left to the minimum (share of the start)"},
            height=320,
            showlegend=False,
        )
    )
    fig.update_xaxes(title_text="step k", rangemode="tozero")
    fig.update_yaxes(title_text="|w_k − w*| / |w_0 − w*|", type="log", exponentformat="power", dtick=1)
    return fig


def regime_strip_figure(rates: CriticalRates, lr: float) -> go.Figure:
    """The learning-rate axis from 0 to ``2.5 * 2/L''`` cut into regimes at ``1/L''`` and ``2/L''``.

    A linear axis gives the three regimes room side by side; a rate beyond the right edge is
    drawn at the edge with an arrow and its value.
    """
    one, two = rates.one_step, rates.bounce
    hi = 2.5 * two
    bands = (
        (0.0, one, "#d9ecf7", f"approach from one side<br>lr < {fmt(one)}"),
        (one, two, "#fde7c8", f"oscillate inward<br>{fmt(one)} < lr < {fmt(two)}"),
        (two, hi, "#f6d0d0", f"diverge<br>lr > {fmt(two)}"),
    )
    fig = go.Figure()
    for a, b, colour, text in bands:
        fig.add_vrect(x0=a, x1=b, fillcolor=colour, line_width=0, layer="below")
        fig.add_annotation(x=(a + b) / 2, y=0.6, text=text, showarrow=False, font={"size": 12})
    for x, text, side in (
        (one, f"one step: 1/L'' = {fmt(one)}", "right"),
        (two, f"bounce: 2/L'' = {fmt(two)}", "left"),
    ):
        fig.add_vline(x=x, line={"color": "black", "width": 2})
        fig.add_annotation(
            x=x,
            y=1.0,
            text=text,
            showarrow=False,
            yanchor="bottom",
            xanchor=side,
            xshift=-4 if side == "right" else 4,
        )
    off = lr > hi
    shown = min(lr, hi)
    fig.add_trace(
        go.Scatter(
            x=[shown],
            y=[0.15],
            mode="markers+text",
            text=[f"your lr = {fmt(lr)}" + (" (off the scale →)" if off else "")],
            textposition="middle left" if shown > 0.6 * hi else "middle right",
            marker={"symbol": "triangle-right" if off else "triangle-up", "size": 16, "color": "black"},
            hovertemplate=f"lr = {fmt(lr, 6)}<br>lr · L'' = {fmt(lr * rates.curvature, 6)}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        **base_layout(
            title={"text": f"Learning-rate regimes for curvature L'' = {fmt(rates.curvature)}"},
            height=230,
            margin={"l": 40, "r": 30, "t": 85, "b": 45},
        )
    )
    fig.update_xaxes(title_text="learning rate lr", range=[0, hi], tickformat=".3~g")
    fig.update_yaxes(visible=False, range=[0, 1])
    return fig


def zero_grad_figure(good: AccumRun, bad: AccumRun, forget: bool, w_star: float) -> go.Figure:
    """Stored gradient, weight and loss per step for the loop with and without ``zero_grad()``.

    The run the learner chose (``forget``: without resets) is drawn solid, the other dashed.
    """
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("stored gradient .grad", "weight w (before the step)", "loss L"),
        horizontal_spacing=0.08,
    )
    runs = (
        (good, "with zero_grad()", SERIES[0], not forget),
        (bad, "without zero_grad()", SERIES[1], forget),
    )
    for run, name, colour, chosen in runs:
        s = run.series()
        k = np.arange(1, len(s["w"]) + 1)
        style = {"color": colour, "width": 3 if chosen else 1.5, "dash": "solid" if chosen else "dash"}
        for col, key in ((1, "stored"), (2, "w"), (3, "loss")):
            fig.add_trace(
                go.Scatter(
                    x=k,
                    y=s[key],
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line=style,
                    marker={"size": 6 if chosen else 4},
                    opacity=1.0 if chosen else 0.6,
                    hovertemplate=f"{name}<br>step %{{x}}: {key} = %{{y:.6g}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.add_hline(y=w_star, line={"dash": "dot", "color": "black"}, row=1, col=2)
    fig.add_annotation(
        x=1,
        xref="x2 domain",
        y=w_star,
        text=f"w* = {fmt(w_star)}",
        showarrow=False,
        yshift=9,
        xanchor="right",
    )
    fig.add_hline(y=0, line={"color": GREY}, row=1, col=1)
    fig.update_layout(
        **base_layout(
            title={"text": "The same training with and without resetting the gradients"},
            height=380,
            legend={"orientation": "h", "y": -0.25},
            margin={"l": 50, "r": 20, "t": 80, "b": 60},
        )
    )
    for col in (1, 2, 3):
        fig.update_xaxes(title_text="step", row=1, col=col)
    fig.update_yaxes(title_text="dL/dw stored", row=1, col=1)
    fig.update_yaxes(title_text="w", row=1, col=2)
    fig.update_yaxes(title_text="L", row=1, col=3)
    return fig


def accumulation_figure(
    check: AccumulationCheck, names: Sequence[tuple[str, int, int, int | None]]
) -> go.Figure:
    """Each mini-batch's share-scaled gradient stacked per parameter, next to the full-batch gradient.

    ``names``: ``(label, layer, j, i)`` per parameter to show; ``i is None`` marks the bias
    ``b[layer][j]``, otherwise the weight ``W[layer][i, j]``.
    """

    def pick(
        grads_W: Sequence[np.ndarray], grads_b: Sequence[np.ndarray], layer: int, j: int, i: int | None
    ) -> float:
        return float(grads_b[layer][j] if i is None else grads_W[layer][i, j])

    full = [pick(check.full.dW, check.full.db, layer, j, i) for _, layer, j, i in names]
    labels = [f"{n[0]} = {fmt(v, 6)}" for n, v in zip(names, full, strict=True)]
    fig = go.Figure()
    for b, (idx, share, g) in enumerate(zip(check.batches, check.shares, check.grads, strict=True)):
        values = [share * pick(g.dW, g.db, layer, j, i) for _, layer, j, i in names]
        raw = [pick(g.dW, g.db, layer, j, i) for _, layer, j, i in names]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                orientation="h",
                name=f"batch {b + 1}",
                marker={"color": SERIES[b % len(SERIES)], "line": {"color": "white", "width": 1}},
                customdata=np.column_stack([raw, np.full(len(raw), share)]),
                hovertemplate=(
                    f"batch {b + 1} ({len(idx)} samples)<br>%{{y}}: batch gradient %{{customdata[0]:.6g}}"
                    "<br>× share %{customdata[1]:.4g} = %{x:.6g}<extra></extra>"
                ),
                showlegend=check.k <= 8,
            )
        )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=full,
            mode="markers",
            name="full-batch gradient",
            marker={"symbol": "diamond", "size": 14, "color": "black"},
            hovertemplate="full batch: %{y} = %{x:.12g}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": GREY})
    fig.update_layout(
        **base_layout(
            title={
                "text": f"{check.k} mini-batch gradients × their shares add up to the full-batch gradient"
            },
            barmode="relative",
            height=300,
            legend={"orientation": "h", "y": -0.35},
            margin={"l": 70, "r": 20, "t": 60, "b": 50},
        )
    )
    fig.update_xaxes(title_text="gradient (sum of share × batch gradient)")
    fig.update_yaxes(title_text="parameter", autorange="reversed")
    return fig
