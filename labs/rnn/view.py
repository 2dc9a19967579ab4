"""The BPTT page: settings, the unrolled network, the backward pass step by step, how far the error reaches.

Sections 4 to 7 (truncation, training, accuracy against T, PyTorch) are in ``view_train.py``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from backprop_core.rnn import BPTTTrace, backward_through_time, forward_through_time, spectral_radius
from ui.bridge import show_code
from ui.common import ensure_state, page_intro, show_error, try_this
from ui.lazy import lazy_expander
from ui.presenter import plotly_chart
from ui.share import share_link
from ui.urlstate import seed_from_url, show_notices, write_url
from viz.format import fmt

from . import text, view_train
from .figures import contributions_figure, delta_norm_figure, matrix_figure, unrolled_figure
from .model import (
    ACTIVATIONS,
    DIAGRAM_MAX_T,
    MAX_HIDDEN,
    MAX_T,
    MIN_HIDDEN,
    MIN_T,
    TASKS,
    Reach,
    Setup,
    gradient_step,
    initial_net,
    reach,
    task_of,
)
from .view_state import DEFAULTS, MAX_SEED, PARAMS, RADII, URL_MARKER, setup_from_state


@st.cache_data(max_entries=32, show_spinner=False)
def cached_trace(setup: Setup) -> BPTTTrace:
    """Full BPTT of the setup's initial network on its task (no update)."""
    return gradient_step(initial_net(setup), task_of(setup))


@st.cache_data(max_entries=32, show_spinner=False)
def cached_reaches(setup: Setup, T: int) -> list[Reach]:
    s = replace(setup, T=T)
    return [reach(s, activation=a) for a in ACTIVATIONS]


def sidebar() -> None:
    with st.sidebar:
        st.header("Task and network")
        st.selectbox("Task", list(TASKS), key="bt_task", format_func=TASKS.get, persist_state="session")
        st.slider("Sequence length T", MIN_T, MAX_T, key="bt_T", persist_state="session")
        st.slider("Hidden units", MIN_HIDDEN, MAX_HIDDEN, key="bt_hidden", persist_state="session")
        st.radio("Hidden activation f", ACTIVATIONS, key="bt_act", horizontal=True, persist_state="session")
        st.select_slider(
            "Spectral radius of Wh",
            RADII,
            key="bt_radius",
            format_func=lambda r: f"{r:.2f}",
            persist_state="session",
            help="Wh is scaled so that its largest |eigenvalue| is this value.",
        )
        st.number_input(
            "Seed (data and weights)", 0, MAX_SEED, step=1, key="bt_seed", persist_state="session"
        )


def section_unrolled(setup: Setup, trace: BPTTTrace) -> None:
    st.header("1 · The task and the network, unrolled over time")
    st.markdown(text.TASK_NOTES[setup.task])
    with st.expander("Why? The data, the initial weights, one matrix on every arrow"):
        st.caption(text.setup_note(trace.every_step))
        st.markdown(
            f"Every blue arrow is **the same matrix** $W_h$ ({setup.hidden}×{setup.hidden}, spectral radius "
            f"{fmt(spectral_radius(trace.net.Wh), 3)}), every green one the same $W_x$, every reddish-purple "
            "one the "
            "same "
            "$W_y$: the unrolled network (drawn in section 2) is a deep network whose layers all share their "
            "weights. Hover a node for all its numbers; an $h_t$ node lists its first units.",
        )
    show_code(
        [forward_through_time],
        label="Show the code (forward pass)",
        first="The loop is the unrolled picture: one step per iteration, the same `net.Wh` every time.",
    )


@st.fragment
def section_backward(trace: BPTTTrace) -> None:
    st.header("2 · Backward, one step at a time from the last")
    s = st.session_state
    T = trace.X.shape[1]
    s.bt_back = min(max(int(s.bt_back), 1), T)
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    if c1.button("◀ One step back in time", key="bt_step_back", disabled=s.bt_back >= T, width="stretch"):
        s.bt_back += 1
    if c2.button("↺ Start again at the last step", key="bt_back_reset", width="stretch"):
        s.bt_back = 1
    t0 = T - s.bt_back  # 0-based index of the step the backward pass has reached
    c3.markdown(
        f"The backward pass has reached **step t = {t0 + 1}** of {T} ({s.bt_back} of {T} steps done)."
    )
    if T <= DIAGRAM_MAX_T:
        plotly_chart(unrolled_figure(trace, reached=t0), key="bt_backward_chart")
    else:
        st.info(
            f"The unrolled network is drawn with its numbers for T ≤ {DIAGRAM_MAX_T}; T = {T} now. "
            "Set T lower in the sidebar to see it.",
            icon="📏",
        )
    d_next = trace.delta[0, t0 + 1] @ trace.net.Wh.T if t0 + 1 < T else np.zeros(trace.delta.shape[2])
    dh = trace.dh_out[0, t0]
    slope = (
        (1.0 - trace.h[0, t0] ** 2) if trace.net.activation == "tanh" else (trace.z[0, t0] > 0).astype(float)
    )
    delta = trace.delta[0, t0]
    t = t0 + 1
    st.markdown(
        f"$\\delta_{{{t}}} = (\\delta_{{{t + 1}}} W_h^T + \\partial L/\\partial h_{{{t}}}) \\odot "
        f"f'(z_{{{t}}})$"
        f" for sequence 1, unit by unit: $({text.vector_latex(d_next)} + {text.vector_latex(dh)}) \\odot "
        f"{text.vector_latex(slope)} = {text.vector_latex(delta)}$"
        + (f" (at the last step there is no $\\delta_{{{t + 1}}}$: that term is 0)." if t == T else ".")
    )
    with st.expander(f"Every unit of δ{t}, as a table"):
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": np.arange(1, len(delta) + 1),
                    f"(δ{t + 1} Whᵀ)": d_next,
                    f"∂L/∂h{t} from o{t}": dh,
                    f"f'(z{t})": slope,
                    f"δ{t}": delta,
                }
            ),
            hide_index=True,
            key="bt_delta_table",
            column_config={
                c: st.column_config.NumberColumn(format="%.6g")
                for c in (f"(δ{t + 1} Whᵀ)", f"∂L/∂h{t} from o{t}", f"f'(z{t})", f"δ{t}")
            },
        )
    if not trace.every_step and t < T:
        st.caption(f"∂L/∂h{t} from the output is 0: the loss is on the last step only.")
    running = trace.dWh_steps[t0:].sum(axis=0)
    vmax = max(float(np.abs(trace.dWh).max()), 1e-12)
    c1, c2 = st.columns(2)
    with c1:
        plotly_chart(
            matrix_figure(
                trace.dWh_steps[t0], f"Step {t}'s contribution h{t - 1}ᵀ δ{t} (all sequences)", vmax
            ),
            key="bt_contrib_chart",
        )
    with c2:
        plotly_chart(
            matrix_figure(running, f"Running sum of dWh, steps {T} down to {t}", vmax),
            key="bt_running_chart",
        )
    norm = float(np.linalg.norm(trace.dWh))
    st.markdown(
        "**Parameter sharing:** $W_h$ is used at every step, so $dW_h = \\sum_t h_{t-1}^T \\delta_t$, one "
        "contribution per step (summed over the batch). "
        + (
            "Step 1's contribution is 0: $h_0 = 0$. "
            if t == 1
            else f"When the pass reaches step 1 the running sum is $dW_h$ (‖dWh‖ = {fmt(norm, 4)})."
        )
    )
    # a chart in a closed expander is built and drawn only once opened (ui/lazy.py)
    box, is_open = lazy_expander(
        "The size of every step's contribution, as a chart", key="bt_contributions_open"
    )
    with box:
        if is_open:
            plotly_chart(contributions_figure(trace.dWh_steps, t0), key="bt_contributions_chart")
    show_code(
        [backward_through_time],
        label="Show the code (backward pass)",
        first="Read the `truncate is None` branch first: its loop is the delta recursion above, from the "
        "last step back; the last lines form one dWh contribution per step.",
    )


def section_reach(setup: Setup) -> Reach:
    st.header("3 · How far back the error reaches")
    # the control and the derivation on one row: the chart starts higher up
    control, why = st.columns(2, vertical_alignment="bottom")
    control.slider(
        "Sequence length for this chart (remember task, loss on the last step)",
        MIN_T,
        MAX_T,
        key="bt_reach_T",
        persist_state="session",
    )
    T = int(st.session_state.bt_reach_T)
    reaches = cached_reaches(setup, T)
    why_box = why.expander("Why? The product of Jacobians")
    plotly_chart(
        delta_norm_figure(
            reaches, f"‖delta_t‖ at initialisation, spectral radius of Wh = {setup.radius:.2f}"
        ),
        key="bt_reach_chart",
    )
    mine = next(r for r in reaches if r.activation == setup.activation)
    st.markdown(text.product_of_jacobians(mine))
    with why_box:
        other = next(r for r in reaches if r.activation != setup.activation)
        st.caption(
            f"{other.activation} with the same Wh: ‖δ₁‖/‖δ{T}‖ = {fmt(other.ratio, 3)}, "
            f"{fmt(other.per_step, 3)} per step (mean |f'(z)| = {fmt(other.mean_slope, 3)}). "
            "Move the spectral radius in the sidebar between 0.5 and 1.5 to make the gradient vanish or "
            "explode."
        )
        st.markdown(
            "With rows as samples, $\\delta_t = (\\delta_{t+1} W_h^T) \\odot f'(z_t)$ when step t has no "
            "loss of "
            "its own, so $\\delta_1 = \\delta_T J_T J_{T-1} \\cdots J_2$ with "
            "$J_t = W_h^T\\,\\mathrm{diag}(f'(z_{t-1}))$. A product of n copies of $W_h^T$ alone grows or "
            "shrinks like (spectral radius)$^n$; the $f'$ factors lie between 0 and 1 for tanh and relu, so "
            "they mostly shrink it further. Below 1 the error typically fades geometrically; above 1 it can "
            "grow. relu units switched off ($z ≤ 0$) cut the path through them entirely; tanh units near "
            "$z = 0$ pass it almost unchanged."
        )
    return mine


def render() -> None:
    """The whole page (after ``st.set_page_config``)."""
    ensure_state(DEFAULTS)
    notices = seed_from_url(PARAMS, URL_MARKER)
    page_intro(text.TITLE, text.TEACHES, text.ICON)
    show_notices(notices)
    sidebar()
    try:
        setup = setup_from_state()
    except ValueError as exc:
        show_error(f"These settings cannot build the network ({exc}); using the defaults instead.")
        setup = Setup()
    trace = cached_trace(setup)
    section_unrolled(setup, trace)
    section_backward(trace)
    section_reach(setup)
    view_train.render_training(setup)
    try_this(text.try_this_task(setup))
    write_url(PARAMS, marker=URL_MARKER)
    share_link(
        key="bt",
        note="The link restores the task, the network settings and the training options; not the training "
        "run itself (use Save progress in the sidebar for that).",
    )
