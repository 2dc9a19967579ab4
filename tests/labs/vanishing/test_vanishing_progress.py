"""Save progress / Load progress of the vanishing lab: continuing from a file is bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop_core.progress import dump_progress, load_progress
from labs.vanishing.model import Lab, LabSetup, start_lab, train_lab
from labs.vanishing.model_progress import lab_from_payload, lab_to_payload


def round_trip(lab: Lab) -> Lab:
    return lab_from_payload(load_progress(dump_progress("vanishing", lab_to_payload(lab)), "vanishing"))


def assert_same(a: Lab, b: Lab) -> None:
    assert a.setup == b.setup
    for ra, rb in zip(a.runs, b.runs, strict=True):
        assert ra.iteration == rb.iteration and ra.diverged == rb.diverged
        assert ra.stop_reason == rb.stop_reason
        assert ra.losses == rb.losses  # floats compared exactly
        assert ra.records == rb.records
        for wa, wb in zip([*ra.net.weights, *ra.net.biases], [*rb.net.weights, *rb.net.biases], strict=True):
            np.testing.assert_array_equal(wa, wb)
        assert ra.state.opt_state == rb.state.opt_state
        assert ra.state.reference_loss == rb.state.reference_loss


@pytest.mark.parametrize(
    ("optimizer", "acts", "lr"),
    [("adam", ("sigmoid", "relu"), 0.01), ("momentum", ("tanh", "leaky_relu"), 0.1), ("sgd", ("relu",), 0.1)],
)
def test_continuing_from_a_saved_file_gives_the_same_next_iterations_bit_for_bit(optimizer, acts, lr) -> None:
    setup = LabSetup(activations=acts, depth=5, width=8, seed=3)
    lab = train_lab(start_lab(setup), 23, lr, optimizer)
    loaded = round_trip(lab)
    assert_same(lab, loaded)
    # the next 17 iterations, with and without the detour through the file
    assert_same(train_lab(lab, 17, lr, optimizer), train_lab(loaded, 17, lr, optimizer))


def test_a_diverged_run_and_a_fresh_lab_round_trip() -> None:
    setup = LabSetup(activations=("relu", "tanh"), init="normal", std=3.0, depth=6, width=8)
    lab = train_lab(start_lab(setup), 5, 1.0)
    assert lab.runs[0].diverged
    assert_same(lab, round_trip(lab))
    fresh = start_lab(LabSetup())
    assert_same(fresh, round_trip(fresh))


def test_damaged_or_newer_files_are_refused_with_a_message() -> None:
    lab = train_lab(start_lab(LabSetup(depth=3, width=4)), 4, 0.1)
    good = json.loads(dump_progress("vanishing", lab_to_payload(lab)))
    newer = dict(good, format=99)
    with pytest.raises(ValueError, match="newer version of Backprop Lab"):
        load_progress(json.dumps(newer).encode(), "vanishing")
    cases = {
        "wrong shape": lambda p: p["runs"][0]["weights"][0].pop(),
        "bad iteration": lambda p: p["runs"][0].__setitem__("iteration", -1),
        "missing optimizer": lambda p: p["runs"][1].pop("optimizer"),
        "unknown activation": lambda p: p["setup"].__setitem__("activations", ["swish"]),
        "history too short": lambda p: p["runs"][0]["losses"].pop(),
        "weights as text": lambda p: p["runs"][0]["weights"][1][0].__setitem__(0, "1"),
    }
    for name, damage in cases.items():
        payload = json.loads(json.dumps(good["payload"]))
        damage(payload)
        with pytest.raises(ValueError) as info:
            lab_from_payload(payload)
        assert "Traceback" not in str(info.value), name
