"""Gradient descent lab: what the update step does with a gradient, and how it goes wrong.

Thin on purpose: the lesson lives in ``labs/descent/`` (model, figures, view, text).
"""

import streamlit as st

from labs.descent.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Gradient descent lab · Backprop Lab", page_icon="⛰️", layout="wide")
render()
