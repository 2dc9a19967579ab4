"""Pieces every page uses: the page frame (intro, "Try this" box), learning-rate values, state set-up.

Pages stay thin: they call these helpers, the engine (``backprop_core``) and the figure
builders (``viz``), and render. Nothing here keeps per-learner state outside
``st.session_state``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.presenter import presenter_toggle

# One list of learning rates for every log-scale control in the app. It holds every rate a preset
# or a lesson needs exactly (0.01 and 0.5 for the step-through presets; 0.02 and 0.04, the critical
# rates of the single-weight example).
LR_VALUES: tuple[float, ...] = (
    1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04,
    0.045, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0,
)  # fmt: skip


def lr_values(lo: float = LR_VALUES[0], hi: float = LR_VALUES[-1]) -> list[float]:
    """The learning rates between ``lo`` and ``hi`` inclusive."""
    return [v for v in LR_VALUES if lo <= v <= hi]


def format_lr(value: float) -> str:
    """``0.0001`` rather than ``1e-04`` down to 1e-4; scientific below that."""
    return f"{value:.0e}" if value < 1e-4 else f"{value:g}"


def nearest_lr(value: float, choices: list[float] | None = None) -> float:
    """The listed learning rate closest to ``value`` on a log scale."""
    choices = choices or list(LR_VALUES)
    if not value or value <= 0 or math.isnan(value):
        return choices[0]
    return min(choices, key=lambda c: abs(math.log(c) - math.log(value)))


# The learning path: each page builds on the one before it (path, title, icon, blurb). The
# position in this tuple is the number the learner sees (see ``numbered``).
LEARNING_PATH: tuple[tuple[str, str, str, str], ...] = (
    (
        "pages/1_Step_through.py",
        "Step through one iteration",
        "🔬",
        "Run one training iteration phase by phase — forward pass, loss, backward pass, update — and see "
        "every number on the network, in equations and in tables. Start with the single weight, then the "
        "classic 2-2-2 network.",
    ),
    (
        "pages/2_Computational_graph.py",
        "The computational graph",
        "🕸️",
        "What `loss.backward()` walks: an expression or the classic network drawn as a graph, and the "
        "backward pass run one node at a time, every product of the chain rule written out.",
    ),
    (
        "pages/3_Gradient_descent.py",
        "Gradient descent lab",
        "⛰️",
        "What the update step does with a gradient: learning rates that crawl, oscillate or explode, "
        "momentum and Adam, mini-batches, and why gradients must be reset between steps.",
    ),
    (
        "pages/4_Training_playground.py",
        "Training playground",
        "🎛️",
        "Press Play and watch a network learn a 2-D data set: the decision boundary, the loss curves, and "
        "the gradients flowing through every layer.",
    ),
    (
        "pages/5_Vanishing_gradients.py",
        "Vanishing & exploding",
        "📉",
        "The same deep network trained with sigmoid and with ReLU side by side: measure how the gradient "
        "shrinks (or blows up) on its way back to the first layer.",
    ),
    (
        "pages/6_Backprop_through_time.py",
        "Backprop through time",
        "🔁",
        "A recurrent network unrolled over time: step its backward pass from the last step to the first, "
        "watch the error fade or explode with the spectral radius of Wh, and see why long sequences are "
        "hard to learn.",
    ),
    (
        "pages/7_Convolutions.py",
        "Convolutions and max-pooling",
        "🧩",
        "A small convolutional network on tiny images: slide a 3x3 filter over the image, pool, classify; "
        "then follow the gradient back through the max-pool and into the filter, which sums its gradient "
        "over every position.",
    ),
)


def numbered(index: int, title: str) -> str:
    """A page's title with its place on the learning path: ``"1 · Step through one iteration"``."""
    return f"{index + 1} · {title}"


def sidebar_nav() -> None:
    """The pages, in learning-path order and with their full names, at the top of the sidebar.

    Streamlit's own page list is switched off (``client.showSidebarNavigation``) because it can
    only name the landing page after its file, "app".
    """
    with st.sidebar:
        try:
            st.page_link("app.py", label="Home: the learning path", icon="🧮")
        except StreamlitAPIException:
            # a page run on its own, without app.py as its entry point (as AppTest does): no links
            return
        for i, (path, title, icon, _) in enumerate(LEARNING_PATH):
            st.page_link(path, label=numbered(i, title), icon=icon)
        st.divider()


def page_intro(title: str, teaches: str, icon: str = "") -> None:
    """The sidebar's page list and presenter toggle, the page title and its two or three sentences on
    what it teaches (in presenter mode, with the larger text of ``ui.presenter``)."""
    sidebar_nav()
    presenter_toggle()
    st.title(f"{icon} {title}".strip())
    st.markdown(teaches)


def try_this(task: str) -> None:
    """The predict-then-try box that closes every page."""
    with st.container(border=True, key="try_this_box"):
        st.markdown("#### 🧪 Try this")
        st.markdown(task)


def ensure_state(defaults: Mapping[str, Any]) -> None:
    """Set up session state a page needs, without touching what is already there.

    Every page calls this at its top: a learner may open any page by its URL, which starts a
    fresh session.
    """
    for key, value in defaults.items():
        st.session_state.setdefault(key, value() if callable(value) else value)


def show_error(message: str) -> None:
    """A problem the learner can fix, said plainly (never a traceback)."""
    st.error(message, icon="⚠️")


# st.dataframe's number columns refuse a whole number beyond 2**53: the cell shows an error mark and
# the raw digits. Every float that large is a whole number, and a diverging run reaches them.
LARGEST_TABLE_NUMBER = 2.0**53


def big_numbers_as_text(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """``frame`` with every float column that holds a value beyond 2**53 written out as text,
    ``digits`` significant digits (``6.17537e+16``); the other columns stay numbers."""
    out = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values) and (values.abs() >= LARGEST_TABLE_NUMBER).any():
            out[column] = [f"{v:.{digits}g}" for v in values]
    return out
