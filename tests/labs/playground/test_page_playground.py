"""The training playground page in AppTest: every control, Play/Pause/Step/Reset, divergence, the link, files.

Fragments do not tick in AppTest: a Play tick is exercised by switching Play on (the full run
then runs the fragment's body once) and, in ``test_playground_session.py``, by calling the
function the fragment calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from backprop_core import RunState, run
from backprop_core.runner import EXPLOSION_FACTOR
from labs.playground import view_session
from labs.playground.model import build_data, build_network, make_problem
from labs.playground.model_byod import read_csv
from labs.playground.model_export import weights_json
from labs.playground.model_run import largest_working_lr
from labs.playground.view_settings import LR_CHOICES, read_settings
from ui.common import format_lr
from viz.format import fmt

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "4_Training_playground.py")
PLAY, PAUSE = "▶ Play", "⏸ Pause"


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Iteration"))


def _infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def spec(at: AppTest, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


def _engine(at: AppTest, iterations: int):
    """The run the page should have made, computed directly with the engine."""
    s = read_settings(at.session_state)
    problem = make_problem(s.dataset, s.points, s.noise, s.test, s.dseed)
    net = build_network(problem, s.hidden, s.act, s.out, s.init, s.seed)
    data = build_data(problem, net, s.loss)
    return run(RunState(net), data, s.config(), iterations=iterations), data


def test_opens_on_the_default_setup_and_writes_the_link() -> None:
    at = ok(run_app())
    assert at.title[0].value.endswith("Training playground")
    assert "Try this" in " ".join(m.value for m in at.markdown)
    r = at.session_state["pg_run"]
    assert r.iteration == 0 and r.state.net.sizes == (2, 4, 4, 1)
    assert r.state.net.activations == ("tanh", "tanh", "sigmoid")
    assert counter(at).startswith("**Iteration 0**")
    assert f"test loss {fmt(r.initial.test_loss)}" in counter(at)
    q = at.query_params
    for name, value in dict(
        ds="circle", n="300", layers="4-4", act="tanh", lr="0.3", batch="10", seed="0"
    ).items():
        assert q[name] == [value] or q[name] == value
    assert spec(at, "pg_boundary_chart")["layout"]["title"]["text"] == "Decision boundary after iteration 0"


def test_step_and_step_epoch_follow_the_engine() -> None:
    at = ok(run_app())
    at.button(key="pg_step").click().run()
    expected, _ = _engine(at, 1)
    r = at.session_state["pg_run"]
    assert r.iteration == 1 and r.state.net == expected.state.net
    assert f"test loss {fmt(expected.records[-1].test_loss)}" in counter(at)
    ok(at.button(key="pg_step_epoch").click().run())
    r = at.session_state["pg_run"]
    assert r.iteration == 24 and r.state.epoch == 1  # 240 training points, batches of 10
    assert r.state.net == _engine(at, 24)[0].state.net
    assert "epoch 1.00" in counter(at)
    assert spec(at, "pg_loss_chart")["layout"]["title"]["text"] == "Loss at iteration 24 (epoch 1.00)"


def test_play_ticks_and_pause_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    # a tick stops early after TICK_BUDGET seconds: on a busy machine even 10 small iterations could
    # take that long, so the budget is lifted here (test_playground_session.py tests it with a clock)
    monkeypatch.setattr(view_session, "TICK_BUDGET", 60.0)
    at = ok(run_app())
    at.segmented_control(key="pg_play_mode").set_value(PLAY).run()
    ok(at)
    assert at.session_state["pg_playing"] is True
    # the full run after pressing Play runs the fragment's body once: one tick of `speed` iterations
    assert at.session_state["pg_run"].iteration == 10
    assert at.button(key="pg_step").disabled and at.button(key="pg_step_epoch").disabled
    assert not any("Paused at iteration" in c.value for c in at.caption)
    at.segmented_control(key="pg_play_mode").set_value(PAUSE).run()
    assert at.session_state["pg_playing"] is False
    it = at.session_state["pg_run"].iteration
    # where Pause found the run, beside the control, until the run moves on
    assert f"⏸ Paused at iteration {it}" in [c.value for c in at.caption]
    at.run()
    assert at.session_state["pg_run"].iteration == it
    assert not at.button(key="pg_step").disabled
    at.button(key="pg_step").click().run()
    assert not any("Paused at iteration" in c.value for c in at.caption)


def test_reset_returns_to_the_initial_weights() -> None:
    at = ok(run_app())
    for _ in range(3):
        at.button(key="pg_step").click().run()
    at.button(key="pg_reset").click().run()
    r = at.session_state["pg_run"]
    assert r.iteration == 0 and r.state.net == at.session_state["pg_setup"].net0
    assert "Reset: the network is back to its initial weights (seed 0)" in _infos(at)


def test_training_settings_keep_the_network() -> None:
    at = ok(run_app())
    at.button(key="pg_step").click().run()
    at.button(key="pg_step").click().run()
    net_2 = at.session_state["pg_run"].state.net
    at.select_slider(key="pg_lr").set_value(0.1).run()
    at.selectbox(key="pg_opt").set_value("momentum").run()
    assert not at.select_slider(key="pg_beta").disabled
    at.select_slider(key="pg_beta").set_value(0.5).run()
    at.select_slider(key="pg_batch").set_value(20).run()
    at.select_slider(key="pg_l2").set_value(0.001).run()
    at.select_slider(key="pg_clip").set_value(1.0).run()
    at.select_slider(key="pg_speed").set_value(5).run()
    ok(at)
    r = at.session_state["pg_run"]
    assert r.iteration == 2 and r.state.net == net_2 and not at.info
    at.button(key="pg_step").click().run()
    s = read_settings(at.session_state)
    assert (s.lr, s.opt, s.beta, s.batch, s.l2, s.clip, s.speed) == (0.1, "momentum", 0.5, 20, 0.001, 1.0, 5)
    _, data = _engine(at, 0)
    expected = run(at.session_state["pg_run"].snapshot_at(2).state, data, s.config(), iterations=1)
    assert at.session_state["pg_run"].state.net == expected.state.net


@pytest.mark.parametrize(
    ("widget", "key", "value", "said"),
    [
        ("selectbox", "pg_dataset", "xor", "data (data set circle → xor)"),
        ("select_slider", "pg_noise", 0.3, "noise 0.1 → 0.3"),
        ("select_slider", "pg_points", 500, "number of points 300 → 500"),
        ("select_slider", "pg_test", 0.3, "test share 0.2 → 0.3"),
        ("number_input", "pg_dseed", 4, "data seed 0 → 4"),
        ("slider", "pg_layers", 3, "architecture (hidden layers 4-4 → 4-4-4)"),
        ("number_input", "pg_width_1", 7, "hidden layers 4-4 → 4-7"),
        ("selectbox", "pg_act", "relu", "hidden activation tanh → relu"),
        ("selectbox", "pg_init", "he", "initialisation xavier → he"),
        ("number_input", "pg_seed", 5, "seed 0 → 5"),
    ],
)
def test_data_and_architecture_changes_rebuild_and_say_so(
    widget: str, key: str, value: object, said: str
) -> None:
    at = ok(run_app())
    at.button(key="pg_step").click().run()
    getattr(at, widget)(key=key).set_value(value).run()
    ok(at)
    r = at.session_state["pg_run"]
    assert r.iteration == 0 and said in _infos(at)
    assert r.state.net == _engine(at, 0)[0].state.net  # rebuilt exactly as the engine builds it


def test_new_data_button_draws_the_next_seed() -> None:
    at = ok(run_app())
    at.button(key="pg_regen").click().run()
    assert at.session_state["pg_dseed"] == 1 and "data seed 0 → 1" in _infos(at)
    expected = make_problem("circle", 300, 0.1, 0.2, 1)
    assert (at.session_state["pg_setup"].problem.X_train == expected.X_train).all()


def test_output_and_loss_follow_the_problem_with_an_override() -> None:
    at = ok(run_app(ds="blobs"))
    assert at.selectbox(key="pg_out").disabled and at.selectbox(key="pg_out").value == "softmax"
    assert at.session_state["pg_run"].state.net.sizes == (2, 4, 4, 3)
    at.toggle(key="pg_custom_head").set_value(True).run()
    at.selectbox(key="pg_out").set_value("sigmoid").run()
    assert at.selectbox(key="pg_loss").options == ["bce", "mse", "half_sse"]
    assert at.session_state["pg_run"].state.net.activations[-1] == "sigmoid"
    at.selectbox(key="pg_loss").set_value("mse").run()
    assert at.session_state["pg_setup"].settings.loss == "mse"
    # a 1-output regression cannot keep a sigmoid + bce head... but sigmoid + mse fits
    at.selectbox(key="pg_dataset").set_value("sine").run()
    ok(at)
    assert read_settings(at.session_state).out == "sigmoid"
    assert at.session_state["pg_run"].state.net.sizes == (1, 4, 4, 1)
    at.selectbox(key="pg_out").set_value("linear").run()
    at.selectbox(key="pg_dataset").set_value("circle").run()
    assert "linear" in at.selectbox(key="pg_out").options and not at.exception
    at.toggle(key="pg_custom_head").set_value(False).run()
    assert (read_settings(at.session_state).out, read_settings(at.session_state).loss) == ("sigmoid", "bce")


def test_divergence_explains_and_offers_a_working_rate() -> None:
    at = ok(run_app(ds="sine", lr="10"))
    at.button(key="pg_step_epoch").click().run()
    ok(at)
    r = at.session_state["pg_run"]
    d = r.divergence
    assert d is not None and d.lr == 10.0
    # the rate the page offers is the engine's answer from the same state
    _, data = _engine(at, 0)
    config = read_settings(at.session_state).config()
    limit = EXPLOSION_FACTOR * max(r.initial.train_loss, 0.01)
    candidates = sorted((lr for lr in LR_CHOICES if lr < 10.0), reverse=True)
    safe = largest_working_lr(d.restart, data, config, candidates, d.probe_iterations, limit)
    assert d.safe_lr == safe is not None
    error = at.error[0].value
    assert (
        f"Training stopped at iteration {d.last_iteration}:" in error
        and "learning rate 10 is too high" in error
    )
    # the box and the status line name the same iteration: the last network that was still finite
    assert d.last_iteration == r.iteration and counter(at).startswith(f"**Iteration {r.iteration}**")
    assert f"in the next update (iteration {r.iteration + 1})" in error
    assert f"**{format_lr(safe)}**" in " ".join(m.value for m in at.markdown)
    assert at.segmented_control(key="pg_play_mode").disabled and at.button(key="pg_step").disabled
    at.button(key="pg_go_back").click().run()
    ok(at)
    assert at.session_state["pg_lr"] == safe and at.select_slider(key="pg_lr").value == safe
    assert at.session_state["pg_run"].divergence is None and at.session_state["pg_run"].iteration == 0
    at.button(key="pg_step_epoch").click().run()
    assert at.session_state["pg_run"].divergence is None and at.session_state["pg_run"].iteration == 24
    # diverge again, then Reset: a fresh start at iteration 0
    at.select_slider(key="pg_lr").set_value(10.0).run()
    at.button(key="pg_step").click().run()
    at.button(key="pg_step").click().run()
    at.button(key="pg_step").click().run()
    assert at.session_state["pg_run"].divergence is not None
    at.button(key="pg_reset_diverged").click().run()
    assert at.session_state["pg_run"].divergence is None and at.session_state["pg_run"].iteration == 0


def test_url_round_trip_restores_every_setting() -> None:
    query = dict(
        ds="moons", noise="0.25", n="500", test="0.3", dseed="3", layers="6-3", act="leaky_relu", head="1",
        out="tanh", loss="mse", init="he", seed="9", lr="0.003", opt="adam", beta="0.8", batch="20",
        l2="0.0001", clip="2", speed="50",
    )  # fmt: skip
    at = ok(run_app(**query))
    assert not at.warning
    s = read_settings(at.session_state)
    assert (s.dataset, s.noise, s.points, s.test, s.dseed) == ("moons", 0.25, 500, 0.3, 3)
    assert (s.hidden, s.act, s.out, s.loss, s.init, s.seed) == ((6, 3), "leaky_relu", "tanh", "mse", "he", 9)
    assert (s.lr, s.opt, s.beta, s.batch, s.l2, s.clip, s.speed) == (0.003, "adam", 0.8, 20, 0.0001, 2.0, 50)
    assert at.selectbox(key="pg_dataset").value == "moons" and at.number_input(key="pg_width_0").value == 6
    assert at.session_state["pg_run"].state.net == _engine(at, 0)[0].state.net
    # the URL the page writes back holds the same values: the link round-trips
    written = {k: at.query_params[k] for k in query}
    written = {k: v[0] if isinstance(v, list) else v for k, v in written.items()}
    assert written == query
    # a change is written into the URL at once
    at.select_slider(key="pg_lr").set_value(0.01).run()
    lr = at.query_params["lr"]
    assert (lr[0] if isinstance(lr, list) else lr) == "0.01"


def test_bad_url_values_fall_back_to_defaults_with_a_notice() -> None:
    at = ok(
        run_app(lr="banana", layers="4-99", ds="csv", hide="everything", batch="7", act="swish", noise="nan")
    )
    notice = at.warning[0].value
    for name in ("lr", "layers", "ds", "hide", "batch", "act", "noise"):
        assert f"`{name}`" in notice
    assert "upload the CSV file again" in notice
    s = read_settings(at.session_state)
    assert (s.lr, s.hidden, s.dataset, s.batch, s.act, s.noise) == (0.3, (4, 4), "circle", 10, "tanh", 0.1)
    assert at.session_state["pg_run"].iteration == 0
    at.button(key="pg_step").click().run()
    assert at.warning, "the notice stays until the learner dismisses it"
    at.button(key="pg_dismiss").click().run()
    assert not at.warning and not at.exception


def test_link_with_an_unfitting_head_adjusts_it_and_says_so() -> None:
    at = ok(run_app(ds="sine", head="1", out="softmax", loss="cross_entropy"))
    assert read_settings(at.session_state).out == "linear"
    assert "softmax output does not fit regression" in _infos(at)


def test_teacher_link_hides_controls_and_says_what_is_fixed() -> None:
    at = ok(run_app(ds="xor", lr="0.03", layers="8", hide="data,lr,network,upload"))
    keys = {w.key for w in at.selectbox} | {w.key for w in at.select_slider} | {w.key for w in at.slider}
    assert not keys & {"pg_dataset", "pg_lr", "pg_layers", "pg_act", "pg_noise"}
    assert not [u for u in at.get("file_uploader") if "pg_upload" in u.proto.id]
    fixed = " ".join(i.value for i in at.sidebar.info)
    assert "data xor" in fixed and "learning rate 0.03" in fixed and "hidden layers 8" in fixed
    at.button(key="pg_step").click().run()
    ok(at)
    assert at.session_state["pg_run"].iteration == 1 and at.session_state["pg_run"].state.net.sizes == (
        2,
        8,
        1,
    )
    hide = at.query_params["hide"]
    assert (hide[0] if isinstance(hide, list) else hide) == "data,lr,network,upload"


def test_classroom_link_box_builds_the_link_with_hidden_controls() -> None:
    at = ok(run_app())
    at.multiselect(key="pg_hide_pick").set_value(["lr", "optimizer"]).run()
    share, link = [c.value for c in at.code if "ds=circle" in c.value]
    for part in ("layers=4-4", "lr=0.3", "seed=0", "dseed=0", "hide=lr,optimizer"):
        assert part in link
    # the page's own link: every setting and the chart view, no hidden controls
    for part in ("layers=4-4", "lr=0.3", "testpts=1", "logloss=0", "edges=weight", "nodes=a"):
        assert part in share
    assert "hide=" not in share


GOOD_CSV = {
    "binary": (
        b"x1,x2,label\n" + b"\n".join(b"%d,%d,%s" % (i, -i, b"ab"[i % 2 : i % 2 + 1]) for i in range(20)),
        1,
    ),
    "multiclass": (b"x1,x2,label\n" + b"\n".join(b"%d,%d,%d" % (i, i % 5, i % 4) for i in range(20)), 4),
    "regression": (b"x1,x2,target\n" + b"\n".join(b"%d,%d,%g" % (i, -i, i / 10) for i in range(20)), 1),
}


@pytest.mark.parametrize("kind", list(GOOD_CSV))
def test_good_csv_upload_becomes_the_data_set(kind: str) -> None:
    content, n_out = GOOD_CSV[kind]
    at = ok(run_app())
    at.file_uploader(key="pg_upload").upload("mine.csv", content, "text/csv").run()
    ok(at)
    setup = at.session_state["pg_setup"]
    assert at.session_state["pg_dataset"] == "csv" and setup.problem.kind == kind
    assert setup.problem.n_train + setup.problem.n_test == 20
    assert at.session_state["pg_run"].state.net.sizes == (2, 4, 4, n_out)
    assert "Loaded `mine.csv`: 20 rows" in _infos(at)
    assert "mine.csv (your file)" in at.selectbox(key="pg_dataset").options
    at.button(key="pg_step").click().run()
    assert at.session_state["pg_run"].iteration == 1 and not at.exception


BAD_CSV = [
    (b"x1,label\n1,0\n2,1\n", "missing column(s): x2"),
    (b"x1,x2,label\n1,2,0\n3,oops,1\n", "row 3, column 'x2': `oops` is not a number"),
    (b"x1,x2,label\n1,2,0\n3,NaN,1\n", "row 3, column 'x2': the cell is empty or NaN"),
    (b"x1,x2,label\n" + b"\n".join(b"%d,%d,%d" % (i, i, i % 2) for i in range(5001)), "5001 data rows"),
    (b"x1,x2,label\n" + b"\n".join(b"%d,%d,%d" % (i, i, i) for i in range(11)), "11 different classes"),
]


def test_bad_csv_uploads_say_what_is_wrong_and_lose_nothing() -> None:
    at = ok(run_app())
    for _ in range(3):
        at.button(key="pg_step").click().run()
    before = at.session_state["pg_run"]
    for content, message in BAD_CSV:
        at.file_uploader(key="pg_upload").upload("bad.csv", content, "text/csv").run()
        ok(at)
        shown = " ".join(e.value for e in at.error)
        assert message in shown and "`bad.csv` could not be used" in shown
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_csv(content)
        assert at.session_state["pg_dataset"] == "circle"
        assert at.session_state["pg_run"] is before  # the trained network and its history survive


def test_weights_export_and_import_round_trip() -> None:
    at = ok(run_app())
    at.button(key="pg_step_epoch").click().run()
    trained = at.session_state["pg_run"].state.net
    downloads = {b.proto.label for b in at.get("download_button")}
    assert downloads == {
        "Download the training history (CSV)",
        "Download the weights (JSON)",
        "💾 Save progress",
        "Download the script (.py)",  # the next step in PyTorch
        "Download as a notebook (.ipynb)",
    }
    exported = weights_json(trained, iteration=24).encode()
    at.button(key="pg_reset").click().run()
    assert at.session_state["pg_run"].state.net != trained
    at.file_uploader(key="pg_weights_file").upload("weights.json", exported, "application/json").run()
    ok(at)
    assert at.session_state["pg_run"].state.net == trained
    assert "Loaded the weights from `weights.json`" in _infos(at)
    # a file for another architecture is refused with the reason, and nothing changes
    other = build_network(make_problem("circle", 300, 0.1, 0.2, 0), (8,), "tanh", "sigmoid", "xavier", 0)
    before = at.session_state["pg_run"]
    at.file_uploader(key="pg_weights_file").upload(
        "other.json", weights_json(other).encode(), "application/json"
    )
    at.run()
    assert "holds a 2-8-1 network but the playground's network is 2-4-4-1" in " ".join(
        e.value for e in at.error
    )
    assert at.session_state["pg_run"] is before
    at.file_uploader(key="pg_weights_file").upload("broken.json", b'{"weights": [[', "application/json").run()
    assert "not valid JSON" in " ".join(e.value for e in at.error)


def test_time_travel_shows_an_earlier_iteration() -> None:
    at = ok(run_app())
    for _ in range(5):
        at.button(key="pg_step").click().run()
    slider = at.select_slider(key="pg_tt")
    assert slider.value == 5 and len(slider.options) == 6  # iterations 0..5, following the newest
    slider.set_value(2).run()
    ok(at)
    assert counter(at).startswith("**Iteration 2**") and "the newest is iteration 5" in counter(at)
    assert "time travel; latest is 5" in spec(at, "pg_boundary_chart")["layout"]["title"]["text"]
    assert spec(at, "pg_diagram")["layout"]["title"]["text"].startswith("Network after iteration 2")
    loss = spec(at, "pg_loss_chart")
    assert loss["layout"]["shapes"][0]["x0"] == 2
    at.button(key="pg_step").click().run()  # training again follows the newest iteration
    assert counter(at).startswith("**Iteration 6**") and at.select_slider(key="pg_tt").value == 6


def test_view_toggles_change_the_charts() -> None:
    at = ok(run_app())
    at.button(key="pg_step").click().run()
    names = [t.get("name", "") for t in spec(at, "pg_boundary_chart")["data"]]
    assert any(n.startswith("test ·") for n in names)
    at.toggle(key="pg_show_test").set_value(False).run()
    names = [t.get("name", "") for t in spec(at, "pg_boundary_chart")["data"]]
    assert not any(n.startswith("test ·") for n in names)
    at.toggle(key="pg_log").set_value(True).run()
    assert spec(at, "pg_loss_chart")["layout"]["yaxis"]["type"] == "log"
    at.radio(key="pg_edges").set_value("gradient").run()
    at.radio(key="pg_nodes").set_value("delta").run()
    title = spec(at, "pg_diagram")["layout"]["title"]["text"]
    assert "edges = last dL/dw" in title and "nodes = delta = dL/dz" in title
    at.selectbox(key="pg_neuron").set_value((2, 3)).run()
    ok(at)
    assert spec(at, "pg_neuron_chart")["layout"]["title"]["text"].startswith("layer 2, neuron 4 (tanh)")
    grad = spec(at, "pg_grad_chart")
    assert [t["name"] for t in grad["data"]] == ["layer 1 (hidden)", "layer 2 (hidden)", "layer 3 (output)"]
