"""Step through one training iteration, phase by phase, with every number on screen.

Session state and controls (view_controls), the stepper fragment (view_sections), the side
sections (view_extras); numbers from labs.step_through.model and backprop_core, figures from figures_*.
"""

from __future__ import annotations

import streamlit as st

from labs.step_through.model import unreachable_target
from labs.step_through.model_classic import CLASSIC_SOURCE
from labs.step_through.model_session import CLASSIC_ORIGINAL, differences_from_original
from labs.step_through.text import CLASSIC_CLAIM, INTRO, TRY_THIS, setup_description
from labs.step_through.view_controls import StepSetup, restore_original, setup_state, sidebar
from labs.step_through.view_extras import classic_note, saturation_section
from labs.step_through.view_sections import stepper
from labs.step_through.view_url import apply_url_position, read_url
from ui.common import page_intro, try_this
from ui.urlstate import show_notices


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""

    setup_state()
    notices, fresh = read_url()  # validated before any widget is created
    page_intro("Step through one iteration", INTRO, "🔬")
    notice_box = st.container()
    setup = sidebar()
    apply_url_position(setup, fresh, notices)
    with notice_box:
        show_notices(notices)

    _about_the_setup(setup)
    stepper(setup)
    if setup.preset.is_classic:
        classic_note()
    if setup.preset.name == "tiny classifier":
        # where bce first matters: the one preset trained with it (folded: a "Why?" beside the stepper)
        saturation_section()
    try_this(TRY_THIS)


def _about_the_setup(setup: StepSetup) -> None:
    """What is being stepped through, described from the current settings, and the classic banner."""
    preset, controls = setup.preset, setup.controls
    if controls is None:
        st.markdown(f"**{preset.name}**: {preset.description}.")
        return
    st.markdown(f"**{preset.name}**: {setup_description(preset, controls)}.")
    if problem := unreachable_target(controls.output, preset.Y[: controls.batch]):
        st.warning(
            f"Note: {problem}. The loss can only fall towards the distance that remains, never to zero; "
            "a linear output can reach it.",
            icon="ℹ️",
        )
    if not preset.is_classic:
        return
    changed = differences_from_original(controls)
    if not changed:
        st.success(CLASSIC_CLAIM, icon="✅")
        return
    cols = st.columns([4, 1], vertical_alignment="center")
    cols[0].info(
        f"These are not the settings of the published walk-through ({CLASSIC_SOURCE}): "
        f"{'; '.join(changed)}. Its printed numbers hold only for its own settings "
        f"(sigmoid, {CLASSIC_ORIGINAL.loss}, lr {CLASSIC_ORIGINAL.lr:g}, biases fixed).",
    )
    cols[1].button(
        "Use the original's settings",
        key="step_btn_original",
        on_click=restore_original,
        help="Sigmoid hidden and output, half_sse, lr 0.5, biases fixed: the numbers of the walk-through",
    )
