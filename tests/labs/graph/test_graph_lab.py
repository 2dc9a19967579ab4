"""The computational-graph lab: the model (layout, steps, paths, cache, finite differences), the
figure, and the page with AppTest (every preset through a full backward pass, refusals)."""

from __future__ import annotations

import math
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.graph import evaluate
from labs.graph import figures, model, text
from ui.common import LEARNING_PATH

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "2_Computational_graph.py")
KEYS = [k for k in model.PRESETS if k != model.CUSTOM]


# -- model and figure ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_layout_puts_inputs_above_users(key: str) -> None:
    trace = model.build(key).trace
    pos = model.layout(trace)
    assert set(pos) == set(range(len(trace.nodes)))
    for n in trace.nodes:
        assert all(pos[k][0] < pos[n.index][0] for k in n.inputs)
    # no two nodes on the same spot
    assert len({p for p in pos.values()}) == len(pos)


@pytest.mark.parametrize("key", KEYS)
def test_figure_is_valid_at_every_step(key: str) -> None:
    trace = model.build(key).trace
    pos = model.layout(trace)
    for step in (0, 1, len(trace.backward_steps)):
        current = trace.backward_steps[step - 1].node if step else None
        fig = figures.graph_figure(trace, pos, step, current)
        go.Figure(fig.to_dict())  # full validation of the unvalidated dicts
    texts = fig.data[3].text
    assert len(texts) == len(trace.nodes) and all(
        "grad" in t for t, n in zip(texts, trace.nodes, strict=True) if n.needs_grad
    )


def test_grads_after_steps() -> None:
    trace = model.build("fanout").trace
    a = trace.leaves["a"]
    assert model.grads_after(trace, 0)[a] is None
    done = model.grads_after(trace, len(trace.backward_steps))
    assert done[a] == 4.0 and done[trace.output] == 1.0


def test_step_text_writes_the_chain_rule_and_accumulation() -> None:
    trace = model.build("fanout").trace
    lines = ["\n".join(text.step_lines(trace, k)) for k in range(len(trace.backward_steps))]
    assert "1 × 1 (local) = 1" in lines[0]
    assert "AddBackward0" in lines[0]
    second = [ln for ln in lines if "reached before" in ln]
    assert second and "1 + 3 = **4**" in second[0]
    assert "AccumulateGrad" in lines[-1]


def test_paths_sum_to_the_gradient_and_match_the_delta_recursion() -> None:
    trace = model.build(model.CLASSIC).trace
    assert len(model.paths(trace, "w5")) == 1 and len(model.paths(trace, "w1")) == 2
    for leaf in ("w1", "w5", "b1_1"):
        assert sum(p for _, p in model.paths(trace, leaf)) == pytest.approx(trace.grads[leaf], abs=1e-15)
    d = model.delta_w5()
    assert d.dw5 == pytest.approx(trace.grads["w5"], abs=1e-15)
    assert d.delta_o1 == pytest.approx(d.dL_da * d.dsigma, abs=1e-15)


@pytest.mark.parametrize("key", KEYS)
def test_finite_differences_agree(key: str) -> None:
    for name, g, fd, diff in model.fd_check(model.build(key).trace):
        assert diff <= 1e-7 * max(1.0, abs(g)), (name, g, fd)


def test_backward_twice_doubles_and_cache_counts() -> None:
    trace = model.build("seed").trace
    assert model.backward_twice(trace, 2) == [(n, g, 2 * g) for n, g in trace.grads.items()]
    c = model.cache_summary(trace)
    # (y - w*x)**2: * keeps w and x, - keeps nothing, **2 keeps its input: 3 values, 6 nodes
    assert (c.nodes, c.operations, c.saved) == (6, 3, 3)


def test_parse_values() -> None:
    assert model.parse_values("w = 2, x=-5.5,y=1e-3") == {"w": 2.0, "x": -5.5, "y": 0.001}
    for bad, problem in (("w 2", "name = number"), ("w = two", "not a number"), ("w = inf", "finite")):
        with pytest.raises(ValueError, match=problem):
            model.parse_values(bad)


def test_presets_from_the_issue() -> None:
    seed = model.build("seed").trace
    assert seed.grads["w"] == -20.0
    assert model.build("fanout").trace.grads["a"] == 4.0
    classic = model.build(model.CLASSIC).trace
    assert {"w1", "w8", "b1_1"} <= set(classic.grads)
    assert math.isclose(classic.value, 0.298371109, abs_tol=1e-9)


def test_learning_path_position() -> None:
    paths = [p for p, *_ in LEARNING_PATH]
    assert paths.index("pages/2_Computational_graph.py") == 1
    assert paths[0] == "pages/1_Step_through.py" and paths[2] == "pages/3_Gradient_descent.py"


# -- the page ---------------------------------------------------------------------------------------


def _app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def test_page_opens_with_intro_and_ends_with_try_this() -> None:
    at = _app()
    assert at.title[0].value.endswith("The computational graph")
    assert any("Try this" in m.value for m in at.markdown)
    assert at.session_state.cg_preset == "seed" and at.session_state.cg_step == 0
    assert any("PyTorch" in e.label for e in at.expander) and any(
        "Show the code" in e.label for e in at.expander
    )


@pytest.mark.parametrize("key", [*KEYS, model.CUSTOM])
def test_every_preset_through_a_full_backward_pass(key: str) -> None:
    at = _app()
    at.radio(key="cg_preset").set_value(key).run()
    total = len(model.build(key, *model.DEFAULT_CUSTOM).trace.backward_steps)
    clicks = total if total <= 12 else 3
    for k in range(clicks):
        at.button(key="cg_next").click().run()
        assert not at.exception
        assert at.session_state.cg_step == k + 1
        assert any(f"Step {k + 1} of {total}" in m.value for m in at.markdown)
    at.button(key="cg_end").click().run()
    assert at.session_state.cg_step == total
    assert any("Backward is done" in s.value for s in at.success)
    at.button(key="cg_back").click().run()
    assert at.session_state.cg_step == total - 1
    at.button(key="cg_reset").click().run()
    assert at.session_state.cg_step == 0 and not at.exception


def test_backward_again_doubles_then_zero_grad() -> None:
    at = _app()
    at.button(key="cg_again").click().run()
    assert at.session_state.cg_calls == 2
    frame = next(d.value for d in at.dataframe if ".grad after 2 call(s)" in d.value.columns)
    assert list(frame.iloc[:, 2]) == [2 * g for g in frame.iloc[:, 1]]
    at.button(key="cg_zero").click().run()
    assert at.session_state.cg_calls == 1


def test_switching_example_resets_the_pass() -> None:
    at = _app()
    at.button(key="cg_end").click().run()
    at.radio(key="cg_preset").set_value("tanh").run()
    assert at.session_state.cg_step == 0


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("x.__class__", "x = 1", "attribute access"),
        ("<b>x</b> + **y**", "x = 1", "not well formed"),
        ("exp(x) + q", "x = 1", "no value is given"),
        ("x + 1", "x = nan", "finite"),
        ("x + 1", "x: 1", "name = number"),
        ("2 * 3", "", "uses no names"),
    ],
)
def test_typed_input_refused_with_a_clear_message(expression: str, values: str, message: str) -> None:
    at = _app()
    at.radio(key="cg_preset").set_value(model.CUSTOM).run()
    at.text_input(key="cg_expr").set_value(expression).run()
    at.text_input(key="cg_values").set_value(values).run()
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value.replace("\\", "")
    # the learner's text is echoed only inside a code block, never as markdown
    assert any(expression[:20] in c.value for c in at.code) or message in ("finite", "name = number")
    assert not at.get("plotly_chart")  # nothing drawn from refused input
    assert not any("<b>" in m.value for m in at.markdown)


def test_non_finite_is_shown_not_raised() -> None:
    at = _app()
    at.radio(key="cg_preset").set_value(model.CUSTOM).run()
    at.text_input(key="cg_expr").set_value("log(x) + y/x").run()
    at.text_input(key="cg_values").set_value("x = 0, y = 1").run()
    at.button(key="cg_end").click().run()
    assert not at.exception and not at.error
    assert any("inf or NaN" in w.value for w in at.warning)


def test_typed_expression_works() -> None:
    at = _app()
    at.radio(key="cg_preset").set_value(model.CUSTOM).run()
    at.text_input(key="cg_expr").set_value("L = sigmoid(a*b + a)").run()
    at.text_input(key="cg_values").set_value("a = 0.5, b = -1").run()
    assert not at.exception and not at.error
    expected = evaluate("sigmoid(a*b + a)", {"a": 0.5, "b": -1.0})
    at.button(key="cg_end").click().run()
    assert at.session_state.cg_step == len(expected.backward_steps)
