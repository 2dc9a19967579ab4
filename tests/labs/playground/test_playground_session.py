"""The playground's actions on a plain dict of state: what Play's tick, Step, Reset and the rest do."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop_core import RunState, run
from labs.playground.model import build_data, build_network, make_problem
from labs.playground.model_export import weights_json
from labs.playground.view_data import take_upload
from labs.playground.view_session import (
    TICK_BUDGET,
    go_back,
    import_weights,
    in_sync,
    on_play_switch,
    paused_at,
    play_tick,
    reset,
    sync,
    train,
    view_iteration,
)
from labs.playground.view_settings import (
    CSV,
    DEFAULTS,
    URL_PARAMS,
    expand_hidden,
    fit_batch,
    fit_head,
    read_settings,
    set_defaults,
)


def _state(**changes: object) -> dict:
    state: dict = {}
    set_defaults(state)
    state.update(changes)
    settings = read_settings(state)
    problem = make_problem(settings.dataset, settings.points, settings.noise, settings.test, settings.dseed)
    fit_head(state, problem.kind)
    sync(state, read_settings(state), problem)
    return state


def _engine(state: dict, iterations: int) -> RunState:
    """The same training done directly with the engine's runner."""
    s = read_settings(state)
    problem = make_problem(s.dataset, s.points, s.noise, s.test, s.dseed)
    net = build_network(problem, s.hidden, s.act, s.out, s.init, s.seed)
    return run(RunState(net), build_data(problem, net, s.loss), s.config(), iterations=iterations).state


def test_play_tick_trains_speed_iterations_like_the_engine() -> None:
    state = _state(pg_speed=20, pg_playing=True)
    play_tick(state, clock=_ticking(1e-6))
    assert state["pg_run"].iteration == 20
    play_tick(state, clock=_ticking(1e-6))
    assert state["pg_run"].iteration == 40
    assert state["pg_run"].state.net == _engine(state, 40).net


def test_no_training_while_the_settings_wait_for_a_new_network() -> None:
    state = _state(pg_playing=True)
    train(state, iterations=2)
    state["pg_out"], state["pg_loss"], state["pg_custom_head"] = "linear", "mse", True
    assert not in_sync(state)
    assert play_tick(state).iteration == 2  # a tick before the rebuild leaves the run alone


def test_tick_that_diverges_stops_play() -> None:
    state = _state(pg_dataset="sine", pg_lr=10.0, pg_playing=True)
    play_tick(state)
    assert state["pg_run"].divergence is not None and state["pg_playing"] is False


def test_first_sync_has_no_note_and_later_changes_say_what_changed() -> None:
    state = _state()
    assert "pg_note" not in state
    train(state, iterations=3)
    state["pg_width_1"] = 6
    state["pg_playing"] = True
    sync(state, read_settings(state), state["pg_setup"].problem)
    assert state["pg_run"].iteration == 0 and state["pg_playing"] is False
    assert "architecture (hidden layers 4-4 → 4-6)" in state["pg_note"] and "(paused)" in state["pg_note"]
    # a learning-rate change is not a new set-up: nothing is rebuilt
    train(state, iterations=2)
    state["pg_lr"] = 0.01
    before = state["pg_run"]
    sync(state, read_settings(state), state["pg_setup"].problem)
    assert state["pg_run"] is before


def test_reset_and_go_back() -> None:
    state = _state(pg_dataset="sine")
    train(state, iterations=5)
    net_5 = state["pg_run"].state.net
    state["pg_lr"] = 10.0
    train(state, iterations=10)
    d = state["pg_run"].divergence
    assert d is not None and d.restart.iteration == 5
    go_back(state)
    assert state["pg_run"].divergence is None and state["pg_run"].iteration == 5
    assert state["pg_run"].state.net == net_5 and state["pg_lr"] == d.safe_lr
    assert "Back at iteration 5" in state["pg_note"]
    reset(state)
    assert state["pg_run"].iteration == 0 and state["pg_run"].state.net == state["pg_setup"].net0


def test_view_iteration_follows_unless_time_travelling() -> None:
    state = _state()
    train(state, iterations=6)
    assert view_iteration(state) == 6
    state["pg_tt"], state["pg_tt_follow"] = 2, False
    assert view_iteration(state) == 2
    state["pg_playing"] = True
    assert view_iteration(state) == 6
    state["pg_playing"] = False
    train(state, iterations=1)  # training brings the views back to the newest iteration
    assert view_iteration(state) == 7


def test_import_weights_round_trip_and_errors() -> None:
    state = _state()
    trained = train(state, iterations=12).state.net
    reset(state)
    assert import_weights(state, "w.json", weights_json(trained).encode())
    assert state["pg_run"].state.net == trained and state["pg_run"].iteration == 0
    before = state["pg_run"]
    assert not import_weights(state, "bad.json", b"[1, 2")
    assert "`bad.json` was not loaded. The file is not valid JSON" in state["pg_import_error"]
    assert state["pg_run"] is before
    other = json.loads(weights_json(trained))
    other["activations"] = ["relu", "relu", "sigmoid"]
    assert not import_weights(state, "relu.json", json.dumps(other).encode())
    assert "activations are relu, relu, sigmoid" in state["pg_import_error"]


def test_uploads_select_the_file_and_bad_ones_change_nothing() -> None:
    state = _state()
    take_upload(state, "bad.csv", b"x1,x2\n1,2\n")
    assert "`bad.csv` could not be used: missing column(s): label" in state["pg_csv_error"]
    assert state["pg_dataset"] == "circle" and state.get("pg_csv") is None
    take_upload(state, "good.csv", b"x1,x2,label\n0,0,a\n1,1,b\n2,2,c\n3,3,a\n")
    assert state["pg_dataset"] == CSV and state["pg_csv"][1].class_names == ("a", "b", "c")
    assert state["pg_csv_error"] is None and "3 classes" in state["pg_data_note"]
    take_upload(state, None, None)
    assert state["pg_dataset"] == "circle" and state["pg_csv"] is None


def test_fit_head_and_batch() -> None:
    state: dict = {}
    set_defaults(state)
    assert fit_head(state, "multiclass") is None and (state["pg_out"], state["pg_loss"]) == (
        "softmax",
        "cross_entropy",
    )
    state.update(pg_custom_head=True, pg_out="softmax", pg_loss="cross_entropy")
    note = fit_head(state, "regression")
    assert "softmax output does not fit regression" in note and state["pg_out"] == "linear"
    state.update(pg_out="sigmoid", pg_loss="bce")
    assert "bce does not fit" in fit_head(state, "regression") and state["pg_loss"] == "mse"
    state["pg_batch"] = 500
    fit_batch(state, 240)
    assert state["pg_batch"] == 0


def test_expand_hidden_from_a_link() -> None:
    state: dict = {}
    set_defaults(state)
    state["pg_hidden"] = (6, 3, 2)
    expand_hidden(state)
    assert state["pg_layers"] == 3 and [state[f"pg_width_{i}"] for i in range(3)] == [6, 3, 2]
    assert read_settings(state).hidden == (6, 3, 2)


@pytest.mark.parametrize("param", URL_PARAMS, ids=lambda p: p.name)
def test_every_url_parameter_round_trips_its_default(param) -> None:
    if param.key in DEFAULTS:
        value = DEFAULTS[param.key]
        assert param.parse(param.dump(value)) == value


def test_training_config_from_settings() -> None:
    state: dict = {}
    set_defaults(state)
    state.update(pg_opt="momentum", pg_beta=0.5, pg_batch=0, pg_l2=0.001, pg_clip=2.0)
    config = read_settings(state).config()
    assert (config.loss, config.lr, config.batch_size, config.l2, config.clip_norm) == (
        "bce",
        0.3,
        None,
        0.001,
        2.0,
    )
    assert (config.optimizer.name, config.optimizer.beta, config.seed) == ("momentum", 0.5, 0)
    state.update(pg_batch=10, pg_clip=0.0)
    config = read_settings(state).config()
    assert config.batch_size == 10 and config.clip_norm is None


def _ticking(step: float):
    """A fake clock that moves ``step`` seconds each time it is read."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def test_a_play_tick_stops_when_its_time_budget_is_spent_and_the_next_carries_on() -> None:
    state = _state(pg_speed=100, pg_playing=True)
    # each read of the clock is 0.1 s later: after 3 iterations 0.3 s >= TICK_BUDGET (0.25 s) have passed
    assert TICK_BUDGET == 0.25
    train(state, iterations=100, clock=_ticking(0.1))
    assert state["pg_run"].iteration == 3
    train(state, iterations=100, clock=_ticking(0.1))
    assert state["pg_run"].iteration == 6
    # stopping early changes nothing about the iterations themselves
    assert state["pg_run"].state.net == _engine(state, 6).net
    # a fast clock: the whole tick runs
    train(state, iterations=100, clock=_ticking(1e-6))
    assert state["pg_run"].iteration == 106
    # Step and Step epoch (not playing) always do all they say, however slow
    state["pg_playing"] = False
    train(state, iterations=10, clock=_ticking(10.0))
    assert state["pg_run"].iteration == 116


def test_csv_class_labels_reach_the_charts_as_plain_text() -> None:
    from labs.playground.figures_boundary import boundary_figure
    from labs.playground.model_boundary import grid_outputs
    from labs.playground.view_data import current_problem

    link = "<a href='http://127.0.0.1:9/login'>log in</a>"
    rows = "\n".join(f"{i},{-i},{link if i % 2 else '%{x}<b>b</b>'}" for i in range(12))
    state = _state()
    take_upload(state, "labels.csv", f"x1,x2,label\n{rows}\n".encode())
    problem = current_problem(read_settings(state), state)
    assert all("<" not in c and ">" not in c and "%{" not in c for c in problem.class_names)
    fig = boundary_figure(
        problem,
        state["pg_setup"].grid,
        grid_outputs(state["pg_setup"].net0, state["pg_setup"].grid),
        "sigmoid",
    )
    for trace in fig.data:
        for text in (trace.name or "", trace.hovertemplate or ""):
            assert "<a" not in text and "<b>" not in text and "%{x}<" not in text
    assert any("&lt;a href" in (t.name or "") for t in fig.data)


def test_a_range_too_wide_for_a_float_is_refused_never_drawn_as_nan() -> None:
    from labs.playground.model_boundary import data_extent

    with pytest.raises(ValueError, match="too wide a range to draw"):
        data_extent(np.array([[1e308, 0.0], [-1e308, 1.0]]))
    with pytest.raises(ValueError, match="too wide a range to draw"):
        data_extent(np.array([[9e307, 0.0], [-9e307, 1.0]]))
    e = data_extent(np.array([[1e6, 0.0], [-1e6, 1.0]]))
    assert all(np.isfinite(v) for v in (*e.x1, *e.x2))


def test_a_tick_after_pause_trains_nothing() -> None:
    # e.g. a tick the browser asked for before the Pause, run after the Pause's callback
    state = _state(pg_speed=100, pg_playing=False)
    before = state["pg_run"]
    assert play_tick(state, clock=_ticking(1e-6)) is before and state["pg_run"] is before


def test_a_pause_during_a_tick_ends_it_at_the_next_iteration() -> None:
    state = _state(pg_speed=100, pg_playing=True)
    reads = [0]

    def clock() -> float:
        # read as the tick starts, then before every iteration after the first (just before the Play
        # flag): the 4th read comes after iteration 3, as if the Pause's callback (another thread in
        # the app) had turned Play off while iteration 3 was being computed
        reads[0] += 1
        if reads[0] == 4:
            on_play_switch(state, False)
            state["pg_playing"] = False
        return reads[0] * 1e-6

    play_tick(state, clock=clock)
    assert state["pg_run"].iteration == 3
    assert state["pg_run"].state.net == _engine(state, 3).net


class _Stopped(Exception):
    """Stands for Streamlit's StopException: what reading session state raises in a replaced script run."""


class _ReplacedRun(dict):
    """Session state as the old script thread sees it once a Pause has started a new run."""

    replaced = False

    def get(self, key, default=None):
        if self.replaced:
            raise _Stopped
        return super().get(key, default)


def test_a_tick_whose_script_run_was_replaced_by_the_pause_stores_nothing() -> None:
    state = _ReplacedRun(_state(pg_speed=100, pg_playing=True))
    play_tick(state, clock=_ticking(1e-6))
    before = state["pg_run"]
    assert before.iteration == 100
    reads = [0]

    def clock() -> float:
        reads[0] += 1
        state.replaced = reads[0] == 5  # from the 5th iteration's check on, the run has been replaced
        return reads[0] * 1e-6

    with pytest.raises(_Stopped):
        play_tick(state, clock=clock)
    assert state["pg_run"] is before


def test_pause_remembers_where_it_stopped_until_the_run_moves() -> None:
    state = _state(pg_speed=10, pg_playing=True)
    play_tick(state, clock=_ticking(1e-6))
    assert paused_at(state) is None  # playing
    state["pg_playing"] = False
    on_play_switch(state, False)
    assert paused_at(state) == 10
    train(state, iterations=1)  # Step
    assert paused_at(state) is None
    on_play_switch(state, False)
    assert paused_at(state) == 11
    reset(state)
    assert paused_at(state) is None
    state["pg_playing"] = True
    on_play_switch(state, True)
    assert paused_at(state) is None and state["pg_paused"] is None
