"""The convolution lab's Train section: Play/Pause, Step, the filters, the curves, the mistakes."""

from __future__ import annotations

import streamlit as st

from backprop_core.convnet import train_step
from ui.bridge import show_code
from ui.lazy import lazy_expander
from ui.playback import play_pause
from ui.presenter import plotly_chart
from ui.progress import sidebar_progress

from . import figures, model, text
from .view_state import PLAY_INTERVAL, PLAY_STEP, TRAIN_N, progress_dump, progress_load, reset, train


def render() -> None:
    s = st.session_state
    st.header("4 · Train live")
    st.caption(
        f"Full-batch gradient descent on the {model.N_TRAIN} training images (learning rate and optimizer in "
        f"the sidebar; Play takes {PLAY_STEP} steps every {PLAY_INTERVAL} s). Watch the filters turn from "
        "random numbers into line and edge detectors; the sections above follow the current weights once you "
        "pause.",
    )
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    with c1:
        playing = play_pause("cv", disabled=s.cv_lab.finished)
    c2.button("Step", key="cv_step", on_click=press, args=(1,), width="stretch", disabled=playing)
    c3.button(
        f"Train {TRAIN_N}", key="cv_train", on_click=press, args=(TRAIN_N,), width="stretch", disabled=playing
    )
    c4.button("Reset", key="cv_reset", on_click=reset, width="stretch")
    live_panel(playing)
    sidebar_progress(
        "conv",
        key="cv_progress",
        dump=progress_dump,
        load=progress_load,
        note="Save progress keeps this run (weights, optimizer memory, iteration, curves, settings) to "
        "continue it exactly later; the page's link keeps only the settings.",
    )
    params_block()
    show_code(
        [train_step],
        first="train_step is the whole iteration: forward_pass, the output delta, backward_pass, then the "
        "optimizer's update; the network passed in is never changed.",
    )


def press(n: int) -> None:
    done = train(n)
    st.session_state.cv_note = None if done == n else f"Stopped after {done} steps (time limit or last step)."


def live_panel(playing: bool) -> None:
    @st.fragment(run_every=PLAY_INTERVAL if playing else None)
    def panel() -> None:
        s = st.session_state
        if s.cv_playing:
            train(PLAY_STEP, budget=PLAY_INTERVAL)
        lab = s.cv_lab
        if s.cv_note:
            st.info(s.cv_note)
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Iteration", lab.iteration)
        m2.metric("Training loss", f"{lab.losses[-1]:.4f}")
        m3.metric("Training accuracy", f"{lab.train_acc[-1]:.0%}")
        m4.metric("Test accuracy", f"{lab.test_acc[-1]:.0%}")
        left, right = st.columns(2)
        with left:
            plotly_chart(figures.filters_figure(lab.net.K[0]), key="cv_filters_chart")
        with right:
            plotly_chart(
                figures.curves_figure(lab.losses, lab.train_acc, lab.test_acc), key="cv_curves_chart"
            )
        wrong = model.misclassified(lab)
        if wrong:
            titles = [
                f"#{i}: {model.CLASSES[t]}<br>taken for {model.CLASSES[p]} ({q:.0%})" for i, t, p, q in wrong
            ]
            # a chart in a closed expander is built and drawn only once opened (ui/lazy.py)
            box, is_open = lazy_expander(
                f"{len(wrong)} test images the network gets wrong (true class, then its guess)",
                key="cv_wrong_open",
            )
            with box:
                if is_open:
                    images = [lab.data.X_test[i, 0] for i, *_ in wrong]
                    plotly_chart(figures.images_figure(images, titles), key="cv_wrong_chart")
        else:
            st.success("The network classifies every test image correctly.")

    panel()


def params_block() -> None:
    count = model.param_count(st.session_state.cv_lab.net)
    # the two counts in the expander's title: the comparison is visible, its working folded
    with st.expander(
        f"Why? Parameters: conv layer 1 has {count.conv}; a dense layer from the same {count.n_in} inputs to "
        f"the same {count.n_out} outputs would need {count.dense:,}"
    ):
        st.markdown(
            f"Conv layer 1 maps the {count.n_in} input pixels to {count.n_out} numbers (its feature maps) "
            f"with **{count.conv}** parameters (the filters' weights and one bias each). A dense layer from "
            f"the same {count.n_in} inputs to the same {count.n_out} outputs needs "
            f"{count.n_in} × {count.n_out} + {count.n_out} = **{count.dense:,}**, "
            f"about {count.dense // count.conv:,} times as many. " + text.PARAMS_WHY
        )
