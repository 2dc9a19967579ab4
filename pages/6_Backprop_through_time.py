"""Backpropagation through time: an RNN's backward pass stepped through time with every number."""

from __future__ import annotations

import streamlit as st

from labs.rnn.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Backprop through time · Backprop Lab", page_icon="🔁", layout="wide")
render()
