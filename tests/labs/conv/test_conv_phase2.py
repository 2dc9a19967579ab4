"""The convolution page on the phase-2 APIs: URL state and share link, progress files (bit-for-bit
continuation), crafted URL values (tests/corpus/url_conv.txt) and presenter mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.progress import dump_progress, load_progress
from labs.conv import model
from labs.conv.model_progress import lab_from_payload, lab_payload
from labs.conv.view_state import BACK_STEPS, PARAMS
from tests.labs.url_corpus import check_parse_messages, read_corpus, run_corpus
from ui.progress import progress_file_name

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "7_Convolutions.py")


def same_lab(a: model.Lab, b: model.Lab) -> None:
    assert (a.iteration, a.losses, a.train_acc, a.test_acc, a.optimizer, a.seed) == (
        b.iteration, b.losses, b.train_acc, b.test_acc, b.optimizer, b.seed,
    )  # fmt: skip
    for p, q in zip(a.net.params, b.net.params, strict=True):
        assert np.array_equal(p, q)
    assert a.state == b.state


@pytest.mark.parametrize(
    ("filters", "layers", "opt", "lr"), [(4, 1, "sgd", 0.3), (2, 2, "adam", 0.01), (3, 1, "momentum", 0.1)]
)
def test_continuing_from_a_progress_file_is_bit_for_bit(
    filters: int, layers: int, opt: str, lr: float
) -> None:
    lab = model.train(model.start_lab(filters, layers, seed=5), 6, lr, opt)
    data = dump_progress("conv", lab_payload(lab, {"lr": lr, "opt": opt}))
    loaded, options = lab_from_payload(load_progress(data, "conv"))
    assert options == {"lr": lr, "opt": opt}
    same_lab(loaded, lab)
    same_lab(model.train(loaded, 4, lr, opt), model.train(lab, 4, lr, opt))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda p: p.update(filters=5), "not ones this page offers"),
        (lambda p: p["params"].pop(), "do not fit"),
        (lambda p: p.update(iteration=2), "history 'losses' is damaged"),
        (lambda p: p.update(optimizer="rmsprop"), "no known optimizer"),
        (lambda p: p.pop("test_acc"), "no 'test_acc'"),
    ],
)
def test_a_damaged_progress_file_is_refused(change, says: str) -> None:
    lab = model.train(model.start_lab(2, 1, seed=1), 3, 0.3, "sgd")
    payload = load_progress(dump_progress("conv", lab_payload(lab, {"lr": 0.3, "opt": "sgd"})), "conv")
    change(payload)
    with pytest.raises(ValueError, match=says):
        lab_from_payload(payload)


def test_every_refused_url_value_gets_a_quoted_message() -> None:
    assert check_parse_messages(read_corpus("conv"), PARAMS) > 200


def test_crafted_url_values_on_the_page() -> None:
    assert run_corpus(PAGE, "conv", PARAMS) >= 20


def test_the_link_restores_the_page_and_the_share_block_shows_it() -> None:
    query = dict(filters="2", layers="2", seed="3", lr="0.1", opt="adam", img="17", filter="2", channel="2",
                 pos="5", zoom="1", back="4", uv="4", kpos="7")  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state
    assert (s.cv_filters, s.cv_layers, s.cv_seed, s.cv_lr, s.cv_opt) == (2, 2, 3, 0.1, "adam")
    assert (s.cv_img, s.cv_filter, s.cv_pos, s.cv_zoom, s.cv_uv, s.cv_kpos) == (17, 2, 5, True, 4, 7)
    assert s.cv_back == BACK_STEPS[3]
    links = [c.value for c in at.get("code") if "filters=2" in c.value]
    assert links and all(f"{k}={v}" in links[0] for k, v in query.items())
    assert not at.warning  # every value was valid


def test_the_page_loads_a_progress_file() -> None:
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    lab = model.train(model.start_lab(3, 1, seed=9), 5, 0.1, "momentum")
    data = dump_progress("conv", lab_payload(lab, {"lr": 0.1, "opt": "momentum"}))
    at.get("file_uploader")[0].upload(progress_file_name("conv"), data, "application/json")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("Progress loaded: iteration 5")
    s = at.session_state
    assert (s.cv_filters, s.cv_layers, s.cv_seed, s.cv_lr, s.cv_opt) == (3, 1, 9, 0.1, "momentum")
    same_lab(s.cv_lab, lab)
    # a file of another lab changes nothing
    at.get("file_uploader")[0].upload(
        progress_file_name("conv"), dump_progress("rnn", {}), "application/json"
    )
    at.run()
    assert "another page" in at.error[0].value
    same_lab(at.session_state.cv_lab, lab)


def test_presenter_mode_from_the_link() -> None:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["presenter"] = "1"
    at.run()
    assert not at.exception
    assert at.session_state.presenter is True
