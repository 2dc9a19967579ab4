"""The delta convention: ``delta = dL/dz`` of the batch-averaged loss, and the output shortcut."""

import numpy as np
import pytest

import backprop_core as bc


def _problem(output, loss, seed=0, m=6):
    rng = np.random.default_rng(seed)
    k = 3 if output == "softmax" else 2
    net = bc.MLP.create([3, 4, k], "tanh", output, init="normal", std=0.8, seed=seed)
    X = rng.normal(size=(m, 3))
    if loss == "cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, m)]
    elif loss == "bce":
        Y = rng.uniform(0, 1, (m, k))
    else:
        Y = rng.normal(size=(m, k))
    return net, X, Y


CASES = [
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("tanh", "mse"),
    ("linear", "half_sse"),
    ("sigmoid", "mse"),
]


@pytest.mark.parametrize(("output", "loss"), CASES)
def test_duplicating_every_sample_leaves_the_gradient_unchanged(output, loss):
    # the loss is a mean over samples, so a batch of each sample twice has the same loss and
    # gradients; each delta row halves (it carries 1/m) while m doubles
    net, X, Y = _problem(output, loss)
    once = bc.train_step(net, X, Y, loss=loss, lr=0.1)
    twice = bc.train_step(net, np.vstack([X, X]), np.vstack([Y, Y]), loss=loss, lr=0.1)
    assert twice.loss == pytest.approx(once.loss, rel=1e-14)
    for a, b in zip((*once.dW, *once.db), (*twice.dW, *twice.db), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-16)
    for d1, d2 in zip(once.delta, twice.delta, strict=True):
        np.testing.assert_allclose(d2[: len(X)], d1 / 2, rtol=1e-14, atol=1e-18)
        np.testing.assert_array_equal(d2[: len(X)], d2[len(X) :])


@pytest.mark.parametrize(("output", "loss"), CASES)
def test_sample_delta_is_m_times_delta(output, loss):
    net, X, Y = _problem(output, loss, m=5)
    trace = bc.train_step(net, X, Y, loss=loss, lr=0.1)
    for d, sd in zip(trace.delta, trace.backward.sample_delta, strict=True):
        np.testing.assert_array_equal(sd, 5 * d)
    # a sample's own delta is the delta of a batch of that sample alone
    alone = bc.train_step(net, X[2:3], Y[2:3], loss=loss, lr=0.1)
    for sd, d in zip(trace.backward.sample_delta, alone.delta, strict=True):
        np.testing.assert_allclose(sd[2:3], d, rtol=1e-13, atol=1e-17)


def test_db_is_the_sum_of_delta_and_dW_the_product_with_a_prev():
    net, X, Y = _problem("sigmoid", "bce")
    trace = bc.train_step(net, X, Y, loss="bce", lr=0.1)
    for l in range(net.n_layers):
        np.testing.assert_allclose(trace.db[l], trace.delta[l].sum(axis=0), rtol=1e-14)
        np.testing.assert_allclose(trace.dW[l], trace.forward.a_prev(l).T @ trace.delta[l], rtol=1e-14)
        assert trace.dW[l].shape == net.weights[l].shape and trace.db[l].shape == net.biases[l].shape


@pytest.mark.parametrize(
    ("output", "loss", "flag"),
    [
        ("sigmoid", "bce", True),
        ("softmax", "cross_entropy", True),
        ("tanh", "mse", False),
        ("linear", "half_sse", False),
        ("sigmoid", "mse", False),
        ("sigmoid", "half_sse", False),
    ],
)
def test_shortcut_flag(output, loss, flag):
    net, X, Y = _problem(output, loss)
    trace = bc.train_step(net, X, Y, loss=loss, lr=0.1)
    assert trace.loss_trace.shortcut is flag
    assert bc.explain_weight(trace, 1, 0, 0).shortcut is flag
    assert bc.explain_weight(trace, 0, 0, 0).shortcut is False  # only the output layer can shortcut


def test_shortcut_delta_equals_the_chain_rule_for_sigmoid_bce():
    net, X, Y = _problem("sigmoid", "bce")
    trace = bc.train_step(net, X, Y, loss="bce", lr=0.1)
    m, k = Y.shape
    z = trace.z[-1]
    chain = trace.loss_trace.dL_da * bc.ACTIVATIONS["sigmoid"].df(z)  # element by element
    np.testing.assert_allclose(trace.loss_trace.output_delta, chain, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trace.delta[-1], (trace.output - Y) / (m * k), rtol=1e-15)


def test_shortcut_delta_equals_the_jacobian_vector_product_for_softmax_cross_entropy():
    net, X, Y = _problem("softmax", "cross_entropy")
    trace = bc.train_step(net, X, Y, loss="cross_entropy", lr=0.1)
    J = bc.ACTIVATIONS["softmax"].jacobian(trace.z[-1])  # (m, k, k): da_k/dz_j
    # delta_j = sum_k dL/da_k * da_k/dz_j
    chain = np.einsum("mk,mkj->mj", trace.loss_trace.dL_da, J)
    np.testing.assert_allclose(trace.delta[-1], chain, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trace.delta[-1], (trace.output - Y) / len(Y), rtol=1e-15)


def test_without_shortcut_delta_is_dL_da_times_f_prime():
    net, X, Y = _problem("tanh", "mse")
    trace = bc.train_step(net, X, Y, loss="mse", lr=0.1)
    m, k = Y.shape
    np.testing.assert_array_equal(trace.dL_da[-1], 2 * (trace.output - Y) / (m * k))
    np.testing.assert_array_equal(trace.delta[-1], trace.dL_da[-1] * bc.ACTIVATIONS["tanh"].df(trace.z[-1]))
    # hidden layers: dL/da[l] = delta[l+1] @ W[l+1].T and delta[l] = dL/da[l] * f'(z[l])
    np.testing.assert_allclose(trace.dL_da[0], trace.delta[1] @ net.weights[1].T, rtol=1e-14)
    np.testing.assert_allclose(
        trace.delta[0], trace.dL_da[0] * bc.ACTIVATIONS["tanh"].df(trace.z[0]), rtol=1e-14
    )


def test_averaging_note_names_the_factor():
    net, X, Y = _problem("sigmoid", "bce", m=4)
    note = bc.train_step(net, X, Y, loss="bce", lr=0.1).loss_trace.averaging_note
    assert "1/(m*k) = 1/8" in note and "m * delta" in note
    net, X, Y = _problem("softmax", "cross_entropy", m=4)
    assert "1/m = 1/4" in bc.train_step(net, X, Y, loss="cross_entropy", lr=0.1).loss_trace.averaging_note
