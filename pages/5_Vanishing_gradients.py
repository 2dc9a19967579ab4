"""Vanishing and exploding gradients: one deep network trained side by side with different activations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from backprop_core import DATASETS, INIT_SCHEMES, OPTIMIZERS
from backprop_core.vanishing import (
    COMPARE_ACTIVATIONS,
    SATURATED_BELOW,
    ClipComparison,
    GradientProfile,
    LabSetup,
    ScaleSweep,
    SymmetryRun,
    clipping_experiment,
    derivative_bound,
    layer_stats,
    scale_sweep,
    start_lab,
    symmetry_experiment,
)
from ui.common import ensure_state, format_lr, page_intro, show_error, try_this
from ui.urlstate import seed_from_url, show_notices, write_url
from ui.vanishing import (
    CLIP_CHOICES,
    DEFAULTS,
    HIST_WHEN,
    INIT_LABELS,
    LR_CHOICES,
    MAX_DEPTH,
    MAX_HIST_LAYERS,
    MAX_SEED,
    MAX_WIDTH,
    MIN_DEPTH,
    MIN_WIDTH,
    PARAMS,
    PLAY_BUDGET,
    PLAY_INTERVAL,
    PLAY_STEP,
    PRESS_BUDGET,
    STD_VALUES,
    SYMMETRIC_STARTS,
    TRAIN_CHOICES,
    URL_MARKER,
    current_lab,
    reset,
    sanitise_view_state,
    setup_from_state,
    train,
)
from viz.theme import fmt
from viz.vanishing import (
    bound_table,
    clipping_figure,
    clipping_notes,
    derivative_figure,
    describe_ratio,
    heatmap_figure,
    heatmap_gaps,
    histogram_figure,
    histogram_gaps,
    latex_number,
    loss_figure,
    loss_notes,
    profile_figure,
    profile_gaps,
    ratio_table,
    saturation_figure,
    sweep_figure,
    sweep_gaps,
    symmetry_spread_figure,
    symmetry_weights_figure,
)

st.set_page_config(page_title="Vanishing gradients · Backprop Lab", page_icon="📉", layout="wide")

SWEEP_STDS = tuple(float(s) for s in np.geomspace(0.01, 10.0, 13))
CLIP_ITERATIONS = 60


@st.cache_data(max_entries=16, show_spinner=False)
def cached_sweep(setup: LabSetup, activations: tuple[str, ...]) -> ScaleSweep:
    return scale_sweep(setup, SWEEP_STDS, activations)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_profiles(setup: LabSetup) -> list[GradientProfile]:
    return [r.profile for r in start_lab(setup).runs]


@st.cache_data(max_entries=16, show_spinner=False)
def cached_clipping(
    setup: LabSetup, std: float, clip_norm: float, lr: float, optimizer: str
) -> ClipComparison:
    return clipping_experiment(setup, std, clip_norm, lr, optimizer, iterations=CLIP_ITERATIONS)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_symmetry(dataset: str, activation: str, start: str, seed: int) -> SymmetryRun:
    return symmetry_experiment(dataset, activation, start, seed=seed)


def captions(notes: list[str]) -> None:
    for note in notes:
        st.caption(f"ℹ️ {note}")


# -- settings: URL first (validated), then the widgets ---------------------------------------------

ensure_state(DEFAULTS)
url_notices = seed_from_url(PARAMS, URL_MARKER)

page_intro(
    "Vanishing and exploding gradients",
    "On its way back from the output, the error signal is multiplied in every layer by the weights and "
    "by the activation's slope $f'(z)$. Here one deep network — same data, same starting weights — is "
    "trained once per activation, so you can **measure** how much gradient reaches the first layer: "
    "why sigmoid loses it, why ReLU keeps it, and how weights that start too large make it explode.",
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
        help="The hidden layers use this activation; the output layer fits the dataset. Pick at least two.",
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
        "Initialisation", INIT_SCHEMES, key="vg_init", format_func=INIT_LABELS.get, persist_state="session"
    )
    if st.session_state.vg_init == "normal":
        st.select_slider(
            "std of the initial weights", STD_VALUES, key="vg_std", format_func=fmt, persist_state="session"
        )
    st.number_input(
        "Seed (data and weight draws)", 0, MAX_SEED, step=1, key="vg_seed", persist_state="session"
    )
    st.header("Training")
    st.select_slider("Learning rate", LR_CHOICES, key="vg_lr", format_func=format_lr, persist_state="session")
    st.selectbox("Optimizer", OPTIMIZERS, key="vg_opt", persist_state="session")
    st.caption(
        "Full-batch gradient descent on 300 points (inputs standardised). A new learning rate or optimizer "
        "applies from the next update; every other setting starts all networks again."
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
        "This lab is a comparison: pick **at least two** activations in the sidebar (sigmoid and relu show "
        "the effect best). "
        + (
            f"Until then the charts show {acts[0]} alone."
            if acts
            else "With none chosen there is nothing to train; the sections below the training still work."
        ),
        icon="⚖️",
    )

# -- 1. gradient norm per layer at initialisation ----------------------------------------------------

st.header("1 · How much gradient reaches each layer, before any training")
st.markdown(
    "**Vanishing gradients:** the layers near the input receive gradients so small that gradient "
    "descent hardly moves their weights; they learn last, or never. **Exploding gradients:** the "
    "opposite, the gradient grows layer after layer on its way back and one update throws the weights "
    "far off. Both come from the same product: backprop computes "
    "$\\delta_l = (\\delta_{l+1} W_{l+1}^T) \\odot f'(z_l)$, one factor per layer, and "
    "$dW_l = a_{l-1}^T \\delta_l$."
)
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
    st.caption(
        "$\\|dW_l\\| = \\|a_{l-1}^T \\delta_l\\|$ also carries the size of the layer's input $a_{l-1}$, so "
        "the ‖dW‖ and ‖delta‖ ratios can differ: with relu and xavier init the activations shrink on the "
        "way forward as delta shrinks on the way back, and in dW the two partly cancel."
    )

# -- 2. training -------------------------------------------------------------------------------------

st.header("2 · Train them side by side")


def _finish_play_if_done() -> None:
    if st.session_state.vg_playing and st.session_state.vg_lab.finished:
        st.session_state.vg_playing = False
        st.rerun()


PLAY, PAUSE = "▶ Play", "⏸ Pause"


def _play_changed() -> None:
    s = st.session_state
    s.vg_playing = s.vg_play_mode == PLAY
    s.vg_press_note = None
    s.vg_play_switched = True


@st.fragment(run_every=PLAY_INTERVAL if st.session_state.vg_playing else None)
def training_panel() -> None:
    s = st.session_state
    # the run right after Play was pressed only redraws: the whole page reruns next and ticks from there
    if s.vg_playing and s.vg_lab.runs and not s.get("vg_play_switched"):
        train(PLAY_STEP, PLAY_BUDGET)
        _finish_play_if_done()
    lab = s.vg_lab
    playing = s.vg_playing
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
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
    with c3:
        # a two-state control rather than a button: a click that lands while a Play tick is running
        # can be lost, but a widget's value travels with every later request and cannot be
        s.vg_play_mode = PLAY if playing else PAUSE
        st.segmented_control(
            "Play or pause",
            (PLAY, PAUSE),
            key="vg_play_mode",
            on_change=_play_changed,
            required=True,
            disabled=not lab.runs or (lab.finished and not playing),
            label_visibility="collapsed",
        )
    with c4:
        restart = st.button("↺ Reset", key="vg_reset", width="stretch")
    if restart:
        s.vg_press_note = None
        reset()
        st.rerun()
    if s.pop("vg_play_switched", False):
        st.rerun()  # the whole page: Play's ticking (run_every) is decided there
    if pressed:
        lab, done = train(s.vg_n)
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
    st.plotly_chart(loss_figure(lab.runs), key="vg_loss_chart", width="stretch")
    captions(loss_notes(lab.runs))
    st.plotly_chart(heatmap_figure(lab.runs), key="vg_heatmap_chart", width="stretch")
    captions(heatmap_gaps(lab.runs))
    st.caption(
        "Read a heatmap column by column: each is one update, from layer 1 (bottom, next to the input) "
        "to the output layer (top). Dark = tiny gradient. The colour range is the same for every activation."
    )


training_panel()

# -- 3. why it happens ---------------------------------------------------------------------------------

st.header("3 · Why it happens, with numbers")
st.markdown(
    f"Follow the error signal from the output layer back to layer 1. In each of the {depth} hidden layers "
    "it is multiplied by that layer's weights and, unit by unit, by $f'(z)$. sigmoid' is never above "
    f"0.25, so the derivative factors alone can shrink the signal by $0.25^{{{depth}}} = "
    f"{latex_number(derivative_bound('sigmoid', depth))}$ — that is the *most* they can pass on. The weights "
    "multiply in too: weights smaller than 1 in size shrink the signal further, larger ones can make up for "
    "part of the loss, so the measured ratio can land below or above the bound."
)
if lab.runs:
    st.markdown(f"**The bound next to the measurement** ({depth} hidden layers, at initialisation)")
    st.dataframe(bound_table([r.profile for r in lab.runs], depth), hide_index=True, key="vg_bound_table")
    st.caption(
        "*weights & the rest multiplied by* = measured ‖delta‖ ratio ÷ bound: what the weights (and f' "
        "values below their maximum) multiplied in. Below 1: they shrank the signal further; above 1: they "
        "made up for some of it. The last column repeats section 1's ‖dW‖ ratio for comparison."
    )
c1, c2 = st.columns([1, 1])
with c1:
    st.plotly_chart(
        derivative_figure(acts or COMPARE_ACTIVATIONS), key="vg_derivative_chart", width="stretch"
    )
with c2:
    st.markdown(
        "**Why ReLU helps.** relu'(z) is exactly 1 wherever a unit is active, so along active units the "
        "error passes back without shrinking; only the weights decide whether it grows or shrinks, and he "
        "init picks their size so that, on average, it does neither. tanh' also reaches 1 (at z = 0), "
        "which is why tanh does far better than sigmoid, until its units saturate."
    )

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
    st.plotly_chart(saturation_figure(list(stats.values())), key="vg_saturation_chart", width="stretch")
    st.caption(f"Both charts: the networks {when_text}, all 300 training points.")

# -- 4. exploding gradients --------------------------------------------------------------------------

st.header("4 · Exploding gradients: weights that start too large")
he_std = float(np.sqrt(2.0 / setup.width))
st.markdown(
    "Now start from normal weights and turn up their std. Each relu layer multiplies the signal by about "
    f"std × √(width/2); he's std for width {setup.width}, √(2/{setup.width}) = {fmt(he_std, 3)}, makes "
    "that factor 1. Above it the activations grow layer after layer on the way forward, and delta grows "
    "layer after layer on the way back, so it is largest next to the input. Each weight gradient "
    "$dW_l = a_{l-1}^T \\delta_l$ multiplies the two, so for relu the gradient of *every* layer grows like "
    f"std^{depth}, std to the power of the depth. sigmoid and tanh react differently: with large weights "
    "most of their $z$ values land where the curve is flat, so they **saturate** instead."
)
x1, x2, x3 = st.columns([2, 1, 2])
with x1:
    st.select_slider(
        "std of the initial weights (this section)",
        STD_VALUES,
        key="vg_xstd",
        format_func=fmt,
        persist_state="session",
    )
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
xstd = float(st.session_state.vg_xstd)
sweep_acts = acts if "relu" in acts else ("relu", *acts)
sweep_acts = tuple(a for a in COMPARE_ACTIVATIONS if a in sweep_acts)
normal_setup = replace(setup, activations=sweep_acts, init="normal", std=xstd)
# the sweep covers every std itself: key its cache without the slider's value
sweep = cached_sweep(replace(normal_setup, std=1.0), sweep_acts)
st.plotly_chart(sweep_figure(sweep, xstd), key="vg_sweep_chart", width="stretch")
e1, e2 = st.columns([1, 2])
captions(sweep_gaps(sweep))
with e1:
    slope = sweep.slope("relu", 1.0, 10.0)
    st.metric(
        "relu: ‖dW‖ of layer 1 grows like",
        f"std^{fmt(slope, 3)}" if np.isfinite(slope) else "undefined",
        help="Measured between std 1 and 10: the slope of relu's line in the left chart (log-log), "
        "‖dW‖ ∝ std^slope.",
    )
with e2:
    st.markdown(
        f"With {depth} hidden layers the gradient grows like std^{depth} when the output's error stays "
        "bounded (the classification datasets)."
        + (
            " With a linear output (regression) the output's error itself grows with the scale, so the "
            "slope is steeper still."
            if DATASETS[setup.dataset].kind == "regression"
            else ""
        )
        + (
            " Here relu's first-layer gradient is 0: some hidden layer has every unit dead (z ≤ 0 on every "
            "sample), so no gradient gets through at any scale. Narrow, deep relu networks often start "
            "like that; try more neurons per layer."
            if not np.isfinite(slope)
            else ""
        )
    )
xprofiles = cached_profiles(normal_setup)
st.plotly_chart(
    profile_figure(xprofiles, f"Per-layer gradient norms with normal init, std {fmt(xstd, 3)}"),
    key="vg_xprofile_chart",
    width="stretch",
)
captions(profile_gaps(xprofiles))

clip_on = bool(st.session_state.vg_clip)
clip_max = float(st.session_state.vg_clipmax)
cmp = cached_clipping(
    replace(setup, activations=("relu",), init="normal", std=xstd),
    xstd,
    clip_max,
    float(st.session_state.vg_lr),
    st.session_state.vg_opt,
)
st.plotly_chart(clipping_figure(cmp, clipped=clip_on), key="vg_clip_chart", width="stretch")
captions(clipping_notes(cmp, clipped=clip_on))
if clip_on:
    st.markdown(
        f"Global norm of the first gradient (all weights and biases): **{fmt(cmp.global_norm)}**. "
        + (
            f"It is above {fmt(clip_max)}, so every gradient is multiplied by {fmt(cmp.clip_scale)}. "
            if cmp.clip_scale < 1
            else f"It is not above {fmt(clip_max)}, so clipping changes nothing here. "
        )
        + f"First/output ratio before clipping: {fmt(cmp.raw_grads[0] / cmp.raw_grads[-1])}; after: "
        f"{fmt(cmp.clipped_grads[0] / cmp.clipped_grads[-1])}."
    )
else:
    st.caption(
        f"relu, {CLIP_ITERATIONS} updates at learning rate {format_lr(st.session_state.vg_lr)}. "
        "Turn on **Clip gradients** to train the same network with clipping next to it."
    )
st.markdown(
    "**What clipping by global norm cannot do.** It measures one norm over all the gradients and, when that "
    "is too large, multiplies *every* layer's gradient by the same factor. The step gets shorter, but the "
    "ratio between layers stays exactly as it was: the layers next to the input still get a far larger "
    "(or, with sigmoid, far smaller) share than the output layer. It never makes a gradient larger, so it "
    "does nothing for vanishing gradients, and it leaves the huge activations of the forward pass alone. "
    "It stops one bad step; fixing the weight scale is the cure."
)

# -- 5. symmetry ----------------------------------------------------------------------------------------

st.header("5 · Symmetry: why the weights cannot all start equal")
st.markdown(
    "If every weight starts at the same value, all units of a hidden layer compute the same $z$ for every "
    "input, receive the same delta and so the same update, and after the update they are still identical. "
    "Nothing in gradient descent can tell them apart: a layer of 4 units behaves like one unit, forever. "
    "Random initialisation breaks the tie. Below: a small network (2 hidden layers of 4 units) trained for "
    "200 updates on the same dataset."
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
sym = cached_symmetry(setup.dataset, st.session_state.vg_sym_act, st.session_state.vg_sym_start, setup.seed)
fix = cached_symmetry(setup.dataset, st.session_state.vg_sym_act, "random", setup.seed)
st.plotly_chart(symmetry_spread_figure(sym, fix), key="vg_symmetry_chart", width="stretch")
st.plotly_chart(symmetry_weights_figure(sym, fix), key="vg_symmetry_weights_chart", width="stretch")
st.markdown(
    f"After 200 updates the largest difference between two units is **{fmt(float(sym.spread[-1].max()))}** "
    f"from the symmetric start and **{fmt(float(fix.spread[-1].max()))}** from random weights; final loss "
    f"{fmt(float(sym.losses[-1]))} against {fmt(float(fix.losses[-1]))}."
    + (
        f" With zeros and {sym.activation}, $f(0) = 0$: no signal reaches the output layer and no error "
        "reaches the hidden layers, so only the output bias learns."
        if sym.start == "zeros" and sym.activation != "sigmoid"
        else ""
    )
)

# -- 6. what helps --------------------------------------------------------------------------------------

st.header("6 · What helps, and what ReLU costs")
st.markdown(
    """
- **Initialisation.** xavier (for sigmoid and tanh) and he (for relu) choose the weights' std from the
  layer's width so that each layer keeps the signal about the same size, forward and backward. Compare
  relu with xavier and with he in section 1.
- **Normalisation.** Batch and layer normalisation re-centre and re-scale $z$ inside the network, which
  keeps it where $f'$ is large and the scale from drifting layer after layer.
- **Residual connections.** A layer that computes $a = x + F(x)$ gives the gradient a path around $F$
  with derivative 1, so it reaches early layers even when $F$'s own factors are small.
- **Gradient clipping** guards against a single exploding step; it does nothing for vanishing gradients.
- **What ReLU costs: dead units.** A relu unit whose $z$ is negative for every input has derivative 0
  everywhere, gets no gradient, and stays off for good. A large learning rate can knock units there.
  leaky_relu keeps a slope of 0.01 for $z < 0$, so such units still receive a little gradient.
"""
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
    f"**Predict first:** {start_text}Set the depth to {other_depth}: how many times smaller than its output "
    f"layer's will sigmoid's first-layer gradient be? (0.25^{other_depth} ≈ {fmt(0.25**other_depth, 2)} is "
    "the most the derivatives allow.) Check your guess in section 1.\n\n"
    "**Then:** set the init to *he* and press *Train*. Does sigmoid's loss move? Does relu's? Finally, "
    "in section 4, slide the std past he's value and predict which layer's gradient explodes most."
)
write_url(PARAMS, marker=URL_MARKER)
