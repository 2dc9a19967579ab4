"""A bare Streamlit app for ``bench_clicks.py``: one button and one chart it redraws. Not part of the app.

The yardstick for a click: pressing the button reruns the script, which redraws one 100x100
heatmap (built the ordinary way, with Plotly's validation) and a line of text.
Run alone: ``streamlit run benchmarks/bare_click_app.py``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

GRID = np.linspace(0.0, 3.0, 100)

st.set_page_config(page_title="Bare click app", layout="wide")
st.title("Bare click app")
clicks = st.session_state.get("bare_clicks", 0)
if st.button("Redraw", key="bare_redraw"):
    clicks += 1
    st.session_state.bare_clicks = clicks
st.markdown(f"**Click {clicks}**")
z = np.sin(GRID[:, None] + 0.05 * clicks) * np.cos(GRID[None, :] - 0.03 * clicks)
fig = go.Figure(go.Heatmap(z=z, zmid=0, colorscale="RdBu"))
fig.update_layout(title=f"Heatmap after click {clicks}", height=420, margin={"t": 40, "b": 20})
st.plotly_chart(fig, key="bare_chart", width="stretch")
