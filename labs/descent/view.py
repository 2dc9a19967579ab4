"""Gradient descent lab: what the update step does with a gradient, and how it goes wrong.

Four sections, each a fragment (a control reruns only its own section): the learning rate on
one weight, three optimisers on 2-D surfaces, batch modes, and the zero-grad lesson. The
sections live in ``view_sections`` and ``view_sections_batches``. Every section's settings live
in the URL, so the share link and a reload restore the whole page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from labs.descent.text import INTRO, TRY_THIS
from labs.descent.view_sections import section_one_weight, section_surfaces
from labs.descent.view_sections_batches import section_batches, section_zero_grad
from labs.descent.view_settings import DEFAULTS, URL_MARKER, URL_PARAMS, seed_settings
from ui.common import ensure_state, page_intro, try_this
from ui.share import share_link
from ui.urlstate import show_notices, write_url

SECTIONS: tuple[Callable[[], None], ...] = (
    section_one_weight,
    section_surfaces,
    section_batches,
    section_zero_grad,
)
LINK_NOTE = (
    "The link restores every setting of all four sections (it is also in the address bar, so a "
    "reload keeps them)."
)


def with_link(section: Callable[[], None], number: int, link_box: st.delta_generator.DeltaGenerator):
    """``section``, then the URL updated with the whole page's state and the share link redrawn.

    Each section runs as a fragment: the link (drawn into ``link_box``, an ``st.empty`` in the
    sidebar) is redrawn by whichever section ran last, so it always shows the current URL.
    """

    def run() -> None:
        section()
        write_url(URL_PARAMS, marker=URL_MARKER)
        with link_box.container():
            share_link(key=f"gd_s{number}", note=LINK_NOTE)

    run.__qualname__ = run.__name__ = f"{section.__name__}_with_link"
    return run


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""
    page_intro("Gradient descent lab", INTRO, "⛰️")
    ensure_state(DEFAULTS)
    # every section's settings come from the URL, checked before any widget exists
    show_notices(seed_settings())
    # the share link, redrawn by whichever section ran last (see with_link): in the sidebar, where it
    # stays in view while the learner scrolls, and off the page's length (issue 12: six screens)
    link_box = st.sidebar.empty()
    for number, section in enumerate(SECTIONS, start=1):
        st.fragment(with_link(section, number, link_box))()
    try_this(TRY_THIS)
