"""The step-through presets, parameter names, valid choices, and the classic example's published numbers
(labs.step_through.model_classic)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import CLASSIC_WEIGHT_NAMES, compute_loss, evaluate, forward, train_step
from backprop_core.losses import LOSSES
from labs.step_through.model import (
    MAX_BATCH,
    PRESET_NAMES,
    all_params,
    custom,
    get_preset,
    loss_choices,
    output_activations,
    param_id,
    param_label,
    parse_param_id,
    parse_sizes,
    tiny_classifier,
    unreachable_target,
)
from labs.step_through.model_classic import (
    CLASSIC_PUBLISHED,
    CLASSIC_PUBLISHED_AFTER_ONE,
    CLASSIC_PUBLISHED_OUTPUTS_10000,
    classic_after_one,
    classic_walkthrough_values,
    matches_printed,
    printed_decimals,
    shared_bias_step,
    stale_order_step,
)
from labs.step_through.model_losses import output_loss_shares, saturation_compare


def classic_trace():
    p = get_preset("classic 2-2-2")
    return train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=True)


def test_single_weight_preset_is_the_engine_example() -> None:
    p = get_preset("single weight")
    t = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=p.freeze_biases)
    assert p.sizes == (1, 1) and p.fixed_biases and p.weight_names == {(0, 0, 0): "w"}
    # prediction 10, loss (10 - 12)^2 = 4, dL/dw = 2 (10 - 12) 5 = -20, new w = 2 + 0.01 * 20 = 2.2
    assert t.output[0, 0] == 10 and t.loss == 4 and t.dW[0][0, 0] == -20
    assert t.net_after.weights[0][0, 0] == pytest.approx(2.2)


def test_classic_preset_reproduces_every_published_value() -> None:
    values = classic_walkthrough_values(classic_trace())
    for name, text in CLASSIC_PUBLISHED.items():
        assert matches_printed(values[name], text), (name, text, values[name])
    # the five the page quotes, at their printed precision
    assert round(values["total error"], 9) == 0.298371109
    assert round(values["dE/dw5"], 9) == 0.082167041
    assert round(values["w5 after"], 8) == 0.35891648
    assert round(values["dE/dw1"], 9) == 0.000438568
    assert round(values["w1 after"], 9) == 0.149780716


def test_matches_printed_allows_one_unit_in_the_last_digit_only() -> None:
    assert printed_decimals("0.511301270") == 9
    assert matches_printed(0.5113012702, "0.511301270")
    assert matches_printed(0.5113012712, "0.511301270")  # one unit off: the original rounded
    assert not matches_printed(0.5113012802, "0.511301270")


def test_after_one_update_the_algorithm_gives_0_291027774_and_the_summary_came_from_stale_deltas() -> None:
    one = classic_after_one()
    assert round(one.frozen, 9) == 0.291027774
    assert round(one.stale, 9) == float(CLASSIC_PUBLISHED_AFTER_ONE)
    assert one.per_neuron < one.frozen  # training the biases too lowers the loss further
    assert round(one.per_neuron, 9) == 0.280471447
    # the original's model: one bias per layer, shared, its gradient the sum of the layer's deltas
    assert round(one.shared, 9) == 0.285750887


def test_shared_bias_step_moves_each_layer_by_the_sum_of_its_deltas() -> None:
    p = get_preset("classic 2-2-2")
    trace = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=False)
    after = shared_bias_step(p.net, p.X, p.Y, p.loss, p.lr)
    for l in range(2):
        expected = p.net.biases[l] - p.lr * trace.db[l].sum()
        assert np.allclose(after.biases[l], expected) and after.biases[l][0] == after.biases[l][1]
        assert np.array_equal(after.weights[l], trace.net_after.weights[l])


def test_stale_order_step_uses_updated_output_weights_for_the_hidden_deltas() -> None:
    p = get_preset("classic 2-2-2")
    t = classic_trace()
    stale = stale_order_step(p.net, p.X, p.Y, p.loss, p.lr)
    # the output layer is updated exactly as backprop does it; the hidden layer is not
    assert np.array_equal(stale.weights[1], t.net_after.weights[1])
    assert not np.allclose(stale.weights[0], t.net_after.weights[0], rtol=0, atol=1e-12)
    # its hidden delta is computed with the new w5..w8
    fwd = forward(p.net, p.X)
    lt = compute_loss(p.net, fwd, p.Y, p.loss)
    dh = (lt.output_delta @ t.net_after.weights[1].T) * fwd.a[0] * (1 - fwd.a[0])
    assert np.allclose(stale.weights[0], p.net.weights[0] - p.lr * p.X.T @ dh, rtol=0, atol=1e-15)


def test_stale_order_reproduces_the_summary_outputs_after_10000_steps() -> None:
    p = get_preset("classic 2-2-2")
    net = p.net
    for _ in range(10_000):
        net = stale_order_step(net, p.X, p.Y, p.loss, p.lr)
    out = forward(net, p.X).output[0]
    assert [round(float(v), 9) for v in out] == [float(v) for v in CLASSIC_PUBLISHED_OUTPUTS_10000]
    assert evaluate(net, p.X, p.Y, p.loss) == pytest.approx(3.5084786e-05, rel=1e-6)


def test_tiny_classifier_is_2_3_1_on_xor_with_fixed_seed_and_learns() -> None:
    p = tiny_classifier()
    assert p.sizes == (2, 3, 1) and p.loss == "bce" and p.net.activations == ("tanh", "sigmoid")
    assert p.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and p.Y.ravel().tolist() == [0, 1, 1, 0]
    assert np.array_equal(tiny_classifier().net.weights[0], p.net.weights[0])  # same seed, same weights
    assert np.array_equal(p.net.weights[0], np.round(p.net.weights[0], 2))  # two decimals, checkable by hand
    net = p.net
    for _ in range(300):
        net = train_step(net, p.X, p.Y, loss=p.loss, lr=p.lr).net_after
    assert ((forward(net, p.X).output > 0.5) == (p.Y > 0.5)).all()


def test_custom_preset_builds_from_sizes_with_data_valid_for_every_loss() -> None:
    p = custom([3, 4, 4, 2], seed=5)
    assert p.sizes == (3, 4, 4, 2) and p.X.shape == (MAX_BATCH, 3) and p.Y.shape == (MAX_BATCH, 2)
    assert np.allclose(p.Y.sum(axis=1), 1)  # one-hot rows suit cross_entropy, bce and mse alike
    assert p.neuron_names[1] == ("h1.1", "h1.2", "h1.3", "h1.4") and p.neuron_names[3] == ("o1", "o2")
    assert custom([3, 4, 4, 2], seed=5).net == p.net
    assert custom([3, 4, 4, 2], seed=6).net != p.net
    one = custom([2, 1], seed=0)
    assert set(one.Y.ravel()) <= {0.0, 1.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2", "at least an input and an output"),
        ("2-x-1", "whole numbers"),
        ("2-²-1", "whole numbers"),
        ("2-9-1", "too wide"),
        ("2-3-3-3-3-3-1", "too many"),
    ],
)
def test_invalid_custom_sizes_get_a_readable_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_sizes(text)


@pytest.mark.parametrize("text", ["2-0-1", "2-50-1", "2-7-1", "0-3-1", "2-3-99999"])
def test_every_size_out_of_range_names_the_same_limit(text: str) -> None:
    with pytest.raises(ValueError, match="use 1 to 6 per layer") as info:
        parse_sizes(text)
    assert "512" not in str(info.value) and text not in str(info.value)


def test_unreachable_target_says_a_sigmoid_can_never_reach_12() -> None:
    Y = np.array([[12.0]])
    assert "can never reach the target 12" in unreachable_target("sigmoid", Y)
    assert "strictly between 0 and 1" in unreachable_target("sigmoid", Y)
    assert unreachable_target("linear", Y) is None
    assert unreachable_target("relu", Y) is None and unreachable_target("relu", -Y) is not None
    assert unreachable_target("sigmoid", np.array([[0.0], [1.0]])) is None  # approached: the loss can go to 0
    assert unreachable_target("sigmoid", np.array([[0.01, 0.99]])) is None


def test_parse_sizes_accepts_dashes_commas_and_spaces() -> None:
    assert parse_sizes("2-3-1") == [2, 3, 1]
    assert parse_sizes(" 2, 4 ,1 ") == [2, 4, 1]


def test_unknown_preset_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("huge")
    assert set(PRESET_NAMES) == {"single weight", "classic 2-2-2", "tiny classifier", "custom"}


def test_parameter_ids_round_trip_and_classic_names() -> None:
    p = get_preset("classic 2-2-2")
    wn = p.weight_names
    assert {param_id(v, wn): v for v in CLASSIC_WEIGHT_NAMES.values()} == CLASSIC_WEIGHT_NAMES
    for param in all_params(p.sizes):
        assert parse_param_id(param_id(param, wn), p.sizes, wn) == param
    assert param_label((1, 0, 0), p.neuron_names, wn) == "w5 (h1 → o1)"
    assert param_label((0, None, 1), p.neuron_names, wn) == "b(h2), bias of layer 1"
    sizes = (3, 4, 2)
    for param in all_params(sizes):
        assert parse_param_id(param_id(param), sizes) == param
    assert param_id((1, 2, 0)) == "w2.3.1" and param_id((0, None, 3)) == "b1.4"


@pytest.mark.parametrize("text", ["w9.1.1", "w1.5.1", "b3.1", "x1", "w9"])
def test_parameter_ids_that_do_not_exist_are_rejected(text: str) -> None:
    p = get_preset("classic 2-2-2")
    with pytest.raises(ValueError):
        parse_param_id(text, p.sizes, p.weight_names)


def test_only_valid_pairings_are_offered_with_reasons_for_the_rest() -> None:
    classic = get_preset("classic 2-2-2")
    valid, excluded = loss_choices("sigmoid", classic.Y)
    assert valid == ["mse", "half_sse", "bce"] and set(excluded) == {"cross_entropy"}
    valid, excluded = loss_choices("softmax", classic.Y)  # targets 0.01 / 0.99 sum to 1
    assert valid == ["cross_entropy"]
    single = get_preset("single weight")  # target 12: bce needs targets in [0, 1]
    valid, excluded = loss_choices("sigmoid", single.Y)
    assert "bce" not in valid and "between 0 and 1" in excluded["bce"]
    assert "softmax" not in output_activations(1) and "softmax" in output_activations(2)
    assert set(valid) | set(excluded) == set(LOSSES)


@pytest.mark.parametrize("loss", ["half_sse", "mse", "bce"])
def test_output_loss_shares_add_up_to_each_samples_loss(loss: str) -> None:
    p = custom([2, 3, 2], seed=1)
    net = p.net.from_params(p.net.weights, p.net.biases, ["tanh", "sigmoid"])
    fwd = forward(net, p.X)
    lt = compute_loss(net, fwd, p.Y, loss)
    shares = output_loss_shares(fwd, lt)
    assert shares.shape == p.Y.shape
    assert np.allclose(shares.sum(axis=1), lt.per_sample, rtol=1e-12)


def test_output_loss_shares_for_softmax_cross_entropy() -> None:
    p = custom([2, 3, 3], seed=2)
    net = p.net.from_params(p.net.weights, p.net.biases, ["tanh", "softmax"])
    fwd = forward(net, p.X)
    lt = compute_loss(net, fwd, p.Y, "cross_entropy")
    assert np.allclose(output_loss_shares(fwd, lt).sum(axis=1), lt.per_sample, rtol=1e-12)


def test_saturation_compare_shows_the_slope_throttling_mse_but_not_cross_entropy() -> None:
    s = saturation_compare(np.array([-6.0, 0.0, 6.0]), 1.0)
    a = 1 / (1 + np.exp(-s.z))
    assert np.allclose(s.a, a)
    assert np.allclose(s.delta_bce, a - 1)  # cross-entropy: the slope cancels
    assert np.allclose(s.delta_mse, 2 * (a - 1) * a * (1 - a))
    # confidently wrong (z = -6, target 1): cross-entropy's delta is about 200 times larger
    assert abs(s.delta_bce[0]) / abs(s.delta_mse[0]) > 200
    with pytest.raises(ValueError):
        saturation_compare(np.array([np.nan]), 1.0)
    with pytest.raises(ValueError):
        saturation_compare(np.array([0.0]), 0.5)
