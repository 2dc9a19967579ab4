"""Training playground: train a small network on 2-D data; watch its boundary, losses and gradients.

Thin on purpose: the lesson lives in ``labs/playground/`` (model, figures, view, text).
"""

import streamlit as st

from labs.playground.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Training playground · Backprop Lab", page_icon="🎛️", layout="wide")
render()
