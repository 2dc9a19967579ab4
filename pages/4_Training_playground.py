"""Training playground: train a small network on 2-D data; watch its boundary, losses and gradients.

Thin on purpose: the lesson lives in ``labs/playground/`` (model, figures, view, text).
"""

import streamlit as st

from labs.playground.view import render

st.set_page_config(page_title="Training playground · Backprop Lab", page_icon="🎛️", layout="wide")
render()
