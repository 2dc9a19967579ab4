"""Activations and losses: derivatives against numeric ones, stability at extreme inputs, conventions."""

import warnings

import numpy as np
import pytest

import backprop_core as bc
from backprop_core.activations import LEAKY_SLOPE, log_sigmoid, log_softmax

ELEMENTWISE = [name for name, act in bc.ACTIVATIONS.items() if act.elementwise]
EXTREMES = [1000.0, -1000.0, 1e308, -1e308]


@pytest.fixture
def no_warnings():
    """Turn every warning (numpy's overflow/invalid RuntimeWarnings included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_registry_names_and_hidden_list():
    assert set(bc.ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}
    assert set(bc.HIDDEN_ACTIVATIONS) == set(bc.ACTIVATIONS) - {"softmax"}
    assert bc.ACTIVATIONS["softmax"].output_only and not bc.ACTIVATIONS["softmax"].elementwise
    for name, act in bc.ACTIVATIONS.items():
        assert act.name == name and repr(act) == f"Activation({name!r})"
        assert act.formula and act.derivative


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_numeric_derivative(name):
    act = bc.ACTIVATIONS[name]
    z = np.random.default_rng(0).uniform(-6, 6, (50, 4))
    z = z[np.all(np.abs(z) > 1e-3, axis=1)]  # stay off the relu kink
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_from_the_cached_activation_is_bit_identical(name):
    # the backward pass takes f'(z) from the forward pass's a = f(z) where that is cheaper;
    # it must be exactly df(z), or the explainer (which uses df) and dW would disagree
    act = bc.ACTIVATIONS[name]
    z = np.concatenate(
        [np.random.default_rng(5).normal(0, 4, 200), [0.0, -0.0, 1e-300, 40.0, -40.0, 1e308, -1e308]]
    )
    z = z.reshape(-1, 1)
    with np.errstate(all="ignore"):
        assert act.df_given(z, act.f(z)).tobytes() == act.df(z).tobytes()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_jacobian_is_diagonal_of_df(name):
    act = bc.ACTIVATIONS[name]
    z = np.array([[-1.5, 0.3, 2.0], [0.7, -0.2, 4.0]])
    J = act.jacobian(z)
    assert J.shape == (2, 3, 3)
    for s in range(2):
        np.testing.assert_array_equal(J[s], np.diag(act.df(z)[s]))


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    A = bc.ACTIVATIONS
    np.testing.assert_allclose(A["sigmoid"].f(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(A["tanh"].f(z), np.tanh(z), rtol=1e-15)
    np.testing.assert_array_equal(A["relu"].f(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(A["leaky_relu"].f(z), [[-0.02, 0.0, 3.0]])
    np.testing.assert_array_equal(A["linear"].f(z), z)
    s = A["softmax"].f(z)
    np.testing.assert_allclose(s, np.exp(z) / np.exp(z).sum(), rtol=1e-15)
    assert s.sum() == pytest.approx(1.0, abs=1e-15)


def test_linear_returns_a_copy():
    z = np.array([[1.0, 2.0]])
    a = bc.ACTIVATIONS["linear"].f(z)
    a[0, 0] = 99.0
    assert z[0, 0] == 1.0  # a = f(z) must not alias z in the trace


def test_kink_conventions():
    # documented: relu'(0) = 0 (as PyTorch) and leaky_relu'(0) = 0.01 (the left slope)
    zero = np.zeros((1, 1))
    assert bc.ACTIVATIONS["relu"].df(zero)[0, 0] == 0.0
    assert bc.ACTIVATIONS["leaky_relu"].df(zero)[0, 0] == 0.01 == LEAKY_SLOPE
    assert bc.ACTIVATIONS["relu"].f(zero)[0, 0] == 0.0
    assert bc.ACTIVATIONS["leaky_relu"].f(zero)[0, 0] == 0.0


def test_softmax_jacobian_matches_numeric_jacobian():
    act = bc.ACTIVATIONS["softmax"]
    z = np.random.default_rng(1).normal(0, 2, (4, 5))
    J = act.jacobian(z)
    h = 1e-6
    for s in range(z.shape[0]):
        numeric = np.empty((5, 5))
        for j in range(5):
            step = np.zeros(5)
            step[j] = h
            # column j: d a / d z_j
            numeric[:, j] = (act.f(z[s : s + 1] + step) - act.f(z[s : s + 1] - step))[0] / (2 * h)
        np.testing.assert_allclose(J[s], numeric, rtol=1e-6, atol=1e-10)
        # sum_k da_k/dz_j = 0: the outputs always sum to 1, whatever z does
        np.testing.assert_allclose(J[s].sum(axis=0), 0.0, atol=1e-15)


@pytest.mark.parametrize("name", list(bc.ACTIVATIONS))
@pytest.mark.parametrize("z0", EXTREMES)
def test_activation_stable_at_extremes(name, z0, no_warnings):
    act = bc.ACTIVATIONS[name]
    z = np.array([[z0, -z0, 0.0], [z0, z0, z0]])
    a = act.f(z)
    assert a.shape == z.shape and np.all(np.isfinite(a))
    d = act.df(z) if act.elementwise else act.jacobian(z)
    assert np.all(np.isfinite(d))
    if name in ("sigmoid", "softmax"):
        assert np.all((a >= 0) & (a <= 1))
    if name == "tanh":
        assert np.all(np.abs(a) <= 1)
    if name == "softmax":
        np.testing.assert_allclose(a.sum(axis=1), 1.0)


def test_saturated_values_are_exact(no_warnings):
    z = np.array([[1000.0, -1000.0, 1e308, -1e308]])
    np.testing.assert_array_equal(bc.ACTIVATIONS["sigmoid"].f(z), [[1.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(bc.ACTIVATIONS["sigmoid"].df(z), [[0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(bc.ACTIVATIONS["softmax"].f(np.array([[1e308, -1e308]])), [[1.0, 0.0]])
    np.testing.assert_array_equal(log_sigmoid(np.array([1000.0, -1000.0])), [0.0, -1000.0])
    np.testing.assert_array_equal(log_softmax(np.array([[1000.0, -1000.0]])), [[0.0, -2000.0]])


# -- losses ---------------------------------------------------------------------------------------


def test_loss_registry():
    assert set(bc.LOSSES) == {"mse", "half_sse", "bce", "cross_entropy"}
    assert bc.LOSSES["bce"].shortcut_output == "sigmoid"
    assert bc.LOSSES["cross_entropy"].shortcut_output == "softmax"
    assert bc.LOSSES["mse"].shortcut_output is None and bc.LOSSES["half_sse"].shortcut_output is None
    assert bc.valid_losses("softmax") == ["cross_entropy"]
    assert bc.valid_losses("sigmoid") == ["mse", "half_sse", "bce"]
    assert bc.valid_losses("linear") == ["mse", "half_sse"]


def test_loss_values_follow_the_stated_conventions():
    a = np.array([[0.2, 0.7], [0.9, 0.4]])
    y = np.array([[0.0, 1.0], [1.0, 1.0]])
    # mse: mean over every element; half_sse: 1/2 the sum over outputs, per sample
    np.testing.assert_allclose(
        bc.LOSSES["mse"].per_sample(a, None, y), [(0.04 + 0.09) / 2, (0.01 + 0.36) / 2]
    )
    np.testing.assert_allclose(bc.LOSSES["half_sse"].per_sample(a, None, y), [0.5 * 0.13, 0.5 * 0.37])
    # bce: mean over outputs of -[y log a + (1 - y) log(1 - a)], from the logits
    z = np.log(a / (1 - a))
    expected = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1)
    np.testing.assert_allclose(bc.LOSSES["bce"].per_sample(a, z, y), expected, rtol=1e-12)
    # cross_entropy: -sum y log softmax(z)
    z = np.array([[1.0, 2.0, 0.5]])
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(
        bc.LOSSES["cross_entropy"].per_sample(p, z, np.array([[0.0, 1.0, 0.0]])), -np.log(p[:, 1]), rtol=1e-14
    )


@pytest.mark.parametrize("name", ["mse", "half_sse", "bce"])
def test_loss_gradient_matches_numeric_gradient_of_the_batch_mean(name):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.05, 0.95, (3, 2))
    y = rng.uniform(0, 1, (3, 2))
    loss = bc.LOSSES[name]

    def batch_loss(a):
        return np.mean(loss.per_sample(a, np.log(a / (1 - a)), y))

    numeric = np.zeros_like(a)
    h = 1e-7
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = h
        numeric[idx] = (batch_loss(a + step) - batch_loss(a - step)) / (2 * h)
    np.testing.assert_allclose(loss.grad(a, y), numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("z0", [30.0, 1000.0, 1e308])
def test_bce_finite_for_huge_logits(z0, no_warnings):
    z = np.array([[z0, -z0], [-z0, z0]])
    a = bc.ACTIVATIONS["sigmoid"].f(z)
    for y in (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]), np.full((2, 2), 0.5)):
        values = bc.LOSSES["bce"].per_sample(a, z, y)
        assert np.all(np.isfinite(values)) and np.all(values >= 0)
        assert np.all(np.isfinite(bc.LOSSES["bce"].grad(a, y)))
    # right with certainty: loss 0; wrong with certainty: the loss is |z| per output (log-sigmoid)
    np.testing.assert_allclose(
        bc.LOSSES["bce"].per_sample(a, z, np.array([[1.0, 0.0], [0.0, 1.0]])), 0.0, atol=1e-12
    )
    np.testing.assert_allclose(
        bc.LOSSES["bce"].per_sample(a, z, np.array([[0.0, 1.0], [1.0, 0.0]])), z0, rtol=1e-12
    )


@pytest.mark.parametrize("z0", [30.0, 1000.0])
def test_cross_entropy_finite_for_huge_logits(z0, no_warnings):
    z = np.array([[z0, -z0, 0.0]])
    a = bc.ACTIVATIONS["softmax"].f(z)
    right, wrong = np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]])
    assert bc.LOSSES["cross_entropy"].per_sample(a, z, right)[0] == pytest.approx(0.0, abs=1e-12)
    assert bc.LOSSES["cross_entropy"].per_sample(a, z, wrong)[0] == pytest.approx(2 * z0, rel=1e-12)
    assert np.all(np.isfinite(bc.LOSSES["cross_entropy"].grad(a, wrong)))


def test_cross_entropy_at_the_float_limit(no_warnings):
    # logits 1e308 apart: the right class costs nothing; the wrong one costs 2e308, which is
    # beyond the largest float, so inf -- but never NaN and never a warning
    z = np.array([[1e308, -1e308]])
    a = bc.ACTIVATIONS["softmax"].f(z)
    assert bc.LOSSES["cross_entropy"].per_sample(a, z, np.array([[1.0, 0.0]]))[0] == 0.0
    assert bc.LOSSES["cross_entropy"].per_sample(a, z, np.array([[0.0, 1.0]]))[0] == np.inf


@pytest.mark.parametrize(
    ("output", "loss", "y"), [("sigmoid", "bce", [[1.0], [0.0]]), ("softmax", "cross_entropy", [0, 1])]
)
def test_training_step_on_huge_logits_is_finite(output, loss, y, no_warnings):
    # one input of +-1 and weights of +-1000 put the output logits at +-1000
    k = 1 if output == "sigmoid" else 2
    W = np.full((1, k), 1000.0) * (np.array([1.0, -1.0])[:k])
    net = bc.MLP.from_params([W], [np.zeros(k)], [output])
    X = np.array([[1.0], [-1.0]])
    right = bc.train_step(net, X, np.array(y), loss=loss, lr=0.1)
    assert right.loss == pytest.approx(0.0, abs=1e-12) and not right.non_finite
    wrong_y = 1 - np.array(y)
    wrong = bc.train_step(net, X, wrong_y, loss=loss, lr=0.1)
    assert not wrong.non_finite
    assert wrong.loss == pytest.approx(1000.0 if loss == "bce" else 2000.0, rel=1e-12)
    assert all(np.all(np.isfinite(d)) for d in (*wrong.dW, *wrong.db, *wrong.dL_da, *wrong.delta))


def test_sigmoid_keeps_full_precision_in_both_tails():
    # 1 / (1 + e^-z) above zero and e^z / (1 + e^z) below: every entry to the last bit, no overflow
    z = np.concatenate([np.linspace(-745.0, 745.0, 20001), [0.0, -0.0, 1e-300, -1e-300, 36.9, -36.9]])
    e = np.exp(-np.abs(z))
    expected = np.empty_like(z)
    pos = z >= 0
    expected[pos] = 1.0 / (1.0 + e[pos])
    expected[~pos] = e[~pos] / (1.0 + e[~pos])
    np.testing.assert_array_equal(bc.ACTIVATIONS["sigmoid"].f(z), expected)
    # the far negative tail is e^z itself, not a rounded 0: log(a) stays finite for bce
    assert bc.ACTIVATIONS["sigmoid"].f(np.array([-700.0]))[0] == pytest.approx(np.exp(-700.0), rel=1e-15)


@pytest.mark.parametrize("value", [1e308, -1e308, 3.0])
def test_finite_parameters_whose_sum_overflows_are_not_flagged(value, no_warnings):
    # 1e308 + 1e308 (+ value) overflows a sum of the weights, yet every weight is finite
    W = np.array([[1e308, 1e308], [0.5, value]])
    net = bc.MLP.from_params([W], [np.zeros(2)], ["linear"])
    step = bc.train_step(net, np.zeros((1, 2)), np.zeros((1, 2)), loss="mse", lr=0.1)
    assert step.loss == 0.0
    assert not step.non_finite
