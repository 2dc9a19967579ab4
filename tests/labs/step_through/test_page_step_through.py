"""The step-through page driven as a learner would (AppTest): every phase of every preset, step
back, layer-by-layer backward, controls changed mid-iteration, the quiz, the gradient check,
export and the URL round trip. The numbers on the page are compared with the engine's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core import evaluate, explain_weight, gradient_check, train_step
from labs.step_through.model import get_preset
from labs.step_through.model_losses import saturation_compare
from labs.step_through.model_session import Controls, batch_of, make_trace
from viz.format import num

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "1_Step_through.py")
PHASES = ("forward", "loss", "backward", "update")


def open_page(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def press(at: AppTest, *names: str) -> AppTest:
    for name in names:
        button = at.button(key=f"step_btn_{name}")
        assert not button.disabled, f"{name} is disabled"
        button.click().run()
        assert not at.exception, at.exception
    return at


def enabled(at: AppTest) -> list[str]:
    return [p for p in PHASES if not at.button(key=f"step_btn_{p}").disabled]


def latex(at: AppTest) -> str:
    # the alignment marks of an equation broken across lines ("L_{3} &= ...") are not part of its text
    return "\n".join(el.value.replace(" &", " ") for el in at.latex)


def _block(node, key: str):
    if getattr(node, "key", None) == key:
        return node
    for child in getattr(node, "children", {}).values():
        found = _block(child, key)
        if found is not None:
            return found
    return None


def frame(at: AppTest, key: str):
    """The table the page shows in the container ``key`` (every table sits in a keyed container)."""
    block = _block(at._tree, key)
    assert block is not None, f"no table {key}"
    return block.get("dataframe")[0].value


def has_frame(at: AppTest, key: str) -> bool:
    return _block(at._tree, key) is not None


def metric(at: AppTest, label: str) -> str:
    return next(m for m in at.metric if m.label == label).value


def state(at: AppTest):
    """The preset, run and controls as the page holds them, and the engine's trace for them."""
    ss = at.session_state
    preset = get_preset(
        ss["step_preset"], [int(s) for s in ss["step_sizes_ok"].split("-")], int(ss["step_seed"])
    )
    key = ss["step_preset"]
    if preset.name == "custom":
        key = f"custom {ss['step_sizes_ok']} seed {ss['step_seed']}"
    run = ss["step_runs"][key]
    fixed = preset.fixed_biases
    controls = Controls(
        float(ss["step_lr"]),
        ss["step_hidden"],
        ss["step_output"],
        ss["step_loss"],
        int(ss["step_batch"]),
        bool(ss["step_train_biases"]) and not fixed,
    )
    return preset, run, controls, make_trace(preset, run, controls)


def query(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def select_preset(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="step_preset").select(name).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("preset", ["single weight", "classic 2-2-2", "tiny classifier", "custom"])
def test_every_phase_of_every_preset_shows_the_engines_numbers(preset: str) -> None:
    at = open_page()
    if preset != "single weight":
        select_preset(at, preset)
    p, run, controls, _ = state(at)
    # an independent engine run with the preset's own settings
    X, Y = batch_of(p, controls.batch)
    freeze = p.fixed_biases or not controls.train_biases
    engine = train_step(p.net, X, Y, loss=p.loss, lr=p.lr, freeze_biases=freeze)
    assert controls.lr == p.lr and controls.loss == p.loss
    assert enabled(at) == ["forward"] and at.button(key="step_btn_back").disabled
    press(at, "forward")
    assert enabled(at) == ["loss"] and "phase 1 of 4: Forward" in at.get("progress")[0].proto.text
    for l in range(p.net.n_layers):
        assert np.array_equal(frame(at, f"step_tbl_z{l}").to_numpy(), engine.z[l])
        assert np.array_equal(frame(at, f"step_tbl_a{l}").to_numpy(), engine.a[l])
    press(at, "loss")
    assert metric(at, "Loss L (before the update)") == num(engine.loss)
    assert num(engine.loss) in latex(at)
    for done in range(1, p.net.n_layers + 1):
        press(at, "backward")
        layer = p.net.n_layers - done
        assert np.array_equal(frame(at, f"step_tbl_dW{layer}").to_numpy(), engine.dW[layer])
        assert np.array_equal(frame(at, f"step_tbl_delta{layer}").to_numpy(), engine.delta[layer])
    assert enabled(at) == ["update"]
    press(at, "update")
    params = frame(at, "step_tbl_params")
    after = [w.ravel(order="F") for w in engine.net_after.weights]
    assert np.array_equal(params["after"].to_numpy()[: sum(a.size for a in after)], np.concatenate(after))
    assert metric(at, "Loss after the update") == num(evaluate(engine.net_after, X, Y, p.loss))
    assert enabled(at) == ["forward"]
    press(at, "forward")  # the next iteration starts from the updated weights
    _, run, _, trace = state(at)
    assert run.iteration == 1 and trace.net_before == engine.net_after
    assert metric(at, "Iteration") == "2"


def test_backward_tables_show_db_only_where_the_model_has_biases() -> None:
    at = press(open_page(), "forward", "loss", "backward")  # single weight: y = w * x, no bias
    assert not has_frame(at, "step_tbl_db0")
    per_weight = frame(at, "step_tbl_pw0")
    assert per_weight["dW entry (a_prevᵀ @ delta)"].tolist() == [-20.0]
    at = press(select_preset(at, "classic 2-2-2"), "forward", "loss", "backward")
    _, _, _, trace = state(at)
    # the classic example's biases are frozen, but their gradients are computed and shown
    assert np.array_equal(frame(at, "step_tbl_db1").to_numpy()[0], trace.db[1])


def test_classic_preset_shows_the_published_walk_through() -> None:
    at = open_page(preset="classic")
    assert "digit for digit" in at.success[0].value
    press(at, "forward", "loss")
    assert metric(at, "Loss L (before the update)") == "0.298371109"
    press(at, "backward", "backward", "update")
    text = latex(at)
    assert r"0.138498562 \times 0.593269992 = 0.082167041" in text  # dE/dw5
    assert r"0.4 - 0.5 \times 0.082167041 = 0.35891648" in text  # new w5
    assert metric(at, "Loss after the update") == "0.291027774"
    assert any("summary prints 0.291027924 here" in c.value for c in at.caption)
    at.selectbox(key="step_weight").select("w1").run()
    text = latex(at)
    assert r"w_{5}\,\delta_{o_{1}} + w_{7}\,\delta_{o_{2}}" in text  # the delta recursion for w1
    assert r"0.008771355 \times 0.05 = 0.000438568" in text
    assert r"0.15 - 0.5 \times 0.000438568 = 0.149780716" in text
    published = frame(at, "step_classic_table")
    assert (published["match"] == "✅").all() and len(published) == 19
    note = " ".join(m.value for m in at.markdown)
    assert "0.291027924" in note and "0.291027774" in note and "0.280471447" in note


def test_layer_by_layer_backward_and_step_back() -> None:
    at = open_page(preset="classic")
    at.selectbox(key="step_weight").select("w1").run()
    press(at, "forward", "loss", "backward")
    _, run, _, _ = state(at)
    assert run.layers_done == 1 and run.phase == "backward"
    assert "now at layer 2 (output)" in at.get("progress")[0].proto.text
    assert has_frame(at, "step_tbl_dW1") and not has_frame(at, "step_tbl_dW0")
    assert "has not reached layer 1 (hidden)" in " ".join(m.value for m in at.markdown)
    press(at, "backward")
    assert has_frame(at, "step_tbl_dW0") and "0.000438568" in latex(at)
    press(at, "back", "back")
    assert state(at)[1].phase == "loss" and enabled(at) == ["backward"]
    # with the toggle off, one press walks the whole backward pass
    at.toggle(key="step_layerwise").set_value(False).run()
    press(at, "backward")
    assert state(at)[1].layers_done == 2 and enabled(at) == ["update"]
    # full iteration, then the next one, then step back across the iteration boundary
    press(at, "full", "full")
    _, run, _, _ = state(at)
    assert run.iteration == 1 and run.phase == "update"
    assert run.losses == [pytest.approx(0.298371109, abs=1e-9)]
    press(at, "forward")  # iteration 3 starts
    assert state(at)[1].iteration == 2
    press(at, "back", "back")  # back to its start, then into iteration 2's update
    _, run, _, trace = state(at)
    assert run.iteration == 1 and run.phase == "update" and len(run.history) == 1
    assert round(trace.loss, 9) == 0.291027774  # iteration 2 starts from the once-updated weights
    press(at, "reset")
    assert state(at)[1].pos == 0 and enabled(at) == ["forward"]


def test_changing_the_learning_rate_mid_iteration_recomputes_from_the_same_weights() -> None:
    at = open_page(preset="classic")
    press(at, "forward", "loss", "backward", "backward")
    at.select_slider(key="step_lr").set_value(1.0).run()
    assert not at.exception
    _, run, controls, trace = state(at)
    assert run.phase == "backward" and run.layers_done == 2 and controls.lr == 1.0
    assert any("recomputed from the same starting" in c.value for c in at.caption)
    press(at, "update")
    assert r"0.4 - 1 \times 0.082167041 = 0.317832959" in latex(at)
    assert trace.net_before == get_preset("classic 2-2-2").net


def test_changing_the_activation_mid_iteration_keeps_the_weights() -> None:
    at = open_page(preset="classic")
    press(at, "forward", "loss")
    z_before = frame(at, "step_tbl_z0").to_numpy()
    at.selectbox(key="step_hidden").select("tanh").run()
    _, run, _, trace = state(at)
    assert run.phase == "loss" and trace.net_before.activations == ("tanh", "sigmoid")
    assert np.array_equal(frame(at, "step_tbl_z0").to_numpy(), z_before)
    assert np.array_equal(frame(at, "step_tbl_a0").to_numpy(), np.tanh(z_before))
    assert metric(at, "Loss L (before the update)") == num(trace.loss)


def test_only_valid_output_and_loss_pairings_are_offered() -> None:
    at = open_page(preset="classic")
    at.selectbox(key="step_output").select("softmax").run()
    assert not at.exception
    assert at.selectbox(key="step_loss").options == ["cross_entropy"]
    assert any("Loss switched from half_sse to cross_entropy" in i.value for i in at.info)
    press(at, "forward", "loss")
    assert metric(at, "Loss L (before the update)") == num(state(at)[3].loss)
    at.selectbox(key="step_output").select("sigmoid").run()
    assert at.selectbox(key="step_loss").options == ["mse", "half_sse", "bce"]
    single = open_page()
    assert "softmax" not in single.selectbox(key="step_output").options
    assert "bce" not in single.selectbox(key="step_loss").options
    reasons = " ".join(m.value for m in single.markdown)
    assert "between 0 and 1" in reasons and "needs a softmax output layer" in reasons


def test_quiz_wrong_then_right() -> None:
    at = open_page(preset="classic")
    at.toggle(key="step_quiz").set_value(True).run()
    press(at, "forward", "loss", "backward")
    # the gradient of w5 is held back: no working, no dW table
    assert "0.082167041" not in latex(at) and not has_frame(at, "step_tbl_dW1")
    assert "0.08" not in at.text_input(key="step_quiz_text").placeholder  # nor does the example give it away
    at.text_input(key="step_quiz_text").input("0.5")
    at.button[[b.label for b in at.button].index("Check my answer")].click().run()
    assert not at.exception
    assert any("not within 1.0%" in e.value for e in at.error)
    assert "0.082167041" in latex(at) and has_frame(at, "step_tbl_dW1")  # revealed after answering
    press(at, "backward", "update")
    assert "0.35891648" not in latex(at)  # the new w5 is held back
    at.text_input(key="step_quiz_text").input("0.3589")
    at.button[[b.label for b in at.button].index("Check my answer")].click().run()
    assert any("Right" in s.value for s in at.success)
    assert "0.35891648" in latex(at)


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["step_tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def test_gradient_check_compares_with_finite_differences() -> None:
    at = open_tab(open_page(preset="classic"), "✅ Gradient check")
    assert not has_frame(at, "step_tbl_batch")  # only the open tab is computed
    press(at, "gradcheck")
    table = frame(at, "step_tbl_gradcheck")
    p = get_preset("classic 2-2-2")
    gc = gradient_check(p.net, p.X, p.Y, p.loss)
    assert len(table) == gc.n_params == 12
    assert table.loc["w5", "backprop"] == gc.dW[1][0, 0]
    assert table.loc["w5", "finite differences"] == pytest.approx(gc.num_dW[1][0, 0], rel=1e-12)
    assert table["relative error"].max() < 1e-6
    assert metric(at, "Passes for the check (2P)") == "24" and metric(at, "Passes for backprop") == "2"
    assert "agree" in " ".join(c.value for c in at.caption)
    press(at, "full")  # the same iteration, finished: still the same starting weights
    assert has_frame(at, "step_tbl_gradcheck")
    press(at, "full")  # the next iteration has new weights: the old result is not shown as current
    assert not has_frame(at, "step_tbl_gradcheck")


def test_export_buttons_offer_csv_and_json() -> None:
    at = open_page(preset="tiny")

    def exports() -> dict:
        return {b.key: b.label for b in at.get("download_button") if b.key.startswith("step_dl")}

    assert not exports()
    open_tab(at, "💾 Export")
    assert exports() == {"step_dl_csv": "Download CSV", "step_dl_json": "Download JSON"}


def test_url_round_trip_of_preset_phase_weight_and_controls() -> None:
    at = open_page(preset="classic", phase="backward", weight="w1", lr="0.1", it="1")
    assert not at.warning
    _, run, controls, trace = state(at)
    assert run.iteration == 1 and run.phase == "backward" and run.layers_done == 2 and controls.lr == 0.1
    assert at.selectbox(key="step_weight").value == "w1"
    e = explain_weight(trace, 0, 0, 0)
    assert num(e.gradient) in latex(at)
    assert (
        query(at, "preset") == "classic" and query(at, "phase") == "backward" and query(at, "weight") == "w1"
    )
    assert query(at, "it") == "1" and query(at, "lr") == "0.1"
    press(at, "update")
    assert query(at, "phase") == "update"


def test_bad_url_values_get_a_visible_notice_and_the_defaults() -> None:
    at = open_page(preset="huge", lr="7", phase="sideways", batch="x")
    text = at.warning[0].value
    assert "`preset`" in text and "`lr`" in text and "`phase`" in text and "`batch`" in text
    assert at.session_state["step_preset"] == "single weight"
    at = open_page(preset="classic", phase="backward-5", weight="w99")
    text = at.warning[0].value
    assert "backward-5 needs 5 layers" in text and "`w99`: not a weight name" in text
    at = open_page(preset="classic", weight="zz")
    assert at.warning[0].value.count("`weight`") == 1  # one notice per bad value
    assert state(at)[1].pos == 0 and at.selectbox(key="step_weight").value == "w5"


def test_a_bad_url_value_falls_back_to_the_presets_own_setting() -> None:
    # the link names the tiny classifier: a bad batch size or loss gives that preset's own
    # value (all 4 samples, bce), not an empty setting reported as "switched from None"
    at = open_page(preset="tiny", batch="100", loss="zzz", hidden="foo")
    text = at.warning[0].value
    assert "`batch`" in text and "`loss`" in text and "`hidden`" in text
    ss = at.session_state
    assert (ss["step_batch"], ss["step_loss"], ss["step_hidden"]) == (4, "bce", "tanh")
    assert not any("None" in info.value for info in at.info)


def test_custom_architecture_batch_and_invalid_sizes() -> None:
    at = select_preset(open_page(), "custom")
    at.text_input(key="step_sizes").input("3-4-2").run()
    p, _, _, trace = state(at)
    assert p.sizes == (3, 4, 2) and trace.x.shape == (4, 3)
    at.slider(key="step_batch").set_value(8).run()
    press(at, "forward")
    assert state(at)[3].x.shape == (8, 3)
    at.selectbox(key="step_sample").select(6).run()
    assert "sample 7 of 8" in at.get("plotly_chart")[0].proto.spec
    at.text_input(key="step_sizes").input("2-9-1").run()
    assert not at.exception
    assert any("too wide" in e.value and "Still using 3-4-2" in e.value for e in at.error)
    assert state(at)[0].sizes == (3, 4, 2)
    at.text_input(key="step_sizes").input("2-2-2-2-2-2-1").run()
    assert any("too many" in e.value for e in at.error)
    # a deeper network: the tables show one layer at a time, the learner picks which
    at.text_input(key="step_sizes").input("2-3-3-1").run()
    press(at, "forward")
    assert has_frame(at, "step_tbl_z2") and not has_frame(at, "step_tbl_z0")
    at.get("button_group")[0].set_value(0).run()
    assert has_frame(at, "step_tbl_z0") and not has_frame(at, "step_tbl_z2")
    assert np.array_equal(frame(at, "step_tbl_z0").to_numpy(), state(at)[3].z[0])


def test_diverging_learning_rate_gets_a_clear_message() -> None:
    at = open_page(preset="single", lr="10")
    press(at, "full")
    assert any("went **up**" in w.value for w in at.warning)
    at = open_page(preset="single", lr="10", it="500")
    assert any("diverged after" in w.value for w in at.warning)
    press(at, "full")
    assert any("diverged" in e.value or "NaN" in e.value for e in at.error)
    assert at.button(key="step_btn_forward").disabled and at.button(key="step_btn_full").disabled
    press(at, "back")  # stepping back is always possible
    assert not at.exception


def test_numbers_beyond_what_a_table_shows_are_written_out() -> None:
    # 50 iterations at lr = 10: the weight is about 1e155, beyond the 2**53 a number column takes
    at = open_page(preset="single", lr="10", phase="update", it="50")
    _, _, _, trace = state(at)
    params = frame(at, "step_tbl_params")
    assert params["after"].tolist() == [f"{trace.net_after.weights[0][0, 0]:.9g}"]
    assert "e+" in params["after"].iloc[0] and params["layer"].dtype.kind == "i"


def test_switching_presets_keeps_each_presets_settings_and_progress() -> None:
    at = open_page(preset="classic")
    press(at, "forward", "loss")
    at.select_slider(key="step_lr").set_value(0.1).run()
    select_preset(at, "single weight")
    assert at.session_state["step_lr"] == 0.01 and state(at)[1].pos == 0
    select_preset(at, "classic 2-2-2")
    assert at.session_state["step_lr"] == 0.1 and state(at)[1].phase == "loss"


def test_picking_from_the_diagram_sets_the_weight_and_neuron() -> None:
    at = open_page(preset="classic")
    at.session_state["step_pick_weight"] = (0, 1, 1)  # what a click on the w4 edge leaves behind
    at.session_state["step_pick_neuron"] = (2, 1)
    at.run()
    assert at.selectbox(key="step_weight").value == "w4"
    assert at.selectbox(key="step_neuron").value == "o2"


def test_batch_sample_choice_and_loss_mean_for_the_tiny_classifier() -> None:
    at = open_page(preset="tiny")
    press(at, "forward", "loss")
    at.selectbox(key="step_sample").select(2).run()
    _, _, _, trace = state(at)
    text = latex(at)
    assert "L_{3} =" in text and f"= {num(trace.loss)}" in text
    assert np.array_equal(frame(at, "step_tbl_loss")["sample loss L_s"].to_numpy(), trace.per_sample_loss)


def test_saturated_output_compares_mse_and_cross_entropy() -> None:
    # the section appears only where bce first matters: the tiny classifier, trained with it
    assert not open_page().get("slider") or "step_sat_z" not in [s.key for s in open_page().slider]
    at = open_page(preset="tiny")
    at.slider(key="step_sat_z").set_value(-8.0).run()
    at.radio(key="step_sat_y").set_value("1").run()
    table = frame(at, "step_sat_table")
    s = saturation_compare(np.array([-8.0]), 1.0)
    assert table.loc["delta = dL/dz", "squared error (a − y)²"] == s.delta_mse[0]
    assert table.loc["delta = dL/dz", "cross-entropy (bce)"] == s.delta_bce[0]
    assert "larger" in " ".join(m.value for m in at.markdown)
