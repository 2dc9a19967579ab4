"""Gradient descent lab: what the update step does with a gradient, and how it goes wrong.

Four sections, each a fragment (a control reruns only its own section): the learning rate on
one weight, three optimisers on 2-D surfaces, batch modes, and the zero-grad lesson. The
sections live in ``view_sections``.
"""

from __future__ import annotations

import streamlit as st

from labs.descent.text import INTRO, TRY_THIS
from labs.descent.view_sections import section_one_weight, section_surfaces
from labs.descent.view_sections_batches import section_batches, section_zero_grad
from labs.descent.view_settings import DEFAULTS, seed_settings
from ui.common import ensure_state, page_intro, try_this
from ui.urlstate import show_notices


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""

    page_intro(
        "Gradient descent lab",
        INTRO,
        "⛰️",
    )
    ensure_state(DEFAULTS)
    # every section's settings come from the URL, checked before any widget exists
    show_notices(seed_settings())

    for section in (section_one_weight, section_surfaces, section_batches, section_zero_grad):
        st.fragment(section)()

    try_this(TRY_THIS)
