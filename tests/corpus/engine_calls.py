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

import numpy as np

import backprop_core as bc
from backprop_core import conv, convnet, graph, rnn

from .engine_fixtures import BIG, CB, CK, CX, RX, RY, Case, X, Y, net231, rnn_net, small_convnet, step231
from .engine_named import named_cases

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
