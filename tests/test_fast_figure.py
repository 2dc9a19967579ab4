"""viz.fast_figure leans on a private Plotly path (``go.Figure(..., _validate=False)``): these tests
fail if a Plotly upgrade removes it or makes it validate again, and check what the figures it builds
still mean (the labs' own tests validate each of their figures in full)."""

from __future__ import annotations

import gc
import inspect

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BaseFigure
from plotly.colors import get_colorscale

from ui.tuning import freeze_module_objects
from viz.fast_figure import DIVERGING_SCALE, figure, layout
from viz.theme import DIVERGING


def test_the_private_plotly_path_exists() -> None:
    # Plotly reads the flag from **kwargs in BaseFigure.__init__ and keeps it on the figure
    assert "_validate" in inspect.getsource(BaseFigure.__init__)
    assert figure([], layout())._validate is False


def test_fast_figures_skip_validation() -> None:
    bad = [{"type": "scatter", "x": [1, 2], "opacity": 5, "mode": "not a mode"}]
    with pytest.raises(ValueError):
        go.Figure(data=bad)  # the validated path checks every value ...
    fig = figure(bad, layout(title={"text": "t"}))  # ... the fast path takes them as given
    trace = fig.to_dict()["data"][0]
    assert trace["opacity"] == 5 and trace["mode"] == "not a mode"


def test_fast_figures_keep_their_data_and_layout() -> None:
    z = np.arange(6, dtype=np.float32).reshape(2, 3)
    fig = figure([{"type": "heatmap", "z": z, "colorscale": DIVERGING_SCALE}], layout(height=300))
    full = go.Figure(fig.to_dict())  # validates: every property and value is a real one
    np.testing.assert_array_equal(fig.data[0].z, z)
    assert full.layout.height == 300
    assert DIVERGING_SCALE == [[float(p), c] for p, c in get_colorscale(DIVERGING)]


def test_freezing_the_modules_objects_happens_once_per_new_module_set() -> None:
    freeze_module_objects()  # whatever the suite imported so far
    assert gc.get_freeze_count() > 0
    assert freeze_module_objects() is False  # nothing new imported: nothing to do
