"""Every claim the gradient descent lab's prose makes, checked with the engine's own optimizers on
the lab's surfaces: Adam's step size, momentum's effective rate and stability limit, the Hessian's
2/lambda_max, forgetting zero_grad as momentum with beta = 1; and a constant loss drawn flat."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core.optimizers import Optimizer, optimizer_step
from labs.descent.figures import steady_range, zero_grad_figure
from labs.descent.model import classify, critical_rates, one_weight_example
from labs.descent.model_accumulate import zero_grad_lesson
from labs.descent.model_surfaces import SURFACES, trajectory
from labs.descent.text import SURFACES_TEXT, SURFACES_WHY, ZERO_GRAD_TEXT, ZERO_GRAD_WHY, one_weight_why


def steps_of(opt: Optimizer, grads: list[float], lr: float = 0.1) -> np.ndarray:
    """The changes ``optimizer_step`` makes to one parameter, one per gradient in ``grads``."""
    state, out = None, []
    for g in grads:
        change, state = optimizer_step(opt, [np.zeros(1)], [np.array([g])], lr, state)
        out.append(float(change[0][0]))
    return np.array(out)


# -- Adam: "at most about lr per coordinate, close to lr only while the gradient keeps its sign" ----


def test_the_adam_sentences_say_what_the_steps_do() -> None:
    assert "at most about $lr$ per coordinate" in SURFACES_TEXT
    assert "only while that coordinate's gradient keeps its sign" in SURFACES_TEXT
    assert "whatever the slope." not in SURFACES_TEXT  # the old "about lr long whatever the slope"
    assert "3.2\\,lr" in SURFACES_WHY and "vanishing *update sizes*" in SURFACES_WHY


@pytest.mark.parametrize("size", [1e-3, 1.0, 1e3])
def test_adam_steps_about_lr_while_the_gradient_keeps_its_sign_whatever_its_size(size: float) -> None:
    steps = steps_of(Optimizer("adam"), [size] * 50, lr=0.1)
    assert np.allclose(np.abs(steps), 0.1, rtol=1e-4)


def test_adam_steps_are_smaller_when_the_gradient_flips_sign() -> None:
    steps = steps_of(Optimizer("adam"), [1.0, -1.0] * 50, lr=0.1)
    assert np.max(np.abs(steps[10:])) < 0.5 * 0.1


def test_adam_can_briefly_exceed_lr_after_a_jump_from_tiny_to_large_gradients() -> None:
    # the Why? expander's caveat: up to lr (1 - beta1) / sqrt(1 - beta2), about 3.2 lr at the defaults
    steps = steps_of(Optimizer("adam"), [1e-6] * 10_000 + [1.0], lr=0.1)
    bound = 0.1 * (1 - 0.9) / np.sqrt(1 - 0.999)
    assert abs(steps[-1]) == pytest.approx(bound, rel=0.02)
    assert abs(steps[-1]) > 3 * 0.1


def test_adam_takes_every_start_to_at_most_about_lr_per_coordinate_on_the_ravine() -> None:
    t = trajectory("ravine", Optimizer("adam"), 0.3, (-8.0, 1.5), 150)
    changes = np.abs(np.diff(t.points, axis=0))
    assert changes.max() <= 0.3 * 1.0001  # steady gradients here: never above lr
    assert changes[:5, 0] == pytest.approx(0.3, rel=0.02)  # w1's gradient keeps its sign: about lr


# -- momentum: effective rate lr / (1 - beta), limit 2 (1 + beta) / lambda_max -------------------------


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_momentum_on_a_steady_slope_steps_lr_over_one_minus_beta(beta: float) -> None:
    steps = steps_of(Optimizer("momentum", beta=beta), [2.0] * 3000, lr=0.01)
    assert steps[-1] == pytest.approx(-0.01 * 2.0 / (1 - beta), rel=1e-9)
    assert "lr/(1-\\beta)" in SURFACES_TEXT


def hessian(name: str, p: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The Hessian of a surface at ``p`` by central differences of the engine's gradient."""
    grad = SURFACES[name].grad
    cols = [(grad(p + h * e) - grad(p - h * e)) / (2 * h) for e in np.eye(2)]
    return np.array(cols).T


def test_the_ravine_s_limit_is_two_over_the_largest_eigenvalue_of_its_hessian() -> None:
    lam = np.linalg.eigvalsh(hessian("ravine", np.array([0.3, -0.2])))
    assert lam == pytest.approx([1.0, 40.0], rel=1e-8)
    limit = 2 / lam.max()
    for lr, converges in ((0.98 * limit, True), (1.02 * limit, False)):
        t = trajectory("ravine", "sgd", lr, (-8.0, 1.5), 1000)
        assert (abs(t.points[-1, 1]) < 1e-3) == converges, lr
    assert "2/\\lambda_{\\max}" in one_weight_why(
        5.0, critical_rates(one_weight_example()), critical_rates(one_weight_example("half_sse"))
    )


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_moves_the_ravine_s_limit_to_two_times_one_plus_beta_over_lambda_max(beta: float) -> None:
    limit = 2 * (1 + beta) / 40.0
    opt = Optimizer("momentum", beta=beta)
    below = trajectory("ravine", opt, 0.98 * limit, (-8.0, 1.5), 2000)
    above = trajectory("ravine", opt, 1.02 * limit, (-8.0, 1.5), 2000)
    assert abs(below.points[-1, 1]) < 1e-3 and not below.diverged
    assert above.diverged or abs(above.points[-1, 1]) > 1.5


def test_one_weight_limits_are_the_same_rule_for_one_curvature() -> None:
    rates = critical_rates(one_weight_example())
    assert classify(0.999 * rates.bounce, rates.curvature, 10).converges
    assert classify(1.001 * rates.bounce, rates.curvature, 10).kind == "diverging"


# -- forgetting zero_grad() is momentum with beta = 1 ---------------------------------------------------


@pytest.mark.parametrize("lr", [0.001, 0.01, 0.03, 0.04])
def test_forgetting_zero_grad_is_momentum_with_beta_one(lr: float) -> None:
    run = zero_grad_lesson(lr, 40, reset=False)
    s = run.series()
    # v <- 1 * v + g; w <- w - lr v, from the same start, with the same fresh gradients
    w, v = 2.0, 0.0
    for k in range(len(s["w"])):
        assert s["w"][k] == pytest.approx(w, abs=1e-12)
        v = 1.0 * v + s["fresh"][k]
        w = w - lr * v
    assert "momentum with $\\beta = 1$" in ZERO_GRAD_TEXT
    # below momentum's limit 2 (1 + 1) / L'' = 4 / 50 the swing neither settles nor grows
    late = np.abs(s["w"][20:] - 2.4)
    assert late.max() > 0.05 and late.max() < 1.0 and "neither settling nor growing" in ZERO_GRAD_WHY


# -- a constant loss drawn as a flat line ------------------------------------------------------------


def test_steady_range_widens_rounding_noise_around_a_constant_only() -> None:
    assert steady_range(np.array([4.0, 4.000000000000014, 3.999999999999986])) == pytest.approx([3.6, 4.4])
    assert steady_range(np.zeros(5)) == [-1.0, 1.0]
    assert steady_range(np.array([3.0, 4.0])) is None
    assert steady_range(np.array([np.nan, np.inf])) is None


def test_section_4_at_the_bouncing_rate_draws_its_constant_loss_flat() -> None:
    # issue 12: lr 0.04, 40 steps: the loss is 4 up to rounding in both runs
    good, bad = zero_grad_lesson(0.04, 40, True), zero_grad_lesson(0.04, 40, False)
    assert np.ptp(np.concatenate([good.series()["loss"], bad.series()["loss"]])) < 1e-12
    for forget in (False, True):
        layout = zero_grad_figure(good, bad, forget, 2.4).layout
        lo, hi = layout.yaxis3.range
        assert lo < 4.0 < hi and hi - lo >= 0.5  # a flat line with short ticks (3.6 ... 4.4)
        # the other panels really vary: Plotly's own range, whose ticks are short numbers
        assert layout.yaxis.range is None and layout.yaxis2.range is None
