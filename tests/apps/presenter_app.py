"""A tiny page for AppTest: the page frame, a chart through ui.presenter.plotly_chart, folded prose."""

import plotly.graph_objects as go
import streamlit as st

from ui.common import page_intro
from ui.presenter import fold, plotly_chart, presenter_on

page_intro("Demo", "What the demo teaches.", "🧪")
fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], text=["a", "b"], mode="lines+text"))
fig.update_layout(title="A title", font={"size": 11})
plotly_chart(fig, key="demo_chart")
st.session_state["demo_caller_font"] = fig.layout.font.size
fold("Why? The long story", "A long derivation that a presenter folds away.")
st.write(f"presenter {presenter_on()}")
