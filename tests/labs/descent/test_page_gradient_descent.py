"""The gradient descent lab in AppTest: every control of every section, the numbers on the page
against the engine's, URL settings (good and bad), extreme learning rates without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.optimizers import Optimizer
from labs.descent.model import critical_rates, descend, one_weight_example
from labs.descent.model_accumulate import accumulated_gradient, zero_grad_lesson
from labs.descent.model_surfaces import (
    BATCH_MODES,
    NEURON_X,
    NEURON_Y,
    batch_mode_run,
    neuron_net,
    trajectory,
)
from labs.descent.view_settings import (
    accumulation_summary,
    accumulation_table,
    batch_table,
    clicked_start,
    threshold_table,
    times_text,
    weight_steps_table,
    zero_grad_table,
)
from ui.common import big_numbers_as_text
from viz.format import fmt

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "3_Gradient_descent.py")
NEURON = "single neuron (w, b)"


# expanders whose body is built only once opened (ui/lazy.py); the tests open them via their key
LAZY_EXPANDERS = ("gd_s4_accum_open",)


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    for key in LAZY_EXPANDERS:
        app.session_state[key] = True
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_accumulation_chart_is_built_only_once_its_expander_is_opened() -> None:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception

    def keys() -> set[str]:
        return {c.proto.id.rsplit("-", 1)[-1] for c in app.get("plotly_chart")}

    assert "gd_s4_accum_chart" not in keys() and "gd_s4_chart" in keys()
    assert len(app.get("plotly_chart")) == 9
    assert any(e.label == "The useful side: accumulating gradients on purpose" for e in app.expander)
    app.session_state["gd_s4_accum_open"] = True
    app.run()
    assert not app.exception
    assert "gd_s4_accum_chart" in keys() and len(app.get("plotly_chart")) == 10


def table(at: AppTest, first_column: str) -> pd.DataFrame:
    """The dataframe on the page whose first column is ``first_column``."""
    found = [d.value for d in at.dataframe if d.value.columns[0] == first_column]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def boxes(at: AppTest, kind: str) -> str:
    return " ".join(e.value for e in getattr(at, kind))


def chart(at: AppTest, title_part: str) -> dict:
    """The Plotly figure (as JSON) whose title contains ``title_part``."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = [s for s in specs if title_part in s["layout"].get("title", {}).get("text", "")]
    assert len(found) == 1, [s["layout"].get("title", {}).get("text") for s in specs]
    return found[0]


def values(trace: dict, axis: str) -> np.ndarray:
    """A trace's x or y values, decoding Plotly's base64 typed arrays."""
    v = trace[axis]
    if isinstance(v, dict) and "bdata" in v:
        import base64

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def s2_trajectories(ss, start=None) -> list:
    start = start or (float(ss["gd_s2_w1"]), float(ss["gd_s2_w2"]))
    betas = {"beta": ss["gd_s2_beta"], "beta1": ss["gd_s2_beta1"], "beta2": ss["gd_s2_beta2"]}
    return [
        trajectory(
            ss["gd_s2_surface"], Optimizer(name, **betas), ss[f"gd_s2_lr_{name}"], start, ss["gd_s2_steps"]
        )
        for name in ("sgd", "momentum", "adam")
    ]


def test_default_page_shows_the_engine_numbers(at: AppTest) -> None:
    assert at.title[0].value == "⛰️ Gradient descent lab"
    assert [h.value[:2] for h in at.header] == ["1 ", "2 ", "3 ", "4 "]
    assert "Try this" in " ".join(m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 10
    # section 1: table, metrics and regime from the engine
    run = descend(2.0, 0.01, 10)
    pd.testing.assert_frame_equal(table(at, "step k"), weight_steps_table(run))
    rates = critical_rates(one_weight_example())
    metrics = {m.label: m.value for m in at.metric}
    assert fmt(rates.curvature) == "50" and "L'' = 2x^2 = 50" in " ".join(m.value for m in at.markdown)
    assert "$1/L'' = 0.02$" in " ".join(m.value for m in at.markdown)
    assert metrics["r = 1 − lr·L''"] == "0.5"
    assert metrics["distance left"] == f"{fmt(100 * run.remaining, 3)}%"
    assert "converges from one side" in boxes(at, "success")
    # section 2: steps to the threshold per optimiser
    ss = at.session_state
    expected = threshold_table(s2_trajectories(ss), ss["gd_s2_thr"])
    pd.testing.assert_frame_equal(table(at, "optimizer"), expected)
    # section 3: batch modes
    runs = [batch_mode_run(m, (-3.0, 3.0), 0.5, 10, 6 if m == "mini-batch" else 1) for m in BATCH_MODES]
    pd.testing.assert_frame_equal(table(at, "mode"), batch_table(runs))
    assert list(table(at, "mode")["iterations per epoch"]) == [1, 4, 24]
    # section 4: the correct loop and accumulation with k = 4
    pd.testing.assert_frame_equal(table(at, "step"), zero_grad_table(zero_grad_lesson(0.01, 12, True)))
    check = accumulated_gradient(neuron_net(-3.0, 3.0), NEURON_X[:, None], NEURON_Y[:, None], "bce", 4)
    pd.testing.assert_frame_equal(table(at, "batch"), accumulation_table(check))
    summary = table(at, "")
    pd.testing.assert_frame_equal(summary, accumulation_summary(check))
    assert abs(summary["dL/dw"][2]) <= 1e-12 and abs(summary["dL/db"][2]) <= 1e-12
    # the URL holds section 2's settings
    assert at.query_params["surface"] == "neuron" and at.query_params["lr_sgd"] == "1"


def test_times_text_is_short_enough_for_a_metric() -> None:
    assert times_text(1.5) == "1.5×" and times_text(57.66) == "57.7×"
    assert times_text(2500.4) == "2,500×" and times_text(8.04e134) == "8e+134×"


@pytest.mark.parametrize(
    ("lr", "kind", "box"),
    [
        (1e-5, "too slow", "warning"),
        (0.005, "too slow", "warning"),
        (0.02, "one step", "success"),
        (0.03, "oscillating", "success"),
        (0.04, "bouncing", "warning"),
        (0.05, "diverging", "error"),
        (10.0, "diverging", "error"),
    ],
)
def test_section_1_learning_rate_moves_through_the_regimes(
    at: AppTest, lr: float, kind: str, box: str
) -> None:
    at.select_slider(key="gd_s1_lr").set_value(lr).run()
    assert not at.exception
    assert at.session_state["gd_s1_lr"] == lr
    assert f"Regime: {kind}" in boxes(at, box)
    run = descend(2.0, lr, 10)
    # numbers beyond 2**53 (lr = 10) are shown as text, 6 significant digits: the table marks
    # such a number as an error
    shown = table(at, "step k")
    pd.testing.assert_frame_equal(shown, big_numbers_as_text(weight_steps_table(run), 6))
    if lr == 10.0:
        last_loss = shown["L(w_k)"].iloc[-1]
        assert last_loss == f"{run.steps_taken[-1].loss:.6g}" and "e+" in last_loss
        assert shown["step k"].dtype.kind == "i"
    left = {m.label: m.value for m in at.metric}["distance left"]
    if kind == "diverging":
        assert left == times_text(run.remaining)
        assert f"grown to **{fmt(run.remaining, 3)} × the start**" in boxes(at, box)
    else:
        assert left == f"{fmt(100 * run.remaining, 3)}%"
    fig = chart(at, "with 10 steps of lr")
    iterates = next(t for t in fig["data"] if t.get("name", "").startswith("iterates"))
    shown = values(iterates, "x")
    assert np.allclose(shown, run.weights[: len(shown)])


def test_section_1_start_and_steps(at: AppTest) -> None:
    at.slider(key="gd_s1_steps").set_value(50).run()
    at.slider(key="gd_s1_w0").set_value(-5.0).run()
    assert not at.exception
    run = descend(-5.0, 0.01, 50)
    pd.testing.assert_frame_equal(table(at, "step k"), weight_steps_table(run))
    assert len(table(at, "step k")) == 50
    # starting at the minimum: nothing moves, and the page says why
    at.slider(key="gd_s1_w0").set_value(2.4).run()
    assert not at.exception
    assert "Start somewhere other than" in boxes(at, "info")
    assert "nothing moves" in boxes(at, "success")


def test_section_2_surface_optimizers_start_steps_and_threshold(at: AppTest) -> None:
    at.selectbox(key="gd_s2_surface").select("ravine").run()
    ss = at.session_state
    # the surface brings its own start and learning rates, and the URL follows
    assert (ss["gd_s2_w1"], ss["gd_s2_w2"], ss["gd_s2_lr_sgd"]) == (-8.0, 1.5, 0.045)
    assert at.query_params["surface"] == "ravine"
    pd.testing.assert_frame_equal(table(at, "optimizer"), threshold_table(s2_trajectories(ss), 0.01))

    at.select_slider(key="gd_s2_lr_momentum").set_value(0.02)
    at.select_slider(key="gd_s2_beta").set_value(0.5)
    at.select_slider(key="gd_s2_lr_adam").set_value(0.1)
    at.select_slider(key="gd_s2_beta1").set_value(0.8)
    at.select_slider(key="gd_s2_beta2").set_value(0.99).run()
    settings = list(table(at, "optimizer")["settings"])
    assert settings == ["lr = 0.045", "lr = 0.02, β = 0.5", "lr = 0.1, β1 = 0.8, β2 = 0.99"]
    assert at.query_params["beta"] == "0.5" and at.query_params["beta2"] == "0.99"

    at.number_input(key="gd_s2_w1").set_value(5.0)
    at.number_input(key="gd_s2_w2").set_value(-2.0)
    at.number_input(key="gd_s2_steps").set_value(40)
    at.number_input(key="gd_s2_thr").set_value(1.0).run()
    assert not at.exception
    trajs = s2_trajectories(at.session_state, start=(5.0, -2.0))
    shown = table(at, "optimizer")
    pd.testing.assert_frame_equal(shown, threshold_table(trajs, 1.0))
    assert list(shown.columns)[2] == "steps to L ≤ 1"
    assert at.query_params["w1"] == "5" and at.query_params["steps"] == "40"
    # the contour plot draws the engine's paths from the typed start
    fig = chart(at, "paths of 40 steps")
    sgd = next(t for t in fig["data"] if t.get("name", "").startswith("SGD"))
    assert np.allclose(values(sgd, "x"), trajs[0].points[:, 0])
    start = next(t for t in fig["data"] if t.get("name") == "start")
    assert values(start, "x")[0] == 5.0 and values(start, "y")[0] == -2.0


def test_section_2_extreme_learning_rates_diverge_without_a_traceback(at: AppTest) -> None:
    at.selectbox(key="gd_s2_surface").select("curved valley").run()
    at.select_slider(key="gd_s2_lr_sgd").set_value(10.0)
    at.select_slider(key="gd_s2_lr_momentum").set_value(10.0)
    at.select_slider(key="gd_s2_lr_adam").set_value(1e-5).run()
    assert not at.exception
    assert "SGD and Momentum diverged" in boxes(at, "error")
    shown = table(at, "optimizer")[table(at, "optimizer").columns[2]]
    trajs = s2_trajectories(at.session_state)
    assert shown[0] == f"never: diverged at step {len(trajs[0].points)}"
    assert shown[2] == f"not within {trajs[2].steps} steps"


def test_settings_come_from_the_url(at: AppTest) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update({"surface": "valley", "lr_sgd": "0.02", "beta": "0.5", "w1": "0.5", "w2": "2"})
    app.run()
    assert not app.exception
    ss = app.session_state
    assert ss["gd_s2_surface"] == "curved valley"
    assert (ss["gd_s2_lr_sgd"], ss["gd_s2_beta"], ss["gd_s2_w1"], ss["gd_s2_w2"]) == (0.02, 0.5, 0.5, 2.0)
    # values the link did not give come from the valley's own defaults
    assert ss["gd_s2_lr_adam"] == 0.1
    assert not app.warning


def test_bad_url_values_give_notices_and_defaults() -> None:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update({"surface": "bowl", "lr_sgd": "0.07", "steps": "abc", "beta": "1.5", "w1": "8"})
    app.run()
    assert not app.exception
    notice = boxes(app, "warning")
    for name in ("surface", "lr_sgd", "steps", "beta", "outside"):
        assert name in notice, notice
    ss = app.session_state
    assert (ss["gd_s2_surface"], ss["gd_s2_lr_sgd"], ss["gd_s2_steps"], ss["gd_s2_beta"]) == (
        NEURON,
        1.0,
        150,
        0.9,
    )
    assert (ss["gd_s2_w1"], ss["gd_s2_w2"]) == (-3.0, 3.0)


def test_section_3_batch_controls(at: AppTest) -> None:
    at.select_slider(key="gd_s3_lr").set_value(1.0)
    at.slider(key="gd_s3_epochs").set_value(3)
    at.select_slider(key="gd_s3_batch").set_value(4)
    at.number_input(key="gd_s3_seed").set_value(5)
    at.number_input(key="gd_s3_w").set_value(-1.0)
    at.number_input(key="gd_s3_b").set_value(2.0).run()
    assert not at.exception
    runs = [batch_mode_run(m, (-1.0, 2.0), 1.0, 3, 4 if m == "mini-batch" else 1, 5) for m in BATCH_MODES]
    shown = table(at, "mode")
    pd.testing.assert_frame_equal(shown, batch_table(runs))
    assert list(shown["iterations run"]) == [3, 18, 72]
    fig = chart(at, "3 epochs of each batch mode")
    single = next(t for t in fig["data"] if t.get("name") == "one sample at a time")
    assert np.allclose(values(single, "y"), runs[2].points[:, 1])
    # an extreme learning rate: a message, no traceback
    at.select_slider(key="gd_s3_lr").set_value(10.0).run()
    assert not at.exception


def test_section_4_forgetting_zero_grad_and_accumulation(at: AppTest) -> None:
    at.toggle(key="gd_s4_forget").set_value(True).run()
    assert not at.exception
    bad = zero_grad_lesson(0.01, 12, False)
    pd.testing.assert_frame_equal(table(at, "step"), zero_grad_table(bad))
    assert "never reset" in " ".join(m.value for m in at.markdown)
    shown = table(at, "step")
    assert np.allclose(
        shown["stored .grad (what step() uses)"], np.cumsum(shown["fresh dL/dw (this backward)"])
    )
    at.select_slider(key="gd_s4_lr").set_value(0.04)
    at.slider(key="gd_s4_steps").set_value(40).run()
    assert not at.exception
    pd.testing.assert_frame_equal(table(at, "step"), zero_grad_table(zero_grad_lesson(0.04, 40, False)))

    at.slider(key="gd_s4_k").set_value(7).run()
    check = accumulated_gradient(neuron_net(-3.0, 3.0), NEURON_X[:, None], NEURON_Y[:, None], "bce", 7)
    batches = table(at, "batch")
    assert len(batches) == 7 and list(batches["samples"]) == [4, 4, 4, 3, 3, 3, 3]
    pd.testing.assert_frame_equal(batches, accumulation_table(check))
    summary = table(at, "")
    assert abs(summary["dL/dw"][2]) <= 1e-12 and abs(summary["dL/db"][2]) <= 1e-12
    assert f"{fmt(check.difference, 2)}" in boxes(at, "success")


def test_clicked_point_becomes_a_start_inside_the_box() -> None:
    box = (-4.0, 6.0, -5.0, 5.0)
    selection = {"selection": {"points": [{"x": 1.23456, "y": -2.0001, "curve_number": 1}]}}
    assert clicked_start(selection, box) == (1.235, -2.0)
    assert clicked_start({"selection": {"points": [{"x": 99.0, "y": -99.0}]}}, box) == (6.0, -5.0)
    assert clicked_start({"selection": {"points": []}}, box) is None
    assert clicked_start(None, box) is None
    assert clicked_start({"selection": {"points": [{"x": "a", "y": 1}]}}, box) is None


def test_section_3_warns_when_the_learning_rate_is_too_large_for_noisy_gradients(at: AppTest) -> None:
    assert "noisy runs end far above" not in boxes(at, "warning")  # lr 0.5: every run settles
    at.select_slider(key="gd_s3_lr").set_value(10.0).run()
    assert not at.exception
    one = batch_mode_run("one sample at a time", (-3.0, 3.0), 10.0, 10, 1, 0)
    full = batch_mode_run("full batch", (-3.0, 3.0), 10.0, 10, 1, 0)
    assert one.loss[-1] > 2 * full.loss[-1]
    text = boxes(at, "warning")
    assert f"one sample at a time {fmt(float(one.loss[-1]), 3)}" in text
    assert f"full batch's loss ({fmt(float(full.loss[-1]), 3)})" in text


def test_section_2_names_every_optimizer_that_diverged(at: AppTest) -> None:
    at.selectbox(key="gd_s2_surface").select("curved valley").run()
    start = (at.session_state["gd_s2_w1"], at.session_state["gd_s2_w2"])
    for name in ("sgd", "momentum"):
        assert trajectory("curved valley", Optimizer(name), 10.0, start, 150).diverged
    at.select_slider(key="gd_s2_lr_sgd").set_value(10.0).run()
    assert not at.exception
    errors = boxes(at, "error")
    assert "SGD diverged" in errors and "Lower its learning rate." in errors
    at.select_slider(key="gd_s2_lr_momentum").set_value(10.0).run()
    errors = boxes(at, "error")
    assert "SGD and Momentum diverged" in errors and "Lower their learning rates." in errors
