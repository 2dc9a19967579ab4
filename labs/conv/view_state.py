"""The convolution lab's session state: widget keys (all ``cv_``), defaults, and the learner's run.

The training run (a ``model.Lab``) lives in ``st.session_state["cv_lab"]``; it is started afresh when
the number of filters, conv layers or the seed changes. The learning rate and optimiser only steer
the next steps.
"""

from __future__ import annotations

import time

import streamlit as st

from backprop_core.optimizers import OPTIMIZERS
from ui.common import lr_values
from ui.urlstate import UrlSetting, choice, flag, int_choice, number

from . import model
from .model import Lab
from .model_progress import lab_from_payload, lab_payload

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


URL_MARKER = "cv_url_seen"
MAX_POSITIONS = model.SIDE * model.SIDE  # window positions are clamped to the map's size on the page


def back_step() -> UrlSetting:
    """The backward step as its number 1 to 5 in the URL."""

    def parse(text: str) -> str:
        if text.strip() not in {str(i) for i in range(1, len(BACK_STEPS) + 1)}:
            raise ValueError(f"not a step number from 1 to {len(BACK_STEPS)}")
        return BACK_STEPS[int(text) - 1]

    return UrlSetting("back", "cv_back", parse, lambda v: str(BACK_STEPS.index(v) + 1))


PARAMS: tuple[UrlSetting, ...] = (
    int_choice("filters", "cv_filters", model.FILTER_CHOICES),
    int_choice("layers", "cv_layers", model.CONV_LAYER_CHOICES),
    number("seed", "cv_seed", 0, 9999, integer=True),
    number("lr", "cv_lr", LR_RANGE[0], LR_RANGE[1], allowed=lr_values(*LR_RANGE)),
    choice("opt", "cv_opt", OPTIMIZERS),
    number("img", "cv_img", 0, model.N_TRAIN - 1, integer=True),
    number("filter", "cv_filter", 1, max(model.FILTER_CHOICES), integer=True),
    number("channel", "cv_channel", 1, max(model.FILTER_CHOICES), integer=True),
    number("pos", "cv_pos", 0, MAX_POSITIONS - 1, integer=True),
    flag("zoom", "cv_zoom"),
    back_step(),
    number("uv", "cv_uv", 0, model.KERNEL * model.KERNEL - 1, integer=True),
    number("kpos", "cv_kpos", 0, MAX_POSITIONS - 1, integer=True),
)


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


def progress_dump() -> dict:
    """The progress file's payload: the current run with the sidebar's training options."""
    s = st.session_state
    return lab_payload(s.cv_lab, {"lr": s.cv_lr, "opt": s.cv_opt})


def progress_load(payload: dict) -> str:
    """Restore a saved run (every value checked before anything changes); the text says what came back."""
    lab, options = lab_from_payload(payload)
    by_name = {p.name: p for p in PARAMS}
    values = {}
    for name in ("lr", "opt"):
        if name not in options:
            raise ValueError(f"This progress file is incomplete: it has no training option '{name}'.")
        try:
            values[by_name[name].key] = by_name[name].parse(str(options[name]))
        except ValueError:
            raise ValueError(f"The file's training option '{name}' is not one this page offers.") from None
    s = st.session_state
    s.cv_filters, s.cv_layers, s.cv_seed = int(lab.net.K[0].shape[0]), len(lab.net.K), lab.seed
    for key, value in values.items():
        s[key] = value
    s.cv_lab = lab
    s.cv_playing = False
    s.cv_note = None
    return f"iteration {lab.iteration}, training loss {lab.losses[-1]:.6g}."
