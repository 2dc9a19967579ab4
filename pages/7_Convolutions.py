"""Convolutions and max-pooling: backpropagation through a small convolutional network, number by number."""

from __future__ import annotations

import streamlit as st

from labs.conv import text
from labs.conv.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title=f"{text.TITLE} · Backprop Lab", page_icon=text.ICON, layout="wide")

render()
