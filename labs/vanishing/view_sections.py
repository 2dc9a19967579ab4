"""The vanishing lab, sections 1-3: gradient per layer at the start, training side by side, why."""

from __future__ import annotations

import streamlit as st

from labs.vanishing.figures import bound_table, profile_figure, profile_gaps, ratio_table
from labs.vanishing.figures_saturation import (
    derivative_figure,
    histogram_figure,
    histogram_gaps,
    saturated_share_figure,
)
from labs.vanishing.figures_training import heatmap_figure, heatmap_gaps, loss_curves_figure, loss_notes
from labs.vanishing.model import COMPARE_ACTIVATIONS, N_POINTS, SATURATED_BELOW, Lab, LabSetup
from labs.vanishing.model_experiments import derivative_bound, layer_stats
from labs.vanishing.text import (
    DW_CARRIES_THE_INPUT,
    READ_A_HEATMAP,
    VANISHING_AND_EXPLODING,
    WEIGHTS_AND_THE_REST,
    WHY_RELU_HELPS,
)
from labs.vanishing.view_common import captions
from labs.vanishing.view_settings import (
    HIST_WHEN,
    MAX_HIST_LAYERS,
    PARAMS,
    PLAY_BUDGET,
    PLAY_INTERVAL,
    PLAY_STEP,
    PRESS_BUDGET,
    TRAIN_CHOICES,
    URL_MARKER,
    restart_lab,
    train_current_lab,
)
from ui.playback import play_pause
from ui.urlstate import write_url
from viz.format import fmt, latex_number


def section_start(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    depth = setup.depth
    # -- 1. gradient norm per layer at initialisation ----------------------------------------------------

    st.header("1 · How much gradient reaches each layer, before any training")
    st.markdown(VANISHING_AND_EXPLODING)
    if lab.runs:
        profiles = [r.profile for r in lab.runs]
        st.plotly_chart(
            profile_figure(
                profiles,
                f"Per-layer gradient norms at initialisation ({depth} hidden layers of {setup.width}, "
                f"{setup.init} init, {setup.dataset})",
            ),
            key="vg_profile_chart",
            width="stretch",
        )
        captions(profile_gaps(profiles))
        st.markdown(
            "**First layer against output layer**: how many times smaller (or larger) the gradient of the "
            "weights next to the input is than the output layer's."
        )
        st.dataframe(ratio_table(profiles), hide_index=True, key="vg_ratio_table")
        st.caption(DW_CARRIES_THE_INPUT)


def section_training(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    # -- 2. training -------------------------------------------------------------------------------------

    st.header("2 · Train them side by side")

    def _finish_play_if_done() -> None:
        if st.session_state.vg_playing and st.session_state.vg_lab.finished:
            st.session_state.vg_playing = False
            st.rerun()

    def _play_switched(playing: bool) -> None:
        st.session_state.vg_press_note = None

    # Play/Pause sits outside the ticking fragment: a tick redraws only what is inside, so a tick that
    # was running when the learner pressed Pause cannot send the control's old value back to the
    # browser (which then asked for Play again), and the switch reruns the whole page, where the
    # fragment's ticking (run_every) is decided
    now = st.session_state
    idle = not now.vg_lab.runs or (now.vg_lab.finished and not now.vg_playing)
    play_pause("vg", disabled=idle, on_switch=_play_switched)

    @st.fragment(run_every=PLAY_INTERVAL if st.session_state.vg_playing else None)
    def training_panel() -> None:
        s = st.session_state
        if s.vg_playing and s.vg_lab.runs:
            train_current_lab(PLAY_STEP, PLAY_BUDGET)
            _finish_play_if_done()
        lab = s.vg_lab
        playing = s.vg_playing
        c1, c2, c4 = st.columns([3, 2, 2], vertical_alignment="bottom")
        with c1:
            st.select_slider("Iterations per press", TRAIN_CHOICES, key="vg_n", persist_state="session")
        with c2:
            pressed = st.button(
                f"Train {s.vg_n} iterations",
                key="vg_train",
                disabled=playing or not lab.runs or lab.finished,
                width="stretch",
                type="primary",
            )
        with c4:
            restart = st.button("↺ Reset", key="vg_reset", width="stretch")
        if restart:
            s.vg_press_note = None
            restart_lab()
            st.rerun()
        if pressed:
            lab, done = train_current_lab(s.vg_n)
            s.vg_press_note = (
                None
                if done >= s.vg_n or lab.finished
                else f"Trained {done} of {s.vg_n} iterations: with {lab.setup.depth} layers of "
                f"{lab.setup.width} neurons and {len(lab.runs)} networks one press stops after about "
                f"{PRESS_BUDGET:g} seconds. Press again (or Play) to continue."
            )
            if s.vg_hist_when == "now":
                # the histograms further down show the trained networks: redraw the whole page
                st.rerun()
        write_url(PARAMS, marker=URL_MARKER)
        if not lab.runs:
            st.info("Choose activations in the sidebar to train.")
            return
        cols = st.columns(len(lab.runs))
        for col, r in zip(cols, lab.runs, strict=True):
            change = r.losses[-1] - r.losses[0]
            col.metric(
                f"{r.activation} · loss after {r.iteration} update{'' if r.iteration == 1 else 's'}",
                fmt(r.losses[-1], 4),
                delta=None if r.iteration == 0 else f"{fmt(change, 3)} since the start",
                delta_color="inverse",
            )
        if s.vg_press_note:
            st.info(s.vg_press_note, icon="⏱️")
        if lab.finished:
            st.info(
                "Every run has stopped (diverged or reached the iteration limit). Press Reset to start again."
            )
        st.plotly_chart(loss_curves_figure(lab.runs), key="vg_loss_chart", width="stretch")
        captions(loss_notes(lab.runs))
        st.plotly_chart(heatmap_figure(lab.runs), key="vg_heatmap_chart", width="stretch")
        captions(heatmap_gaps(lab.runs))
        st.caption(READ_A_HEATMAP)

    training_panel()


def section_why(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    acts = setup.activations
    depth = setup.depth
    # -- 3. why it happens ---------------------------------------------------------------------------------

    st.header("3 · Why it happens, with numbers")
    st.markdown(
        f"Follow the error signal from the output layer back to layer 1. In each of the {depth} hidden "
        "layers it is multiplied by that layer's weights and, unit by unit, by $f'(z)$. sigmoid' is never "
        f"above 0.25, so the derivative factors alone can shrink the signal by $0.25^{{{depth}}} = "
        f"{latex_number(derivative_bound('sigmoid', depth))}$ — that is the *most* they can pass on. The "
        "weights multiply in too: weights smaller than 1 in size shrink the signal further, larger ones can "
        "make up for part of the loss, so the measured ratio can land below or above the bound."
    )
    if lab.runs:
        st.markdown(f"**The bound next to the measurement** ({depth} hidden layers, at initialisation)")
        st.dataframe(bound_table([r.profile for r in lab.runs], depth), hide_index=True, key="vg_bound_table")
        st.caption(WEIGHTS_AND_THE_REST)
    c1, c2 = st.columns([1, 1])
    with c1:
        st.plotly_chart(
            derivative_figure(acts or COMPARE_ACTIVATIONS), key="vg_derivative_chart", width="stretch"
        )
    with c2:
        st.markdown(WHY_RELU_HELPS)

    st.subheader("Where the pre-activations fall")
    st.markdown(
        f"A unit passes little gradient back when its $z$ sits where $f'$ is flat. For sigmoid and tanh that "
        f"is large $|z|$: a value is counted **saturated** when $f'(z) < {SATURATED_BELOW:g}$. A relu unit "
        "is **dead** when $z \\le 0$ for every sample: its derivative is 0 on all of them, so it gets no "
        "gradient at all and cannot recover. Note that with xavier init sigmoid's $z$ sit near 0, where "
        "sigmoid' is close to its best, 0.25, and its gradient vanishes anyway: 0.25 per layer is enough. "
        "Saturation comes on top when the weights are larger (section 4)."
    )
    captions(view_notes)
    if lab.runs:
        h1, h2, h3 = st.columns([1, 2, 1])
        with h1:
            st.selectbox("Network", acts, key="vg_hist_act", persist_state="session")
        with h2:
            st.multiselect(
                f"Hidden layers to show (up to {MAX_HIST_LAYERS})",
                list(range(1, depth + 1)),
                key="vg_hist_layers",
                max_selections=MAX_HIST_LAYERS,
                persist_state="session",
            )
        with h3:
            st.radio(
                "Networks",
                HIST_WHEN,
                key="vg_hist_when",
                format_func=lambda w: "at initialisation" if w == "init" else "now (after training)",
                horizontal=True,
                persist_state="session",
            )
        now = st.session_state.vg_hist_when == "now"
        nets = {r.activation: (r.net if now else r.initial) for r in lab.runs}
        when_text = "at initialisation" if not now else f"after {lab.iteration} updates"
        stats = {a: layer_stats(net, lab.data.X_train) for a, net in nets.items()}
        chosen = stats[st.session_state.vg_hist_act]
        layers = [l - 1 for l in st.session_state.vg_hist_layers]
        if layers:
            st.plotly_chart(histogram_figure(chosen, layers), key="vg_histogram_chart", width="stretch")
            captions(histogram_gaps(chosen, layers))
        else:
            st.info("Pick at least one hidden layer to see its histogram.")
        st.plotly_chart(
            saturated_share_figure(list(stats.values())), key="vg_saturation_chart", width="stretch"
        )
        st.caption(f"Both charts: the networks {when_text}, all {N_POINTS} training points.")
