"""Figures of the gradient descent lab's one-weight lessons: the loss curve with its iterates,
the distance to the minimum, the map of learning-rate regimes, and the zero-grad comparison.

Pure functions: engine results in, ``go.Figure`` out. Every point carries its numbers on hover.
Each figure is built in one go (traces, shapes and annotations handed to ``go.Figure`` together):
Plotly's ``add_annotation``/``add_hline`` re-validate the whole layout on every call, which made a
50-arrow chart take half a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from labs.descent.model import TOO_SLOW_SHARE, CriticalRates, WeightRun, loss_curve
from labs.descent.model_accumulate import AccumRun, AccumulationCheck
from viz.format import fmt
from viz.theme import INK, MUTED, SERIES, TEXT_ON_LIGHT, base_layout

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


def _axis(title: str, **extra: object) -> dict:
    return {"title": {"text": title}, **extra}


def loss_curve_figure(run: WeightRun) -> go.Figure:
    """The parabola ``L(w)`` with the iterates ``w_0, w_1, ...`` as numbered points joined by arrows."""
    lo, hi, hidden = visible_range(run)
    ws = np.linspace(lo, hi, 241)
    weights, losses = run.weights, run.losses
    inside = np.isfinite(weights) & (weights >= lo) & (weights <= hi)
    steps = np.arange(len(weights))
    hover = [
        f"step {k}<br>w<sub>{k}</sub> = {fmt(w, 6)}<br>L = {fmt(L, 6)}<br>dL/dw = {fmt(g, 6)}"
        for k, w, L, g in zip(steps, weights, losses, run.grads, strict=True)
    ]
    label = len(weights) <= LABELLED_STEPS + 1
    traces = [
        go.Scatter(
            x=ws,
            y=loss_curve(run.example, ws),
            mode="lines",
            name="L(w)",
            line={"color": CURVE_COLOR, "width": 2},
            hovertemplate="w = %{x:.4g}<br>L(w) = %{y:.4g}<extra>loss curve</extra>",
        ),
        go.Scatter(
            x=weights[inside],
            y=losses[inside],
            mode="markers+text" if label else "markers",
            text=_spaced_labels(weights, inside, 0.04 * (hi - lo)) if label else None,
            textposition="top center",
            name="iterates w₀, w₁, …",
            marker={"color": ITERATE_COLOR, "size": 9, "line": {"color": "white", "width": 1}},
            hovertext=[h for h, keep in zip(hover, inside, strict=True) if keep],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        go.Scatter(
            x=[run.w_star],
            y=[0.0],
            mode="markers",
            name=f"minimum w* = {fmt(run.w_star)}",
            marker={"symbol": "star", "size": 14, "color": INK},
            hovertemplate=f"minimum: w* = {fmt(run.w_star, 6)}, L = 0<extra></extra>",
        ),
    ]
    arrow = {
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": 1.5,
        "arrowcolor": ITERATE_COLOR,
        "opacity": 0.8,
        "text": "",
    }
    annotations = [
        {"x": weights[k + 1], "y": losses[k + 1], "ax": weights[k], "ay": losses[k], **arrow}
        for k in range(len(weights) - 1)
        if inside[k] and inside[k + 1]
    ]
    if hidden:
        far = weights[np.isfinite(weights)]
        reach = fmt(float(np.max(np.abs(far)))) if far.size else "∞"
        annotations.append(
            {
                "x": 0.5,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "text": f"{hidden} iterate(s) lie outside this view (|w| reaches {reach})",
                "font": {"color": SERIES[1]},
            }
        )
    layout = base_layout(
        title={"text": loss_curve_title(run)},
        height=330,
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        annotations=annotations,
        xaxis=_axis("weight w", range=[lo, hi]),
        yaxis=_axis("loss L(w)", rangemode="tozero"),
    )
    return go.Figure(data=traces, layout=layout)


def distance_figure(run: WeightRun) -> go.Figure:
    """``|w_k - w*| / |w_0 - w*|`` per step on a log axis, with the 1% "too slow" line."""
    d = run.distances
    share = d / d[0] if d[0] > 0 else np.zeros_like(d)
    # a log axis cannot show an exact 0 (one-step rate): draw it at 1e-16 and say so on hover
    shown = np.where(share > 1e-16, share, 1e-16)
    hover = [f"step {k}: {fmt(s * 100, 4)}% of the starting distance" for k, s in enumerate(share)]
    trace = go.Scatter(
        x=np.arange(len(share)),
        y=shown,
        mode="lines+markers",
        name="distance left",
        line={"color": ITERATE_COLOR},
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
    )
    layout = base_layout(
        # two lines: the chart shares a row with the loss curve, where one line was cut off
        title={"text": "Distance left to the minimum<br>(share of the start)"},
        height=330,
        margin={"l": 50, "r": 20, "t": 70, "b": 45},
        showlegend=False,
        shapes=[_hline(TOO_SLOW_SHARE, INK, "dash")],
        # annotations on a log axis take log10 of the value
        annotations=[
            {
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": np.log10(TOO_SLOW_SHARE),
                "yanchor": "top",
                "text": "1%",
                "showarrow": False,
            }
        ],
        xaxis=_axis("step k", rangemode="tozero"),
        yaxis=_axis("|w_k − w*| / |w_0 − w*|", type="log", exponentformat="power", dtick=_decade_step(shown)),
    )
    return go.Figure(data=[trace], layout=layout)


def _decade_step(values: np.ndarray) -> int:
    """Tick every 1, 2, 5, ... decades so that a log axis shows about six labels."""
    finite = values[np.isfinite(values) & (values > 0)]
    span = float(np.log10(finite.max() / finite.min())) if finite.size else 1.0
    return next(step for step in (1, 2, 5, 10, 20, 50, 100) if span / step <= 7) if span <= 700 else 100


def _hline(y: float, colour: str, dash: str = "solid", axis: str = "") -> dict:
    """A horizontal line across a (sub)plot at ``y``; ``axis`` is "" or "2", "3" for subplots."""
    return {
        "type": "line",
        "xref": f"x{axis} domain",
        "x0": 0,
        "x1": 1,
        "yref": f"y{axis}",
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": dash, "width": 1.5},
    }


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
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": a,
            "x1": b,
            "y0": 0,
            "y1": 1,
            "fillcolor": colour,
        }
        | {"line": {"width": 0}, "layer": "below"}
        for a, b, colour, _ in bands
    ]
    annotations = [
        # dark text on the pale bands, in the dark theme too
        {"x": (a + b) / 2, "y": 0.6, "text": text, "showarrow": False}
        | {"font": {"size": 12, "color": TEXT_ON_LIGHT}}
        for a, b, _, text in bands
    ]
    for x, text, side in (
        (one, f"one step: 1/L'' = {fmt(one)}", "right"),
        (two, f"bounce: 2/L'' = {fmt(two)}", "left"),
    ):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1})
        shapes[-1]["line"] = {"color": INK, "width": 2}
        annotations.append(
            {"x": x, "y": 1.0, "text": text, "showarrow": False, "yanchor": "bottom", "xanchor": side}
            | {"xshift": -4 if side == "right" else 4}
        )
    off = lr > hi
    shown = min(lr, hi)
    marker = go.Scatter(
        x=[shown],
        y=[0.15],
        mode="markers+text",
        text=[f"your lr = {fmt(lr)}" + (" (off the scale →)" if off else "")],
        textposition="middle left" if shown > 0.6 * hi else "middle right",
        textfont={"color": TEXT_ON_LIGHT},
        # black on the pale bands; the white rim keeps it visible where it sits on the dark page
        marker={
            "symbol": "triangle-right" if off else "triangle-up",
            "size": 16,
            "color": "black",
            "line": {"color": "white", "width": 1.5},
        },
        hovertemplate=f"lr = {fmt(lr, 6)}<br>lr · L'' = {fmt(lr * rates.curvature, 6)}<extra></extra>",
        showlegend=False,
    )
    layout = base_layout(
        title={"text": f"Learning-rate regimes for curvature L'' = {fmt(rates.curvature)}"},
        height=185,
        margin={"l": 40, "r": 30, "t": 70, "b": 40},
        shapes=shapes,
        annotations=annotations,
        xaxis=_axis("learning rate lr", range=[0, hi], tickformat=".3~g"),
        yaxis={"visible": False, "range": [0, 1]},
    )
    return go.Figure(data=[marker], layout=layout)


# a span below this share of the values' size is drawn flat: rounding noise around a constant (a
# wider span gets Plotly's own ticks, which then need at most about 7 significant digits)
FLAT_SHARE = 1e-6


def steady_range(values: np.ndarray) -> list[float] | None:
    """An axis range that shows a constant (up to rounding) series as a flat line, else ``None``.

    Plotly stretches any span to the full height, so ``4 ± 1e-14`` would be drawn as a wild
    oscillation between "3.9999999999999907" and "4.0000000000000107". A span below
    ``FLAT_SHARE`` of the values' size gets a range of ±10% around their middle (±1 around 0), whose
    ticks are short ("3.8", "4", "4.2").
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    lo, hi = float(v.min()), float(v.max())
    size = max(abs(lo), abs(hi))
    if hi - lo > FLAT_SHARE * size and size > 0:
        return None
    mid = (lo + hi) / 2
    pad = 0.1 * abs(mid) if mid != 0 else 1.0
    return [mid - pad, mid + pad]


# three side-by-side panels: x-axis domains of the zero-grad figure
PANELS = ((0.0, 0.28), (0.36, 0.64), (0.72, 1.0))


def zero_grad_figure(good: AccumRun, bad: AccumRun, forget: bool, w_star: float) -> go.Figure:
    """Stored gradient, weight and loss per step for the loop with and without ``zero_grad()``.

    The run the learner chose (``forget``: without resets) is drawn solid, the other dashed.
    """
    panels = (("stored", "stored gradient .grad", "dL/dw stored"), ("w", "weight w (before the step)", "w"))
    panels += (("loss", "loss L", "L"),)
    runs = (
        (good, "with zero_grad()", SERIES[0], not forget),
        (bad, "without zero_grad()", SERIES[1], forget),
    )
    traces = []
    for run, name, colour, chosen in runs:
        s = run.series()
        k = np.arange(1, len(s["w"]) + 1)
        style = {"color": colour, "width": 3 if chosen else 1.5, "dash": "solid" if chosen else "dash"}
        for p, (key, _, _) in enumerate(panels):
            axis = "" if p == 0 else str(p + 1)
            traces.append(
                go.Scatter(
                    x=k,
                    y=s[key],
                    xaxis=f"x{axis}",
                    yaxis=f"y{axis}",
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=p == 0,
                    line=style,
                    marker={"size": 6 if chosen else 4},
                    hovertemplate=f"{name}<br>step %{{x}}: {key} = %{{y:.6g}}<extra></extra>",
                )
            )
    axes: dict[str, dict] = {}
    annotations = []
    for p, (domain, (key, title, ytitle)) in enumerate(zip(PANELS, panels, strict=True)):
        axis = "" if p == 0 else str(p + 1)
        axes[f"xaxis{axis}"] = _axis("step", domain=list(domain), anchor=f"y{axis}")
        shown = np.concatenate([good.series()[key], bad.series()[key]])
        flat = steady_range(shown)
        axes[f"yaxis{axis}"] = _axis(ytitle, anchor=f"x{axis}", **({"range": flat} if flat else {}))
        annotations.append(
            {"x": sum(domain) / 2, "y": 1.0, "xref": "paper", "yref": "paper", "text": title}
            | {"showarrow": False, "yanchor": "bottom", "font": {"size": 14}}
        )
    annotations.append(
        {"x": 1, "xref": "x2 domain", "y": w_star, "yref": "y2", "text": f"w* = {fmt(w_star)}"}
        | {"showarrow": False, "yshift": 9, "xanchor": "right"}
    )
    layout = base_layout(
        title={"text": "The same training with and without resetting the gradients"},
        height=310,
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 50, "r": 20, "t": 80, "b": 60},
        shapes=[_hline(0.0, MUTED), _hline(w_star, INK, "dot", "2")],
        annotations=annotations,
        **axes,
    )
    return go.Figure(data=traces, layout=layout)


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
    traces = []
    for b, (idx, share, g) in enumerate(zip(check.batches, check.shares, check.grads, strict=True)):
        raw = [pick(g.dW, g.db, layer, j, i) for _, layer, j, i in names]
        traces.append(
            go.Bar(
                y=labels,
                x=[share * r for r in raw],
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
    traces.append(
        go.Scatter(
            y=labels,
            x=full,
            mode="markers",
            name="full-batch gradient",
            marker={"symbol": "diamond", "size": 14, "color": INK},
            hovertemplate="full batch: %{x:.12g}<extra></extra>",
        )
    )
    zero = {"type": "line", "xref": "x", "yref": "paper", "x0": 0, "x1": 0, "y0": 0, "y1": 1}
    layout = base_layout(
        title={"text": f"{check.k} mini-batch gradients × their shares add up to the full-batch gradient"},
        barmode="relative",
        height=300,
        legend={"orientation": "h", "y": -0.35},
        # room for the tick labels ("dL/db = 0.0952165") and the axis title beside them
        margin={"l": 150, "r": 20, "t": 60, "b": 50},
        shapes=[zero | {"line": {"color": MUTED}}],
        xaxis=_axis("gradient (sum of share × batch gradient)"),
        yaxis=_axis("parameter (full-batch value)", autorange="reversed"),
    )
    return go.Figure(data=traces, layout=layout)
