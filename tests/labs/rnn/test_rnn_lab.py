"""The backpropagation-through-time lab: its model (tasks, experiments) and the page in AppTest, section by
section, with the numbers it shows compared with the engine's computed here independently.

Fragments do not tick in AppTest: the Play test sets the Play flag and checks the update one tick makes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.rnn import bptt_step, spectral_radius
from labs.rnn import model
from labs.rnn.model import Setup, advance, initial_net, make_task, reach, start_session, task_of
from labs.rnn.text import vector_latex
from labs.rnn.view_state import PLAY_STEP
from viz.format import fmt

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "6_Backprop_through_time.py")


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def chart_keys(at: AppTest) -> set[str]:
    return {el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")}


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error))


# -- model ---------------------------------------------------------------------------------------


def test_tasks_are_drawn_from_the_seed_and_mean_what_they_say() -> None:
    a, b = make_task("remember", 7, 3), make_task("remember", 7, 3)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, make_task("remember", 7, 4).X)
    assert a.Y.shape == (model.BATCH, 1) and not a.every_step
    np.testing.assert_array_equal(a.Y, a.X[:, 0])
    assert set(np.unique(a.X)) == {-1.0, 1.0}
    s = make_task("running_sum", 5, 0)
    np.testing.assert_allclose(s.Y[:, -1], s.X.sum(axis=1))
    w = make_task("sine", 5, 0)
    np.testing.assert_array_equal(w.Y[:, :-1], w.X[:, 1:])
    with pytest.raises(ValueError, match="unknown task"):
        make_task("copy", 5, 0)


@pytest.mark.parametrize("radius", [0.5, 0.9, 1.5])
def test_initial_net_has_the_chosen_spectral_radius(radius: float) -> None:
    net = initial_net(Setup(radius=radius, hidden=6))
    assert spectral_radius(net.Wh) == pytest.approx(radius)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("T", 61, "T = 61"),
        ("hidden", 0, "hidden units"),
        ("radius", 2.0, "spectral radius"),
        ("task", "x", "task"),
    ],
)
def test_setup_rejects_values_beyond_its_limits(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Setup(**{field: value})


def test_reach_measures_the_error_on_its_way_back() -> None:
    small, large = reach(Setup(T=30, radius=0.5)), reach(Setup(T=30, radius=1.5, activation="relu"))
    assert small.ratio < 1e-6 < 1.0 < large.ratio
    assert small.per_step == pytest.approx(small.ratio ** (1 / 29))


def test_truncation_sweep_ends_at_the_full_gradient() -> None:
    s = Setup(T=12)
    points = model.truncation_sweep(initial_net(s), task_of(s))
    assert points[-1].k == 12 and points[-1].cosine == pytest.approx(1.0) and points[-1].norm_ratio == 1.0
    assert points[0].k == 1 and points[0].cosine < 1.0


def test_short_sequences_learn_and_long_ones_do_not() -> None:
    runs = model.accuracy_vs_T(Setup(), Ts=(5, 40))
    assert runs[5].accuracies[-1] >= 0.9
    assert runs[40].accuracies[-1] < 0.7


def test_advance_trains_and_stops_at_divergence() -> None:
    s = Setup(task="sine", T=5)
    first = start_session(s)
    later = advance(first, 20, 0.01, "adam", None, None)
    assert later.updates == 20 and later.losses[-1] < later.losses[0]
    assert first.updates == 0  # sessions are immutable
    broken = replace(first, diverged=True)
    assert advance(broken, 5, 0.1, "sgd", None, None) is broken


# -- the page ------------------------------------------------------------------------------------


def test_page_opens_with_every_section_and_ends_with_try_this() -> None:
    at = open_page()
    headers = [h.value for h in at.header]
    for n in range(1, 8):
        assert any(h.startswith(f"{n} · ") for h in headers), (n, headers)
    assert at.title[0].value.endswith("Backpropagation through time")
    assert "same weights at every time step" in at.markdown[0].value
    assert "Try this" in texts(at) and "spectral radius to **0.90**" in texts(at)
    # the unrolled network is drawn once, in section 2; the charts in the two closed expanders
    # (every step's contribution, the truncation training) only once they are opened (ui/lazy.py)
    assert len(at.get("plotly_chart")) >= 6
    assert not {"bt_contributions_chart", "bt_trunc_train_chart"} & chart_keys(at)
    at.session_state["bt_contributions_open"] = True
    at.run()
    assert "bt_contributions_chart" in chart_keys(at) and not at.exception


def test_section_1_says_wh_is_shared_with_its_measured_radius() -> None:
    at = open_page()
    assert "the same matrix** $W_h$ (4×4, spectral radius 0.9)" in texts(at)
    at.session_state["bt_T"] = 12
    at.run()
    assert "drawn with its numbers for T ≤ 8" in texts(at)


def test_section_2_steps_back_with_the_engines_numbers() -> None:
    at = open_page()
    trace = bptt_step(initial_net(Setup()), *(lambda t: (t.X, t.Y))(task_of(Setup())))
    assert "step t = 6" in texts(at)
    at.button(key="bt_step_back").click().run()
    at.button(key="bt_step_back").click().run()
    assert at.session_state["bt_back"] == 3
    page = texts(at)
    assert "step t = 4" in page
    # the first table on the page is section 2's: delta_4 of sequence 1 as the engine computes it
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["δ4"].to_numpy(), trace.delta[0, 3])
    assert f"= {vector_latex(trace.delta[0, 3])}$" in page  # the recursion written out, with its result
    assert "def backward_through_time" in "\n".join(c.value for c in at.code)
    at.button(key="bt_back_reset").click().run()
    assert at.session_state["bt_back"] == 1
    for _ in range(6):
        at.button(key="bt_step_back").click().run()
    assert at.session_state["bt_back"] == 6 and "Step 1's contribution is 0" in texts(at)


def test_section_3_reports_the_product_of_jacobians_numbers() -> None:
    at = open_page()
    at.select_slider(key="bt_radius").set_value(0.5).run()
    at.slider(key="bt_reach_T").set_value(20).run()
    r = reach(Setup(radius=0.5, T=20))
    page = texts(at)
    assert f"**{fmt(r.ratio, 3)}**" in page and f"**{fmt(r.per_step, 3)}**" in page
    assert "spectral radius is **0.5**" in page


def test_section_4_compares_truncated_and_full() -> None:
    at = open_page({"T": "10"})
    table = at.dataframe[1].value  # section 4's table
    assert table["k"].tolist()[-1] == 10
    # the training comparison runs only once its expander is open (ui/lazy.py)
    assert "bt_trunc_train_chart" not in chart_keys(at)
    at.session_state["bt_trunc_train_open"] = True
    at.run()
    assert "bt_trunc_train_chart" in chart_keys(at)
    at.select_slider(key="bt_k_pick").set_value(1).run()
    assert "with k = 1 no error ever reaches step 1" in texts(at)


def test_section_5_steps_plays_resets_and_warns_on_divergence() -> None:
    at = open_page({"task": "sine", "T": "5"})
    at.button(key="bt_step").click().run()
    session = at.session_state["bt_session"]
    assert session.updates == 10
    expected = advance(start_session(Setup(task="sine", T=5)), 10, 0.01, "adam", None, None)
    np.testing.assert_allclose(session.losses, expected.losses)
    at.session_state["bt_playing"] = True
    at.run()
    assert at.session_state["bt_session"].updates == 10 + PLAY_STEP
    at.session_state["bt_playing"] = False
    at.button(key="bt_reset").click().run()
    assert at.session_state["bt_session"].updates == 0
    at.session_state["bt_session"] = replace(
        at.session_state["bt_session"], diverged=True, losses=(float("inf"),)
    )
    at.run()
    assert "NaN or infinite" in texts(at) and "Training stopped" in texts(at)


def test_section_6_and_7_show_accuracy_and_the_pytorch_script() -> None:
    at = open_page()
    assert "sequences up to T = 25 reach ≥ 90% held-out accuracy" in texts(at)
    code = "\n".join(c.value for c in at.code)
    assert "nn.RNN(1, 4, nonlinearity='tanh', batch_first=True)" in code
    assert "torch.optim.Adam" in code


def test_url_values_seed_the_page_and_bad_ones_are_named() -> None:
    at = open_page({"task": "sine", "T": "9", "act": "relu", "radius": "1.2", "lr": "0.1", "opt": "sgd"})
    assert at.session_state["bt_task"] == "sine" and at.session_state["bt_T"] == 9
    assert at.session_state["bt_radius"] == 1.2 and at.session_state["bt_opt"] == "sgd"
    bad = open_page({"T": "abc", "radius": "0.93", "task": "**x**", "hidden": "99", "trunc": "-1"})
    warning = texts(bad)
    for name in ("`T`", "`radius`", "`task`", "`hidden`", "`trunc`"):
        assert name in warning
    assert bad.session_state["bt_T"] == 6 and bad.session_state["bt_task"] == "remember"
    off_list = open_page({"trunc": "7"})  # a whole number, but not one the control offers
    assert "`trunc`" in texts(off_list) and off_list.session_state["bt_trunc"] == 0
    beyond = open_page({"trunc": "10", "T": "6"})
    assert beyond.session_state["bt_trunc"] == 10 and "this is full BPTT" in texts(beyond)


# -- figures -------------------------------------------------------------------------------------


def test_figures_carry_their_numbers() -> None:
    from labs.rnn import figures

    s = Setup(T=4, hidden=2)
    tr = bptt_step(initial_net(s), task_of(s).X, task_of(s).Y)
    fig = figures.unrolled_figure(tr, reached=2)
    names = [t.name for t in fig.data]
    assert "Wh (the same matrix on every arrow)" in names
    hidden = next(t for t in fig.data if t.name == "hidden states h_t")
    assert len(hidden.x) == 4 and fmt(float(tr.h[0, 0, 0]), 3) in hidden.text[0]
    deltas = next(t for t in fig.data if t.name == "delta_t (backward pass)")
    assert list(deltas.x) == pytest.approx([3.08, 4.08])  # steps 3 and 4 reached
    heat = figures.matrix_figure(tr.dWh, "dWh").data[0]
    assert heat.zmid == 0 and heat.text[0][0] == fmt(float(tr.dWh[0, 0]), 3)
    reach_fig = figures.delta_norm_figure([reach(s)], "t")
    assert reach_fig.layout.yaxis.type == "log"
    run = model.Run((1.0, 0.5, 0.25), (0.5, 0.9), initial_net(s))
    acc = figures.runs_figure({"": run}, "", 1, [0, 3]).data[1]
    assert list(acc.x) == [0, 3] and list(acc.y) == [0.5, 0.9]
