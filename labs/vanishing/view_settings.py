"""The vanishing-gradients page's settings: widget keys, defaults, URL parameters, and its session state.

Every key starts with ``vg_``. The comparison itself (a ``labs.vanishing.model.Lab``) lives in
``st.session_state["vg_lab"]`` and is rebuilt whenever the settings that define the networks change;
the learning rate and optimizer only steer the next updates.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import streamlit as st

from backprop_core import DATASETS, INIT_SCHEMES, OPTIMIZERS
from backprop_core.progress import MAX_PROGRESS_BYTES
from labs.vanishing.model import COMPARE_ACTIVATIONS, SYMMETRIC_STARTS, Lab, LabSetup, start_lab, train_lab
from labs.vanishing.model_progress import lab_from_payload, payload_that_fits, smallest_file_estimate
from ui.common import lr_values
from ui.urlstate import UrlSetting, choice, flag, int_list, number

MIN_DEPTH, MAX_DEPTH = 2, 30
MIN_WIDTH, MAX_WIDTH = 4, 64
MAX_SEED = 9999
# std of the normal init, on a log scale; 0.35 = sqrt(2/16) is he's std for width 16
STD_VALUES: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 3.0, 5.0, 10.0)
LR_CHOICES: list[float] = lr_values(1e-4, 10.0)
TRAIN_CHOICES: tuple[int, ...] = (1, 10, 50, 100, 200, 500)
CLIP_CHOICES: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)
HIST_WHEN: tuple[str, ...] = ("init", "now")
MAX_HIST_LAYERS = 6
# Play: how often the training panel refreshes, and how many updates each refresh makes: at most
# ~4.5 refreshes/s of 10 updates (a class's bar: >= 4 visible updates/s of >= 10 iterations), which
# keeps one server core serving >= 10 playing learners at ~21 ms of server CPU per refresh
PLAY_INTERVAL = 0.22
PLAY_STEP = 10
# seconds of training one press (or one Play tick) may take before it stops and says so
PRESS_BUDGET = 2.0
PLAY_BUDGET = 0.4
URL_MARKER = "vg_url_seen"
# (setup, seconds per update) of the last training call, for sizing the next one
PACE_KEY = "vg_pace"

INIT_HELP = (
    "xavier (Glorot): uniform weights with std √(2/(fan_in + fan_out)), derived for activations with slope 1 "
    "at 0 (tanh, or none). he: normal weights with std √(2/fan_in), derived for relu. Either keeps the "
    "signal about the same size from layer to layer only where the slope is about 1: no initialisation "
    "rescues sigmoid, whose slope is at most 0.25 in every layer."
)
INIT_LABELS = {
    "xavier": "xavier (uniform, derived for tanh)",
    "he": "he (normal, scaled for relu)",
    "normal": "normal (pick the std)",
    "zeros": "zeros (every weight 0)",
}

_SETUP = LabSetup()  # the widgets start at the engine's defaults for a comparison
DEFAULTS = {
    "vg_acts": list(_SETUP.activations),
    "vg_depth": _SETUP.depth,
    "vg_width": _SETUP.width,
    "vg_dataset": _SETUP.dataset,
    "vg_init": _SETUP.init,
    "vg_std": _SETUP.std,
    "vg_seed": _SETUP.seed,
    "vg_lr": 0.1,
    "vg_opt": "sgd",
    "vg_n": 100,
    "vg_xstd": 1.0,
    "vg_clip": False,
    "vg_clipmax": 1.0,
    "vg_sym_act": "tanh",
    "vg_sym_start": "equal",
    "vg_hist_act": "sigmoid",
    "vg_hist_layers": [1, 5, 10],
    "vg_hist_when": "init",
    "vg_playing": False,
    "vg_press_note": None,
}


def activation_list(name: str, key: str) -> UrlSetting:
    """Activations separated by commas, e.g. ``sigmoid,relu`` (each known, none twice)."""

    def parse(text: str) -> list[str]:
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in COMPARE_ACTIVATIONS]
        if unknown:
            raise ValueError(
                f"unknown activation(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(COMPARE_ACTIVATIONS)}"
            )
        if len(set(names)) != len(names):
            raise ValueError("an activation is listed twice")
        return names

    return UrlSetting(name, key, parse, lambda v: ",".join(v))


# ui.urlstate echoes a refused value only as shortened inline code and escapes the reason
PARAMS: tuple[UrlSetting, ...] = (
    activation_list("acts", "vg_acts"),
    number("depth", "vg_depth", MIN_DEPTH, MAX_DEPTH, integer=True),
    number("width", "vg_width", MIN_WIDTH, MAX_WIDTH, integer=True),
    choice("data", "vg_dataset", list(DATASETS)),
    choice("init", "vg_init", INIT_SCHEMES),
    number("std", "vg_std", STD_VALUES[0], STD_VALUES[-1], allowed=STD_VALUES),
    number("seed", "vg_seed", 0, MAX_SEED, integer=True),
    number("lr", "vg_lr", LR_CHOICES[0], LR_CHOICES[-1], allowed=LR_CHOICES),
    choice("opt", "vg_opt", OPTIMIZERS),
    number("n", "vg_n", TRAIN_CHOICES[0], TRAIN_CHOICES[-1], allowed=TRAIN_CHOICES),
    number("xstd", "vg_xstd", STD_VALUES[0], STD_VALUES[-1], allowed=STD_VALUES),
    flag("clip", "vg_clip"),
    number("clipmax", "vg_clipmax", CLIP_CHOICES[0], CLIP_CHOICES[-1], allowed=CLIP_CHOICES),
    choice("symact", "vg_sym_act", COMPARE_ACTIVATIONS),
    choice("symstart", "vg_sym_start", SYMMETRIC_STARTS),
    choice("hact", "vg_hist_act", COMPARE_ACTIVATIONS),
    int_list("hl", "vg_hist_layers", 1, MAX_DEPTH, MAX_HIST_LAYERS),
    choice("when", "vg_hist_when", HIST_WHEN),
)


def ordered(activations: Sequence[str]) -> tuple[str, ...]:
    """The chosen activations in the page's fixed order (so reordering a selection restarts nothing)."""
    return tuple(a for a in COMPARE_ACTIVATIONS if a in activations)


def setup_from_state() -> LabSetup:
    """The ``LabSetup`` the sidebar widgets describe."""
    s = st.session_state
    return LabSetup(
        activations=ordered(s.vg_acts),
        depth=int(s.vg_depth),
        width=int(s.vg_width),
        dataset=s.vg_dataset,
        init=s.vg_init,
        std=float(s.vg_std),
        seed=int(s.vg_seed),
    )


def current_lab(setup: LabSetup) -> Lab:
    """The learner's comparison for ``setup``: kept while the setup stays, started afresh when it changes."""
    lab = st.session_state.get("vg_lab")
    if lab is None or lab.setup != setup:
        lab = start_lab(setup)
        st.session_state.vg_lab = lab
        st.session_state.vg_playing = False
    return lab


def train_current_lab(iterations: int, budget: float = PRESS_BUDGET) -> tuple[Lab, int]:
    """Train the session's comparison up to ``iterations`` more updates (current lr and optimizer).

    Stops early once ``budget`` seconds have passed, so a press on the deepest, widest networks
    stays responsive; every run advances the same number of updates. Returns the lab and how many
    updates were made.
    """
    s = st.session_state
    lab = s.vg_lab
    start = time.perf_counter()
    # the first chunk: half of what fits the budget at the pace these networks kept last time (a
    # Play tick then trains in one call, not 1 + 9); one update when the pace is not known yet
    setup, seconds = s.get(PACE_KEY) or (None, 0.0)
    chunk = max(1, int(0.5 * budget / seconds)) if setup == lab.setup and seconds > 0 else 1
    done = 0
    while done < iterations and not lab.finished:
        n = min(chunk, iterations - done)
        lab = train_lab(lab, n, float(s.vg_lr), s.vg_opt)
        done += n
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            break
        # the next chunk fills what is left of the budget, judged by the time per update so far
        chunk = max(1, int((budget - elapsed) / (elapsed / done)))
    if done:
        s[PACE_KEY] = (lab.setup, (time.perf_counter() - start) / done)
    s.vg_lab = lab
    if lab.finished:
        s.vg_playing = False
    return lab, done


def train_label(n: int) -> str:
    """The train button's label: one update always completes; more may stop at the time budget."""
    return "Train 1 iteration" if n == 1 else f"Train up to {n}"


def press_train() -> None:
    """The train button's callback: train ``vg_n`` updates (within the budget) and note a short press.

    Run as a callback, before the fragment draws anything: a rerun requested by the next click
    cannot stop it halfway (Streamlit interrupts a script only at its ``st`` calls).
    """
    s = st.session_state
    if s.vg_playing or not s.vg_lab.runs or s.vg_lab.finished:
        return
    lab, done = train_current_lab(s.vg_n)
    s.vg_press_note = (
        None
        if done >= s.vg_n or lab.finished
        else f"Trained {done} of {s.vg_n} iterations: with {lab.setup.depth} layers of "
        f"{lab.setup.width} neurons and {len(lab.runs)} networks one press stops after about "
        f"{PRESS_BUDGET:g} seconds. Press again (or Play) to continue."
    )


def restart_lab() -> None:
    """Back to the initial networks of the current setup."""
    st.session_state.vg_lab = start_lab(st.session_state.vg_lab.setup)
    st.session_state.vg_playing = False


def sanitise_view_state(activations: Sequence[str], depth: int) -> list[str]:
    """Keep the histogram choices valid for the current comparison; say what had to change."""
    s = st.session_state
    notes = []
    if activations and s.vg_hist_act not in activations:
        s.vg_hist_act = activations[0]
    layers = [l for l in s.vg_hist_layers if 1 <= l <= depth]
    if len(layers) != len(s.vg_hist_layers):
        dropped = sorted(set(s.vg_hist_layers) - set(layers))
        notes.append(
            f"Histogram layer(s) {', '.join(map(str, dropped))} do not exist with {depth} hidden layers; "
            "showing the others."
        )
    if not layers and s.vg_hist_layers:
        # every chosen layer vanished with the depth: fall back to first, middle, last
        layers = sorted({1, (depth + 1) // 2, depth})
    s.vg_hist_layers = layers[:MAX_HIST_LAYERS]
    return notes


# -- Save progress / Load progress ----------------------------------------------------------------


def dump_progress_payload() -> dict:
    """Every setting of the page (as the URL writes it) and the whole comparison, sized to load back."""
    s = st.session_state
    settings = {p.name: p.dump(s[p.key]) for p in PARAMS if p.key in s}
    return payload_that_fits(settings, s.vg_lab, "vanishing")


def save_refusal(lab: Lab) -> str | None:
    """Why Save is off (the file could not be loaded back), or ``None`` when the file fits."""
    size = smallest_file_estimate(lab)
    if size <= MAX_PROGRESS_BYTES:
        return None
    setup = lab.setup
    return (
        f"Save is off: a progress file of these {len(lab.runs)} network(s) of {setup.depth} hidden layers of "
        f"{setup.width} would be about {size / 1e6:.1f} MB, and a file over {MAX_PROGRESS_BYTES / 1e6:g} MB "
        "cannot be loaded back. It holds every weight and the optimizer's memory exactly, and the history "
        "of every update: fewer networks, fewer or narrower layers, or saving after fewer updates make it "
        "fit."
    )


def load_progress_payload(payload: dict) -> str:
    """Check a saved payload completely, then restore the settings and the comparison."""
    settings = payload.get("settings") if isinstance(payload, dict) else None
    if not isinstance(settings, dict):
        raise ValueError("This progress file has no settings.")
    values = {}
    for p in PARAMS:
        if p.name not in settings or not isinstance(settings[p.name], str):
            raise ValueError(f"This progress file has no setting '{p.name}'.")
        try:
            values[p.key] = p.parse(settings[p.name])
        except ValueError as exc:
            raise ValueError(f"The file's setting '{p.name}': {exc}") from None
    lab = lab_from_payload(payload.get("lab"))
    described = LabSetup(
        activations=ordered(values["vg_acts"]),
        depth=int(values["vg_depth"]),
        width=int(values["vg_width"]),
        dataset=values["vg_dataset"],
        init=values["vg_init"],
        std=float(values["vg_std"]),
        seed=int(values["vg_seed"]),
    )
    if described != lab.setup:
        raise ValueError("The file's settings do not match the networks it holds.")
    s = st.session_state
    s.update(values)
    s.vg_lab = lab
    s.vg_playing = False
    s.vg_press_note = None
    return f"{len(lab.runs)} network(s) after {lab.iteration} update(s), with every setting of the page."
