"""The computational graph: what loss.backward() walks, drawn live with every number (labs/graph)."""

from __future__ import annotations

import streamlit as st

from labs.graph.view import render
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Computational graph · Backprop Lab", page_icon="🕸️", layout="wide")

render()
