"""The BPTT lab's figures: pure functions from the model's results to Plotly figures (never streamlit).

Every colour carries its number (on the node, in a cell or on hover); signed matrices use the one
diverging scale centred at zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from backprop_core.rnn import BPTTTrace
from viz.format import fmt
from viz.theme import DIVERGING, HIGHLIGHT, MUTED, SERIES, TEXT_ON_LIGHT, base_layout, symmetric_range

from .model import Reach, Run, TruncationPoint

MAX_SHOWN_UNITS = 3  # an h_t node lists this many of its units; hover lists them all
BACKWARD_COLOUR = "#D55E00"


def column_text(v: np.ndarray, digits: int = 3) -> str:
    """The first ``MAX_SHOWN_UNITS`` values of ``v``, one per line (for a node label)."""
    lines = [fmt(float(x), digits) for x in v[:MAX_SHOWN_UNITS]]
    return "<br>".join(lines + (["…"] if len(v) > MAX_SHOWN_UNITS else []))


def vector_text(v: np.ndarray, digits: int = 3) -> str:
    """``[0.12, -0.4, …]``: the first ``MAX_SHOWN_UNITS`` values of ``v``."""
    shown = ", ".join(fmt(float(x), digits) for x in v[:MAX_SHOWN_UNITS])
    return f"[{shown}{', …' if len(v) > MAX_SHOWN_UNITS else ''}]"


def unrolled_figure(trace: BPTTTrace, sample: int = 0, reached: int | None = None) -> go.Figure:
    """The network unrolled over time for one sequence: x_t (bottom), h_t, o_t (top), left to right.

    ``reached``: the backward pass has come back to this step (0-based); the deltas from the last
    step down to it are written under their h_t.
    """
    T = trace.X.shape[1]
    x, h = trace.X[sample], trace.h[sample]
    o = trace.o[sample] if trace.every_step else None
    t_axis = np.arange(1, T + 1)
    yx, yd, yh, yo = 0.0, 0.8, 1.7, 2.7  # rows: inputs, deltas, hidden states, outputs
    fig = go.Figure()
    # arrows: one trace per weight kind (None-separated segments); Wh is the same matrix on every arrow
    for lo, hi, label, colour in ((yx, yh, "Wx", SERIES[2]), (yh, yo, "Wy", SERIES[3])):
        xs, ys = [], []
        for t in t_axis:
            if hi == yo and o is None and t != T:
                continue
            xs += [t, t, None]
            ys += [lo + 0.2, hi - 0.35, None]
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", line={"color": colour, "width": 2}, name=label, hoverinfo="skip"
            )
        )
    xs, ys = [], []
    for t in t_axis:
        xs += [t - 1 + 0.3 if t > 1 else 0.3, t - 0.3, None]
        ys += [yh, yh, None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": SERIES[0], "width": 3},
            name="Wh (the same matrix on every arrow)",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=t_axis - 0.5,
            y=np.full(T, yh + 0.12),
            mode="text",
            text=["Wh"] * T,
            textfont={"color": SERIES[0], "size": 11},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_annotation(x=0.15, y=yh, text="h₀ = 0", showarrow=False, xanchor="right")
    fig.add_trace(
        go.Scatter(
            x=t_axis,
            y=np.full(T, yx),
            mode="markers+text",
            marker={"size": 30, "color": "#e8f3e8", "symbol": "square"},
            text=[f"x{t} = {vector_text(x[t - 1])}" for t in t_axis],
            textposition="bottom center",
            hovertext=[f"x_{t} = {vector_text(x[t - 1], 6)}" for t in t_axis],
            hoverinfo="text",
            name="inputs x_t",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=t_axis,
            y=np.full(T, yh),
            mode="markers+text",
            marker={"size": 64, "color": "#dceaf7", "symbol": "square"},
            text=[f"<b>h{t}</b><br>{column_text(h[t - 1])}" for t in t_axis],
            textposition="middle center",
            # dark text inside the pale box, in the dark theme too
            textfont={"size": 10, "color": TEXT_ON_LIGHT},
            hovertext=[
                f"h_{t} = f(z_{t})<br>z_{t} = {vector_text(trace.z[sample, t - 1], 6)}<br>"
                f"h_{t} = {', '.join(fmt(float(v), 6) for v in h[t - 1])}"
                for t in t_axis
            ],
            hoverinfo="text",
            name="hidden states h_t",
        )
    )
    o_steps = t_axis if o is not None else np.array([T])
    o_vals = [o[t - 1] for t in o_steps] if o is not None else [trace.o[sample]]
    y_vals = [trace.Y[sample, t - 1] for t in o_steps] if o is not None else [trace.Y[sample]]
    fig.add_trace(
        go.Scatter(
            x=o_steps,
            y=np.full(len(o_steps), yo),
            mode="markers+text",
            marker={"size": 30, "color": "#f7e8dc", "symbol": "square"},
            text=[
                f"o{t} = {vector_text(v)}<br>target {vector_text(y)}"
                for t, v, y in zip(o_steps, o_vals, y_vals, strict=True)
            ],
            textposition="top center",
            textfont={"size": 10},
            hoverinfo="text",
            hovertext=[
                f"o_{t} = {vector_text(v, 6)}, target {vector_text(y, 6)}"
                for t, v, y in zip(o_steps, o_vals, y_vals, strict=True)
            ],
            name="outputs o_t (with a loss)",
        )
    )
    if reached is not None:
        steps = np.arange(reached, T)
        d = trace.delta[sample]
        fig.add_trace(
            go.Scatter(
                x=steps + 1.08,
                y=np.full(len(steps), yd),
                mode="text",
                name="delta_t (backward pass)",
                text=[f"<b>δ{t + 1}</b><br>{column_text(d[t])}" for t in steps],
                textposition="middle right",
                textfont={"color": BACKWARD_COLOUR, "size": 10},
                hovertext=[f"delta_{t + 1} = {', '.join(fmt(float(v), 6) for v in d[t])}" for t in steps],
                hoverinfo="text",
            )
        )
        fig.add_vrect(x0=reached + 0.55, x1=reached + 1.45, fillcolor=HIGHLIGHT, opacity=0.15, line_width=0)
    fig.update_layout(
        **base_layout(
            height=390,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            xaxis={"range": [-0.3, T + 0.7], "dtick": 1, "title": "time step t", "zeroline": False},
            yaxis={"range": [-0.6, 3.5], "visible": False},
            title=f"The network unrolled over T = {T} steps (sequence 1 of the batch)",
        )
    )
    return fig


def delta_norm_figure(reaches: Sequence[Reach], title: str) -> go.Figure:
    """||delta_t|| over t on a log scale, one line per (activation, spectral radius)."""
    fig = go.Figure()
    for i, r in enumerate(reaches):
        t = np.arange(1, len(r.norms) + 1)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=np.where(r.norms > 0, r.norms, np.nan),
                mode="lines+markers",
                name=f"{r.activation}, spectral radius {fmt(r.radius, 3)}",
                line={"color": SERIES[i % len(SERIES)]},
                hovertemplate="t = %{x}<br>||delta_t|| = %{y:.4g}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            height=260,
            title=title,
            xaxis={"title": "time step t (the loss is at the last step)", "dtick": 5},
            yaxis={"title": "||delta_t|| (log scale)", "type": "log", "exponentformat": "power"},
            legend={"orientation": "h", "y": -0.25},
        )
    )
    return fig


def truncation_figure(points: Sequence[TruncationPoint], T: int) -> go.Figure:
    """Cosine similarity and norm ratio of the truncated against the full gradient, over k."""
    ks = [p.k for p in points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ks,
            y=[p.cosine for p in points],
            mode="lines+markers",
            name="cosine similarity",
            line={"color": SERIES[0]},
            hovertemplate="k = %{x}<br>cosine = %{y:.6f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ks,
            y=[p.norm_ratio for p in points],
            mode="lines+markers",
            name="norm ratio ||truncated|| / ||full||",
            line={"color": SERIES[1], "dash": "dot"},
            hovertemplate="k = %{x}<br>norm ratio = %{y:.6f}<extra></extra>",
        )
    )
    fig.update_layout(
        **base_layout(
            height=260,
            title=f"Truncated against full gradient (all parameters, T = {T}; k = {T} is full BPTT)",
            xaxis={"title": "k: steps the error may travel back", "type": "log", "tickvals": ks},
            yaxis={"title": "value"},
            legend={"orientation": "h", "y": -0.25},
        )
    )
    return fig


def runs_figure(
    runs: Mapping[object, Run], label: str, every: int, acc_steps: Sequence[int] | None = None
) -> go.Figure:
    """Loss (left) of several runs over updates, and their held-out accuracy (right).

    The accuracies were measured every ``every`` updates (and after the last), or after the
    updates listed in ``acc_steps``.
    """
    fig = go.Figure()
    for i, (key, run) in enumerate(runs.items()):
        c = SERIES[i % len(SERIES)]
        fig.add_trace(
            go.Scatter(
                y=run.losses,
                mode="lines",
                name=f"{label} {key}: loss",
                line={"color": c},
                hovertemplate="update %{x}<br>loss %{y:.4g}<extra></extra>",
            )
        )
        steps = acc_steps or [min((j + 1) * every, len(run.losses)) for j in range(len(run.accuracies))]
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=run.accuracies,
                mode="markers",
                yaxis="y2",
                marker={"color": c},
                name=f"{label} {key}: held-out accuracy",
                hovertemplate="after %{x} updates<br>accuracy %{y:.3f}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            height=260,
            xaxis={"title": "update"},
            yaxis={"title": "training loss (log)", "type": "log"},
            yaxis2={"title": "held-out accuracy", "overlaying": "y", "side": "right", "range": [0, 1.05]},
            legend={"orientation": "h", "y": -0.3},
        )
    )
    return fig


def accuracy_T_figure(runs: Mapping[int, Run], radius: float) -> go.Figure:
    """Held-out accuracy of the remember task against the sequence length T."""
    Ts = list(runs)
    acc = [r.accuracies[-1] if r.accuracies else float("nan") for r in runs.values()]
    fig = go.Figure(
        go.Bar(
            x=[str(t) for t in Ts],
            y=acc,
            text=[fmt(a, 3) for a in acc],
            marker={"color": SERIES[0]},
            hovertemplate="T = %{x}<br>accuracy %{y:.3f}<extra></extra>",
            name="accuracy",
        )
    )
    fig.add_hline(y=0.5, line_dash="dash", annotation_text="chance (0.5)", line_color=MUTED)
    fig.update_layout(
        **base_layout(
            height=260,
            title=f"Remember the first input: held-out accuracy after training (radius {fmt(radius, 3)})",
            xaxis={"title": "sequence length T"},
            yaxis={"title": "accuracy", "range": [0, 1.05]},
        )
    )
    return fig


def matrix_figure(M: np.ndarray, title: str, vmax: float | None = None) -> go.Figure:
    """A small signed matrix (rows: from unit i of h_{t-1}, columns: to unit j) with its numbers."""
    vmax = vmax or symmetric_range(M)
    n, k = M.shape
    fig = go.Figure(
        go.Heatmap(
            z=M,
            x=[f"to {j + 1}" for j in range(k)],
            y=[f"from {i + 1}" for i in range(n)],
            colorscale=DIVERGING,
            zmid=0,
            zmin=-vmax,
            zmax=vmax,
            text=[[fmt(float(v), 3) for v in row] for row in M],
            texttemplate="%{text}",
            hovertemplate="%{y}, %{x}: %{z:.6g}<extra></extra>",
        )
    )
    fig.update_layout(**base_layout(height=120 + 36 * n, title=title, yaxis={"autorange": "reversed"}))
    return fig


def contributions_figure(steps: np.ndarray, upto: int) -> go.Figure:
    """||h_{t-1}^T delta_t|| per step (the contributions to dWh) and their running sum's norm."""
    T = len(steps)
    norms = np.sqrt(np.sum(steps**2, axis=(1, 2)))
    running = np.sqrt(np.sum(np.cumsum(steps[::-1], axis=0) ** 2, axis=(1, 2)))[::-1]
    colours = [BACKWARD_COLOUR if t >= upto else "#cccccc" for t in range(T)]
    fig = go.Figure(
        go.Bar(
            x=np.arange(1, T + 1),
            y=norms,
            marker={"color": colours},
            name="||contribution of step t||",
            hovertemplate="t = %{x}<br>||h_{t-1}^T delta_t|| = %{y:.4g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=np.arange(upto + 1, T + 1),
            y=running[upto:],
            mode="lines+markers",
            name="||running sum from the last step back to t||",
            line={"color": SERIES[0]},
            hovertemplate="t = %{x}<br>||sum|| = %{y:.4g}<extra></extra>",
        )
    )
    fig.update_layout(
        **base_layout(
            height=280,
            xaxis={"title": "time step t", "dtick": 1 if T <= 20 else 5},
            yaxis={"title": "Frobenius norm"},
            legend={"orientation": "h", "y": -0.3},
            title="dWh = the sum of one contribution per step",
        )
    )
    return fig
