"""Fixtures the step-through figure and equation tests share: the engine's trace of two presets."""

from __future__ import annotations

import pytest

from backprop_core import train_step
from labs.step_through.model import get_preset


@pytest.fixture(scope="module")
def trace():
    """One step of the classic 2-2-2 preset with frozen biases (as the page starts)."""
    p = get_preset("classic 2-2-2")
    return train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=True)


@pytest.fixture(scope="module")
def tiny_trace():
    """The tiny classifier preset and one step of it."""
    p = get_preset("tiny classifier")
    return p, train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr)
