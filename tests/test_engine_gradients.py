"""Backprop's gradients against finite differences, over random architectures.

Two checks per network: the engine's own ``gradient_check``, and an oracle written here from
the loss definitions alone (its own forward pass, its own losses, its own central differences),
so a mistake shared by the engine's loss and its gradient cannot hide.
"""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import backprop_core as bc

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
KINKED = ("relu", "leaky_relu")

# every output activation / loss pairing the engine accepts; the third field is the label format
PAIRINGS = [
    *(
        (out, loss, "dense")
        for out in ("sigmoid", "tanh", "linear", "relu", "leaky_relu")
        for loss in ("mse", "half_sse")
    ),
    ("sigmoid", "bce", "dense"),
    ("softmax", "cross_entropy", "one-hot"),
    ("softmax", "cross_entropy", "integer"),
]

# the oracle's step: near the optimum (machine epsilon ** 1/3) for central differences; the
# engine's gradient_check uses 1e-6, so the two differ in that too
FD_STEP = 1e-5
# a parameter nudged by FD_STEP moves any z by far less than this, so no relu kink is crossed
KINK_MARGIN = 1e-3


# -- the oracle: the loss from its definition, nothing shared with the engine ---------------------


def _reference_forward(weights, biases, activations, X):
    """Returns the pre-activations of every layer and the output."""
    zs, a = [], X
    for W, b, name in zip(weights, biases, activations, strict=True):
        z = a @ W + b
        zs.append(z)
        if name == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-z))
        elif name == "tanh":
            a = np.tanh(z)
        elif name == "relu":
            a = np.maximum(z, 0.0)
        elif name == "leaky_relu":
            a = np.where(z > 0, z, 0.01 * z)
        elif name == "linear":
            a = z
        elif name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            raise AssertionError(name)
    return zs, a


def reference_loss(weights, biases, activations, X, Y, loss, l2):
    """The batch loss, written from the conventions in ``losses.py``; ``Y`` is ``(m, k)``."""
    zs, a = _reference_forward(weights, biases, activations, X)
    z = zs[-1]
    m, k = a.shape
    if loss == "mse":
        value = np.sum((a - Y) ** 2) / (m * k)
    elif loss == "half_sse":
        value = 0.5 * np.sum((a - Y) ** 2) / m
    elif loss == "bce":
        # log a = -log(1 + e^-z) and log(1 - a) = -log(1 + e^z), from the logits for precision
        value = np.sum(Y * np.logaddexp(0, -z) + (1 - Y) * np.logaddexp(0, z)) / (m * k)
    elif loss == "cross_entropy":
        log_a = z - z.max(axis=1, keepdims=True)
        log_a = log_a - np.log(np.exp(log_a).sum(axis=1, keepdims=True))
        value = -np.sum(Y * log_a) / m
    else:
        raise AssertionError(loss)
    return value + 0.5 * l2 * sum(np.sum(W**2) for W in weights)


def reference_gradients(net, X, Y, loss, l2, h=FD_STEP):
    """Central differences ``(L(p + h) - L(p - h)) / 2h`` of ``reference_loss`` for every parameter."""
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    grads = []
    for p in (*weights, *biases):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            plus = reference_loss(weights, biases, net.activations, X, Y, loss, l2)
            p[idx] = old - h
            minus = reference_loss(weights, biases, net.activations, X, Y, loss, l2)
            p[idx] = old
            g[idx] = (plus - minus) / (2 * h)
        grads.append(g)
    L = net.n_layers
    return grads[:L], grads[L:]


def assert_close_to_fd(analytic, numeric, loss_value):
    """Relative error below 1e-6, measured against a floor at the finite differences' noise.

    Central differences with step h carry a rounding noise of about 1e-16 * L / h; a gradient
    far below that cannot be checked relatively, so the floor scales with the loss.
    """
    floor = 1e-3 * (1.0 + abs(loss_value))
    for a, n in zip(analytic, numeric, strict=True):
        assert a.shape == n.shape
        rel = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)
        assert rel.max() < 1e-6, (rel.max(), a, n)


# -- random problems ------------------------------------------------------------------------------


@st.composite
def problems(draw, output, loss, labels):
    n_layers = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 5), min_size=n_layers + 1, max_size=n_layers + 1))
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)  # one class would make every gradient 0
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=n_layers - 1, max_size=n_layers - 1))
    m = draw(st.integers(1, 5))
    scale = draw(st.sampled_from([0.3, 0.7, 1.2]))
    l2 = draw(st.sampled_from([0.0, 0.05]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    weights = [rng.normal(0, scale, (n_in, n_out)) for n_in, n_out in pairwise(sizes)]
    biases = [rng.normal(0, 0.5, n) for n in sizes[1:]]
    net = bc.MLP.from_params(weights, biases, [*hidden, output])
    X = rng.normal(0, 1, (m, sizes[0]))
    k = sizes[-1]
    if loss == "bce":
        Y = rng.uniform(0, 1, (m, k))
        if rng.random() < 0.5:
            Y = np.round(Y)  # hard 0/1 targets as well as soft ones
    elif loss == "cross_entropy":
        classes = rng.integers(0, k, m)
        Y = classes if labels == "integer" else np.eye(k)[classes]
    else:
        Y = rng.normal(0, 1, (m, k))

    # keep every relu/leaky_relu pre-activation away from its kink, where FD is meaningless
    zs, _ = _reference_forward(net.weights, net.biases, net.activations, X)
    for z, name in zip(zs, net.activations, strict=True):
        assume(name not in KINKED or np.abs(z).min() > KINK_MARGIN)
    return net, X, Y, l2


def _dense(Y, k):
    Y = np.asarray(Y)
    return np.eye(k)[Y] if Y.ndim == 1 else Y


GRAD_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


@pytest.mark.parametrize(("output", "loss", "labels"), PAIRINGS)
@GRAD_SETTINGS
@given(data=st.data())
def test_backprop_matches_finite_differences(output, loss, labels, data):
    net, X, Y, l2 = data.draw(problems(output, loss, labels))
    trace = bc.train_step(net, X, Y, loss=loss, lr=0.1, l2=l2)

    # the engine's loss is the loss of its documented definition
    expected = reference_loss(net.weights, net.biases, net.activations, X, _dense(Y, net.sizes[-1]), loss, l2)
    assert trace.loss == pytest.approx(expected, rel=1e-12, abs=1e-15)

    # the independent oracle
    num_dW, num_db = reference_gradients(net, X, _dense(Y, net.sizes[-1]), loss, l2)
    assert_close_to_fd(trace.dW, num_dW, trace.loss)
    assert_close_to_fd(trace.db, num_db, trace.loss)

    # the engine's own gradient check, which must agree with both
    check = bc.gradient_check(net, X, Y, loss, l2=l2)
    assert check.forward_passes == 2 * net.n_params == 2 * check.n_params
    for a, b in zip((*check.dW, *check.db), (*trace.dW, *trace.db), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_close_to_fd(check.num_dW, num_dW, trace.loss)
    assert_close_to_fd(check.dW, check.num_dW, trace.loss)
    assert_close_to_fd(check.db, check.num_db, trace.loss)
    assert len(check.layer_rel_error) == net.n_layers


def test_gradient_check_reports_tiny_relative_error_on_a_smooth_network():
    rng = np.random.default_rng(3)
    net = bc.MLP.create([3, 4, 4, 2], ["tanh", "sigmoid"], "softmax", seed=3)
    X = rng.normal(size=(6, 3))
    check = bc.gradient_check(net, X, rng.integers(0, 2, 6), "cross_entropy", l2=0.01)
    assert check.max_rel_error < 1e-6
    assert check.max_rel_error == max(check.layer_rel_error)
    # central differences: two extra forward passes per parameter, 2P in all
    assert check.forward_passes == 2 * net.n_params


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    # the checker must not agree with anything: give tanh a deliberately wrong derivative
    from backprop_core import activations

    real = activations.ACTIVATIONS["tanh"]
    broken = activations.Activation(
        real.name, real.f, lambda z: 1.0 - np.tanh(z), real.formula, real.derivative
    )
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", broken)
    net = bc.MLP.create([2, 3, 1], "tanh", "linear", seed=1)
    X = np.array([[0.3, -0.7], [1.1, 0.4]])
    check = bc.gradient_check(net, X, np.array([[0.5], [-0.2]]), "mse")
    assert check.layer_rel_error[0] > 1e-3  # the hidden layer's gradient is off
    assert check.layer_rel_error[1] < 1e-6  # the output layer's does not use tanh'
