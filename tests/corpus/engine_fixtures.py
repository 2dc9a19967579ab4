"""Shared fixtures of the engine-call corpus: the ``Case`` record and small valid networks and data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import backprop_core as bc
from backprop_core import convnet, rnn


@dataclass(frozen=True)
class Case:
    category: str
    label: str
    call: Callable[[], object]
    names: str  # a substring the ValueError's message must contain


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
