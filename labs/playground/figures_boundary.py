"""The playground's main picture: what the network answers over the whole input plane, with the data on top.

* two classes: a heatmap of the score of class 1 (a probability for sigmoid and softmax outputs),
  red for class 0, blue for class 1, white where the network is unsure (0.5);
* several classes: each grid point coloured by the class the network picks, pale where it is
  unsure and strong where it is confident; the probabilities of every class are on hover;
* regression with two inputs: the fitted surface as a heatmap on the diverging scale, the
  points coloured by their targets on the same scale; with one input: the fitted curve.

Pure functions of engine objects; every colour has its number on hover.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb

from labs.playground.model import Problem, class_scores
from labs.playground.model_boundary import InputGrid
from viz.fast_figure import DIVERGING_SCALE, figure, layout
from viz.theme import INK, SERIES, symmetric_range
from viz.tick_figure import tick_figure

CLASS0, CLASS1 = "#b2182b", "#2166ac"  # the ends of RdBu, so points match the heatmap
# ten colour-blind-friendly class colours: Okabe-Ito, then two of Paul Tol's
CLASS_COLORS = (*SERIES[:5], SERIES[5], SERIES[6], SERIES[7], "#882255", "#999933")
PROBABILITY_OUTPUTS = ("sigmoid", "softmax")
TEST_SYMBOL = "diamond"
CURVE_POINT_COLORS = {"train": SERIES[0], "test": SERIES[1]}  # one input: points beside a black curve
# (which, X, y, the network's outputs at X or None), which being "train" or "test"
PointSet = tuple[str, np.ndarray, np.ndarray, np.ndarray | None]
# ``viz.fast_figure.figure`` or ``viz.tick_figure.tick_figure``
FigureMaker = Callable[[list[dict], dict], go.Figure]


def class_color(k: int, n_classes: int) -> str:
    """The colour of class ``k`` (two classes use the ends of the diverging scale)."""
    if n_classes == 2:
        return (CLASS0, CLASS1)[k]
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def boundary_figure(
    problem: Problem,
    grid: InputGrid,
    grid_out: np.ndarray,
    output: str,
    *,
    train_out: np.ndarray | None = None,
    test_out: np.ndarray | None = None,
    show_test: bool = True,
    title: str = "",
    height: int = 430,
    playing: bool = False,
) -> go.Figure:
    """The boundary (or fitted curve/surface) with the data.

    ``grid_out``: the network's outputs over ``grid`` (``grid_outputs``). ``train_out`` /
    ``test_out``: its outputs at the data points ``(m, n_out)``, shown on hover when given.
    ``playing``: the same figure as a ``viz.tick_figure`` (what Streamlit sends, without Plotly's
    objects), for a Play tick.
    """
    make = tick_figure if playing else figure
    points = _point_sets(problem, train_out, test_out, show_test)
    if problem.kind == "regression":
        if problem.n_inputs == 1:
            return _curve(problem, grid, grid_out, points, title, height, make)
        return _surface(problem, grid, grid_out, points, title, height, make)
    scores = class_scores(grid_out, output, problem.kind)
    if problem.kind == "binary":
        traces = [_binary_heatmap(grid, scores, output)]
    else:
        traces = [_class_regions(grid, scores, problem.class_names, output)]
    traces += _class_points(problem, output, points)
    return make(traces, _layout_plane(grid, title, height))


def _point_sets(
    problem: Problem, train_out: np.ndarray | None, test_out: np.ndarray | None, show_test: bool
) -> list[PointSet]:
    """The training points, then the test points when they are shown and there are any."""
    sets = [("train", problem.X_train, problem.y_train, train_out)]
    if show_test and problem.n_test:
        sets.append(("test", problem.X_test, problem.y_test, test_out))
    return sets


def _plane_heatmap(grid: InputGrid, values: np.ndarray, name: str, lo: float, hi: float, mid: float) -> dict:
    """``values`` over the input plane on the diverging scale, white at ``mid``; the data go on top."""
    return dict(
        type="heatmap",
        x=grid.x1,
        y=grid.x2,
        z=values.astype(np.float32),
        zmin=lo,
        zmax=hi,
        zmid=mid,
        colorscale=DIVERGING_SCALE,
        opacity=0.85,
        colorbar={"title": {"text": name, "side": "right"}, "thickness": 14, "len": 0.9},
        hovertemplate=f"x1 = %{{x:.3f}}<br>x2 = %{{y:.3f}}<br>{name} = %{{z:.4f}}<extra>network</extra>",
        name="network",
    )


def _binary_heatmap(grid: InputGrid, score: np.ndarray, output: str) -> dict:
    if output in PROBABILITY_OUTPUTS:
        name, lo, hi = "P(class 1)", 0.0, 1.0
    else:
        # a tanh or linear output trained on 0/1 targets: class 1 above 0.5
        name = "output"
        half = max(float(np.nanmax(np.abs(score - 0.5))) if np.isfinite(score).any() else 0.5, 0.5)
        lo, hi = 0.5 - half, 0.5 + half
    return _plane_heatmap(grid, score, name, lo, hi, mid=0.5)


def _mix(hex_color: str, share: float) -> str:
    """``hex_color`` blended with white: ``share`` 1 is the colour, 0 is white."""
    r, g, b = hex_to_rgb(hex_color)
    r, g, b = (round(255 - share * (255 - c)) for c in (r, g, b))
    return f"rgb({r},{g},{b})"


def _class_regions(grid: InputGrid, scores: np.ndarray, names: tuple[str, ...], output: str) -> dict:
    k = scores.shape[-1]
    winner = np.argmax(scores, axis=-1)
    if output == "softmax":
        top = np.max(scores, axis=-1)
        # 1/k is a coin toss, 1 is certain
        confidence = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 0.999)
    else:
        ordered = np.sort(scores, axis=-1)
        margin = ordered[..., -1] - ordered[..., -2]
        confidence = np.clip(margin / max(float(np.nanmax(margin)), 1e-12), 0.0, 0.999)
    z = (winner + confidence).astype(np.float32)
    # each class owns one band of the scale, pale (unsure) to strong (sure)
    scale = []
    for c in range(k):
        color = class_color(c, k)
        scale.append([c / k, _mix(color, 0.12)])
        scale.append([(c + 1) / k - 1e-6, _mix(color, 0.75)])
    scale[-1][0] = 1.0
    what = "P" if output == "softmax" else "output"
    lines = "<br>".join(f"{what}({names[c]}) = %{{customdata[{c}]:.4f}}" for c in range(k))
    return dict(
        type="heatmap",
        x=grid.x1,
        y=grid.x2,
        z=z,
        zmin=0,
        zmax=k,
        colorscale=scale,
        customdata=scores.astype(np.float32),
        colorbar={
            "title": {"text": "network picks", "side": "right"},
            "tickvals": [c + 0.5 for c in range(k)],
            "ticktext": list(names),
            "thickness": 14,
            "len": 0.9,
        },
        hovertemplate=f"x1 = %{{x:.3f}}<br>x2 = %{{y:.3f}}<br>{lines}<extra>network</extra>",
        name="network",
    )


def _point_hover(problem: Problem, output: str, out: np.ndarray | None, k: int, which: str) -> str:
    base = f"{which} point<br>x1 = %{{x:.3f}}<br>x2 = %{{y:.3f}}<br>true: {problem.class_names[k]}"
    if out is None:
        return base + "<extra></extra>"
    if problem.kind == "binary":
        name = "P(class 1)" if output in PROBABILITY_OUTPUTS else "output"
        return base + f"<br>network: {name} = %{{customdata:.4f}}<extra></extra>"
    what = "P" if output == "softmax" else "output"
    return base + f"<br>network: {what}(true class) = %{{customdata:.4f}}<extra></extra>"


def _class_points(problem: Problem, output: str, points: list[PointSet]) -> list[dict]:
    traces = []
    for which, X, y, out in points:
        scores = None if out is None else class_scores(out, output, problem.kind)
        for k in range(problem.n_classes):
            mask = y == k
            if not mask.any():
                continue
            custom = None
            if scores is not None:
                custom = scores[mask] if problem.kind == "binary" else scores[mask, k]
            is_test = which == "test"
            traces.append(
                dict(
                    type="scatter",
                    x=X[mask, 0],
                    y=X[mask, 1],
                    mode="markers",
                    name=f"{which} · {problem.class_names[k]}",
                    legendgroup=which,
                    marker={
                        "color": class_color(k, problem.n_classes),
                        "size": 8 if is_test else 7,
                        "symbol": TEST_SYMBOL if is_test else "circle",
                        "line": {"color": INK if is_test else "white", "width": 1.5 if is_test else 1},
                    },
                    customdata=None if custom is None else custom.astype(np.float32),
                    hovertemplate=_point_hover(problem, output, custom, k, which),
                )
            )
    return traces


def _layout(title: str, height: int, xaxis: dict, yaxis: dict) -> dict:
    return layout(
        title={"text": title},
        height=height,
        margin={"l": 50, "r": 10, "t": 45, "b": 40},
        # clear of the x axis title even when the legend takes several rows (many classes)
        legend={"orientation": "h", "yanchor": "top", "y": -0.24, "x": 0},
        uirevision="boundary",
        xaxis=xaxis,
        yaxis=yaxis,
    )


def _layout_plane(grid: InputGrid, title: str, height: int) -> dict:
    return _layout(
        title,
        height,
        xaxis={"title": {"text": "x1"}, "range": [float(grid.x1[0]), float(grid.x1[-1])], "showgrid": False},
        yaxis={"title": {"text": "x2"}, "range": [float(grid.x2[0]), float(grid.x2[-1])], "showgrid": False},
    )


def _surface(
    problem: Problem,
    grid: InputGrid,
    grid_out: np.ndarray,
    points: list[PointSet],
    title: str,
    height: int,
    make: FigureMaker = figure,
) -> go.Figure:
    pred = grid_out[..., 0]
    vmax = symmetric_range(problem.y_train, pred)
    traces = [_plane_heatmap(grid, pred, "predicted y", -vmax, vmax, mid=0)]
    for which, X, y, out in points:
        is_test = which == "test"
        custom = np.column_stack([y, out[:, 0] if out is not None else np.full(len(y), np.nan)])
        traces.append(
            dict(
                type="scatter",
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                name=f"{which} points (colour = target y)",
                marker={
                    "color": y,
                    "colorscale": DIVERGING_SCALE,
                    "cmin": -vmax,
                    "cmax": vmax,
                    "cmid": 0,
                    "size": 8 if is_test else 7,
                    "symbol": TEST_SYMBOL if is_test else "circle",
                    "line": {"color": INK, "width": 1},
                },
                customdata=custom.astype(np.float32),
                hovertemplate=(
                    f"{which} point<br>x1 = %{{x:.3f}}<br>x2 = %{{y:.3f}}"
                    "<br>target y = %{customdata[0]:.4f}<br>predicted y = %{customdata[1]:.4f}<extra></extra>"
                ),
            )
        )
    return make(traces, _layout_plane(grid, title, height))


def _curve(
    problem: Problem,
    grid: InputGrid,
    grid_out: np.ndarray,
    points: list[PointSet],
    title: str,
    height: int,
    make: FigureMaker = figure,
) -> go.Figure:
    traces = []
    for which, X, y, out in points:
        pred = out[:, 0] if out is not None else np.full(len(y), np.nan)
        traces.append(
            dict(
                type="scatter",
                x=X[:, 0],
                y=y,
                mode="markers",
                name=f"{which} points",
                marker={
                    "color": CURVE_POINT_COLORS[which],
                    "size": 7,
                    "symbol": TEST_SYMBOL if which == "test" else "circle",
                    "line": {"color": "white", "width": 0.5},
                },
                customdata=pred.astype(np.float32),
                hovertemplate=(
                    f"{which} point<br>x = %{{x:.3f}}<br>target y = %{{y:.4f}}"
                    "<br>predicted y = %{customdata:.4f}<extra></extra>"
                ),
            )
        )
    traces.append(
        dict(
            type="scatter",
            x=grid.x1,
            y=grid_out[:, 0],
            mode="lines",
            name="network's curve",
            line={"color": INK, "width": 3},
            hovertemplate="x = %{x:.3f}<br>predicted y = %{y:.4f}<extra>network</extra>",
        )
    )
    ys = np.concatenate([problem.y_train, problem.y_test])
    lo, hi = float(ys.min()), float(ys.max())
    pad = 0.25 * (hi - lo or 1.0)
    fig_layout = _layout(
        title,
        height,
        xaxis={"title": {"text": "x"}, "range": [float(grid.x1[0]), float(grid.x1[-1])]},
        # the y range follows the data, so a wild curve early in training does not squash the points
        yaxis={"title": {"text": "y"}, "range": [lo - pad, hi + pad]},
    )
    return make(traces, fig_layout)


def boundary_title(kind: str, iteration: int, latest: int) -> str:
    """``Decision boundary after iteration 40`` (or ``... (time travel: latest is 120)``)."""
    what = {"regression": "Fitted function"}.get(kind, "Decision boundary")
    text = f"{what} after iteration {iteration}"
    if iteration != latest:
        text += f" (time travel; latest is {latest})"
    return text


__all__ = ["boundary_figure", "boundary_title", "class_color"]
