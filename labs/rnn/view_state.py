"""The BPTT page's settings: widget keys (all ``bt_``), defaults, URL parameters, the training session.

The learner's training run (a ``model.Session``) lives in ``st.session_state["bt_session"]`` and starts
again whenever the settings that define the network or the task change.
"""

from __future__ import annotations

import streamlit as st

from backprop_core.optimizers import OPTIMIZERS
from ui.common import lr_values
from ui.urlstate import UrlSetting, choice, int_choice, number

from .model import (
    ACTIVATIONS,
    MAX_HIDDEN,
    MAX_T,
    MIN_HIDDEN,
    MIN_T,
    TASKS,
    Session,
    Setup,
    start_session,
)
from .model_progress import session_from_payload, session_payload

MAX_SEED = 9999
RADII: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(21))
LR_CHOICES: list[float] = lr_values(1e-4, 1.0)
CLIP_CHOICES: tuple[float, ...] = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)  # 0 = no clipping
TRUNC_CHOICES: tuple[int, ...] = (0, 1, 2, 3, 5, 10, 20, 40)  # 0 = full BPTT
STEP_CHOICES: tuple[int, ...] = (1, 10, 50, 200)
PLAY_INTERVAL = 0.5  # seconds between two Play ticks
PLAY_STEP = 10  # updates per tick
URL_MARKER = "bt_url_seen"

DEFAULTS = {
    "bt_task": "remember",
    "bt_T": 6,
    "bt_hidden": 4,
    "bt_act": "tanh",
    "bt_radius": 0.9,
    "bt_seed": 0,
    "bt_back": 1,
    "bt_reach_T": 40,
    "bt_k": 2,
    "bt_lr": 0.01,
    "bt_opt": "adam",
    "bt_clip": 0.0,
    "bt_trunc": 0,
    "bt_n": 10,
    "bt_playing": False,
}


PARAMS: tuple[UrlSetting, ...] = (
    choice("task", "bt_task", list(TASKS)),
    number("T", "bt_T", MIN_T, MAX_T, integer=True),
    number("hidden", "bt_hidden", MIN_HIDDEN, MAX_HIDDEN, integer=True),
    choice("act", "bt_act", ACTIVATIONS),
    number("radius", "bt_radius", RADII[0], RADII[-1], allowed=RADII),
    number("seed", "bt_seed", 0, MAX_SEED, integer=True),
    number("lr", "bt_lr", LR_CHOICES[0], LR_CHOICES[-1], allowed=LR_CHOICES),
    choice("opt", "bt_opt", OPTIMIZERS),
    number("clip", "bt_clip", 0, CLIP_CHOICES[-1], allowed=CLIP_CHOICES),
    number("trunc", "bt_trunc", 0, TRUNC_CHOICES[-1], allowed=TRUNC_CHOICES),
    number("back", "bt_back", 1, MAX_T, integer=True),
    number("reachT", "bt_reach_T", MIN_T, MAX_T, integer=True),
    int_choice("n", "bt_n", STEP_CHOICES),
    number("kpick", "bt_k_pick", 1, MAX_T, integer=True),
)


def setup_from_state() -> Setup:
    """The ``Setup`` the sidebar describes (``ValueError`` if the state holds something impossible)."""
    s = st.session_state
    try:
        return Setup(
            task=s.bt_task,
            T=int(s.bt_T),
            hidden=int(s.bt_hidden),
            activation=s.bt_act,
            radius=float(s.bt_radius),
            seed=int(s.bt_seed),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def current_session(setup: Setup) -> Session:
    """The learner's training run for ``setup``: kept while the setup stays, started afresh otherwise."""
    session = st.session_state.get("bt_session")
    if session is None or session.setup != setup:
        session = start_session(setup)
        st.session_state.bt_session = session
        st.session_state.bt_playing = False
    return session


def training_options() -> tuple[float, str, float | None, int | None]:
    """``lr, optimizer, clip_norm, truncate`` from the training controls (0 means off / full)."""
    s = st.session_state
    clip = float(s.bt_clip) or None
    trunc = int(s.bt_trunc) or None
    return float(s.bt_lr), s.bt_opt, clip, trunc


OPTION_KEYS = {"lr": "bt_lr", "opt": "bt_opt", "clip": "bt_clip", "trunc": "bt_trunc"}
SETUP_WIDGETS = {
    "task": "bt_task",
    "T": "bt_T",
    "hidden": "bt_hidden",
    "activation": "bt_act",
    "radius": "bt_radius",
    "seed": "bt_seed",
}


def progress_dump() -> dict:
    """The progress file's payload: the current run with the training controls."""
    s = st.session_state
    options = {name: s[key] for name, key in OPTION_KEYS.items()} | {"n": s.bt_n}
    return session_payload(current_session(setup_from_state()), options)


def progress_load(payload: dict) -> str:
    """Restore a saved run (every value checked before anything changes); the text says what came back."""
    session, options = session_from_payload(payload)
    by_name = {p.name: p for p in PARAMS}
    values = {}
    for name, key in OPTION_KEYS.items():
        if name not in options:
            raise ValueError(f"This progress file is incomplete: it has no training option '{name}'.")
        try:
            values[key] = by_name[name].parse(str(options[name]))
        except ValueError:
            raise ValueError(f"The file's training option '{name}' is not one this page offers.") from None
    if options.get("n") not in STEP_CHOICES:
        raise ValueError("The file's 'updates per Step' is not one this page offers.")
    if session.setup.radius not in RADII:
        raise ValueError("The file's spectral radius is not one this page offers.")
    s = st.session_state
    for name, key in SETUP_WIDGETS.items():
        s[key] = getattr(session.setup, name)
    for key, value in values.items():
        s[key] = value
    s.bt_n = options["n"]
    s.bt_session = session
    s.bt_playing = False
    return (
        f"{session.updates} updates, training loss {session.losses[-1]:.6g}."
        if session.losses
        else "0 updates."
    )
