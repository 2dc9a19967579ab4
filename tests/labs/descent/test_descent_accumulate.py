"""PyTorch-style gradient accumulation: the zero-grad lesson and mini-batch accumulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_core import MLP
from backprop_core.datasets import single_weight
from labs.descent.model import descend
from labs.descent.model_accumulate import (
    GradBuffer,
    accumulated_gradient,
    train_with_accumulation,
    zero_grad_lesson,
)
from labs.descent.model_surfaces import NEURON_X, NEURON_Y, neuron_net


def test_zero_grad_lesson_by_hand() -> None:
    # y = w x, x = 5, target 12, L = (5w - 12)^2, dL/dw = 10 (5w - 12), lr = 0.01.
    # With zero_grad(): w = 2 -> 2.2 -> 2.3 -> 2.35 (grads -20, -10, -5: halving each step).
    good = zero_grad_lesson(0.01, 3, reset=True).series()
    assert good["w"] == pytest.approx([2.0, 2.2, 2.3], abs=1e-12)
    assert good["stored"] == pytest.approx([-20.0, -10.0, -5.0], abs=1e-12)
    # Without it the stored gradient is the running sum:
    # step 1: w = 2,   fresh -20, stored -20,           w -> 2 + 0.2 = 2.2
    # step 2: w = 2.2, fresh -10, stored -30,           w -> 2.2 + 0.3 = 2.5 (past w* = 2.4)
    # step 3: w = 2.5, fresh +5,  stored -25,           w -> 2.5 + 0.25 = 2.75 (further past)
    # step 4: w = 2.75, fresh +17.5, stored -7.5,       w -> 2.825; L = (13.75 - 12)^2 = 3.0625
    bad = zero_grad_lesson(0.01, 4, reset=False).series()
    assert bad["fresh"] == pytest.approx([-20.0, -10.0, 5.0, 17.5], abs=1e-12)
    assert bad["stored"] == pytest.approx([-20.0, -30.0, -25.0, -7.5], abs=1e-12)
    assert bad["w_next"] == pytest.approx([2.2, 2.5, 2.75, 2.825], abs=1e-12)
    assert bad["loss"][3] == pytest.approx(3.0625, abs=1e-12)


def test_with_reset_is_plain_gradient_descent() -> None:
    good = zero_grad_lesson(0.03, 15, reset=True).series()
    plain = descend(2.0, 0.03, 15)
    assert np.allclose(good["w"], plain.weights[:-1], atol=1e-12)
    assert np.allclose(good["fresh"], [s.grad for s in plain.steps_taken], atol=1e-12)
    assert np.array_equal(good["fresh"], good["stored"])


def test_without_reset_the_stored_gradient_is_the_sum_of_all_fresh_ones() -> None:
    bad = zero_grad_lesson(0.01, 20, reset=False).series()
    assert np.allclose(bad["stored"], np.cumsum(bad["fresh"]), atol=1e-9)
    assert np.allclose(bad["update"], -0.01 * bad["stored"], atol=1e-12)
    good = zero_grad_lesson(0.01, 20, reset=True).series()
    # the correct run settles; the forgetful one keeps overshooting with a loss that does not
    assert good["loss"][-1] < 1e-9
    assert bad["loss"][-5:].max() > 0.1
    assert bad["w"].max() > 2.4 + 0.3


def test_forgetful_run_with_a_large_rate_stops_cleanly() -> None:
    run = zero_grad_lesson(0.04, 200, reset=False)
    assert run.requested == 200
    for step in run.steps:
        assert np.isfinite(step.loss)


def test_buffer_reset_and_errors() -> None:
    assert GradBuffer().empty and GradBuffer().zero().empty
    with pytest.raises(ValueError, match="no gradients"):
        GradBuffer().as_backward()
    with pytest.raises(ValueError, match="whole number"):
        train_with_accumulation(single_weight(), 0.01, -1, reset=True)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7, 24])
def test_neuron_accumulation_equals_full_batch(k: int) -> None:
    check = accumulated_gradient(neuron_net(-3.0, 3.0), NEURON_X[:, None], NEURON_Y[:, None], "bce", k)
    assert check.k == k
    assert check.shares.sum() == pytest.approx(1.0, abs=1e-15)
    assert check.difference <= 1e-12
    assert sum(len(b) for b in check.batches) == 24


def test_equal_batches_without_shares_give_k_times_the_gradient() -> None:
    # 24 samples in 4 batches of 6: sum of the four batch means = 4 * the overall mean
    check = accumulated_gradient(neuron_net(-3.0, 3.0), NEURON_X[:, None], NEURON_Y[:, None], "bce", 4)
    assert check.unscaled.dW[0] == pytest.approx(4 * check.full.dW[0], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 30),
    k_frac=st.floats(0, 1),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    loss=st.sampled_from(["mse", "half_sse", "bce", "cross_entropy"]),
    shuffle=st.booleans(),
)
def test_accumulation_equals_full_batch_for_any_network(
    seed: int, n: int, k_frac: float, hidden: list[int], loss: str, shuffle: bool
) -> None:
    rng = np.random.default_rng(seed)
    n_out = 3 if loss == "cross_entropy" else 2
    output = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss, "linear")
    net = MLP.create([3, *hidden, n_out], hidden="tanh", output=output, rng=rng)
    X = rng.normal(size=(n, 3))
    if loss == "cross_entropy":
        Y = rng.integers(0, n_out, n)
    elif loss == "bce":
        Y = rng.integers(0, 2, (n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    k = 1 + int(k_frac * (n - 1))
    order = rng.permutation(n) if shuffle else None
    check = accumulated_gradient(net, X, Y, loss, k, order)
    assert check.difference <= 1e-12


def test_bad_split_says_what_is_wrong() -> None:
    net = neuron_net(0.0, 0.0)
    with pytest.raises(ValueError, match="mini-batches"):
        accumulated_gradient(net, NEURON_X[:, None], NEURON_Y[:, None], "bce", 25)
    with pytest.raises(ValueError, match="every sample index"):
        accumulated_gradient(net, NEURON_X[:, None], NEURON_Y[:, None], "bce", 2, np.zeros(24, int))
