"""The vanishing lab, sections 4-6: exploding gradients and clipping, symmetry, what helps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from backprop_core import DATASETS
from labs.vanishing.figures import describe_ratio, profile_figure, profile_gaps
from labs.vanishing.figures_scale import (
    clipping_figure,
    clipping_notes,
    sweep_figure,
    sweep_gaps,
    symmetry_spread_figure,
    symmetry_weights_figure,
    update_sizes_figure,
)
from labs.vanishing.model import (
    COMPARE_ACTIVATIONS,
    SYMMETRIC_STARTS,
    Lab,
    LabSetup,
)
from labs.vanishing.model_experiments import SYMMETRY_HIDDEN, SYMMETRY_ITERATIONS
from labs.vanishing.text import (
    ADAM_WHY,
    INIT_WHY,
    MORE_HELPS,
    WHAT_CLIPPING_CANNOT_DO,
    WHAT_HELPS,
    adam_text,
)
from labs.vanishing.view_common import (
    ADAM_UPDATES,
    CLIP_ITERATIONS,
    cached_clipping,
    cached_profiles,
    cached_sweep,
    cached_symmetry,
    cached_update_sizes,
    captions,
)
from labs.vanishing.view_settings import CLIP_CHOICES, STD_VALUES
from ui.common import format_lr, try_this
from ui.lazy import lazy_expander
from ui.presenter import fold, plotly_chart
from viz.format import fmt


def section_exploding(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    acts = setup.activations
    depth = setup.depth
    # -- 4. exploding gradients --------------------------------------------------------------------------

    st.header("4 · Exploding gradients: weights that start too large")
    he_std = float(np.sqrt(2.0 / setup.width))
    st.markdown(
        "Now start from normal weights and turn up their std. Each relu layer multiplies the size of the "
        "signal by about std × √(width/2), on average over the random draws; he's std for width "
        f"{setup.width}, √(2/{setup.width}) = {fmt(he_std, 3)}, "
        "makes that factor 1. Above it the gradients explode; sigmoid and tanh **saturate** instead: with "
        "large weights most of their $z$ land where the curve is flat."
    )
    # the section's control, its measured exponent and its derivation on one row: the chart starts higher up
    control, measured, why = st.columns([1.3, 1, 1.2], vertical_alignment="bottom")
    with why.expander("Why? Every relu layer's gradient grows like std^depth"):
        st.markdown(
            "Above he's std the activations grow layer after layer on the way forward, and delta grows "
            "layer after layer on the way back, so it is largest next to the input. Each weight gradient "
            "$dW_l = a_{l-1}^T \\delta_l$ multiplies the two, so for relu the gradient of *every* layer "
            f"grows like std^{depth}, std to the power of the depth: with {depth} hidden layers, "
            f"std^{depth} when the output's error stays bounded (the classification datasets)."
        )
    control.select_slider(
        "std of the initial weights (this section)",
        STD_VALUES,
        key="vg_xstd",
        format_func=fmt,
        persist_state="session",
    )
    xstd = float(st.session_state.vg_xstd)
    sweep_acts = acts if "relu" in acts else ("relu", *acts)
    sweep_acts = tuple(a for a in COMPARE_ACTIVATIONS if a in sweep_acts)
    normal_setup = replace(setup, activations=sweep_acts, init="normal", std=xstd)
    # the sweep covers every std itself: key its cache without the slider's value
    sweep = cached_sweep(replace(normal_setup, std=1.0), sweep_acts)
    slope = sweep.slope("relu", 1.0, 10.0)
    measured.metric(
        "relu: ‖dW‖ of layer 1 grows like",
        f"std^{fmt(slope, 3)}" if np.isfinite(slope) else "undefined",
        help="Measured between std 1 and 10: the slope of relu's line in the left chart (log-log), "
        f"‖dW‖ ∝ std^slope. With {depth} hidden layers the gradient grows like std^{depth} when the output's "
        "error stays bounded (the classification datasets).",
    )
    plotly_chart(sweep_figure(sweep, xstd), key="vg_sweep_chart")
    captions(sweep_gaps(sweep))
    # what differs from std^depth, said only where it happens
    if DATASETS[setup.dataset].kind == "regression":
        st.markdown(
            f"With a linear output (regression) the output's error itself grows with the scale, so the slope "
            f"is steeper than std^{depth}."
        )
    if not np.isfinite(slope):
        st.markdown(
            "Here relu's first-layer gradient is 0: some hidden layer has every unit dead (z ≤ 0 on every "
            "sample), so no gradient gets through at any scale. Narrow, deep relu networks often start like "
            "that; try more neurons per layer."
        )
    # charts in closed expanders are built and drawn only once opened (ui/lazy.py)
    box, is_open = lazy_expander(f"Per-layer gradient norms at std {fmt(xstd, 3)}", key="vg_xprofile_open")
    with box:
        if is_open:
            xprofiles = cached_profiles(normal_setup)
            plotly_chart(
                profile_figure(xprofiles, f"Per-layer gradient norms with normal init, std {fmt(xstd, 3)}"),
                key="vg_xprofile_chart",
            )
            captions(profile_gaps(xprofiles))
    box, is_open = lazy_expander(
        "Clipping by global norm: a shorter step, the same ratio between layers", key="vg_clip_open"
    )
    with box:
        if is_open:
            section_clipping(setup, xstd)


def section_clipping(setup: LabSetup, xstd: float) -> None:
    x2, x3 = st.columns([1, 2])
    with x2:
        st.toggle("Clip gradients", key="vg_clip", persist_state="session")
    with x3:
        st.select_slider(
            "Clip to global norm",
            CLIP_CHOICES,
            key="vg_clipmax",
            format_func=fmt,
            disabled=not st.session_state.vg_clip,
            persist_state="session",
        )
    clip_on = bool(st.session_state.vg_clip)
    clip_max = float(st.session_state.vg_clipmax)
    cmp = cached_clipping(
        replace(setup, activations=("relu",), init="normal", std=xstd),
        xstd,
        clip_max,
        float(st.session_state.vg_lr),
        st.session_state.vg_opt,
    )
    plotly_chart(clipping_figure(cmp, clipped=clip_on), key="vg_clip_chart")
    captions(clipping_notes(cmp, clipped=clip_on))
    if clip_on:
        raw, clipped = cmp.raw_layer_grad_norms, cmp.clipped_layer_grad_norms
        st.markdown(
            f"Global norm of the first gradient (all weights and biases): **{fmt(cmp.global_grad_norm)}**. "
            + (
                f"It is above {fmt(clip_max)}, so every gradient is multiplied by {fmt(cmp.clip_scale)}. "
                if cmp.clip_scale < 1
                else f"It is not above {fmt(clip_max)}, so clipping changes nothing here. "
            )
            + f"First/output ratio before clipping: {fmt(raw[0] / raw[-1])}; after: "
            f"{fmt(clipped[0] / clipped[-1])}."
        )
    else:
        st.caption(
            f"relu, {CLIP_ITERATIONS} updates at learning rate {format_lr(st.session_state.vg_lr)}. "
            "Turn on **Clip gradients** to train the same network with clipping next to it."
        )
    st.markdown(WHAT_CLIPPING_CANNOT_DO)


def section_symmetry(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    # -- 5. symmetry ----------------------------------------------------------------------------------------

    st.header("5 · Symmetry: why weights cannot all start equal")
    st.markdown(
        "If every weight starts at the same value, all units of a hidden layer compute the same $z$ for "
        "every input, receive the same delta and the same update, and stay identical: a layer of "
        f"{SYMMETRY_HIDDEN[0]} units behaves like one unit, forever. Random initialisation breaks the tie. "
        f"Here: {len(SYMMETRY_HIDDEN)} hidden layers of {SYMMETRY_HIDDEN[0]} units, {SYMMETRY_ITERATIONS} "
        "updates on the same dataset."
    )
    s1, s2 = st.columns([1, 2])
    with s1:
        st.selectbox("Activation", COMPARE_ACTIVATIONS, key="vg_sym_act", persist_state="session")
    with s2:
        st.radio(
            "Symmetric start",
            SYMMETRIC_STARTS,
            key="vg_sym_start",
            format_func=lambda s: "all weights 0 (zeros init)" if s == "zeros" else "all weights 0.5",
            horizontal=True,
            persist_state="session",
        )
    sym = cached_symmetry(
        setup.dataset, st.session_state.vg_sym_act, st.session_state.vg_sym_start, setup.seed
    )
    fix = cached_symmetry(setup.dataset, st.session_state.vg_sym_act, "random", setup.seed)
    st.markdown(
        f"After {SYMMETRY_ITERATIONS} updates the largest difference between two units is "
        f"**{fmt(float(sym.spread[-1].max()))}** "
        f"from the symmetric start and **{fmt(float(fix.spread[-1].max()))}** from random weights; final "
        f"loss {fmt(float(sym.losses[-1]))} against {fmt(float(fix.losses[-1]))}."
        + (
            f" With zeros and {sym.activation}, $f(0) = 0$: no signal reaches the output layer and no error "
            "reaches the hidden layers, so only the output bias learns."
            if sym.start == "zeros" and sym.activation != "sigmoid"
            else ""
        )
    )
    box, is_open = lazy_expander("The units over the updates, and their weights", key="vg_symmetry_open")
    with box:
        if is_open:
            plotly_chart(symmetry_spread_figure(sym, fix), key="vg_symmetry_chart")
            plotly_chart(symmetry_weights_figure(sym, fix), key="vg_symmetry_weights_chart")


def section_helps(setup: LabSetup, lab: Lab, view_notes: list[str]) -> None:
    depth = setup.depth
    # -- 6. what helps --------------------------------------------------------------------------------------

    st.header("6 · What helps, and what ReLU costs")
    fold("What helps: initialisation; what ReLU costs: dead units", WHAT_HELPS)
    with st.expander(
        "Why? The slope behind xavier and he; more that helps: normalisation, residuals, clipping"
    ):
        st.markdown(INIT_WHY)
        st.markdown(MORE_HELPS)
    lr = float(st.session_state.vg_lr)
    sig_setup = replace(setup, activations=("sigmoid",))
    runs = [cached_update_sizes(sig_setup, "sigmoid", opt, lr) for opt in ("sgd", "adam")]
    fold(
        "Adaptive optimizers: Adam and vanishing update sizes (measured)",
        adam_text(runs[0].first_over_output, runs[1].first_over_output, format_lr(lr), depth),
    )
    box, is_open = lazy_expander(
        "Why? Measured: how far each layer moves under SGD and under Adam", key="vg_adam_open"
    )
    with box:
        if is_open:
            st.markdown(ADAM_WHY)
            plotly_chart(update_sizes_figure(runs), key="vg_adam_chart")
            st.caption(
                f"Both from the same starting weights ({setup.init} init), {ADAM_UPDATES} full-batch updates "
                "each at the sidebar's learning rate; ‖ΔW‖ / ‖W‖ is the size of a layer's weight change over "
                "the size of its weights (Frobenius norms), averaged over the updates. Switch the sidebar's "
                "optimizer to adam to train with it in section 2."
            )

    # the prediction starts from what this page measured, so it holds for any depth the learner has set
    sigmoid = next((r.profile for r in lab.runs if r.activation == "sigmoid"), None)
    other_depth = 20 if depth != 20 else 10
    if sigmoid is not None and np.isfinite(sigmoid.ratio) and sigmoid.ratio > 0:
        start_text = (
            f"with sigmoid and {depth} hidden layers, the first layer's gradient is "
            f"{describe_ratio(sigmoid.ratio)} than the output layer's (section 1). "
        )
    else:
        start_text = f"add sigmoid to the activations in the sidebar ({depth} hidden layers now). "
    try_this(
        f"**Predict first:** {start_text}Set the depth to {other_depth}: how many times smaller than its "
        f"output layer's will sigmoid's first-layer gradient be? (0.25^{other_depth} ≈ "
        f"{fmt(0.25**other_depth, 2)} is the most the slopes pass on to ‖delta‖ when the weights neither "
        "stretch nor shrink it.) Check your guess in section 1.\n\n**Then:** set the init to *he* and "
        "press *Train*. Does sigmoid's loss move? Does relu's? "
        "Finally, in section 4, slide the std past he's value and predict which layer's gradient explodes "
        "most."
    )
