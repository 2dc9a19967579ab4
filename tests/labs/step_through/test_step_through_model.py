"""The step-through page's pure parts: where the learner stands, the quiz check, the export."""

from __future__ import annotations

import csv
import io
import itertools
import json

import numpy as np
import pytest

from backprop_core import evaluate
from labs.step_through.model import get_preset
from labs.step_through.model_session import (
    Controls,
    StepRun,
    make_trace,
    parse_phase,
    phase_token,
    position_for,
    progress_fraction,
    progress_text,
)
from labs.step_through.view_export import trace_csv, trace_dict, trace_json
from labs.step_through.view_quiz import check_answer, parse_answer

CLASSIC = get_preset("classic 2-2-2")
CLASSIC_CONTROLS = Controls(0.5, "sigmoid", "sigmoid", "half_sse", 1, False)
LAYERS = ["layer 1 (hidden)", "layer 2 (output)"]


def walk(
    run: StepRun, *actions: str, controls: Controls = CLASSIC_CONTROLS, layerwise: bool = True
) -> StepRun:
    for action in actions:
        trace = make_trace(CLASSIC, run, controls)
        run = run.full_iteration(trace) if action == "full" else run.press(action, trace, layerwise)
    return run


def test_phases_in_order_with_only_the_next_button_enabled() -> None:
    run = StepRun.start(CLASSIC.net)
    seen = []
    for action in ("forward", "loss", "backward", "backward", "update"):
        assert run.next_action == action
        # pressing any other phase does nothing
        for other in {"forward", "loss", "backward", "update"} - {action}:
            assert walk(run, other) == run
        run = walk(run, action)
        seen.append((run.phase, run.layers_done, run.current_layer))
    assert seen == [
        ("forward", 0, None),
        ("loss", 0, None),
        ("backward", 1, 1),  # output layer first
        ("backward", 2, 0),
        ("update", 2, None),
    ]


def test_backward_reaches_layers_output_first() -> None:
    run = walk(StepRun.start(CLASSIC.net), "forward", "loss", "backward")
    assert run.reached(1) and not run.reached(0)
    assert walk(run, "backward").reached(0)
    # with the layer-by-layer toggle off, one press finishes the backward pass
    run = walk(StepRun.start(CLASSIC.net), "forward", "loss", "backward", layerwise=False)
    assert run.layers_done == 2 and run.next_action == "update"


def test_forward_after_update_starts_the_next_iteration_from_the_new_weights() -> None:
    run = walk(StepRun.start(CLASSIC.net), "full")
    trace = make_trace(CLASSIC, run, CLASSIC_CONTROLS)
    nxt = walk(run, "forward")
    assert nxt.iteration == 1 and nxt.phase == "forward"
    assert all(np.array_equal(a, b) for a, b in zip(nxt.weights, trace.net_after.weights, strict=True))
    assert nxt.losses == [pytest.approx(0.298371109, abs=5e-10)]
    # and that iteration's loss is the published after-one-update figure the algorithm gives
    assert round(make_trace(CLASSIC, nxt, CLASSIC_CONTROLS).loss, 9) == 0.291027774


def test_full_iteration_finishes_this_one_or_runs_the_next() -> None:
    run = walk(StepRun.start(CLASSIC.net), "forward", "full")
    assert run.iteration == 0 and run.phase == "update"
    run = walk(run, "full", "full")
    assert run.iteration == 2 and run.phase == "update" and len(run.history) == 2


def test_step_back_goes_phase_by_phase_and_across_iterations() -> None:
    start = StepRun.start(CLASSIC.net)
    run = walk(start, "full", "forward")
    assert run.iteration == 1 and run.pos == 1
    run = run.step_back().step_back()  # to ready, then into the previous iteration's update
    assert run.iteration == 0 and run.phase == "update" and run.history == ()
    assert all(np.array_equal(a, b) for a, b in zip(run.weights, start.weights, strict=True))
    for _ in range(run.end):
        run = run.step_back()
    assert run == start and not run.can_step_back and run.step_back() == start


def test_changing_a_control_recomputes_the_iteration_from_the_same_starting_weights() -> None:
    run = walk(StepRun.start(CLASSIC.net), "forward", "loss", "backward")
    slow = make_trace(CLASSIC, run, CLASSIC_CONTROLS)
    fast = make_trace(CLASSIC, run, Controls(1.0, "sigmoid", "sigmoid", "half_sse", 1, False))
    tanh = make_trace(CLASSIC, run, Controls(0.5, "tanh", "sigmoid", "half_sse", 1, False))
    assert fast.net_before == slow.net_before and np.array_equal(fast.dW[1], slow.dW[1])
    assert np.allclose(fast.update.step_W[1], 2 * slow.update.step_W[1])
    assert all(
        np.array_equal(a, b) for a, b in zip(tanh.net_before.weights, slow.net_before.weights, strict=True)
    )
    assert np.allclose(tanh.a[0], np.tanh(slow.z[0]))


def test_progress_text_and_fraction() -> None:
    run = StepRun.start(CLASSIC.net)
    assert progress_text(run, LAYERS).startswith("Iteration 1: ready") and progress_fraction(run) == 0
    run = walk(run, "forward", "loss", "backward")
    assert progress_text(run, LAYERS) == (
        "Iteration 1 · phase 3 of 4: Backward — 1 of 2 layers done, now at layer 2 (output)"
    )
    run = walk(run, "backward", "update")
    assert "phase 4 of 4: Update" in progress_text(run, LAYERS) and progress_fraction(run) == 1


@pytest.mark.parametrize(
    ("token", "pos"),
    [("ready", 0), ("forward", 1), ("loss", 2), ("backward-1", 3), ("backward", 4), ("update", 5)],
)
def test_phase_tokens_round_trip(token: str, pos: int) -> None:
    assert position_for(*parse_phase(token), 2) == pos
    assert phase_token(StepRun.start(CLASSIC.net).at(pos)) == token


@pytest.mark.parametrize("token", ["backwards", "loss-1", "backward-0", "backward-x", ""])
def test_bad_phase_tokens_are_rejected(token: str) -> None:
    with pytest.raises(ValueError):
        parse_phase(token)


def test_backward_count_beyond_the_layers_is_rejected() -> None:
    with pytest.raises(ValueError, match="has 2"):
        position_for("backward", 3, 2)


# -- quiz ---------------------------------------------------------------------------------------


def test_quiz_accepts_answers_within_tolerance_and_explains_wrong_ones() -> None:
    truth = 0.082167041
    assert check_answer("0.0822", truth, 0.01).ok
    assert check_answer("8.2167e-2", truth, 1e-3).ok
    assert check_answer("0,08217", truth, 1e-3).ok
    wrong = check_answer("0.09", truth, 0.01)
    assert not wrong.ok and wrong.value == 0.09 and "Not quite" in wrong.message
    sign = check_answer("-0.0822", truth, 0.01)
    assert not sign.ok and "sign" in sign.message
    close = check_answer("0.0835", truth, 0.01)
    assert not close.ok and "rounding" in close.message
    junk = check_answer("about 0.08", truth, 0.01)
    assert not junk.ok and junk.value is None and "not a number" in junk.message
    assert check_answer("0", 0.0, 0.01).ok


def test_parse_answer_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        parse_answer("inf")
    assert parse_answer(" −2.5 ") == -2.5


# -- export -------------------------------------------------------------------------------------


def tiny_trace():
    p = get_preset("tiny classifier")
    run = StepRun.start(p.net)
    return p, make_trace(p, run, Controls(0.5, "tanh", "sigmoid", "bce", 4, True))


def test_json_export_holds_every_number_of_the_trace() -> None:
    p, trace = tiny_trace()
    data = json.loads(trace_json(trace, p.neuron_names, {"preset": p.name}))
    assert data["settings"] == {"preset": p.name} and data["sizes"] == [2, 3, 1]
    assert data["loss"] == trace.loss and data["x"] == trace.x.tolist()
    for l, layer in enumerate(data["layers"]):
        assert layer["layer"] == l + 1
        for name, values in (
            ("W_before", trace.net_before.weights[l]),
            ("b_before", trace.net_before.biases[l]),
            ("z", trace.z[l]),
            ("a", trace.a[l]),
            ("dL_da", trace.dL_da[l]),
            ("delta", trace.delta[l]),
            ("dW", trace.dW[l]),
            ("db", trace.db[l]),
            ("W_after", trace.net_after.weights[l]),
            ("b_after", trace.net_after.biases[l]),
        ):
            assert np.array_equal(np.array(layer[name]), values), name


def test_csv_export_is_long_form_with_exact_values() -> None:
    p, trace = tiny_trace()
    rows = list(csv.DictReader(io.StringIO(trace_csv(trace, p.neuron_names))))
    assert set(rows[0]) == {"quantity", "layer", "row", "column", "value"}

    def value(quantity: str, layer: str, row: str, column: str) -> float:
        hits = [
            r
            for r in rows
            if (r["quantity"], r["layer"], r["row"], r["column"]) == (quantity, layer, row, column)
        ]
        assert len(hits) == 1, (quantity, layer, row, column)
        return float(hits[0]["value"])

    assert value("loss", "", "", "") == trace.loss
    assert value("z", "1", "sample 3", "h2") == trace.z[0][2, 1]
    assert value("delta", "2", "sample 4", "o1") == trace.delta[1][3, 0]
    assert value("dW", "1", "x2", "h3") == trace.dW[0][1, 2]
    assert value("W_after", "2", "h1", "o1") == trace.net_after.weights[1][0, 0]
    assert value("db", "1", "", "h1") == trace.db[0][0]
    n = trace.x.shape[0]
    sizes = trace.net_before.sizes
    per_sample = 4 * n * sum(sizes[1:])  # z, a, dL_da, delta
    matrices = 3 * sum(a * b for a, b in itertools.pairwise(sizes))
    vectors = 3 * sum(sizes[1:])
    assert len(rows) == n * (sizes[0] + sizes[-1] + 1) + 1 + per_sample + matrices + vectors


def test_export_of_a_diverged_step_has_null_instead_of_nan() -> None:
    p = get_preset("single weight")
    run = StepRun.start(p.net)
    controls = Controls(10.0, "tanh", "linear", "mse", 1, False)
    for _ in range(200):
        trace = make_trace(p, run, controls)
        if trace.non_finite:
            break
        run = run.next_iteration(trace)
    assert trace.non_finite
    data = trace_dict(trace, p.neuron_names, {})
    text = json.dumps(data)
    assert "NaN" not in text and "Infinity" not in text
    assert not np.isfinite(evaluate(trace.net_after, p.X, p.Y, "mse")) or trace.non_finite
