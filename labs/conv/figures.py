"""The convolution lab's figures: Plotly only (never Streamlit), data in, figure out.

Every grid is a heatmap on the one diverging scale (``viz.theme.DIVERGING``, centred at 0) with its
numbers written in the cells and on hover; row 0 is at the top, as in an image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.fast_figure import DIVERGING_SCALE, figure, panel_axis, panel_row
from viz.theme import HIGHLIGHT, SERIES, base_layout, symmetric_range

CELL_PX = 34  # the smallest height of a grid cell with its number written in it

# the ring around a window's winner: vermillion reads on the palest and the darkest cells and on the
# page in both themes (black vanished on the dark blue cells and on the dark theme's page)
RING = SERIES[1]


def cell_text(values: np.ndarray, decimals: int) -> np.ndarray:
    """Each number with ``decimals`` decimals; an exact 0 as "0" (so zeros stand out), never "-0.00",
    blank for NaN."""
    rounded = np.round(values, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = np.vectorize(lambda x: "" if np.isnan(x) else f"{x:.{decimals}f}")(rounded)
    return np.where(values == 0, "0", text)


def grid_figure(
    values: np.ndarray,
    title: str,
    *,
    decimals: int = 2,
    window: tuple[int, int, int, int] | None = None,
    marks: np.ndarray | None = None,
    vmax: float | None = None,
    numbers: bool = True,
    origin: tuple[int, int] = (0, 0),
) -> go.Figure:
    """A 2-D array as a heatmap with every number written in its cell.

    ``window``: (row, col, height, width) outlined in the highlight colour; ``marks``: a boolean mask
    of cells to ring (the max-pool's winners); ``origin``: the row and column of ``values[0, 0]`` in the
    full grid (for a zoomed window), used in the axis labels and on hover.
    """
    v = np.asarray(values, dtype=float)
    h, w = v.shape
    r0, c0 = origin
    rows, cols = list(range(r0, r0 + h)), list(range(c0, c0 + w))
    vmax = vmax if vmax is not None else symmetric_range(v)
    # plain dicts, no validation (viz.fast_figure): Plotly's validation was most of this page's run
    # (tests/labs/conv/test_conv_figures.py validates these figures in full); base_layout keeps the
    # "plotly_white" look (viz.theme.with_template)
    texts = cell_text(v, decimals) if numbers else None
    traces: list[dict] = [
        {"type": "heatmap", "z": v, "x": cols, "y": rows, **_diverging(vmax), "showscale": False,
         "text": texts, "texttemplate": "%{text}" if numbers else None,
         "textfont": {"size": 11 if w <= 12 else 9},
         "hovertemplate": "row %{y}, column %{x}: %{z:.6g}<extra></extra>", "xgap": 1, "ygap": 1}
    ]  # fmt: skip
    shapes = []
    if window is not None:
        i, j, wh, ww = window
        shapes.append(
            {"type": "rect", "x0": j - 0.5, "x1": j + ww - 0.5, "y0": i - 0.5, "y1": i + wh - 0.5,
             "line": {"color": HIGHLIGHT, "width": 4}}
        )  # fmt: skip
    # a cell wide enough for its longest number (about 6 px a character at the font size used)
    longest = max((len(t) for t in texts.ravel()), default=1) if numbers else 1
    cell = max(CELL_PX, 6 * longest + 8)
    if marks is not None and marks.any():
        mi, mj = np.nonzero(marks)
        traces.append(
            {"type": "scatter", "x": mj + c0, "y": mi + r0, "mode": "markers", "name": "winner",
             "marker": {"symbol": "square-open", "size": cell - 2, "color": RING, "line": {"width": 2}},
             "hovertemplate": "winner: row %{y}, column %{x}<extra></extra>", "showlegend": False}
        )  # fmt: skip
    fig_layout = base_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.99, "yanchor": "top", "yref": "container"},
        height=min(h * cell + 90, 760),
        margin={"l": 30, "r": 10, "t": 70, "b": 10},
        **({"shapes": shapes} if shapes else {}),
        yaxis={"autorange": "reversed", "tickmode": "array", "tickvals": rows, "showgrid": False,
               "zeroline": False, "scaleanchor": "x"},
        xaxis={"tickmode": "array", "tickvals": cols, "showgrid": False, "zeroline": False, "side": "top"},
    )  # fmt: skip
    return figure(traces, fig_layout)


def _diverging(vmax: float) -> dict:
    """The diverging scale centred at 0 over ``[-vmax, vmax]``, as explicit colours (no validation)."""
    return {"colorscale": DIVERGING_SCALE, "zmid": 0, "zmin": -vmax, "zmax": vmax}


def filters_figure(K: np.ndarray, title: str = "The filters K[o, 0] of conv layer 1") -> go.Figure:
    """Each filter of the first input channel as a small heatmap, its numbers on hover and in the cells."""
    n = K.shape[0]
    vmax = symmetric_range(K)
    traces = [
        {"type": "heatmap", "z": K[o, 0], **_diverging(vmax), "showscale": o == n - 1,
         "text": cell_text(K[o, 0], 2), "texttemplate": "%{text}", "textfont": {"size": 10},
         "hovertemplate": f"filter {o + 1}, " + "u=%{y}, v=%{x}: %{z:.6g}<extra></extra>",
         "xgap": 1, "ygap": 1,
         "xaxis": panel_axis("x", o), "yaxis": panel_axis("y", o)}
        for o in range(n)
    ]  # fmt: skip
    panels = panel_row(
        [f"filter {o + 1}" for o in range(n)], 0.03,
        x_showticklabels=False, y_autorange="reversed", y_showticklabels=False,
    )  # fmt: skip
    return figure(
        traces,
        base_layout(title={"text": title}, height=200, margin={"l": 10, "r": 10, "t": 60, "b": 10}, **panels),
    )


def curves_figure(
    losses: Sequence[float], train_acc: Sequence[float], test_acc: Sequence[float]
) -> go.Figure:
    """Training loss (left) and accuracy on training and test images (right), per iteration."""
    it = list(range(len(losses)))
    fig = make_subplots(1, 2, subplot_titles=("training loss (cross-entropy)", "accuracy"))
    fig.add_trace(go.Scatter(x=it, y=list(losses), name="loss", line={"color": SERIES[0]}), 1, 1)
    fig.add_trace(
        go.Scatter(x=it, y=list(train_acc), name="training images", line={"color": SERIES[1]}), 1, 2
    )
    fig.add_trace(go.Scatter(x=it, y=list(test_acc), name="test images", line={"color": SERIES[2]}), 1, 2)
    fig.update_xaxes(title_text="iteration")
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    # the legend sits in the top strip, above the subplot titles: below the plots it ran over the
    # "iteration" axis titles
    legend = {"orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yref": "container", "yanchor": "top"}
    fig.update_layout(**base_layout(height=260, margin={"l": 50, "r": 20, "t": 80, "b": 45}, legend=legend))
    return fig


def images_figure(images: Sequence[np.ndarray], titles: Sequence[str], height: int = 160) -> go.Figure:
    """A row of small images (every pixel's value on hover)."""
    vmax = symmetric_range(*images) if images else 1.0
    traces = [
        {"type": "heatmap", "z": img, **_diverging(vmax), "showscale": False,
         "hovertemplate": "row %{y}, column %{x}: %{z:.3f}<extra></extra>",
         "xaxis": panel_axis("x", k), "yaxis": panel_axis("y", k)}
        for k, img in enumerate(images)
    ]  # fmt: skip
    panels = panel_row(
        list(titles) or [""], 0.02, title_size=11,
        x_showticklabels=False, y_autorange="reversed", y_showticklabels=False, y_scaleanchor="x",
    )  # fmt: skip
    return figure(traces, base_layout(height=height, margin={"l": 5, "r": 5, "t": 50, "b": 5}, **panels))


def probabilities_figure(a: np.ndarray, classes: Sequence[str], label: int) -> go.Figure:
    """The softmax output of one image, the true class marked."""
    colors = [SERIES[2] if k == label else SERIES[0] for k in range(len(classes))]
    fig = go.Figure(
        go.Bar(
            x=list(classes), y=a, marker_color=colors, text=[f"{p:.4f}" for p in a], textposition="outside",
            hovertemplate="%{x}: a = %{y:.6g}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(range=[0, 1.15], title_text="a = softmax(z)")
    fig.update_layout(
        **base_layout(height=280, title="Output: the probability of each class (green: the true one)")
    )
    return fig


def running_sum_figure(running: np.ndarray, upto: int, total: float) -> go.Figure:
    """The running sum of dK[u, v] over the positions, up to position ``upto`` (reading order)."""
    k = np.arange(len(running))
    shown = np.where(k <= upto, running, np.nan)
    hover = "after position %{x}: %{y:.6g}<extra></extra>"
    line = {"color": SERIES[0]}
    fig = go.Figure(go.Scatter(x=k, y=shown, mode="lines+markers", line=line, hovertemplate=hover))
    fig.add_hline(y=total, line_dash="dot", annotation_text=f"engine's dK = {total:.6g}")
    fig.update_xaxes(title_text="position (reading order)", range=[-0.5, len(running) - 0.5])
    fig.update_layout(**base_layout(height=260, title="dK[u, v]: the running sum over positions"))
    return fig
