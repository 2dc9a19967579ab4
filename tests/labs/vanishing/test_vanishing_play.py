"""What Play redraws on every tick: the training figures are built without Plotly's validation, so
these validate them in full; and Play ticks often enough for 4 visible updates a second."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest

from labs.vanishing.figures import MAX_LINE_POINTS
from labs.vanishing.figures_training import PLAY_LINE_POINTS, heatmap_figure, loss_curves_figure
from labs.vanishing.model import LabSetup, start_lab, train_lab
from labs.vanishing.view_settings import PLAY_INTERVAL, PLAY_STEP
from viz.tick_figure import TickFigure

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
@pytest.mark.parametrize("playing", [False, True])
def test_training_figures_are_valid_plotly(name: str, build: object, playing: bool) -> None:
    fig = build(LABS[name]().runs, playing=playing)
    sent = fig.to_dict()  # what st.plotly_chart sends
    full = go.Figure(sent)  # Plotly's full validation: raises on any bad name or value
    assert len(full.data) == len(sent["data"])
    assert isinstance(fig, TickFigure) == playing


def _array(value: object) -> np.ndarray:
    """A figure dict's array (Plotly sends numbers base64-encoded with their dtype)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)


def test_play_ticks_send_lighter_curves_and_a_pause_draws_every_point() -> None:
    lab = train_lab(start_lab(LabSetup(depth=3, width=4)), 700, 0.1)
    playing = loss_curves_figure(lab.runs, playing=True).to_dict()["data"]
    paused = loss_curves_figure(lab.runs).to_dict()["data"]
    for r, tick, full in zip(lab.runs, playing, paused, strict=True):
        losses = np.array(r.losses)
        # paused: the loss after every one of the 700 updates, as float64
        np.testing.assert_array_equal(_array(full["x"]), np.arange(701))
        assert _array(full["y"]).dtype == np.float64 and len(r.losses) <= MAX_LINE_POINTS
        np.testing.assert_array_equal(_array(full["y"]), losses)
        # playing: at most PLAY_LINE_POINTS, from the start to the newest, the lowest loss among them
        x, y = _array(tick["x"]), _array(tick["y"])
        assert len(x) <= PLAY_LINE_POINTS and x[0] == 0 and x[-1] == 700
        assert losses.argmin() in x
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, losses[x], rtol=6e-8)
        np.testing.assert_allclose(_array(tick["customdata"]), losses[x], rtol=6e-8)


def test_play_ticks_send_the_heatmap_as_float32_and_a_pause_as_float64() -> None:
    lab = train_lab(start_lab(LabSetup(depth=3, width=4)), 40, 0.1)
    tick = heatmap_figure(lab.runs, playing=True).to_dict()["data"]
    full = heatmap_figure(lab.runs).to_dict()["data"]
    for r, t, f in zip(lab.runs, tick, full, strict=True):
        norms = r.grad_norm_matrix()
        assert _array(f["customdata"]).dtype == np.float64
        np.testing.assert_array_equal(_array(f["customdata"]).reshape(norms.shape), norms)
        assert _array(t["customdata"]).dtype == np.float32
        np.testing.assert_allclose(_array(t["customdata"]).reshape(norms.shape), norms, rtol=6e-8)
        np.testing.assert_allclose(_array(t["z"]), _array(f["z"]), rtol=6e-8)
        np.testing.assert_array_equal(_array(t["x"]), _array(f["x"]))


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
