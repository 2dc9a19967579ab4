"""ui.presenter: the toggle, ?presenter=1, fold, and plotly_chart's larger fonts on a copy."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from streamlit.testing.v1 import AppTest

from viz.fast_figure import figure, layout
from viz.presenter_fonts import presenter_figure

APP = Path(__file__).parent / "apps" / "presenter_app.py"


def run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def chart_spec(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_off_by_default_prose_open_and_chart_untouched() -> None:
    at = run()
    assert not at.exception
    assert at.sidebar.toggle(key="presenter").value is False
    assert "presenter False" in [m.value for m in at.markdown]
    assert not at.expander and "A long derivation" in " ".join(m.value for m in at.markdown)
    spec = chart_spec(at)
    assert spec["layout"]["font"]["size"] == 11
    assert json.loads(at.get("plotly_chart")[0].proto.config)["displayModeBar"] is False


def test_the_link_switches_it_on_and_the_toggle_switches_it_off() -> None:
    at = run({"presenter": "1"})
    assert not at.exception
    toggle = at.sidebar.toggle(key="presenter")
    assert toggle.value is True
    assert "presenter True" in [m.value for m in at.markdown]
    assert at.expander[0].label == "Why? The long story"
    assert chart_spec(at)["layout"]["font"]["size"] >= 16
    assert at.session_state["demo_caller_font"] == 11  # the caller's figure is unchanged
    toggle.set_value(False).run()  # the link is read once: the toggle wins afterwards
    assert "presenter False" in [m.value for m in at.markdown]
    assert not at.expander


def test_the_toggle_switches_it_on() -> None:
    at = run()
    at.sidebar.toggle(key="presenter").set_value(True).run()
    assert "presenter True" in [m.value for m in at.markdown]
    assert chart_spec(at)["layout"]["font"]["size"] >= 16


def test_presenter_0_in_the_link_keeps_it_off() -> None:
    at = run({"presenter": "0"})
    assert at.sidebar.toggle(key="presenter").value is False


def busy_figure() -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("left", "right"))
    fig.add_trace(
        go.Scatter(
            x=[1, 2],
            y=[3, 4],
            mode="markers+text",
            text=["a", "b"],
            textfont={"size": [9, 30]},
            hoverlabel={"font": {"size": 10}},
            marker={"color": [1, 2], "showscale": True, "colorbar": {"title": {"text": "c"}}},
        ),
        1,
        1,
    )
    fig.add_trace(go.Heatmap(z=np.arange(4.0).reshape(2, 2), texttemplate="%{z}", textfont={"size": 8}), 1, 2)
    fig.update_layout(
        title={"text": "T", "font": {"size": 14}},
        font={"size": 12},
        hoverlabel={"font": {"size": 11}},
        legend={"font": {"size": 10}},
        xaxis={"tickfont": {"size": 9}, "title": {"text": "x", "font": {"size": 10}}},
        yaxis2={"title": {"text": "y2"}},
    )
    fig.add_annotation(text="note", x=1, y=3, font={"size": 9})
    return fig


def sizes(spec: dict) -> list[float]:
    """Every font size in a figure's JSON (template excluded), flattened."""
    found: list[float] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "template":
                    continue
                if k == "size" and key.endswith("font"):
                    found.extend(v if isinstance(v, list) else [v])
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(spec)
    return found


def test_every_font_is_raised_to_16px_and_the_callers_figure_is_untouched() -> None:
    fig = busy_figure()
    before = copy.deepcopy(fig.to_dict())
    out = presenter_figure(fig).to_dict()
    assert fig.to_dict() == before
    assert min(sizes(out)) >= 16
    lay = out["layout"]
    assert lay["title"]["font"]["size"] >= 16 and lay["font"]["size"] >= 16
    assert lay["xaxis"]["tickfont"]["size"] >= 16 and lay["xaxis"]["title"]["font"]["size"] >= 16
    assert lay["yaxis2"]["tickfont"]["size"] >= 16 and lay["yaxis2"]["title"]["font"]["size"] >= 16
    assert lay["hoverlabel"]["font"]["size"] >= 16 and lay["legend"]["font"]["size"] >= 16
    assert all(a["font"]["size"] >= 16 for a in lay["annotations"])  # subplot titles and the note
    scatter, heatmap = out["data"]
    assert scatter["textfont"]["size"] == [16, 30]  # larger sizes stay
    assert scatter["hoverlabel"]["font"]["size"] >= 16
    assert scatter["marker"]["colorbar"]["tickfont"]["size"] >= 16
    assert heatmap["textfont"]["size"] >= 16 and heatmap["colorbar"]["tickfont"]["size"] >= 16
    go.Figure(out)  # still a valid figure


def test_a_fast_dict_figure_is_raised_without_being_changed() -> None:
    traces = [{"type": "scatter", "x": [1, 2], "y": [1, 2], "text": ["p", "q"], "mode": "text"}]
    lay = layout(title={"text": "fast"}, annotations=[{"text": "n", "x": 1, "y": 1}])
    spec = {"data": traces, "layout": lay}
    before = copy.deepcopy(spec)
    out = presenter_figure(spec).to_dict()
    assert spec == before
    assert min(sizes(out)) >= 16
    fig = figure(traces, lay)
    frozen = fig.to_dict()
    presenter_figure(fig)
    assert fig.to_dict() == frozen


def test_a_legend_title_is_raised_too() -> None:
    from viz.presenter_fonts import presenter_layout

    raised = presenter_layout({"legend": {"title": {"text": "activation", "font": {"size": 12}}}})
    assert raised["legend"]["title"] == {"text": "activation", "font": {"size": 16}}
    assert raised["legend"]["font"]["size"] >= 16
