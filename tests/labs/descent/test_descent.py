"""Gradient descent on one weight: curvature, critical learning rates, and regimes vs the iterates."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labs.descent.model import (
    REGIME_TEXT,
    TOO_SLOW_SHARE,
    CriticalRates,
    classify,
    critical_rates,
    curvature,
    descend,
    gradient_at,
    minimum,
    one_weight_example,
)
from ui.common import LR_VALUES

X, TARGET = 5.0, 12.0


def test_curvature_and_critical_rates_match_the_closed_form() -> None:
    # L = (w x - y)^2: L'' = 2 x^2 = 50, critical rates 1/50 = 0.02 and 2/50 = 0.04
    mse = critical_rates(one_weight_example("mse"))
    assert curvature(one_weight_example("mse")) == pytest.approx(2 * X**2, rel=1e-12)
    assert mse.one_step == pytest.approx(0.02, rel=1e-12)
    assert mse.bounce == pytest.approx(0.04, rel=1e-12)
    # L = 1/2 (w x - y)^2: L'' = x^2 = 25, so both critical rates double
    half = critical_rates(one_weight_example("half_sse"))
    assert half.curvature == pytest.approx(X**2, rel=1e-12)
    assert half.one_step == pytest.approx(2 * mse.one_step, rel=1e-12)
    assert half.bounce == pytest.approx(2 * mse.bounce, rel=1e-12)


def test_minimum_is_target_over_x_for_both_conventions() -> None:
    for loss in ("mse", "half_sse"):
        w_star = minimum(one_weight_example(loss))
        assert w_star == pytest.approx(TARGET / X, abs=1e-12)
        assert gradient_at(one_weight_example(loss), w_star)[1] == pytest.approx(0.0, abs=1e-9)


def test_first_step_by_hand() -> None:
    # w = 2: prediction 10, L = (10 - 12)^2 = 4, dL/dw = 2 (10 - 12) 5 = -20,
    # update = -lr * dL/dw = -0.01 * -20 = +0.2, so w becomes 2.2
    run = descend(2.0, 0.01, 1)
    step = run.steps_taken[0]
    assert (step.w, step.loss, step.grad) == (2.0, 4.0, -20.0)
    assert step.update == pytest.approx(0.2, abs=1e-15)
    assert step.w_next == pytest.approx(2.2, abs=1e-15)
    # with the 1/2 convention the slope halves: dL/dw = (10 - 12) 5 = -10
    assert descend(2.0, 0.01, 1, loss_name="half_sse").steps_taken[0].grad == -10.0


def test_the_list_values_0_02_and_0_04_are_exactly_critical() -> None:
    rates = critical_rates(one_weight_example())
    assert 0.02 in LR_VALUES and 0.04 in LR_VALUES
    assert classify(0.02, rates.curvature, 10).kind == "one step"
    assert classify(0.04, rates.curvature, 10).kind == "bouncing"
    assert classify(0.015, rates.curvature, 10).kind == "one-sided"
    assert classify(0.03, rates.curvature, 10).kind == "oscillating"
    assert classify(0.045, rates.curvature, 10).kind == "diverging"
    # one step: w = 2 + 0.02 * 20 = 2.4 = w* exactly
    assert descend(2.0, 0.02, 3).weights == pytest.approx([2.0, 2.4, 2.4, 2.4], abs=1e-12)
    # bounce: 2 -> 2 + 0.04 * 20 = 2.8 -> 2.8 - 0.04 * 20 = 2.0 -> ...
    assert descend(2.0, 0.04, 4).weights == pytest.approx([2.0, 2.8, 2.0, 2.8, 2.0], abs=1e-12)


@pytest.mark.parametrize("lr", LR_VALUES)
def test_iterates_follow_the_contraction_factor(lr: float) -> None:
    # w_k - w* = r^k (w_0 - w*) with r = 1 - lr L''
    run = descend(-1.0, lr, 12)
    r = run.regime.factor
    expected = run.w_star + r ** np.arange(len(run.weights)) * (run.weights[0] - run.w_star)
    assert np.allclose(run.weights, expected, rtol=1e-9, atol=1e-12)
    assert run.regime.kind in REGIME_TEXT


def _sign(x: float) -> int:
    return int(np.sign(x))


@settings(max_examples=120, deadline=None)
@given(
    lr=st.one_of(st.sampled_from(LR_VALUES), st.floats(1e-4, 0.2)),
    w0=st.floats(-10, 10).filter(lambda w: abs(w - 2.4) > 1e-3),
    steps=st.integers(1, 30),
    loss=st.sampled_from(["mse", "half_sse"]),
)
def test_regime_labels_match_what_the_iterates_do(lr: float, w0: float, steps: int, loss: str) -> None:
    run = descend(w0, lr, steps, loss_name=loss)
    regime = run.regime
    d0 = w0 - run.w_star
    signed = run.weights - run.w_star
    dist = np.abs(signed)
    # compare only while the distance is well above rounding noise
    live = [k for k in range(len(dist)) if dist[k] > 1e-9 * abs(d0)]
    pairs = [(a, b) for a, b in itertools.pairwise(live) if b == a + 1]
    if regime.kind == "one step":
        assert dist[1] <= 1e-12 * max(1.0, abs(d0)) + 1e-12
    elif regime.kind == "one-sided":
        assert all(_sign(signed[k]) == _sign(d0) for k in live)
        assert all(dist[b] < dist[a] for a, b in pairs)
    elif regime.kind == "oscillating":
        assert all(_sign(signed[b]) == -_sign(signed[a]) for a, b in pairs)
        assert all(dist[b] < dist[a] for a, b in pairs)
    elif regime.kind == "bouncing":
        assert np.allclose(dist, abs(d0), rtol=1e-9)
        assert all(_sign(signed[k]) == (-1) ** k * _sign(d0) for k in range(len(signed)))
    else:
        assert regime.kind == "diverging"
        assert all(b > a for a, b in itertools.pairwise(dist))
    # "too slow": a converging rate that leaves more than 1% of the starting distance
    share = dist[-1] / abs(d0)
    if regime.converges and abs(share - TOO_SLOW_SHARE) > 1e-6:
        assert regime.too_slow == (share > TOO_SLOW_SHARE)
        assert regime.remaining == pytest.approx(share, rel=1e-6, abs=1e-12)
    if not regime.converges:
        assert not regime.too_slow


def test_too_slow_is_about_the_chosen_number_of_steps() -> None:
    # lr = 0.005: r = 1 - 0.25 = 0.75; 0.75^10 = 0.056 (too slow), 0.75^20 = 0.0032 (not)
    assert classify(0.005, 50.0, 10).too_slow
    assert classify(0.005, 50.0, 10).headline == "too slow"
    assert not classify(0.005, 50.0, 20).too_slow
    assert classify(0.005, 50.0, 20).headline == "converges from one side"
    # oscillating rates can be too slow too: lr = 0.038, r = -0.9, 0.9^10 = 0.35
    assert classify(0.038, 50.0, 10).too_slow


def test_extreme_rates_run_without_errors_and_stay_finite_or_stop() -> None:
    for lr in (LR_VALUES[0], LR_VALUES[-1]):
        run = descend(10.0, lr, 50)
        assert len(run.steps_taken) + run.stopped >= 1
        assert np.all(np.isfinite(run.weights))
    assert descend(10.0, 10.0, 50).regime.kind == "diverging"


def test_starting_at_the_minimum_stays_there() -> None:
    run = descend(2.4, 0.03, 5)
    assert np.allclose(run.weights, 2.4)
    assert math.isnan(run.remaining) or run.remaining == 0


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="starting weight"):
        descend(float("nan"), 0.01, 3)
    with pytest.raises(ValueError, match="steps"):
        descend(2.0, 0.01, -1)
    with pytest.raises(ValueError, match="learning rate"):
        classify(-0.1, 50.0, 3)
    with pytest.raises(ValueError, match="unknown loss"):
        one_weight_example("bce")
    assert CriticalRates(25.0).bounce == 0.08
