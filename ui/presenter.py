"""Presenter mode: larger text on every page, charts readable from the back of a room.

Switched on by the sidebar toggle (key ``presenter``, kept for the session across pages) or by a
link with ``?presenter=1`` (read once per distinct value, so the toggle still works afterwards).
The page frame (``ui.common.page_intro``) draws the toggle and the CSS; pages draw every Plotly
figure with ``plotly_chart`` and long prose with ``fold``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from viz.presenter_fonts import PRESENTER_MIN_FONT, presenter_figure
from viz.theme import template_added
from viz.tick_figure import figure_dict, sent_figure

PRESENTER_KEY = "presenter"
_URL_SEEN = "presenter_url_seen"
ON_WORDS = ("1", "true", "yes", "on")

# The root font size scales every rem-sized text of Streamlit's page: prose 20 px, widget labels and
# captions 0.875rem = 17.5 px, tables. KaTeX, code and the sidebar follow; the sidebar widens so the
# page names still fit, and a page name too long for it wraps onto a second line instead of being cut
# with an ellipsis. A metric's value is a paragraph too: it gets its own size (44 px; 36 px normally),
# or the prose rule above would shrink it to 20 px.
PRESENTER_CSS = """
<style>
html { font-size: 20px !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 0.85rem; }
[data-testid="stWidgetLabel"] p { font-size: 0.85rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 0.85rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.2rem; line-height: 1.25; }
section[data-testid="stSidebar"] { min-width: 22rem !important; }
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] span,
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] p {
    white-space: normal; overflow: visible; text-overflow: clip;
}
</style>
"""

# Plotly's own toolbar sits over the top right of a chart, where titles and legends are: it is
# hidden (zoom still works by dragging, a double-click resets it; Streamlit's element toolbar keeps
# the full-screen button).
CHART_CONFIG: dict[str, Any] = {"displayModeBar": False, "displaylogo": False}


def read_presenter_url() -> None:
    """Switch presenter mode on or off from ``?presenter=...`` once per distinct value in the link."""
    value = st.query_params.get(PRESENTER_KEY)
    if value is None or st.session_state.get(_URL_SEEN) == value:
        return
    st.session_state[_URL_SEEN] = value
    st.session_state[PRESENTER_KEY] = value.strip().lower() in ON_WORDS


def presenter_on() -> bool:
    """True when presenter mode is on (the sidebar toggle, or ``?presenter=1`` in the link)."""
    # once the toggle exists in this run its key cannot be set: the page frame read the URL before
    with contextlib.suppress(st.errors.StreamlitAPIException):
        read_presenter_url()
    return bool(st.session_state.get(PRESENTER_KEY, False))


def presenter_toggle() -> bool:
    """The sidebar toggle, and the presenter CSS when it is on. Called by the page frame."""
    read_presenter_url()
    with st.sidebar:
        on = st.toggle(
            "🎓 Presenter mode",
            key=PRESENTER_KEY,
            persist_state="session",
            help="Larger text and chart labels for a projector; long explanations fold into expanders. "
            "A link with ?presenter=1 switches it on.",
        )
    if on:
        st.html(PRESENTER_CSS)
    return on


def plotly_chart(fig: go.Figure | Mapping, *, key: str, **kwargs: Any) -> Any:
    """``st.plotly_chart`` the Backprop Lab way; returns what it returns (the selection, if any).

    Full width unless ``width`` is given; Plotly's toolbar hidden so it never covers a title
    (``config`` entries given by the caller win); in presenter mode every font of a *copy* of the
    figure raised to at least 16 px (the caller's figure is not changed). A figure laid out with
    ``viz.theme.base_layout`` gets its template here (``viz.theme.with_template``).
    """
    kwargs.setdefault("width", "stretch")
    kwargs["config"] = {**CHART_CONFIG, **(kwargs.get("config") or {})}
    if presenter_on():
        fig = presenter_figure(fig, PRESENTER_MIN_FONT)
    # the "plotly_white" template, written into the JSON only now (cheap; see viz.theme); the
    # finished dict goes as it is (Streamlit would build and validate a go.Figure from a dict)
    return st.plotly_chart(sendable(fig), key=key, **kwargs)


def sendable(fig: go.Figure | Mapping) -> go.Figure:
    """``fig`` with its template, as ``st.plotly_chart`` sends it without checking it again."""
    return sent_figure(template_added(figure_dict(fig)))


def fold(title: str, body: Callable[[], None] | str) -> None:
    """Long prose: shown as it is normally, folded into an expander ``title`` in presenter mode."""

    def draw() -> None:
        if callable(body):
            body()
        else:
            st.markdown(body)

    if presenter_on():
        with st.expander(title):
            draw()
    else:
        draw()
