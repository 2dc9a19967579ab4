"""The gradient descent lab's figure builders, without Streamlit: every drawn number is the engine's."""

from __future__ import annotations

import numpy as np
import pytest

from labs.descent.figures import (
    accumulation_figure,
    distance_figure,
    loss_curve_figure,
    regime_strip_figure,
    visible_range,
    zero_grad_figure,
)
from labs.descent.figures_surfaces import (
    CLICK_GRID,
    CLICK_TRACE_NAME,
    HOVER_TRACE_NAME,
    Path,
    batch_loss_figure,
    contour_figure,
    loss_steps_figure,
)
from labs.descent.model import critical_rates, descend, loss_curve, one_weight_example
from labs.descent.model_accumulate import accumulated_gradient, zero_grad_lesson
from labs.descent.model_surfaces import (
    BATCH_MODES,
    NEURON_X,
    NEURON_Y,
    batch_mode_run,
    get_surface,
    neuron_net,
    surface_grid,
    trajectory,
)
from tests.hover_text import hover_texts

NEURON = "single neuron (w, b)"


def _trace(fig, name_start: str):
    return next(t for t in fig.data if (t.name or "").startswith(name_start))


def test_loss_curve_draws_the_engine_iterates_with_arrows() -> None:
    run = descend(2.0, 0.03, 6)
    fig = loss_curve_figure(run)
    curve = _trace(fig, "L(w)")
    assert np.allclose(curve.y, loss_curve(run.example, np.asarray(curve.x)))
    iterates = _trace(fig, "iterates")
    assert np.allclose(iterates.x, run.weights) and np.allclose(iterates.y, run.losses)
    # hover gives each iterate's step, weight, loss and slope
    assert "dL/dw = -20" in iterates.hovertext[0]
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == 6
    assert (arrows[0].ax, arrows[0].x) == (run.weights[0], run.weights[1])
    assert "lr = 0.03" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "weight w" and fig.layout.yaxis.title.text == "loss L(w)"


def test_diverging_iterates_outside_the_view_are_counted() -> None:
    run = descend(2.0, 0.05, 20)
    lo, hi, hidden = visible_range(run)
    assert hidden > 0 and lo < run.w_star < hi
    fig = loss_curve_figure(run)
    assert len(_trace(fig, "iterates").x) == len(run.weights) - hidden
    assert any(f"{hidden} iterate(s) lie outside" in (a.text or "") for a in fig.layout.annotations)


def test_distance_figure_is_the_share_of_the_start() -> None:
    run = descend(2.0, 0.005, 10)
    fig = distance_figure(run)
    assert np.allclose(fig.data[0].y, run.distances / run.distances[0])
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].y0 == 0.01


def test_regime_strip_marks_the_critical_rates_and_the_chosen_one() -> None:
    rates = critical_rates(one_weight_example())
    fig = regime_strip_figure(rates, 0.03)
    lines = sorted(s.x0 for s in fig.layout.shapes if s.type == "line")
    assert lines == pytest.approx([0.02, 0.04])
    assert fig.data[0].x[0] == 0.03
    # a rate beyond the drawn range sits at the edge and says so
    far = regime_strip_figure(rates, 10.0)
    assert far.data[0].x[0] == pytest.approx(far.layout.xaxis.range[1])
    assert "off the scale" in far.data[0].text[0]


def assert_grid_hover_unchanged(trace: object, surface_name: str) -> None:
    """The grid's hover at every point reads exactly as from the float64 grid and loss."""
    surface = get_surface(surface_name)
    lo1, hi1, lo2, hi2 = surface.box
    g1, g2 = np.meshgrid(np.linspace(lo1, hi1, CLICK_GRID), np.linspace(lo2, hi2, CLICK_GRID))
    exact = {"x": g1.ravel(), "y": g2.ravel(), "customdata": surface.loss(g1, g2).ravel()}
    sent = {"x": trace.x, "y": trace.y, "customdata": trace.customdata}
    assert hover_texts(trace.hovertemplate, sent) == hover_texts(trace.hovertemplate, exact)
    assert "L = %{customdata:.4g}" in trace.hovertemplate  # the test reads the loss the hover shows


def test_contour_has_a_clickable_grid_and_the_engine_paths() -> None:
    grid = surface_grid("ravine", 41)
    t = trajectory("ravine", "momentum", 0.01, (-8.0, 1.5), 30)
    fig = contour_figure(grid, [Path("Momentum", t.points, t.losses, "red")], (-8.0, 1.5), "ravine")
    click = _trace(fig, CLICK_TRACE_NAME)
    assert len(click.x) == CLICK_GRID**2
    # hover and click-to-select search every point, but the browser draws only one of them
    assert click.marker.maxdisplayed == 1 and click.marker.opacity == 0
    # the grid goes out in float32 (viz.compact), yet every hover reads as from the float64 values
    assert click.customdata.dtype == np.float32 and click.x.dtype == np.float32
    assert_grid_hover_unchanged(click, "ravine")
    path = _trace(fig, "Momentum")
    assert np.allclose(path.x, t.points[:, 0]) and np.allclose(path.y, t.points[:, 1])
    assert np.allclose(np.asarray(path.customdata)[:, 1], t.losses)
    assert list(fig.layout.xaxis.range) == [-10.0, 10.0] and list(fig.layout.yaxis.range) == [-3.0, 3.0]
    # the colour bar prints loss values: 10 ** tick
    contour = fig.data[0]
    ticks = np.asarray(contour.colorbar.tickvals)
    labels = list(contour.colorbar.ticktext)
    # the ravine's minimum is 0: the palest colour covers everything below the floor, and says so
    assert labels[0].startswith("≤ ")
    labels[0] = labels[0][2:]
    assert [float(v) for v in labels] == pytest.approx(10.0**ticks, rel=1e-2)
    assert fig.layout.clickmode == "event+select"


def test_a_contour_that_is_not_clickable_still_gives_the_loss_on_hover() -> None:
    grid = surface_grid(NEURON, 41)
    fig = contour_figure(grid, [], (-3.0, 3.0), "batch modes", clickable=False)
    assert all(t.name != CLICK_TRACE_NAME for t in fig.data)
    hover = _trace(fig, HOVER_TRACE_NAME)
    assert len(hover.x) == CLICK_GRID**2 and "click" not in hover.hovertemplate
    assert_grid_hover_unchanged(hover, NEURON)


def test_loss_steps_marks_the_first_crossing() -> None:
    t = trajectory("ravine", "sgd", 0.045, (-8.0, 1.5), 150)
    fig = loss_steps_figure([Path("SGD", t.points, t.losses, "blue")], 0.01, "loss")
    diamond = next(tr for tr in fig.data if tr.mode == "markers")
    assert diamond.x[0] == t.steps_to(0.01)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.annotations[0].y == pytest.approx(np.log10(0.01))
    # the neuron's losses span about one decade: a plain axis reads better
    n = trajectory(NEURON, "sgd", 1.0, (-3.0, 3.0), 50)
    plain = loss_steps_figure([Path("SGD", n.points, n.losses, "blue")], 0.32, "loss")
    assert plain.layout.yaxis.type != "log" and plain.layout.annotations[0].y == 0.32


def test_batch_loss_against_iterations_and_epochs() -> None:
    runs = [batch_mode_run(m, (-3.0, 3.0), 0.5, 2, 6) for m in BATCH_MODES]
    paths = [Path(r.mode, r.points, r.loss, "red") for r in runs]
    by_iter = batch_loss_figure(paths, [r.epoch for r in runs], "iteration")
    by_epoch = batch_loss_figure(paths, [r.epoch for r in runs], "epoch")
    single = runs[2]
    assert list(by_iter.data[2].x) == list(range(1, single.iterations + 1))
    assert np.allclose(by_iter.data[2].y, single.loss[1:])
    assert np.allclose(by_epoch.data[2].x, single.epoch) and by_epoch.data[2].x[-1] == 2.0
    with pytest.raises(ValueError):
        batch_loss_figure(paths, [r.epoch for r in runs], "step")


def test_zero_grad_figure_plots_both_runs_in_three_panels() -> None:
    good, bad = zero_grad_lesson(0.01, 8, True), zero_grad_lesson(0.01, 8, False)
    fig = zero_grad_figure(good, bad, forget=True, w_star=2.4)
    assert len(fig.data) == 6
    stored_bad = next(t for t in fig.data if t.name == "without zero_grad()" and t.yaxis == "y")
    assert np.allclose(stored_bad.y, bad.series()["stored"])
    assert stored_bad.line.width == 3  # the chosen run is drawn bold
    weights_good = next(t for t in fig.data if t.name == "with zero_grad()" and t.yaxis == "y2")
    assert np.allclose(weights_good.y, good.series()["w"])


def test_accumulation_bars_add_up_to_the_full_gradient() -> None:
    check = accumulated_gradient(neuron_net(-3.0, 3.0), NEURON_X[:, None], NEURON_Y[:, None], "bce", 5)
    fig = accumulation_figure(check, [("dL/dw", 0, 0, 0), ("dL/db", 0, 0, None)])
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 5
    sums = np.sum([t.x for t in bars], axis=0)
    full = [check.full.dW[0][0, 0], check.full.db[0][0]]
    assert np.allclose(sums, full, atol=1e-12)
    assert np.allclose(fig.data[-1].x, full)
