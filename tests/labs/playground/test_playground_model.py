"""The playground's engine modules: boundary grids, CSV checks, problems and heads, runs and history."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from backprop_core import MLP, TrainConfig, make_dataset, run
from backprop_core.runner import RunState
from labs.playground.model import (
    build_data,
    build_network,
    class_scores,
    head_choices,
    head_problem,
    loss_choices,
    make_problem,
    n_outputs,
    problem_from_table,
    targets,
)
from labs.playground.model_boundary import Extent, data_extent, grid_activations, grid_outputs, input_grid
from labs.playground.model_byod import MAX_CLASSES, read_csv
from labs.playground.model_export import history_csv, load_weights, weights_json
from labs.playground.model_run import (
    RECORD_CAP,
    SNAPSHOT_CAP,
    advance,
    resume,
    start_run,
    thin_history,
)
from ui.common import LR_VALUES

# -- boundary grids ------------------------------------------------------------------------------


def test_grid_layout_matches_heatmap_convention() -> None:
    grid = input_grid(Extent((-1.0, 1.0), (0.0, 4.0)), n=5)
    assert grid.shape == (5, 5)
    # a network whose output is x2 exactly: values[r, c] must equal x2[r] for every column
    net = MLP.from_params([[[0.0], [1.0]]], [[0.0]], ["linear"])
    out = grid_outputs(net, grid)
    assert out.shape == (5, 5, 1)
    np.testing.assert_allclose(out[:, :, 0], np.repeat(grid.x2[:, None], 5, axis=1))
    # and an output of x1 varies along the columns
    net1 = MLP.from_params([[[1.0], [0.0]]], [[0.0]], ["linear"])
    np.testing.assert_allclose(grid_outputs(net1, grid)[2, :, 0], grid.x1)


def test_grid_outputs_equal_the_engine_on_each_point() -> None:
    net = MLP.create([2, 4, 4, 1], "tanh", "sigmoid", seed=3)
    grid = input_grid(Extent((-5.0, 5.0), (-3.0, 3.0)), n=100)
    out = grid_outputs(net, grid)
    r, c = 17, 63
    point = np.array([[grid.x1[c], grid.x2[r]]])
    from backprop_core import predict

    assert out[r, c, 0] == pytest.approx(predict(net, point)[0, 0], abs=1e-12)


def test_grid_activations_give_every_neuron() -> None:
    net = MLP.create([2, 3, 1], "relu", "sigmoid", seed=0)
    grid = input_grid(Extent((-1.0, 1.0), (-1.0, 1.0)), n=7)
    acts = grid_activations(net, grid)
    assert [a.shape for a in acts] == [(7, 7, 2), (7, 7, 3), (7, 7, 1)]
    np.testing.assert_allclose(acts[0][..., 0], np.meshgrid(grid.x1, grid.x2)[0])
    np.testing.assert_allclose(acts[2], grid_outputs(net, grid))


def test_one_input_grid_is_a_line() -> None:
    extent = data_extent(np.array([[0.0], [2.0]]), pad=0.0)
    assert extent.x2 is None and extent.x1 == (0.0, 2.0)
    grid = input_grid(extent, n=11)
    net = MLP.from_params([[[2.0]]], [[1.0]], ["linear"])
    np.testing.assert_allclose(grid_outputs(net, grid)[:, 0], 2 * grid.x1 + 1)


def test_extent_pads_and_survives_flat_data() -> None:
    e = data_extent(np.array([[0.0, 5.0], [10.0, 5.0]]), pad=0.1)
    assert e.x1 == pytest.approx((-1.0, 11.0))
    assert e.x2 == pytest.approx((3.8, 6.2))  # flat direction: width 2 around 5, padded
    with pytest.raises(ValueError, match="grid has 2 input"):
        grid_outputs(MLP.create([1, 1], output="linear"), input_grid(e, 3))


# -- bring your own data ---------------------------------------------------------------------


def test_good_csv_classification_with_words_and_extra_columns() -> None:
    table = read_csv(b"id,X1, x2 ,Label\n1,0.5,1,cat\n2,-1,2,dog\n3,2,0,cat\n")
    assert table.kind == "binary" and table.class_names == ("cat", "dog")
    np.testing.assert_array_equal(table.labels, [0, 1, 0])
    np.testing.assert_allclose(table.X, [[0.5, 1], [-1, 2], [2, 0]])
    assert table.ignored == ("id",)


def test_good_csv_numeric_classes_sort_numerically_and_merge_spellings() -> None:
    rows = "\n".join(f"{i},{-i},{c}" for i, c in enumerate(["2", "10", "1.0", "1", "2.0"]))
    table = read_csv("x1,x2,label\n" + rows + "\n\n")
    assert table.kind == "multiclass" and table.class_names == ("1", "2", "10")
    np.testing.assert_array_equal(table.labels, [1, 2, 0, 0, 1])


def test_good_csv_regression() -> None:
    table = read_csv("x1,x2,target\n0,0,1.5\n1,1,-2e-1\n")
    assert table.kind == "regression" and table.class_names == ()
    np.testing.assert_allclose(table.target, [1.5, -0.2])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00bad", "not a text"),
        ("x1,label\n1,0\n2,1\n", r"missing column\(s\): x2; the header row has `x1`, `label`"),
        ("x1,x2,y\n1,2,0\n", "missing column.*label \\(classification\\) or target"),
        ("1,2,0\n3,4,1\n", "first row holds numbers"),
        ("x1,x2,label\n1,2,0\n3,abc,1\n", "row 3, column 'x2': `abc` is not a number"),
        ("x1,x2,label\n1,2,0\n3,NaN,1\n", "row 3, column 'x2': the cell is empty or NaN"),
        ("x1,x2,label\n1,,0\n3,4,1\n", "row 2, column 'x2': the cell is empty or NaN"),
        ("x1,x2,target\n1,2,0\n3,4,inf\n", "row 3, column 'target': `inf` is not a finite number"),
        ("x1,x2,target\n1,2,0\n3,4,\n", "row 3, column 'target': the cell is empty"),
        ("x1,x2,label\n1,2,0\n3,4\n", "row 3 has 2 fields but the header row has 3"),
        ("x1,x2,label\n1,2,a\n3,4,a\n", "only one class"),
        ("x1,x2,label,target\n1,2,0,1\n", "both a 'label' and a 'target'"),
        ("x1,x1,x2,label\n1,1,2,0\n", "names the column 'x1' more than once"),
        ("x1,x2,label\n1,2,0\n", "1 data row"),
    ],
)
def test_bad_csv_says_what_is_wrong(content: bytes | str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_csv(content)


def test_csv_limits_rows_and_classes() -> None:
    many = "x1,x2,label\n" + "\n".join(f"{i},{i},{i % 2}" for i in range(21))
    with pytest.raises(ValueError, match="21 data rows; at most 20"):
        read_csv(many, max_rows=20)
    classes = "x1,x2,label\n" + "\n".join(f"{i},{i},{i}" for i in range(MAX_CLASSES + 1))
    with pytest.raises(ValueError, match=f"{MAX_CLASSES + 1} different classes; at most {MAX_CLASSES}"):
        read_csv(classes)


# -- problems and heads -------------------------------------------------------------------------


def test_make_problem_is_the_dataset_split_reproducibly() -> None:
    p = make_problem("circle", 300, 0.1, 0.2, 7)
    assert (p.n_train, p.n_test, p.kind, p.class_names) == (240, 60, "binary", ("class 0", "class 1"))
    X, _ = make_dataset("circle", 300, 0.1, seed=7)
    # the split is a permutation of the generated points
    together = np.vstack([p.X_train, p.X_test])
    assert sorted(map(tuple, together.round(12))) == sorted(map(tuple, X.round(12)))
    again = make_problem("circle", 300, 0.1, 0.2, 7)
    np.testing.assert_array_equal(again.X_train, p.X_train)
    assert not np.array_equal(make_problem("circle", 300, 0.1, 0.2, 8).X_train, p.X_train)
    ext = p.extent
    assert ext.x1[0] < X[:, 0].min() and ext.x2[1] > X[:, 1].max()


def test_heads_fit_their_problems() -> None:
    assert head_choices("binary")[0] == "sigmoid"
    assert loss_choices("binary", "sigmoid") == ["bce", "mse", "half_sse"]
    assert loss_choices("multiclass", "softmax") == ["cross_entropy"]
    assert "bce" not in loss_choices("regression", "sigmoid")
    assert head_problem("binary", "sigmoid", "bce") is None
    assert "softmax" in head_problem("multiclass", "softmax", "mse")
    assert "does not fit regression" in head_problem("regression", "softmax", "cross_entropy")
    assert "between 0 and 1" in head_problem("regression", "sigmoid", "bce")


def test_network_and_targets_follow_the_head() -> None:
    blobs = make_problem("blobs", 90, 0.0, 0.0, 0)
    circle = make_problem("circle", 40, 0.0, 0.25, 0)
    assert n_outputs(blobs, "softmax") == 3 and n_outputs(circle, "sigmoid") == 1
    assert n_outputs(circle, "softmax") == 2
    net = build_network(circle, [4, 4], "tanh", "softmax", "xavier", 0)
    assert net.sizes == (2, 4, 4, 2)
    data = build_data(circle, net, "cross_entropy")
    np.testing.assert_array_equal(data.Y_train.argmax(axis=1), circle.y_train)
    onehot = targets(blobs, blobs.y_train, "sigmoid")
    assert onehot.shape == (90, 3) and np.all(onehot.sum(axis=1) == 1)
    with pytest.raises(ValueError, match="hidden layer 2 has width 17"):
        build_network(circle, [4, 17], "tanh", "sigmoid", "xavier", 0)
    with pytest.raises(ValueError, match="0 to 8"):
        build_network(circle, [1] * 9, "tanh", "sigmoid", "xavier", 0)


def test_class_scores() -> None:
    out = np.array([[0.2, 0.8], [0.9, 0.1]])
    np.testing.assert_allclose(class_scores(out, "softmax", "binary"), [0.8, 0.1])
    np.testing.assert_allclose(class_scores(out[:, :1], "sigmoid", "binary"), [0.2, 0.9])
    assert class_scores(out, "softmax", "multiclass").shape == (2, 2)


def test_problem_from_table_splits_like_built_ins() -> None:
    table = read_csv("x1,x2,label\n" + "\n".join(f"{i},{-i},{'ab'[i % 2]}" for i in range(10)))
    p = problem_from_table(table, 0.3, 0)
    assert (p.n_train, p.n_test, p.class_names) == (7, 3, ("a", "b"))


# -- runs ----------------------------------------------------------------------------------------


def _circle_setup(lr: float = 0.3):
    problem = make_problem("circle", 300, 0.1, 0.2, 0)
    net = build_network(problem, [4, 4], "tanh", "sigmoid", "xavier", 0)
    data = build_data(problem, net, "bce")
    return net, data, TrainConfig("bce", lr, "sgd", batch_size=10, seed=0)


def test_advance_equals_the_runner_and_keeps_every_iteration() -> None:
    net, data, config = _circle_setup()
    r = advance(start_run(net, data, "bce"), data, config, iterations=7)
    r = advance(r, data, config, iterations=5)
    direct = run(RunState(net), data, config, iterations=12)
    assert r.iteration == 12 and r.state.net == direct.state.net
    assert [x.train_loss for x in r.records] == [x.train_loss for x in direct.records]
    assert r.snapshot_iterations == list(range(13))
    # a snapshot's dW is the gradient of the update that produced it
    trace_run = run(RunState(net), data, config, iterations=3)
    np.testing.assert_allclose(r.snapshot_at(3).dW[1], trace_run.last_trace.dW[1])
    np.testing.assert_allclose(r.snapshot_at(3).db[0], trace_run.last_trace.delta[0].sum(axis=0))
    np.testing.assert_allclose(r.snapshot_at(3).a_mean[2], trace_run.last_trace.a[1].mean(axis=0))
    assert r.snapshot_at(3).net == trace_run.state.net
    assert r.initial.train_loss == pytest.approx(r.metrics_at(0).train_loss)
    assert r.metrics_at(12).test_loss == direct.records[-1].test_loss


def test_snapshots_drop_the_optimizer_memory_but_the_run_keeps_it() -> None:
    net, data, _ = _circle_setup()
    config = TrainConfig("bce", 0.1, "momentum", batch_size=10, seed=0)
    r = advance(start_run(net, data, "bce"), data, config, iterations=4)
    assert r.latest.state.opt_state is None and r.state.opt_state.name == "momentum"
    assert r.state == run(start_run(net, data, "bce").state, data, config, iterations=4).state


def test_advance_by_epochs_completes_the_current_epoch() -> None:
    net, data, config = _circle_setup()
    r = advance(start_run(net, data, "bce"), data, config, iterations=5)
    r = advance(r, data, config, epochs=1)
    assert r.state.epoch == 1 and r.state.cursor == 0 and r.iteration == 24  # 240 points / 10
    r = advance(r, data, config, epochs=1)
    assert r.iteration == 48


def test_loss_falls_on_the_default_setup() -> None:
    net, data, config = _circle_setup()
    r = advance(start_run(net, data, "bce"), data, config, iterations=300)
    assert r.metrics.test_loss < 0.5 * r.initial.test_loss
    assert r.metrics.test_acc > 0.9


def test_keep_thins_by_doubling_the_stride_and_keeps_the_newest() -> None:
    class It:
        def __init__(self, i: int) -> None:
            self.iteration = i

    items, stride = (It(0),), 1
    for start in range(1, 1000, 7):
        items, stride = thin_history(items, [It(i) for i in range(start, start + 7)], stride, 50)
    its = [x.iteration for x in items]
    assert len(its) <= 50 and its[0] == 0
    assert its[-1] == max(range(1, 1000, 7)) + 6  # the newest is always kept
    assert all(i % stride == 0 for i in its[:-1]) and stride > 1
    assert its == sorted(its)


def test_caps_are_respected_on_a_long_run() -> None:
    net, data, config = _circle_setup()
    r = advance(start_run(net, data, "bce"), data, config, iterations=SNAPSHOT_CAP + 100)
    assert len(r.snapshots) <= SNAPSHOT_CAP and r.snapshot_stride == 2
    assert r.snapshots[0].iteration == 0 and r.latest.iteration == SNAPSHOT_CAP + 100
    assert len(r.records) == SNAPSHOT_CAP + 100 <= RECORD_CAP


def _sine_setup():
    problem = make_problem("sine", 300, 0.1, 0.2, 0)
    net = build_network(problem, [4, 4], "tanh", "linear", "xavier", 0)
    return net, build_data(problem, net, "mse")


def test_divergence_stops_keeps_finite_state_and_finds_a_working_rate() -> None:
    net, data = _sine_setup()
    start = advance(start_run(net, data, "mse"), data, TrainConfig("mse", 0.1, batch_size=10), iterations=4)
    r = advance(start, data, TrainConfig("mse", 10.0, batch_size=10), iterations=20, lr_candidates=LR_VALUES)
    d = r.divergence
    assert d is not None and d.lr == 10.0 and "starting value" in d.reason
    assert r.iteration < 24 and np.isfinite(r.metrics.train_loss)
    assert d.restart.iteration == 4 and d.restart.net == start.state.net
    assert d.safe_lr is not None and d.safe_lr < 10.0
    # the reported rate really trains from the restart state, and the next listed rate above it does not
    ok = advance(resume(r, d.restart, data, "mse"), data, TrainConfig("mse", d.safe_lr, batch_size=10),
                 iterations=d.probe_iterations)  # fmt: skip
    assert ok.divergence is None and ok.metrics.train_loss < start.metrics.train_loss
    above = LR_VALUES[LR_VALUES.index(d.safe_lr) + 1]
    bad = advance(resume(r, d.restart, data, "mse"), data, TrainConfig("mse", above, batch_size=10),
                  iterations=d.probe_iterations)  # fmt: skip
    assert bad.divergence is not None or bad.metrics.train_loss > start.metrics.train_loss
    # a diverged run does not move until it is resumed
    assert advance(r, data, TrainConfig("mse", 0.01), iterations=3) is r


def test_a_tiny_first_batch_loss_is_not_the_reference_for_an_explosion() -> None:
    # one sample per batch: with this shuffle the first sample's loss is about 2e-6, so measured
    # against it a later ordinary batch loss would look like an explosion (it stopped at iteration 42).
    # The runner measures against the whole training set's starting loss instead.
    net, data = _sine_setup()
    config = TrainConfig("mse", 0.03, batch_size=1, seed=73)
    first = run(RunState(net), data, config, iterations=1)
    assert first.records[0].batch_loss < 1e-5
    assert first.state.reference_loss == max(start_run(net, data, "mse").initial.train_loss, 0.01)
    plain = run(RunState(net), data, config, iterations=100)
    assert not plain.state.diverged and len(plain.records) == 100
    r = start_run(net, data, "mse")
    for _ in range(10):
        r = advance(r, data, config, iterations=10)
    assert r.divergence is None and r.iteration == 100
    # an ordinary, noisy run: nowhere near a real explosion
    assert max(rec.train_loss for rec in r.records) < 2 * r.initial.train_loss


def test_resume_drops_the_failed_path() -> None:
    net, data = _sine_setup()
    r = advance(start_run(net, data, "mse"), data, TrainConfig("mse", 0.1, batch_size=10), iterations=3)
    r = advance(r, data, TrainConfig("mse", 10.0, batch_size=10), iterations=10, lr_candidates=(0.1,))
    back = resume(r, r.divergence.restart, data, "mse")
    assert back.divergence is None and back.iteration == 3 and back.latest.iteration == 3
    assert all(rec.iteration <= 3 for rec in back.records)


# -- export and import ---------------------------------------------------------------------------


def test_history_csv_has_iteration_zero_and_every_record() -> None:
    net, data, config = _circle_setup()
    r = advance(start_run(net, data, "bce"), data, config, iterations=3)
    lines = history_csv(r).strip().split("\n")
    header = lines[0].split(",")
    assert header[-6:-3] == ["grad_norm_layer_1", "grad_norm_layer_2", "grad_norm_layer_3"]
    assert header[-3:] == ["update_ratio_layer_1", "update_ratio_layer_2", "update_ratio_layer_3"]
    assert len(lines) == 5 and lines[1].startswith("0,0,,")
    row3 = lines[4].split(",")
    assert int(row3[0]) == 3 and float(row3[3]) == r.records[-1].train_loss
    assert float(row3[-4]) == r.records[-1].layer_grad_norms[-1]
    assert float(row3[-1]) == r.updates[-1].ratios[-1]


def test_weights_round_trip_and_mismatch_messages() -> None:
    net, data, config = _circle_setup()
    trained = advance(start_run(net, data, "bce"), data, config, iterations=10).state.net
    text = weights_json(trained, iteration=10)
    assert json.loads(text)["iteration"] == 10
    assert load_weights(text.encode(), net) == trained
    with pytest.raises(ValueError, match="not valid JSON"):
        load_weights(b"{nope", net)
    with pytest.raises(ValueError, match="does not describe a network: missing key"):
        load_weights(b'{"weights": []}', net)
    other = MLP.create([2, 8, 1], "tanh", "sigmoid")
    with pytest.raises(ValueError, match="holds a 2-8-1 network but the playground's network is 2-4-4-1"):
        load_weights(weights_json(other), net)
    relu = MLP.create([2, 4, 4, 1], "relu", "sigmoid")
    with pytest.raises(ValueError, match="activations are relu, relu, sigmoid"):
        load_weights(weights_json(relu), net)
    bad = json.loads(text)
    bad["weights"][0][0][0] = "x"
    with pytest.raises(ValueError, match="nested lists of numbers"):
        load_weights(json.dumps(bad), net)


# -- relative update size: what the gradient flow chart shows beside ||dW|| -------------------------


def _deep_sigmoid(optimizer: str, lr: float):
    problem = make_problem("circle", 200, 0.1, 0.0, 0)
    net = build_network(problem, [8] * 6, "sigmoid", "sigmoid", "xavier", 0)
    data = build_data(problem, net, "bce")
    return net, data, TrainConfig("bce", lr, optimizer, batch_size=20, seed=0)


def test_update_size_under_sgd_is_lr_times_the_gradient_over_the_weights() -> None:
    net, data, config = _deep_sigmoid("sgd", 0.3)
    r = advance(start_run(net, data, "bce"), data, config, iterations=3)
    before = r.snapshots[-2].net  # the network the 3rd update started from
    dW = r.latest.dW
    for l, ratio in enumerate(r.updates[-1].ratios):
        expected = 0.3 * np.linalg.norm(dW[l]) / np.linalg.norm(before.weights[l])
        assert ratio == pytest.approx(expected, rel=1e-12)
    assert [u.iteration for u in r.updates] == [r.iteration for r in r.records]


def test_under_adam_a_tiny_gradient_still_moves_its_layer() -> None:
    """The caption's point: a layer far below the others in ||dW|| is not a layer that barely changes."""
    net, data, config = _deep_sigmoid("adam", 0.01)
    r = advance(start_run(net, data, "bce"), data, config, iterations=1)
    grads = r.records[-1].layer_grad_norms
    ratios = r.updates[-1].ratios
    assert grads[0] < grads[-1] / 30  # the first layer's gradient is far smaller ...
    # ... yet Adam's first step is about lr per weight whatever the gradient's size:
    # ||ΔW|| = lr * sqrt(number of weights), so the relative update does not follow ||dW||
    for l, W in enumerate(net.weights):
        assert ratios[l] * np.linalg.norm(W) == pytest.approx(0.01 * np.sqrt(W.size), rel=0.05)
    assert ratios[0] > ratios[-1] / 3


def test_the_update_figure_draws_one_line_per_layer() -> None:
    from labs.playground.figures_update import TITLE, update_figure

    net, data, config = _deep_sigmoid("adam", 0.01)
    r = advance(start_run(net, data, "bce"), data, config, iterations=5)
    fig = update_figure(r, marker=5)
    assert fig.layout.title.text == TITLE and fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data] == [
        f"layer {l + 1} ({'output' if l == 6 else 'hidden'})" for l in range(7)
    ]
    assert list(fig.data[0].y) == [u.ratios[0] for u in r.updates]
    assert len(go.Figure(fig.to_dict()).data) == 7  # every property valid (built without validation)
    empty = update_figure(start_run(net, data, "bce"))
    assert "No update yet" in empty.layout.annotations[0].text
