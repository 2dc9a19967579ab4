"""The step-through page's URL round trip: every setting, the position and the picks in the link.

URL values are validated before any widget is created (``read_url``); a bad value gets a visible
notice that repeats it only through ``quoted`` and the default. ``apply_url_position`` puts a
link's iteration, phase and picks into the preset's run; ``write_step_url`` writes the current
state back, so the address bar (and the share link) always restores the page as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import streamlit as st

from backprop_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from backprop_core.losses import LOSSES
from labs.step_through.model import MAX_BATCH, PARAM_ID, PRESET_NAMES, Preset, parse_param_id, parse_sizes
from labs.step_through.model_session import StepRun, make_trace, parse_phase, phase_token, position_for
from labs.step_through.view_controls import LRS, StepSetup, switch_preset
from ui.echo import quoted
from ui.urlstate import UrlSetting, choice, flag, number, seed_from_url, write_url

MARKER = "step_url_seen"
MAX_URL_ITERATIONS = 500

# short names for the URL: ?preset=classic&phase=backward&weight=w5
PRESET_TOKENS = {
    "single": "single weight",
    "classic": "classic 2-2-2",
    "tiny": "tiny classifier",
    "custom": "custom",
}
TOKEN_OF = {v: k for k, v in PRESET_TOKENS.items()}


# The refusals below never repeat the learner's text: ``seed_from_url`` puts it in front of the
# reason through ``quoted`` (inline code, shortened) and escapes the rest, so a crafted link puts
# no link, image or heading on the page.


def _parse_preset(text: str) -> str:
    if text in PRESET_TOKENS:
        return PRESET_TOKENS[text]
    if text in PRESET_NAMES:
        return text
    raise ValueError(f"expected one of {', '.join(PRESET_TOKENS)}")


def _parse_sizes_text(text: str) -> str:
    return "-".join(map(str, parse_sizes(text)))


def _parse_phase_text(text: str) -> str:
    parse_phase(text)
    return text


def _parse_weight_text(text: str) -> str:
    if len(text) > 20 or not PARAM_ID.fullmatch(text.strip()):
        raise ValueError("expected a weight name like w5 or w2.1.1, or a bias name like b2.1")
    return text.strip()


NEURON_ID = re.compile(r"[a-zŷ]\d*(\.\d+)?")


def _parse_neuron_text(text: str) -> str:
    if not NEURON_ID.fullmatch(text.strip()) or len(text) > 12:
        raise ValueError("expected a neuron name like h1, o2 or h2.3")
    return text.strip()


def _parse_sample(text: str) -> int:
    """The URL counts samples from 1 as the page does; the session keeps the 0-based index."""
    if not (text.isascii() and text.isdecimal() and len(text) <= 3) or not 1 <= int(text) <= MAX_BATCH:
        raise ValueError(f"expected a sample number from 1 to {MAX_BATCH}")
    return int(text) - 1


def _guarded(setting: UrlSetting, expected: str) -> UrlSetting:
    """``setting`` whose refusal says what was expected in this page's words (``seed_from_url``
    puts the value itself in front, quoted)."""

    def parse(text: str) -> object:
        try:
            return setting.parse(text)
        except (ValueError, OverflowError):
            raise ValueError(f"expected {expected}") from None

    return UrlSetting(setting.name, setting.key, parse, setting.dump)


def _one_of(options: object) -> str:
    return "one of " + ", ".join(map(str, options))


URL_PARAMS: tuple[UrlSetting, ...] = (
    UrlSetting("preset", "step_preset", _parse_preset, lambda v: TOKEN_OF.get(v, v)),
    UrlSetting("sizes", "step_sizes", _parse_sizes_text),
    _guarded(number("seed", "step_seed", 0, 9999, integer=True), "a whole number from 0 to 9999"),
    _guarded(
        number("batch", "step_batch", 1, MAX_BATCH, integer=True), f"a whole number from 1 to {MAX_BATCH}"
    ),
    _guarded(
        number("lr", "step_lr", LRS[0], LRS[-1], allowed=LRS),
        "a learning rate on the slider's scale (e.g. 0.01, 0.5, 1)",
    ),
    _guarded(choice("hidden", "step_hidden", list(HIDDEN_ACTIVATIONS)), _one_of(HIDDEN_ACTIVATIONS)),
    _guarded(choice("output", "step_output", list(ACTIVATIONS)), _one_of(ACTIVATIONS)),
    _guarded(choice("loss", "step_loss", list(LOSSES)), _one_of(LOSSES)),
    _guarded(flag("biases", "step_train_biases"), "1 or 0"),
    UrlSetting("phase", "step_url_phase", _parse_phase_text),
    _guarded(
        number("it", "step_url_it", 0, MAX_URL_ITERATIONS, integer=True),
        f"a whole number of iterations from 0 to {MAX_URL_ITERATIONS}",
    ),
    UrlSetting("weight", "step_weight", _parse_weight_text),
    UrlSetting("neuron", "step_neuron", _parse_neuron_text),
    UrlSetting("sample", "step_sample", _parse_sample, lambda v: str(int(v) + 1)),
    _guarded(flag("layerwise", "step_layerwise"), "1 or 0"),
    _guarded(flag("persample", "step_per_sample"), "1 or 0"),
    _guarded(flag("quiz", "step_quiz"), "1 or 0"),
    _guarded(
        number("satz", "step_sat_z", -10, 10, allowed=[v / 2 for v in range(-20, 21)]),
        "a number from -10 to 10 in steps of 0.5",
    ),
    _guarded(choice("saty", "step_sat_y", ["1", "0"]), "1 or 0"),
)
_BY_NAME = {p.name: p for p in URL_PARAMS}


def _accepted(name: str, text: str) -> bool:
    """Whether the URL value ``text`` of parameter ``name`` is one the page can use."""
    try:
        _BY_NAME[name].parse(text)
    except ValueError:
        return False
    return True


def read_url() -> tuple[list[str], dict[str, str]]:
    """Validate the URL before any widget exists. Returns notices and the raw values read
    this run (empty when the URL is the one this page wrote itself)."""
    ss = st.session_state
    before = ss.get(MARKER)
    notices = seed_from_url(URL_PARAMS, MARKER)
    after = ss.get(MARKER) or {}
    fresh = dict(after) if after != before else {}
    if fresh and ss.get("step_preset") != ss.get("step_active"):
        # a link names another preset (or this is the session's first run): load that preset's
        # controls, except the ones the link sets itself (a bad value gets the preset's own)
        keys_from_url = frozenset(
            _BY_NAME[n].key for n, text in fresh.items() if n in _BY_NAME and _accepted(n, text)
        )
        switch_preset(ss.step_preset, keep=keys_from_url)
    return notices, fresh


def apply_url_position(setup: StepSetup, fresh: Mapping[str, str], notices: list[str]) -> None:
    """A link's iteration, phase and weight, applied to the preset's run (after its controls)."""
    ss = st.session_state
    preset, controls = setup.preset, setup.controls
    if controls is None:
        return
    n_layers = preset.net.n_layers
    if "it" in fresh or "phase" in fresh:
        it = _parsed(fresh, "it", 0)
        name, count = parse_phase(_parsed(fresh, "phase", "ready"))
        run = StepRun.start(preset.net)
        try:
            for done in range(it):
                trace = make_trace(preset, run, controls)
                if trace.non_finite:
                    raise ValueError(f"training diverged after {done} iterations; stopped there")
                run = run.next_iteration(trace)
            pos = position_for(name, count, n_layers)
        except ValueError as exc:
            notices.append(f"URL parameter `phase`/`it`: {exc}. Starting at ready instead.")
            pos = 0
        ss.step_runs[setup.key] = run.at(pos)
    # a malformed name has been reported by seed_from_url; check only that a well-formed one exists
    if "weight" in fresh and _parsed(fresh, "weight", None) is not None:
        try:
            parse_param_id(fresh["weight"], preset.sizes, preset.weight_names)
        except ValueError as exc:
            notices.append(
                f"URL parameter `weight`: {quoted(fresh['weight'])}: {exc}. Using the default instead."
            )
            ss.pop("step_weight", None)
    if "neuron" in fresh and _parsed(fresh, "neuron", None) is not None:
        names = [n for column in preset.neuron_names[1:] for n in column]
        if fresh["neuron"].strip() not in names:
            notices.append(
                f"URL parameter `neuron`: {quoted(fresh['neuron'])} is not a neuron of this network "
                f"(its neurons: {', '.join(names[:12])}). Using the default instead."
            )
            ss.pop("step_neuron", None)
    sample = _parsed(fresh, "sample", None) if "sample" in fresh else None
    if sample is not None and sample >= controls.batch:
        notices.append(
            f"URL parameter `sample`: {sample + 1} is not in the batch of {controls.batch}. Showing sample 1."
        )
        ss.step_sample = 0


def _parsed(fresh: Mapping[str, str], name: str, default: object) -> object:
    try:
        return _BY_NAME[name].parse(fresh[name]) if name in fresh else default
    except ValueError:
        return default  # already reported by seed_from_url


def write_step_url(preset: Preset, run: StepRun | None) -> None:
    """Put the current settings, phase, iteration and weight into the URL (a shareable link)."""
    ss = st.session_state
    if run is not None:
        ss.step_url_phase = phase_token(run)
        ss.step_url_it = run.iteration
    skip = set() if preset.name == "custom" else {"sizes", "seed"}
    if preset.n_samples == 1:
        skip.add("batch")
    if preset.fixed_biases:
        skip.add("biases")
    if preset.net.n_layers == 1:
        skip.add("hidden")
    write_url([p for p in URL_PARAMS if p.name not in skip], marker=MARKER)
