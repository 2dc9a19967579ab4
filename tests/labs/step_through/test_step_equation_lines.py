"""Long equations of the step-through page are shown broken across lines that fit the main column
on a laptop (1280 px wide, sidebar open): at most ``TERMS_PER_LINE`` terms of a sum per line, each
line short, and every number of the one-line form still on the page."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backprop_core import explain_weight, train_step
from backprop_core.network import MLP
from labs.step_through.figures_equations import chain_rule, loss_equations, neuron_equations
from labs.step_through.figures_latex import TERMS_PER_LINE
from labs.step_through.model import MAX_BATCH, default_neuron_names, get_preset

# what a rendered line may hold, in characters once LaTeX commands count one and braces nothing: about
# 650 px of KaTeX at the page's size (the main column is ~730 px wide at 1280 px with the sidebar open)
MAX_VISIBLE = 72
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")


def visible(line: str) -> str:
    line = re.sub(r"\\frac\{([^{}]*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}[^{}]*)*)\}\{", r"\1/", line)
    line = re.sub(r"\\(?:begin|end)\{aligned\}|\\quad|\\,|\\Big|\\left|\\right|&", "", line)
    line = re.sub(r"\\[a-zA-Z]+", "#", line)
    return re.sub(r"[{}_^\s]", "", line)


def shown_lines(eq) -> list[str]:
    return eq.display.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "").split(r" \\ ")


def all_equations(trace, names, sample: int) -> list:
    eqs = list(loss_equations(trace, names, sample))
    for c in range(1, len(names)):
        for k in range(len(names[c])):
            eqs += neuron_equations(trace, names, c, k, sample)
    for layer, W in enumerate(trace.net_before.weights):
        for i in [*range(W.shape[0]), None]:
            for j in range(W.shape[1]):
                e = explain_weight(trace, layer, i, j)
                for per_sample in (False, True):
                    eqs += chain_rule(e, trace, names, sample, per_sample=per_sample)
    return eqs


def big_run():
    """The widest network and batch a learner can build (6 per layer, MAX_BATCH samples)."""
    net = MLP.create([6, 6, 6], hidden="tanh", output="sigmoid", seed=3)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(MAX_BATCH, 6)) * 1e-3, (rng.random((MAX_BATCH, 6)) > 0.5).astype(float)
    return default_neuron_names(net.sizes), train_step(net, X, Y, loss="bce", lr=0.1)


@pytest.mark.parametrize("which", ["tiny", "big"])
def test_every_shown_line_is_short_and_keeps_every_number(which) -> None:
    if which == "tiny":
        p = get_preset("tiny classifier")
        names, trace = p.neuron_names, train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr)
    else:
        names, trace = big_run()
    for eq in all_equations(trace, names, sample=1):
        for line in shown_lines(eq):
            assert len(visible(line)) <= MAX_VISIBLE or r"\left[" in line, line
            # no line holds more than TERMS_PER_LINE numeric terms of a sum
            assert line.count(" + ") <= TERMS_PER_LINE + 1 or r"\left[" in line, line
        # the same numbers, in the same order, as the one-line form
        assert NUMBER.findall(eq.display) == NUMBER.findall(eq.latex)


def test_the_batch_gradient_of_the_tiny_preset_is_broken_after_three_terms() -> None:
    p = get_preset("tiny classifier")
    trace = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr)
    e = explain_weight(trace, 1, 0, 0)
    last = chain_rule(e, trace, p.neuron_names, 0)[-1]
    lines = shown_lines(last)
    assert len(lines) == 3 and lines[1].startswith("&= 0 + ") and lines[2].startswith(r"&\quad + ")
    assert last.latex.endswith("= -0.045076866") and lines[2].endswith("= -0.045076866")
