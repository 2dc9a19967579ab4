"""The training playground's page: data, network and training controls, Play/Pause, the live panels."""

from __future__ import annotations

import streamlit as st

from labs.playground.text import INTRO, PROGRESS_NOTE, TRY_THIS
from labs.playground.view_bridge import bridge_panel
from labs.playground.view_data import current_problem, dataset_names, upload_control
from labs.playground.view_panels import (
    classroom_link,
    divergence_box,
    export_panel,
    fixed_summary,
    inspect_panel,
    live_panel,
    rising_warning,
    view_toggles,
)
from labs.playground.view_progress import LAB, progress_payload, restore
from labs.playground.view_session import in_sync, on_play_switch, paused_at, play_tick, reset, sync, train
from labs.playground.view_settings import (
    CSV,
    URL_MARKER,
    URL_PARAMS,
    data_controls,
    expand_hidden,
    fit_batch,
    fit_head,
    network_controls,
    read_settings,
    set_defaults,
    training_controls,
)
from ui.common import ensure_state, page_intro, show_error, try_this
from ui.playback import play_pause
from ui.progress import progress_controls
from ui.urlstate import seed_from_url, show_notices, write_url

# While playing, the browser asks for the next tick this often; a tick that takes longer simply
# runs the next one right after (Streamlit keeps at most one waiting), so this is the top speed.
TICK_SECONDS = 0.15
INSPECT_SECONDS = 3.0  # the diagram, neuron map and gradient flow refresh this often while playing


def render() -> None:
    """Draw the lab (after the page's ``st.set_page_config``)."""

    state = st.session_state
    set_defaults(state)
    ensure_state(
        {
            "pg_playing": False,
            "pg_tt_follow": True,
            "pg_csv": None,
            "pg_show_test": True,
            "pg_log": False,
            "pg_edges": "weight",
            "pg_nodes": "a",
        }
    )
    # `pg_hidden` (the link's `layers=4-4`) is written back after the widgets; present here only when a
    # new link was just read, and then it sets the layer widgets
    state.pop("pg_hidden", None)
    notices = seed_from_url(URL_PARAMS, URL_MARKER)
    if notices:
        state.pg_notices = notices
    expand_hidden(state)
    if state.pg_dataset == CSV and state.pg_csv is None:
        state.pg_dataset = "circle"
    hide = state.get("pg_hide", frozenset())

    page_intro(
        "Training playground",
        INTRO,
        "🎛️",
    )
    if state.get("pg_notices"):
        show_notices(state.pg_notices)
        st.button("OK, hide this notice", key="pg_dismiss", on_click=lambda: state.pop("pg_notices", None))

    # settings that depend on the problem are made to fit it before their widgets are drawn
    problem = current_problem(read_settings(state), state)
    head_note = fit_head(state, problem.kind)
    fit_batch(state, problem.n_train)

    summary = fixed_summary(read_settings(state), hide)
    with st.sidebar:
        if summary:
            st.info(summary, icon="🔒")
        if not {"data", "upload"} <= hide:
            st.header("Data")
        data_controls(dataset_names(state), hide, state.pg_csv[0] if state.pg_csv else None)
        if "upload" not in hide:
            upload_control()
        if not {"network", "head"} <= hide:
            st.header("Network")
        network_controls(problem.kind, hide)
        if not {"lr", "optimizer", "batch", "regularisation", "speed"} <= hide:
            st.header("Training")
        training_controls(problem.n_train, hide)

    settings = read_settings(state)
    state.pg_hidden = settings.hidden
    if "link" not in hide:
        write_url(URL_PARAMS, marker=URL_MARKER)  # this run's settings, so the link shown is current
        with st.sidebar.expander("Classroom link"):
            classroom_link(state)

    try:
        sync(state, settings, problem)
    except ValueError as exc:
        show_error(f"These settings do not fit together: {exc}")
        st.stop()

    for note_key in ("pg_data_note", "pg_note"):
        if state.get(note_key):
            st.info(state.pop(note_key), icon="ℹ️")
    if head_note:
        st.info(f"The output was adjusted to the new data: {head_note}.", icon="ℹ️")

    run = state.pg_run
    playing = state.pg_playing
    stopped = run.divergence is not None

    b1, b2, b3, b4, b5 = st.columns([2, 1, 1, 1, 2], vertical_alignment="center")
    with b1:
        play_pause("pg", disabled=stopped, on_switch=lambda on: on_play_switch(state, on))
    b2.button(
        "Step",
        key="pg_step",
        on_click=train,
        args=(state,),
        kwargs={"iterations": 1},
        disabled=playing or stopped,
        help="One iteration: one batch forward, backward, and one update.",
        width="stretch",
    )
    b3.button(
        "Step epoch",
        key="pg_step_epoch",
        on_click=train,
        args=(state,),
        kwargs={"epochs": 1},
        disabled=playing or stopped,
        help="Iterations until every training point has been used once more.",
        width="stretch",
    )
    b4.button(
        "Reset",
        key="pg_reset",
        on_click=reset,
        args=(state,),
        help="Back to the initial weights.",
        width="stretch",
    )
    pause = paused_at(state)
    if pause is not None:
        b5.container(key="pg_paused").caption(f"⏸ Paused at iteration {pause}")

    divergence_box(state)
    rising_warning(run)
    view_toggles()

    @st.fragment(run_every=TICK_SECONDS if playing else None)
    def live() -> None:
        if state.pg_playing and in_sync(state):
            play_tick(state)
            if state.pg_run.divergence is not None:
                st.rerun()
        elif playing:
            # a tick after Pause, or after a change that needs a new network: redraw the whole page once
            st.rerun()
        live_panel(state)

    live()

    if not playing and len(run.snapshots) > 1:
        its = run.snapshot_iterations
        if state.pg_tt_follow or state.get("pg_tt") not in its:
            state.pg_tt = its[-1]

        def _follow() -> None:
            state.pg_tt_follow = state.pg_tt == state.pg_run.iteration

        st.select_slider(
            "⏪ Time travel: show the network at an earlier iteration",
            its,
            key="pg_tt",
            on_change=_follow,
            help="Every iteration is kept up to a cap, then every 2nd, 4th, ... so the whole run fits.",
        )
    elif playing:
        st.caption("⏪ Time travel is available while paused.")

    st.subheader("Inside the network")

    @st.fragment(run_every=INSPECT_SECONDS if playing else None)
    def inspect() -> None:
        inspect_panel(state)

    inspect()

    bridge_panel(state)

    with st.expander("Export and import"):
        export_panel(state, settings)
    progress_controls(
        LAB,
        key="pg",
        dump=lambda: progress_payload(state),
        load=lambda payload: restore(state, payload),
        note=PROGRESS_NOTE,
    )

    try_this(TRY_THIS)

    write_url(URL_PARAMS, marker=URL_MARKER)
