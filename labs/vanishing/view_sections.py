"""The vanishing lab, sections 1-3: gradient per layer at the start, training side by side, why."""

from __future__ import annotations

from dataclasses import replace

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
from labs.vanishing.model_experiments import delta_bound, derivative_bound, layer_stats
from labs.vanishing.text import (
    BOUND_TABLE_NOTE,
    BOUND_TEXT,
    DW_CARRIES_THE_INPUT,
    READ_A_HEATMAP,
    VANISHING_AND_EXPLODING,
    why_relu_text,
    why_text,
)
from labs.vanishing.view_clicks import clicks_since
from labs.vanishing.view_common import cached_profiles, captions
from labs.vanishing.view_settings import (
    HIST_WHEN,
    MAX_HIST_LAYERS,
    PARAMS,
    PLAY_BUDGET,
    PLAY_INTERVAL,
    PLAY_STEP,
    TRAIN_CHOICES,
    URL_MARKER,
    press_train,
    restart_lab,
    train_current_lab,
    train_label,
)
from ui.lazy import lazy_expander
from ui.playback import play_pause
from ui.presenter import fold, plotly_chart
from ui.urlstate import write_url
from viz.format import fmt, latex_number

# the two inits section 3 compares for relu
INITS = ("xavier", "he")


def section_start(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    depth = setup.depth
    # -- 1. gradient norm per layer at initialisation ----------------------------------------------------

    st.header("1 · How much gradient reaches each layer, before any training")
    fold("Vanishing and exploding gradients, in words", VANISHING_AND_EXPLODING)
    if lab.runs:
        profiles = [r.profile for r in lab.runs]
        plotly_chart(
            profile_figure(
                profiles,
                f"Per-layer gradient norms at initialisation ({depth} hidden layers of {setup.width}, "
                f"{setup.init} init, {setup.dataset})",
            ),
            key="vg_profile_chart",
        )
        captions(profile_gaps(profiles))
        st.markdown("**First layer against output layer**, at initialisation:")
        st.dataframe(ratio_table(profiles), hide_index=True, key="vg_ratio_table")
        with st.expander("Why? The ‖dW‖ and ‖delta‖ ratios differ"):
            st.markdown(DW_CARRIES_THE_INPUT)


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
            # the training runs in the click's callback: it completes before anything is drawn, so a
            # second click arriving mid-run cannot interrupt it (see press_train)
            pressed = st.button(
                train_label(s.vg_n),
                key="vg_train",
                on_click=press_train,
                disabled=playing or not lab.runs or lab.finished,
                width="stretch",
                type="primary",
            )
            # in a browser the clicks arrive as a count (view_clicks): none is merged away
            new_clicks = clicks_since("vg_train_clicks", "vg_train")
            for _ in range(new_clicks):
                press_train()
            pressed = pressed or new_clicks > 0
        lab = s.vg_lab  # what is drawn below shows the updates those clicks made
        with c4:
            restart = st.button("↺ Reset", key="vg_reset", width="stretch")
        if restart:
            s.vg_press_note = None
            restart_lab()
            st.rerun()
        if pressed and (s.vg_hist_when == "now" or s.get("vg_torch_on")):
            # the histograms and the PyTorch script further down show the trained networks: redraw the page
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
        if lab.iteration:
            # while playing the figures' data is lighter (viz.decimate); a pause redraws it in full
            plotly_chart(loss_curves_figure(lab.runs, playing=playing), key="vg_loss_chart")
            captions(loss_notes(lab.runs))
            plotly_chart(heatmap_figure(lab.runs, playing=playing), key="vg_heatmap_chart")
            captions(heatmap_gaps(lab.runs))
            st.caption(READ_A_HEATMAP)
        else:
            st.caption(
                "No updates yet: the losses above are the networks' losses at the start. After the first "
                "update, the loss curves and a heatmap of ‖dW‖ of every layer at every update appear here."
            )

    training_panel()


def section_why(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    acts = setup.activations
    depth = setup.depth
    # -- 3. why it happens ---------------------------------------------------------------------------------

    st.header("3 · Why it happens, with numbers")
    st.markdown(why_text(depth, latex_number(derivative_bound("sigmoid", depth))))
    relu = {init: cached_profiles(replace(setup, activations=("relu",), init=init))[0] for init in INITS}
    fold(
        "Why ReLU helps, and when (measured)",
        why_relu_text(relu["xavier"].delta_ratio, relu["he"].delta_ratio, relu["xavier"].ratio, depth),
    )
    # charts in closed expanders are built and drawn only once opened (ui/lazy.py)
    box, is_open = lazy_expander(
        "Why? The bound with the weights, next to the measurement, and the slopes f'(z)", key="vg_bound_open"
    )
    with box:
        st.markdown(BOUND_TEXT)
        if lab.runs:
            st.markdown(f"**The bound next to the measurement** ({depth} hidden layers, at initialisation)")
            bounds = [delta_bound(r.initial) for r in lab.runs]
            table = bound_table([r.profile for r in lab.runs], depth, bounds)
            st.dataframe(table, hide_index=True, key="vg_bound_table")
            st.caption(BOUND_TABLE_NOTE)
        if is_open:
            plotly_chart(derivative_figure(acts or COMPARE_ACTIVATIONS), key="vg_derivative_chart")
    box, is_open = lazy_expander(
        "Where the pre-activations fall: saturated and dead units, layer by layer", key="vg_saturation_open"
    )
    with box:
        if is_open:
            section_saturation(setup, lab, view_notes)


def section_saturation(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    acts = setup.activations
    depth = setup.depth
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
            plotly_chart(histogram_figure(chosen, layers), key="vg_histogram_chart")
            captions(histogram_gaps(chosen, layers))
        else:
            st.info("Pick at least one hidden layer to see its histogram.")
        plotly_chart(
            saturated_share_figure(list(stats.values())),
            key="vg_saturation_chart",
        )
        st.caption(f"Both charts: the networks {when_text}, all {N_POINTS} training points.")
