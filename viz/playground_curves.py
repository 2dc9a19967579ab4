"""Curves over training time: the loss (train and test, with accuracy) and the gradient flow per layer.

The x axis is the iteration (one update of the weights). Long runs are drawn from at most
``MAX_POINTS`` evenly spread records (always including the newest), which keeps every redraw
during Play small. A dashed vertical line marks the moment the other views show.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from backprop_core.playground_run import Run

from .theme import SERIES, base_layout

MAX_POINTS = 600
TRAIN, TEST = SERIES[0], SERIES[1]


def _spread(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """At most ``limit`` indices from ``range(n)``, evenly spread, always with the first and last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def _series(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def loss_columns(run: Run) -> dict[str, np.ndarray]:
    """The curves' data: iteration 0 (the starting network) and every kept record, thinned for drawing."""
    m = run.initial
    recs = run.records
    idx = _spread(len(recs) + 1)
    cols = {
        "iteration": [0, *(r.iteration for r in recs)],
        "epoch": [0.0, *(r.epoch for r in recs)],
        "train_loss": [m.train_loss, *(r.train_loss for r in recs)],
        "test_loss": [m.test_loss, *(r.test_loss for r in recs)],
        "train_acc": [m.train_acc, *(r.train_acc for r in recs)],
        "test_acc": [m.test_acc, *(r.test_acc for r in recs)],
    }
    return {name: _series(values)[idx] for name, values in cols.items()}


def loss_figure(
    run: Run,
    *,
    marker: int | None = None,
    log_y: bool = False,
    title: str = "",
    height: int = 430,
) -> go.Figure:
    """Train and test loss against the iteration; accuracy (if defined) on a right-hand axis 0-1."""
    cols = loss_columns(run)
    it = cols["iteration"]
    # a line needs two points: show markers while the run is short
    mode = "lines+markers" if len(it) < 30 else "lines"
    fig = go.Figure()
    for name, color, key in (("train loss", TRAIN, "train_loss"), ("test loss", TEST, "test_loss")):
        y = cols[key]
        if np.isfinite(y).any():
            fig.add_trace(
                go.Scatter(
                    x=it,
                    y=y,
                    customdata=cols["epoch"],
                    mode=mode,
                    name=name,
                    line={"color": color, "width": 2.5},
                    hovertemplate=(
                        f"iteration %{{x}} (epoch %{{customdata:.2f}})<br>{name} = %{{y:.5g}}<extra></extra>"
                    ),
                )
            )
    has_acc = np.isfinite(cols["train_acc"]).any()
    if has_acc:
        for name, color, key in (("train accuracy", TRAIN, "train_acc"), ("test accuracy", TEST, "test_acc")):
            y = cols[key]
            if np.isfinite(y).any():
                fig.add_trace(
                    go.Scatter(
                        x=it,
                        y=y,
                        name=name,
                        yaxis="y2",
                        mode=mode,
                        line={"color": color, "width": 1.5, "dash": "dot"},
                        hovertemplate=f"iteration %{{x}}<br>{name} = %{{y:.1%}}<extra></extra>",
                    )
                )
    if marker is not None:
        _mark(fig, marker, run.metrics_at(marker))
    layout = base_layout(
        title={"text": title},
        height=height,
        margin={"l": 55, "r": 55 if has_acc else 15, "t": 45, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        hovermode="closest",
        uirevision="loss",
    )
    if has_acc:
        layout["yaxis2"] = {
            "title": {"text": "accuracy"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.02],
            "tickformat": ".0%",
            "showgrid": False,
        }
    fig.update_layout(**layout)
    fig.update_xaxes(title_text="iteration", rangemode="tozero")
    # only the left axis: update_yaxes would also retitle the accuracy axis
    fig.update_layout(
        yaxis={
            "title": {"text": "loss" + (" (log scale)" if log_y else "")},
            "type": "log" if log_y else "linear",
        }
    )
    return fig


def _mark(fig: go.Figure, iteration: int, metrics: object) -> None:
    fig.add_vline(x=iteration, line={"color": "#555", "width": 1, "dash": "dash"})
    xs, ys, texts = [], [], []
    for name, value in (("train loss", metrics.train_loss), ("test loss", metrics.test_loss)):
        if value is not None and np.isfinite(value):
            xs.append(iteration)
            ys.append(value)
            texts.append(f"iteration {iteration}: {name} = {value:.5g}")
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="shown moment",
                marker={"color": "#111", "size": 9, "symbol": "circle-open", "line": {"width": 2}},
                hovertext=texts,
                hoverinfo="text",
                showlegend=False,
            )
        )


def grad_flow_figure(run: Run, *, marker: int | None = None, height: int = 330) -> go.Figure:
    """``||dW||`` of every layer against the iteration, on a log scale (layer 1 is next to the input)."""
    recs = run.records
    fig = go.Figure()
    n_layers = run.state.net.n_layers
    if recs:
        idx = _spread(len(recs))
        it = np.array([recs[i].iteration for i in idx])
        norms = np.array([recs[i].grad_norms for i in idx], dtype=float)
        with np.errstate(divide="ignore"):
            norms[norms <= 0] = np.nan  # a zero gradient has no place on a log axis
        for l in range(n_layers):
            kind = "output" if l == n_layers - 1 else "hidden"
            name = f"layer {l + 1} ({kind})"
            fig.add_trace(
                go.Scatter(
                    x=it,
                    y=norms[:, l],
                    mode="lines",
                    name=name,
                    line={"color": SERIES[l % len(SERIES)], "width": 2},
                    hovertemplate=f"iteration %{{x}}<br>{name}: ||dL/dW|| = %{{y:.4g}}<extra></extra>",
                )
            )
    if marker is not None and recs:
        fig.add_vline(x=marker, line={"color": "#555", "width": 1, "dash": "dash"})
    fig.update_layout(
        **base_layout(
            title={"text": "Gradient flow: size of dL/dW in each layer"},
            height=height,
            margin={"l": 60, "r": 15, "t": 45, "b": 40},
            legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
            hovermode="closest",
        )
    )
    fig.update_xaxes(title_text="iteration", rangemode="tozero")
    fig.update_yaxes(title_text="||dL/dW|| (log scale)", type="log", exponentformat="power")
    if recs and np.isfinite(norms).any():
        span = np.log10(np.nanmax(norms) / np.nanmin(norms))
        # one label per power of ten over a wide range; 1, 2, 5 within a narrow one
        fig.update_yaxes(dtick=1 if span >= 1.5 else "D2")
    if not recs:
        fig.add_annotation(
            text="No iteration yet: press Step or Play",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 14, "color": "#666"},
        )
    return fig
