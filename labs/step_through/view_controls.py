"""The step-through page's settings: session state and the sidebar controls (the URL: view_url).

Every widget key starts with ``step_``. Settings are kept per preset (switching to another
preset and back restores them), and the run of each preset is kept too, so nothing a learner
did is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from backprop_core.activations import HIDDEN_ACTIVATIONS
from labs.step_through.model import (
    MAX_CUSTOM_HIDDEN,
    MAX_CUSTOM_WIDTH,
    PRESET_NAMES,
    Preset,
    get_preset,
    loss_choices,
    output_activation_problem,
    output_activations,
    parse_sizes,
)
from labs.step_through.model_session import (
    CLASSIC_ORIGINAL,
    Controls,
)
from ui.common import format_lr, lr_values, nearest_lr, show_error
from ui.echo import quoted

LRS = lr_values(1e-4, 10)
DEFAULT_PRESET = "single weight"
DEFAULT_SIZES = "2-3-1"
CONTROL_KEYS = ("step_lr", "step_hidden", "step_output", "step_loss", "step_batch", "step_train_biases")


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
