"""The BPTT page on the phase-2 APIs: progress files (bit-for-bit continuation), the divergence rule,
crafted URL values (tests/corpus/url_rnn.txt), the share link and presenter mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.progress import dump_progress, load_progress
from labs.rnn import model, text
from labs.rnn.model import DIVERGENCE_FACTOR, Setup, advance, start_session
from labs.rnn.model_progress import session_from_payload, session_payload
from labs.rnn.view_state import PARAMS
from tests.labs.url_corpus import check_parse_messages, read_corpus, run_corpus
from ui.progress import progress_file_name

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "6_Backprop_through_time.py")


def same_session(a: model.Session, b: model.Session) -> None:
    assert a.losses == b.losses and a.accuracies == b.accuracies and a.diverged == b.diverged
    for p, q in zip(a.net.params, b.net.params, strict=True):
        assert np.array_equal(p, q)
    assert a.state == b.state


@pytest.mark.parametrize(
    ("setup", "opt", "clip", "trunc"),
    [
        (Setup(task="remember", T=8, hidden=4), "adam", None, None),
        (Setup(task="running_sum", T=5, hidden=3, activation="relu", radius=1.2, seed=7), "momentum", 1.0, 2),
        (Setup(task="sine", T=6, hidden=5, seed=3), "sgd", 0.3, 3),
    ],
)
def test_continuing_from_a_progress_file_is_bit_for_bit(setup: Setup, opt: str, clip, trunc) -> None:
    lr = 0.01 if opt == "adam" else 0.05
    session = advance(advance(start_session(setup), 7, lr, opt, clip, trunc), 3, lr, opt, clip, trunc)
    options = {"lr": lr, "opt": opt, "clip": clip or 0.0, "trunc": trunc or 0, "n": 10}
    data = dump_progress("rnn", session_payload(session, options))
    loaded, opts = session_from_payload(load_progress(data, "rnn"))
    assert opts == options
    same_session(loaded, session)
    same_session(advance(loaded, 12, lr, opt, clip, trunc), advance(session, 12, lr, opt, clip, trunc))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda p: p["net"].update(Wh=[[1.0]]), "Wh has shape"),
        (lambda p: p["setup"].update(T=999), "cannot be used"),
        (lambda p: p.pop("losses"), "no 'losses'"),
        (lambda p: p["state"].update(name="rmsprop"), "no known optimizer"),
        (lambda p: p.update(accuracies=[[0, 2.0]]), "accuracy history"),
    ],
)
def test_a_damaged_progress_file_is_refused(change, says: str) -> None:
    session = advance(start_session(Setup()), 3, 0.01, "adam", None, None)
    payload = load_progress(dump_progress("rnn", session_payload(session, {})), "rnn")
    change(payload)
    with pytest.raises(ValueError, match=says):
        session_from_payload(payload)


def test_a_huge_finite_loss_is_flagged_as_diverging() -> None:
    # tanh, spectral radius 1.5, plain gradient descent at lr 1: the loss grows past 1e6 x its start
    # within a few updates while staying finite (the author's report: 5.5e15, not flagged before)
    setup = Setup(task="running_sum", T=20, hidden=8, radius=1.5)
    s = advance(start_session(setup), 50, 1.0, "sgd", None, None)
    assert s.diverged and np.isfinite(s.losses[-1])
    assert s.losses[-1] > DIVERGENCE_FACTOR * s.losses[0]
    assert s.updates < 50
    note = text.diverged_note(s.losses)
    assert "1e+06 times its first value" in note and "Training stopped" in note
    # a run that stays below the multiple is not flagged
    calm = advance(start_session(setup), 20, 0.01, "adam", None, None)
    assert not calm.diverged


def test_every_refused_url_value_gets_a_quoted_message() -> None:
    refused = check_parse_messages(read_corpus("rnn"), PARAMS)
    assert refused > 200  # almost every crafted value on every parameter is refused


def test_crafted_url_values_on_the_page() -> None:
    assert run_corpus(PAGE, "rnn", PARAMS) >= 20


def test_share_link_holds_the_whole_state_and_the_page_loads_progress() -> None:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params.update({"T": "5", "radius": "1.1", "back": "3", "n": "50", "lr": "0.03"})
    at.run()
    assert not at.exception
    link = at.get("code")
    shown = [c.value for c in link if "T=5" in c.value]
    assert shown and all(
        f"{k}=" in shown[0] for k in ("task", "hidden", "act", "seed", "opt", "clip", "trunc")
    )
    assert "back=3" in shown[0] and "n=50" in shown[0] and "radius=1.1" in shown[0]
    # load a saved run through the uploader: the settings and the run come back
    setup = Setup(task="sine", T=7, hidden=3, seed=11)
    session = advance(start_session(setup), 10, 0.02, "momentum", 1.0, None)
    options = {"lr": 0.02, "opt": "momentum", "clip": 1.0, "trunc": 0, "n": 200}
    data = dump_progress("rnn", session_payload(session, options))
    at.get("file_uploader")[0].upload(progress_file_name("rnn"), data, "application/json")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("Progress loaded: 10 updates")
    assert at.session_state.bt_T == 7 and at.session_state.bt_task == "sine" and at.session_state.bt_n == 200
    same_session(at.session_state.bt_session, session)


def test_presenter_mode_from_the_link() -> None:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["presenter"] = "1"
    at.run()
    assert not at.exception
    assert at.session_state.presenter is True
    assert any(e.label.startswith("Why? What the chart says") for e in at.expander)
