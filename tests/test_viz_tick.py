"""What Play ticks send lighter: ``viz.decimate`` (fewer points, float32 where exact) and
``viz.tick_figure`` (the dict Streamlit sends, without Plotly's objects), checked against the full path."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import streamlit.elements.plotly_chart  # noqa: F401 (registers Streamlit's template as the default)
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.tools import return_figure_from_figure_or_data

from viz.decimate import compact, minmax_indices
from viz.fast_figure import DIVERGING_SCALE, figure, layout
from viz.presenter_fonts import presenter_figure
from viz.tick_figure import TickFigure, default_template, tick_figure

# -- minmax_indices -----------------------------------------------------------------------------------


def test_a_short_series_keeps_every_point() -> None:
    np.testing.assert_array_equal(minmax_indices(np.arange(300.0), 300), np.arange(300))
    assert minmax_indices(np.array([]), 300).size == 0


def test_a_long_series_keeps_first_last_minimum_maximum_and_a_spike() -> None:
    t = np.arange(5001)
    loss = (1 + 0.1 * np.sin(t)) / (1 + t)
    loss[1234] = 7.0  # one spike, one point wide
    loss[4321] = 1e-9  # the lowest loss, one point wide
    idx = minmax_indices(loss, 300)
    assert len(idx) <= 300 and np.all(np.diff(idx) > 0)
    assert idx[0] == 0 and idx[-1] == 5000
    assert {1234, 4321} <= set(idx.tolist())


def test_a_gap_in_a_long_series_stays_a_gap() -> None:
    loss = np.linspace(1.0, 0.1, 2000)
    loss[[500, 501, 1500]] = np.nan  # a loss a log axis cannot show
    idx = minmax_indices(loss, 300)
    assert len(idx) <= 300
    assert np.isnan(loss[idx]).sum() >= 2  # each bucket holding a gap keeps one of its NaN
    assert loss[idx][~np.isnan(loss[idx])].min() == loss[np.isfinite(loss)].min()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_infinity=False, width=64) | st.just(float("nan")), min_size=0, max_size=900),
    st.integers(5, 400),
)
def test_minmax_indices_properties(values: list[float], limit: int) -> None:
    v = np.array(values, dtype=float)
    idx = minmax_indices(v, limit)
    assert len(idx) <= max(limit, 0) or len(idx) == len(v) <= limit
    assert np.all(np.diff(idx) > 0) and (idx.size == 0 or (idx[0] == 0 and idx[-1] == len(v) - 1))
    finite = v[~np.isnan(v)]
    if finite.size:
        kept = v[idx][~np.isnan(v[idx])]
        assert kept.min() == finite.min() and kept.max() == finite.max()


def test_minmax_indices_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="1-D"):
        minmax_indices(np.zeros((3, 3)), 300)
    with pytest.raises(ValueError, match="at least 5"):
        minmax_indices(np.arange(10.0), 4)


# -- compact ------------------------------------------------------------------------------------------


def test_compact_halves_values_float32_holds_to_6e_8() -> None:
    v = np.array([0.0, 1e-30, 0.123456789, 3e30, np.nan, np.inf, -2.5])
    out = compact(v)
    assert out.dtype == np.float32
    finite = np.isfinite(v) & (v != 0)
    np.testing.assert_allclose(out[finite], v[finite], rtol=6e-8)
    assert np.isnan(out[4]) and np.isinf(out[5]) and out[0] == 0


@pytest.mark.parametrize("extreme", [1e-50, 1e50, -1e300])
def test_compact_keeps_float64_where_float32_would_lose_a_value(extreme: float) -> None:
    v = np.array([0.5, extreme])
    out = compact(v)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, v)


# -- tick_figure --------------------------------------------------------------------------------------


def _spec() -> tuple[list[dict], dict]:
    z = np.arange(12, dtype=np.float32).reshape(3, 4)
    traces = [
        {"type": "heatmap", "z": z, "x": np.arange(1, 5), "colorscale": DIVERGING_SCALE, "customdata": z * 2},
        {
            "type": "scatter",
            "x": np.arange(300),
            "y": np.linspace(1, 2, 300),
            "mode": "markers+text",
            "text": ("a label",),  # a tuple, as the labs write one
            "customdata": None,  # left out, as Plotly leaves it out
            "marker": {"symbol": "x", "line": {"color": "#111", "width": None}},
        },
    ]
    traces.append(
        {
            "type": "scatter",
            "x": np.arange(100_000, 100_300),  # int64 that needs int32
            "y": np.array([-5, 3, 100], dtype=np.int64),  # int64 that fits int8
            "customdata": np.array([2**40, 1]),  # int64 that fits nothing smaller: left as numbers
            "selectedpoints": np.array([], dtype=float),  # empty: left as it is
            "ids": np.array(["a", "b", "c"]),  # not numeric: Plotly's own conversion
            "marker": {"color": np.array([0.1, 0.2, 0.3], dtype=np.float16), "size": np.uint64(3)},
        }
    )
    fig_layout = layout(
        title={"text": "t"},
        height=300,
        annotations=[{"text": "note", "showarrow": False, "x": 0.5, "y": 0.5}],
        xaxis={"tickvals": np.array([1.0, 2.0]), "title": {"text": "iteration"}, "range": np.array([0, 5])},
    )
    return traces, fig_layout


def _wire(fig: go.Figure) -> dict:
    """The JSON ``st.plotly_chart`` would send for ``fig``, parsed back."""
    figure_dict = return_figure_from_figure_or_data(fig, validate_figure=True)
    return json.loads(pio.to_json(figure_dict, validate=False))


def test_a_tick_figure_sends_what_the_full_figure_sends() -> None:
    traces, fig_layout = _spec()
    assert _wire(tick_figure(*_spec())) == _wire(figure(traces, fig_layout))
    sent = tick_figure(*_spec()).to_dict()
    assert sent["layout"]["template"] == default_template() != {}
    assert sent["data"][0]["z"]["dtype"] == "f4"  # arrays base64-encoded, as Plotly encodes them
    go.Figure(sent)  # and Plotly's full validation accepts the dict


def test_a_tick_figure_gives_a_fresh_dict_each_time_and_leaves_its_input_alone() -> None:
    traces, fig_layout = _spec()
    fig = tick_figure(traces, fig_layout)
    first = fig.to_dict()
    first["data"][0]["colorscale"] = "mutated"
    first["layout"]["xaxis"]["title"]["text"] = "mutated"
    second = fig.to_dict()
    assert second["data"][0]["colorscale"] == DIVERGING_SCALE
    assert second["layout"]["xaxis"]["title"]["text"] == "iteration"
    assert isinstance(traces[0]["z"], np.ndarray) and isinstance(fig_layout["xaxis"]["tickvals"], np.ndarray)


def test_a_tick_figure_keeps_a_template_of_its_own_and_goes_through_presenter_mode() -> None:
    traces, fig_layout = _spec()
    own = {**fig_layout, "template": {"layout": {"paper_bgcolor": "white"}}}
    assert tick_figure(traces, own).to_dict()["layout"]["template"] == own["template"]
    big = presenter_figure(tick_figure(*_spec()), 16)
    assert isinstance(big, go.Figure) and big.layout.title.font.size >= 16
    assert isinstance(tick_figure(*_spec()), TickFigure) and "3 traces" in repr(tick_figure(*_spec()))
