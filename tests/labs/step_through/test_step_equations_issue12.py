"""Issue 12's equations and charts of the step-through page, tested without Streamlit: the softmax
delta as a sum over outputs, where the 1/m of the mean enters, the per-sample delta, the diagram
title's batch mean and the credit-assignment bars."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import explain_weight, train_step
from backprop_core.network import MLP
from labs.step_through.figures_charts import credit_caption, credit_figure
from labs.step_through.figures_diagram import DiagramView, diagram_title, loss_text
from labs.step_through.figures_equations import chain_rule
from labs.step_through.model import default_neuron_names, get_preset
from viz.format import num

CLASSIC = get_preset("classic 2-2-2")
WN = CLASSIC.weight_names
NAMES = CLASSIC.neuron_names


def test_softmax_cross_entropy_delta_is_a_sum_over_outputs_that_collapses_to_a_minus_y() -> None:
    net = MLP.create([2, 3, 3], hidden="tanh", output="softmax", seed=1)
    X, Y = np.array([[0.1, 0.2], [0.3, -0.1]]), np.eye(3)[[0, 2]]
    t = train_step(net, X, Y, loss="cross_entropy", lr=0.1)
    names = default_neuron_names(net.sizes)
    e = explain_weight(t, 1, 0, 2)
    eqs = chain_rule(e, t, names, 1)
    text = " ".join(eq.latex + eq.note for eq in eqs)
    # no per-unit slope and no product of two scalars: a sum over k with the softmax Jacobian
    assert "f'" not in text and "slope f'(z) cancels" not in text
    assert r"\partial a_{o_{3}}" not in eqs[0].latex and r"\sum_k" in eqs[1].latex
    assert r"a_k\,(\mathbb{1}[k = o_{3}] - a_{o_{3}})" in eqs[1].latex
    assert "one-hot targets sum to 1" in eqs[2].note and "divided by m = 2 because L is a mean" in eqs[2].note
    assert eqs[2].latex.endswith(num(e.delta[1]))
    assert np.isclose(e.delta[1], (t.output[1, 2] - Y[1, 2]) / 2)


def test_per_sample_delta_is_m_times_the_engines_and_dW_averages(tiny_trace) -> None:
    p, t = tiny_trace
    e = explain_weight(t, 0, 1, 2)  # a hidden weight: the delta recursion
    eqs = chain_rule(e, t, p.neuron_names, 1, per_sample=True)
    delta_line = next(eq for eq in eqs if eq.latex.startswith(r"\delta_"))
    assert delta_line.latex.endswith(num(4 * e.delta[1])) and "per-sample delta" in delta_line.note
    assert eqs[-1].latex.endswith(num(e.gradient)) and r"\frac{1}{4}" in eqs[-1].latex
    assert "Nielsen" in eqs[-1].note
    default = chain_rule(e, t, p.neuron_names, 1)
    assert next(eq for eq in default if eq.latex.startswith(r"\delta_")).latex.endswith(num(e.delta[1]))


def test_diagram_title_includes_the_batch_mean_when_m_is_above_one(tiny_trace) -> None:
    assert loss_text("cross_entropy", 1) == "L = −Σ y log a"
    assert "(1/m)" in loss_text("cross_entropy", 4) and "m = 4" in loss_text("cross_entropy", 4)
    assert "(1/m)" in loss_text("half_sse", 2)
    assert "mean over samples" in loss_text("bce", 4)
    _, t = tiny_trace
    assert "mean over samples and outputs" in diagram_title(t, DiagramView("loss"))


def test_credit_bars_of_h1_in_the_classic_net_have_opposite_signs(trace) -> None:
    e = explain_weight(trace, 0, 0, 0)  # w1 feeds h1, whose paths go through w5 (o1) and w7 (o2)
    fig = credit_figure(e, NAMES, 0, WN)
    bars = fig.data[0]
    assert list(bars.y) == ["w5 · δ(o1)", "w7 · δ(o2)", "sum = dL/da"]
    w5_path, w7_path, total = bars.x
    assert w5_path > 0 > w7_path  # opposite signs: o1 and o2 pull h1 in opposite directions
    assert np.isclose(total, e.dL_da[0]) and np.isclose(w5_path + w7_path, total)
    assert all(num(v) in h for v, h in zip(bars.x, bars.hovertext, strict=True))
    assert "opposite directions" in credit_caption(e, NAMES)
    with pytest.raises(ValueError, match="no downstream paths"):
        credit_figure(explain_weight(trace, 1, 0, 0), NAMES)
