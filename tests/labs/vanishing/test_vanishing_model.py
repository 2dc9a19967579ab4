"""The vanishing-gradients lab's engine: same draws per activation, measured ratios, symmetry, clipping."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_core import MLP, backward, compute_loss, evaluate, forward, train_step
from labs.vanishing import model as vg
from labs.vanishing.model import (
    COMPARE_ACTIVATIONS,
    LabSetup,
    build_activation_network,
    gradient_profile,
    lab_inputs,
    norm_ratio,
    start_lab,
    train_lab,
)
from labs.vanishing.model_experiments import (
    clipping_experiment,
    delta_bound,
    derivative_bound,
    derivative_curve,
    layer_stats,
    max_derivative,
    scale_sweep,
    symmetry_experiment,
    unit_spread,
    update_sizes,
)


def _profile(setup: LabSetup, activation: str) -> vg.GradientProfile:
    return start_lab(LabSetup(**{**setup.__dict__, "activations": (activation,)})).runs[0].profile


# -- the comparison is fair: same data, same draws ---------------------------------------------------


def test_every_activation_gets_the_same_weight_draws_and_data() -> None:
    setup = LabSetup(activations=COMPARE_ACTIVATIONS, depth=5, width=8, init="he", seed=7)
    lab = start_lab(setup)
    first = lab.runs[0].initial
    for r in lab.runs:
        assert r.initial.activations == (r.activation,) * 5 + ("sigmoid",)
        assert all(np.array_equal(a, b) for a, b in zip(r.initial.weights, first.weights, strict=True))
    # a different seed draws different weights; the data follows the seed too, on its own stream
    other = build_activation_network(LabSetup(depth=5, width=8, init="he", seed=8), "relu")
    assert not np.array_equal(other.weights[0], first.weights[0])
    X, _ = lab_inputs(setup.dataset, setup.seed)
    np.testing.assert_array_equal(lab.data.X_train, X)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0)


def test_profile_is_the_engines_backward_pass() -> None:
    setup = LabSetup(depth=4, width=6, seed=3)
    lab = start_lab(setup)
    for r in lab.runs:
        fwd = forward(r.initial, lab.data.X_train)
        back = backward(r.initial, fwd, compute_loss(r.initial, fwd, lab.data.Y_train, "bce"))
        np.testing.assert_array_equal(r.profile.layer_grad_norms, back.layer_grad_norms)
        np.testing.assert_array_equal(r.profile.delta_norms, back.delta_norms)
        assert r.profile.ratio == pytest.approx(back.layer_grad_norms[0] / back.layer_grad_norms[-1])
        assert r.losses == (evaluate(r.initial, lab.data.X_train, lab.data.Y_train, "bce"),)


# -- the three engine-level claims ---------------------------------------------------------


@pytest.mark.parametrize("dataset", ["xor", "circle", "moons", "spiral", "blobs", "sine", "plane"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_xavier_first_layer_gradient_is_100x_smaller(dataset: str, seed: int) -> None:
    p = _profile(LabSetup(depth=10, width=16, init="xavier", dataset=dataset, seed=seed), "sigmoid")
    assert p.layer_grad_norms[0] > 0
    assert p.ratio <= 1e-2, f"first/output = {p.ratio:.3g}"


@pytest.mark.parametrize("dataset", ["xor", "moons", "blobs"])
@pytest.mark.parametrize("seed", range(10))
def test_relu_he_first_layer_gradient_within_10x_of_the_output(dataset: str, seed: int) -> None:
    p = _profile(LabSetup(depth=10, width=16, init="he", dataset=dataset, seed=seed), "relu")
    assert 0.1 <= p.ratio <= 10, f"first/output = {p.ratio:.3g}"


@pytest.mark.parametrize("activation", COMPARE_ACTIVATIONS)
@pytest.mark.parametrize("width", [4, 5])
def test_zeros_init_keeps_the_hidden_units_of_a_layer_identical(activation: str, width: int) -> None:
    setup = LabSetup(activations=(activation,), depth=3, width=width, init="zeros")
    lab = train_lab(start_lab(setup), 60, 0.5)
    net = lab.runs[0].net
    assert lab.runs[0].iteration == 60
    for l in range(3):
        theta = np.vstack([net.weights[l], net.biases[l][None, :]])
        # identical up to float rounding: with an odd width the matrix product may add the
        # columns in a different order, a difference of ~1e-16 of the weights' size
        assert unit_spread(net, l) <= 1e-12 * np.abs(theta).max()
        np.testing.assert_allclose(theta, theta[:, :1].repeat(width, axis=1), rtol=1e-12, atol=0)


@pytest.mark.parametrize("activation", COMPARE_ACTIVATIONS)
def test_symmetric_starts_stay_symmetric_and_random_breaks_it(activation: str) -> None:
    for start in ("zeros", "equal"):
        sym = symmetry_experiment("xor", activation, start, iterations=80)
        assert sym.spread.shape == (81, 2)
        assert np.all(sym.spread == 0.0), start
    # equal non-zero weights do train (every unit moves, in lock step)
    equal = symmetry_experiment("xor", activation, "equal", iterations=80)
    assert not np.array_equal(equal.final.weights[0], equal.initial.weights[0])
    fix = symmetry_experiment("xor", activation, "random", iterations=80)
    assert np.all(fix.spread[-1] > 0.1)
    if activation != "sigmoid":  # a 2-layer sigmoid net needs more than 80 updates to learn xor
        assert fix.losses[-1] < equal.losses[-1]


def test_zeros_with_sigmoid_moves_the_weights_but_not_apart() -> None:
    # sigmoid(0) = 0.5 feeds the output layer, so its weights change; relu(0) = tanh(0) = 0 do not
    sig = symmetry_experiment("xor", "sigmoid", "zeros", iterations=50)
    assert np.abs(sig.final.weights[-1]).max() > 0
    relu = symmetry_experiment("xor", "relu", "zeros", iterations=50)
    assert all(np.all(w == 0) for w in relu.final.weights)


# -- training ---------------------------------------------------------------------------------------


def test_train_lab_records_each_update_and_the_loss_after_it() -> None:
    lab = start_lab(LabSetup(depth=4, width=8))
    trained = train_lab(lab, 30, 0.1)
    for before, r in zip(lab.runs, trained.runs, strict=True):
        assert r.iteration == 30 and len(r.records) == 30 and len(r.losses) == 31
        # update 1 used the gradients of the initial network
        np.testing.assert_allclose(r.records[0].layer_grad_norms, before.profile.layer_grad_norms)
        assert r.losses[-1] == pytest.approx(evaluate(r.net, lab.data.X_train, lab.data.Y_train, "bce"))
        # the loss after t updates: check one in the middle with the engine's own train_step
        net = r.initial
        for _ in range(12):
            net = train_step(net, lab.data.X_train, lab.data.Y_train, loss="bce", lr=0.1).net_after
        assert r.losses[12] == pytest.approx(evaluate(net, lab.data.X_train, lab.data.Y_train, "bce"))
        assert r.grad_norm_matrix().shape == (5, 30)
    # training in two presses gives exactly what one press gives
    split = train_lab(train_lab(lab, 18, 0.1), 12, 0.1)
    for a, b in zip(split.runs, trained.runs, strict=True):
        assert a.losses == pytest.approx(b.losses)
        assert a.net == b.net


def test_the_gradient_norm_matrix_grows_with_the_updates_and_matches_the_records() -> None:
    lab = start_lab(LabSetup(activations=("sigmoid", "relu"), depth=3, width=4))
    assert lab.runs[0].grad_norm_matrix().shape == (4, 0)  # worked out (and kept) before training
    for n in (1, 9, 25):  # each call extends the kept matrix by its own updates
        lab = train_lab(lab, n, 0.1)
    fresh = train_lab(start_lab(lab.setup), 35, 0.1)  # never asked for the matrix before
    for r, f in zip(lab.runs, fresh.runs, strict=True):
        rebuilt = np.array([rec.layer_grad_norms for rec in r.records]).T
        np.testing.assert_array_equal(r.grad_norm_matrix(), rebuilt)
        np.testing.assert_array_equal(f.grad_norm_matrix(), rebuilt)
        assert r.grad_norm_matrix() is r.grad_norm_matrix()  # kept, not rebuilt on every call
        with pytest.raises(ValueError):
            r.grad_norm_matrix()[0, 0] = 1.0  # read-only: a caller cannot change the kept copy
        # the loss after the last update is the engine's own evaluate, to the last bit
        assert r.losses[-1] == evaluate(r.net, lab.data.X_train, lab.data.Y_train, "bce")


def test_a_diverging_run_stops_with_a_reason_and_keeps_finite_numbers() -> None:
    lab = start_lab(LabSetup(activations=("sigmoid", "relu"), depth=6, width=16, init="normal", std=2.0))
    trained = train_lab(lab, 40, 10.0)
    relu = trained.run_of("relu")
    assert relu.diverged and relu.stop_reason
    assert relu.iteration < 40
    assert np.all(np.isfinite(relu.losses))
    assert train_lab(trained, 10, 10.0).run_of("relu") == relu
    assert trained.iteration == 40  # sigmoid kept going


def test_training_stops_at_the_iteration_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vg, "MAX_ITERATIONS", 25)
    lab = train_lab(start_lab(LabSetup(depth=2, width=4)), 40, 0.1)
    assert [r.iteration for r in lab.runs] == [25, 25]
    assert lab.finished
    assert train_lab(lab, 5, 0.1).iteration == 25


def test_setup_rejects_what_the_page_cannot_build() -> None:
    for bad in (
        {"activations": ("swish",)},
        {"activations": ("relu", "relu")},
        {"depth": 0},
        {"depth": 31},
        {"width": 0},
        {"dataset": "mnist"},
        {"init": "orthogonal"},
        {"std": float("nan")},
        {"seed": -1},
    ):
        with pytest.raises(ValueError):
            LabSetup(**bad)
    with pytest.raises(ValueError):
        train_lab(start_lab(LabSetup(depth=2, width=4)), -1, 0.1)


@pytest.mark.parametrize("activation", COMPARE_ACTIVATIONS)
@pytest.mark.parametrize(
    ("init", "std"), [("xavier", 0.1), ("normal", 10.0), ("normal", 0.001), ("zeros", 0.1)]
)
def test_the_deepest_widest_network_gives_numbers_or_says_why_not(
    activation: str, init: str, std: float
) -> None:
    p = _profile(LabSetup(depth=30, width=64, init=init, std=std), activation)
    assert p.layer_grad_norms.shape == (31,)
    assert np.all(np.isnan(p.layer_grad_norms) | (p.layer_grad_norms >= 0))
    first, last = float(p.layer_grad_norms[0]), float(p.layer_grad_norms[-1])
    if np.isfinite(first) and np.isfinite(last) and last > 0:
        assert p.ratio == first / last  # a number whenever the two norms make one
    elif np.isfinite(first) and last == 0 and first > 0:
        assert p.ratio == np.inf
    else:
        assert np.isnan(p.ratio)  # and NaN, not a made-up number, when they do not


def test_norm_ratio_says_when_a_ratio_has_no_value() -> None:
    assert norm_ratio(1.0, 4.0) == 0.25
    assert norm_ratio(1.0, 0.0) == float("inf")
    assert np.isnan(norm_ratio(0.0, 0.0))
    assert np.isnan(norm_ratio(float("inf"), 1.0))


# -- why it happens --------------------------------------------------------------------------------


def test_derivative_maxima_and_the_depth_bound() -> None:
    assert max_derivative("sigmoid") == 0.25
    assert (
        max_derivative("tanh") == 1.0
        and max_derivative("relu") == 1.0
        and max_derivative("leaky_relu") == 1.0
    )
    assert derivative_bound("sigmoid", 10) == 0.25**10
    assert derivative_bound("relu", 30) == 1.0
    z, d = derivative_curve("relu", -1, 1, 5)
    np.testing.assert_array_equal(z, [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_array_equal(d, [0, 0, 0, 1, 1])


def test_sigmoid_measured_ratio_respects_the_bound_up_to_the_weights() -> None:
    # delta[0] = delta[L-1] @ W... * f'(z) ... : the f' factors are at most 0.25 each, so
    # ||delta_1|| / ||delta_out|| <= 0.25^depth * (the product of the weight matrices' norms)
    setup = LabSetup(activations=("sigmoid",), depth=8, width=16)
    r = start_lab(setup).runs[0]
    spectral = np.prod([np.linalg.norm(w, 2) for w in r.initial.weights[1:]])
    assert r.profile.delta_ratio <= derivative_bound("sigmoid", 8) * spectral * (1 + 1e-9)


def test_layer_stats_count_dead_and_saturated_units_by_hand() -> None:
    X = np.array([[1.0], [2.0], [3.0]])
    # unit 1: z = x > 0 always; unit 2: z = -x <= 0 always (dead for relu); output layer ignored
    relu = MLP.from_params([[[1.0, -1.0]], [[1.0], [1.0]]], [[0.0, 0.0], [0.0]], ["relu", "sigmoid"])
    stats = layer_stats(relu, X)
    np.testing.assert_array_equal(stats.z[0], [[1, -1], [2, -2], [3, -3]])
    assert stats.dead_share.tolist() == [0.5] and stats.dead_units.tolist() == [1]
    # sigmoid'(z) < 0.01 where |z| > 4.59: unit 1 (z = 10x) always, unit 2 (z = 0.1x) never
    sig = MLP.from_params([[[10.0, 0.1]], [[1.0], [1.0]]], [[0.0, 0.0], [0.0]], ["sigmoid", "sigmoid"])
    assert layer_stats(sig, X).saturated_share.tolist() == [0.5]


# -- exploding gradients and clipping ---------------------------------------------------------------


def test_relu_gradients_grow_like_the_scale_to_the_power_of_the_depth() -> None:
    sweep = scale_sweep(LabSetup(depth=6, width=16), np.geomspace(0.01, 10, 13), ("sigmoid", "relu"))
    assert sweep.first_grad.shape == (2, 13)
    # relu with zero biases is positively homogeneous: z scales exactly like std^(layer)
    assert sweep.slope("relu", 1.0, 10.0) == pytest.approx(6, abs=0.05)
    assert sweep.slope("relu", 0.01, 0.1) == pytest.approx(6, abs=0.05)
    relu_ratio = sweep.ratio[1]
    np.testing.assert_allclose(relu_ratio[sweep.stds >= 1], relu_ratio[-1], rtol=1e-3)
    # sigmoid units saturate as the weights grow
    sat = sweep.saturated[0]
    assert sat[0] == 0.0 and sat[-1] > 0.5 and np.all(np.diff(sat) >= 0)


def test_clipping_scales_every_layer_alike_and_rescues_the_loss() -> None:
    setup = LabSetup(depth=10, width=16)
    cmp = clipping_experiment(setup, std=1.0, clip_norm=1.0, lr=0.1, iterations=60)
    # the engine's own clipping step reports the same global norm and factor
    lab = start_lab(LabSetup(activations=("relu",), depth=10, width=16, init="normal", std=1.0))
    step = train_step(
        lab.runs[0].initial, lab.data.X_train, lab.data.Y_train, loss="bce", lr=0.1, clip_norm=1.0
    )
    assert cmp.global_grad_norm == pytest.approx(step.update.global_grad_norm)
    assert cmp.clip_scale == pytest.approx(step.update.clip_scale)
    assert cmp.clip_scale < 1e-3
    np.testing.assert_allclose(cmp.clipped_layer_grad_norms / cmp.raw_layer_grad_norms, cmp.clip_scale)
    assert cmp.clipped_layer_grad_norms[0] / cmp.clipped_layer_grad_norms[-1] == pytest.approx(
        cmp.raw_layer_grad_norms[0] / cmp.raw_layer_grad_norms[-1]
    )
    # without clipping the first steps blow up; with it the loss comes down
    assert cmp.stop_plain is not None and len(cmp.losses_plain) < 61
    assert cmp.stop_clipped is None and len(cmp.losses_clipped) == 61
    assert cmp.losses_clipped[-1] < 0.01 * cmp.losses_clipped[0]


def test_clipping_leaves_small_gradients_alone() -> None:
    cmp = clipping_experiment(LabSetup(depth=4, width=8), std=0.3, clip_norm=10.0, lr=0.1, iterations=5)
    assert cmp.clip_scale == 1.0
    np.testing.assert_array_equal(cmp.clipped_layer_grad_norms, cmp.raw_layer_grad_norms)
    np.testing.assert_allclose(cmp.losses_plain, cmp.losses_clipped)
    with pytest.raises(ValueError):
        clipping_experiment(LabSetup(), std=1.0, clip_norm=0.0, lr=0.1)


def test_gradient_profile_for_a_net_without_hidden_layers() -> None:
    net = MLP.create([2, 1], output="sigmoid", seed=0)
    X, y = lab_inputs("xor", 0)
    p = gradient_profile(net, X, y, "bce")
    assert p.activation == "sigmoid" and p.layer_grad_norms.shape == (1,) and p.ratio == 1.0


# -- the bound section 3 states, on random networks -------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(1, 6),
    width=st.integers(1, 9),
    act=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu"]),
    scale=st.sampled_from([0.1, 0.5, 1.0, 3.0, 10.0]),
    m=st.integers(1, 12),
    seed=st.integers(0, 10_000),
)
def test_delta_bound_holds_on_random_networks(depth, width, act, scale, m, seed) -> None:
    # ||delta_1|| <= prod_l (max f' * ||W_l||_2) * ||delta_out||, whatever the weights and the data
    rng = np.random.default_rng(seed)
    sizes = [3, *([width] * depth), 2]
    weights = [rng.normal(0, scale, (a, b)) for a, b in pairwise(sizes)]
    biases = [rng.normal(0, scale, b) for b in sizes[1:]]
    net = MLP.from_params(weights, biases, [act] * depth + ["linear"])
    X, Y = rng.normal(size=(m, 3)), rng.normal(size=(m, 2))
    back = backward(net, fwd := forward(net, X), compute_loss(net, fwd, Y, "mse"))
    first, out = back.delta_norms[0], back.delta_norms[-1]
    assert first <= delta_bound(net) * out * (1 + 1e-9) + 1e-300
    # sigmoid: every factor carries 0.25, so the bound is 0.25^depth times the spectral norms
    if act == "sigmoid":
        spectral = np.prod([np.linalg.norm(w, 2) for w in weights[1:]])
        assert delta_bound(net) == pytest.approx(0.25**depth * spectral, rel=1e-12)


# -- Adam and vanishing update sizes ------------------------------------------------------------------


def test_adam_undoes_sigmoids_vanishing_update_sizes() -> None:
    # the page's default sigmoid network (10 hidden layers, xavier): under SGD layer 1 moves a
    # million times less, relative to its size, than the output layer; Adam divides each coordinate's
    # step by the root of its squared gradients, so every layer moves about alike
    setup = LabSetup(activations=("sigmoid",))
    sgd = update_sizes(setup, "sigmoid", "sgd", 0.1, 10)
    adam = update_sizes(setup, "sigmoid", "adam", 0.1, 10)
    assert sgd.relative.shape == adam.relative.shape == (10, 11)
    assert sgd.first_over_output < 1e-5
    assert adam.first_over_output > 0.1
    # every layer's relative step under Adam beats SGD's for the layers next to the input
    assert np.all(adam.mean[:5] > 1e3 * sgd.mean[:5])
    # SGD's update is -lr * dW exactly: the relative size of the first update checks by hand
    lab = start_lab(setup)
    net = lab.runs[0].initial
    step = train_step(net, lab.data.X_train, lab.data.Y_train, loss=setup.loss, lr=0.1)
    expected = 0.1 * np.linalg.norm(step.dW[0]) / np.linalg.norm(net.weights[0])
    assert sgd.relative[0, 0] == pytest.approx(expected, rel=1e-12)
