"""The convolution engine: a hand-worked example, finite differences over random shapes, bad inputs,
purity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_core import conv, convnet
from backprop_core.conv import (
    conv2d_backward,
    conv2d_forward,
    full_convolution,
    maxpool2d_backward,
    maxpool2d_forward,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the hand-worked example: a 4x4 input and a 2x2 filter --------------------------------------------

X4 = np.array([[1.0, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]])
K2 = np.array([[1.0, -1], [0, 2]])


def test_hand_worked_forward() -> None:
    # z[i, j] = x[i, j]*1 + x[i, j+1]*(-1) + x[i+1, j]*0 + x[i+1, j+1]*2 + b, with b = 0.5
    # z[0, 0] = 1*1 + 2*(-1) + 0*0 + 1*2 + 0.5 =  1.5
    # z[0, 1] = 2*1 + 0*(-1) + 1*0 + 3*2 + 0.5 =  8.5
    # z[0, 2] = 0*1 + 1*(-1) + 3*0 + 1*2 + 0.5 =  1.5
    # z[1, 0] = 0*1 + 1*(-1) + 2*0 + 1*2 + 0.5 =  1.5
    # z[1, 1] = 1*1 + 3*(-1) + 1*0 + 0*2 + 0.5 = -1.5
    # z[1, 2] = 3*1 + 1*(-1) + 0*0 + 2*2 + 0.5 =  6.5
    # z[2, 0] = 2*1 + 1*(-1) + 1*0 + 0*2 + 0.5 =  1.5
    # z[2, 1] = 1*1 + 0*(-1) + 0*0 + 1*2 + 0.5 =  3.5
    # z[2, 2] = 0*1 + 2*(-1) + 1*0 + 1*2 + 0.5 =  0.5
    t = conv2d_forward(X4[None, None], K2[None, None], np.array([0.5]))
    np.testing.assert_array_equal(t.z[0, 0], [[1.5, 8.5, 1.5], [1.5, -1.5, 6.5], [1.5, 3.5, 0.5]])


def test_hand_worked_backward() -> None:
    # dz = dL/dz has three non-zero entries: dz[0, 0] = 1, dz[1, 1] = 2, dz[2, 2] = -1
    dz = np.array([[1.0, 0, 0], [0, 2, 0], [0, 0, -1]])
    g = conv2d_backward(dz[None, None], conv2d_forward(X4[None, None], K2[None, None], np.array([0.5])))
    # dK[u, v] = sum over i, j of x[i+u, j+v] * dz[i, j] = x[u, v]*1 + x[1+u, 1+v]*2 + x[2+u, 2+v]*(-1)
    # dK[0, 0] = x[0,0] + 2 x[1,1] - x[2,2] = 1 + 2*1 - 0 = 3
    # dK[0, 1] = x[0,1] + 2 x[1,2] - x[2,3] = 2 + 2*3 - 2 = 6
    # dK[1, 0] = x[1,0] + 2 x[2,1] - x[3,2] = 0 + 2*1 - 1 = 1
    # dK[1, 1] = x[1,1] + 2 x[2,2] - x[3,3] = 1 + 2*0 - 1 = 0
    np.testing.assert_array_equal(g.dK[0, 0], [[3, 6], [1, 0]])
    # db = sum of dz = 1 + 2 - 1 = 2
    np.testing.assert_array_equal(g.db, [2])
    # dx: each dz[i, j] puts K * dz[i, j] onto the window at (i, j):
    #   (0,0) adds [[1, -1], [0, 2]] at rows 0-1, cols 0-1
    #   (1,1) adds [[2, -2], [0, 4]] at rows 1-2, cols 1-2
    #   (2,2) adds [[-1, 1], [0, -2]] at rows 2-3, cols 2-3
    # row 1: col 1 gets 2 (from (0,0)) + 2 (from (1,1)) = 4; row 2: col 2 gets 4 - 1 = 3
    expected_dx = [[1, -1, 0, 0], [0, 4, -2, 0], [0, 0, 3, 1], [0, 0, 0, -2]]
    np.testing.assert_array_equal(g.dx[0, 0], expected_dx)
    # the same dx as the full convolution of dz with the flipped filter [[2, 0], [-1, 1]]
    np.testing.assert_array_equal(full_convolution(dz[None, None], K2[None, None])[0, 0], expected_dx)


def test_hand_worked_maxpool() -> None:
    # windows of X4: [[1,2],[0,1]] -> 2 at (0,1); [[0,1],[3,1]] -> 3 at (1,2);
    #                [[2,1],[1,0]] -> 2 at (2,0); [[0,2],[1,1]] -> 2 at (2,3)
    t = maxpool2d_forward(X4[None, None], 2)
    np.testing.assert_array_equal(t.out[0, 0], [[2, 3], [2, 2]])
    np.testing.assert_array_equal(t.rows[0, 0], [[0, 1], [2, 2]])
    np.testing.assert_array_equal(t.cols[0, 0], [[1, 2], [0, 3]])
    # dout = [[1, 2], [3, 4]] lands on the four winners; the other 12 cells get exactly 0
    dx = maxpool2d_backward(np.array([[[[1.0, 2], [3, 4]]]]), t).dx[0, 0]
    np.testing.assert_array_equal(dx, [[0, 1, 0, 0], [0, 0, 2, 0], [3, 0, 0, 4], [0, 0, 0, 0]])


def test_tie_rule_first_in_reading_order() -> None:
    # window [[1, 5], [5, 5]]: three cells share the max 5; the first in reading order, (0, 1), wins
    x = np.array([[[[1.0, 5], [5, 5]]]])
    t = maxpool2d_forward(x, 2)
    assert (int(t.rows[0, 0, 0, 0]), int(t.cols[0, 0, 0, 0])) == (0, 1)
    dx = maxpool2d_backward(np.array([[[[7.0]]]]), t).dx
    np.testing.assert_array_equal(dx[0, 0], [[0, 7], [0, 0]])
    # an all-equal window: the top-left cell takes the whole gradient
    dx = maxpool2d_backward(np.array([[[[3.0]]]]), maxpool2d_forward(np.zeros((1, 1, 2, 2)), 2)).dx
    np.testing.assert_array_equal(dx[0, 0], [[3, 0], [0, 0]])
    assert "first in reading order" in conv.__doc__


def test_pool_drops_rows_that_do_not_fill_a_window() -> None:
    x = np.arange(35.0).reshape(1, 1, 5, 7)
    t = maxpool2d_forward(x, 2)
    assert t.out.shape == (1, 1, 2, 3)
    dx = maxpool2d_backward(np.ones(t.out.shape), t).dx
    assert dx[0, 0, 4].sum() == 0 and dx[0, 0, :, 6].sum() == 0


# -- finite differences -------------------------------------------------------------------------------


def numeric_grad(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f()
        a[idx] = old - eps
        down = f()
        a[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


# Every drawn shape is valid by construction (the kernel never exceeds the padded input), so no example
# is thrown away: hypothesis reports 0 invalid examples for these tests.
conv_shapes = st.tuples(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(2, 7), st.integers(2, 7),
    st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**31),
).flatmap(
    lambda s: st.tuples(
        st.just(s), st.integers(1, min(3, s[3] + 2 * s[6])), st.integers(1, min(3, s[4] + 2 * s[6]))
    )
).map(lambda t: (*t[0][:5], t[1], t[2], *t[0][5:]))  # fmt: skip


@FAST
@given(conv_shapes)
def test_conv_gradients_match_finite_differences(shape: tuple) -> None:
    m, c_in, c_out, h, w, kh, kw, stride, padding, seed = shape
    rng = np.random.default_rng(seed)
    x, K, b = rng.normal(size=(m, c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)), rng.normal(size=c_out)
    t = conv2d_forward(x, K, b, stride, padding)
    R = rng.normal(size=t.z.shape)  # L = sum(z * R), so dL/dz = R

    def loss() -> float:
        return float(np.sum(conv2d_forward(x, K, b, stride, padding).z * R))

    g = conv2d_backward(R, t)
    np.testing.assert_allclose(g.dx, numeric_grad(loss, x), atol=1e-6)
    np.testing.assert_allclose(g.dK, numeric_grad(loss, K), atol=1e-6)
    np.testing.assert_allclose(g.db, numeric_grad(loss, b), atol=1e-6)


@FAST
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 9), st.integers(k, 9))),
    st.integers(0, 2**31),
)
def test_pool_gradient_matches_finite_differences(m: int, c: int, sizes: tuple, seed: int) -> None:
    size, h, w = sizes  # the window never exceeds the input: every example is valid
    rng = np.random.default_rng(seed)
    # distinct values at least 0.01 apart: a step of 1e-6 never changes a window's winner
    x = (rng.permutation(m * c * h * w) * 0.01).reshape(m, c, h, w)
    t = maxpool2d_forward(x, size)
    R = rng.normal(size=t.out.shape)
    g = maxpool2d_backward(R, t).dx
    np.testing.assert_allclose(
        g, numeric_grad(lambda: float(np.sum(maxpool2d_forward(x, size).out * R)), x), atol=1e-7
    )
    # exactly one non-zero per window at most: only the winners
    assert np.count_nonzero(g) <= t.out.size


@FAST
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(3, 7),
    st.integers(1, 3),
    st.integers(0, 2**31),
)
def test_full_convolution_equals_dx(m: int, c_in: int, c_out: int, side: int, k: int, seed: int) -> None:
    # side >= 3 >= k: every example is valid
    rng = np.random.default_rng(seed)
    t = conv2d_forward(
        rng.normal(size=(m, c_in, side, side)), rng.normal(size=(c_out, c_in, k, k)), np.zeros(c_out)
    )
    dz = rng.normal(size=t.z.shape)
    np.testing.assert_allclose(full_convolution(dz, t.K), conv2d_backward(dz, t).dx, atol=1e-12)


net_configs = st.tuples(
    st.sampled_from([(1,), (2,), (2, 2)]), st.sampled_from([1, 2]), st.sampled_from([2, 3]),
    st.sampled_from([0, 1]), st.sampled_from([(), (3,)]), st.sampled_from(["tanh", "sigmoid", "linear"]),
    st.sampled_from(
        [("softmax", "cross_entropy"), ("sigmoid", "bce"), ("sigmoid", "mse"), ("linear", "half_sse")]
    ),
    st.integers(0, 2**31),
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net_configs)
def test_network_gradients_match_finite_differences(config: tuple) -> None:
    filters, pool, kernel, padding, dense, act, (out_act, loss), seed = config
    rng = np.random.default_rng(seed)
    net = convnet.create((2, 6, 6), filters, kernel, 3, dense, conv_activation=act, dense_activation=act,
                         output_activation=out_act, pool=pool, padding=padding, seed=seed % 1000)  # fmt: skip
    X = rng.normal(size=(3, 2, 6, 6))
    Y = rng.integers(0, 3, 3) if loss == "cross_entropy" else rng.uniform(size=(3, 3))
    step = convnet.train_step(net, X, Y, loss=loss, lr=0.1)
    params = [np.array(p) for p in net.params]

    for p, grad in zip(params, step.grads, strict=True):

        def f(params: list[np.ndarray] = params) -> float:
            return convnet.loss_of(net.with_params(params), X, Y, loss)

        np.testing.assert_allclose(grad, numeric_grad(f, p), atol=1e-6, rtol=1e-5)
    assert step.loss == pytest.approx(convnet.loss_of(net, X, Y, loss), abs=1e-12)


def test_sgd_step_is_lr_times_gradient_and_momentum_remembers() -> None:
    rng = np.random.default_rng(0)
    net = convnet.create((1, 6, 6), (2,), 3, 3, seed=1)
    X, y = rng.normal(size=(4, 1, 6, 6)), np.array([0, 1, 2, 1])
    s = convnet.train_step(net, X, y, lr=0.5)
    for before, after, g in zip(net.params, s.net_after.params, s.grads, strict=True):
        np.testing.assert_allclose(after, before - 0.5 * g, atol=1e-15)
    m1 = convnet.train_step(net, X, y, lr=0.1, optimizer="momentum")
    m2 = convnet.train_step(m1.net_after, X, y, lr=0.1, optimizer="momentum", state=m1.state)
    # v2 = 0.9 * g1 + g2
    for p1, p2, g1, g2 in zip(m1.net_after.params, m2.net_after.params, m1.grads, m2.grads, strict=True):
        np.testing.assert_allclose(p2, p1 - 0.1 * (0.9 * g1 + g2), atol=1e-14)


# -- bad inputs ----------------------------------------------------------------------------------------

GOOD_X, GOOD_K, GOOD_B = np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros((5, 5))}, "x has rank 2"),
        ({"x": np.zeros((1, 2, 5, 5))}, "input channel"),
        ({"K": np.zeros((2, 3, 3))}, "K has rank 3"),
        ({"b": np.zeros(3)}, "b has shape"),
        ({"K": np.zeros((2, 1, 7, 7))}, "larger than the padded input"),
        ({"stride": 0}, "stride must lie between 1"),
        ({"stride": 1.5}, "stride must be a whole number"),
        ({"stride": True}, "stride must be a whole number"),
        ({"padding": -1}, "padding must lie between 0"),
        ({"x": np.full((1, 1, 5, 5), np.nan)}, "x contains 25 NaN"),
        ({"K": np.full((2, 1, 3, 3), np.inf)}, "K contains"),
        ({"x": np.zeros((1, 1, 65, 5))}, "at most 64x64"),
        ({"x": np.zeros((1, 65, 5, 5)), "K": np.zeros((2, 65, 3, 3))}, "channels"),
        ({"x": "abc"}, "x must be numeric"),
        ({"x": np.zeros((0, 1, 5, 5))}, "x is empty"),
    ],
)
def test_conv_bad_inputs(kwargs: dict, message: str) -> None:
    args = {"x": GOOD_X, "K": GOOD_K, "b": GOOD_B, "stride": 1, "padding": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        conv2d_forward(**args)


def test_padding_lets_a_large_kernel_fit() -> None:
    assert conv2d_forward(GOOD_X, np.zeros((1, 1, 7, 7)), np.zeros(1), padding=1).z.shape == (1, 1, 1, 1)


def test_backward_and_pool_bad_inputs() -> None:
    t = conv2d_forward(GOOD_X, GOOD_K, GOOD_B)
    with pytest.raises(ValueError, match="dz has shape"):
        conv2d_backward(np.zeros((1, 2, 2, 2)), t)
    with pytest.raises(ValueError, match="Conv2dTrace"):
        conv2d_backward(t.z, "not a trace")
    with pytest.raises(ValueError, match="pool size 6 is larger"):
        maxpool2d_forward(GOOD_X, 6)
    with pytest.raises(ValueError, match="pool size must lie"):
        maxpool2d_forward(GOOD_X, 0)
    p = maxpool2d_forward(GOOD_X, 2)
    with pytest.raises(ValueError, match="dout has shape"):
        maxpool2d_backward(np.zeros((1, 1, 3, 3)), p)
    with pytest.raises(ValueError, match="dout contains"):
        maxpool2d_backward(np.full(p.out.shape, np.nan), p)


def test_network_bad_inputs() -> None:
    net = convnet.create((1, 6, 6), (2,), 3, 3)
    with pytest.raises(ValueError, match="the network expects"):
        convnet.train_step(net, np.zeros((2, 1, 5, 5)), [0, 1], lr=0.1)
    with pytest.raises(ValueError, match="class labels"):
        convnet.train_step(net, np.zeros((2, 1, 6, 6)), [0, 7], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        convnet.train_step(net, np.zeros((2, 1, 6, 6)), [0, 1], lr=-1)
    with pytest.raises(ValueError, match="softmax output must be trained with cross_entropy"):
        convnet.train_step(net, np.zeros((2, 1, 6, 6)), np.zeros((2, 3)), loss="mse", lr=0.1)
    with pytest.raises(ValueError, match="X contains"):
        convnet.train_step(net, np.full((2, 1, 6, 6), np.inf), [0, 1], lr=0.1)
    with pytest.raises(ValueError, match="larger than the padded input"):
        convnet.create((1, 4, 4), (2, 2), 3, 3)
    with pytest.raises(ValueError, match="1 to 2 conv layers"):
        convnet.create((1, 12, 12), (2, 2, 2), 3, 3)
    with pytest.raises(ValueError, match="unknown activation"):
        convnet.create((1, 6, 6), (2,), 3, 3, output_activation="nope")
    with pytest.raises(ValueError, match="hidden activation"):
        convnet.create((1, 6, 6), (2,), 3, 3, conv_activation="softmax")
    with pytest.raises(ValueError, match="ConvNet"):
        convnet.forward("net", np.zeros((1, 1, 6, 6)))


# -- purity --------------------------------------------------------------------------------------------


def test_nothing_passed_in_changes_and_traces_are_read_only() -> None:
    rng = np.random.default_rng(3)
    x, K, b = rng.normal(size=(2, 1, 6, 6)), rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2)
    copies = [a.copy() for a in (x, K, b)]
    t = conv2d_forward(x, K, b, padding=1)
    g = conv2d_backward(np.ones(t.z.shape), t)
    p = maxpool2d_forward(x, 2)
    maxpool2d_backward(np.ones(p.out.shape), p)
    for a, c in zip((x, K, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    for arr in (t.z, t.xp, g.dx, g.dK, g.db, p.out, p.winners):
        with pytest.raises(ValueError):
            arr[...] = 0
    net = convnet.create((1, 6, 6), (2,), 3, 3, seed=2)
    before = [q.copy() for q in net.params]
    step = convnet.train_step(net, x, [0, 2], lr=0.3)
    for q, c in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(q, c)
    assert step.net is net and step.net_after is not net
    assert not np.array_equal(step.net_after.K[0], net.K[0])
    with pytest.raises(AttributeError):
        step.loss = 0.0  # type: ignore[misc]
    for q in step.net_after.params:
        assert not q.flags.writeable


def test_two_conv_layers_pass_dx_down_as_dL_da() -> None:
    net = convnet.create((1, 8, 8), (2, 3), 3, 2, seed=4)
    step = convnet.train_step(net, np.random.default_rng(1).normal(size=(2, 1, 8, 8)), [0, 1], lr=0.1)
    first, second = step.convs
    # delta of layer 1 = (dx of layer 2) * relu'(z of layer 1)
    np.testing.assert_allclose(first.delta, second.dx * (first.z > 0), atol=1e-15)
    assert repr(net).startswith("ConvNet((1, 8, 8)")
