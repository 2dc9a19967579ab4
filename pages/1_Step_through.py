"""Step through one training iteration, phase by phase, with every number on screen.

Thin on purpose: session state and controls (ui.step_controls), the stepper fragment
(ui.step_sections), the side sections (ui.step_extras); numbers come from backprop_core,
figures from viz.
"""

from __future__ import annotations

import streamlit as st

from ui.common import page_intro, try_this
from ui.step_controls import apply_url_position, read_url, setup_state, sidebar
from ui.step_extras import classic_note, saturation_section
from ui.step_sections import stepper
from ui.step_text import CLASSIC_CLAIM, INTRO, TRY_THIS
from ui.urlstate import show_notices

st.set_page_config(page_title="Step through · Backprop Lab", page_icon="🔬", layout="wide")

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
