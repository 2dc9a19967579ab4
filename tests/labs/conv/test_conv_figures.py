"""The convolution lab's grid, filter and image figures: built from dicts without validation, so
validated here in full, and laid out as make_subplots would."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from labs.conv import figures
from viz.fast_figure import panel_row
from viz.theme import TEMPLATE_MARK

RNG = np.random.default_rng(0)
V = RNG.normal(size=(6, 6))
FIGURES = {
    "grid": lambda: figures.grid_figure(V, "t", window=(1, 1, 3, 3), marks=V > 1, origin=(2, 3)),
    "grid without numbers": lambda: figures.grid_figure(V, "t", numbers=False),
    "filters": lambda: figures.filters_figure(RNG.normal(size=(4, 1, 3, 3))),
    "images": lambda: figures.images_figure([V, -V, 2 * V], ["a", "b", "c"]),
    "no images": lambda: figures.images_figure([], []),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_property_is_valid_plotly(name: str) -> None:
    fig = FIGURES[name]()
    go.Figure(fig.to_dict())  # the validating constructor raises on any unknown or bad property
    assert fig.layout.meta == TEMPLATE_MARK  # drawn with the plotly_white look (viz.theme)


@pytest.mark.parametrize(("titles", "spacing"), [(["a", "b", "c"], 0.02), (["x", "y"], 0.1), ([""], 0.03)])
def test_panel_row_lays_out_like_make_subplots(titles: list[str], spacing: float) -> None:
    ref = make_subplots(1, len(titles), subplot_titles=titles, horizontal_spacing=spacing)
    ref = ref.layout.to_plotly_json()
    ref.pop("template")
    ours = panel_row(titles, spacing)
    for key, axis in ours.items():
        if key != "annotations":
            assert axis["anchor"] == ref[key]["anchor"]
            assert axis["domain"] == pytest.approx(ref[key]["domain"])
    got = [(a["text"], a["x"]) for a in ours["annotations"]]
    want = [(a["text"], a["x"]) for a in ref.get("annotations", []) if a["text"]]
    assert [t for t, _ in got if t] == [t for t, _ in want]
    assert [x for t, x in got if t] == pytest.approx([x for _, x in want])
    assert json.dumps(ours)  # plain JSON


def test_grid_numbers_and_hover_are_kept() -> None:
    fig = figures.grid_figure(np.array([[0.0, -0.0001], [1.234, np.nan]]), "t", decimals=2)
    assert list(fig.data[0].text.ravel()) == ["0", "0.00", "1.23", ""]
    assert fig.data[0].hovertemplate == "row %{y}, column %{x}: %{z:.6g}<extra></extra>"
    assert fig.data[0].colorscale[0][1] == "rgb(103,0,31)"  # RdBu's dark red for the most negative
