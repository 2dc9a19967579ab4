"""How much each update really changes each layer: ``||ΔW|| / ||W||`` against the iteration.

Drawn beside the gradient flow (``||dW||``): with sgd the two tell the same story, since
``ΔW = -lr * dW``; momentum and Adam reshape the step, and Adam divides every coordinate by its
gradient's running size, so a layer whose ``||dW||`` sits far below the others can still change as
fast as they do. Data from ``Run.updates`` (``model_run.UpdateSize``).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from labs.playground.figures_curves import MAX_POINTS, round_ticks
from labs.playground.model_run import Run
from viz.fast_figure import figure, layout
from viz.theme import SERIES

TITLE = "Update size: ||ΔW|| / ||W|| in each layer"


def update_figure(run: Run, *, marker: int | None = None, height: int = 330) -> go.Figure:
    """The relative update size of every layer per iteration, on a log scale (layer 1 next to the input)."""
    ups = run.updates
    n_layers = run.state.net.n_layers
    yaxis: dict = {"title": {"text": "||ΔW|| / ||W|| (log scale)"}, "type": "log", "exponentformat": "power"}
    traces: list[dict] = []
    if ups:
        n = len(ups)
        idx = (
            np.arange(n)
            if n <= MAX_POINTS
            else np.unique(np.linspace(0, n - 1, MAX_POINTS).round().astype(int))
        )
        it = np.array([ups[i].iteration for i in idx])
        ratios = np.array([ups[i].ratios for i in idx], dtype=float)
        ratios[~(ratios > 0)] = np.nan  # no step (or an all-zero W): nothing to draw on a log axis
        for l in range(n_layers):
            kind = "output" if l == n_layers - 1 else "hidden"
            name = f"layer {l + 1} ({kind})"
            traces.append(
                dict(
                    type="scatter",
                    x=it,
                    y=ratios[:, l],
                    mode="lines+markers" if len(it) < 30 else "lines",  # one point is no line
                    name=name,
                    line={"color": SERIES[l % len(SERIES)], "width": 2},
                    hovertemplate=f"iteration %{{x}}<br>{name}: ||ΔW|| / ||W|| = %{{y:.4g}}<extra></extra>",
                )
            )
        if np.isfinite(ratios).any():
            lo, hi = float(np.nanmin(ratios)), float(np.nanmax(ratios))
            if math.floor(math.log10(hi)) - math.ceil(math.log10(lo)) >= 1:
                yaxis["dtick"] = 1
            else:
                yaxis["tickvals"] = round_ticks(lo, hi)
                yaxis["ticktext"] = [f"{v:.3g}" for v in yaxis["tickvals"]]
    shapes = []
    if marker is not None and ups:
        shapes.append(
            {
                "type": "line", "xref": "x", "yref": "paper", "x0": marker, "x1": marker, "y0": 0, "y1": 1,
                "line": {"color": "#555", "width": 1, "dash": "dash"},
            }
        )  # fmt: skip
    fig_layout = layout(
        title={"text": TITLE},
        height=height,
        margin={"l": 60, "r": 15, "t": 45, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0},
        hovermode="closest",
        shapes=shapes,
        xaxis={"title": {"text": "iteration"}, "rangemode": "tozero"},
        yaxis=yaxis,
    )
    if not ups:
        fig_layout["annotations"] = [
            {
                "text": "No update yet: press Step or Play",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 14, "color": "#666"},
            }
        ]
    return figure(traces, fig_layout)
