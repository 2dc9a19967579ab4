"""The vanishing page in AppTest: its prose names the quantity, the initialisation and the bound
(issue 12 §1, with the model's numbers), and Save progress / Load progress restores a comparison."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from backprop_core.progress import dump_progress
from labs.vanishing.model import LabSetup, start_lab, train_lab
from labs.vanishing.model_experiments import update_sizes
from labs.vanishing.model_progress import lab_to_payload
from viz.format import fmt

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "5_Vanishing_gradients.py")


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# -- the prose: which quantity, which initialisation (issue 12 §1) -----------------------------------


def test_the_prose_names_the_quantity_the_initialisation_and_the_bound() -> None:
    at = open_page()
    words = " ".join(m.value for m in at.markdown)
    relu_x = start_lab(LabSetup(activations=("relu",))).runs[0].profile
    relu_he = start_lab(LabSetup(activations=("relu",), init="he")).runs[0].profile
    # relu keeps ||delta|| only with he init; under xavier only ||dW|| survives: numbers from the model
    assert f"**{fmt(relu_he.delta_ratio, 2)}** with he init" in words
    assert f"**{fmt(relu_x.delta_ratio, 2)}** with xavier init" in words
    assert f"What survives under xavier is ‖dW‖ (ratio {fmt(relu_x.ratio, 2)}" in words
    assert relu_x.delta_ratio < 0.05 < 0.3 < relu_he.delta_ratio
    for wrong in (
        "why ReLU keeps it",
        "only the weights decide",
        "xavier (for sigmoid and tanh)",
        "most* they",
    ):
        assert wrong not in words
    # the bound: what it bounds, in the right direction
    assert "layer 1 would receive at most $0.25^{10}" in words
    assert "\\|\\delta_1\\| \\le" in words and "spectral norm" in words
    assert "No initialisation rescues sigmoid" in words
    assert "no initialisation rescues sigmoid" in at.selectbox(key="vg_init").help
    # Adam and update sizes, measured
    sgd = update_sizes(LabSetup(activations=("sigmoid",)), "sigmoid", "sgd", 0.1, 10)
    adam = update_sizes(LabSetup(activations=("sigmoid",)), "sigmoid", "adam", 0.1, 10)
    assert f"**{fmt(sgd.first_over_output, 2)}** times as far as the output layer under SGD" in words
    assert f"**{fmt(adam.first_over_output, 2)}** times as far under Adam" in words
    # the button promises no more than a press can do
    assert at.button(key="vg_train").label == "Train up to 100"
    at.select_slider(key="vg_n").set_value(1).run()
    assert at.button(key="vg_train").label == "Train 1 iteration"


# -- Save progress / Load progress (issue 11 §4) -----------------------------------------------------


def upload(at: AppTest, data: bytes) -> AppTest:
    at.get("file_uploader")[0].upload("backprop-lab-vanishing-progress.json", data, "application/json")
    return at.run()


def test_loading_a_progress_file_restores_settings_and_networks_and_refuses_a_newer_format() -> None:
    at = open_page()
    settings = {k: at.query_params[k] for k in at.query_params}
    settings.update({"acts": "tanh,relu", "depth": "4", "width": "8", "lr": "0.01", "opt": "adam"})
    setup = LabSetup(activations=("tanh", "relu"), depth=4, width=8)
    lab = train_lab(start_lab(setup), 37, 0.01, "adam")
    data = dump_progress("vanishing", {"settings": settings, "lab": lab_to_payload(lab)})
    upload(at, data)
    assert not at.exception
    assert any("Progress loaded: 2 network(s) after 37 update(s)" in s.value for s in at.success)
    loaded = at.session_state.vg_lab
    assert loaded.setup == setup and loaded.iteration == 37
    assert at.session_state.vg_opt == "adam" and at.session_state.vg_lr == 0.01
    assert at.slider(key="vg_depth").value == 4
    assert metrics(at)["relu · loss after 37 updates"] == fmt(lab.runs[1].losses[-1], 4)
    # the next press continues exactly as the saved comparison would have
    at.select_slider(key="vg_n").set_value(10).run()
    at.button(key="vg_train").click().run()
    expected = train_lab(lab, 10, 0.01, "adam")
    for r, e in zip(at.session_state.vg_lab.runs, expected.runs, strict=True):
        assert r.losses == e.losses
        np.testing.assert_array_equal(r.net.weights[0], e.net.weights[0])
    # a file from a newer version: a clear message, nothing changed
    newer = json.loads(data)
    newer["format"] = 2
    upload(at, json.dumps(newer).encode())
    assert any("newer version of Backprop Lab" in e.value for e in at.error)
    assert at.session_state.vg_lab.iteration == 47


def test_presenter_mode_folds_the_long_prose_and_keeps_every_chart() -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["presenter"] = "1"
    at.run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    for title in (
        "Why ReLU helps, and when (measured)",
        "Adaptive optimizers: Adam and vanishing update sizes",
    ):
        assert any(title in label for label in labels), labels
    assert any("**Why ReLU helps, and when.**" in m.value for m in at.markdown)  # still there, folded


# -- the bridge (issue 16): the deep network's next update in PyTorch -----------------------------


def test_the_pytorch_script_is_built_on_request_and_matches_the_next_update() -> None:
    import importlib.util
    import subprocess
    import sys

    from backprop_core.engine import train_step
    from backprop_core.pytorch import mlp_script

    at = open_page()
    assert not any("One training step" in c.value for c in at.code), "built only when asked"
    at.toggle(key="vg_torch_on").set_value(True).run()
    assert not at.exception
    scripts = [c.value for c in at.code if "One training step of the 2-16-16" in c.value]
    assert len(scripts) == 1
    assert any("Show the code" in e.label for e in at.expander)
    if importlib.util.find_spec("torch") is None:
        return  # the script itself is checked against PyTorch only where torch is installed
    # sigmoid's deep network after 5 Adam updates: the script's next step equals the engine's
    lab = train_lab(start_lab(LabSetup()), 5, 0.01, "adam")
    run = lab.runs[0]
    X, Y = lab.data.X_train, lab.data.Y_train
    script = mlp_script(run.net, X, Y, lab.loss, 0.01, "adam", state=run.state.opt_state)
    out = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    step = train_step(run.net, X, Y, loss=lab.loss, lr=0.01, optimizer="adam", state=run.state.opt_state)
    assert abs(got["loss"] - step.loss) < 1e-9
    for mine, theirs in zip(step.dW, got["dW"], strict=True):
        np.testing.assert_allclose(np.array(theirs), mine, rtol=0, atol=1e-9)
    for mine, theirs in zip(step.net_after.weights, got["W_after"], strict=True):
        np.testing.assert_allclose(np.array(theirs), mine, rtol=0, atol=1e-9)


def test_save_is_off_with_the_reason_where_the_file_could_not_be_loaded_back() -> None:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"acts": "sigmoid,tanh,relu,leaky_relu", "depth": "30", "width": "64"})
    at.run()
    assert not at.exception
    save = at.get("download_button")
    save = next(b for b in save if b.proto.id.endswith("vg_progress_save"))
    assert save.proto.disabled
    why = " ".join(c.value for c in at.sidebar.caption)
    assert (
        "Save is off" in why
        and "4 network(s) of 30 hidden layers of 64 would be about" in why
        and "cannot be loaded back" in why
    )
    # at the page's own settings Save is on
    small = open_page()
    assert not next(
        b for b in small.get("download_button") if b.proto.id.endswith("vg_progress_save")
    ).proto.disabled
