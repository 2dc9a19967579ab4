"""The vanishing lab's page: settings (URL first, then the sidebar), then its six sections."""

from __future__ import annotations

import streamlit as st

from backprop_core import DATASETS, INIT_SCHEMES, OPTIMIZERS
from labs.vanishing.model import (
    COMPARE_ACTIVATIONS,
    N_POINTS,
    LabSetup,
)
from labs.vanishing.text import INTRO
from labs.vanishing.view_bridge import section_bridges
from labs.vanishing.view_sections import section_start, section_training, section_why
from labs.vanishing.view_sections_more import section_exploding, section_helps, section_symmetry
from labs.vanishing.view_settings import (
    DEFAULTS,
    INIT_HELP,
    INIT_LABELS,
    LR_CHOICES,
    MAX_DEPTH,
    MAX_SEED,
    MAX_WIDTH,
    MIN_DEPTH,
    MIN_WIDTH,
    PARAMS,
    STD_VALUES,
    URL_MARKER,
    current_lab,
    sanitise_view_state,
    setup_from_state,
)
from ui.common import ensure_state, format_lr, page_intro, show_error
from ui.share import share_link
from ui.urlstate import seed_from_url, show_notices, write_url
from viz.format import fmt


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""
    # -- settings: URL first (validated), then the widgets ---------------------------------------------

    ensure_state(DEFAULTS)
    url_notices = seed_from_url(PARAMS, URL_MARKER)

    page_intro(
        "Vanishing and exploding gradients",
        INTRO,
        "📉",
    )
    show_notices(url_notices)

    with st.sidebar:
        st.header("The networks")
        st.multiselect(
            "Activations to compare",
            COMPARE_ACTIVATIONS,
            key="vg_acts",
            persist_state="session",
            help=(
                "The hidden layers use this activation; the output layer fits the dataset. Pick at least two."
            ),
        )
        st.slider("Hidden layers (depth)", MIN_DEPTH, MAX_DEPTH, key="vg_depth", persist_state="session")
        st.slider(
            "Neurons per hidden layer (width)", MIN_WIDTH, MAX_WIDTH, key="vg_width", persist_state="session"
        )
        st.selectbox(
            "Dataset",
            list(DATASETS),
            key="vg_dataset",
            format_func=lambda n: f"{n}: {DATASETS[n].description}",
            persist_state="session",
        )
        st.selectbox(
            "Initialisation",
            INIT_SCHEMES,
            key="vg_init",
            format_func=INIT_LABELS.get,
            help=INIT_HELP,
            persist_state="session",
        )
        if st.session_state.vg_init == "normal":
            st.select_slider(
                "std of the initial weights",
                STD_VALUES,
                key="vg_std",
                format_func=fmt,
                persist_state="session",
            )
        st.number_input(
            "Seed (data and weight draws)", 0, MAX_SEED, step=1, key="vg_seed", persist_state="session"
        )
        st.header("Training")
        st.select_slider(
            "Learning rate", LR_CHOICES, key="vg_lr", format_func=format_lr, persist_state="session"
        )
        st.selectbox("Optimizer", OPTIMIZERS, key="vg_opt", persist_state="session")
        st.caption(
            f"Full-batch gradient descent on {N_POINTS} points (inputs standardised). A new learning rate "
            "or optimizer applies from the next update; every other setting starts all networks again."
        )

    try:
        setup = setup_from_state()
    except ValueError as exc:  # the widgets only offer valid values; this guards the state they read
        show_error(f"These settings cannot build a network ({exc}); using the defaults instead.")
        setup = LabSetup()
    lab = current_lab(setup)
    acts = setup.activations
    depth = setup.depth
    view_notes = sanitise_view_state(acts, depth)

    if len(acts) < 2:
        st.warning(
            "This lab is a comparison: pick **at least two** activations in the sidebar (sigmoid and relu "
            "show the effect best). "
            + (
                f"Until then the charts show {acts[0]} alone."
                if acts
                else "With none chosen there is nothing to train; the sections below the training still work."
            ),
            icon="⚖️",
        )

    section_start(setup, lab, view_notes)
    section_training(setup, lab, view_notes)
    section_bridges(st.session_state.vg_lab)
    for section in (section_why, section_exploding, section_symmetry, section_helps):
        section(setup, lab, view_notes)
    write_url(PARAMS, marker=URL_MARKER)
    share_link(
        key="vg",
        note="The link restores every setting (networks, training, each section's choices), not the training "
        "itself: Save progress in the sidebar keeps that.",
    )
