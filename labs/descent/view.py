"""Gradient descent lab: what the update step does with a gradient, and how it goes wrong.

Four sections, each a fragment (a control reruns only its own section): the learning rate on
one weight, three optimisers on 2-D surfaces, batch modes, and the zero-grad lesson. The
sections live in ``view_sections``.
"""

from __future__ import annotations

import streamlit as st

from labs.descent.view_sections import section_one_weight, section_surfaces
from labs.descent.view_sections_batches import section_batches, section_zero_grad
from labs.descent.view_settings import DEFAULTS, seed_surface_settings
from ui.common import ensure_state, page_intro, try_this
from ui.urlstate import show_notices


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""

    page_intro(
        "Gradient descent lab",
        "Backpropagation gives every weight its gradient; the **optimizer** then decides how far to move. "
        "This page shows what that step does: how the learning rate decides between crawling, converging, "
        "oscillating and blowing up, how momentum and Adam change the path, what batch size does to it, "
        "and why a PyTorch loop must reset its gradients before every backward pass.",
        "⛰️",
    )
    ensure_state(DEFAULTS)
    # section 2's settings come from the URL, checked before any widget exists
    show_notices(seed_surface_settings())

    for section in (section_one_weight, section_surfaces, section_batches, section_zero_grad):
        st.fragment(section)()

    try_this(
        "**Predict, then check.** The ravine in section 2 is $L = \\tfrac12(w_1^2 + 40\\,w_2^2)$: its "
        "curvature is 1 along $w_1$ and 40 across. Using section 1's rule, at what SGD learning rate will "
        "the path stop converging across the ravine, and what will it do exactly at that rate? Choose "
        "*ravine*, set the SGD learning rate to 0.045 and then to 0.05, and watch the $w_2$ zigzag. Then "
        "predict whether momentum with lr = 0.01 will reach the threshold in fewer steps than SGD at 0.045, "
        "and check in the table."
    )
