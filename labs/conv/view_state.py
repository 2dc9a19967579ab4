"""The convolution lab's session state: widget keys (all ``cv_``), defaults, and the learner's run.

The training run (a ``model.Lab``) lives in ``st.session_state["cv_lab"]``; it is started afresh when
the number of filters, conv layers or the seed changes. The learning rate and optimiser only steer
the next steps.
"""

from __future__ import annotations

import time

import streamlit as st

from . import model
from .model import Lab

LR_RANGE = (0.001, 3.0)
PLAY_INTERVAL = 0.5  # seconds between two Play ticks
PLAY_STEP = 5  # iterations per Play tick
TRAIN_N = 50  # iterations of the "Train 50" button
PRESS_BUDGET = 3.0  # seconds one press may train before it stops and says so
BACK_STEPS: tuple[str, ...] = (
    "1 · delta on the pooled map",
    "2 · routed to the winners",
    "3 · times f′(z)",
    "4 · dK, position by position",
    "5 · dx: the full convolution",
)

DEFAULTS = {
    "cv_filters": model.DEFAULT_FILTERS,
    "cv_layers": 1,
    "cv_seed": 0,
    "cv_lr": model.DEFAULT_LR,
    "cv_opt": model.DEFAULT_OPTIMIZER,
    "cv_img": 0,
    "cv_filter": 1,
    "cv_channel": 1,
    "cv_pos": 0,
    "cv_zoom": False,
    "cv_back": BACK_STEPS[0],
    "cv_uv": 0,
    "cv_kpos": 0,
    "cv_playing": False,
    "cv_note": None,
}


def current_lab() -> Lab:
    """The learner's run for the sidebar's settings: kept while they stay, started afresh otherwise."""
    s = st.session_state
    filters, layers, seed = int(s.cv_filters), int(s.cv_layers), int(s.cv_seed)
    lab = s.get("cv_lab")
    if lab is None or (lab.net.K[0].shape[0], len(lab.net.K), lab.seed) != (filters, layers, seed):
        data = lab.data if lab is not None and lab.seed == seed else None
        lab = model.start_lab(filters, layers, seed, data)
        s.cv_lab = lab
        s.cv_playing = False
    return lab


def train(iterations: int, budget: float = PRESS_BUDGET) -> int:
    """Train the session's run up to ``iterations`` more steps, stopping after ``budget`` seconds."""
    s = st.session_state
    lab, done, start = s.cv_lab, 0, time.perf_counter()
    while done < iterations and not lab.finished and time.perf_counter() - start < budget:
        lab = model.train(lab, min(5, iterations - done), float(s.cv_lr), s.cv_opt)
        done += min(5, iterations - done)
    s.cv_lab = lab
    if lab.finished:
        s.cv_playing = False
    return done


def reset() -> None:
    """Back to the initial network of the current settings (the curves restart)."""
    lab = st.session_state.cv_lab
    st.session_state.cv_lab = model.start_lab(lab.net.K[0].shape[0], len(lab.net.K), lab.seed, lab.data)
    st.session_state.cv_playing = False


def clamp(key: str, lo: int, hi: int) -> int:
    """Keep an integer widget's value within ``[lo, hi]`` (the grid may have shrunk) and return it."""
    value = min(max(int(st.session_state[key]), lo), hi)
    if value != st.session_state[key]:  # only before its widget is drawn: it was out of range
        st.session_state[key] = value
    return value
