"""An expander whose charts are built and drawn only while the learner has it open.

Streamlit sends everything inside a closed ``st.expander`` to the browser, and Plotly draws a
chart in a closed expander all the same: on the vanishing-gradients page seven of ten charts sat in
closed expanders and were most of the cost of opening the page (``benchmarks/bench_clicks.py``).
``lazy_expander`` tracks the expander's state (``on_change="rerun"``, Streamlit 1.67): opening it
reruns the script (or the fragment it sits in), and the body runs only then. Its state lives in
``st.session_state[key]`` (``True`` when open), so a test opens it by setting that key.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def lazy_expander(label: str, *, key: str, **kwargs: Any) -> tuple[DeltaGenerator, bool]:
    """``st.expander(label)`` that reruns when opened or closed; returns it and whether it is open.

    Draw the body only when open::

        box, is_open = lazy_expander("The units over the updates", key="vg_symmetry_open")
        with box:
            if is_open:
                plotly_chart(...)
    """
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    return box, bool(box.open)
