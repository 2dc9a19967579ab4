"""A page for the presenter browser test: real figure builders drawn through ui.presenter.plotly_chart."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.common import page_intro, try_this
from ui.presenter import fold, plotly_chart
from ui.share import share_link
from viz.network import network_figure

page_intro("Presenter check", "Charts with numbers on them, drawn the way every page draws them.", "🎓")
rng = np.random.default_rng(0)
weights = [rng.normal(size=(2, 2)), rng.normal(size=(2, 2))]
plotly_chart(
    network_figure(
        [2, 2, 2],
        edge_values=weights,
        edge_labels=[np.round(w, 3) for w in weights],
        node_values=[np.array([0.05, 0.1]), np.array([0.59, 0.6]), np.array([0.75, 0.77])],
        node_labels=[["0.05", "0.1"], ["0.593", "0.597"], ["0.751", "0.773"]],
        title="The classic 2-2-2 network",
    ),
    key="demo_network",
)
fig = make_subplots(rows=1, cols=2, subplot_titles=("loss per step", "weights"))
losses = [1.0, 0.5, 0.3, 0.2]
points = go.Scatter(x=[0, 1, 2, 3], y=losses, mode="lines+markers+text", text=[str(v) for v in losses])
fig.add_trace(points, 1, 1)
heat = go.Heatmap(z=rng.normal(size=(3, 3)).round(2), texttemplate="%{z}", colorscale="RdBu", zmid=0)
fig.add_trace(heat, 1, 2)
fig.add_annotation(text="step 2: lr too large", x=2, y=0.3, showarrow=True)
fig.update_layout(title="Two panels", font={"size": 11}, legend={"font": {"size": 10}}, height=420)
plotly_chart(fig, key="demo_panels")
fold("Why? A long derivation", "The derivation, folded away in presenter mode.")
share_link(key="demo", note="Opens this page with presenter mode as it is now.")
try_this("Switch presenter mode off and on.")
