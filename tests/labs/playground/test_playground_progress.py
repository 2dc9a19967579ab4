"""Save progress / Load progress: a loaded file continues bit for bit as if it had never been saved."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop_core.progress import dump_progress, load_progress
from labs.playground.view_data import current_problem, take_upload
from labs.playground.view_progress import LAB, progress_payload, restore
from labs.playground.view_session import sync, train
from labs.playground.view_settings import CSV, fit_batch, fit_head, read_settings, set_defaults


def _state(**changes: object) -> dict:
    state: dict = {}
    set_defaults(state)
    state.update(changes)
    _sync(state)
    return state


def _sync(state: dict) -> None:
    problem = current_problem(read_settings(state), state)
    fit_head(state, problem.kind)
    fit_batch(state, problem.n_train)
    sync(state, read_settings(state), problem)


def _same_run(a: dict, b: dict) -> None:
    ra, rb = a["pg_run"], b["pg_run"]
    assert (
        ra.iteration == rb.iteration
        and ra.state.epoch == rb.state.epoch
        and ra.state.cursor == rb.state.cursor
    )
    assert ra.state.net == rb.state.net  # every weight, bit for bit
    assert ra.state.opt_state == rb.state.opt_state
    assert [r.train_loss for r in ra.records[-50:]] == [r.train_loss for r in rb.records[-50:]]
    assert [u.ratios for u in ra.updates[-50:]] == [u.ratios for u in rb.updates[-50:]]


def _round_trip(state: dict) -> dict:
    """Save to a file's bytes and load them into a fresh session."""
    data = dump_progress(LAB, progress_payload(state))
    fresh = _state()
    said = restore(fresh, load_progress(data, LAB))
    assert said.startswith(f"iteration {state['pg_run'].iteration} on ")
    _sync(fresh)  # the page's next run: nothing is rebuilt
    assert fresh["pg_run"] is not None and fresh["pg_run"].iteration == state["pg_run"].iteration
    return fresh


@pytest.mark.parametrize(
    "changes",
    [
        {"pg_opt": "sgd", "pg_batch": 10},
        {"pg_opt": "momentum", "pg_beta": 0.8, "pg_batch": 20, "pg_l2": 1e-3},
        {"pg_opt": "adam", "pg_lr": 0.01, "pg_batch": 1, "pg_clip": 1.0},
        {"pg_opt": "adam", "pg_lr": 0.003, "pg_batch": 0},  # full batch
        {"pg_opt": "momentum", "pg_dataset": "spiral", "pg_layers": 3, "pg_act": "relu", "pg_batch": 50},
        {"pg_opt": "sgd", "pg_dataset": "sine", "pg_lr": 0.1, "pg_batch": 5},
        {"pg_opt": "adam", "pg_dataset": "blobs", "pg_lr": 0.01, "pg_batch": 2},
    ],
    ids=["sgd-10", "momentum-20-l2", "adam-1-clip", "adam-full", "momentum-spiral", "sgd-sine", "adam-blobs"],
)
def test_continuing_from_a_loaded_file_gives_the_same_next_50_iterations(changes: dict) -> None:
    state = _state(**changes)
    train(state, iterations=37)  # mid-epoch, with optimizer memory
    loaded = _round_trip(state)
    assert read_settings(loaded) == read_settings(state)
    train(state, iterations=50)
    train(loaded, iterations=50)
    _same_run(state, loaded)


def test_an_uploaded_csv_travels_in_the_file_with_its_rows() -> None:
    labels = ["yes", '"no, really"']
    rows = "\n".join(f"{0.1 * i!r},{float(np.sin(i))!r},{labels[i % 3 == 0]}" for i in range(40))
    state = _state()
    take_upload(state, "mine.csv", f"x1,x2,label\n{rows}\n".encode())
    _sync(state)
    assert state["pg_dataset"] == CSV
    train(state, iterations=13)
    loaded = _round_trip(state)
    assert loaded["pg_dataset"] == CSV and loaded["pg_csv"][0] == "mine.csv"
    assert np.array_equal(loaded["pg_csv"][1].X, state["pg_csv"][1].X)
    assert loaded["pg_csv"][1].class_names == ("no, really", "yes")
    train(state, iterations=50)
    train(loaded, iterations=50)
    _same_run(state, loaded)


def test_the_history_and_time_travel_survive() -> None:
    state = _state()
    train(state, iterations=25)
    loaded = _round_trip(state)
    r = loaded["pg_run"]
    assert [x.iteration for x in r.records] == list(range(1, 26))
    assert r.records == state["pg_run"].records
    assert r.snapshot_iterations == [0, 25]
    assert r.latest.dW is not None and all(
        np.array_equal(a, b) for a, b in zip(r.latest.dW, state["pg_run"].latest.dW, strict=True)
    )


def test_a_bad_or_newer_file_is_refused_and_changes_nothing() -> None:
    state = _state()
    train(state, iterations=5)
    good = json.loads(dump_progress(LAB, progress_payload(state)))
    target = _state()
    train(target, iterations=3)
    before = dict(target)

    newer = dict(good, format=2)
    with pytest.raises(ValueError, match="made by a newer version of Backprop Lab"):
        restore(target, load_progress(json.dumps(newer).encode(), LAB))
    bad_cases = []
    p = json.loads(json.dumps(good["payload"]))
    p["settings"]["lr"] = "[a](http://x)"
    bad_cases.append((p, "setting `lr` cannot be used"))
    p = json.loads(json.dumps(good["payload"]))
    p["net"]["weights"][0] = [[1.0]]
    bad_cases.append((p, "weights has shape 1x1"))
    p = json.loads(json.dumps(good["payload"]))
    p["optimizer"] = {"name": "adam", "t": 3, "slots": {"m": []}}
    bad_cases.append((p, "optimizer state is not one this page knows"))
    p = json.loads(json.dumps(good["payload"]))
    p["cursor"] = 10_000
    bad_cases.append((p, "beyond its training data"))
    p = json.loads(json.dumps(good["payload"]))
    p["history"]["records"]["iteration"][-1] = 99
    bad_cases.append((p, "history"))
    p = json.loads(json.dumps(good["payload"]))
    del p["net"]
    bad_cases.append((p, "no 'net'"))
    for payload, message in bad_cases:
        with pytest.raises(ValueError, match=message):
            restore(target, payload)
        assert target == before


def test_a_long_history_is_thinned_to_fit_the_file_and_training_still_continues_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from labs.playground import view_progress

    monkeypatch.setattr(view_progress, "HISTORY_BYTES", 20_000)  # room for a few dozen records
    state = _state(pg_opt="momentum")
    train(state, iterations=120)
    loaded = _round_trip(state)
    kept = [r.iteration for r in loaded["pg_run"].records]
    assert (
        kept[-1] == 120
        and len(kept) < 120
        and all(i % loaded["pg_run"].record_stride == 0 for i in kept[:-1])
    )
    assert [u.iteration for u in loaded["pg_run"].updates] == kept
    train(state, iterations=50)
    train(loaded, iterations=50)
    assert loaded["pg_run"].state.net == state["pg_run"].state.net
