"""The convolution lab's page: settings, the images, and the forward pass one position at a time.

The backward pass and the training live in ``view_backward`` and ``view_train``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from backprop_core.conv import conv2d_pass, maxpool2d_pass
from backprop_core.convnet import forward_pass
from backprop_core.optimizers import OPTIMIZERS
from ui.bridge import show_code
from ui.common import ensure_state, format_lr, lr_values, page_intro, try_this
from ui.lazy import lazy_expander
from ui.presenter import plotly_chart
from ui.share import share_link
from ui.urlstate import seed_from_url, show_notices, write_url

from . import figures, model, text, view_backward, view_train
from .view_state import DEFAULTS, LR_RANGE, PARAMS, URL_MARKER, clamp, current_lab

ZOOM_MARGIN = 2  # cells shown around the window when zoomed in


def render() -> None:
    ensure_state(DEFAULTS)
    notices = seed_from_url(PARAMS, URL_MARKER)
    page_intro(text.TITLE, text.INTRO, text.ICON)
    show_notices(notices)
    sidebar()
    lab = current_lab()
    images_section(lab)
    s = st.session_state
    img = clamp("cv_img", 0, model.N_TRAIN - 1)
    x, label = lab.data.X_train[img], int(lab.data.y_train[img])
    step = model.one_image_step(lab.net, x, label, float(s.cv_lr), s.cv_opt)
    forward_section(step, label)
    view_backward.render(step, label)
    view_train.render()
    try_this(text.try_this())
    write_url(PARAMS, marker=URL_MARKER)
    share_link(
        key="cv",
        note="The link restores the settings and the image, filter, window and backward step shown; not the "
        "training run (Save progress in the sidebar keeps that).",
    )


def sidebar() -> None:
    with st.sidebar:
        st.header("The network")
        st.select_slider(
            "Filters in each conv layer", model.FILTER_CHOICES, key="cv_filters", persist_state="session"
        )
        st.radio(
            "Conv layers", model.CONV_LAYER_CHOICES, key="cv_layers", horizontal=True, persist_state="session"
        )
        st.number_input(
            "Seed (images and initial weights)", 0, 9999, step=1, key="cv_seed", persist_state="session"
        )
        st.header("Training")
        st.select_slider(
            "Learning rate", lr_values(*LR_RANGE), key="cv_lr", format_func=format_lr, persist_state="session"
        )
        st.selectbox("Optimizer", OPTIMIZERS, key="cv_opt", persist_state="session")
        st.caption(
            "Changing the filters, the conv layers or the seed starts a new network; the learning rate and "
            "optimizer apply from the next step."
        )


def images_section(lab: model.Lab) -> None:
    st.header("1 · The images and the network")

    first = [int(np.flatnonzero(lab.data.y_train == k)[0]) for k in range(len(model.CLASSES))]
    plotly_chart(
        figures.images_figure(
            [lab.data.X_train[i, 0] for i in first],
            [f"#{i}: {model.CLASSES[lab.data.y_train[i]]}" for i in first],
        ),
        key="cv_examples_chart",
    )
    st.caption(text.SUMMARY)
    with st.expander("Why? How the images are made, and the network in full"):
        st.markdown(text.DATA)
        st.markdown(text.NETWORK)


def forward_section(step, label: int) -> None:
    s = st.session_state
    st.header("2 · Forward, one position at a time")
    with st.expander("Why? One training image as a batch of one, and cross-correlation (as F.conv2d)"):
        st.markdown(text.ONE_IMAGE)
        st.markdown(text.CROSS_CORRELATION)
    conv0 = step.convs[0].conv
    n_filters = conv0.K.shape[0]
    ho, wo = conv0.z.shape[2:]
    # every control of the walk on one row (at 1280 px they fit): the maps start higher up
    c1, c2, c3, b1, b2, b3 = st.columns([1.25, 0.75, 2.2, 1.1, 0.9, 1.15], vertical_alignment="bottom")
    c1.number_input(
        f"Image (0 to {model.N_TRAIN - 1})",
        0,
        model.N_TRAIN - 1,
        key="cv_img",
        help=f"Which of the {model.N_TRAIN} training images goes through the network",
    )
    o = clamp("cv_filter", 1, n_filters) - 1
    c2.selectbox("Filter", list(range(1, n_filters + 1)), key="cv_filter")
    clamp("cv_pos", 0, ho * wo - 1)
    c3.slider(
        f"Window position (0 to {ho * wo - 1})",
        0,
        ho * wo - 1,
        key="cv_pos",
        help="In reading order: row by row, left to right",
    )
    b1.button("◀ Previous", key="cv_prev", on_click=move, args=(-1, ho * wo), width="stretch")
    b2.button("Next ▶", key="cv_next", on_click=move, args=(1, ho * wo), width="stretch")
    b3.toggle("Zoom in", key="cv_zoom", help="Show only the cells around the window, with larger numbers.")
    pos = model.position(step, o, int(s.cv_pos))
    kh, kw = pos.kernel.shape
    st.caption(f"Image #{s.cv_img} is a **{model.CLASSES[label]}**.")
    x = conv0.xp[0, 0]
    left, right = st.columns([3, 2])
    with left:
        if s.cv_zoom:
            r0, c0 = max(0, pos.i - ZOOM_MARGIN), max(0, pos.j - ZOOM_MARGIN)
            part = x[r0 : pos.i + kh + ZOOM_MARGIN, c0 : pos.j + kw + ZOOM_MARGIN]
            fig = figures.grid_figure(
                part,
                "input x (zoomed)",
                window=(pos.i, pos.j, kh, kw),
                origin=(r0, c0),
                vmax=float(np.abs(x).max()),
            )
        else:
            fig = figures.grid_figure(x, "input x, the window in orange", window=(pos.i, pos.j, kh, kw))
        plotly_chart(fig, key="cv_input_chart")
    with right:
        plotly_chart(figures.grid_figure(pos.kernel, f"filter K{o + 1} (3x3)"), key="cv_kernel_chart")
        terms = " + ".join(
            f"({p:.3f})({k:.3f})" for p, k in zip(pos.patch.ravel(), pos.kernel.ravel(), strict=True)
        )
        st.markdown(f"**z[{pos.i}, {pos.j}] = sum(patch × K) + b**")
        st.code(
            f"z[{pos.i}, {pos.j}] = {terms}\n        + b ({pos.bias:.3f})\n        = {pos.z:.6f}",
            language=None,
            wrap_lines=True,
        )
    z, a = step.convs[0].z[0, o], step.convs[0].a[0, o]
    one_layer = len(step.convs) == 1
    m1, m2 = st.columns(2)
    with m1:
        plotly_chart(
            figures.grid_figure(
                z, f"feature map z (filter {o + 1}), the new cell in orange", window=(pos.i, pos.j, 1, 1)
            ),
            key="cv_z_chart",
        )
    with m2:
        # with one conv layer this a is what the pool reads: its winners are ringed here, once
        winners = step.pool.trace.winners[0, o] if one_layer else None
        title = (
            "a = relu(z); each pool window's winner ringed"
            if one_layer
            else "a = relu(z): negatives become 0"
        )
        plotly_chart(figures.grid_figure(a, title, marks=winners), key="cv_a_chart")
    pool_block(step, o)
    output_block(step, label)
    show_code(
        [conv2d_pass, maxpool2d_pass, forward_pass],
        first="Read conv2d_pass first: as_strided views every window at once, one copy lays them out as "
        "columns (im2col) and one matrix product computes z at every position; forward_pass chains the "
        "layers.",
    )


def move(delta: int, n: int) -> None:
    st.session_state.cv_pos = (int(st.session_state.cv_pos) + delta) % n


def pool_block(step, o: int) -> None:
    last = step.convs[-1]
    pool = step.pool.trace
    st.subheader(f"Max-pool {model.POOL}x{model.POOL}")
    if len(step.convs) == 1:
        # the map it reads is drawn just above, winners ringed: the pooled map beside what it does
        (hi, wi), (hp, wp) = last.a.shape[2:], pool.out.shape[2:]
        text, chart = st.columns([3, 2], vertical_alignment="center")
        text.markdown(
            f"Each {model.POOL}x{model.POOL} window of $a$ above keeps only its largest value, the ringed "
            f"winner: the {hi}x{wi} map becomes {hp}x{wp}. Every other cell of the window is dropped, so in "
            "the backward pass (section 3) only the winners receive a gradient."
        )
        with chart:
            plotly_chart(
                figures.grid_figure(pool.out[0, o], "pooled: the max of each window"), key="cv_pool_out_chart"
            )
        return
    p1, p2 = st.columns([3, 2])
    with p1:
        plotly_chart(
            figures.grid_figure(
                last.a[0, o],
                f"conv layer 2's a (filter {o + 1}), each window's winner ringed",
                marks=pool.winners[0, o],
            ),
            key="cv_pool_in_chart",
        )
    with p2:
        plotly_chart(
            figures.grid_figure(pool.out[0, o], "pooled: the max of each window"),
            key="cv_pool_out_chart",
        )


def output_block(step, label: int) -> None:
    # its chart is built and drawn only once opened (ui/lazy.py)
    box, is_open = lazy_expander(
        "Flatten, dense, softmax, loss: the numbers of the dense layer, the softmax and the loss",
        key="cv_output_open",
    )
    with box:
        output_numbers(step, label, chart=is_open)


def output_numbers(step, label: int, *, chart: bool = True) -> None:
    flat, out = step.flat, step.dense[-1]
    c, h, w = step.pool.trace.out.shape[1:]
    st.markdown(
        f"Flatten: the {c} pooled maps of {h}x{w} become one row of {flat.shape[1]} numbers (map 1 row by "
        f"row, then map 2, ...). Dense: $z = a\\,W + b$ with $W$ of shape {step.net.W[-1].shape}. "
        f"z = [{', '.join(f'{v:.3f}' for v in out.z[0])}]."
    )
    d1, d2 = st.columns([3, 2])
    if chart:
        with d1:
            plotly_chart(figures.probabilities_figure(out.a[0], model.CLASSES, label), key="cv_probs_chart")
    d2.markdown(
        f"Cross-entropy with the true class **{model.CLASSES[label]}**:\n\n"
        f"$L = -\\log a_{{\\text{{true}}}} = -\\log {out.a[0, label]:.6f} = {step.loss:.6f}$"
    )
