"""The engine-call corpus, part 2: the cases the issue names one by one, mismatches and limits."""

from __future__ import annotations

import numpy as np

import backprop_core as bc
from backprop_core import conv, convnet, graph, rnn

from .engine_fixtures import (
    BIG,
    CB,
    CK,
    CX,
    RX,
    RY,
    Case,
    X,
    Y,
    grads233,
    net231,
    net233,
    rnn_net,
    small_convnet,
    step231,
)

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
