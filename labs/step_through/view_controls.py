"""The step-through page's settings: session state, the sidebar controls and the URL round trip.

Every widget key starts with ``step_``. Settings are kept per preset (switching to another
preset and back restores them), and the run of each preset is kept too, so nothing a learner
did is silently lost. URL values are validated before any widget is created; a bad value gets a
visible notice and the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from backprop_core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from backprop_core.losses import LOSSES
from labs.step_through.model import (
    MAX_BATCH,
    MAX_CUSTOM_HIDDEN,
    MAX_CUSTOM_WIDTH,
    PARAM_ID,
    PRESET_NAMES,
    Preset,
    get_preset,
    loss_choices,
    output_activation_problem,
    output_activations,
    parse_param_id,
    parse_sizes,
)
from labs.step_through.model_session import (
    CLASSIC_ORIGINAL,
    Controls,
    StepRun,
    make_trace,
    parse_phase,
    phase_token,
    position_for,
)
from ui.common import format_lr, lr_values, nearest_lr, show_error
from ui.echo import quoted
from ui.urlstate import UrlSetting, choice, flag, number, seed_from_url, write_url

LRS = lr_values(1e-4, 10)
MARKER = "step_url_seen"
MAX_URL_ITERATIONS = 500
DEFAULT_PRESET = "single weight"
DEFAULT_SIZES = "2-3-1"

# short names for the URL: ?preset=classic&phase=backward&weight=w5
PRESET_TOKENS = {
    "single": "single weight",
    "classic": "classic 2-2-2",
    "tiny": "tiny classifier",
    "custom": "custom",
}
TOKEN_OF = {v: k for k, v in PRESET_TOKENS.items()}
CONTROL_KEYS = ("step_lr", "step_hidden", "step_output", "step_loss", "step_batch", "step_train_biases")


# Every message below repeats the learner's text only through ``quoted`` (inline code, shortened):
# a crafted link must not put a link, an image or a heading on the page.


def _parse_preset(text: str) -> str:
    if text in PRESET_TOKENS:
        return PRESET_TOKENS[text]
    if text in PRESET_NAMES:
        return text
    raise ValueError(f"{quoted(text)} is not one of {', '.join(PRESET_TOKENS)}")


def _parse_sizes_text(text: str) -> str:
    try:
        return "-".join(map(str, parse_sizes(text)))
    except ValueError as exc:
        raise ValueError(f"{quoted(text)}: {exc}") from None


def _parse_phase_text(text: str) -> str:
    try:
        parse_phase(text)
    except ValueError as exc:
        raise ValueError(f"{quoted(text)}: {exc}") from None
    return text


def _parse_weight_text(text: str) -> str:
    if len(text) > 20 or not PARAM_ID.fullmatch(text.strip()):
        raise ValueError(f"{quoted(text)} is not a weight name like w5 or w2.1.1, or a bias name like b2.1")
    return text.strip()


NEURON_ID = re.compile(r"[a-zŷ]\d*(\.\d+)?")


def _parse_neuron_text(text: str) -> str:
    if not NEURON_ID.fullmatch(text.strip()) or len(text) > 12:
        raise ValueError(f"{quoted(text)} is not a neuron name like h1, o2 or h2.3")
    return text.strip()


def _parse_sample(text: str) -> int:
    """The URL counts samples from 1 as the page does; the session keeps the 0-based index."""
    if not (text.isascii() and text.isdecimal() and len(text) <= 3) or not 1 <= int(text) <= MAX_BATCH:
        raise ValueError(f"{quoted(text)} is not a sample number from 1 to {MAX_BATCH}")
    return int(text) - 1


def _guarded(setting: UrlSetting, expected: str) -> UrlSetting:
    """``setting`` whose refusal says what was expected and repeats the value only through
    ``quoted`` (shortened inline code), whatever the shared parser's own message says."""

    def parse(text: str) -> object:
        try:
            return setting.parse(text)
        except (ValueError, OverflowError):
            raise ValueError(f"{quoted(text)} is not {expected}") from None

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


def preset_defaults(preset: Preset) -> dict[str, object]:
    """The controls a preset starts with: its own learning rate, activations and loss."""
    batch = {"tiny classifier": preset.n_samples, "custom": 4}.get(preset.name, 1)
    return {
        "step_lr": nearest_lr(preset.lr, LRS),
        "step_hidden": preset.net.activations[0] if preset.net.n_layers > 1 else "tanh",
        "step_output": preset.net.output_activation,
        "step_loss": preset.loss,
        "step_batch": batch,
        "step_train_biases": not preset.freeze_biases,
    }


def setup_state() -> None:
    """The page's session state (a learner may open the page by URL, in a fresh session)."""
    ss = st.session_state
    ss.setdefault("step_preset", DEFAULT_PRESET)
    ss.setdefault("step_active", None)
    ss.setdefault("step_saved", {})
    ss.setdefault("step_runs", {})
    ss.setdefault("step_sizes", DEFAULT_SIZES)
    ss.setdefault("step_sizes_ok", DEFAULT_SIZES)
    ss.setdefault("step_seed", 0)
    ss.setdefault("step_layerwise", True)
    ss.setdefault("step_quiz", False)
    ss.setdefault("step_quiz_tol", "1 %")
    ss.setdefault("step_quiz_answers", {})
    ss.setdefault("step_seen_controls", {})
    ss.setdefault("step_per_sample", False)
    ss.setdefault("step_sat_z", -6.0)
    ss.setdefault("step_sat_y", "1")


def switch_preset(name: str, keep: frozenset[str] = frozenset()) -> None:
    """Make ``name`` the active preset: save the old preset's controls, load the new one's.

    ``keep``: control keys just set from the URL, which win over saved or default values.
    """
    ss = st.session_state
    old = ss.step_active
    if old is not None:
        ss.step_saved[old] = {k: ss[k] for k in CONTROL_KEYS if k in ss}
    values = ss.step_saved.get(name) or preset_defaults(build_preset(name))
    for k, v in values.items():
        if k not in keep:
            ss[k] = v
    ss.step_active = name


def build_preset(name: str) -> Preset:
    ss = st.session_state
    return get_preset(name, parse_sizes(ss.step_sizes_ok), int(ss.step_seed))


def run_key(preset: Preset) -> str:
    """Each preset (and each custom architecture and seed) keeps its own run."""
    if preset.name == "custom":
        return f"custom {'-'.join(map(str, preset.sizes))} seed {st.session_state.step_seed}"
    return preset.name


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


@dataclass(frozen=True)
class StepSetup:
    """What the sidebar produced: the preset, its run key and the controls (``None`` if unusable)."""

    preset: Preset
    key: str
    controls: Controls | None


def sidebar() -> StepSetup:
    """The sidebar: network, batch, learning rate, activations, loss, biases."""
    ss = st.session_state
    if ss.step_preset != ss.step_active:
        switch_preset(ss.step_preset)
    with st.sidebar:
        st.header("Network and settings")
        st.selectbox(
            "Network",
            PRESET_NAMES,
            key="step_preset",
            help="single weight: the smallest example; classic 2-2-2: the published walk-through "
            "(Matt Mazur, A Step by Step Backpropagation Example, 2015); "
            "tiny classifier: 2-3-1 on the four XOR points; custom: your own layer sizes",
            persist_state="session",
        )
        if ss.step_preset == "custom":
            _custom_controls()
        preset = build_preset(ss.step_preset)
        _batch_control(preset)
        if ss.get("step_lr") not in LRS:
            ss.step_lr = nearest_lr(float(ss.get("step_lr") or preset.lr), LRS)
        st.select_slider(
            "Learning rate lr (log scale)",
            options=LRS,
            key="step_lr",
            format_func=format_lr,
            help="The update moves each weight by lr · dL/dw: the step is lr times the gradient's size. "
            "The presets' own rates (0.01, 0.5) are on the scale.",
            persist_state="session",
        )
        controls = _activation_and_loss(preset)
        st.toggle(
            "Update the biases",
            key="step_train_biases",
            disabled=preset.fixed_biases,
            help="The classic example keeps its biases fixed; turn this on to train them too. "
            "The single weight has no bias.",
            persist_state="session",
        )
        if preset.fixed_biases:
            st.caption("The single weight has no bias to update.")
    if controls is None:
        return StepSetup(preset, run_key(preset), None)
    controls = Controls(
        lr=float(ss.step_lr),
        hidden=controls.hidden,
        output=controls.output,
        loss=controls.loss,
        batch=int(ss.get("step_batch", 1)),
        train_biases=bool(ss.step_train_biases) and not preset.fixed_biases,
    )
    return StepSetup(preset, run_key(preset), controls)


def _custom_controls() -> None:
    ss = st.session_state
    st.text_input(
        "Layer sizes (input-hidden…-output)",
        key="step_sizes",
        help=f"For example 2-3-1, or 3-4-4-2. Up to {MAX_CUSTOM_HIDDEN} hidden layers; use 1 to "
        f"{MAX_CUSTOM_WIDTH} per layer.",
        persist_state="session",
    )
    try:
        ss.step_sizes_ok = "-".join(map(str, parse_sizes(ss.step_sizes)))
    except ValueError as exc:
        show_error(f"Layer sizes {quoted(ss.step_sizes, 30)}: {exc}. Still using {ss.step_sizes_ok}.")
    st.number_input(
        "Seed for the starting weights and samples",
        min_value=0,
        max_value=9999,
        step=1,
        key="step_seed",
        persist_state="session",
    )


def _batch_control(preset: Preset) -> None:
    ss = st.session_state
    n = preset.n_samples
    if n == 1:
        ss.step_batch = 1
        st.caption("One training sample.")
        return
    ss.step_batch = int(min(max(int(ss.get("step_batch", 1)), 1), n))
    st.slider(
        "Samples in the batch",
        min_value=1,
        max_value=n,
        key="step_batch",
        help="The first samples of the data are used. The loss is their mean, so each delta "
        "carries a factor 1/m.",
        persist_state="session",
    )


def _activation_and_loss(preset: Preset) -> Controls | None:
    """Activation and loss selects that only offer valid pairings, with the reasons for the rest."""
    ss = st.session_state
    n_out = preset.sizes[-1]
    if preset.net.n_layers > 1:
        if ss.get("step_hidden") not in HIDDEN_ACTIVATIONS:
            ss.step_hidden = "tanh"
        st.selectbox(
            "Hidden activation",
            list(HIDDEN_ACTIVATIONS),
            key="step_hidden",
            help="One activation for every hidden layer.",
            persist_state="session",
        )
    outputs = output_activations(n_out)
    if ss.get("step_output") not in outputs:
        problem = output_activation_problem(str(ss.get("step_output")), n_out)
        st.info(f"Output activation set to {preset.net.output_activation}: {problem}.")
        ss.step_output = preset.net.output_activation
    st.selectbox("Output activation", outputs, key="step_output", persist_state="session")
    if "softmax" not in outputs:
        st.caption("softmax is not offered: it needs at least two outputs (with one it always gives 1).")
    m = int(min(max(int(ss.get("step_batch", 1)), 1), preset.n_samples))
    valid, excluded = loss_choices(ss.step_output, preset.Y[:m])
    if not valid:
        show_error(f"No loss fits a {ss.step_output} output with these targets.")
        return None
    if ss.get("step_loss") not in valid:
        old = ss.get("step_loss")
        reason = excluded.get(str(old), "")
        ss.step_loss = valid[0]
        st.info(f"Loss switched from {old} to {valid[0]}: {reason}.")
    st.selectbox("Loss", valid, key="step_loss", persist_state="session")
    if excluded:
        with st.expander(f"Why not {', '.join(excluded)}?"):
            for name, reason in excluded.items():
                st.markdown(f"- **{name}**: {app_rule(reason)}")
    return Controls(0.0, ss.get("step_hidden", "tanh"), ss.step_output, ss.step_loss, m, False)


def restore_original() -> None:
    """The classic walk-through's own settings (a button's callback, before the widgets exist)."""
    ss = st.session_state
    o = CLASSIC_ORIGINAL
    ss.step_lr, ss.step_hidden, ss.step_output, ss.step_loss = o.lr, o.hidden, o.output, o.loss
    ss.step_batch, ss.step_train_biases = o.batch, o.train_biases


def app_rule(reason: str) -> str:
    """The softmax pairing is this app's rule, not mathematics: say so where it is given as a reason."""
    if reason.startswith("a softmax output must be trained with cross_entropy"):
        return (
            "this app pairs a softmax output only with cross_entropy (its loss for class probabilities). "
            "The maths allows others (e.g. squared error on the probabilities), but their delta is a "
            "full Jacobian-vector product this page does not draw"
        )
    return reason


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
