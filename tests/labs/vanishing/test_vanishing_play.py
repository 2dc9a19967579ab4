"""What Play redraws on every tick: the training figures are built without Plotly's validation, so
these validate them in full; and Play ticks often enough for 4 visible updates a second."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from labs.vanishing.figures_training import heatmap_figure, loss_curves_figure
from labs.vanishing.model import LabSetup, start_lab, train_lab
from labs.vanishing.view_settings import PLAY_INTERVAL, PLAY_STEP

LABS = {
    "before training": lambda: start_lab(LabSetup(depth=3, width=4)),
    "trained": lambda: train_lab(start_lab(LabSetup(depth=3, width=4)), 20, 0.1),
    "diverged": lambda: train_lab(
        start_lab(LabSetup(activations=("relu",), depth=6, init="normal", std=2.0)), 30, 10.0
    ),
    "all zero": lambda: train_lab(
        start_lab(LabSetup(activations=("relu",), depth=30, width=4, init="normal", std=10.0)), 5, 0.1
    ),
}


@pytest.mark.parametrize("name", LABS)
@pytest.mark.parametrize("build", [heatmap_figure, loss_curves_figure])
def test_training_figures_are_valid_plotly(name: str, build: object) -> None:
    fig = build(LABS[name]().runs)
    full = go.Figure(fig.to_dict())  # Plotly's full validation: raises on any bad name or value
    assert len(full.data) == len(fig.data)


def test_heatmap_panels_share_one_colour_axis_and_their_own_axes() -> None:
    lab = train_lab(start_lab(LabSetup(activations=("sigmoid", "relu", "tanh"), depth=3, width=4)), 5, 0.1)
    fig = heatmap_figure(lab.runs)
    assert [(t.xaxis, t.yaxis) for t in fig.data] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert [a.text for a in fig.layout.annotations] == ["sigmoid", "relu", "tanh"]
    assert fig.layout.xaxis3.title.text == "iteration" and fig.layout.yaxis2.title.text == "layer"
    # a second call starts from a fresh copy of the cached panel layout
    assert [a.text for a in heatmap_figure(lab.runs).layout.annotations] == ["sigmoid", "relu", "tanh"]


def test_play_ticks_at_least_four_times_a_second_with_ten_updates_each() -> None:
    assert PLAY_INTERVAL <= 0.25 and PLAY_STEP >= 10
