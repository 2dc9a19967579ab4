"""The RNN engine (``backprop_core.rnn``): gradients against central finite differences, a hand-worked
example, truncation semantics, bad inputs, immutability, optimisers and clipping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_core.optimizers import clip_scale
from backprop_core.rnn import (
    MAX_HIDDEN,
    MAX_T,
    RNN,
    backward_through_time,
    bptt_step,
    forward_through_time,
    predict,
    spectral_radius,
)

PAIRS = [
    ("linear", "mse"),
    ("linear", "half_sse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "mse"),
]


def _targets(rng: np.random.Generator, shape: tuple[int, ...], output: str, loss: str) -> np.ndarray:
    if loss == "cross_entropy":
        labels = rng.integers(0, shape[-1], size=shape[:-1])
        return np.eye(shape[-1])[labels]
    if loss == "bce":
        return rng.uniform(0, 1, size=shape)
    return rng.normal(size=shape)


def _numeric_grad(
    net: RNN, X: np.ndarray, Y: np.ndarray, loss: str, name: str, eps: float = 1e-6
) -> np.ndarray:
    p = getattr(net, name)
    g = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        up, down = p.copy(), p.copy()
        up[idx] += eps
        down[idx] -= eps
        lp = bptt_step(net.replace(**{name: up}), X, Y, loss).loss
        lm = bptt_step(net.replace(**{name: down}), X, Y, loss).loss
        g[idx] = (lp - lm) / (2 * eps)
    return g


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_in=st.integers(1, 3),
    H=st.integers(1, 4),
    n_out=st.integers(1, 3),
    m=st.integers(1, 3),
    T=st.integers(1, 6),
    activation=st.sampled_from(["tanh", "sigmoid", "linear", "relu"]),
    pair=st.sampled_from(PAIRS),
    every_step=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_gradients_match_central_differences(
    n_in, H, n_out, m, T, activation, pair, every_step, seed
) -> None:
    output, loss = pair
    if output == "softmax" and n_out == 1:
        n_out = 2
    rng = np.random.default_rng(seed)
    net = RNN.create(n_in, H, n_out, activation=activation, output=output, seed=seed, init="normal")
    net = net.replace(Wx=net.Wx * 5, Wh=net.Wh * 5, b=rng.normal(size=H) * 0.5, Wy=net.Wy * 5)
    X = rng.normal(size=(m, T, n_in))
    if activation == "relu":  # keep every z away from the kink, where no derivative exists
        z, _ = forward_through_time(net, X)
        if np.min(np.abs(z)) < 1e-3:
            return
    Y = _targets(rng, (m, T, n_out) if every_step else (m, n_out), output, loss)
    trace = bptt_step(net, X, Y, loss)
    for name in ("Wx", "Wh", "b", "Wy", "by"):
        numeric = _numeric_grad(net, X, Y, loss, name)
        analytic = getattr(trace, "d" + name)
        assert analytic.shape == getattr(net, name).shape
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=name)
    # the per-step contributions add up to dWh, and step 1's is 0 (h_0 = 0)
    np.testing.assert_allclose(trace.dWh_steps.sum(axis=0), trace.dWh, atol=1e-12)
    assert not trace.dWh_steps[0].any()
    assert trace.h.shape == trace.z.shape == trace.delta.shape == (m, T, H)


def test_hand_worked_two_steps_one_unit() -> None:
    # One unit, tanh, linear output, mse on the last step; one sequence x = (1, -1), target 0.3.
    # Wx = 0.5, Wh = 0.8, b = 0.1, Wy = 1.5, by = 0.2.
    net = RNN.from_params([[0.5]], [[0.8]], [0.1], [[1.5]], [0.2])
    X = np.array([[[1.0], [-1.0]]])
    Y = np.array([[0.3]])
    tr = bptt_step(net, X, Y, "mse", lr=0.1)
    # forward: z1 = 1*0.5 + 0*0.8 + 0.1 = 0.6, h1 = tanh(0.6) = 0.5370495670
    #          z2 = -1*0.5 + 0.5370495670*0.8 + 0.1 = 0.0296396536, h2 = tanh(z2) = 0.0296309771
    #          o2 = 1.5*0.0296309771 + 0.2 = 0.2444464656
    assert tr.z[0, :, 0] == pytest.approx([0.6, 0.0296396536], abs=1e-10)
    assert tr.h[0, :, 0] == pytest.approx([0.5370495670, 0.0296309771], abs=1e-10)
    assert tr.o[0, 0] == pytest.approx(0.2444464656, abs=1e-10)
    # loss: (0.2444464656 - 0.3)^2 = 3.0861951822e-03; dL/do = 2 (o - y) = -0.1111070688
    assert tr.loss == pytest.approx(3.0861951822e-03, abs=1e-12)
    assert tr.output_delta[0, 0] == pytest.approx(-0.1111070688, abs=1e-10)
    # output layer: dWy = h2 * dL/do = 0.0296309771 * -0.1111070688 = -3.2922110078e-03, dby = -0.1111070688
    assert tr.dWy[0, 0] == pytest.approx(-3.2922110078e-03, abs=1e-12)
    assert tr.dby[0] == pytest.approx(-0.1111070688, abs=1e-10)
    # back through time: dL/dh2 = -0.1111070688 * 1.5 = -0.1666606031
    #   delta2 = -0.1666606031 * (1 - h2^2 = 0.9991220052) = -0.1665142760
    #   delta1 = (delta2 * Wh + dL/dh1 = 0) * (1 - h1^2 = 0.7115777626) = -0.1665142760*0.8*0.7115777626
    #          = -0.0947902848
    assert tr.dh_out[0, :, 0] == pytest.approx([0.0, -0.1666606031], abs=1e-10)
    assert tr.delta[0, :, 0] == pytest.approx([-0.0947902848, -0.1665142760], abs=1e-10)
    # gradients: dWh = h0*delta1 + h1*delta2 = 0 + 0.5370495670 * -0.1665142760 = -0.0894264198
    #   dWx = x1*delta1 + x2*delta2 = -0.0947902848 + 0.1665142760 = 0.0717239912
    #   db = delta1 + delta2 = -0.2613045608
    assert tr.dWh_steps[:, 0, 0] == pytest.approx([0.0, -0.0894264198], abs=1e-10)
    assert tr.dWh[0, 0] == pytest.approx(-0.0894264198, abs=1e-10)
    assert tr.dWx[0, 0] == pytest.approx(0.0717239912, abs=1e-10)
    assert tr.db[0] == pytest.approx(-0.2613045608, abs=1e-10)
    # SGD with lr = 0.1: Wh <- 0.8 - 0.1 * -0.0894264198 = 0.8089426420
    assert tr.net_after.Wh[0, 0] == pytest.approx(0.8089426420, abs=1e-10)
    # truncate=1: the error stays at step 2 (delta1 = 0), so dWx = x2*delta2 = 0.1665142760 and
    # db = delta2 = -0.1665142760; dWh keeps h1*delta2 = -0.0894264198
    k1 = bptt_step(net, X, Y, "mse", truncate=1)
    assert k1.delta[0, :, 0] == pytest.approx([0.0, -0.1665142760], abs=1e-10)
    assert k1.dWx[0, 0] == pytest.approx(0.1665142760, abs=1e-10)
    assert k1.db[0] == pytest.approx(-0.1665142760, abs=1e-10)
    assert k1.dWh[0, 0] == pytest.approx(-0.0894264198, abs=1e-10)


def _truncated_by_hand(net: RNN, X: np.ndarray, Y: np.ndarray, k: int) -> np.ndarray:
    """delta under truncation, from the definition: the loss of step s reaches s, ..., s-k+1."""
    full = bptt_step(net, X, Y, "mse")
    m, T, H = full.delta.shape
    fz = 1.0 - full.h**2
    delta = np.zeros((m, T, H))
    for s in range(T):
        d = full.dh_out[:, s] * fz[:, s]
        for t in range(s, max(s - k, -1), -1):
            if t < s:
                d = (d @ net.Wh.T) * fz[:, t]
            delta[:, t] += d
    return delta


@settings(max_examples=25, deadline=None)
@given(T=st.integers(2, 8), k=st.integers(1, 9), every_step=st.booleans(), seed=st.integers(0, 1000))
def test_truncation_follows_its_definition(T, k, every_step, seed) -> None:
    rng = np.random.default_rng(seed)
    net = RNN.create(2, 3, 1, seed=seed)
    X = rng.normal(size=(2, T, 2))
    Y = rng.normal(size=(2, T, 1) if every_step else (2, 1))
    tr = bptt_step(net, X, Y, "mse", truncate=k)
    np.testing.assert_allclose(tr.delta, _truncated_by_hand(net, X, Y, k), atol=1e-13)
    # and the gradients follow from delta as in full BPTT
    np.testing.assert_allclose(tr.dWx, np.einsum("mti,mtj->ij", X, tr.delta), atol=1e-12)
    np.testing.assert_allclose(tr.db, tr.delta.sum(axis=(0, 1)), atol=1e-12)
    h_prev = np.concatenate([np.zeros((2, 1, 3)), tr.h[:, :-1]], axis=1)
    np.testing.assert_allclose(tr.dWh, np.einsum("mti,mtj->ij", h_prev, tr.delta), atol=1e-12)
    full = bptt_step(net, X, Y, "mse")
    if k >= T:  # no cut at all
        assert tr.truncate is None
        np.testing.assert_array_equal(tr.dWh, full.dWh)
    assert tr.loss == full.loss  # the forward pass is never cut
    np.testing.assert_array_equal(tr.dWy, full.dWy)  # nor the output layer


def test_truncation_on_the_last_step_only_cuts_the_error_k_steps_back() -> None:
    net = RNN.create(1, 2, 1, seed=3)
    X = np.random.default_rng(0).normal(size=(3, 7, 1))
    Y = np.ones((3, 1))
    tr = bptt_step(net, X, Y, truncate=3)
    full = bptt_step(net, X, Y)
    assert not tr.delta[:, :4].any()  # steps 1..4 get nothing
    np.testing.assert_array_equal(tr.delta[:, 4:], full.delta[:, 4:])


def test_bptt_step_never_modifies_its_inputs() -> None:
    net = RNN.create(2, 3, 2, seed=1)
    X = np.random.default_rng(1).normal(size=(4, 5, 2))
    Y = np.random.default_rng(2).normal(size=(4, 5, 2))
    copies = [p.copy() for p in net.params]
    X0, Y0 = X.copy(), Y.copy()
    tr = bptt_step(net, X, Y, lr=0.5, optimizer="adam", clip_norm=0.1)
    for p, c in zip(net.params, copies, strict=True):
        np.testing.assert_array_equal(p, c)
        assert not p.flags.writeable
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    assert tr.net is net and tr.net_after is not net
    assert not tr.net_after.Wh.flags.writeable
    assert not any(a.flags.writeable for a in (tr.h, tr.z, tr.delta, tr.dWh_steps, *tr.grads))
    with pytest.raises(AttributeError):
        tr.loss = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        net.Wh[0, 0] = 1.0


def test_lr_zero_changes_nothing_and_sgd_steps_against_the_gradient() -> None:
    net = RNN.create(1, 3, 1, seed=2)
    X = np.random.default_rng(0).normal(size=(2, 4, 1))
    Y = np.zeros((2, 1))
    tr0 = bptt_step(net, X, Y, lr=0.0)
    for a, b in zip(tr0.net_after.params, net.params, strict=True):
        np.testing.assert_array_equal(a, b)
    tr = bptt_step(net, X, Y, lr=0.3)
    np.testing.assert_allclose(tr.net_after.Wh, net.Wh - 0.3 * tr.dWh, atol=1e-15)


def test_clipping_scales_every_gradient_by_the_global_factor() -> None:
    net = RNN.create(1, 3, 1, seed=2)
    X = np.random.default_rng(0).normal(size=(2, 4, 1))
    Y = np.full((2, 4, 1), 5.0)
    tr = bptt_step(net, X, Y, lr=1.0, clip_norm=0.01)
    norm, scale = clip_scale(list(tr.grads), 0.01)
    assert tr.grad_norm == pytest.approx(norm) and tr.clip_scale == pytest.approx(scale) and scale < 1
    np.testing.assert_allclose(tr.net_after.Wh, net.Wh - scale * tr.dWh, atol=1e-15)


def test_optimizer_state_carries_over() -> None:
    net = RNN.create(1, 2, 1, seed=4)
    X = np.random.default_rng(0).normal(size=(2, 3, 1))
    Y = np.zeros((2, 1))
    first = bptt_step(net, X, Y, lr=0.1, optimizer="momentum")
    second = bptt_step(first.net_after, X, Y, lr=0.1, optimizer="momentum", state=first.optimizer_state)
    assert second.optimizer_state.t == 2
    v = 0.9 * first.dWh + second.dWh
    np.testing.assert_allclose(second.net_after.Wh, first.net_after.Wh - 0.1 * v, atol=1e-15)


def test_diverging_step_is_flagged_not_raised() -> None:
    net = RNN.create(1, 2, 1, activation="linear", seed=0).replace(Wh=np.eye(2) * 1e200)
    X = np.ones((1, 5, 1))
    tr = bptt_step(net, X, np.ones((1, 1)), lr=1.0)
    assert tr.non_finite
    ok = bptt_step(RNN.create(1, 2, 1), X, np.ones((1, 1)), lr=0.1)
    assert not ok.non_finite


def test_create_is_reproducible_and_spectral_radius() -> None:
    a, b = RNN.create(2, 5, 1, seed=7), RNN.create(2, 5, 1, seed=7)
    np.testing.assert_array_equal(a.Wh, b.Wh)
    assert not np.array_equal(a.Wh, RNN.create(2, 5, 1, seed=8).Wh)
    assert spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    assert spectral_radius(0.5 * np.eye(MAX_HIDDEN)) == pytest.approx(0.5)  # the largest size allowed
    assert repr(a) == "RNN(2 -> 5 (tanh) -> 1 (linear))"
    out = predict(a, np.zeros((3, 4, 2)))
    assert out.shape == (3, 4, 1)


def test_backward_through_time_is_a_screen_or_less() -> None:
    import inspect

    assert len(inspect.getsource(backward_through_time).splitlines()) <= 40


GOOD = RNN.create(2, 3, 1, seed=0)
X_OK = np.zeros((2, 4, 2))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bptt_step(GOOD, np.zeros((2, 4)), np.zeros((2, 1))), "X has shape"),
        (lambda: bptt_step(GOOD, np.zeros((2, 0, 2)), np.zeros((2, 1))), "T = 0"),
        (lambda: bptt_step(GOOD, np.zeros((1, MAX_T + 1, 2)), np.zeros((1, 1))), f"T = {MAX_T + 1}"),
        (lambda: bptt_step(GOOD, np.zeros((2, 4, 3)), np.zeros((2, 1))), "X has shape"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 3, 1))), "Y has shape"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 2))), "Y has shape"),
        (lambda: bptt_step(GOOD, np.full((2, 4, 2), np.nan), np.zeros((2, 1))), "X contains"),
        (lambda: bptt_step(GOOD, X_OK, np.full((2, 1), np.inf)), "Y contains"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), loss="hinge"), "unknown loss"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), loss="bce"), "bce needs a sigmoid"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), lr=-1), "learning rate"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), truncate=0), "truncate"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), truncate=2.5), "truncate"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), optimizer="rmsprop"), "unknown optimizer"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), clip_norm=-1), "clip_norm"),
        (lambda: bptt_step("net", X_OK, np.zeros((2, 1))), "net must be an RNN"),
        (lambda: bptt_step(GOOD, "abc", np.zeros((2, 1))), "X must be numeric"),
        (lambda: RNN.create(1, MAX_HIDDEN + 1, 1), "n_hidden"),
        (lambda: RNN.create(0, 3, 1), "n_in"),
        (lambda: RNN.create(1, 3, 1, activation="swish"), "unknown hidden activation"),
        (lambda: RNN.create(1, 3, 1, output="tanh"), "unknown output activation"),
        (lambda: RNN.create(1, 3, 1, init="magic"), "unknown init"),
        (lambda: RNN.create(1, 3, 1, seed=-1), "seed"),
        (lambda: RNN.from_params([[1.0]], [[1.0, 2.0]], [0.0], [[1.0]], [0.0]), "Wh has shape"),
        (lambda: RNN.from_params([[1.0]], [[1.0]], [0.0], [[1.0], [2.0]], [0.0]), "Wy has shape"),
        (lambda: RNN.from_params([[1.0]], [[np.nan]], [0.0], [[1.0]], [0.0]), "Wh contains"),
        (lambda: RNN.from_params([[1.0]], [[1.0]], [0.0, 1.0], [[1.0]], [0.0]), "b has shape"),
        (lambda: RNN.from_params("x", [[1.0]], [0.0], [[1.0]], [0.0]), "Wx must be numeric"),
        (lambda: spectral_radius(np.ones((2, 3))), "square"),
        (lambda: spectral_radius([[np.nan]]), "Wh contains"),
        (lambda: spectral_radius(np.eye(MAX_HIDDEN + 1)), f"1 <= H <= {MAX_HIDDEN}"),
        (lambda: spectral_radius(np.zeros((0, 0))), "the hidden sizes an RNN here may have"),
        (lambda: bptt_step(GOOD, X_OK, np.zeros((2, 1)), state="adam"), "state must be"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_problem(call, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        call()
