"""The playground's figure builders show the engine's numbers: heatmaps, points, curves, diagram, neurons."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.tools import return_figure_from_figure_or_data

from backprop_core import TrainConfig, predict
from labs.playground.figures_boundary import CLASS0, CLASS1, boundary_figure, boundary_title
from labs.playground.figures_curves import (
    MAX_POINTS,
    PLAY_POINTS,
    grad_flow_figure,
    loss_columns,
    loss_figure,
    round_ticks,
)
from labs.playground.figures_network import diagram_figure, neuron_figure, neuron_name, neuron_options
from labs.playground.model import build_data, build_network, class_scores, make_problem
from labs.playground.model_boundary import grid_activations, grid_outputs, input_grid
from labs.playground.model_run import advance, start_run
from viz.tick_figure import TickFigure


def _setup(name: str, output: str, loss: str, hidden=(4, 4), iterations: int = 5, n: int = 150):
    problem = make_problem(name, n, 0.1, 0.2, 0)
    net = build_network(problem, hidden, "tanh", output, "xavier", 0)
    data = build_data(problem, net, loss)
    config = TrainConfig(loss, 0.3, batch_size=10)
    run = advance(start_run(net, data, loss), data, config, iterations=iterations)
    grid = input_grid(problem.extent, n=40)
    return problem, run, grid


def _trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def test_binary_heatmap_is_the_probability_of_class_1() -> None:
    problem, run, grid = _setup("circle", "sigmoid", "bce")
    net = run.state.net
    out = grid_outputs(net, grid)
    train_out = predict(net, problem.X_train)
    fig = boundary_figure(problem, grid, out, "sigmoid", train_out=train_out, show_test=False)
    heat = _trace(fig, "network")
    np.testing.assert_allclose(heat.z, out[:, :, 0], rtol=1e-6)  # float32 on the wire
    assert (heat.zmin, heat.zmax, heat.zmid) == (0.0, 1.0, 0.5)
    assert "P(class 1) = %{z:.4f}" in heat.hovertemplate
    # points: one trace per class with the class colour, hover carrying the network's P(class 1)
    pts = _trace(fig, "train · class 1")
    mask = problem.y_train == 1
    np.testing.assert_allclose(pts.x, problem.X_train[mask, 0])
    assert pts.marker.color == CLASS1 and _trace(fig, "train · class 0").marker.color == CLASS0
    np.testing.assert_allclose(pts.customdata, predict(net, problem.X_train[mask])[:, 0], rtol=1e-6)
    assert not any(t.name.startswith("test") for t in fig.data if t.name)
    with_test = boundary_figure(problem, grid, out, "sigmoid", show_test=True)
    assert sum(len(t.x) for t in with_test.data if t.name and t.name.startswith("test")) == problem.n_test
    assert list(fig.layout.xaxis.range) == [grid.x1[0], grid.x1[-1]]


def test_binary_softmax_head_uses_the_second_output() -> None:
    problem, run, grid = _setup("xor", "softmax", "cross_entropy")
    out = grid_outputs(run.state.net, grid)
    assert out.shape[-1] == 2
    heat = _trace(boundary_figure(problem, grid, out, "softmax"), "network")
    np.testing.assert_allclose(heat.z, out[:, :, 1], rtol=1e-6)


def test_linear_head_on_classes_is_labelled_output_not_probability() -> None:
    problem, run, grid = _setup("circle", "linear", "mse")
    out = grid_outputs(run.state.net, grid)
    heat = _trace(boundary_figure(problem, grid, out, "linear"), "network")
    assert "output = %{z" in heat.hovertemplate and heat.zmid == 0.5
    assert heat.zmin <= out.min() and heat.zmax >= out.max()


def test_three_class_regions_pick_the_argmax_and_show_probabilities() -> None:
    problem, run, grid = _setup("blobs", "softmax", "cross_entropy", iterations=30)
    out = grid_outputs(run.state.net, grid)
    heat = _trace(boundary_figure(problem, grid, out, "softmax"), "network")
    np.testing.assert_array_equal(np.floor(heat.z).astype(int), out.argmax(axis=-1))
    np.testing.assert_allclose(heat.customdata, out, rtol=1e-6)
    assert list(heat.colorbar.ticktext) == ["class 0", "class 1", "class 2"]
    assert "P(class 2) = %{customdata[2]:.4f}" in heat.hovertemplate


def test_regression_surface_and_curve() -> None:
    problem, run, grid = _setup("plane", "linear", "mse")
    out = grid_outputs(run.state.net, grid)
    fig = boundary_figure(problem, grid, out, "linear", train_out=predict(run.state.net, problem.X_train))
    heat = _trace(fig, "network")
    np.testing.assert_allclose(heat.z, out[:, :, 0], rtol=1e-6)
    assert heat.zmid == 0 and heat.zmin == -heat.zmax
    pts = _trace(fig, "train points (colour = target y)")
    np.testing.assert_allclose(pts.marker.color, problem.y_train)
    assert pts.marker.cmax == heat.zmax  # points and surface share one colour scale

    sine, srun, sgrid = _setup("sine", "linear", "mse")
    sout = grid_outputs(srun.state.net, sgrid)
    curve = boundary_figure(sine, sgrid, sout, "linear", show_test=True)
    line = _trace(curve, "network's curve")
    np.testing.assert_allclose(line.y, sout[:, 0])
    assert _trace(curve, "test points").x.size == sine.n_test
    assert curve.layout.xaxis.title.text == "x" and curve.layout.yaxis.title.text == "y"


def test_boundary_title_mentions_time_travel() -> None:
    assert boundary_title("binary", 5, 5) == "Decision boundary after iteration 5"
    assert "time travel; latest is 9" in boundary_title("regression", 3, 9)


def test_loss_figure_draws_the_records() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=12)
    fig = loss_figure(run, marker=4, log_y=True, title="t")
    train = _trace(fig, "train loss")
    assert list(train.x) == list(range(13))
    assert train.y[0] == pytest.approx(run.initial.train_loss)
    assert list(train.y[1:]) == pytest.approx([r.train_loss for r in run.records])
    assert list(_trace(fig, "test accuracy").y[1:]) == pytest.approx([r.test_acc for r in run.records])
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.title.text == "accuracy"
    marker = _trace(fig, "shown moment")
    assert list(marker.y) == pytest.approx([run.records[3].train_loss, run.records[3].test_loss])
    assert fig.layout.shapes[0].x0 == 4


def test_loss_figure_without_accuracy_or_test_set() -> None:
    problem = make_problem("sine", 100, 0.1, 0.0, 0)
    net = build_network(problem, (3,), "tanh", "linear", "xavier", 0)
    data = build_data(problem, net, "mse")
    run = advance(start_run(net, data, "mse"), data, TrainConfig("mse", 0.1), iterations=3)
    fig = loss_figure(run)
    assert [t.name for t in fig.data] == ["train loss"]
    assert "yaxis2" not in fig.layout or fig.layout.yaxis2.title.text is None


def test_long_runs_are_thinned_for_drawing() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=MAX_POINTS + 200)
    cols = loss_columns(run)
    assert len(cols["iteration"]) <= MAX_POINTS
    assert cols["iteration"][0] == 0 and cols["iteration"][-1] == run.iteration


def test_grad_flow_is_the_norm_of_each_layers_gradient() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=6)
    fig = grad_flow_figure(run, marker=3)
    assert [t.name for t in fig.data] == ["layer 1 (hidden)", "layer 2 (hidden)", "layer 3 (output)"]
    for l, trace in enumerate(fig.data):
        assert list(trace.y) == pytest.approx([r.layer_grad_norms[l] for r in run.records])
    assert fig.layout.yaxis.type == "log"
    # a range holding fewer than two powers of ten is labelled with round values written in full
    norms = np.array([r.layer_grad_norms for r in run.records])
    assert np.floor(np.log10(norms.max())) - np.ceil(np.log10(norms.min())) < 1
    ticks = list(fig.layout.yaxis.tickvals)
    assert len(ticks) >= 3 and norms.min() <= min(ticks) and max(ticks) <= norms.max()
    assert list(fig.layout.yaxis.ticktext) == [f"{t:.3g}" for t in ticks]
    # between 1.7 and 59 only 10 is a power of ten: one label would leave the axis unreadable
    assert round_ticks(1.7, 59.5) == [2, 5, 10, 20, 50]
    assert round_ticks(4.0, 12.0) == [4, 5, 7, 10]
    empty = grad_flow_figure(_setup("circle", "sigmoid", "bce", iterations=0)[1])
    assert "No iteration yet" in empty.layout.annotations[0].text


def test_diagram_hover_has_exact_weights_gradients_and_node_values() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=3)
    snap = run.latest
    fig = diagram_figure(snap, edges="gradient", nodes="delta", selected=(1, 2))
    edges = _trace(fig, "edges")
    hover = dict(zip(map(tuple, edges.customdata), edges.hovertext, strict=True))
    w, _g = snap.net.weights[1][2, 3], snap.dW[1][2, 3]
    text = hover[(1, 2, 3)]
    assert "from layer 1, neuron 3 to layer 2, neuron 4" in text
    assert f"w = {w:.6g}"[:8] in text and "last dL/dw" in text
    neurons = _trace(fig, "neurons")
    node_hover = dict(zip(map(tuple, neurons.customdata), neurons.hovertext, strict=True))
    assert "delta summed over the batch (= dL/db)" in node_hover[(3, 0)]
    assert f"{snap.db[2][0]:.4g}"[:5] in node_hover[(3, 0)]
    bars = [t.marker.colorbar.title.text for t in fig.data if t.marker and t.marker.showscale]
    assert any("dL/dw" in b for b in bars) and any("Σ delta" in b for b in bars)
    assert "Network after iteration 3" in fig.layout.title.text
    # before training there is no gradient: edges grey, a note says why
    first = diagram_figure(run.snapshots[0], edges="gradient")
    assert "No iteration yet" in first.layout.annotations[-1].text
    with pytest.raises(ValueError, match="edges must be one of"):
        diagram_figure(snap, edges="bogus")


def test_a_deep_diagram_numbers_its_columns_instead_of_overlapping_long_titles() -> None:
    def titles(fig) -> list[str]:
        return [a.text for a in fig.layout.annotations if a.text.startswith("<b>")]

    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=1)
    assert titles(diagram_figure(run.latest))[1] == "<b>layer 1 (hidden)</b>"
    _problem, deep, _ = _setup("circle", "sigmoid", "bce", hidden=(4,) * 8, iterations=1)
    assert titles(diagram_figure(deep.latest)) == [
        "<b>input</b>",
        *(f"<b>{c}</b>" for c in range(1, 9)),
        "<b>9 (out)</b>",
    ]


def test_neuron_map_is_the_neurons_activation_over_the_plane() -> None:
    _problem, run, grid = _setup("circle", "sigmoid", "bce")
    acts = grid_activations(run.state.net, grid)
    fig = neuron_figure(grid, acts[2][..., 1], neuron_name(2, 1, 4), "tanh")
    np.testing.assert_allclose(fig.data[0].z, acts[2][..., 1], rtol=1e-6)
    assert fig.data[0].zmid == 0
    assert "layer 2, neuron 2 (tanh)" in fig.layout.title.text
    assert neuron_name(3, 0, 4) == "output layer 3, neuron 1" and neuron_name(0, 1, 4) == "input x2"
    assert neuron_options((2, 3, 1))[:3] == [(0, 0), (0, 1), (1, 0)]
    _sine, srun, sgrid = _setup("sine", "linear", "mse")
    line = neuron_figure(sgrid, grid_activations(srun.state.net, sgrid)[1][:, 0], "layer 1, neuron 1", "tanh")
    assert line.data[0].type == "scatter" and line.layout.xaxis.title.text == "x"


def test_class_scores_feed_the_heatmap() -> None:
    out = np.random.default_rng(0).random((3, 3, 3))
    np.testing.assert_array_equal(class_scores(out, "softmax", "multiclass"), out)


def test_every_figure_passes_plotly_validation() -> None:
    """The builders skip validation for speed; here each kind of figure is validated in full."""
    figures = []
    for name, output, loss in (
        ("circle", "sigmoid", "bce"),
        ("xor", "linear", "mse"),
        ("blobs", "softmax", "cross_entropy"),
        ("plane", "linear", "mse"),
        ("sine", "linear", "mse"),
    ):
        problem, run, grid = _setup(name, output, loss, iterations=3)
        net = run.state.net
        out = grid_outputs(net, grid)
        figures.append(boundary_figure(problem, grid, out, output, train_out=predict(net, problem.X_train)))
        acts = grid_activations(net, grid)
        figures.append(neuron_figure(grid, acts[1][..., 0], "layer 1, neuron 1", "tanh"))
        figures += [loss_figure(run, marker=2, log_y=True), grad_flow_figure(run, marker=1)]
        figures.append(diagram_figure(run.latest, edges="gradient", nodes="delta"))
    figures.append(grad_flow_figure(_setup("circle", "sigmoid", "bce", iterations=0)[1]))
    for fig in figures:
        go.Figure(fig.to_dict())  # raises on any property Plotly does not know


def _sent(fig: go.Figure) -> dict:
    """The JSON ``st.plotly_chart`` sends for ``fig``, parsed back."""
    figure_dict = return_figure_from_figure_or_data(fig, validate_figure=True)
    return json.loads(pio.to_json(figure_dict, validate=False))


@pytest.mark.parametrize(
    ("name", "output", "loss"),
    [("circle", "sigmoid", "bce"), ("blobs", "softmax", "cross_entropy"), ("sine", "linear", "mse"),
     ("plane", "linear", "mse")],
)  # fmt: skip
def test_play_ticks_send_what_the_full_figures_send(name: str, output: str, loss: str) -> None:
    problem, run, grid = _setup(name, output, loss, iterations=40)
    out = grid_outputs(run.state.net, grid)
    boundary = [boundary_figure(problem, grid, out, output, title="t", playing=p) for p in (True, False)]
    curves = [loss_figure(run, marker=20, title="t", playing=p) for p in (True, False)]
    assert isinstance(boundary[0], TickFigure) and isinstance(curves[0], TickFigure)
    assert _sent(boundary[0]) == _sent(boundary[1])  # the very same chart
    for fig in boundary + curves:
        go.Figure(fig.to_dict())  # Plotly's full validation of what is sent
    # the curves: the same points, their values as float32 (to 6e-8) while playing
    tick, full = _sent(curves[0]), _sent(curves[1])
    assert [t["name"] for t in tick["data"]] == [t["name"] for t in full["data"]]
    for t, f in zip(tick["data"], full["data"], strict=True):
        np.testing.assert_array_equal(_values(t["x"]), _values(f["x"]))
        np.testing.assert_allclose(_values(t["y"]), _values(f["y"]), rtol=6e-8)
    assert tick["layout"] == full["layout"]


def _values(value: object) -> np.ndarray:
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


def test_play_ticks_draw_a_long_run_from_fewer_points_and_a_pause_from_more() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=MAX_POINTS + 200)
    tick = _sent(loss_figure(run, playing=True))["data"][0]
    full = _sent(loss_figure(run))["data"][0]
    x_tick, x_full = _values(tick["x"]), _values(full["x"])
    assert len(x_tick) <= PLAY_POINTS < len(x_full) <= MAX_POINTS
    assert x_tick[0] == x_full[0] == 0 and x_tick[-1] == x_full[-1] == run.iteration
    assert tick["y"]["dtype"] == "f4" and full["y"]["dtype"] == "f8"


def test_loss_curves_of_a_long_run_read_only_the_points_they_draw() -> None:
    _problem, run, _ = _setup("circle", "sigmoid", "bce", iterations=MAX_POINTS + 200)
    cols = loss_columns(run, limit=50)
    records = {r.iteration: r for r in run.records}
    assert len(cols["iteration"]) <= 50 and cols["iteration"][0] == 0
    assert cols["iteration"][-1] == run.iteration and cols["train_loss"][0] == run.initial.train_loss
    for it, value in zip(cols["iteration"][1:], cols["train_loss"][1:], strict=True):
        assert value == records[int(it)].train_loss
