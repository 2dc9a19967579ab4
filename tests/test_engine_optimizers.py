"""Optimisers, worked by hand, and the update options: frozen biases, L2, clipping, lr = 0.

The hand-worked steps use the single-weight example y = w * x (x = 5, target 12, mse, bias 0
and frozen), whose gradient is dL/dw = 2 x (w x - 12) = 10 (5 w - 12).
"""

import numpy as np
import pytest

import backprop_core as bc
from backprop_core.optimizers import Optimizer, optimizer_step


def _single_weight_steps(optimizer, lr, n):
    ex = bc.single_weight()
    net, state, traces = ex.net, None, []
    for _ in range(n):
        trace = bc.train_step(
            net, ex.X, ex.Y, loss="mse", lr=lr, optimizer=optimizer, state=state, freeze_biases=True
        )
        traces.append(trace)
        net, state = trace.net_after, trace.optimizer_state
    return traces


def _w(trace):
    return float(trace.net_after.weights[0][0, 0])


def test_sgd_by_hand():
    # w <- w - lr g: 2 - 0.01 (-20) = 2.2; then g = 10 (11 - 12) = -10, w = 2.2 + 0.1 = 2.3
    t1, t2 = _single_weight_steps("sgd", 0.01, 2)
    assert _w(t1) == pytest.approx(2.2, abs=1e-15)
    assert t2.dW[0][0, 0] == pytest.approx(-10.0, abs=1e-12)
    assert _w(t2) == pytest.approx(2.3, abs=1e-15)
    assert t2.optimizer_state == bc.OptimizerState("sgd", 2)


def test_momentum_by_hand_over_three_steps():
    # PyTorch's SGD with momentum (no dampening): v <- beta v + g; w <- w - lr v; beta 0.9, lr 0.01
    # step 1: w = 2,    pred 10,   g = 10 (10 - 12)   = -20; v = 0.9*0     - 20 = -20
    #         w = 2 - 0.01 * (-20) = 2.2
    # step 2: w = 2.2,  pred 11,   g = 10 (11 - 12)   = -10; v = 0.9*(-20) - 10 = -28
    #         w = 2.2 - 0.01 * (-28) = 2.48
    # step 3: w = 2.48, pred 12.4, g = 10 (12.4 - 12) = 4;   v = 0.9*(-28) + 4  = -21.2
    #         w = 2.48 - 0.01 * (-21.2) = 2.692
    traces = _single_weight_steps("momentum", 0.01, 3)
    for trace, g, v, w in zip(
        traces, (-20.0, -10.0, 4.0), (-20.0, -28.0, -21.2), (2.2, 2.48, 2.692), strict=True
    ):
        assert trace.dW[0][0, 0] == pytest.approx(g, abs=1e-12)
        state = trace.optimizer_state
        assert state.name == "momentum"
        assert state.slots["v"][0][0, 0] == pytest.approx(v, abs=1e-12)  # slot order: W[0], b[0]
        assert _w(trace) == pytest.approx(w, abs=1e-13)
    assert [t.optimizer_state.t for t in traces] == [1, 2, 3]
    # the frozen bias's velocity never moves
    assert traces[-1].optimizer_state.slots["v"][1][0] == 0.0


def test_adam_by_hand_over_two_steps():
    # m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; m_hat = m / (1 - b1^t); v_hat = v / (1 - b2^t)
    # w <- w - lr m_hat / (sqrt(v_hat) + eps); b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1
    # step 1: g = -20; m = 0.1 * -20 = -2; v = 0.001 * 400 = 0.4
    #         m_hat = -2 / 0.1 = -20; v_hat = 0.4 / 0.001 = 400; sqrt = 20
    #         change = -0.1 * -20 / (20 + 1e-8) = 0.09999999995; w = 2.09999999995
    # step 2: pred = 5 * 2.09999999995 = 10.49999999975; g = 10 (10.49999999975 - 12) = -15.0000000025
    #         m = 0.9 * -2 + 0.1 * -15.0000000025 = -3.30000000025
    #         v = 0.999 * 0.4 + 0.001 * 225.000000075 = 0.3996 + 0.225000000075 = 0.624600000075
    #         m_hat = -3.30000000025 / (1 - 0.81) = -3.30000000025 / 0.19 = -17.368421053947
    #         v_hat = 0.624600000075 / (1 - 0.998001) = 0.624600000075 / 0.001999 = 312.456228151580
    #         sqrt(v_hat) = 17.676431431473
    #         change = 0.1 * 17.368421053947 / 17.676431441473 = 0.098257508092; w = 2.198257508042
    t1, t2 = _single_weight_steps("adam", 0.1, 2)
    s1, s2 = t1.optimizer_state, t2.optimizer_state
    assert (s1.name, s1.t, s2.t) == ("adam", 1, 2)
    assert s1.slots["m"][0][0, 0] == pytest.approx(-2.0, abs=1e-14)
    assert s1.slots["v"][0][0, 0] == pytest.approx(0.4, abs=1e-14)
    assert t1.update.step_W[0][0, 0] == pytest.approx(0.09999999995, abs=1e-14)
    assert _w(t1) == pytest.approx(2.09999999995, abs=1e-14)
    assert t2.dW[0][0, 0] == pytest.approx(-15.0000000025, abs=1e-11)
    assert s2.slots["m"][0][0, 0] == pytest.approx(-3.30000000025, abs=1e-12)
    assert s2.slots["v"][0][0, 0] == pytest.approx(0.624600000075, abs=1e-12)
    assert t2.update.step_W[0][0, 0] == pytest.approx(0.098257508092, abs=1e-12)
    assert _w(t2) == pytest.approx(2.198257508042, abs=1e-12)


def test_momentum_first_step_is_plain_sgd():
    ex = bc.classic_222()
    sgd = bc.train_step(ex.net, ex.X, ex.Y, loss="half_sse", lr=0.5, optimizer="sgd")
    mom = bc.train_step(ex.net, ex.X, ex.Y, loss="half_sse", lr=0.5, optimizer="momentum")
    assert sgd.net_after == mom.net_after


def test_state_is_carried_and_reset():
    rng = np.random.default_rng(0)
    net = bc.MLP.create([2, 3, 2], "tanh", "softmax", seed=0)
    X, y = rng.normal(size=(5, 2)), rng.integers(0, 2, 5)
    t1 = bc.train_step(net, X, y, loss="cross_entropy", lr=0.1, optimizer="adam")
    assert set(t1.optimizer_state.slots) == {"m", "v"}
    shapes = [p.shape for p in (*net.weights, *net.biases)]
    assert [s.shape for s in t1.optimizer_state.slots["m"]] == shapes
    t2 = bc.train_step(
        t1.net_after, X, y, loss="cross_entropy", lr=0.1, optimizer="adam", state=t1.optimizer_state
    )
    assert t2.optimizer_state.t == 2
    # the memory really is used: a fresh start from the same network steps differently
    fresh = bc.train_step(t1.net_after, X, y, loss="cross_entropy", lr=0.1, optimizer="adam")
    assert fresh.optimizer_state.t == 1 and fresh.net_after != t2.net_after
    # a state from another optimiser is refused by the public step (issue 11): state=None starts fresh
    with pytest.raises(ValueError, match="memory of the 'adam' optimizer, not of 'momentum'"):
        bc.train_step(
            t1.net_after, X, y, loss="cross_entropy", lr=0.1, optimizer="momentum", state=t1.optimizer_state
        )
    # the states are not modified by the steps that read them
    assert (
        t1.optimizer_state.t == 1 and t1.optimizer_state.slots["m"][0] is not t2.optimizer_state.slots["m"][0]
    )
    # states compare by value
    again = bc.train_step(net, X, y, loss="cross_entropy", lr=0.1, optimizer="adam")
    assert again.optimizer_state == t1.optimizer_state != t2.optimizer_state


@pytest.mark.parametrize("optimizer", bc.OPTIMIZERS)
def test_frozen_biases_never_change_but_db_is_computed(optimizer):
    rng = np.random.default_rng(1)
    net = bc.MLP.from_params(
        [rng.normal(size=(2, 3)), rng.normal(size=(3, 1))],
        [rng.normal(size=3), rng.normal(size=1)],
        ["tanh", "sigmoid"],
    )
    X, Y = rng.normal(size=(8, 2)), rng.integers(0, 2, (8, 1))
    state, current = None, net
    for _ in range(4):
        trace = bc.train_step(
            current, X, Y, loss="bce", lr=0.3, optimizer=optimizer, state=state, freeze_biases=True
        )
        assert all(np.all(db != 0) for db in trace.db)
        assert all(np.all(step == 0) for step in trace.update.step_b)
        assert trace.update.freeze_biases
        current, state = trace.net_after, trace.optimizer_state
    for before, after in zip(net.biases, current.biases, strict=True):
        np.testing.assert_array_equal(before, after)
    assert current.weights[0][0, 0] != net.weights[0][0, 0]


def test_l2_adds_l2_w_to_dW_and_half_l2_sum_w2_to_the_loss():
    rng = np.random.default_rng(2)
    net = bc.MLP.create([3, 4, 2], "relu", "linear", init="he", seed=2)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    l2 = 0.03
    plain = bc.train_step(net, X, Y, loss="mse", lr=0.1)
    reg = bc.train_step(net, X, Y, loss="mse", lr=0.1, l2=l2)
    for W, g0, g in zip(net.weights, plain.dW, reg.dW, strict=True):
        np.testing.assert_allclose(g - g0, l2 * W, rtol=1e-12, atol=1e-16)
    for b0, b in zip(plain.db, reg.db, strict=True):
        np.testing.assert_array_equal(b0, b)  # biases are not penalised
    penalty = l2 / 2 * sum(np.sum(W**2) for W in net.weights)
    assert reg.loss_trace.penalty == pytest.approx(penalty, rel=1e-14)
    assert reg.loss - plain.loss == pytest.approx(penalty, rel=1e-12)
    assert reg.loss_trace.data_loss == plain.loss_trace.data_loss
    assert bc.l2_penalty(net, l2) == pytest.approx(penalty, rel=1e-14)
    assert bc.evaluate(net, X, Y, "mse", l2=l2) == pytest.approx(reg.loss, rel=1e-14)


@pytest.mark.parametrize("freeze_biases", [False, True])
def test_clipping_by_global_norm(freeze_biases):
    rng = np.random.default_rng(3)
    net = bc.MLP.create([2, 5, 3, 1], "tanh", "linear", init="normal", std=2.0, seed=3)
    X, Y = rng.normal(size=(10, 2)), rng.normal(0, 10, (10, 1))
    lr, max_norm = 0.01, 0.5
    free = bc.train_step(net, X, Y, loss="mse", lr=lr, freeze_biases=freeze_biases)
    clipped = bc.train_step(net, X, Y, loss="mse", lr=lr, clip_norm=max_norm, freeze_biases=freeze_biases)

    trainable = list(free.dW) + ([] if freeze_biases else list(free.db))
    norm = np.sqrt(sum(np.sum(g**2) for g in trainable))
    assert norm > 10  # well above max_norm, so clipping acts
    assert clipped.update.global_grad_norm == pytest.approx(norm, rel=1e-12)  # the norm before clipping
    assert clipped.update.clip_scale == pytest.approx(max_norm / norm, rel=1e-6)

    # the gradient the optimiser applied (sgd: step = -lr g) has norm max_norm
    applied = [-s / lr for s in clipped.update.step_W] + (
        [] if freeze_biases else [-s / lr for s in clipped.update.step_b]
    )
    assert np.sqrt(sum(np.sum(g**2) for g in applied)) == pytest.approx(max_norm, rel=1e-6)
    # every gradient is scaled by the same factor, so the ratios between layers are unchanged
    for g, a in zip(trainable, applied, strict=True):
        np.testing.assert_allclose(a, g * clipped.update.clip_scale, rtol=1e-12)
    # dW itself is recorded unclipped
    for a, b in zip(free.dW, clipped.dW, strict=True):
        np.testing.assert_array_equal(a, b)

    # a generous max_norm changes nothing
    loose = bc.train_step(net, X, Y, loss="mse", lr=lr, clip_norm=10 * norm, freeze_biases=freeze_biases)
    assert loose.update.clip_scale == 1.0 and loose.net_after == free.net_after


@pytest.mark.parametrize("optimizer", bc.OPTIMIZERS)
def test_zero_learning_rate_leaves_parameters_identical(optimizer):
    rng = np.random.default_rng(4)
    net = bc.MLP.create([2, 4, 3], "leaky_relu", "softmax", seed=4)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 3, 7)
    warm = bc.train_step(net, X, y, loss="cross_entropy", lr=0.1, optimizer=optimizer)  # non-zero memory
    trace = bc.train_step(
        warm.net_after, X, y, loss="cross_entropy", lr=0.0, optimizer=optimizer, state=warm.optimizer_state
    )
    assert trace.net_after == warm.net_after
    assert any(np.any(g != 0) for g in trace.dW)  # the gradients are still there to look at


def test_optimizer_hyperparameters_are_checked():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        Optimizer("rmsprop")
    with pytest.raises(ValueError, match="beta must lie in"):
        Optimizer("momentum", beta=1.0)
    with pytest.raises(ValueError, match="eps must be a positive number"):
        Optimizer("adam", eps=0.0)
    custom = Optimizer("momentum", beta=0.5)
    changes, state = optimizer_step(custom, [np.zeros(2)], [np.ones(2)], 0.1, None)
    changes, state = optimizer_step(custom, [np.zeros(2)], [np.ones(2)], 0.1, state)
    np.testing.assert_allclose(changes[0], -0.1 * (0.5 * 1 + 1))


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_optimizers_match_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    net = bc.MLP.create([3, 4, 2], "tanh", "linear", seed=5)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    lr = 0.05
    params = [
        torch.tensor(np.array(p), dtype=torch.float64, requires_grad=True)
        for p in (*net.weights, *net.biases)
    ]
    opt = (
        torch.optim.SGD(params, lr=lr, momentum=0.9)
        if name == "momentum"
        else torch.optim.Adam(params, lr=lr)
    )
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    state, current = None, net
    for _ in range(4):
        trace = bc.train_step(current, X, Y, loss="mse", lr=lr, optimizer=name, state=state)
        opt.zero_grad()
        W0, W1, b0, b1 = params
        loss = torch.nn.functional.mse_loss(torch.tanh(Xt @ W0 + b0) @ W1 + b1, Yt)
        loss.backward()
        assert trace.loss == pytest.approx(loss.item(), rel=1e-13)
        for g, p in zip((*trace.dW, *trace.db), params, strict=True):
            np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-11, atol=1e-14)
        opt.step()
        current, state = trace.net_after, trace.optimizer_state
        for mine, theirs in zip((*current.weights, *current.biases), params, strict=True):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-11, atol=1e-14)
