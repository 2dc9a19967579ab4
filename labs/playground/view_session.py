"""One learner's playground: the current set-up and run, and what each button does to them.

Everything lives in a mutable mapping ``state`` - ``st.session_state`` in the app, a plain dict in
tests - so the actions can be called and checked without Streamlit:

* ``pg_setup``: the problem, the input grid, the fresh network and the engine's ``Data``;
* ``pg_run``: the ``Run`` (network, history, snapshots, divergence);
* ``pg_playing``: whether Play is on; ``pg_tt_follow``: whether the views follow the newest iteration;
* ``pg_paused``: the run that Pause found (a weak reference), for the "Paused at iteration N" line;
* ``pg_note``: a one-time message saying why the network was rebuilt or what an action did.

Changing the data or the architecture builds a new network (the old weights no longer fit the
question or the shape); changing how to train - learning rate, optimizer, batch size,
regularisation - carries on with the same network.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from backprop_core import MLP, Data
from labs.playground.model import Problem, build_data, build_network
from labs.playground.model_boundary import InputGrid, input_grid
from labs.playground.model_export import load_weights
from labs.playground.model_run import Run, advance, resume, start_run
from labs.playground.view_settings import CSV, LR_CHOICES, Settings, read_settings
from ui.common import format_lr
from ui.echo import quoted


@dataclass(frozen=True, repr=False)
class Setup:
    """What a run trains on: built when the data or the architecture changes."""

    data_key: tuple
    net_key: tuple
    settings: Settings
    problem: Problem
    grid: InputGrid
    net0: MLP
    data: Data

    def __repr__(self) -> str:
        return f"Setup({self.problem!r}, {self.net0!r})"


# seconds of training one Play tick may spend: a big network (8 hidden layers, 2,000 points, 100
# iterations per update) then trains fewer iterations per tick, and Pause answers at the next tick
# (a Pause that lands during a tick ends it at its next iteration: see `play_tick`)
TICK_BUDGET = 0.25

_DATA_WORDS = ("data set", "noise", "number of points", "test share", "data seed")
_NET_WORDS = ("hidden layers", "hidden activation", "output activation", "loss", "initialisation", "seed")


def data_key(settings: Settings, state: MutableMapping[str, Any]) -> tuple:
    """``settings.data_key``, plus which uploaded file when the data set is the learner's CSV."""
    if settings.dataset == CSV:
        return (*settings.data_key, state.get("pg_csv_version", 0))
    return settings.data_key


def _changes(words: tuple[str, ...], old: tuple, new: tuple) -> list[str]:
    out = []
    for word, a, b in zip(words, old, new, strict=False):
        if a != b:
            show = (lambda v: "-".join(map(str, v)) or "none") if word == "hidden layers" else str
            out.append(f"{word} {show(a)} → {show(b)}")
    return out


def sync(state: MutableMapping[str, Any], settings: Settings, problem: Problem) -> None:
    """Build a new set-up and run when the data or architecture changed (and say what changed).

    ``ValueError`` from the engine (settings that do not fit together) leaves the old set-up.
    """
    old: Setup | None = state.get("pg_setup")
    dkey, nkey = data_key(settings, state), settings.net_key
    if old is not None and old.data_key == dkey and old.net_key == nkey:
        return
    net = build_network(problem, settings.hidden, settings.act, settings.out, settings.init, settings.seed)
    data = build_data(problem, net, settings.loss)
    state["pg_setup"] = Setup(dkey, nkey, settings, problem, input_grid(problem.extent), net, data)
    state["pg_run"] = start_run(net, data, settings.loss, settings.l2)
    state["pg_tt_follow"] = True
    if old is None:
        return
    was_playing = state.get("pg_playing", False)
    state["pg_playing"] = False
    if old.data_key != dkey:
        what = "data"
        changed = _changes(_DATA_WORDS, old.settings.data_key, settings.data_key) or ["a new file"]
    else:
        what = "architecture"
        changed = _changes(_NET_WORDS, old.net_key, nkey)
    state["pg_note"] = (
        f"You changed the {what} ({'; '.join(changed)}), so the network was rebuilt from its initial "
        f"weights and training starts again at iteration 0{' (paused)' if was_playing else ''}. Changing the "
        "learning rate, optimizer, batch size or regularisation keeps the network and its progress."
    )


def in_sync(state: MutableMapping[str, Any]) -> bool:
    """Whether the set-up matches the settings (a Play tick may come before the rerun that rebuilds it)."""
    settings = read_settings(state)
    setup: Setup = state["pg_setup"]
    return setup.data_key == data_key(settings, state) and setup.net_key == settings.net_key


def train(
    state: MutableMapping[str, Any],
    *,
    iterations: int | None = None,
    epochs: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    stop: Callable[[], bool] | None = None,
) -> Run:
    """Advance the run with the current training settings; a divergence stops Play.

    Nothing happens while the data or architecture settings no longer match the set-up: the
    network would not fit them, and the next full run rebuilds it. While Play is on, one call
    (one tick) trains for at most ``TICK_BUDGET`` seconds, measured by ``clock``, and the next
    tick carries on; Step and Step epoch always do all they say. ``stop`` (asked before every
    iteration) ends the call early: see ``play_tick``.
    """
    settings = read_settings(state)
    setup: Setup = state["pg_setup"]
    if not in_sync(state):
        return state["pg_run"]
    run = advance(
        state["pg_run"],
        setup.data,
        settings.config(),
        iterations=iterations,
        epochs=epochs,
        lr_candidates=LR_CHOICES,
        budget=TICK_BUDGET if state.get("pg_playing") else None,
        clock=clock,
        stop=stop,
    )
    state["pg_run"] = run
    state["pg_tt_follow"] = True
    if run.divergence is not None:
        state["pg_playing"] = False
    return run


def play_tick(state: MutableMapping[str, Any], clock: Callable[[], float] = time.perf_counter) -> Run:
    """What one tick of Play does: ``speed`` more iterations (fewer if they take over ``TICK_BUDGET``).

    The Play flag is read before every iteration, so a tick that starts or runs on after Pause
    trains no further. In the app the flag is turned off by the Play/Pause control's callback,
    which runs at the start of the page run that the Pause asks for. Streamlit starts that run in
    a new script thread while the tick in flight is still training in the old one, and from
    then on any read of ``st.session_state`` in the old thread raises Streamlit's
    ``StopException`` (``RerunException`` with ``runner.fastReruns`` off): the tick in flight
    ends at its next iteration and stores nothing.
    """
    return train(
        state,
        iterations=int(state["pg_speed"]),
        clock=clock,
        stop=lambda: not state.get("pg_playing", False),
    )


def on_play_switch(state: MutableMapping[str, Any], playing: bool) -> None:
    """The Play/Pause control's callback: on Pause, remember the run it found (see ``paused_at``)."""
    state["pg_paused"] = None if playing else weakref.ref(state["pg_run"])


def paused_at(state: MutableMapping[str, Any]) -> int | None:
    """The iteration Pause stopped at, while paused and the run is still the one Pause found.

    ``None`` while playing, before any Pause, and once anything (a Step, Reset, new settings...)
    has replaced the run.
    """
    ref = state.get("pg_paused")
    run = state.get("pg_run")
    if state.get("pg_playing") or ref is None or run is None or ref() is not run:
        return None
    return run.iteration


def reset(state: MutableMapping[str, Any]) -> None:
    """Back to the initial weights (same seed, same data): a fresh run at iteration 0."""
    setup: Setup = state["pg_setup"]
    settings = read_settings(state)
    state["pg_run"] = start_run(setup.net0, setup.data, settings.loss, settings.l2)
    state["pg_playing"] = False
    state["pg_tt_follow"] = True
    state["pg_note"] = (
        f"Reset: the network is back to its initial weights (seed {settings.seed}), iteration 0."
    )


def go_back(state: MutableMapping[str, Any]) -> None:
    """After a divergence: return to where the failing action began, with the rate that worked."""
    run: Run = state["pg_run"]
    d = run.divergence
    if d is None:
        return
    settings = read_settings(state)
    setup: Setup = state["pg_setup"]
    state["pg_run"] = resume(run, d.restart, setup.data, settings.loss, settings.l2)
    if d.safe_lr is not None:
        state["pg_lr"] = d.safe_lr
    state["pg_tt_follow"] = True
    lr_text = f" with learning rate {format_lr(d.safe_lr)}" if d.safe_lr is not None else ""
    state["pg_note"] = f"Back at iteration {d.restart.iteration}{lr_text}: press Step or Play to continue."


def import_weights(state: MutableMapping[str, Any], name: str, content: bytes) -> bool:
    """Load weights from a JSON file into a fresh run; ``pg_import_error`` says what was wrong."""
    setup: Setup = state["pg_setup"]
    run: Run = state["pg_run"]
    try:
        net = load_weights(content, run.state.net)
    except ValueError as exc:
        state["pg_import_error"] = f"{quoted(name)} was not loaded. {exc}"
        return False
    settings = read_settings(state)
    state["pg_import_error"] = None
    state["pg_run"] = start_run(net, setup.data, settings.loss, settings.l2)
    state["pg_playing"] = False
    state["pg_tt_follow"] = True
    state["pg_note"] = (
        f"Loaded the weights from {quoted(name)}: training continues from them (history restarts at 0)."
    )
    return True


def view_iteration(state: MutableMapping[str, Any]) -> int:
    """The iteration the views show: the newest, or the time-travel slider's while paused."""
    run: Run = state["pg_run"]
    if state.get("pg_playing") or state.get("pg_tt_follow", True) or "pg_tt" not in state:
        return run.iteration
    return run.snapshot_at(int(state["pg_tt"])).iteration
