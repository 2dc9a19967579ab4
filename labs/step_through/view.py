"""Step through one training iteration, phase by phase, with every number on screen.

Session state and controls (view_controls), the stepper fragment (view_sections), the side
sections (view_extras); numbers from labs.step_through.model and backprop_core, figures from figures_*.
"""

from __future__ import annotations

import streamlit as st

from labs.step_through.text import CLASSIC_CLAIM, INTRO, TRY_THIS
from labs.step_through.view_controls import apply_url_position, read_url, setup_state, sidebar
from labs.step_through.view_extras import classic_note, saturation_section
from labs.step_through.view_sections import stepper
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

    st.markdown(f"**{setup.preset.name}**: {setup.preset.description}.")
    if setup.preset.is_classic:
        st.success(CLASSIC_CLAIM, icon="✅")
    stepper(setup)
    if setup.preset.is_classic:
        classic_note()
    st.divider()
    saturation_section()
    try_this(TRY_THIS)
