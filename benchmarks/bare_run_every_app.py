"""A bare Streamlit app for ``bench_classroom.py``: one chart redrawn by a ``run_every`` fragment.

The yardstick for what a playing learner costs: every 0.15 s (the playground's Play tick) the
fragment redraws one 100x100 heatmap and a counter line, and nothing else. Not part of the app.
Run alone: ``streamlit run benchmarks/bare_run_every_app.py``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

TICK_SECONDS = 0.15
GRID = np.linspace(0.0, 3.0, 100)

st.set_page_config(page_title="Bare run_every app", layout="wide")
st.title("Bare run_every app")


@st.fragment(run_every=TICK_SECONDS)
def live() -> None:
    tick = st.session_state.get("bare_tick", 0) + 1
    st.session_state.bare_tick = tick
    z = np.sin(GRID[:, None] + 0.05 * tick) * np.cos(GRID[None, :] - 0.03 * tick)
    fig = go.Figure(go.Heatmap(z=z, zmid=0, colorscale="RdBu"))
    fig.update_layout(title=f"Heatmap after tick {tick}", height=420, margin={"t": 40, "b": 20})
    with st.container(key="bare_counter"):
        st.markdown(f"**Tick {tick}**")
    st.plotly_chart(fig, key="bare_chart", width="stretch")


live()
