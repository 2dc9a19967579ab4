"""Training runs (iterations, epochs, batches, records), data sets and saving a network."""

import json
from itertools import chain

import numpy as np
import pytest

import backprop_core as bc
from backprop_core.runner import batch_indices


def _counting_problem(n=10):
    """Sample i has input (i, -i) / n, so a batch's rows say which samples it holds."""
    X = np.column_stack([np.arange(n), -np.arange(n)]) / n
    y = (np.arange(n) % 2).reshape(-1, 1).astype(float)
    net = bc.MLP.create([2, 3, 1], "tanh", "sigmoid", seed=0)
    return net, bc.Data.create(net, "bce", X, y)


def _batches_of_one_run(batch_size, iterations, n=10, seed=0):
    """Step one iteration at a time and return the sample indices of every batch, with the states."""
    net, data = _counting_problem(n)
    config = bc.TrainConfig(loss="bce", lr=0.1, batch_size=batch_size, seed=seed)
    state, batches, states = bc.RunState(net), [], []
    for _ in range(iterations):
        result = bc.run(state, data, config, iterations=1)
        batches.append(np.rint(result.last_trace.x[:, 0] * n).astype(int).tolist())
        state = result.state
        states.append(state)
    return batches, states


@pytest.mark.parametrize(
    ("batch_size", "per_epoch", "sizes"),
    [(3, 4, [3, 3, 3, 1]), (1, 10, [1] * 10), (None, 1, [10]), (10, 1, [10]), (50, 1, [10])],
)
def test_iterations_per_epoch(batch_size, per_epoch, sizes):
    net, data = _counting_problem()
    config = bc.TrainConfig(loss="bce", lr=0.1, batch_size=batch_size)
    result = bc.run(bc.RunState(net), data, config, epochs=1)
    assert len(result.records) == per_epoch
    assert result.state.iteration == per_epoch and result.state.epoch == 1 and result.state.cursor == 0
    batches, states = _batches_of_one_run(batch_size, per_epoch)
    assert [len(b) for b in batches] == sizes
    assert [s.epoch for s in states] == [0] * (per_epoch - 1) + [1]
    # two epochs take twice the iterations
    assert len(bc.run(bc.RunState(net), data, config, epochs=2).records) == 2 * per_epoch


def test_fractional_epochs_in_the_records():
    net, data = _counting_problem()
    result = bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1, batch_size=3), iterations=6)
    assert [r.iteration for r in result.records] == [1, 2, 3, 4, 5, 6]
    assert [r.epoch for r in result.records] == pytest.approx([0.3, 0.6, 0.9, 1.0, 1.3, 1.6])
    full = bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1), iterations=3)
    assert [r.epoch for r in full.records] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("batch_size", [1, 3, 4, 7])
def test_every_epoch_covers_every_sample_once_in_a_fresh_order(batch_size):
    per_epoch = -(-10 // batch_size)
    batches, _ = _batches_of_one_run(batch_size, 3 * per_epoch)
    epochs = [list(chain.from_iterable(batches[e * per_epoch : (e + 1) * per_epoch])) for e in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]  # reshuffled every epoch
    assert epochs[0] != list(range(10))  # and shuffled at all


def test_a_run_split_in_pieces_equals_one_run():
    net, data = _counting_problem()
    config = bc.TrainConfig(loss="bce", lr=0.2, optimizer="momentum", batch_size=4, seed=2)
    whole = bc.run(bc.RunState(net), data, config, iterations=9)
    first = bc.run(bc.RunState(net), data, config, iterations=5)
    rest = bc.run(first.state, data, config, iterations=4)
    assert rest.state == whole.state
    assert first.records + rest.records == whole.records


def test_batch_indices():
    np.testing.assert_array_equal(batch_indices(5, None, 0, 0, 0), np.arange(5))
    np.testing.assert_array_equal(batch_indices(5, 9, 3, 0, 0), np.arange(5))
    order = np.random.default_rng([7, 2]).permutation(10)
    np.testing.assert_array_equal(batch_indices(10, 3, 2, 9, 7), order[9:])


def test_records_hold_the_measurements():
    X, y = bc.make_dataset("blobs", 60, 0.2, seed=0)
    Xtr, ytr, Xte, yte = bc.train_test_split(X, y, 0.25, np.random.default_rng(0))
    net = bc.MLP.create([2, 5, 4, 3], "relu", "softmax", init="he", seed=0)
    data = bc.Data.create(net, "cross_entropy", Xtr, ytr, Xte, yte)
    config = bc.TrainConfig(loss="cross_entropy", lr=0.2, batch_size=15, l2=0.001)
    result = bc.run(bc.RunState(net), data, config, iterations=5, keep_nets=True)
    assert len(result.records) == len(result.nets) == 5 and result.stop_reason is None
    last = result.records[-1]
    assert last.test_loss is not None and 0 <= last.train_acc <= 1 and 0 <= last.test_acc <= 1
    assert len(last.layer_grad_norms) == len(last.delta_norms) == 3
    # train_loss is measured after the update, on the whole training set, with the L2 term
    assert last.train_loss == pytest.approx(
        bc.evaluate(result.state.net, Xtr, ytr, "cross_entropy", l2=0.001), rel=1e-12
    )
    assert last.test_loss == pytest.approx(
        bc.evaluate(result.state.net, Xte, yte, "cross_entropy", l2=0.001), rel=1e-12
    )
    assert last.batch_loss == result.last_trace.loss
    assert last.layer_grad_norms == tuple(result.last_trace.layer_grad_norms)
    assert result.nets[-1] == result.state.net
    # without evaluation only the batch loss is known
    quick = bc.run(bc.RunState(net), data, config, iterations=2, evaluate=False)
    assert quick.records[0].train_loss == quick.records[0].batch_loss and quick.records[0].train_acc is None
    # a regression output has no accuracy, a run without test data no test loss
    Xr, yr = bc.make_dataset("sine", 20, 0.1)
    reg = bc.MLP.create([1, 4, 1], "tanh", "linear")
    record = bc.run(
        bc.RunState(reg), bc.Data.create(reg, "mse", Xr, yr), bc.TrainConfig("mse", 0.1), iterations=1
    ).records[0]
    assert record.train_acc is None and record.test_loss is None and record.test_acc is None


def test_history_columns():
    net, data = _counting_problem()
    records = bc.run(
        bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.1, batch_size=5), iterations=4
    ).records
    cols = bc.history_columns(records)
    # every history has these; a run adds one gradient-norm column per layer
    common = ["iteration", "epoch", "batch_loss", "train_loss", "test_loss", "train_acc", "test_acc"]
    assert list(cols) == [*common, "grad_norm_layer_1", "grad_norm_layer_2"]
    assert all(len(v) == 4 for v in cols.values())
    assert cols["iteration"] == [1, 2, 3, 4] and cols["epoch"] == [0.5, 1.0, 1.5, 2.0]
    assert cols["grad_norm_layer_2"] == [r.layer_grad_norms[1] for r in records]
    assert set(bc.history_columns([])) == set(common)


def test_accuracy():
    assert bc.accuracy(
        np.array([[0.9], [0.2], [0.6]]), np.array([[1.0], [0.0], [0.0]]), "sigmoid"
    ) == pytest.approx(2 / 3)
    onehot = np.eye(3)[[0, 2]]
    assert bc.accuracy(np.array([[0.5, 0.3, 0.2], [0.5, 0.1, 0.4]]), onehot, "softmax") == 0.5
    assert bc.accuracy(np.zeros((2, 1)), np.zeros((2, 1)), "linear") is None


def test_a_run_learns():
    X, y = bc.make_dataset("gaussian", 100, 0.0, seed=0)
    net = bc.MLP.create([2, 4, 1], "tanh", "sigmoid", seed=0)
    data = bc.Data.create(net, "bce", X, y)
    result = bc.run(bc.RunState(net), data, bc.TrainConfig(loss="bce", lr=0.5, optimizer="adam"), epochs=50)
    assert result.records[-1].train_loss < 0.1 * result.records[0].train_loss
    assert result.records[-1].train_acc == 1.0


# -- data sets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(bc.DATASETS))
def test_every_dataset(name):
    spec = bc.get_dataset(name)
    assert spec.name == name and spec.kind in ("binary", "multiclass", "regression")
    for n in (1, 2, 7, 200):
        X, y = bc.make_dataset(name, n, 0.2, seed=1)
        assert X.shape == (n, spec.n_inputs) and X.dtype == float and np.all(np.isfinite(X))
        if spec.kind == "binary":
            assert y.shape == (n, 1) and set(np.unique(y)) <= {0.0, 1.0}
        elif spec.kind == "multiclass":
            assert y.shape == (n,) and set(np.unique(y)) <= set(range(spec.n_outputs))
            assert np.issubdtype(y.dtype, np.integer)
        else:
            assert y.shape == (n, 1) and np.all(np.isfinite(y))
    X, y = bc.make_dataset(name, 200, 0.0, seed=1)
    if spec.kind != "regression":
        assert len(np.unique(y)) == (2 if spec.kind == "binary" else spec.n_outputs)  # every class appears
    # the default output and loss fit the targets
    net = bc.MLP.create([spec.n_inputs, 4, spec.n_outputs], "tanh", spec.default_output)
    trace = bc.train_step(net, X, y, loss=spec.default_loss, lr=0.1)
    assert np.isfinite(trace.loss)
    # noise changes the points (regression: the targets)
    X_noisy, y_noisy = bc.make_dataset(name, 200, 1.0, seed=1)
    if spec.kind == "regression":
        assert np.array_equal(X, X_noisy) and not np.array_equal(y, y_noisy)
    else:
        assert not np.array_equal(X, X_noisy)


def test_dataset_arguments_are_checked():
    with pytest.raises(ValueError, match="number of points must be a whole number from 1 to 5000"):
        bc.make_dataset("xor", 0)
    with pytest.raises(ValueError, match="number of points"):
        bc.make_dataset("xor", 5001)
    with pytest.raises(ValueError, match="number of points"):
        bc.make_dataset("xor", 2.5)
    with pytest.raises(ValueError, match="noise must lie between 0 and 1"):
        bc.make_dataset("xor", 10, noise=1.5)
    for noise in (-0.1, float("nan"), None, "loud"):
        with pytest.raises(ValueError, match="noise must lie between 0 and 1"):
            bc.make_dataset("xor", 10, noise=noise)


@pytest.mark.parametrize(
    ("n", "fraction", "n_test"), [(100, 0.2, 20), (10, 0.0, 0), (10, 0.9, 9), (7, 0.5, 4), (1, 0.5, 0)]
)
def test_train_test_split_sizes(n, fraction, n_test):
    X, y = bc.make_dataset("blobs", n, 0.1, seed=0)
    Xtr, ytr, Xte, yte = bc.train_test_split(X, y, fraction, np.random.default_rng(0))
    assert len(Xte) == len(yte) == n_test and len(Xtr) == len(ytr) == n - n_test
    # a partition of the rows, pairs kept together
    rows = {tuple(r) for r in X}
    assert {tuple(r) for r in np.vstack([Xtr, Xte])} == rows
    for Xpart, ypart in ((Xtr, ytr), (Xte, yte)):
        for xr, yr in zip(Xpart, ypart, strict=True):
            assert y[np.flatnonzero((X == xr).all(axis=1))[0]] == yr


def test_train_test_split_checks():
    X, y = np.zeros((4, 2)), np.zeros(4)
    for fraction in (0.95, -0.1, float("nan"), None):
        with pytest.raises(ValueError, match=r"test fraction must lie between 0 and 0\.9"):
            bc.train_test_split(X, y, fraction, np.random.default_rng(0))
    with pytest.raises(ValueError, match="X has 4 rows but y has 3"):
        bc.train_test_split(X, y[:3], 0.5, np.random.default_rng(0))


def test_data_create_drops_an_empty_test_set_and_makes_labels_one_hot():
    net = bc.MLP.create([2, 3], [], "softmax")
    data = bc.Data.create(net, "cross_entropy", np.zeros((4, 2)), [0, 1, 2, 1], np.zeros((0, 2)), np.zeros(0))
    assert data.X_test is None and data.Y_test is None and data.n_train == 4
    np.testing.assert_array_equal(data.Y_train, np.eye(3)[[0, 1, 2, 1]])


# -- saving a network -----------------------------------------------------------------------------


def test_to_dict_from_dict_round_trip():
    net = bc.MLP.create([3, 5, 4, 2], ["relu", "leaky_relu"], "softmax", init="he", seed=9)
    data = json.loads(json.dumps(net.to_dict()))
    assert data["sizes"] == [3, 5, 4, 2] and data["activations"] == ["relu", "leaky_relu", "softmax"]
    back = bc.MLP.from_dict(data)
    assert back == net and back.sizes == net.sizes
    for a, b in zip(back.weights, net.weights, strict=True):
        assert a.tobytes() == b.tobytes()  # JSON keeps every bit of a float64
    assert not back.weights[0].flags.writeable
    assert bc.MLP.from_dict({**net.to_dict(), "sizes": (3, 5, 4, 2)}) == net  # a tuple is fine too


GOOD = {"sizes": [1, 1], "weights": [[[1.0]]], "biases": [[0.0]], "activations": ["linear"]}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([1, 2], "expected a JSON object"),
        ({"weights": [[[1.0]]]}, "missing key"),
        ({**GOOD, "weights": 5}, "weights and biases must be nested lists of numbers"),
        ({**GOOD, "weights": [[["x"]]]}, "weights and biases must be nested lists of numbers"),
        ({**GOOD, "weights": [[[1.0, 2.0], [1.0]]]}, "weights and biases must be nested lists of numbers"),
        ({**GOOD, "biases": None}, "weights and biases must be nested lists of numbers"),
        ({**GOOD, "activations": "linear"}, "activations must be a list of names"),
        ({**GOOD, "activations": ["swish"]}, "unknown activation 'swish'"),
        ({**GOOD, "activations": ["linear", "linear"]}, "got 2 activations for 1 layers"),
        ({**GOOD, "weights": []}, "at least one layer"),
        ({**GOOD, "weights": [[1.0]]}, "expected a 2-D array"),
        ({**GOOD, "biases": [[0.0, 0.0]]}, r"b\[0\] has shape \(2,\)"),
        ({**GOOD, "weights": [[[float("nan")]]]}, "NaN"),
        ({**GOOD, "sizes": [2, 1]}, "do not match the weight shapes"),
        ({**GOOD, "sizes": 5}, "do not match the weight shapes"),
        ({**GOOD, "sizes": None}, "do not match the weight shapes"),
    ],
)
def test_from_dict_rejects_malformed_input(data, match):
    with pytest.raises(ValueError, match=match):
        bc.MLP.from_dict(data)


def test_repr_and_description():
    net = bc.MLP.create([2, 3, 1], "tanh", "sigmoid")
    assert repr(net) == "MLP(2-3-1, activations=['tanh', 'sigmoid'], params=13)"
    assert net.n_layers == 2 and net.n_params == 13 and net.output_activation == "sigmoid"
    trace = bc.train_step(net, np.zeros((2, 2)), np.zeros((2, 1)), loss="bce", lr=0.1)
    assert repr(trace).startswith("StepTrace(loss=0.693147")
    assert repr(trace.forward) == "ForwardTrace(m=2, layers=2)"
    assert "shortcut=True" in repr(trace.loss_trace)


def test_divergence_is_caught_as_soon_one_call_at_a_time_as_in_one_long_call() -> None:
    # the explosion rule compares with the run's first loss, kept in RunState across calls
    net = bc.MLP.create([1, 8, 1], hidden="tanh", output="linear", seed=0)
    X, y = bc.make_dataset("sine", 100, 0.1, seed=0)
    data = bc.Data.create(net, "mse", X, y)
    config = bc.TrainConfig(loss="mse", lr=10.0)
    one = bc.run(bc.RunState(net), data, config, iterations=200)
    assert one.state.diverged and one.stop_reason
    state, calls = bc.RunState(net), 0
    while not state.diverged and calls < 200:
        state = bc.run(state, data, config, iterations=1).state
        calls += 1
    assert state.diverged
    assert calls == len(one.records) + 1  # the call that found the explosion records nothing
    assert state.iteration == one.state.iteration
    first_loss = bc.train_step(net, X, y, loss="mse", lr=10.0).loss
    assert state.reference_loss == one.state.reference_loss == first_loss


def test_traces_compare_by_identity() -> None:
    net = bc.MLP.create([2, 3, 1], seed=0)
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    a = bc.train_step(net, X, Y, loss="mse", lr=0.1)
    b = bc.train_step(net, X, Y, loss="mse", lr=0.1)
    assert a == a and a != b  # no "truth value of an array is ambiguous"


def test_a_switched_optimiser_starts_with_empty_memory_in_run_but_is_refused_by_train_step() -> None:
    from backprop_core.optimizers import carried_memory

    net = bc.MLP.create([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    Y = np.array([[1.0], [0.0]])
    memory = bc.train_step(net, X, Y, loss="bce", lr=0.1, optimizer="momentum").update.state
    assert carried_memory(memory, "momentum") is memory
    assert carried_memory(memory, "adam") is None and carried_memory(None, "sgd") is None
    with pytest.raises(ValueError, match="memory of the 'momentum' optimizer"):
        bc.train_step(net, X, Y, loss="bce", lr=0.1, optimizer="adam", state=memory)
