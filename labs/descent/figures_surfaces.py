"""Figures of the gradient descent lab's 2-D lessons: paths on a contour plot, loss per step,
loss per iteration and per epoch.

A contour plot answers clicks poorly (Plotly reports no selected points on contour or heatmap
traces), so ``contour_figure`` lays an invisible grid of scatter points over it: clicking
anywhere selects the nearest grid point, whose ``(w1, w2)`` becomes the new start. The same
points carry the loss on hover. Plotly draws only ``marker.maxdisplayed`` of them (one): hover and
click-to-select still find every point, but the browser is spared 1,681 invisible SVG markers per
chart, which were most of the cost of opening the page (``benchmarks/bench_clicks.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from labs.descent.model_surfaces import SurfaceGrid, get_surface
from viz import compact
from viz.format import fmt
from viz.theme import INK, base_layout

# loss colours: pale (low) to mid grey-blue (high), so that coloured paths stand out; the
# colour bar prints the loss values (the colours follow log10 of the loss)
LOSS_SCALE = [[0.0, "#ffffff"], [0.35, "#e6ecf2"], [0.7, "#c2cfdc"], [1.0, "#91a6bb"]]
CLICK_GRID = 41
CLICK_TRACE_NAME = "click to start here"
HOVER_TRACE_NAME = "loss here"
GRID_W_DIGITS, GRID_LOSS_DIGITS = 3, 4  # significant digits the grid's hover shows


@dataclass(frozen=True)
class Path:
    """A path to draw: ``points`` ``(k + 1, 2)`` with ``losses`` ``(k + 1,)``, in ``colour``.

    ``step_name`` names the x of the hover text ("step" or "iteration").
    """

    label: str
    points: np.ndarray
    losses: np.ndarray
    colour: str
    step_name: str = "step"
    width: float = 2.0


# colours follow log10 of the loss down to this share of the largest loss on the plot; lower
# losses (the bottom of a valley whose minimum is 0) share the palest colour, labelled "≤"
LOG_FLOOR = 1e-4


def _log_levels(loss: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, list[str]]:
    """``log10`` of the loss (floored), its floor, and colour-bar ticks labelled with loss values."""
    finite = loss[np.isfinite(loss)]
    low = max(float(finite.min()), LOG_FLOOR * max(float(finite.max()), 1e-12), 1e-12)
    z = np.log10(np.maximum(loss, low))
    lo, hi = float(z.min()), float(z.max())
    ticks = np.linspace(lo, hi, 6)
    labels = [fmt(10.0**t, 3) for t in ticks]
    if low > float(finite.min()):
        labels[0] = "≤ " + labels[0]
    return z, low, ticks, labels


def _axis(title: str, **extra: object) -> dict:
    return {"title": {"text": title}, **extra}


def _threshold_marks(threshold: float, log: bool) -> tuple[list[dict], list[dict]]:
    """The dashed threshold line and its label (annotations take log10 of the value on a log axis)."""
    if threshold <= 0 and log:
        return [], []
    line = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y"}
    line |= {"y0": threshold, "y1": threshold}
    y = float(np.log10(threshold)) if log else threshold
    label = {"x": 1, "xref": "paper", "xanchor": "right", "y": y, "yanchor": "bottom"}
    return (
        [line | {"line": {"dash": "dash", "color": INK, "width": 1}}],
        [label | {"text": f"threshold L = {fmt(threshold)}", "showarrow": False}],
    )


def wants_log_axis(losses: Sequence[np.ndarray]) -> bool:
    """A log axis pays off when the finite positive losses span more than ~1.5 decades."""
    values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in losses]) if losses else np.zeros(0)
    values = values[np.isfinite(values) & (values > 0)]
    return bool(values.size) and float(values.max() / values.min()) > 30.0


@functools.lru_cache(maxsize=8)
def click_grid(surface: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The invisible grid's ``w1``, ``w2`` and loss, flat ``(CLICK_GRID**2,)``, in float32.

    Its hover writes ``w1``/``w2`` with ``GRID_W_DIGITS`` and the loss with ``GRID_LOSS_DIGITS``
    significant digits: the float32 values read exactly as the float64 ones (``viz.compact``).
    """
    s = get_surface(surface)
    lo1, hi1, lo2, hi2 = s.box
    g1, g2 = np.meshgrid(np.linspace(lo1, hi1, CLICK_GRID), np.linspace(lo2, hi2, CLICK_GRID))
    out = (
        compact.positions(g1.ravel(), 3),
        compact.positions(g2.ravel(), 3),
        compact.shown(s.loss(g1, g2).ravel(), 4),
    )
    for arr in out:
        arr.flags.writeable = False  # shared by every caller (cached)
    return out


def contour_figure(
    grid: SurfaceGrid,
    paths: Sequence[Path],
    start: tuple[float, float],
    title: str,
    *,
    clickable: bool = True,
    height: int = 440,
) -> go.Figure:
    """Contours of ``grid.loss`` with ``paths`` drawn on top, the start and the minimum marked.

    An invisible grid of points gives the loss on hover anywhere on the plot (the contour itself
    answers no hover: it would win over the paths); ``customdata`` of each grid point is its loss.
    With ``clickable`` the grid (trace name ``CLICK_TRACE_NAME``) also makes every spot selectable.
    """
    surface = get_surface(grid.surface)
    n1, n2 = surface.labels
    z, _, ticks, labels = _log_levels(grid.loss)
    keep = {"marker": {"opacity": 1}}
    traces: list[go.Scatter | go.Contour] = [
        go.Contour(
            x=grid.w1,
            y=grid.w2,
            z=compact.colours(z),  # only coloured (no hover); the colour bar's ticks come from z itself
            colorscale=LOSS_SCALE,
            ncontours=22,
            contours={"coloring": "fill", "showlines": True},
            line={"color": "rgba(60, 80, 100, 0.35)", "width": 0.8},
            colorbar={"title": {"text": "loss L"}, "tickvals": ticks, "ticktext": labels, "len": 0.9},
            hoverinfo="skip",
            name="loss",
        )
    ]
    lo1, hi1, lo2, hi2 = surface.box
    g1, g2, grid_loss = click_grid(surface.name)
    traces.append(
        go.Scatter(
            x=g1,
            y=g2,
            mode="markers",
            # hover and selection search all points; only one is drawn (see the module docstring)
            marker={"size": 14, "opacity": 0, "color": "black", "maxdisplayed": 1},
            customdata=grid_loss,
            name=CLICK_TRACE_NAME if clickable else HOVER_TRACE_NAME,
            showlegend=False,
            hovertemplate=(
                f"{n1} = %{{x:.{GRID_W_DIGITS}g}}, {n2} = %{{y:.{GRID_W_DIGITS}g}}"
                f"<br>L = %{{customdata:.{GRID_LOSS_DIGITS}g}}"
                + ("<br>click to start here" if clickable else "")
                + "<extra></extra>"
            ),
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
        )
    )
    for path in paths:
        k = np.arange(len(path.points))
        traces.append(
            go.Scatter(
                x=path.points[:, 0],
                y=path.points[:, 1],
                mode="lines+markers",
                name=path.label,
                line={"color": path.colour, "width": path.width},
                marker={"size": 4, "color": path.colour},
                customdata=np.column_stack([k, path.losses]),
                hovertemplate=(
                    f"{path.label}<br>{path.step_name} %{{customdata[0]}}: "
                    f"{n1} = %{{x:.4g}}, {n2} = %{{y:.4g}}<br>L = %{{customdata[1]:.5g}}<extra></extra>"
                ),
                unselected=keep,
            )
        )
    start_loss = fmt(surface.value(np.array(start)), 5)
    min_loss = fmt(surface.value(np.array(surface.minimum)), 5)
    m1, m2 = surface.minimum
    traces += [
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            name="start",
            marker={"symbol": "circle", "size": 13, "color": "black", "line": {"color": "white", "width": 2}},
            hovertemplate=(
                f"start: {n1} = {fmt(start[0])}, {n2} = {fmt(start[1])}<br>L = {start_loss}<extra></extra>"
            ),
            unselected=keep,
        ),
        go.Scatter(
            x=[m1],
            y=[m2],
            mode="markers",
            name="minimum",
            # black on the pale surface; the white rim keeps its legend symbol visible in the dark theme
            marker={"symbol": "star", "size": 15, "color": "black", "line": {"color": "white", "width": 1}},
            hovertemplate=f"minimum: {n1} = {fmt(m1)}, {n2} = {fmt(m2)}<br>L = {min_loss}<extra></extra>",
            unselected=keep,
        ),
    ]
    layout = base_layout(
        title={"text": title},
        height=height,
        legend={"orientation": "h", "y": -0.19},
        margin={"l": 60, "r": 20, "t": 60 + 18 * title.count("<br>"), "b": 40},
        clickmode="event+select",
        dragmode="zoom",
        uirevision=grid.surface,
        xaxis=_axis(n1, range=[lo1, hi1], constrain="domain"),
        yaxis=_axis(n2, range=[lo2, hi2]),
    )
    return go.Figure(data=traces, layout=layout)


def loss_steps_figure(paths: Sequence[Path], threshold: float, title: str) -> go.Figure:
    """Loss per step of every path with the threshold line and where each crosses it.

    The loss axis is logarithmic when the losses span many decades (``wants_log_axis``).
    """
    traces = []
    for path in paths:
        traces.append(
            go.Scatter(
                x=np.arange(len(path.losses)),
                y=path.losses,
                mode="lines",
                name=path.label,
                line={"color": path.colour, "width": path.width},
                hovertemplate=f"{path.label}<br>{path.step_name} %{{x}}: L = %{{y:.5g}}<extra></extra>",
            )
        )
        hits = np.flatnonzero(path.losses <= threshold)
        if hits.size:
            h = int(hits[0])
            traces.append(
                go.Scatter(
                    x=[h],
                    y=[path.losses[h]],
                    mode="markers",
                    marker={"color": path.colour, "size": 10, "symbol": "diamond"},
                    showlegend=False,
                    hovertemplate=f"{path.label} reaches L ≤ {fmt(threshold)} at {path.step_name} {h}"
                    "<extra></extra>",
                )
            )
    log = wants_log_axis([p.losses for p in paths])
    shapes, annotations = _threshold_marks(threshold, log)
    yaxis = _axis("loss L (log scale)", type="log", exponentformat="power") if log else _axis("loss L")
    layout = base_layout(
        title={"text": title},
        height=360,
        # room for every line of the title (a narrow chart's title is split with <br>)
        margin={"l": 50, "r": 20, "t": 50 + 20 * title.count("<br>"), "b": 45},
        legend={"orientation": "h", "y": -0.25},
        shapes=shapes,
        annotations=annotations,
        xaxis=_axis(paths[0].step_name if paths else "step", rangemode="tozero"),
        yaxis=yaxis,
    )
    return go.Figure(data=traces, layout=layout)


ITERATION_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def batch_loss_figure(
    paths: Sequence[Path], epochs: Sequence[np.ndarray], by: str, *, height: int = 360, legend: bool = True
) -> go.Figure:
    """The loss on all samples after every iteration, against iterations or against epochs.

    ``epochs[i]`` holds the epoch count at each point of ``paths[i]``; ``by`` is ``iteration``
    or ``epoch``. A log axis has no 0, so the iteration chart starts after the first update.
    Without ``legend`` (a small chart beside the contour plot, whose legend names the colours)
    every line still names itself on hover.
    """
    if by not in ("iteration", "epoch"):
        raise ValueError(f"by must be 'iteration' or 'epoch', got {by!r}")
    traces = []
    for path, epoch in zip(paths, epochs, strict=True):
        k = np.arange(len(path.losses))
        keep = k >= 1 if by == "iteration" else k >= 0
        traces.append(
            go.Scatter(
                x=(k if by == "iteration" else epoch)[keep],
                y=path.losses[keep],
                mode="lines",
                name=path.label,
                line={"color": path.colour, "width": path.width},
                customdata=np.column_stack([k, epoch])[keep],
                hovertemplate=(
                    f"{path.label}<br>iteration %{{customdata[0]}} (epoch %{{customdata[1]:.3g}})"
                    "<br>L = %{y:.5g}<extra></extra>"
                ),
            )
        )
    if by == "iteration":
        title = "Loss against iterations (updates)"
        xaxis = _axis("iteration (log scale, from 1)", type="log", tickvals=ITERATION_TICKS)
    else:
        title = "Loss against epochs (passes over the data)"
        xaxis = _axis("epoch", rangemode="tozero")
    layout = base_layout(
        title={"text": title},
        height=height,
        showlegend=legend,
        legend={"orientation": "h", "y": -0.3},
        margin={"l": 55, "r": 15, "t": 45, "b": 45},
        xaxis=xaxis,
        yaxis=_axis("loss (all samples)" if height >= 300 else "loss"),
    )
    return go.Figure(data=traces, layout=layout)
