"""The engine's contract (issue 11): a bad call raises ``ValueError`` naming what was wrong, nothing else.

Three layers: the scripted corpus (``tests/corpus/engine_calls.py``, every case run here), the traces'
immutability (``ForwardTrace.x`` is never the caller's array), and hypothesis strategies that throw
random bad arguments (shapes, dtypes, values) at the public functions and accept only a result or a
``ValueError`` in plain words.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import backprop_core as bc
from backprop_core import conv, convnet, graph, rnn
from tests.corpus.engine_calls import INTERNAL_PHRASES, cases, outcome

CASES = cases()


def test_the_corpus_is_large_and_covers_every_category() -> None:
    cats = {c.category for c in CASES}
    assert len(CASES) >= 316
    assert {"overflow", "type", "zero", "silent", "mismatch", "limits", "bool", "array", "range"} <= cats


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}: {c.label}" for c in CASES])
def test_bad_call_raises_a_named_value_error(case) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning or overflow warning on the way to the refusal
        assert outcome(case) == "ok", f"{case.label}: expected a ValueError naming {case.names!r}"


# -- the traces keep their own read-only copies -------------------------------------------------------


def test_forward_trace_x_is_not_the_callers_array() -> None:
    net = bc.MLP.create([2, 3, 1], seed=0)
    X = np.array([[0.1, 0.2], [0.3, 0.4]])
    fwd = bc.forward(net, X)
    step = bc.train_step(net, X, np.array([[1.0], [0.0]]), loss="bce", lr=0.1)
    before = fwd.x.copy()
    X[0, 0] = 99.0
    assert np.array_equal(fwd.x, before) and np.array_equal(step.x, before)
    for a in (fwd.x, step.x, step.y):
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0, 0] = 1.0


def test_targets_and_run_data_are_copies() -> None:
    net = bc.MLP.create([2, 3, 1], seed=0)
    X, Y = np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[1.0], [0.0]])
    data = bc.Data.create(net, "bce", X, Y)
    X[0, 0], Y[0, 0] = 5.0, 0.0
    assert data.X_train[0, 0] == 0.1 and data.Y_train[0, 0] == 1.0
    assert not data.X_train.flags.writeable and not data.Y_train.flags.writeable


def test_rnn_trace_x_is_a_copy() -> None:
    X = np.zeros((2, 4, 2))
    t = rnn.bptt_step(rnn.RNN.create(2, 3, 1, seed=0), X, np.zeros((2, 1)), "mse", 0.1)
    X[0, 0, 0] = 7.0
    assert t.X[0, 0, 0] == 0.0


# -- the conversion rule, stated in validation's docstring ----------------------------------------------


def test_conversion_rule() -> None:
    net = bc.MLP.create([2, 3, 1], seed=0)
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    # accepted: numpy scalars, integral floats as whole numbers, 0-d arrays, bool and integer arrays
    assert bc.MLP.create(np.array([2, 3, 1])).sizes == (2, 3, 1)
    assert bc.MLP.create([np.int64(2), 3.0, 1]).sizes == (2, 3, 1)
    ref = bc.train_step(net, X, Y, loss="bce", lr=0.5)
    for lr in (np.float64(0.5), np.float32(0.5), np.array(0.5)):
        assert bc.train_step(net, X, Y, loss="bce", lr=lr).net_after == ref.net_after
    assert bc.train_step(net, np.ones((2, 2), dtype=int), Y.astype(bool), loss="bce", lr=0.5).net_after == (
        ref.net_after
    )
    # refused: text, bool, complex, an int beyond a float
    for lr in ("0.5", True, 0.5 + 0j, 10**400):
        with pytest.raises(ValueError, match="learning rate must be a finite number >= 0"):
            bc.train_step(net, X, Y, loss="bce", lr=lr)
    for sizes in ("22", [2, "3", 1], [2, True, 1], [2, 2.5, 1]):
        with pytest.raises(ValueError, match="sizes must be"):
            bc.MLP.create(sizes)


def test_gradient_check_size_limit_and_eps() -> None:
    big = bc.MLP.create([2, 80, 80, 1], init="zeros")
    with pytest.raises(ValueError, match=r"gradient check of 6801 parameters .* would take too long"):
        bc.gradient_check(big, np.ones((3, 2)), np.ones((3, 1)), "bce")
    net = bc.MLP.create([2, 2, 1], seed=0)
    for eps in (0, -1e-6, float("nan"), float("inf"), "1e-6"):
        with pytest.raises(ValueError, match="eps must be a finite step > 0"):
            bc.gradient_check(net, np.ones((3, 2)), np.ones((3, 1)), "bce", eps=eps)


def test_from_params_enforces_the_architecture_limits() -> None:
    with pytest.raises(ValueError, match="hidden layer 1 width 513 is out of range; expected 1 to 512"):
        bc.MLP.from_params([np.zeros((2, 513)), np.zeros((513, 1))], [np.zeros(513), np.zeros(1)], "tanh")
    deep = [np.zeros((2, 2))] * 32
    with pytest.raises(ValueError, match="31 hidden layers requested; expected 0 to 30"):
        bc.MLP.from_params(deep, [np.zeros(2)] * 32, "tanh")


def test_optimizer_rules_registry() -> None:
    from backprop_core.optimizers import RULES, adam_step, momentum_step, sgd_step

    assert RULES == {"sgd": sgd_step, "momentum": momentum_step, "adam": adam_step}
    assert set(RULES) == set(bc.OPTIMIZERS)


# -- hypothesis: random bad arguments -----------------------------------------------------------------

DTYPES = st.sampled_from(
    ["float64", "float32", "int64", "bool", "complex128", "<U3", "datetime64[s]", "object"]
)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


@st.composite
def any_array(draw):
    """An array of any shape and dtype, sometimes with NaN/inf, or nested lists, or a masked array."""
    dtype = draw(DTYPES)
    shape = draw(SHAPES)
    if dtype == "object":
        a = np.empty(shape, dtype=object)
        choices = st.one_of(st.none(), st.text(max_size=2), st.integers(-(10**400), 10**400), st.floats())
        for idx in np.ndindex(shape):
            a[idx] = draw(choices)
    else:
        a = draw(hnp.arrays(dtype, shape))
    form = draw(st.sampled_from(["array", "list", "masked"]))
    if form == "list":
        return a.tolist()
    if form == "masked":
        return np.ma.masked_array(a)
    return a


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=10),
    st.text(max_size=5),
    st.lists(st.floats(), max_size=2),
)


def only_value_errors(call) -> None:
    """Run ``call``: a result or a ``ValueError`` in plain words, nothing else (numpy warnings are fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except ValueError as exc:
            msg = str(exc)
            assert msg and not any(p.lower() in msg.lower() for p in INTERNAL_PHRASES), msg


NET = bc.MLP.create([2, 3, 1], seed=0)
NET3 = bc.MLP.create([2, 3, 3], "tanh", "softmax", seed=0)
STEP = bc.train_step(NET, np.ones((2, 2)), np.ones((2, 1)), loss="bce", lr=0.1)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(X=any_array(), Y=any_array())
def test_mlp_phases_with_random_arrays(X, Y) -> None:
    only_value_errors(lambda: bc.train_step(NET, X, Y, loss="bce", lr=0.1))
    only_value_errors(lambda: bc.train_step(NET3, X, Y, loss="cross_entropy", lr=0.1))
    only_value_errors(lambda: bc.forward(NET, X))
    only_value_errors(lambda: bc.evaluate(NET, X, Y, "mse"))
    only_value_errors(lambda: bc.Data.create(NET, "bce", X, Y))
    only_value_errors(lambda: bc.train_test_split(X, Y, 0.2, np.random.default_rng(0)))
    only_value_errors(lambda: bc.gradient_check(NET, X, Y, "mse"))
    only_value_errors(lambda: graph.from_network(NET, X, Y, "mse"))


@FAST
@given(W=any_array(), b=any_array())
def test_network_construction_with_random_arrays(W, b) -> None:
    only_value_errors(lambda: bc.MLP.from_params([W], [b], "linear"))
    only_value_errors(lambda: bc.MLP.from_dict({"weights": [W], "biases": [b], "activations": ["linear"]}))
    only_value_errors(lambda: rnn.RNN.from_params(np.ones((2, 3)), W, b, np.ones((3, 1)), np.zeros(1)))
    only_value_errors(lambda: rnn.spectral_radius(W))
    only_value_errors(lambda: conv.conv2d_forward(W, np.ones((1, 1, 2, 2)), b))
    only_value_errors(lambda: conv.maxpool2d_forward(W, 2))


@FAST
@given(v=SCALARS, w=SCALARS)
def test_scalar_parameters_with_random_values(v, w) -> None:
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    only_value_errors(lambda: bc.train_step(NET, X, Y, loss="bce", lr=v, l2=w))
    only_value_errors(lambda: bc.train_step(NET, X, Y, loss="bce", lr=0.1, clip_norm=v, optimizer="adam"))
    only_value_errors(lambda: bc.update(NET, STEP.backward, v, clip_norm=w))
    only_value_errors(lambda: bc.TrainConfig(loss="bce", lr=v, batch_size=w))
    only_value_errors(lambda: bc.TrainConfig(loss="bce", lr=0.1, seed=v, l2=w))
    only_value_errors(lambda: bc.Optimizer("adam", beta1=v, eps=w))
    only_value_errors(lambda: bc.MLP.create([2, v, 1], seed=w))
    only_value_errors(lambda: bc.MLP.create([2, 3, 1], init="normal", std=v))
    only_value_errors(lambda: bc.make_dataset("xor", v, w))
    only_value_errors(lambda: bc.train_test_split(X, Y, v, np.random.default_rng(0)))
    only_value_errors(lambda: bc.explain_weight(STEP, v, w, 0))
    only_value_errors(lambda: bc.gradient_check(NET, X, Y, "bce", eps=v))
    only_value_errors(lambda: rnn.RNN.create(2, v, 1, seed=w))
    only_value_errors(lambda: rnn.bptt_step(rnn.RNN.create(2, 2, 1), np.zeros((1, 3, 2)), np.zeros((1, 1)),
                                            "mse", v, w))  # fmt: skip
    only_value_errors(lambda: conv.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), [0.0], v, w))
    only_value_errors(lambda: convnet.create((1, 6, 6), (2,), v, 3, seed=w))
    only_value_errors(lambda: graph.evaluate("x * y", {"x": v, "y": w}))


@FAST
@given(
    sizes=st.one_of(st.text(max_size=4), st.lists(SCALARS, max_size=4), SCALARS),
    hidden=st.one_of(SCALARS, st.lists(st.one_of(st.text(max_size=6), st.none()), max_size=3)),
    output=st.one_of(SCALARS, st.sampled_from(tuple(bc.ACTIVATIONS))),
)
def test_create_with_random_arguments(sizes, hidden, output) -> None:
    only_value_errors(lambda: bc.MLP.create(sizes, hidden, output))
    only_value_errors(lambda: convnet.create(sizes, hidden))
