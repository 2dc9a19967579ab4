"""Step through one training iteration, phase by phase, with every number on screen.

Thin on purpose: the lesson lives in ``labs/step_through/`` (model, figures, view, text).
"""

import streamlit as st

from labs.step_through.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Step through · Backprop Lab", page_icon="🔬", layout="wide")
render()
