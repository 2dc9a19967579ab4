"""Curves over training time: the loss (train and test, with accuracy) and the gradient flow per layer.

The x axis is the iteration (one update of the weights). Long runs are drawn from at most
``MAX_POINTS`` evenly spread records (always including the newest), which keeps every redraw
during Play small. A dashed vertical line marks the moment the other views show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import plotly.graph_objects as go

from labs.playground.model_run import Metrics, Run
from viz.decimate import compact
from viz.fast_figure import figure, layout
from viz.theme import INK, MUTED, SERIES
from viz.tick_figure import tick_figure

MAX_POINTS = 600
PLAY_POINTS = 300  # per curve while Play ticks; a pause redraws up to MAX_POINTS
# the columns a record and the starting ``Metrics`` share
LOSS_FIELDS = ("train_loss", "test_loss", "train_acc", "test_acc")
TRAIN, TEST = SERIES[0], SERIES[1]
T = TypeVar("T")


def _spread(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """At most ``limit`` indices from ``range(n)``, evenly spread, always with the first and last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def _series(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def loss_columns(run: Run, limit: int = MAX_POINTS) -> dict[str, np.ndarray]:
    """The curves' data: iteration 0 (the starting network) and every kept record, thinned for drawing
    to at most ``limit`` points (only those are read: a long run costs a Play tick no more)."""
    m = run.initial
    recs = run.records
    # position 0 is the starting network, position i > 0 the record recs[i - 1]
    rows = [m if i == 0 else recs[i - 1] for i in _spread(len(recs) + 1, limit).tolist()]
    return {
        "iteration": _series([0 if r is m else r.iteration for r in rows]),
        "epoch": _series([0.0 if r is m else r.epoch for r in rows]),
        **{name: _series([getattr(r, name) for r in rows]) for name in LOSS_FIELDS},
    }


def loss_figure(
    run: Run,
    *,
    marker: int | None = None,
    log_y: bool = False,
    title: str = "",
    height: int = 430,
    playing: bool = False,
) -> go.Figure:
    """Train and test loss against the iteration; accuracy (if defined) on a right-hand axis 0-1.

    ``playing``: for a Play tick, a ``viz.tick_figure`` (what Streamlit sends, without Plotly's
    objects) of at most ``PLAY_POINTS`` evenly spread points per curve, their values as float32
    where that is exact to 6e-8 (``viz.decimate.compact``); paused, up to ``MAX_POINTS`` in float64.
    """
    cols = loss_columns(run, PLAY_POINTS if playing else MAX_POINTS)
    if playing:
        cols = {name: v.astype(int) if name == "iteration" else compact(v) for name, v in cols.items()}
    it = cols["iteration"]
    # a line needs two points: show markers while the run is short, whole even where they sit
    # on an axis (iteration 0 is on the y axis)
    mode = "lines+markers" if len(it) < 30 else "lines"
    whole = {"cliponaxis": False} if mode == "lines+markers" else {}
    traces: list[dict] = []
    for name, color, key in (("train loss", TRAIN, "train_loss"), ("test loss", TEST, "test_loss")):
        y = cols[key]
        if np.isfinite(y).any():
            traces.append(
                dict(
                    type="scatter",
                    x=it,
                    y=y,
                    customdata=cols["epoch"],
                    mode=mode,
                    **whole,
                    name=name,
                    line={"color": color, "width": 2.5},
                    hovertemplate=(
                        f"iteration %{{x}} (epoch %{{customdata:.2f}})<br>{name} = %{{y:.5g}}<extra></extra>"
                    ),
                )
            )
    has_acc = bool(np.isfinite(cols["train_acc"]).any())
    if has_acc:
        for name, color, key in (("train accuracy", TRAIN, "train_acc"), ("test accuracy", TEST, "test_acc")):
            y = cols[key]
            if np.isfinite(y).any():
                traces.append(
                    dict(
                        type="scatter",
                        x=it,
                        y=y,
                        name=name,
                        yaxis="y2",
                        mode=mode,
                        **whole,
                        line={"color": color, "width": 1.5, "dash": "dot"},
                        hovertemplate=f"iteration %{{x}}<br>{name} = %{{y:.1%}}<extra></extra>",
                    )
                )
    shapes = []
    if marker is not None:
        shapes.append(_vline(marker))
        traces += _marker_points(marker, run.metrics_at(marker))
    fig_layout = layout(
        title={"text": title},
        height=height,
        margin={"l": 55, "r": 55 if has_acc else 15, "t": 45, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        hovermode="closest",
        uirevision="loss",
        shapes=shapes,
        xaxis={"title": {"text": "iteration"}, "rangemode": "tozero"},
        yaxis={
            "title": {"text": "loss" + (" (log scale)" if log_y else "")},
            "type": "log" if log_y else "linear",
        },
    )
    if has_acc:
        fig_layout["yaxis2"] = {
            "title": {"text": "accuracy"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.02],
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 0.25,
            "tickformat": ".0%",
            "showgrid": False,
        }
    return (tick_figure if playing else figure)(traces, fig_layout)


def round_ticks(lo: float, hi: float) -> list[float]:
    """Round values between ``lo`` and ``hi`` (> 0) for a log axis: 1-2-5 steps, finer if that gives few."""
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    for steps in ((1, 2, 5), (1, 1.5, 2, 3, 4, 5, 7)):
        ticks = [float(f"{m * 10.0**e:.3g}") for e in decades for m in steps]
        ticks = [t for t in ticks if lo <= t <= hi]
        if len(ticks) >= 3:
            return ticks
    return ticks if len(ticks) >= 2 else [lo, hi]


def _vline(x: float) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": MUTED, "width": 1, "dash": "dash"},
    }


def _marker_points(iteration: int, metrics: Metrics) -> list[dict]:
    xs, ys, texts = [], [], []
    for name, value in (("train loss", metrics.train_loss), ("test loss", metrics.test_loss)):
        if value is not None and np.isfinite(value):
            xs.append(iteration)
            ys.append(value)
            texts.append(f"iteration {iteration}: {name} = {value:.5g}")
    if not xs:
        return []
    return [
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="markers",
            cliponaxis=False,
            name="shown moment",
            marker={"color": INK, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
            hovertext=texts,
            hoverinfo="text",
            showlegend=False,
        )
    ]


def grad_flow_figure(run: Run, *, marker: int | None = None, height: int = 330) -> go.Figure:
    """``||dW||`` of every layer against the iteration, on a log scale (layer 1 is next to the input)."""
    return layer_log_figure(
        run.records,
        lambda r: r.layer_grad_norms,
        run.state.net.n_layers,
        title="Gradient flow: size of dL/dW in each layer",
        quantity="||dL/dW||",
        empty_text="No iteration yet: press Step or Play",
        marker=marker,
        height=height,
    )


def layer_log_figure(
    items: Sequence[T],
    values: Callable[[T], Sequence[float]],
    n_layers: int,
    *,
    title: str,
    quantity: str,
    empty_text: str,
    marker: int | None = None,
    height: int = 330,
    points_below: int = 0,
) -> go.Figure:
    """One line per layer of ``values(item)`` (``n_layers`` numbers) against ``item.iteration``, log y.

    At most ``MAX_POINTS`` items are drawn, evenly spread; a value that is not > 0 leaves a gap. Lines
    with fewer than ``points_below`` points also mark each point; ``marker`` draws a dashed line at
    that iteration; with no items the chart says ``empty_text``.
    """
    traces: list[dict] = []
    yaxis: dict = {"title": {"text": f"{quantity} (log scale)"}, "type": "log", "exponentformat": "power"}
    if items:
        idx = _spread(len(items))
        it = np.array([items[i].iteration for i in idx])
        table = np.array([values(items[i]) for i in idx], dtype=float)
        table[~(table > 0)] = np.nan  # zero (no step, a zero gradient) has no place on a log axis
        for l in range(n_layers):
            kind = "output" if l == n_layers - 1 else "hidden"
            name = f"layer {l + 1} ({kind})"
            traces.append(
                dict(
                    type="scatter",
                    x=it,
                    y=table[:, l],
                    mode="lines+markers" if len(it) < points_below else "lines",  # one point is no line
                    name=name,
                    line={"color": SERIES[l % len(SERIES)], "width": 2},
                    hovertemplate=f"iteration %{{x}}<br>{name}: {quantity} = %{{y:.4g}}<extra></extra>",
                )
            )
        if np.isfinite(table).any():
            lo, hi = float(np.nanmin(table)), float(np.nanmax(table))
            if math.floor(math.log10(hi)) - math.ceil(math.log10(lo)) >= 1:
                yaxis["dtick"] = 1  # two or more powers of ten in range: one label for each
            else:
                # a narrow range holds one power of ten or none, and Plotly's own 1-2-5 labels are
                # bare digits ("2" for 20): label round values in full
                yaxis["tickvals"] = round_ticks(lo, hi)
                yaxis["ticktext"] = [f"{v:.3g}" for v in yaxis["tickvals"]]
    fig_layout = layout(
        title={"text": title},
        height=height,
        margin={"l": 60, "r": 15, "t": 45, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0},
        hovermode="closest",
        shapes=[_vline(marker)] if marker is not None and items else [],
        xaxis={"title": {"text": "iteration"}, "rangemode": "tozero"},
        yaxis=yaxis,
    )
    if not items:
        fig_layout["annotations"] = [
            {
                "text": empty_text,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 14, "color": MUTED},
            }
        ]
    return figure(traces, fig_layout)
