"""The computational graph: what loss.backward() walks, drawn live with every number (labs/graph)."""

from __future__ import annotations

import streamlit as st

from labs.graph.view import render

st.set_page_config(page_title="Computational graph · Backprop Lab", page_icon="🕸️", layout="wide")

render()
