"""Save progress / Load progress of the vanishing lab: continuing from a file is bit for bit, and a saved
file always loads back (under the 5 MB limit)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from backprop_core.progress import MAX_PROGRESS_BYTES, dump_progress, load_progress
from labs.vanishing.model import COMPARE_ACTIVATIONS, MAX_ITERATIONS, Lab, LabSetup, start_lab, train_lab
from labs.vanishing.model_progress import (
    HISTORY_DIGITS,
    lab_from_payload,
    lab_to_payload,
    payload_that_fits,
    smallest_file_estimate,
)


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


# -- the file must load back: under MAX_PROGRESS_BYTES (the upload limit) -----------------------------


def _longer(lab: Lab, n: int) -> Lab:
    """``lab`` with its history stretched to ``n`` updates by repeating its real records (for sizes only:
    the values are real, their order is not); the networks and the optimizer are the trained ones."""
    runs = []
    for r in lab.runs:
        k = len(r.records)
        recs = tuple(replace(r.records[i % k], iteration=i + 1, epoch=float(i + 1)) for i in range(n))
        losses = tuple(r.losses[i % (k + 1)] for i in range(n + 1))
        state = replace(r.state, iteration=n, epoch=n)
        runs.append(replace(r, state=state, records=recs, losses=losses))
    return replace(lab, runs=tuple(runs))


def _file(payload: dict) -> bytes:
    return dump_progress("vanishing", payload)


def test_a_long_history_is_rounded_until_the_file_fits_and_training_still_continues_exactly() -> None:
    # the default comparison (2 networks of 10 x 16) near the iteration limit: over 5 MB written exactly
    lab = _longer(train_lab(start_lab(LabSetup()), 30, 0.1, "momentum"), MAX_ITERATIONS - 10)
    assert len(_file({"settings": {}, "lab": lab_to_payload(lab)})) > MAX_PROGRESS_BYTES
    payload = payload_that_fits({}, lab, "vanishing")
    data = _file(payload)
    assert len(data) <= MAX_PROGRESS_BYTES
    assert smallest_file_estimate(lab) >= len(_file({"settings": {}, "lab": lab_to_payload(lab, 4)}))
    loaded = lab_from_payload(load_progress(data, "vanishing")["lab"])
    for a, b in zip(lab.runs, loaded.runs, strict=True):
        for wa, wb in zip([*a.net.weights, *a.net.biases], [*b.net.weights, *b.net.biases], strict=True):
            np.testing.assert_array_equal(wa, wb)  # the networks exactly
        assert a.state.opt_state == b.state.opt_state and a.state.reference_loss == b.state.reference_loss
        assert (a.iteration, a.state.epoch) == (b.iteration, b.state.epoch)
        # the history to 7 significant digits (the first precision that fits here)
        np.testing.assert_allclose(b.losses, a.losses, rtol=5e-7)
        np.testing.assert_allclose(b.grad_norm_matrix(), a.grad_norm_matrix(), rtol=5e-7)
    # the next 10 updates are the same bit for bit, and so is their history
    went_on, from_file = train_lab(lab, 10, 0.1, "momentum"), train_lab(loaded, 10, 0.1, "momentum")
    for a, b in zip(went_on.runs, from_file.runs, strict=True):
        np.testing.assert_array_equal(a.net.weights[0], b.net.weights[0])
        assert a.records[-10:] == b.records[-10:] and a.losses[-10:] == b.losses[-10:]


def test_a_small_comparison_is_still_saved_exactly() -> None:
    lab = train_lab(start_lab(LabSetup(depth=3, width=4)), 12, 0.1, "adam")
    assert payload_that_fits({}, lab, "vanishing")["lab"] == lab_to_payload(lab)


def test_the_largest_comparison_cannot_be_saved_and_save_says_why() -> None:
    from labs.vanishing.view_settings import save_refusal

    # 4 networks of 30 layers x 64 with Adam, at the iteration limit: the weights alone are ~10 MB
    setup = LabSetup(activations=COMPARE_ACTIVATIONS, depth=30, width=64)
    fresh = start_lab(setup)
    assert smallest_file_estimate(fresh) > MAX_PROGRESS_BYTES  # even before the first update
    lab = _longer(train_lab(fresh, 2, 0.001, "adam"), MAX_ITERATIONS)
    with pytest.raises(ValueError, match="too large to load back"):
        payload_that_fits({}, lab, "vanishing")
    why = save_refusal(lab)
    assert (
        why is not None
        and "4 network(s) of 30 hidden layers of 64 would be about" in why
        and "cannot be loaded back" in why
    )
    assert save_refusal(train_lab(start_lab(LabSetup()), 3, 0.1)) is None


@pytest.mark.parametrize(
    ("setup", "optimizer"),
    [
        (LabSetup(activations=COMPARE_ACTIVATIONS, depth=12, width=24), "adam"),
        (LabSetup(activations=("relu",), depth=30, width=8), "sgd"),
        (LabSetup(activations=("sigmoid", "tanh"), depth=6, width=64, init="normal", std=0.5), "momentum"),
    ],
)
def test_the_estimate_is_never_below_the_smallest_file(setup: LabSetup, optimizer: str) -> None:
    lab = _longer(train_lab(start_lab(setup), 20, 0.01, optimizer), 600)
    assert not any(r.diverged for r in lab.runs)
    actual = len(_file({"settings": {"acts": "x" * 80}, "lab": lab_to_payload(lab, HISTORY_DIGITS[-1])}))
    assert actual <= smallest_file_estimate(lab) <= 1.5 * actual
