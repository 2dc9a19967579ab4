"""A corpus of bad calls to the engine's public functions (issue 11, section 3).

Every case is a call that must raise ``ValueError`` whose message contains ``names`` (the parameter
or thing that was wrong, as the learner would read it) and none of Python's internal phrasings.
``tests/test_engine_contract.py`` runs every case; ``python -m tests.corpus.engine_calls`` prints
the failures per category (the counts quoted in the issue's closing note).

Categories follow the issue: ``overflow`` (a number too large for a float), ``type`` (a value of
the wrong kind: None, text where a number belongs, a list where a name belongs, ...), ``zero``
(a zero that would divide), ``silent`` (accepted before without a word), ``bool`` (True is not a
number), ``array`` (complex, datetime, masked, object, text or ragged arrays), ``range`` (NaN,
infinite, negative or out-of-range numbers), ``mismatch`` (network, data, gradients or state that
do not belong together), ``limits`` (width, depth and gradient-check size limits).
"""

from __future__ import annotations

import signal
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import backprop_core as bc
from backprop_core import conv, convnet, graph, rnn

# Python's own phrasings that must never reach a learner
INTERNAL_PHRASES: tuple[str, ...] = (
    "invalid literal",
    "object of type",
    "NoneType",
    "unsupported operand",
    "could not convert",
    "not subscriptable",
    "not iterable",
    "has no attribute",
    "index out of range",
    "division by zero",
    "int too large",
    "Traceback",
    "argument must be",
    "takes no",
    "inhomogeneous",
    "setting an array element",
    "ufunc",
)


@dataclass(frozen=True)
class Case:
    category: str
    label: str
    call: Callable[[], object]
    names: str  # a substring the ValueError's message must contain


class Hung(Exception):
    """A case that ran longer than ``TIME_LIMIT`` seconds (a refusal is immediate)."""


TIME_LIMIT = 10.0


def _alarm(signum: int, frame: object) -> None:
    raise Hung


def outcome(case: Case) -> str:
    """``ok``, or why it fails: ``accepted``, ``<ExceptionName>``, ``unnamed``, ``internal``, ``Hung``."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        try:
            case.call()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    except ValueError as exc:
        msg = str(exc)
        if any(p.lower() in msg.lower() for p in INTERNAL_PHRASES):
            return "internal"
        return "ok" if case.names.lower() in msg.lower() else "unnamed"
    except Exception as exc:
        return type(exc).__name__
    return "accepted"


# -- fixtures ---------------------------------------------------------------------------------------

X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.0]])
Y = np.array([[1.0], [0.0], [1.0]])
BIG = 10**400


def net231() -> bc.MLP:
    return bc.MLP.create([2, 3, 1], "tanh", "sigmoid", seed=0)


def net233() -> bc.MLP:
    return bc.MLP.create([2, 3, 3], "tanh", "softmax", seed=0)


def step231() -> bc.StepTrace:
    return bc.train_step(net231(), X, Y, loss="bce", lr=0.1)


def grads233() -> bc.BackwardTrace:
    net = net233()
    fwd = bc.forward(net, X)
    return bc.backward(net, fwd, bc.compute_loss(net, fwd, [0, 1, 2], "cross_entropy"))


def rnn_net() -> rnn.RNN:
    return rnn.RNN.create(2, 3, 1, seed=0)


RX = np.zeros((2, 4, 2))
RY = np.zeros((2, 1))
CX = np.zeros((2, 1, 6, 6))
CK = np.zeros((2, 1, 3, 3))
CB = np.zeros(2)


def small_convnet() -> convnet.ConvNet:
    return convnet.create((1, 6, 6), (2,), 3, 3)


# -- bad values -------------------------------------------------------------------------------------

# (category, label, value) for a parameter that takes a real number
REAL_BAD: tuple[tuple[str, str, object], ...] = (
    ("overflow", "10**400", BIG),
    ("overflow", "-10**400", -BIG),
    ("type", "'abc'", "abc"),
    ("type", "'0.5' (text)", "0.5"),
    ("type", "None", None),
    ("type", "[0.1]", [0.1]),
    ("type", "{}", {}),
    ("bool", "True", True),
    ("range", "nan", float("nan")),
    ("range", "inf", float("inf")),
    ("array", "1+2j", 1 + 2j),
    ("array", "array of two", np.array([0.1, 0.2])),
)
# ... and one that takes a whole number
WHOLE_BAD: tuple[tuple[str, str, object], ...] = (
    ("overflow", "10**400", BIG),
    ("overflow", "float inf", float("inf")),
    ("type", "'abc'", "abc"),
    ("type", "'3' (text)", "3"),
    ("type", "None", None),
    ("type", "1.5", 1.5),
    ("type", "[3]", [3]),
    ("bool", "True", True),
    ("range", "nan", float("nan")),
    ("range", "-1", -1),
    ("array", "2+0j", 2 + 0j),
)


def real_slots() -> list[tuple[str, Callable[[object], object], str, set[str]]]:
    """(slot label, call taking the bad value, name in the message, labels to skip: valid values)."""
    n, s = net231(), step231()
    opt = bc.Optimizer
    cfg = bc.TrainConfig
    return [
        ("train_step lr", lambda v: bc.train_step(n, X, Y, loss="bce", lr=v), "learning rate", set()),
        ("train_step l2", lambda v: bc.train_step(n, X, Y, loss="bce", lr=0.1, l2=v), "l2", set()),
        (
            "train_step clip_norm",
            lambda v: bc.train_step(n, X, Y, loss="bce", lr=0.1, clip_norm=v),
            "clip_norm",
            {"None"},
        ),
        ("update lr", lambda v: bc.update(n, s.backward, v), "learning rate", set()),
        ("update clip_norm", lambda v: bc.update(n, s.backward, 0.1, clip_norm=v), "clip_norm", {"None"}),
        ("compute_loss l2", lambda v: bc.compute_loss(n, s.forward, Y, "bce", l2=v), "l2", set()),
        ("evaluate l2", lambda v: bc.evaluate(n, X, Y, "bce", l2=v), "l2", set()),
        ("TrainConfig lr", lambda v: cfg(loss="bce", lr=v), "learning rate", set()),
        ("TrainConfig l2", lambda v: cfg(loss="bce", lr=0.1, l2=v), "l2", set()),
        ("TrainConfig clip_norm", lambda v: cfg(loss="bce", lr=0.1, clip_norm=v), "clip_norm", {"None"}),
        ("Optimizer beta", lambda v: opt("momentum", beta=v), "beta", set()),
        ("Optimizer beta1", lambda v: opt("adam", beta1=v), "beta1", set()),
        ("Optimizer beta2", lambda v: opt("adam", beta2=v), "beta2", set()),
        ("Optimizer eps", lambda v: opt("adam", eps=v), "eps", set()),
        ("MLP.create std", lambda v: bc.MLP.create([2, 3, 1], init="normal", std=v), "std", set()),
        ("make_dataset noise", lambda v: bc.make_dataset("xor", 10, v), "noise", set()),
        (
            "train_test_split test_fraction",
            lambda v: bc.train_test_split(X, Y, v, np.random.default_rng(0)),
            "test fraction",
            set(),
        ),
        ("gradient_check eps", lambda v: bc.gradient_check(n, X, Y, "bce", eps=v), "eps", set()),
        ("gradient_check l2", lambda v: bc.gradient_check(n, X, Y, "bce", l2=v), "l2", set()),
        ("bptt_step lr", lambda v: rnn.bptt_step(rnn_net(), RX, RY, "mse", v), "learning rate", set()),
        (
            "bptt_step clip_norm",
            lambda v: rnn.bptt_step(rnn_net(), RX, RY, "mse", 0.1, clip_norm=v),
            "clip_norm",
            {"None"},
        ),
        (
            "convnet.train_step lr",
            lambda v: convnet.train_step(small_convnet(), CX, [0, 1], lr=v),
            "learning rate",
            set(),
        ),
    ]


def whole_slots() -> list[tuple[str, Callable[[object], object], str, set[str]]]:
    s = step231()
    cfg = bc.TrainConfig
    return [
        ("MLP.create seed", lambda v: bc.MLP.create([2, 3, 1], seed=v), "seed", {"None"}),
        ("MLP.create hidden width", lambda v: bc.MLP.create([2, v, 1]), "width", set()),
        ("MLP.create input width", lambda v: bc.MLP.create([v, 3, 1]), "width", set()),
        ("make_dataset n", lambda v: bc.make_dataset("xor", v), "number of points", set()),
        ("make_dataset seed", lambda v: bc.make_dataset("xor", 10, seed=v), "seed", set()),
        ("TrainConfig seed", lambda v: cfg(loss="bce", lr=0.1, seed=v), "seed", set()),
        ("TrainConfig batch_size", lambda v: cfg(loss="bce", lr=0.1, batch_size=v), "batch size", {"None"}),
        (
            "run iterations",
            lambda v: bc.run(
                bc.RunState(net231()),
                bc.Data.create(net231(), "bce", X, Y),
                cfg(loss="bce", lr=0.1),
                iterations=v,
            ),
            "iterations",
            {"None"},
        ),
        ("explain_weight layer", lambda v: bc.explain_weight(s, v, 0, 0), "layer", set()),
        ("explain_weight i", lambda v: bc.explain_weight(s, 0, v, 0), "index", {"None"}),
        ("explain_weight j", lambda v: bc.explain_weight(s, 0, 0, v), "index", set()),
        ("RNN.create n_hidden", lambda v: rnn.RNN.create(2, v, 1), "n_hidden", set()),
        ("RNN.create seed", lambda v: rnn.RNN.create(2, 3, 1, seed=v), "seed", set()),
        (
            "bptt_step truncate",
            lambda v: rnn.bptt_step(rnn_net(), RX, RY, "mse", 0.1, v),
            "truncate",
            {"None"},
        ),
        ("conv2d_forward stride", lambda v: conv.conv2d_forward(CX, CK, CB, v), "stride", set()),
        ("conv2d_forward padding", lambda v: conv.conv2d_forward(CX, CK, CB, 1, v), "padding", set()),
        ("maxpool2d_forward size", lambda v: conv.maxpool2d_forward(CX, v), "pool size", set()),
        ("convnet.create kernel", lambda v: convnet.create((1, 6, 6), (2,), v, 3), "kernel size", set()),
        ("convnet.create seed", lambda v: convnet.create((1, 6, 6), (2,), 3, 3, seed=v), "seed", set()),
    ]


# -- bad arrays -------------------------------------------------------------------------------------


def bad_arrays(shape: tuple[int, ...]) -> list[tuple[str, str, object]]:
    """(category, label, value): arrays of ``shape`` that must be refused."""
    ones = np.ones(shape)
    masked = np.ma.masked_array(ones, mask=np.zeros(shape, dtype=bool))
    obj = ones.astype(object)
    obj.flat[0] = None
    big = ones.tolist()
    row = big
    while isinstance(row[0], list):
        row = row[0]
    row[0] = BIG
    return [
        ("array", "complex", ones + 1j),
        ("array", "datetime64", np.ones(shape, dtype="datetime64[s]")),
        ("array", "timedelta64", np.ones(shape, dtype="timedelta64[s]")),
        ("array", "masked", masked),
        ("array", "object with None", obj),
        ("array", "text", ones.astype(str)),
        ("array", "ragged", [[1.0, 2.0], [3.0]]),
        ("overflow", "holding 10**400", big),
        ("type", "None", None),
        ("type", "a string", "1, 2"),
    ]


def array_slots() -> list[tuple[str, Callable[[object], object], str, tuple[int, ...]]]:
    n, s, c = net231(), step231(), small_convnet()
    W, B = [w.copy() for w in n.weights], [b.copy() for b in n.biases]
    return [
        ("train_step X", lambda v: bc.train_step(n, v, Y, loss="bce", lr=0.1), "X", (3, 2)),
        ("train_step Y", lambda v: bc.train_step(n, X, v, loss="bce", lr=0.1), "Y", (3, 1)),
        ("forward X", lambda v: bc.forward(n, v), "X", (3, 2)),
        ("predict X", lambda v: bc.predict(n, v), "X", (3, 2)),
        ("compute_loss Y", lambda v: bc.compute_loss(n, s.forward, v, "bce"), "Y", (3, 1)),
        ("from_params W[0]", lambda v: bc.MLP.from_params([v, W[1]], B, "tanh"), "W[0]", (2, 3)),
        ("from_params b[1]", lambda v: bc.MLP.from_params(W, [B[0], v], "tanh"), "b[1]", (1,)),
        ("Data.create X_train", lambda v: bc.Data.create(n, "bce", v, Y), "X", (3, 2)),
        ("gradient_check X", lambda v: bc.gradient_check(n, v, Y, "bce"), "X", (3, 2)),
        (
            "RNN.from_params Wh",
            lambda v: rnn.RNN.from_params(np.ones((2, 3)), v, np.zeros(3), np.ones((3, 1)), np.zeros(1)),
            "Wh",
            (3, 3),
        ),
        ("bptt_step X", lambda v: rnn.bptt_step(rnn_net(), v, RY, "mse", 0.1), "X", (2, 4, 2)),
        ("conv2d_forward x", lambda v: conv.conv2d_forward(v, CK, CB), "x", (2, 1, 6, 6)),
        ("conv2d_forward K", lambda v: conv.conv2d_forward(CX, v, CB), "K", (2, 1, 3, 3)),
        ("convnet.train_step X", lambda v: convnet.train_step(c, v, [0, 1], lr=0.1), "X", (2, 1, 6, 6)),
        ("graph.from_network X", lambda v: graph.from_network(n, v, Y, "bce"), "X", (3, 2)),
    ]


# -- the cases the issue lists by name, and the mismatches ------------------------------------------


def named_cases() -> list[Case]:
    n, n3, s = net231(), net233(), step231()
    cfg = bc.TrainConfig(loss="bce", lr=0.1)
    data231 = bc.Data.create(n, "bce", X, Y)
    big_dict = n.to_dict() | {"weights": [[[BIG, 0.0, 0.0], [0.0, 0.0, 0.0]], n.to_dict()["weights"][1]]}
    wide = [np.zeros((2, 600)), np.zeros((600, 1))]
    deep = [np.zeros((2, 2))] * 40
    fwd3 = bc.forward(n3, X)
    lt3 = bc.compute_loss(n3, fwd3, [0, 1, 2], "cross_entropy")
    adam3 = bc.train_step(n3, X, [0, 1, 2], loss="cross_entropy", lr=0.1, optimizer="adam").optimizer_state
    rs = rnn_net()
    return [
        Case(
            "overflow",
            "MLP.create sizes with float inf",
            lambda: bc.MLP.create([2, float("inf"), 1]),
            "sizes",
        ),
        Case("overflow", "from_dict with 10**400", lambda: bc.MLP.from_dict(big_dict), "W"),
        Case(
            "overflow",
            "update lr 10**400 adam",
            lambda: bc.update(n, s.backward, BIG, "adam"),
            "learning rate",
        ),
        Case("type", "create hidden=None", lambda: bc.MLP.create([2, 3, 1], hidden=None), "activation"),
        Case("type", "create output=None", lambda: bc.MLP.create([2, 3, 1], output=None), "activation"),
        Case(
            "type", "create output list", lambda: bc.MLP.create([2, 3, 1], output=["sigmoid"]), "activation"
        ),
        Case("type", "create hidden=5", lambda: bc.MLP.create([2, 3, 1], hidden=5), "activation"),
        Case("type", "create sizes=None", lambda: bc.MLP.create(None), "sizes"),
        Case("type", "create sizes=5", lambda: bc.MLP.create(5), "sizes"),
        Case("type", "create init=None", lambda: bc.MLP.create([2, 3, 1], init=None), "init"),
        Case("type", "create init list", lambda: bc.MLP.create([2, 3, 1], init=["he"]), "init"),
        Case("type", "create rng='x'", lambda: bc.MLP.create([2, 3, 1], rng="x"), "rng"),
        Case(
            "type", "from_params weights None", lambda: bc.MLP.from_params(None, n.biases, "tanh"), "weights"
        ),
        Case(
            "type", "from_params biases None", lambda: bc.MLP.from_params(n.weights, None, "tanh"), "biases"
        ),
        Case(
            "type",
            "from_params activations None",
            lambda: bc.MLP.from_params(n.weights, n.biases, None),
            "activation",
        ),
        Case(
            "type",
            "from_params activations [None, None]",
            lambda: bc.MLP.from_params(n.weights, n.biases, [None, None]),
            "activation",
        ),
        Case(
            "type",
            "from_params activations 5",
            lambda: bc.MLP.from_params(n.weights, n.biases, 5),
            "activation",
        ),
        Case("type", "from_params weights 5", lambda: bc.MLP.from_params(5, n.biases, "tanh"), "weights"),
        Case("type", "from_dict None", lambda: bc.MLP.from_dict(None), "JSON object"),
        Case(
            "type",
            "from_dict weights None",
            lambda: bc.MLP.from_dict(n.to_dict() | {"weights": None}),
            "weights",
        ),
        Case(
            "type", "from_dict weights 5", lambda: bc.MLP.from_dict(n.to_dict() | {"weights": 5}), "weights"
        ),
        Case("type", "from_dict sizes 'x'", lambda: bc.MLP.from_dict(n.to_dict() | {"sizes": "x"}), "sizes"),
        Case("type", "Optimizer name None", lambda: bc.Optimizer(None), "optimizer"),
        Case(
            "type",
            "train_step optimizer 5",
            lambda: bc.train_step(n, X, Y, loss="bce", lr=0.1, optimizer=5),
            "optimizer",
        ),
        Case("type", "train_step loss None", lambda: bc.train_step(n, X, Y, loss=None, lr=0.1), "loss"),
        Case("type", "train_step loss list", lambda: bc.train_step(n, X, Y, loss=["bce"], lr=0.1), "loss"),
        Case("type", "train_step net None", lambda: bc.train_step(None, X, Y, loss="bce", lr=0.1), "net"),
        Case("type", "forward net 'x'", lambda: bc.forward("x", X), "net"),
        Case(
            "type",
            "train_step state 'x'",
            lambda: bc.train_step(n, X, Y, loss="bce", lr=0.1, state="x"),
            "state",
        ),
        Case(
            "type",
            "train_step freeze_biases 'no'",
            lambda: bc.train_step(n, X, Y, loss="bce", lr=0.1, freeze_biases="no"),
            "freeze_biases",
        ),
        Case("type", "Data.create X_test=5", lambda: bc.Data.create(n, "bce", X, Y, X_test=5), "X_test"),
        Case(
            "type",
            "Data.create X_test without y_test",
            lambda: bc.Data.create(n, "bce", X, Y, X, None),
            "y_test",
        ),
        Case("type", "Data.create net None", lambda: bc.Data.create(None, "bce", X, Y), "net"),
        Case("type", "Data.create loss None", lambda: bc.Data.create(n, None, X, Y), "loss"),
        Case(
            "type",
            "train_test_split y None",
            lambda: bc.train_test_split(X, None, 0.2, np.random.default_rng(0)),
            "y",
        ),
        Case(
            "type",
            "train_test_split X None",
            lambda: bc.train_test_split(None, Y, 0.2, np.random.default_rng(0)),
            "X",
        ),
        Case("type", "train_test_split rng 'x'", lambda: bc.train_test_split(X, Y, 0.2, "x"), "rng"),
        Case("type", "make_dataset rng 'x'", lambda: bc.make_dataset("xor", 10, rng="x"), "rng"),
        Case("type", "make_dataset name None", lambda: bc.make_dataset(None, 10), "dataset"),
        Case("type", "explain_weight trace None", lambda: bc.explain_weight(None, 0, 0, 0), "trace"),
        Case("type", "backward fwd None", lambda: bc.backward(n, None, s.loss_trace), "forward"),
        Case("type", "backward loss_trace None", lambda: bc.backward(n, s.forward, None), "loss"),
        Case("type", "compute_loss fwd 'x'", lambda: bc.compute_loss(n, "x", Y, "bce"), "forward"),
        Case("type", "update grads None", lambda: bc.update(n, None, 0.1), "grads"),
        Case("type", "run state None", lambda: bc.run(None, data231, cfg, iterations=1), "state"),
        Case("type", "run data None", lambda: bc.run(bc.RunState(n), None, cfg, iterations=1), "data"),
        Case(
            "type", "run config None", lambda: bc.run(bc.RunState(n), data231, None, iterations=1), "config"
        ),
        Case(
            "type",
            "TrainConfig optimizer 5",
            lambda: bc.TrainConfig(loss="bce", lr=0.1, optimizer=5),
            "optimizer",
        ),
        Case(
            "type",
            "TrainConfig freeze_biases 'x'",
            lambda: bc.TrainConfig(loss="bce", lr=0.1, freeze_biases="x"),
            "freeze_biases",
        ),
        Case("type", "gradient_check net None", lambda: bc.gradient_check(None, X, Y, "bce"), "net"),
        Case("type", "RNN.create activation None", lambda: rnn.RNN.create(2, 3, 1, None), "activation"),
        Case("type", "RNN.create init None", lambda: rnn.RNN.create(2, 3, 1, init=None), "init"),
        Case("type", "rnn.predict net None", lambda: rnn.predict(None, RX), "net"),
        Case("type", "spectral_radius None", lambda: rnn.spectral_radius(None), "Wh"),
        Case("type", "spectral_radius text", lambda: rnn.spectral_radius("ab"), "Wh"),
        Case("type", "bptt_step loss None", lambda: rnn.bptt_step(rs, RX, RY, None, 0.1), "loss"),
        Case(
            "type",
            "bptt_step optimizer 5",
            lambda: rnn.bptt_step(rs, RX, RY, "mse", 0.1, optimizer=5),
            "optimizer",
        ),
        Case("type", "convnet.create filters 5", lambda: convnet.create((1, 6, 6), 5), "filters"),
        Case("type", "convnet.create dense 5", lambda: convnet.create((1, 6, 6), (2,), 3, 3, 5), "dense"),
        Case("type", "convnet.create input_shape None", lambda: convnet.create(None), "input"),
        Case(
            "type",
            "convnet.create conv_activation None",
            lambda: convnet.create((1, 6, 6), conv_activation=None),
            "activation",
        ),
        Case(
            "type",
            "convnet.create output_activation None",
            lambda: convnet.create((1, 6, 6), output_activation=None),
            "activation",
        ),
        Case(
            "type",
            "convnet.train_step state 'x'",
            lambda: convnet.train_step(small_convnet(), CX, [0, 1], lr=0.1, state="x"),
            "state",
        ),
        Case(
            "type",
            "conv2d_backward trace None",
            lambda: conv.conv2d_backward(np.zeros((2, 2, 4, 4)), None),
            "trace",
        ),
        Case("type", "graph.evaluate values None", lambda: graph.evaluate("x*y", None), "values"),
        Case("type", "graph.evaluate expression None", lambda: graph.evaluate(None, {}), "expression"),
        Case("type", "graph.evaluate value text", lambda: graph.evaluate("x*y", {"x": "1", "y": 2}), "value"),
        Case("type", "graph.from_network net None", lambda: graph.from_network(None, X, Y, "bce"), "net"),
        Case("type", "graph.from_network loss None", lambda: graph.from_network(n, X, Y, None), "loss"),
        Case("zero", "gradient_check eps=0", lambda: bc.gradient_check(n, X, Y, "bce", eps=0), "eps"),
        Case("zero", "gradient_check eps=0.0", lambda: bc.gradient_check(n, X, Y, "bce", eps=0.0), "eps"),
        Case("zero", "gradient_check eps=-1e-6", lambda: bc.gradient_check(n, X, Y, "bce", eps=-1e-6), "eps"),
        Case("zero", "Optimizer eps=0", lambda: bc.Optimizer("adam", eps=0.0), "eps"),
        Case("zero", "make_dataset n=0", lambda: bc.make_dataset("xor", 0), "number of points"),
        Case(
            "zero",
            "TrainConfig batch_size=0",
            lambda: bc.TrainConfig(loss="bce", lr=0.1, batch_size=0),
            "batch size",
        ),
        Case(
            "zero",
            "clip_norm=0",
            lambda: bc.train_step(n, X, Y, loss="bce", lr=0.1, clip_norm=0),
            "clip_norm",
        ),
        Case("zero", "conv stride 0", lambda: conv.conv2d_forward(CX, CK, CB, 0), "stride"),
        Case("zero", "pool size 0", lambda: conv.maxpool2d_forward(CX, 0), "pool size"),
        Case("silent", "MLP.create('22')", lambda: bc.MLP.create("22"), "sizes"),
        Case("silent", "MLP.create(b'22')", lambda: bc.MLP.create(b"\x02\x02"), "sizes"),
        Case("silent", "MLP.create({2: 1, 3: 1})", lambda: bc.MLP.create({2: 1, 1: 1}), "sizes"),
        Case("silent", "sizes [2, '3', 1]", lambda: bc.MLP.create([2, "3", 1]), "sizes"),
        Case("silent", "sizes [2, True, 1]", lambda: bc.MLP.create([2, True, 1]), "sizes"),
        Case("silent", "lr '0.5'", lambda: bc.train_step(n, X, Y, loss="bce", lr="0.5"), "learning rate"),
        Case(
            "silent",
            "gradient_check eps=nan",
            lambda: bc.gradient_check(n, X, Y, "bce", eps=float("nan")),
            "eps",
        ),
        Case(
            "silent",
            "gradient_check eps=inf",
            lambda: bc.gradient_check(n, X, Y, "bce", eps=float("inf")),
            "eps",
        ),
        Case(
            "silent",
            "train_test_split of 0 rows",
            lambda: bc.train_test_split(np.zeros((0, 2)), np.zeros((0, 1)), 0.2, np.random.default_rng(0)),
            "rows",
        ),
        Case("silent", "make_dataset n=True", lambda: bc.make_dataset("xor", True), "number of points"),
        Case("silent", "make_dataset noise=True", lambda: bc.make_dataset("xor", 10, True), "noise"),
        Case(
            "silent",
            "TrainConfig batch_size=True",
            lambda: bc.TrainConfig(loss="bce", lr=0.1, batch_size=True),
            "batch size",
        ),
        Case(
            "silent",
            "run iterations=True",
            lambda: bc.run(bc.RunState(n), data231, cfg, iterations=True),
            "iterations",
        ),
        Case("silent", "explain_weight layer=True", lambda: bc.explain_weight(s, True, 0, 0), "layer"),
        Case(
            "mismatch",
            "run 2-3-3 state on 2-3-1 data",
            lambda: bc.run(
                bc.RunState(n3), data231, bc.TrainConfig(loss="cross_entropy", lr=0.1), iterations=1
            ),
            "data",
        ),
        Case("mismatch", "update 2-3-1 with grads of 2-3-3", lambda: bc.update(n, grads233(), 0.1), "grads"),
        Case(
            "mismatch",
            "compute_loss with another net's forward",
            lambda: bc.compute_loss(n, fwd3, Y, "bce"),
            "forward",
        ),
        Case("mismatch", "backward with another net's forward", lambda: bc.backward(n, fwd3, lt3), "forward"),
        Case(
            "mismatch",
            "backward with another net's loss trace",
            lambda: bc.backward(n, s.forward, lt3),
            "loss",
        ),
        Case(
            "mismatch",
            "train_step with adam state of 2-3-3",
            lambda: bc.train_step(n, X, Y, loss="bce", lr=0.1, optimizer="adam", state=adam3),
            "state",
        ),
        Case(
            "mismatch",
            "train_step sgd with adam state",
            lambda: bc.train_step(n3, X, [0, 1, 2], loss="cross_entropy", lr=0.1, state=adam3),
            "state",
        ),
        Case(
            "mismatch",
            "update with adam state of 2-3-3",
            lambda: bc.update(n, s.backward, 0.1, "adam", adam3),
            "state",
        ),
        Case(
            "mismatch",
            "explain_weight on a net of another size",
            lambda: bc.explain_weight(s, 1, 3, 0),
            "index",
        ),
        Case(
            "mismatch",
            "rnn bptt_step with a state of another size",
            lambda: rnn.bptt_step(rs, RX, RY, "mse", 0.1, optimizer="adam", state=adam3),
            "state",
        ),
        Case(
            "mismatch",
            "convnet train_step with an MLP's state",
            lambda: convnet.train_step(small_convnet(), CX, [0, 1], lr=0.1, optimizer="adam", state=adam3),
            "state",
        ),
        Case(
            "mismatch",
            "convnet train_step net is an MLP",
            lambda: convnet.train_step(n, CX, [0, 1], lr=0.1),
            "net",
        ),
        Case("mismatch", "bptt_step net is an MLP", lambda: rnn.bptt_step(n, RX, RY, "mse", 0.1), "net"),
        Case("mismatch", "forward net is an RNN", lambda: bc.forward(rs, X), "net"),
        Case(
            "limits",
            "from_params 2-600-1",
            lambda: bc.MLP.from_params(wide, [np.zeros(600), np.zeros(1)], "tanh"),
            "width",
        ),
        Case(
            "limits",
            "from_params 40 layers",
            lambda: bc.MLP.from_params(deep, [np.zeros(2)] * 40, "tanh"),
            "hidden layers",
        ),
        Case(
            "limits",
            "from_dict 2-600-1",
            lambda: bc.MLP.from_dict(
                {
                    "weights": [w.tolist() for w in wide],
                    "biases": [[0.0] * 600, [0.0]],
                    "activations": ["tanh", "sigmoid"],
                }
            ),
            "width",
        ),
        Case(
            "limits",
            "gradient_check on 2-512x4-1",
            lambda: bc.gradient_check(bc.MLP.create([2, 512, 512, 512, 1], init="zeros"), X, Y, "bce"),
            "gradient check",
        ),
        Case("limits", "make_dataset n=10**6", lambda: bc.make_dataset("xor", 10**6), "number of points"),
        Case("limits", "MLP.create width 513", lambda: bc.MLP.create([2, 513, 1]), "width"),
    ]


def cases() -> list[Case]:
    """The whole corpus."""
    out: list[Case] = []
    for slot, call, name, skip in real_slots():
        for category, label, value in REAL_BAD:
            if label not in skip:
                out.append(Case(category, f"{slot} = {label}", (lambda c=call, v=value: c(v)), name))
    for slot, call, name, skip in whole_slots():
        for category, label, value in WHOLE_BAD:
            if label not in skip:
                out.append(Case(category, f"{slot} = {label}", (lambda c=call, v=value: c(v)), name))
    for slot, call, name, shape in array_slots():
        for category, label, value in bad_arrays(shape):
            out.append(Case(category, f"{slot} {label}", (lambda c=call, v=value: c(v)), name))
    out.extend(named_cases())
    return out


def outcomes() -> list[tuple[Case, str]]:
    """Every case with its outcome (numpy's warnings silenced: only what is raised counts)."""
    result = []
    for case in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result.append((case, outcome(case)))
    return result


def main() -> None:
    results = outcomes()
    if "-v" in sys.argv:
        for case, kind in results:
            if kind != "ok":
                print(f"{case.category:<9} {kind:<18} {case.label}")
    per: dict[str, tuple[int, Counter]] = {}
    for case, kind in results:
        n, kinds = per.get(case.category, (0, Counter()))
        if kind != "ok":
            kinds[kind] += 1
        per[case.category] = (n + 1, kinds)
    total = failed = 0
    print(f"{'category':<10}{'cases':>6}{'failing':>9}   failure kinds")
    for category, (n, kinds) in sorted(per.items()):
        bad = sum(kinds.values())
        total, failed = total + n, failed + bad
        print(f"{category:<10}{n:>6}{bad:>9}   {dict(kinds)}")
    print(f"{'all':<10}{total:>6}{failed:>9}")


if __name__ == "__main__":
    main()
