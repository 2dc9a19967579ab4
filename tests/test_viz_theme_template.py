"""viz.theme: charts laid out with base_layout reach the browser with the plotly_white template."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from labs.conv.figures import grid_figure
from viz.fast_figure import layout as fast_layout
from viz.theme import TEMPLATE_MARK, base_layout, with_template


def _json(fig: object) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_the_json_sent_is_that_of_the_figure_with_the_named_template() -> None:
    fig = grid_figure(np.arange(12.0).reshape(3, 4) - 5, "a grid")
    assert fig.layout.meta == TEMPLATE_MARK  # built without expanding the template
    sent = with_template(fig)
    same = go.Figure(fig)
    same.update_layout(template="plotly_white", meta=None)
    assert _json(sent) == _json(same)
    assert sent["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    assert fig.layout.meta == TEMPLATE_MARK  # the caller's figure is not changed


def test_figures_without_the_mark_pass_unchanged() -> None:
    fast = go.Figure(data=[{"type": "scatter", "y": [1, 2]}], layout=fast_layout(height=200), _validate=False)
    assert "meta" not in fast_layout() and "template" not in fast_layout()
    assert with_template(fast) is fast
    plain = {"data": [], "layout": {"title": {"text": "x"}}}
    assert with_template(plain) is plain
    assert with_template(go.Figure(layout=base_layout()))["layout"]["template"]
