"""The chain-rule explainer agrees with the engine's gradients, exactly."""

import numpy as np
import pytest

import backprop_core as bc

PAIRINGS = [
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("linear", "mse"),
    ("tanh", "half_sse"),
    ("relu", "mse"),
]


def _random_traces(count):
    rng = np.random.default_rng(12)
    for n in range(count):
        output, loss = PAIRINGS[n % len(PAIRINGS)]
        depth = int(rng.integers(1, 4))
        sizes = [int(s) for s in rng.integers(1, 6, depth + 1)]
        if output == "softmax":
            sizes[-1] = max(sizes[-1], 2)
        hidden = [str(rng.choice(bc.HIDDEN_ACTIVATIONS)) for _ in range(depth - 1)]
        net = bc.MLP.create(sizes, hidden, output, init="normal", std=1.0, rng=rng)
        m = int(rng.integers(1, 80))  # up to many samples: long sums are where rounding differs
        X = rng.normal(size=(m, sizes[0]))
        if loss == "cross_entropy":
            Y = rng.integers(0, sizes[-1], m)
        elif loss == "bce":
            Y = rng.uniform(0, 1, (m, sizes[-1]))
        else:
            Y = rng.normal(size=(m, sizes[-1]))
        l2 = float(rng.choice([0.0, 0.01]))
        yield bc.train_step(net, X, Y, loss=loss, lr=0.1, l2=l2, freeze_biases=bool(n % 2))


def test_explanation_gradient_equals_dW_and_db_exactly():
    checked = 0
    for trace in _random_traces(40):
        net = trace.net_before
        for layer in range(net.n_layers):
            n_in, n_out = net.weights[layer].shape
            for j in range(n_out):
                bias = bc.explain_weight(trace, layer, None, j)
                assert bias.gradient == trace.db[layer][j]
                for i in range(n_in):
                    e = bc.explain_weight(trace, layer, i, j)
                    assert e.gradient == trace.dW[layer][i, j]
                    # the factors multiply out: per sample dL/da * da/dz = delta, delta * dz/dw;
                    # their sum equals the gradient up to the order of summation
                    assert np.sum(e.per_sample) + e.l2_term == pytest.approx(e.gradient, rel=1e-12, abs=1e-15)
                    checked += 1
    assert checked > 300


def test_explanation_factors_multiply_out():
    for trace in _random_traces(15):
        net = trace.net_before
        for layer in range(net.n_layers):
            e = bc.explain_weight(trace, layer, 0, 0)
            m = trace.x.shape[0]
            assert e.m == m and e.per_sample.shape == (m,)
            np.testing.assert_array_equal(e.dz_dw, trace.forward.a_prev(layer)[:, 0])
            np.testing.assert_array_equal(e.per_sample, e.delta * e.dz_dw)
            if e.da_dz is not None and not e.shortcut:
                np.testing.assert_array_equal(e.delta, e.dL_da * e.da_dz)
            elif e.da_dz is not None:  # the sigmoid + bce shortcut: equal up to rounding
                np.testing.assert_allclose(e.delta, e.dL_da * e.da_dz, rtol=1e-9, atol=1e-15)
            if not e.is_output:
                np.testing.assert_allclose(
                    e.dL_da, sum(p.contribution for p in e.paths), rtol=1e-12, atol=1e-16
                )
            assert e.step == trace.update.step_W[layer][0, 0]
            assert e.new_weight == trace.net_after.weights[layer][0, 0]
            assert e.lr == trace.update.lr
            assert e.l2_term == trace.loss_trace.l2 * e.weight


def test_bias_explanation():
    ex = bc.classic_222()
    trace = bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=True)
    e = bc.explain_weight(trace, 1, None, 0)
    assert e.i is None and e.weight == 0.60 and e.l2_term == 0.0
    np.testing.assert_array_equal(e.dz_dw, [1.0])
    assert e.gradient == trace.db[1][0] != 0
    assert e.step == 0.0 and e.new_weight == 0.60  # frozen


def test_explain_rejects_indices_outside_the_network():
    ex = bc.classic_222()
    trace = bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr)
    with pytest.raises(ValueError, match="layer 2 does not exist"):
        bc.explain_weight(trace, 2, 0, 0)
    with pytest.raises(ValueError, match="outside it"):
        bc.explain_weight(trace, 0, 2, 0)
    with pytest.raises(ValueError, match="outside it"):
        bc.explain_weight(trace, 0, None, -1)
