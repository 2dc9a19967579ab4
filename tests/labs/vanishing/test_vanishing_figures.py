"""The vanishing lab's figure builders, without Streamlit: the numbers drawn are the engine's."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from backprop_core import ACTIVATIONS
from labs.vanishing.figures import (
    bound_table,
    describe_ratio,
    drawable,
    layer_ranges,
    profile_figure,
    profile_gaps,
    ratio_table,
    times,
)
from labs.vanishing.figures_saturation import derivative_figure, histogram_figure, saturated_share_figure
from labs.vanishing.figures_scale import (
    clipping_figure,
    clipping_notes,
    sweep_figure,
    sweep_gaps,
    symmetry_spread_figure,
    symmetry_weights_figure,
)
from labs.vanishing.figures_training import (
    MAX_HEATMAP_COLUMNS,
    heatmap_figure,
    heatmap_gaps,
    loss_curves_figure,
    loss_notes,
)
from labs.vanishing.model import GradientProfile, LabSetup, start_lab, train_lab
from labs.vanishing.model_experiments import (
    clipping_experiment,
    delta_bound,
    layer_stats,
    scale_sweep,
    symmetry_experiment,
)
from viz.format import fmt, latex_number


@pytest.fixture(scope="module")
def trained() -> object:
    return train_lab(start_lab(LabSetup(activations=("sigmoid", "relu"), depth=4, width=8)), 40, 0.1)


def test_small_helpers() -> None:
    assert layer_ranges([1, 2, 3, 5, 7, 8]) == "1–3, 5, 7–8"
    assert describe_ratio(4.1e-7) == "2.44 million times smaller"
    assert describe_ratio(31.6) == "31.6 times larger"
    assert describe_ratio(float("nan")).startswith("undefined")
    assert describe_ratio(float("inf")) == "the output layer's gradient is 0"
    assert times(2.5e9) == "2.5 billion" and times(12.0) == "12"
    assert latex_number(9.537e-7) == "9.54 \\times 10^{-7}" and latex_number(0.25) == "0.25"
    np.testing.assert_array_equal(drawable(np.array([1.0, 0.0, -1.0, np.inf, np.nan])), [1.0, *[np.nan] * 4])


def test_profile_figure_draws_the_norms_and_names_what_it_cannot(trained: object) -> None:
    profiles = [r.profile for r in trained.runs]
    fig = profile_figure(profiles, "t")
    assert len(fig.data) == 4  # (dW, delta) x 2 activations
    np.testing.assert_array_equal(fig.data[0].y, profiles[0].layer_grad_norms)
    np.testing.assert_array_equal(fig.data[1].y, profiles[0].delta_norms)
    np.testing.assert_array_equal(fig.data[0].x, np.arange(1, 6))
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.title.text.startswith("layer (1 = next")
    assert profile_gaps(profiles) == []
    dead = GradientProfile("relu", np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, np.inf]), 0.7)
    fig = profile_figure([dead], "t")
    assert np.isnan(fig.data[0].y[:2]).all() and fig.data[0].y[2] == 2.0
    notes = profile_gaps([dead])
    assert notes[0].startswith("relu: ‖dW‖ is exactly 0 in layers 1–2 (not drawn).")
    assert "‖delta‖ is infinite (overflow) in layer 3" in notes[2]


def test_ratio_and_bound_tables_show_the_engines_values(trained: object) -> None:
    profiles = [r.profile for r in trained.runs]
    rows = ratio_table(profiles).to_dict("records")
    assert rows[0]["‖dW‖ layer 1"] == fmt(float(profiles[0].layer_grad_norms[0]))
    assert rows[1]["‖dW‖ first / output"] == fmt(profiles[1].ratio)
    bounds = [delta_bound(r.initial) for r in trained.runs]
    bound = bound_table(profiles, 4, bounds).to_dict("records")
    assert bound[0]["(largest f')^4"] == fmt(0.25**4) and bound[1]["largest f'(z)"] == "1"
    assert bound[0]["bound with the weights ∏ max f'·‖W‖₂"] == fmt(bounds[0])
    assert bound[0]["measured ‖delta‖ layer 1 / output"] == fmt(profiles[0].delta_ratio)


def test_heatmap_uses_one_log_colour_range_for_every_activation(trained: object) -> None:
    fig = heatmap_figure(trained.runs)
    assert len(fig.data) == 2 and all(t.coloraxis == "coloraxis" for t in fig.data)
    logs = [np.log10(r.grad_norm_matrix()) for r in trained.runs]
    assert fig.layout.coloraxis.cmin == pytest.approx(min(v.min() for v in logs))
    assert fig.layout.coloraxis.cmax == pytest.approx(max(v.max() for v in logs))
    np.testing.assert_allclose(fig.data[0].z, logs[0])
    np.testing.assert_array_equal(fig.data[0].customdata, trained.runs[0].grad_norm_matrix())
    np.testing.assert_array_equal(fig.data[0].x, np.arange(1, 41))
    assert heatmap_gaps(trained.runs) == []


def test_heatmap_thins_long_histories_and_says_so() -> None:
    lab = train_lab(start_lab(LabSetup(activations=("relu",), depth=2, width=4)), 700, 0.1)
    fig = heatmap_figure(lab.runs)
    x = np.asarray(fig.data[0].x)
    assert len(x) <= MAX_HEATMAP_COLUMNS + 1 and x[0] == 1 and x[-1] == 700
    assert "700 iterations" in heatmap_gaps(lab.runs)[0]


def test_heatmap_before_training_says_what_to_do() -> None:
    fig = heatmap_figure(start_lab(LabSetup(depth=2, width=4)).runs)
    assert not fig.data
    assert "press Train or Play" in fig.layout.annotations[-1].text


def test_heatmap_of_gradients_that_are_all_zero_does_not_claim_there_are_no_iterations() -> None:
    # 30 relu layers of 4 units from std 10: some layer is dead on every sample, so every dW is 0
    lab = train_lab(
        start_lab(LabSetup(activations=("relu",), depth=30, width=4, init="normal", std=10.0)), 5, 0.1
    )
    assert lab.runs[0].iteration == 5 and not lab.runs[0].grad_norm_matrix().any()
    note = heatmap_figure(lab.runs).layout.annotations[-1].text
    assert "Every ‖dW‖ is 0" in note and "No iterations" not in note


def test_loss_figure_before_training_shows_each_starting_loss_as_a_dot() -> None:
    runs = start_lab(LabSetup(depth=2, width=4)).runs
    fig = loss_curves_figure(runs)
    assert [t.mode for t in fig.data] == ["markers", "markers"]
    assert [t.y[0] for t in fig.data] == [r.losses[0] for r in runs]
    assert "No updates yet" in fig.layout.annotations[0].text
    assert not loss_curves_figure(
        train_lab(start_lab(LabSetup(depth=2, width=4)), 3, 0.1).runs
    ).layout.annotations


def test_loss_figure_and_a_diverged_run() -> None:
    lab = train_lab(start_lab(LabSetup(activations=("relu",), depth=6, init="normal", std=2.0)), 30, 10.0)
    run = lab.runs[0]
    assert run.diverged
    fig = loss_curves_figure(lab.runs)
    np.testing.assert_array_equal(fig.data[0].x, np.arange(len(run.losses)))
    assert fig.data[1].text == ("stopped: diverged",)
    notes = loss_notes(lab.runs)
    assert notes[0].startswith(f"relu stopped after {run.iteration} update")
    assert fig.layout.yaxis.type == "log"


def test_derivative_figure_plots_the_registry() -> None:
    fig = derivative_figure(["sigmoid", "tanh", "relu"])
    for trace, name in zip(fig.data, ["sigmoid", "tanh", "relu"], strict=True):
        np.testing.assert_allclose(trace.y, ACTIVATIONS[name].df(np.asarray(trace.x)))
    assert fig.data[0].name == "sigmoid' (max 0.25)"


def test_histograms_and_stuck_unit_shares(trained: object) -> None:
    stats = layer_stats(trained.run_of("relu").net, trained.data.X_train)
    fig = histogram_figure(stats, [0, 3])
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 2
    for bar in bars:
        assert sum(bar.y) == pytest.approx(1.0)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:2] == [
        f"layer 1: {stats.dead_units[0]} of 8 dead",
        f"layer 4: {stats.dead_units[3]} of 8 dead",
    ]
    sig = layer_stats(trained.run_of("sigmoid").net, trained.data.X_train)
    fig = saturated_share_figure([sig, stats])
    np.testing.assert_allclose(fig.data[0].y, 100 * sig.saturated_share)
    np.testing.assert_allclose(fig.data[1].y, 100 * stats.dead_share)
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "3", "4"], "hidden layers: no output label"


def test_sweep_figure_reference_slope_and_gaps() -> None:
    sweep = scale_sweep(LabSetup(depth=3, width=8), np.geomspace(0.01, 10, 7), ("sigmoid", "relu"))
    fig = sweep_figure(sweep, 1.0)
    ref = next(t for t in fig.data if t.name.startswith("∝ std^3"))
    slope = np.polyfit(np.log(sweep.stds), np.log(np.asarray(ref.y, dtype=float)), 1)[0]
    assert slope == pytest.approx(3.0)
    assert len(fig.layout.shapes) == 3  # the current std, marked on each panel
    assert sweep_gaps(sweep) == []
    dead = replace(sweep, first_grad=np.zeros_like(sweep.first_grad))
    assert "every std" in sweep_gaps(dead)[0]


def test_clipping_figure_follows_the_toggle() -> None:
    cmp = clipping_experiment(LabSetup(depth=4, width=8), 2.0, 1.0, 0.1, iterations=20)
    on = clipping_figure(cmp, clipped=True)
    off = clipping_figure(cmp, clipped=False)
    np.testing.assert_allclose(on.data[1].y, cmp.clipped_layer_grad_norms)
    assert len([t for t in on.data if t.mode == "lines"]) == 2
    assert [t.name for t in off.data if t.mode == "lines"] == ["loss without clipping"]
    assert all(n.startswith("The run without") for n in clipping_notes(cmp, clipped=False))


def test_symmetry_figures_print_every_weight() -> None:
    sym = symmetry_experiment("xor", "sigmoid", "zeros", iterations=30)
    fix = symmetry_experiment("xor", "sigmoid", "random", iterations=30)
    spread = symmetry_spread_figure(sym, fix)
    assert len(spread.data) == 4
    np.testing.assert_array_equal(spread.data[0].y, np.zeros(31))
    weights = symmetry_weights_figure(sym, fix)
    first = weights.data[0]
    theta = np.vstack([sym.final.weights[0], sym.final.biases[0][None, :]]).T
    np.testing.assert_array_equal(first.z, theta)
    assert first.text[0][0] == fmt(float(theta[0, 0]), 3)
    assert weights.layout.coloraxis.cmid == 0
    assert math.isclose(-weights.layout.coloraxis.cmin, weights.layout.coloraxis.cmax)


def test_a_clipped_loss_that_falls_off_the_log_axis_is_marked_on_the_chart_and_explained() -> None:
    # the page's defaults in section 4 (relu, normal std 1, clip 1, lr 0.1, 60 updates): the
    # clipped run's loss collapses to about 1e-279, and its line ends: the chart must say why
    cmp = clipping_experiment(
        LabSetup(activations=("relu",)), 1.0, 1.0, 0.1, "sgd", iterations=60, activation="relu"
    )
    below = int(np.flatnonzero(cmp.losses_clipped < 1e-12)[0])
    assert 0 < below < 60
    fig = clipping_figure(cmp, clipped=True)
    clipped_line = next(t for t in fig.data if t.name == "loss with clipping")
    assert len(clipped_line.x) == below
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"from update {below}" in t for t in notes)
    words = " ".join(clipping_notes(cmp, clipped=True))
    assert f"from update {below} the loss is below 1e-12" in words and "line ends there" in words
