"""The step-through figure, equation and table builders, tested without Streamlit.

Every number they print must be the engine's: the tests compute the trace with the engine and
look for its values in the hover texts, labels, LaTeX and tables.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import explain_weight, train_step
from backprop_core.gradcheck import gradient_check
from labs.step_through.figures_charts import (
    loss_history_figure,
    saturation_figure,
)
from labs.step_through.figures_diagram import (
    DiagramView,
    diagram_legend,
    phase_figure,
)
from labs.step_through.figures_equations import chain_rule, loss_equations, neuron_equations, update_equation
from labs.step_through.figures_tables import (
    gradcheck_frame,
    input_frame,
    matrix_view,
    parameters_frame,
    per_sample_frame,
    per_weight_frame,
)
from labs.step_through.model import get_preset
from labs.step_through.model_losses import saturation_compare
from viz import network
from viz.format import num, short, tex_name, tex_num
from viz.network import PICK, network_figure
from viz.theme import GREY, HIGHLIGHT, diverging_color, line_color

CLASSIC = get_preset("classic 2-2-2")
WN = CLASSIC.weight_names
NAMES = CLASSIC.neuron_names


def trace_named(fig, name):
    return next(t for t in fig.data if t.name == name)


def edge_hover(fig, l, i, j) -> str:
    edges = trace_named(fig, "edges")
    k = [list(c) for c in edges.customdata].index([l, i, j])
    return edges.hovertext[k]


def node_hover(fig, c, k) -> str:
    nodes = trace_named(fig, "neurons")
    idx = [list(d) for d in nodes.customdata].index([c, k])
    return nodes.hovertext[idx], nodes.text[idx], nodes.marker.color[idx]


# -- formatting -----------------------------------------------------------------------------------


def test_num_prints_the_walk_through_precision() -> None:
    assert num(0.29837110876000027) == "0.298371109"
    assert num(0.3589164797178846) == "0.35891648"
    assert num(0.000438567734474) == "0.000438568"
    assert num(0.3775) == "0.3775" and num(-20.0) == "-20" and num(0) == "0"
    assert num(3.51018778e-05) == "3.51019e-5" and num(float("nan")) == "NaN"
    assert tex_num(-0.5, True) == "(-0.5)" and tex_num(3.51018778e-05) == r"3.51019 \times 10^{-5}"
    assert short(0.082167041) == "0.08217" and short(123456.0) == "1.23e+5"
    assert tex_name("h2.3") == "h_{2.3}" and tex_name("ŷ") == r"\hat{y}" and tex_name("w5") == "w_{5}"


# -- diagram --------------------------------------------------------------------------------------


def test_forward_diagram_shows_activations_on_nodes_and_weights_on_edges(trace) -> None:
    fig = phase_figure(trace, NAMES, DiagramView("forward", weight_names=WN))
    hover, label, colour = node_hover(fig, 1, 0)
    assert "a = sigmoid(z) = 0.593269992" in hover and "z = 0.3775" in hover
    assert label == "a=0.5933" and colour != GREY
    assert "w5: w(h1 → o1)" in edge_hover(fig, 1, 0, 0) and "w = 0.4" in edge_hover(fig, 1, 0, 0)
    assert "x = 0.05" in node_hover(fig, 0, 0)[0]
    assert fig.layout.title.text.startswith("Forward pass")
    # every edge has its value printed (a small network)
    labels = {a.text for a in fig.layout.annotations}
    assert {"0.15", "0.2", "0.25", "0.3", "0.4", "0.45", "0.5", "0.55"} <= labels


def test_ready_diagram_has_nothing_computed_yet(trace) -> None:
    fig = phase_figure(trace, NAMES, DiagramView("ready"))
    hover, label, colour = node_hover(fig, 2, 1)
    assert "press Forward" in hover and label == "" and colour == GREY
    assert node_hover(fig, 0, 1)[2] != GREY  # the inputs are known


def test_loss_diagram_shows_prediction_against_target(trace) -> None:
    fig = phase_figure(trace, NAMES, DiagramView("loss"))
    hover, label, _ = node_hover(fig, 2, 0)
    assert "target y = 0.01" in hover and "error a - y = 0.74136507" in hover
    assert "its share of the loss = 0.274811083" in hover  # the published E_o1
    assert label == "a=0.7514 | y=0.01"
    assert fig.layout.title.text.startswith("Loss L = ½ Σ (a − y)² = 0.298371109")


def test_backward_diagram_greys_unreached_layers_and_outlines_the_current_one(trace) -> None:
    fig = phase_figure(
        trace, NAMES, DiagramView("backward", layers_done=1, selected=(1, 0, 0), weight_names=WN)
    )
    assert "dL/dw = 0.082167041" in edge_hover(fig, 1, 0, 0)
    assert "not reached yet" in edge_hover(fig, 0, 0, 0)
    hidden = node_hover(fig, 1, 0)
    assert "delta: not reached yet" in hidden[0] and hidden[2] == GREY
    out = node_hover(fig, 2, 0)
    assert "delta = dL/dz = 0.138498562" in out[0] and out[1] == "δ=0.1385"
    nodes = trace_named(fig, "neurons")
    outlines = list(nodes.marker.line.color)
    # the output layer (reached last) is outlined, the hidden one is not
    assert outlines[4] == HIGHLIGHT and outlines[5] == HIGHLIGHT and outlines[2] != HIGHLIGHT
    grey_lines = [t for t in fig.data if t.mode == "lines" and t.line.color == GREY]
    assert grey_lines and len(grey_lines[0].x) == 4 * 3  # the 4 hidden-layer edges, drawn grey
    assert any(t.mode == "lines" and t.line.color == PICK for t in fig.data)  # the picked w5
    full = phase_figure(trace, NAMES, DiagramView("backward", layers_done=2))
    assert "dL/dw = 0.000438568" in edge_hover(full, 0, 0, 0)


def test_update_diagram_shows_old_to_new(trace) -> None:
    fig = phase_figure(trace, NAMES, DiagramView("update", weight_names=WN))
    hover = edge_hover(fig, 1, 0, 0)
    assert "old w = 0.4" in hover and "new w = 0.35891648" in hover and "= -0.04108352" in hover
    assert "0.4→0.3589" in {a.text for a in fig.layout.annotations}
    assert "frozen" in node_hover(fig, 1, 0)[0]


def test_quiz_keeps_the_picked_value_back(trace) -> None:
    back = phase_figure(trace, NAMES, DiagramView("backward", layers_done=2, hidden=(1, 0, 0)))
    assert "answer the quiz first" in edge_hover(back, 1, 0, 0) and "0.082167" not in edge_hover(
        back, 1, 0, 0
    )
    assert "?" in {a.text for a in back.layout.annotations}
    upd = phase_figure(trace, NAMES, DiagramView("update", hidden=(1, 0, 0)))
    assert "new w = ?" in edge_hover(upd, 1, 0, 0) and "0.4→?" in {a.text for a in upd.layout.annotations}


def test_batch_diagram_shows_the_chosen_sample(tiny_trace) -> None:
    p, t = tiny_trace
    fig = phase_figure(t, p.neuron_names, DiagramView("forward", sample=2))
    assert f"a = tanh(z) = {num(t.a[0][2, 1])}" in node_hover(fig, 1, 1)[0]
    assert "sample 3 of 4" in fig.layout.title.text
    assert "add up all 4 samples" in diagram_legend("backward", 4)


def test_large_networks_get_no_printed_labels_but_keep_hover() -> None:
    p = get_preset("custom", (4, 6, 6, 3), 0)
    t = train_step(p.net, p.X[:2], p.Y[:2], loss="mse", lr=0.1)
    fig = phase_figure(t, p.neuron_names, DiagramView("backward", layers_done=3))
    assert not [a for a in fig.layout.annotations if a.text.startswith("0")]
    assert len(trace_named(fig, "edges").hovertext) == 4 * 6 + 6 * 6 + 6 * 3
    edges_traces = [tr for tr in fig.data if tr.mode == "lines"]
    assert len(edges_traces) <= 10  # binned, not one trace per edge


def test_colour_bars_match_the_edge_colours(trace) -> None:
    # red for negative, blue for positive, on the bars as on the edges (an explicit scale, not a name
    # that plotly.js would read reversed); edges are lines on the page and take the shortened scale
    # whose ends read on the dark theme too, neurons (outlined) the full one
    fig = phase_figure(trace, NAMES, DiagramView("backward", layers_done=2))
    bars = [t.marker for t in fig.data if t.marker is not None and t.marker.showscale]
    assert len(bars) == 2
    ends = [
        (line_color(-1.0, 1.0), line_color(1.0, 1.0)),
        (diverging_color(-1.0, 1.0), diverging_color(1.0, 1.0)),
    ]
    assert ends[0] == ("rgb(196, 60, 60)", "rgb(50, 125, 184)")
    assert [c.replace(" ", "") for c in ends[1]] == ["rgb(103,0,31)", "rgb(5,48,97)"]
    for bar, (low, high) in zip(bars, ends, strict=True):
        scale = list(bar.colorscale)
        assert not isinstance(bar.colorscale, str)
        assert scale[0][1].replace(" ", "") == low.replace(" ", "")
        assert scale[-1][1].replace(" ", "") == high.replace(" ", "")
        assert bar.cmin == -bar.cmax


def test_network_figure_keyword_arguments_still_work() -> None:
    fig = network_figure(
        [2, 3, 1], grey_layers=[0], highlight_layer=1, selected=(1, 2, 0), selected_node=(1, 1)
    )
    assert len(trace_named(fig, "edges").customdata) == 9
    zero = network_figure([2, 1], edge_values=[np.zeros((2, 1))])
    bars = [t.marker.cmax for t in zero.data if t.marker is not None and t.marker.showscale]
    assert bars == [1.0, 1.0]  # all-zero values: a readable unit scale, not 1e-12


@pytest.mark.parametrize("phase", ["ready", "update"])
def test_printed_edge_labels_do_not_cover_each_other(tiny_trace, phase: str) -> None:
    # with one fixed place along every edge, the weights of the tiny classifier's two crossing
    # edges (x1 -> h3 and x2 -> h1) were printed on top of each other
    p, t = tiny_trace
    fig = phase_figure(t, p.neuron_names, DiagramView(phase))
    edges = trace_named(fig, "edges")
    labels = [a for a in fig.layout.annotations if not a.text.startswith("<b>")]
    assert len(labels) == len(edges.x) == 9
    # each label sits on its edge's hover marker, so hovering the number gives its details
    assert sorted(zip(edges.x, edges.y, strict=True)) == sorted((a.x, a.y) for a in labels)
    # in pixels, on the narrowest diagram a laptop shows
    px_x = network.PLOT_WIDTH_PX / (2 + 0.8)
    px_y = (fig.layout.height - 100) / (3 + 0.85)
    for k, a in enumerate(labels):
        for b in labels[k + 1 :]:
            apart_x = abs(a.x - b.x) * px_x >= (len(a.text) + len(b.text)) * network.EDGE_CHAR_PX / 2
            apart_y = abs(a.y - b.y) * px_y >= network.TEXT_HEIGHT_PX
            assert apart_x or apart_y, (a.text, b.text)


# -- equations ------------------------------------------------------------------------------------


def test_neuron_equations_substitute_the_engine_numbers(trace) -> None:
    z, a = neuron_equations(trace, NAMES, 1, 0, 0, WN)
    assert z.latex.endswith(r"0.15 \times 0.05 + 0.2 \times 0.1 + 0.35 = 0.3775")
    assert r"w_{1}\,i_{1}" in z.latex
    assert a.latex.endswith(r"\sigma(0.3775) = 0.593269992")
    single = get_preset("single weight")
    st = train_step(single.net, single.X, single.Y, loss="mse", lr=0.01)
    (z1, _) = neuron_equations(st, single.neuron_names, 1, 0, 0, single.weight_names, with_bias=False)
    assert z1.latex == r"z_{\hat{y}} = w\,x = 2 \times 5 = 10"


def test_loss_equation_of_the_classic_example(trace) -> None:
    (eq,) = loss_equations(trace, NAMES)
    assert r"(0.75136507 - 0.01)^2 + (0.772928465 - 0.99)^2" in eq.latex
    assert eq.latex.endswith("= 0.298371109")


def test_batch_loss_is_the_mean_of_the_samples(tiny_trace) -> None:
    p, t = tiny_trace
    eqs = loss_equations(t, p.neuron_names, sample=1)
    assert len(eqs) == 2 and eqs[0].latex.startswith("L_{2} =")
    assert all(num(v) in eqs[1].latex for v in t.per_sample_loss)
    assert eqs[1].latex.endswith(f"= {num(t.loss)}")


def test_chain_rule_for_an_output_weight(trace) -> None:
    lines = [e.latex for e in chain_rule(explain_weight(trace, 1, 0, 0), trace, NAMES, 0, WN)]
    assert any(line.endswith("= a_{o_{1}} - y_{o_{1}} = 0.74136507") for line in lines)
    assert any(line.endswith("= 0.186815602") for line in lines)
    assert any(line.endswith(r"0.74136507 \times 0.186815602 = 0.138498562") for line in lines)
    assert lines[-1].endswith(r"0.138498562 \times 0.593269992 = 0.082167041")


def test_chain_rule_for_a_hidden_weight_writes_out_the_delta_recursion(trace) -> None:
    eqs = chain_rule(explain_weight(trace, 0, 0, 0), trace, NAMES, 0, WN)
    recursion = next(e for e in eqs if "sum_k" in e.latex)
    assert r"w_{5}\,\delta_{o_{1}} + w_{7}\,\delta_{o_{2}}" in recursion.latex
    assert recursion.latex.endswith(r"0.4 \times 0.138498562 + 0.5 \times (-0.038098237) = 0.036350306")
    assert "delta recursion" in recursion.note
    assert eqs[-1].latex.endswith(r"0.008771355 \times 0.05 = 0.000438568")


def test_chain_rule_uses_the_shortcut_for_sigmoid_with_bce(tiny_trace) -> None:
    p, t = tiny_trace
    e = explain_weight(t, 1, 0, 0)
    eqs = chain_rule(e, t, p.neuron_names, 0)
    shortcut = eqs[1]
    assert r"\frac{a_{o_{1}} - y_{o_{1}}}{4}" in shortcut.latex and shortcut.latex.endswith(num(e.delta[0]))
    assert "cancel" in shortcut.note and "divided by m = 4 because L is a mean" in shortcut.note
    # a batch of four: the last line adds the samples' shares
    assert eqs[-1].latex.endswith(f"= {num(e.gradient)}") and all(
        num(v) in eqs[-1].latex for v in e.per_sample
    )


def test_bias_chain_rule_and_update(tiny_trace, trace) -> None:
    p, t = tiny_trace
    e = explain_weight(t, 0, None, 1)
    eqs = chain_rule(e, t, p.neuron_names)
    assert any(eq.latex.endswith("= 1") for eq in eqs)
    upd = update_equation(e, p.neuron_names)
    assert upd.latex.endswith(f"= {num(e.new_weight)}")
    frozen = update_equation(explain_weight(trace, 0, None, 0), NAMES, WN, frozen=True)
    assert "frozen" in frozen.latex and "0.35" in frozen.latex


def test_update_equation_of_w5_and_w1(trace) -> None:
    assert update_equation(explain_weight(trace, 1, 0, 0), NAMES, WN).latex.endswith(
        r"= 0.4 - 0.5 \times 0.082167041 = 0.35891648"
    )
    assert update_equation(explain_weight(trace, 0, 0, 0), NAMES, WN).latex.endswith("= 0.149780716")


# -- tables and charts ----------------------------------------------------------------------------


def test_tables_hold_the_trace_values(trace) -> None:
    assert input_frame(trace, NAMES).loc["sample 1"].tolist() == [0.05, 0.1, 0.01, 0.99]
    assert np.array_equal(per_sample_frame(trace.delta[1], NAMES, 2).to_numpy(), trace.delta[1])
    a_t, delta, dW = matrix_view(trace, NAMES, 1)
    assert a_t.shape == (2, 1) and delta.shape == (1, 2) and dW.shape == (2, 2)
    assert np.allclose(a_t.to_numpy() @ delta.to_numpy(), dW.to_numpy(), rtol=1e-15)
    pw = per_weight_frame(trace, NAMES, 1, WN)
    assert pw.loc["w5", "dW entry (a_prevᵀ @ delta)"] == trace.dW[1][0, 0]
    assert pw.loc["w5", "sum over samples of a_prev · delta"] == pytest.approx(trace.dW[1][0, 0], rel=1e-15)
    params = parameters_frame(trace, NAMES, WN)
    assert params.loc["w1", "after"] == trace.net_after.weights[0][0, 0]
    assert params.loc["b(h1)", "change (-lr · dL/dparam)"] == 0.0
    assert list(params.index[:8]) == ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]


def test_gradcheck_table_lists_every_parameter(trace) -> None:
    gc = gradient_check(CLASSIC.net, CLASSIC.X, CLASSIC.Y, CLASSIC.loss)
    frame = gradcheck_frame(gc, NAMES, WN)
    assert len(frame) == gc.n_params == 12
    assert frame.loc["w5", "backprop"] == trace.dW[1][0, 0]
    assert frame["relative error"].max() < 1e-6


def test_loss_history_chart_has_titles_and_the_current_point() -> None:
    fig = loss_history_figure([0.3, 0.29], 0.28)
    assert fig.layout.title.text and fig.layout.xaxis.title.text == "iteration"
    assert fig.layout.yaxis.title.text == "loss L"
    assert list(fig.data[1].x) == [3] and fig.data[1].customdata[0] == "0.28"
    empty = loss_history_figure([], None)
    assert "press Forward" in empty.layout.annotations[0].text


def test_saturation_chart_plots_both_losses_with_numbers_on_hover() -> None:
    grid = saturation_compare(np.linspace(-10, 10, 41), 1.0)
    point = saturation_compare(np.array([-6.0]), 1.0)
    fig = saturation_figure(grid, point)
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.title.text and fig.layout.title.text
    assert fig.data[1].customdata[0] == num(point.delta_mse[0])
    assert fig.data[3].customdata[0] == num(point.delta_bce[0])


@pytest.mark.parametrize("phase", ["ready", "forward", "loss", "backward", "update"])
def test_diagram_figures_pass_plotly_validation(trace, tiny_trace, phase: str) -> None:
    # the diagram is assembled without per-property validation for speed; validate it in full here
    import plotly.graph_objects as go

    for names, t in ((NAMES, trace), (tiny_trace[0].neuron_names, tiny_trace[1])):
        view = DiagramView(phase, layers_done=1, selected=(1, 0, 0), neuron=(1, 0), hidden=(1, 0, 0))
        go.Figure(phase_figure(t, names, view).to_dict())  # raises on any invalid property


def test_loss_history_figure_passes_plotly_validation() -> None:
    import plotly.graph_objects as go

    for losses, current in (([], None), ([0.3, float("nan")], 0.2), ([0.5], None)):
        go.Figure(loss_history_figure(losses, current).to_dict())


def test_loss_axis_turns_logarithmic_when_a_run_diverges() -> None:
    assert loss_history_figure([0.3, 0.29], 0.28).layout.yaxis.type is None
    diverging = loss_history_figure([4.0, 9604.0, 2.3e7], 5.5e10)
    assert diverging.layout.yaxis.type == "log" and "log" in diverging.layout.yaxis.title.text


def test_a_model_without_bias_shows_none() -> None:
    single = get_preset("single weight")
    t = train_step(single.net, single.X, single.Y, loss="mse", lr=0.01, freeze_biases=True)
    fig = phase_figure(t, single.neuron_names, DiagramView("update", has_bias=False))
    hover, label, _ = node_hover(fig, 1, 0)
    assert (
        "bias" not in hover and label == "a=10 | y=12" and hover.startswith("ŷ: layer 1 (output), neuron 1")
    )
    assert "new w = 2.2" in edge_hover(fig, 0, 0, 0)


@pytest.mark.parametrize("preset_name", ["single weight", "classic 2-2-2", "tiny classifier", "custom"])
def test_every_valid_pairing_builds_every_view(preset_name: str) -> None:
    """No activation/loss pairing the page offers makes a figure, an equation or a table fail."""
    from labs.step_through.model import loss_choices, output_activations
    from labs.step_through.model_session import Controls, StepRun, make_trace

    preset = get_preset(preset_name, (3, 4, 3), 1)
    run = StepRun.start(preset.net)
    for output in output_activations(preset.sizes[-1]):
        for loss in loss_choices(output, preset.Y)[0]:
            controls = Controls(0.5, "relu", output, loss, preset.n_samples, True)
            t = make_trace(preset, run, controls)
            names = preset.neuron_names
            for phase in ("forward", "backward", "update"):
                phase_figure(t, names, DiagramView(phase, layers_done=preset.net.n_layers, sample=0))
            for l, i, j in ((preset.net.n_layers - 1, 0, 0), (0, 0, 0), (0, None, 0)):
                e = explain_weight(t, l, i, j)
                eqs = chain_rule(e, t, names, 0)
                assert eqs[-1].latex.endswith(tex_num(e.gradient)), (output, loss)
                update_equation(e, names)
            loss_equations(t, names, 0)
            neuron_equations(t, names, len(names) - 1, 0, 0)
            parameters_frame(t, names)
