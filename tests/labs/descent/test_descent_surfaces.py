"""2-D loss surfaces, optimiser trajectories (PyTorch's rules by hand) and batch-mode runs."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import evaluate
from backprop_core.optimizers import Optimizer
from labs.descent.model_surfaces import (
    BATCH_MODES,
    NEURON_LOSS,
    NEURON_X,
    NEURON_Y,
    SURFACES,
    batch_mode_run,
    get_surface,
    neuron_grad,
    neuron_loss,
    neuron_net,
    steps_to_threshold,
    surface_grid,
    trajectory,
)

NEURON = "single neuron (w, b)"


def _numeric_grad(name: str, p: np.ndarray, h: float = 1e-6) -> np.ndarray:
    s = get_surface(name)
    return np.array([(s.value(p + h * e) - s.value(p - h * e)) / (2 * h) for e in np.eye(2)])


@pytest.mark.parametrize("name", list(SURFACES))
def test_gradients_match_central_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    s = SURFACES[name]
    lo1, hi1, lo2, hi2 = s.box
    for _ in range(5):
        p = np.array([rng.uniform(lo1, hi1), rng.uniform(lo2, hi2)])
        assert np.allclose(s.grad(p), _numeric_grad(name, p), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(SURFACES))
def test_the_stated_minimum_is_a_minimum(name: str) -> None:
    s = SURFACES[name]
    p = np.array(s.minimum)
    assert np.max(np.abs(s.grad(p))) < 1e-8
    assert s.value(p) <= surface_grid(name, 61).loss.min() + 1e-12
    assert s.contains(s.start) and s.contains(s.minimum)


def test_neuron_grid_is_the_engine_loss_point_by_point() -> None:
    grid = surface_grid(NEURON, 11)
    X, Y = NEURON_X[:, None], NEURON_Y[:, None]
    for i in (0, 3, 10):
        for j in (0, 5, 9):
            net = neuron_net(grid.w1[j], grid.w2[i])
            assert grid.loss[i, j] == pytest.approx(evaluate(net, X, Y, NEURON_LOSS), rel=1e-12)
    assert grid.loss.shape == (11, 11)


def test_neuron_gradient_on_a_subset_is_that_batch_gradient() -> None:
    # the gradient of the mean loss over samples 0..5, from the engine, against differences
    X, Y = NEURON_X[:6, None], NEURON_Y[:6, None]
    p, h = np.array([0.5, -1.0]), 1e-6

    def loss(q: np.ndarray) -> float:
        return evaluate(neuron_net(*q), X, Y, NEURON_LOSS)

    numeric = [(loss(p + h * e) - loss(p - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(neuron_grad(p, X, Y), numeric, rtol=1e-6)


def test_sgd_step_by_hand() -> None:
    # ravine L = 1/2 (w1^2 + 40 w2^2), gradient (w1, 40 w2). From (2, 0.5) with lr 0.01:
    # g = (2, 20), new point (2 - 0.02, 0.5 - 0.2) = (1.98, 0.3)
    t = trajectory("ravine", "sgd", 0.01, (2.0, 0.5), 1)
    assert t.points[1] == pytest.approx([1.98, 0.3], abs=1e-15)
    assert t.grads[0] == pytest.approx([2.0, 20.0])
    assert t.losses[1] == pytest.approx(0.5 * (1.98**2 + 40 * 0.3**2), rel=1e-14)


def test_momentum_follows_pytorch_rule_by_hand() -> None:
    # PyTorch SGD(momentum=0.9, dampening=0): v <- 0.9 v + g, p <- p - lr v, with v = g at step 1.
    # On the ravine from (1, 0), w2 stays 0 and w1 sees L = 1/2 w1^2, g = w1. lr = 0.1:
    # step 1: g = 1,    v = 1,                   p = 1 - 0.1 * 1      = 0.9
    # step 2: g = 0.9,  v = 0.9 * 1 + 0.9 = 1.8,   p = 0.9 - 0.1 * 1.8  = 0.72
    # step 3: g = 0.72, v = 0.9 * 1.8 + 0.72 = 2.34, p = 0.72 - 0.1 * 2.34 = 0.486
    t = trajectory("ravine", Optimizer("momentum", beta=0.9), 0.1, (1.0, 0.0), 3)
    assert t.points[:, 0] == pytest.approx([1.0, 0.9, 0.72, 0.486], abs=1e-14)
    assert np.all(t.points[:, 1] == 0.0)


def test_adam_follows_pytorch_rule_by_hand() -> None:
    # PyTorch Adam(betas=(0.9, 0.999), eps=1e-8) on L = 1/2 w1^2 (g = w1) from w1 = 1, lr = 0.1:
    # step 1: g = 1; m = 0.1 * 1 = 0.1; v = 0.001 * 1 = 0.001;
    #         m_hat = 0.1 / (1 - 0.9) = 1; v_hat = 0.001 / (1 - 0.999) = 1;
    #         p = 1 - 0.1 * 1 / (sqrt(1) + 1e-8) = 0.900000001
    # step 2: g = 0.900000001; m = 0.9 * 0.1 + 0.1 * g = 0.1800000001;
    #         v = 0.999 * 0.001 + 0.001 * g^2 = 0.001809000002;
    #         m_hat = m / (1 - 0.81) = 0.94736842158; v_hat = v / (1 - 0.998001) = 0.90495247714;
    #         step = -0.1 * 0.94736842158 / (0.95128990... + 1e-8) = -0.09958777129
    #         p = 0.900000001 - 0.09958777129 = 0.80041222971
    # A zero gradient (w2 = 0) gives m = v = 0 and no change.
    t = trajectory("ravine", "adam", 0.1, (1.0, 0.0), 2)
    assert t.points[1, 0] == pytest.approx(0.900000001, abs=1e-12)
    assert t.points[2, 0] == pytest.approx(0.80041222971, abs=1e-10)
    assert np.all(t.points[:, 1] == 0.0)


def test_adam_first_step_has_length_lr_whatever_the_gradient() -> None:
    # bias correction makes step 1 equal to lr * g / |g| (up to eps) on every coordinate
    t = trajectory("ravine", "adam", 0.3, (-8.0, 1.5), 1)
    assert t.points[1] - t.points[0] == pytest.approx([0.3, -0.3], abs=1e-8)


def test_steps_to_threshold_is_the_first_crossing() -> None:
    assert steps_to_threshold(np.array([5.0, 3.0, 1.0, 2.0, 0.5]), 1.5) == 2
    assert steps_to_threshold(np.array([5.0, 3.0]), 1.0) is None
    assert steps_to_threshold(np.array([0.5, 3.0]), 1.0) == 0
    t = trajectory("ravine", "sgd", 0.045, (-8.0, 1.5), 150)
    k = t.steps_to(0.01)
    assert k is not None and t.losses[k] <= 0.01 < t.losses[k - 1]


def test_too_large_a_rate_diverges_and_stops() -> None:
    # across the ravine the curvature is 40: SGD diverges above lr = 2/40 = 0.05
    t = trajectory("ravine", "sgd", 10.0, (-8.0, 1.5), 500)
    assert t.diverged and len(t.points) < 500
    assert np.all(np.isfinite(t.points)) and np.all(np.isfinite(t.losses))
    assert not trajectory("ravine", "sgd", 0.045, (-8.0, 1.5), 500).diverged


@pytest.mark.parametrize("name", list(SURFACES))
def test_default_settings_reach_their_threshold_with_some_optimiser(name: str) -> None:
    s = SURFACES[name]
    reached = [trajectory(name, o, lr, s.start, s.steps).steps_to(s.threshold) for o, lr in s.lrs.items()]
    assert any(r is not None for r in reached)


def test_batch_modes_count_iterations_per_epoch() -> None:
    n = len(NEURON_X)
    runs = {mode: batch_mode_run(mode, (-3.0, 3.0), 0.5, 3, 6) for mode in BATCH_MODES}
    assert runs["full batch"].iterations == 3
    assert runs["mini-batch"].iterations == 3 * (n // 6)
    assert runs["one sample at a time"].iterations == 3 * n
    for run in runs.values():
        assert run.epoch[0] == 0.0 and run.epoch[-1] == 3.0
        assert np.all(np.diff(run.epoch) > 0)
        assert run.loss.shape == (run.iterations + 1,)
        # the loss shown is the loss of all 24 samples at each point
        w, b = run.points[-1]
        assert run.loss[-1] == pytest.approx(float(neuron_loss(np.array(w), np.array(b))), rel=1e-12)
    # mini-batch with a size that does not divide 24: ceil(24 / 5) = 5 iterations per epoch
    assert batch_mode_run("mini-batch", (-3.0, 3.0), 0.5, 2, 5).iterations == 10


def test_full_batch_is_plain_gradient_descent_on_the_surface() -> None:
    run = batch_mode_run("full batch", (-3.0, 3.0), 0.5, 20, 6)
    t = trajectory(NEURON, "sgd", 0.5, (-3.0, 3.0), 20)
    assert np.allclose(run.points, t.points, rtol=0, atol=1e-12)


def test_small_batches_are_noisy() -> None:
    # full batch with a small rate never increases the loss; one sample at a time does, often
    full = batch_mode_run("full batch", (-3.0, 3.0), 0.5, 10, 6)
    single = batch_mode_run("one sample at a time", (-3.0, 3.0), 0.5, 10, 6)
    assert np.all(np.diff(full.loss) <= 1e-12)
    assert np.sum(np.diff(single.loss) > 0) > 10


def test_same_seed_same_run_other_seed_other_run() -> None:
    a = batch_mode_run("mini-batch", (-3.0, 3.0), 0.5, 2, 4, seed=1)
    b = batch_mode_run("mini-batch", (-3.0, 3.0), 0.5, 2, 4, seed=1)
    c = batch_mode_run("mini-batch", (-3.0, 3.0), 0.5, 2, 4, seed=2)
    assert np.array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="unknown surface"):
        trajectory("bowl", "sgd", 0.1, (0, 0), 3)
    with pytest.raises(ValueError, match="unknown optimizer"):
        trajectory("ravine", "rmsprop", 0.1, (0, 0), 3)
    with pytest.raises(ValueError, match="start"):
        trajectory("ravine", "sgd", 0.1, (np.nan, 0), 3)
    with pytest.raises(ValueError, match="learning rate"):
        trajectory("ravine", "sgd", -1.0, (0, 0), 3)
    with pytest.raises(ValueError, match="batch mode"):
        batch_mode_run("half batch", (0, 0), 0.1, 1, 4)
    with pytest.raises(ValueError, match="mini-batch size"):
        batch_mode_run("mini-batch", (0, 0), 0.1, 1, 0)


def test_neuron_gradient_fast_path_equals_the_checked_path() -> None:
    rng = np.random.default_rng(0)
    for p in rng.uniform(-4, 4, (5, 2)):
        assert np.array_equal(neuron_grad(p), neuron_grad(p, NEURON_X[:, None], NEURON_Y[:, None]))
    with pytest.raises(ValueError, match="finite"):
        neuron_grad(np.array([np.nan, 0.0]))
