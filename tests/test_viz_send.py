"""Every chart of every page reaches Streamlit as Plotly itself would send it (ui.presenter.sendable).

``ui.presenter.plotly_chart`` hands ``st.plotly_chart`` a finished dict (``viz.tick_figure``'s
``figure_dict`` + ``sent_figure``) instead of a figure Streamlit would rebuild and validate on every
run. These tests record every chart of every page (at its defaults, after its main button, and in
presenter mode) and check, chart by chart:

- the dict equals ``go.Figure.to_dict()`` of the figure the lab built (so the one-pass copy reads
  Plotly's store correctly: a Plotly release that moves ``_data``/``_layout`` fails here);
- validating the sent dict (what Streamlit did before) raises nothing and changes nothing;
- the ``st.plotly_chart`` element carries exactly that JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

import ui.presenter
from ui.presenter import sendable
from viz.theme import with_template
from viz.tick_figure import TickFigure, figure_dict, sent_figure

ROOT = Path(__file__).resolve().parent.parent
# each page with the key of its main button (None: the page has no single main button)
PAGES = (
    ("1_Step_through.py", "step_btn_full"),
    ("2_Computational_graph.py", "cg_next"),
    ("3_Gradient_descent.py", None),
    ("4_Training_playground.py", "pg_step"),
    ("5_Vanishing_gradients.py", "vg_train"),
    ("6_Backprop_through_time.py", "bt_step"),
    ("7_Convolutions.py", "cv_next"),
)


def _json(fig: object) -> object:
    return json.loads(pio.to_json(fig, validate=False))


def _pruned(node: object) -> object:
    """``node`` without empty lists and dicts (Plotly's validation drops them; nothing draws them)."""
    if isinstance(node, dict):
        kept = {k: _pruned(v) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v not in ([], {})}
    if isinstance(node, list):
        return [_pruned(v) for v in node]
    return node


def _recorded(monkeypatch: pytest.MonkeyPatch, page: str, button: str | None, presenter: bool) -> list:
    seen: list[tuple[object, go.Figure]] = []

    def recording(fig: object) -> go.Figure:
        out = sendable(fig)
        seen.append((fig, out))
        return out

    monkeypatch.setattr(ui.presenter, "sendable", recording)
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=90)
    if presenter:
        at.session_state["presenter"] = True
    at.run()
    assert not at.exception, at.exception
    if button is not None:
        at.button(key=button).click().run()
        assert not at.exception, at.exception
    sent = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    # the charts of the last run are the last ones recorded, in order
    last = seen[len(seen) - len(sent) :] if sent else []
    assert [_json(out) for _, out in last] == sent
    return seen


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize(("page", "button"), PAGES, ids=[p for p, _ in PAGES])
def test_every_chart_is_sent_as_plotly_would_send_it(
    monkeypatch: pytest.MonkeyPatch, page: str, button: str | None, presenter: bool
) -> None:
    seen = _recorded(monkeypatch, page, button, presenter)
    assert len(seen) >= 2, "every page draws charts"
    for built, out in seen:
        sent = _json(out)
        if isinstance(built, go.Figure) and not isinstance(built, TickFigure):
            # the one-pass copy is to_dict's copy (the template goes in afterwards, when marked)
            assert _json(figure_dict(built)) == _json(built.to_dict())
        # what Streamlit did before: build a go.Figure from the dict (validating every property)
        checked = _json(go.Figure(sent))
        assert _pruned(checked) == _pruned(sent)  # Plotly drops empty lists ("annotations": [])
        before = with_template(built) if isinstance(built, go.Figure | dict) else built
        assert checked == _json(
            go.Figure(before if not isinstance(before, go.Figure) else figure_dict(before))
        )
        assert sent["layout"].get("template"), "every chart gets a template (its own or plotly_white)"


def test_figure_dict_encodes_arrays_and_leaves_the_figure_alone() -> None:
    x = np.linspace(0.0, 1.0, 5)
    fig = go.Figure(go.Scatter(x=x, y=[1, 2, 3, 4, 5], text=np.array(["a", "b", "c", "d", "e"])))
    fig.add_trace(go.Heatmap(z=np.arange(6, dtype=np.int64).reshape(2, 3)))
    fig.update_layout(title={"text": "t"}, xaxis={"range": np.array([0.0, 1.0])})
    before = _json(fig)
    out = figure_dict(fig)
    assert _json(out) == _json(fig.to_dict())
    assert out["data"][0]["x"]["dtype"] == "f8" and out["data"][1]["z"]["shape"] == "2, 3"
    out["data"][0]["name"] = "changed"
    out["layout"]["title"]["text"] = "changed"
    assert _json(fig) == before
    # a figure given as a dict is encoded the same way
    assert (
        figure_dict({"data": [{"type": "scatter", "x": x}], "layout": {}})["data"][0]["x"]
        == out["data"][0]["x"]
    )


def test_a_sent_figure_is_what_streamlit_sends_without_building_a_figure() -> None:
    spec = {"data": [{"type": "bar", "y": [1, 2]}], "layout": {"height": 200}}
    fig = sent_figure(spec)
    assert isinstance(fig, go.Figure) and fig.to_dict() is spec
    assert figure_dict(fig) is spec
    assert json.loads(pio.to_json(fig, validate=False)) == spec
