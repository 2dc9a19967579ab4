"""The vanishing-gradients page in AppTest: every control, its extremes, the URL, and the numbers it shows.

Rendered values are compared with the engine's (``labs.vanishing.model``) computed here
independently. Fragments do not tick in AppTest: the Play test checks the update a Play tick makes
on the rerun that the Play button triggers.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from labs.vanishing.figures import describe_ratio
from labs.vanishing.model import LabSetup, start_lab, train_lab
from labs.vanishing.model_experiments import clipping_experiment, symmetry_experiment
from labs.vanishing.view_settings import PLAY_STEP
from viz.format import fmt

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "5_Vanishing_gradients.py")
EXPLAINED = ("not drawn", "left blank", "cannot show")


# expanders whose charts are drawn only while open (ui/lazy.py): the tests open them
LAZY_EXPANDERS = ("vg_xprofile_open", "vg_clip_open", "vg_symmetry_open", "vg_adam_open")
LAZY_EXPANDERS += ("vg_bound_open", "vg_saturation_open")


def open_page(query: dict[str, str] | None = None, *, expanders_open: bool = True) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for key in LAZY_EXPANDERS if expanders_open else ():
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def _decode(value: object) -> object:
    if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return value


def charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart's figure JSON, by its widget key."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(el.proto.spec)
    return out


def _non_finite(spec: dict) -> int:
    bad = 0
    for trace in spec["data"]:
        for field in ("x", "y", "z"):
            if field not in trace:
                continue
            arr = _decode(trace[field])
            if isinstance(arr, list):
                flat = np.array(arr, dtype=object).ravel() if arr and not isinstance(arr[0], str) else []
                bad += sum(v is None or (isinstance(v, float) and not np.isfinite(v)) for v in flat)
            else:
                bad += int(np.count_nonzero(~np.isfinite(arr)))
    return bad


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def assert_charts_honest(at: AppTest) -> None:
    """Every chart is finite, or a caption says what is left out and why."""
    specs = charts(at)
    assert specs, "the page draws charts"
    gaps = {k: _non_finite(s) for k, s in specs.items()}
    if any(gaps.values()):
        text = captions(at)
        assert any(word in text for word in EXPLAINED), f"gaps {gaps} without an explanation"
    for spec in specs.values():
        assert spec["layout"]["title"]["text"], "every chart has a title"


def assert_losses_finite_or_explained(at: AppTest) -> None:
    """A loss shown as NaN or infinity comes with a caption saying that run overflowed."""
    for label, value in metrics(at).items():
        if "loss after" not in label:
            continue
        if value in ("NaN", "∞", "-∞"):
            activation = label.split(" · ")[0]
            assert f"{activation}: the loss is not a finite number" in captions(at), (label, value)
        else:
            assert np.isfinite(float(value))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str) -> object:
    """The rendered table that has ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


# -- defaults ------------------------------------------------------------------------------------------


def test_defaults_show_the_engines_numbers() -> None:
    at = open_page()
    lab = start_lab(LabSetup())
    ratios = table(at, "‖dW‖ first / output")
    assert list(ratios["activation"]) == ["sigmoid", "relu"]
    for row, r in zip(ratios.to_dict("records"), lab.runs, strict=True):
        assert row["‖dW‖ layer 1"] == fmt(float(r.profile.layer_grad_norms[0]))
        assert row["‖dW‖ output layer"] == fmt(float(r.profile.layer_grad_norms[-1]))
        assert row["‖dW‖ first / output"] == fmt(r.profile.ratio)
    # sigmoid's first layer gets over 100x less than its output layer, relu's within 10x
    assert lab.runs[0].profile.ratio < 1e-2 and 0.1 < lab.runs[1].profile.ratio < 10
    bound = table(at, "largest f'(z)")
    assert list(bound["(largest f')^10"]) == [fmt(0.25**10), "1"]
    specs = charts(at)
    profile = specs["vg_profile_chart"]
    np.testing.assert_allclose(_decode(profile["data"][0]["y"]), lab.runs[0].profile.layer_grad_norms)
    np.testing.assert_allclose(_decode(profile["data"][1]["y"]), lab.runs[0].profile.delta_norms)
    # before training the heatmap would be empty: a caption says what will appear instead
    assert "vg_heatmap_chart" not in specs and "vg_loss_chart" not in specs
    assert any("After the first update, the loss curves and a heatmap" in c.value for c in at.caption)
    assert {
        "vg_adam_chart",
        "vg_derivative_chart",
        "vg_histogram_chart",
        "vg_saturation_chart",
        "vg_sweep_chart",
        "vg_xprofile_chart",
        "vg_clip_chart",
        "vg_symmetry_chart",
        "vg_symmetry_weights_chart",
    } <= set(specs)
    assert metrics(at)["sigmoid · loss after 0 updates"] == fmt(lab.runs[0].losses[0], 4)
    assert at.query_params["acts"] == "sigmoid,relu" and at.query_params["depth"] == "10"
    assert not at.warning
    assert_charts_honest(at)
    assert "Try this" in " ".join(m.value for m in at.markdown)


# -- training ------------------------------------------------------------------------------------------


def test_train_play_pause_and_reset() -> None:
    at = open_page()
    at.button(key="vg_train").click().run()
    expected = train_lab(start_lab(LabSetup()), 100, 0.1)
    assert at.session_state.vg_lab.iteration == 100
    shown = metrics(at)
    for r in expected.runs:
        assert shown[f"{r.activation} · loss after 100 updates"] == fmt(r.losses[-1], 4)
    loss = charts(at)["vg_loss_chart"]
    np.testing.assert_allclose(_decode(loss["data"][0]["y"]), expected.runs[0].losses)
    heat = charts(at)["vg_heatmap_chart"]
    np.testing.assert_allclose(
        _decode(heat["data"][1]["z"]).reshape(11, 100), np.log10(expected.runs[1].grad_norm_matrix())
    )

    # Play: the control reruns the page with playing on, and that run's tick trains PLAY_STEP more
    at.segmented_control(key="vg_play_mode").set_value("▶ Play").run()
    assert at.session_state.vg_playing
    assert at.session_state.vg_lab.iteration == 100 + PLAY_STEP
    # the tick trains in one call at the pace the press measured: the same numbers as one long press
    assert at.session_state.vg_pace[0] == at.session_state.vg_lab.setup
    expected = train_lab(expected, PLAY_STEP, 0.1)
    for r, e in zip(at.session_state.vg_lab.runs, expected.runs, strict=True):
        assert r.losses == e.losses
    assert at.button(key="vg_train").disabled
    at.segmented_control(key="vg_play_mode").set_value("⏸ Pause").run()
    assert not at.session_state.vg_playing
    stopped = at.session_state.vg_lab.iteration
    at.run()
    assert at.session_state.vg_lab.iteration == stopped, "paused: a rerun trains nothing"

    at.button(key="vg_reset").click().run()
    assert at.session_state.vg_lab.iteration == 0
    assert metrics(at)["relu · loss after 0 updates"] == fmt(expected.runs[1].losses[0], 4)


def test_lr_and_optimizer_steer_the_next_updates_other_settings_start_over() -> None:
    at = open_page()
    at.select_slider(key="vg_n").set_value(10).run()
    at.button(key="vg_train").click().run()
    at.select_slider(key="vg_lr").set_value(0.3)
    at.selectbox(key="vg_opt").set_value("momentum").run()
    at.button(key="vg_train").click().run()
    assert at.session_state.vg_lab.iteration == 20
    lab = train_lab(train_lab(start_lab(LabSetup()), 10, 0.1), 10, 0.3, "momentum")
    assert at.session_state.vg_lab.runs[1].losses == pytest.approx(lab.runs[1].losses)
    at.number_input(key="vg_seed").set_value(5).run()
    assert at.session_state.vg_lab.iteration == 0
    assert at.session_state.vg_lab.setup.seed == 5


def test_a_diverging_run_is_stopped_and_explained() -> None:
    at = open_page({"init": "normal", "std": "2", "lr": "10", "n": "50"})
    at.button(key="vg_train").click().run()
    assert not at.exception
    relu = at.session_state.vg_lab.run_of("relu")
    assert relu.diverged
    assert f"relu stopped after {relu.iteration} update" in captions(at)
    assert_charts_honest(at)


# -- every control at its extremes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"depth": "2", "width": "4", "seed": "9999", "lr": "0.0001", "n": "1"},
        {"depth": "30", "width": "4", "init": "he", "opt": "adam"},
        {"depth": "2", "width": "64", "init": "zeros", "data": "blobs", "opt": "momentum"},
        {"init": "normal", "std": "0.001", "data": "sine", "lr": "10"},
        {"init": "normal", "std": "10", "data": "plane", "acts": "sigmoid,tanh,relu,leaky_relu"},
    ],
)
def test_sidebar_extremes_train_without_an_exception(query: dict[str, str]) -> None:
    at = open_page(query)
    setup = at.session_state.vg_lab.setup
    assert setup.depth == int(query.get("depth", 10)) and setup.width == int(query.get("width", 16))
    at.button(key="vg_train").click().run()
    assert not at.exception, at.exception
    assert at.session_state.vg_lab.iteration >= 1
    assert_losses_finite_or_explained(at)
    assert_charts_honest(at)


def test_every_dataset_init_and_optimizer_via_the_widgets() -> None:
    at = open_page({"depth": "3", "width": "8", "n": "10"})
    for dataset in ("circle", "xor", "gaussian", "spiral", "moons", "blobs", "sine", "plane"):
        at.selectbox(key="vg_dataset").set_value(dataset).run()
        assert at.session_state.vg_lab.setup.dataset == dataset
    for init in ("xavier", "he", "zeros", "normal"):
        at.selectbox(key="vg_init").set_value(init).run()
        assert at.session_state.vg_lab.setup.init == init
    # the std slider appears with the normal init
    at.select_slider(key="vg_std").set_value(10.0).run()
    assert at.session_state.vg_lab.setup.std == 10.0
    at.select_slider(key="vg_std").set_value(0.001).run()
    for opt in ("sgd", "momentum", "adam"):
        at.selectbox(key="vg_opt").set_value(opt).run()
        at.button(key="vg_train").click().run()
    assert not at.exception
    assert at.session_state.vg_lab.iteration == 30
    assert_charts_honest(at)


def test_the_deepest_widest_comparison_trains_every_run_alike_and_says_when_a_press_stops_early() -> None:
    at = open_page({"depth": "30", "width": "64", "acts": "sigmoid,tanh,relu,leaky_relu", "n": "500"})
    assert len(charts(at)["vg_profile_chart"]["data"][0]["x"]["bdata"]) > 0
    at.button(key="vg_train").click().run()
    assert not at.exception
    lab = at.session_state.vg_lab
    assert len({r.iteration for r in lab.runs}) == 1, "every run advances alike"
    assert 0 < lab.iteration <= 500
    # a press that stopped at its time budget says how far it got; a finished press says nothing
    stopped_note = any(f"Trained {lab.iteration} of 500" in i.value for i in at.info)
    assert stopped_note == (lab.iteration < 500 and not lab.finished)
    assert_charts_honest(at)


def test_try_this_starts_from_the_ratio_this_page_measured() -> None:
    at = open_page({"depth": "4"})
    sigmoid = start_lab(LabSetup(depth=4)).runs[0].profile
    text = " ".join(m.value for m in at.markdown)
    assert (
        f"with sigmoid and 4 hidden layers, the first layer's gradient is {describe_ratio(sigmoid.ratio)}"
        in text
    )
    assert "Set the depth to 20" in text
    at = open_page({"acts": "relu,tanh", "depth": "20"})
    text = " ".join(m.value for m in at.markdown)
    assert "add sigmoid to the activations" in text and "Set the depth to 10" in text


def test_fewer_than_two_activations_are_explained() -> None:
    at = open_page({"acts": "relu"})
    assert "at least two" in at.warning[0].value
    assert [r.activation for r in at.session_state.vg_lab.runs] == ["relu"]
    at.multiselect(key="vg_acts").set_value([]).run()
    assert not at.exception
    assert "at least two" in at.warning[0].value
    assert any("Choose activations" in i.value for i in at.info)
    assert at.button(key="vg_train").disabled
    assert "vg_profile_chart" not in charts(at)


def test_charts_in_closed_expanders_are_drawn_only_once_opened() -> None:
    """Opening the page builds no chart hidden in a closed expander; opening one draws its charts."""
    at = open_page(expanders_open=False)
    lazy = {
        "vg_xprofile_chart",
        "vg_clip_chart",
        "vg_symmetry_chart",
        "vg_symmetry_weights_chart",
        "vg_derivative_chart",
        "vg_histogram_chart",
        "vg_saturation_chart",
    }
    assert not lazy & set(charts(at)) and "vg_adam_chart" not in charts(at)
    assert "vg_sweep_chart" in charts(at)  # a chart outside the expanders is there
    # the bound's text and table are drawn while closed; only the chart waits
    assert len(table(at, "largest f'(z)")) == 2
    at.session_state["vg_symmetry_open"] = True
    at.run()
    assert {"vg_symmetry_chart", "vg_symmetry_weights_chart"} <= set(charts(at))
    assert not {"vg_derivative_chart", "vg_histogram_chart", "vg_saturation_chart"} & set(charts(at))
    at.session_state["vg_bound_open"] = True
    at.session_state["vg_saturation_open"] = True
    at.run()
    assert {"vg_derivative_chart", "vg_histogram_chart", "vg_saturation_chart"} <= set(charts(at))
    assert not at.exception and not at.warning


# -- the sections' own controls ------------------------------------------------------------------------


def test_histogram_controls_and_the_now_view() -> None:
    at = open_page()
    at.selectbox(key="vg_hist_act").set_value("relu")
    at.multiselect(key="vg_hist_layers").set_value([2, 3, 4, 6, 8, 10]).run()
    hist = charts(at)["vg_histogram_chart"]
    titles = [a["text"] for a in hist["layout"]["annotations"] if a["text"].startswith("layer")]
    lab = start_lab(LabSetup())
    from labs.vanishing.model_experiments import layer_stats

    stats = layer_stats(lab.run_of("relu").initial, lab.data.X_train)
    assert titles[0] == f"layer 2: {stats.dead_units[1]} of 16 dead"
    at.radio(key="vg_hist_when").set_value("now").run()
    at.button(key="vg_train").click().run()
    assert f"after {at.session_state.vg_lab.iteration} updates" in captions(at)
    # fewer layers than chosen: the ones that no longer exist are dropped, with a note
    at.slider(key="vg_depth").set_value(4).run()
    assert at.session_state.vg_hist_layers == [2, 3, 4]
    assert "do not exist with 4 hidden layers" in captions(at)
    at.multiselect(key="vg_hist_layers").set_value([]).run()
    assert any("at least one hidden layer" in i.value for i in at.info)


@pytest.mark.parametrize(("xstd", "clipmax"), [(0.001, 0.1), (10.0, 10.0), (1.0, 1.0)])
def test_exploding_section_std_and_clipping(xstd: float, clipmax: float) -> None:
    at = open_page()
    at.select_slider(key="vg_xstd").set_value(xstd)
    at.toggle(key="vg_clip").set_value(True).run()
    at.select_slider(key="vg_clipmax").set_value(clipmax).run()
    assert not at.exception
    setup = LabSetup(activations=("relu",), init="normal", std=xstd)
    cmp = clipping_experiment(setup, xstd, clipmax, 0.1, "sgd", iterations=60)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{fmt(cmp.global_grad_norm)}**" in text
    assert (
        f"First/output ratio before clipping: "
        f"{fmt(cmp.raw_layer_grad_norms[0] / cmp.raw_layer_grad_norms[-1])}" in text
    )
    clip = charts(at)["vg_clip_chart"]
    assert len([t for t in clip["data"] if t.get("mode") == "lines"]) == 2, (
        "both loss curves with clipping on"
    )
    assert_charts_honest(at)
    at.toggle(key="vg_clip").set_value(False).run()
    clip = charts(at)["vg_clip_chart"]
    assert [t["name"] for t in clip["data"] if t.get("mode") == "lines"] == ["loss without clipping"]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("start", ["zeros", "equal"])
def test_symmetry_controls(activation: str, start: str) -> None:
    at = open_page({"symact": activation, "symstart": start})
    sym = symmetry_experiment("xor", activation, start)
    fix = symmetry_experiment("xor", activation, "random")
    text = " ".join(m.value for m in at.markdown)
    assert f"**{fmt(float(sym.spread[-1].max()))}** from the symmetric start" in text
    assert f"**{fmt(float(fix.spread[-1].max()))}** from random weights" in text
    spread = charts(at)["vg_symmetry_chart"]
    assert all(np.all(_decode(t["y"]) == 0) for t in spread["data"][:2])


# -- the URL ---------------------------------------------------------------------------------------------

SHARED = {
    "acts": "tanh,leaky_relu",
    "depth": "5",
    "width": "8",
    "data": "moons",
    "init": "normal",
    "std": "0.5",
    "seed": "3",
    "lr": "0.03",
    "opt": "adam",
    "n": "10",
    "xstd": "0.3",
    "clip": "1",
    "clipmax": "3",
    "symact": "relu",
    "symstart": "zeros",
    "hact": "leaky_relu",
    "hl": "1-5",
    "when": "now",
}


def test_every_setting_round_trips_through_the_url() -> None:
    at = open_page(SHARED)
    s = at.session_state
    assert s.vg_lab.setup == LabSetup(("tanh", "leaky_relu"), 5, 8, "moons", "normal", 0.5, 3)
    assert (s.vg_lr, s.vg_opt, s.vg_n, s.vg_xstd, s.vg_clip, s.vg_clipmax) == (
        0.03,
        "adam",
        10,
        0.3,
        True,
        3.0,
    )
    assert (s.vg_sym_act, s.vg_sym_start, s.vg_hist_act, s.vg_hist_layers, s.vg_hist_when) == (
        "relu",
        "zeros",
        "leaky_relu",
        [1, 5],
        "now",
    )
    assert {k: at.query_params[k] for k in SHARED} == SHARED
    at.slider(key="vg_depth").set_value(7).run()
    assert at.query_params["depth"] == "7"


def test_bad_url_values_are_named_and_replaced_by_defaults() -> None:
    at = open_page({"acts": "sigmoid,swish", "depth": "99", "lr": "0.07", "init": "orthogonal", "hl": "1-x"})
    notice = at.warning[0].value
    for name in ("`acts`", "`depth`", "`lr`", "`init`", "`hl`"):
        assert name in notice
    assert at.session_state.vg_lab.setup == LabSetup()
    assert at.query_params["depth"] == "10"
