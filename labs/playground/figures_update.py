"""How much each update really changes each layer: ``||ΔW|| / ||W||`` against the iteration.

Drawn beside the gradient flow (``||dW||``): with sgd the two tell the same story, since
``ΔW = -lr * dW``; momentum and Adam reshape the step, and Adam divides every coordinate by its
gradient's running size, so a layer whose ``||dW||`` sits far below the others can still change as
fast as they do. Data from ``Run.updates`` (``model_run.UpdateSize``).
"""

from __future__ import annotations

import plotly.graph_objects as go

from labs.playground.figures_curves import layer_log_figure
from labs.playground.model_run import Run

TITLE = "Update size: ||ΔW|| / ||W|| in each layer"


def update_figure(run: Run, *, marker: int | None = None, height: int = 330) -> go.Figure:
    """The relative update size of every layer per iteration, on a log scale (layer 1 next to the input)."""
    return layer_log_figure(
        run.updates,
        lambda u: u.ratios,
        run.state.net.n_layers,
        title=TITLE,
        quantity="||ΔW|| / ||W||",
        empty_text="No update yet: press Step or Play",
        marker=marker,
        height=height,
        points_below=30,
    )
