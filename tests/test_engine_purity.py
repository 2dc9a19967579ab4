"""Pure phases and reproducibility: a step never changes its inputs; a seed fixes everything."""

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backprop_core as bc

REPO = Path(__file__).resolve().parents[1]


def _snapshot(net):
    return [p.copy() for p in (*net.weights, *net.biases)]


@pytest.mark.parametrize("optimizer", bc.OPTIMIZERS)
@pytest.mark.parametrize("options", [{}, {"l2": 0.1, "clip_norm": 0.01}, {"freeze_biases": True}])
def test_train_step_never_modifies_its_inputs(optimizer, options):
    rng = np.random.default_rng(0)
    net = bc.MLP.create([2, 3, 3], "relu", "softmax", init="he", seed=0)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 3, 6)
    X0, y0, params0 = X.copy(), y.copy(), _snapshot(net)

    first = bc.train_step(net, X, y, loss="cross_entropy", lr=0.5, optimizer=optimizer, **options)
    state0 = copy.deepcopy(first.optimizer_state)
    second = bc.train_step(
        first.net_after,
        X,
        y,
        loss="cross_entropy",
        lr=0.5,
        optimizer=optimizer,
        state=first.optimizer_state,
        **options,
    )

    for before, now in zip(params0, (*net.weights, *net.biases), strict=True):
        np.testing.assert_array_equal(before, now)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert first.net_before is net and second.net_before is first.net_after
    assert first.net_after != net  # it did learn something, into a new network
    # the optimiser state read by the second step is left as it was
    assert state0.t == first.optimizer_state.t
    for name, arrays in state0.slots.items():
        for a, b in zip(arrays, first.optimizer_state.slots[name], strict=True):
            np.testing.assert_array_equal(a, b)


def test_parameters_are_read_only():
    net = bc.MLP.create([2, 3, 1], seed=0)
    trace = bc.train_step(net, np.ones((2, 2)), np.ones((2, 1)), loss="bce", lr=0.1)
    for model in (net, trace.net_after):
        for p in (*model.weights, *model.biases):
            assert not p.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                p[...] = 0.0
    # from_params copies: changing the caller's array later changes nothing
    W = np.ones((1, 1))
    frozen = bc.MLP.from_params([W], [np.zeros(1)], ["linear"])
    W[0, 0] = 5.0
    assert frozen.weights[0][0, 0] == 1.0


def test_stepping_again_from_an_old_network_repeats_history():
    # time travel: stepping on from an old network gives the same result as the first time
    ex = bc.classic_222()
    a = bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr)
    b = bc.train_step(a.net_after, ex.X, ex.Y, loss=ex.loss, lr=ex.lr)
    again = bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr)
    assert again.net_after == a.net_after and b.net_before == a.net_after


@pytest.mark.parametrize("init", bc.INIT_SCHEMES)
def test_create_is_deterministic_per_seed(init):
    a = bc.MLP.create([2, 5, 4, 1], "tanh", "sigmoid", init=init, seed=7)
    b = bc.MLP.create([2, 5, 4, 1], "tanh", "sigmoid", init=init, seed=7)
    c = bc.MLP.create([2, 5, 4, 1], "tanh", "sigmoid", init=init, seed=8)
    assert a == b
    for x, y in zip(a.weights, b.weights, strict=True):
        assert x.tobytes() == y.tobytes()  # bit-identical
    if init == "zeros":
        assert a == c
    else:
        assert a != c
    # the same draws from an injected generator
    assert bc.MLP.create([2, 5, 4, 1], "tanh", "sigmoid", init=init, rng=np.random.default_rng(7)) == a


@pytest.mark.parametrize("name", list(bc.DATASETS))
def test_make_dataset_is_deterministic_per_seed(name):
    X1, y1 = bc.make_dataset(name, 60, 0.3, seed=4)
    X2, y2 = bc.make_dataset(name, 60, 0.3, seed=4)
    X3, _ = bc.make_dataset(name, 60, 0.3, seed=5)
    assert X1.tobytes() == X2.tobytes() and y1.tobytes() == y2.tobytes()
    assert not np.array_equal(X1, X3)


def _mini_batch_run(seed, data_seed=0):
    X, y = bc.make_dataset("moons", 40, 0.2, seed=data_seed)
    net = bc.MLP.create([2, 6, 1], "tanh", "sigmoid", seed=1)
    data = bc.Data.create(net, "bce", X, y)
    config = bc.TrainConfig(loss="bce", lr=0.3, optimizer="adam", batch_size=7, seed=seed)
    return bc.run(bc.RunState(net), data, config, iterations=25, keep_nets=True)


def test_runs_are_bit_identical_per_seed():
    a, b, c = _mini_batch_run(3), _mini_batch_run(3), _mini_batch_run(4)
    assert a.records == b.records
    assert all(x == y for x, y in zip(a.nets, b.nets, strict=True))
    for p, q in zip(a.state.net.weights, b.state.net.weights, strict=True):
        assert p.tobytes() == q.tobytes()
    # another seed shuffles the mini-batches differently
    assert a.state.net != c.state.net
    assert [r.batch_loss for r in a.records] != [r.batch_loss for r in c.records]


def test_engine_imports_no_ui_package():
    code = (
        "import backprop_core, sys; "
        "assert not any(m.split('.')[0] in ('streamlit', 'plotly', 'pandas') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly', 'pandas'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
