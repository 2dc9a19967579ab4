"""The step-through page after issues 12, 11 and 16 (AppTest): text that follows the settings, the
classic banner, the bias conventions, the quiz regrade, credit assignment, the per-sample delta,
consistent size limits, the gradient check's one threshold, the bridges and the share link."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.labs.step_through.test_page_step_through import latex, open_page, open_tab, press

ALL_TEXT_KINDS = ("markdown", "caption", "info", "success", "warning", "error")


def texts(at: AppTest) -> str:
    return "\n".join(str(el.value) for kind in ALL_TEXT_KINDS for el in getattr(at, kind))


def test_classic_description_and_banner_follow_the_settings() -> None:
    at = open_page(preset="classic")
    assert at.success and "digit for digit" in at.success[0].value
    assert "mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example" in at.success[0].value
    assert "two sigmoid hidden units" in texts(at) and "biases fixed" in texts(at)
    at.selectbox(key="step_hidden").select("relu").run()
    at.toggle(key="step_train_biases").set_value(True).run()
    body = texts(at)
    assert not any("digit for digit" in s.value for s in at.success)  # no banner: not the original
    assert "two relu hidden units" in body and "biases trained" in body and "sigmoid hidden" not in body
    assert "hidden activation relu instead of sigmoid" in body and "Matt Mazur" in body
    press(at, "forward", "loss")
    assert next(m for m in at.metric if m.label.startswith("Loss L")).value == "0.282927507"
    at.button(key="step_btn_original").click().run()
    assert at.success and "digit for digit" in at.success[0].value


def test_the_bias_note_gives_each_convention_its_number() -> None:
    at = open_page(preset="classic")
    body = texts(at)
    assert "0.285750887" in body and "one bias per layer, shared" in body  # the original's model
    assert "0.280471447" in body and "each neuron its own bias" in body  # the engine's convention
    assert "0.291027774" in body  # biases fixed, as walked through


def test_single_weight_with_a_sigmoid_says_the_target_is_out_of_reach() -> None:
    at = open_page(output="sigmoid")
    body = texts(at)
    assert "y = sigmoid(w · x)" in body and "y = w · x," not in body
    assert "can never reach the target 12" in body
    assert "can never reach" not in texts(open_page())  # linear: no such note


@pytest.mark.parametrize("sizes", ["2-0-1", "2-50-1"])
def test_custom_sizes_out_of_range_say_the_same_limits(sizes: str) -> None:
    at = open_page(preset="custom")
    at.text_input(key="step_sizes").input(sizes).run()
    message = at.error[0].value
    assert "use 1 to 6 per layer" in message and "512" not in message
    assert f"`{sizes}`" in message and "Still using 2-3-1" in message


def test_neuron_select_label_is_not_broken() -> None:
    at = open_page(preset="custom", sizes="2-3-3-1")
    options = at.selectbox(key="step_neuron").options
    assert "h1.1 · layer 1 (hidden)" in options and not any(o.count("(") != o.count(")") for o in options)


def test_gradient_check_states_one_threshold_and_its_formula() -> None:
    at = open_tab(open_page(preset="classic"), "✅ Gradient check")
    at.button(key="step_btn_gradcheck").click().run()
    body = texts(at)
    assert "1e-05" in body and "1e-6" not in body
    assert "max(|g_backprop| + |g_numeric|, 1e-12)" in body
    assert "agree: every relative error is below 1e-05" in body


def test_quiz_regrades_a_corrected_answer() -> None:
    at = open_page(preset="classic", phase="backward", quiz="1")
    at.text_input(key="step_quiz_text").input("0.5")
    submit = next(b for b in at.button if b.label == "Check my answer")
    submit.click().run()
    assert any("is not within" in e.value for e in at.error)
    # the form is still there: type the right value and check again
    at.text_input(key="step_quiz_text").input("0.0822")
    next(b for b in at.button if b.label == "Check my answer").click().run()
    assert any(s.value.startswith("Right:") for s in at.success)
    assert not any("is not within" in e.value for e in at.error)


def test_quiz_echoes_an_unreadable_answer_as_code() -> None:
    at = open_page(preset="classic", phase="backward", quiz="1")
    at.text_input(key="step_quiz_text").input("[x](http://127.0.0.1:9/)")
    next(b for b in at.button if b.label == "Check my answer").click().run()
    message = next(e.value for e in at.error if "is not a number" in e.value)
    assert message.startswith("`[x](http://127.0.0.1:9/)`")


def test_credit_assignment_bars_for_a_hidden_neuron() -> None:
    at = open_page(preset="classic", phase="backward", weight="w1")
    charts = [c for c in at.get("plotly_chart") if "Credit assignment" in c.proto.spec]
    assert charts, "no credit assignment chart for w1 (feeding h1)"
    assert "opposite directions" in texts(at)
    at = open_page(preset="classic", phase="backward", weight="w5")  # an output weight: no paths
    assert not [c for c in at.get("plotly_chart") if "Credit assignment" in c.proto.spec]


def test_per_sample_delta_toggle_multiplies_delta_by_m() -> None:
    at = open_page(preset="tiny", phase="backward")
    assert "divided by m = 4 because L is a mean" in " ".join(c.value for c in at.caption)
    at.toggle(key="step_per_sample").set_value(True).run()
    assert r"\frac{1}{4}\sum_{s=1}^{4}" in latex(at)
    assert "Nielsen" in " ".join(c.value for c in at.caption)
    assert at.query_params["persample"] in ("1", ["1"])


def test_the_bridges_pytorch_and_show_the_code() -> None:
    at = open_page(preset="classic", phase="update")
    labels = [e.label for e in at.expander]
    assert any("The same in PyTorch" in lab for lab in labels)
    assert any("Show the code: update_pass" in lab for lab in labels)
    script = next(c.value for c in at.code if "import torch" in c.value)
    assert "0.15" in script and "0.55" in script
    rows = next(d.value for d in at.dataframe if "quantity" in d.value.columns)
    assert {"dL/dw5", "dL/dw1", "w5 after", "w8 after"} <= set(rows["quantity"])
    w5 = rows.set_index("quantity").loc["dL/dw5", "this page"]
    assert round(float(w5), 9) == 0.082167041
    for phase, fn in (("forward", "forward_pass"), ("loss", "loss_pass"), ("backward", "backward_pass")):
        at = open_page(preset="classic", phase=phase)
        assert any(f"Show the code: {fn}" in e.label for e in at.expander)


def test_share_link_holds_the_complete_state() -> None:
    at = open_page(preset="tiny", phase="backward-1", weight="w1.2.3", sample="3", lr="0.1")
    link = next(c.value for c in at.code if "preset=" in c.value)
    for part in (
        "preset=tiny",
        "phase=backward-1",
        "weight=w1.2.3",
        "sample=3",
        "lr=0.1",
        "neuron=",
        "loss=bce",
    ):
        assert part in link, part
    assert at.session_state["step_sample"] == 2


def test_why_cross_entropy_section_only_on_the_tiny_classifier() -> None:
    # a "Why?" expander (text diet, issue 12) on the one preset trained with bce
    def labels(at) -> str:
        return " ".join(e.label for e in at.expander)

    for preset in ("single", "classic"):
        assert "Cross-entropy learns faster at a saturated output" not in labels(open_page(preset=preset))
    assert "Why? Cross-entropy learns faster at a saturated output" in labels(open_page(preset="tiny"))
