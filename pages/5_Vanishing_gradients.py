"""Vanishing and exploding gradients: one deep network trained side by side with different activations.

Thin on purpose: the lesson lives in ``labs/vanishing/`` (model, figures, view, text).
"""

import streamlit as st

from labs.vanishing.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Vanishing gradients · Backprop Lab", page_icon="📉", layout="wide")
render()
