"""Bad input raises ValueError naming the problem; a diverging run is reported, not raised."""

import warnings

import numpy as np
import pytest

import backprop_core as bc


@pytest.fixture
def net():
    return bc.MLP.create([2, 3, 1], "tanh", "sigmoid", seed=0)


@pytest.fixture
def classifier():
    return bc.MLP.create([2, 3, 3], "tanh", "softmax", seed=0)


X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.0]])
Y = np.array([[1.0], [0.0], [1.0]])


@pytest.mark.parametrize(
    ("X_bad", "match"),
    [
        (np.ones((3, 3)), r"X has shape \(3, 3\); expected \(m, 2\)"),
        (np.ones(3), r"X has shape \(3,\)"),
        (np.ones((0, 2)), r"X has shape \(0, 2\).*m >= 1"),
        ([["a", "b"]], "X must be numeric"),
        (np.array([[np.nan, 0.0], [0.0, 0.0], [0.0, 0.0]]), "X contains 1 NaN or infinite"),
        (np.array([[np.inf, -np.inf], [0.0, 0.0], [0.0, 0.0]]), "X contains 2 NaN or infinite"),
    ],
)
def test_bad_inputs(net, X_bad, match):
    with pytest.raises(ValueError, match=match):
        bc.train_step(net, X_bad, Y, loss="bce", lr=0.1)


@pytest.mark.parametrize(
    ("Y_bad", "match"),
    [
        (np.ones((3, 2)), r"Y has shape \(3, 2\); expected \(3, 1\)"),
        (np.ones(3), r"Y has shape \(3,\).*column of shape \(m, 1\)"),
        (np.ones((2, 1)), r"Y has shape \(2, 1\); expected \(3, 1\)"),
        (np.array([[np.nan], [0.0], [1.0]]), "Y contains 1 NaN or infinite"),
        (np.array([[np.inf], [0.0], [1.0]]), "Y contains 1 NaN or infinite"),
        (np.array([[2.0], [0.0], [1.0]]), "bce targets must lie between 0 and 1"),
        ([[None], [0], [1]], "Y must be numeric"),
    ],
)
def test_bad_targets(net, Y_bad, match):
    with pytest.raises(ValueError, match=match):
        bc.train_step(net, X, Y_bad, loss="bce", lr=0.1)


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        ([0, 1, 3], r"class labels must be whole numbers from 0 to 2.*3 outputs.*from 0 to 3"),
        ([0, -1, 2], "class labels must be whole numbers from 0 to 2"),
        ([0, 1.5, 2], "class labels must be whole numbers"),
        ([0, 1], r"labels have shape \(2,\); expected \(3,\)"),
        ([0, np.nan, 1], "labels contains 1 NaN"),
        ([[0.5, 0.6, 0.0]] * 3, "one-hot rows .* summing to 1"),
    ],
)
def test_bad_class_labels(classifier, labels, match):
    with pytest.raises(ValueError, match=match):
        bc.train_step(classifier, X, np.array(labels), loss="cross_entropy", lr=0.1)


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'; expected one of sigmoid"):
        bc.MLP.create([2, 3, 1], "swish")
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        bc.MLP.create([2, 3, 1], "tanh", "gelu")
    with pytest.raises(ValueError, match="unknown activation"):
        bc.get_activation(None)
    with pytest.raises(ValueError, match="unknown loss 'hinge'; expected one of mse"):
        bc.train_step(bc.MLP.create([2, 1], [], "linear"), X, Y, loss="hinge", lr=0.1)
    with pytest.raises(ValueError, match="unknown loss"):
        bc.TrainConfig(loss="l1", lr=0.1)
    with pytest.raises(ValueError, match="unknown init 'orthogonal'; expected one of xavier"):
        bc.MLP.create([2, 3, 1], init="orthogonal")
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; expected one of circle"):
        bc.make_dataset("mnist", 10)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; expected one of sgd"):
        bc.train_step(bc.MLP.create([2, 1], [], "sigmoid"), X, Y, loss="bce", lr=0.1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="unknown optimizer"):
        bc.TrainConfig(loss="mse", lr=0.1, optimizer="lbfgs")


def test_architecture_limits():
    with pytest.raises(ValueError, match="hidden layer 1 width 0 is out of range; expected 1 to 512"):
        bc.MLP.create([2, 0, 1])
    with pytest.raises(ValueError, match="input width 0"):
        bc.MLP.create([0, 3, 1])
    with pytest.raises(ValueError, match="output width 0"):
        bc.MLP.create([2, 3, 0])
    with pytest.raises(ValueError, match="every layer needs width >= 1"):
        bc.MLP.from_params([np.ones((2, 0))], [np.ones(0)], "linear")
    with pytest.raises(ValueError, match="31 hidden layers requested; expected 0 to 30"):
        bc.MLP.create([2, *[3] * 31, 1])
    assert bc.MLP.create([2, *[3] * 30, 1]).n_layers == 31  # the limit itself is fine
    with pytest.raises(ValueError, match="hidden layer 2 width 513 is out of range"):
        bc.MLP.create([2, 4, 513, 1])
    assert bc.MLP.create([2, 512, 1]).sizes == (2, 512, 1)
    with pytest.raises(ValueError, match="at least an input and an output"):
        bc.MLP.create([2])
    with pytest.raises(ValueError, match="got 1 hidden activations for 2 hidden layers"):
        bc.MLP.create([2, 3, 3, 1], ["tanh"])
    with pytest.raises(ValueError, match="sizes must be whole numbers"):
        bc.MLP.create([2, 2.5, 1])
    with pytest.raises(ValueError, match="sizes must be whole numbers"):
        bc.MLP.create([2, "wide", 1])
    assert bc.MLP.create([2, 3.0, 1]).sizes == (2, 3, 1)  # a float with no fraction is that integer
    for text in ("22", [2, "3", 1]):  # text is never converted (validation's rule)
        with pytest.raises(ValueError, match="sizes must be"):
            bc.MLP.create(text)
    for std in (-1.0, float("nan"), "big"):
        with pytest.raises(ValueError, match="std must be a finite number >= 0"):
            bc.MLP.create([2, 3, 1], init="normal", std=std)


@pytest.mark.parametrize(
    ("output", "loss", "match"),
    [
        ("softmax", "mse", "a softmax output must be trained with cross_entropy, not mse"),
        ("softmax", "bce", "a softmax output must be trained with cross_entropy, not bce"),
        ("linear", "bce", r"bce needs a sigmoid output layer \(got linear\)"),
        ("tanh", "bce", r"bce needs a sigmoid output layer \(got tanh\)"),
        ("sigmoid", "cross_entropy", r"cross_entropy needs a softmax output layer \(got sigmoid\)"),
    ],
)
def test_bad_pairings(output, loss, match):
    net = bc.MLP.create([2, 3, 2], "tanh", output, seed=0)
    with pytest.raises(ValueError, match=match):
        bc.train_step(net, X, np.array([[1.0, 0.0]] * 3), loss=loss, lr=0.1)
    with pytest.raises(ValueError, match=match):
        bc.check_pairing(output, loss)
    with pytest.raises(ValueError, match=match):
        bc.gradient_check(net, X, np.array([[1.0, 0.0]] * 3), loss)
    data = bc.Data.create(bc.MLP.create([2, 3, 2], "tanh", "sigmoid", seed=0), "mse", X, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=match):
        bc.run(bc.RunState(net), data, bc.TrainConfig(loss=loss, lr=0.1), iterations=1)


def test_softmax_only_at_the_output():
    with pytest.raises(ValueError, match=r"softmax can only be the output layer's activation \(layer 0\)"):
        bc.MLP.create([2, 3, 1], "softmax", "sigmoid")
    with pytest.raises(ValueError, match=r"softmax can only be the output layer's activation \(layer 1\)"):
        bc.MLP.from_params([np.ones((2, 2))] * 3, [np.zeros(2)] * 3, ["tanh", "softmax", "softmax"])


@pytest.mark.parametrize("lr", [-0.1, -1e-12, float("nan"), float("inf"), "fast", None])
def test_bad_learning_rates(net, lr):
    with pytest.raises(ValueError, match="learning rate must be a"):
        bc.train_step(net, X, Y, loss="bce", lr=lr)
    with pytest.raises(ValueError, match="learning rate must be a"):
        bc.TrainConfig(loss="bce", lr=lr)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"l2": -0.1}, "l2 must be a finite number >= 0"),
        ({"l2": float("nan")}, "l2 must be a finite number >= 0"),
        ({"clip_norm": 0.0}, "clip_norm must be a positive number or None"),
        ({"clip_norm": -1.0}, "clip_norm must be a positive number or None"),
        ({"clip_norm": "tight"}, "clip_norm must be a positive number or None"),
        ({"l2": "some"}, "l2 must be a finite number >= 0"),
    ],
)
def test_bad_regularisation_options(net, options, match):
    with pytest.raises(ValueError, match=match):
        bc.train_step(net, X, Y, loss="bce", lr=0.1, **options)


def test_bad_run_options(net):
    data = bc.Data.create(net, "bce", X, Y)
    for clip in (0.0, "x", float("inf")):
        with pytest.raises(ValueError, match="clip_norm must be a positive number or None"):
            bc.TrainConfig(loss="bce", lr=0.1, clip_norm=clip)
    with pytest.raises(ValueError, match="batch size must be a whole number >= 1"):
        bc.TrainConfig(loss="bce", lr=0.1, batch_size=0)
    with pytest.raises(ValueError, match="give either iterations or epochs"):
        bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1))
    with pytest.raises(ValueError, match="give either iterations or epochs"):
        bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1), iterations=1, epochs=1)
    with pytest.raises(ValueError, match="iterations/epochs must be a whole number >= 0"):
        bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1), iterations=-1)


def test_bad_parameters():
    with pytest.raises(ValueError, match=r"W\[0\] contains 1 NaN"):
        bc.MLP.from_params([[[np.nan]]], [[0.0]], ["linear"])
    with pytest.raises(ValueError, match=r"b\[0\] has shape \(2,\); expected \(1,\)"):
        bc.MLP.from_params([[[1.0]]], [[0.0, 0.0]], ["linear"])
    with pytest.raises(ValueError, match=r"W\[1\] has shape \(3, 1\) but layer 0 has 2 neurons"):
        bc.MLP.from_params([np.ones((1, 2)), np.ones((3, 1))], [np.zeros(2), np.zeros(1)], "linear")


# -- divergence is a result, not an error ----------------------------------------------------------


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("l2", [0.0, 0.01])
@pytest.mark.parametrize("batch_size", [None, 8])
def test_diverging_run_stops_and_says_why(l2, batch_size, no_warnings):
    X, y = bc.make_dataset("plane", 60, 0.1, seed=0)
    net = bc.MLP.create([2, 8, 1], "tanh", "linear", seed=0)
    data = bc.Data.create(net, "mse", X, y)
    config = bc.TrainConfig(loss="mse", lr=1e6, l2=l2, batch_size=batch_size)
    result = bc.run(bc.RunState(net), data, config, iterations=100)
    assert result.state.diverged
    assert result.stop_reason and (
        "NaN or infinite" in result.stop_reason or "grew more than" in result.stop_reason
    )
    assert len(result.records) < 100
    # the state keeps the last network that was still finite
    assert all(np.all(np.isfinite(p)) for p in (*result.state.net.weights, *result.state.net.biases))
    # a diverged state does not train any further
    again = bc.run(result.state, data, config, iterations=5)
    assert again.records == [] and again.state.diverged


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_diverging_steps_flag_non_finite_quietly(l2, no_warnings):
    X, y = bc.make_dataset("sine", 40, 0.1, seed=0)
    net = bc.MLP.create([1, 8, 8, 1], "relu", "linear", init="he", seed=0)
    steps = []
    for _ in range(60):
        trace = bc.train_step(net, X, y, loss="mse", lr=1e10, l2=l2)
        steps.append(trace)
        # every derived number can be read without a warning, even when it is inf or NaN
        trace.layer_grad_norms, trace.backward.delta_norms, trace.backward.layer_bias_grad_norms, repr(trace)
        trace.backward.sample_delta, bc.explain_weight(trace, 1, 0, 0)
        if trace.non_finite:
            break
        net = trace.net_after
    assert steps[-1].non_finite
    assert not steps[0].non_finite


def test_a_run_with_a_huge_but_finite_loss_is_stopped_by_the_explosion_rule(no_warnings):
    X, y = bc.make_dataset("plane", 30, 0.0, seed=1)
    net = bc.MLP.create([2, 1], [], "linear", seed=0)
    data = bc.Data.create(net, "mse", X, y)
    result = bc.run(bc.RunState(net), data, bc.TrainConfig(loss="mse", lr=5.0), iterations=200)
    assert result.state.diverged and "grew more than" in result.stop_reason
