"""The BPTT page, sections 4 to 7: truncated BPTT, training live, accuracy against T, the same in PyTorch."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from backprop_core.optimizers import OPTIMIZERS
from backprop_core.pytorch.common import CompareRow
from backprop_core.pytorch.rnn import rnn_script
from ui.bridge import pytorch_expander
from ui.common import format_lr
from ui.lazy import lazy_expander
from ui.playback import play_pause
from ui.presenter import plotly_chart
from ui.progress import sidebar_progress
from viz.format import fmt

from . import text
from .figures import accuracy_T_figure, runs_figure, truncation_figure
from .model import (
    ACCURACY_EVERY,
    ACCURACY_TS,
    BRIDGE_BATCH,
    Run,
    Setup,
    TruncationPoint,
    accuracy_vs_T,
    advance,
    bridge_task,
    gradient_step,
    initial_net,
    reach,
    task_of,
    truncation_sweep,
    truncation_training,
)
from .view_state import (
    CLIP_CHOICES,
    LR_CHOICES,
    PLAY_INTERVAL,
    PLAY_STEP,
    STEP_CHOICES,
    TRUNC_CHOICES,
    current_session,
    progress_dump,
    progress_load,
    training_options,
)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_sweep(setup: Setup) -> list[TruncationPoint]:
    return truncation_sweep(initial_net(setup), task_of(setup))


@st.cache_data(max_entries=16, show_spinner="Training the remember task with each k …")
def cached_truncation_runs(setup: Setup, ks: tuple[int, ...]) -> dict[int, Run]:
    return truncation_training(setup, ks)


@st.cache_data(max_entries=16, show_spinner="Training the remember task at each length T …")
def cached_accuracy(setup: Setup) -> tuple[dict[int, Run], dict[int, float]]:
    runs = accuracy_vs_T(setup)
    ratios = {T: reach(replace(setup, T=T)).ratio for T in ACCURACY_TS}
    return runs, ratios


def section_truncation(setup: Setup) -> None:
    st.header("4 · Truncated BPTT")
    with st.expander("Why? Which truncation scheme this page uses"):
        st.markdown(text.TRUNCATION_SCHEME)
    points = cached_sweep(setup)
    plotly_chart(truncation_figure(points, setup.T), key="bt_trunc_chart")
    # the two folds side by side: one row instead of two
    left, right = st.columns(2)
    with left.expander("The cosine and norm ratio at each k, as a table"):
        st.dataframe(
            pd.DataFrame(
                {
                    "k": [p.k for p in points],
                    "cosine similarity": [fmt(p.cosine, 6) for p in points],
                    "norm ratio ‖truncated‖ / ‖full‖": [fmt(p.norm_ratio, 4) for p in points],
                }
            ),
            hide_index=True,
            key="bt_trunc_table",
        )
    # the training comparison runs and is drawn only once the learner opens it (ui/lazy.py)
    with right:
        box, is_open = lazy_expander(
            "Truncation and learning: train with k and with full BPTT", key="bt_trunc_train_open"
        )
    with box:
        if is_open:
            truncation_comparison(setup)


def truncation_comparison(setup: Setup) -> None:
    """Train with truncation k and with full BPTT on the remember task: accuracy curves and a note."""
    T = setup.T
    ks_all = sorted({k for k in (1, 2, 5, 10) if k < T} | {T})
    if st.session_state.get("bt_k_pick") not in ks_all:
        st.session_state.bt_k_pick = ks_all[0]
    st.select_slider("k for the training comparison", ks_all, key="bt_k_pick")
    k = int(st.session_state.bt_k_pick)
    ks = (k, T) if k < T else (T,)
    runs = cached_truncation_runs(replace(setup, task="remember"), ks)
    plotly_chart(
        runs_figure({("full" if kk == T else kk): r for kk, r in runs.items()}, "k =", ACCURACY_EVERY),
        key="bt_trunc_train_chart",
    )
    acc = {kk: (r.accuracies[-1] if r.accuracies else float("nan")) for kk, r in runs.items()}
    note = f"Remember the first input at T = {T}: held-out accuracy {fmt(acc[T], 3)} with full BPTT"
    if k < T:
        note += (
            f", {fmt(acc[k], 3)} with k = {k}. The target depends on $x_1$, which sits {T - 1} steps "
            "before the "
            f"loss: with k = {k} no error ever reaches step 1, so nothing in the gradient can tie $x_1$ "
            "to the output"
        )
    st.markdown(note + ".")


def section_train(setup: Setup) -> None:
    st.header("5 · Train it live")
    # the options and Play/Pause on one row
    c = st.columns([1, 0.9, 1.1, 1, 1.3], vertical_alignment="bottom")
    c[0].select_slider(
        "Learning rate", LR_CHOICES, key="bt_lr", format_func=format_lr, persist_state="session"
    )
    c[1].selectbox("Optimizer", OPTIMIZERS, key="bt_opt", persist_state="session")
    c[2].select_slider(
        "Clip at global norm",
        CLIP_CHOICES,
        key="bt_clip",
        format_func=lambda v: "off" if v == 0 else f"{v:g}",
        persist_state="session",
        help="Clip the gradients at this global norm (all of them scaled down together); off: no clipping.",
    )
    c[3].select_slider(
        "Truncate BPTT at k",
        TRUNC_CHOICES,
        key="bt_trunc",
        format_func=lambda v: "full" if v == 0 else str(v),
        persist_state="session",
    )
    if st.session_state.bt_trunc >= setup.T:
        st.caption(f"k = {st.session_state.bt_trunc} ≥ T = {setup.T}: no error is cut, this is full BPTT.")
    session = current_session(setup)
    with c[4]:
        playing = play_pause("bt", disabled=session.diverged)

    @st.fragment(run_every=PLAY_INTERVAL if playing else None)
    def live() -> None:
        s = st.session_state
        lr, opt, clip, trunc = training_options()
        if s.bt_playing:
            s.bt_session = advance(current_session(setup), PLAY_STEP, lr, opt, clip, trunc)
            if s.bt_session.diverged:
                s.bt_playing = False
        b = st.columns([2, 2, 2], vertical_alignment="bottom")
        b[0].select_slider("Updates per Step", STEP_CHOICES, key="bt_n", persist_state="session")
        if b[1].button(
            f"Step ({s.bt_n})", key="bt_step", disabled=s.bt_playing, width="stretch", type="primary"
        ):
            s.bt_session = advance(current_session(setup), int(s.bt_n), lr, opt, clip, trunc)
        if b[2].button("↺ Reset", key="bt_reset", width="stretch"):
            s.bt_session = None
            s.bt_playing = False
            current_session(setup)
        sess = current_session(setup)
        m = st.columns(3)
        m[0].metric("updates", sess.updates)
        m[1].metric("training loss", fmt(sess.losses[-1], 4) if sess.losses else "–")
        m[2].metric("held-out accuracy", fmt(sess.accuracies[-1][1], 3))
        if sess.diverged:
            st.warning(
                text.diverged_note(sess.losses),
                icon="💥",
            )
        if sess.losses:
            run = Run(sess.losses, tuple(a for _, a in sess.accuracies), sess.net)
            steps = [n for n, _ in sess.accuracies]
            plotly_chart(runs_figure({"": run}, "", 1, steps), key="bt_live_chart")
        else:
            st.caption("Press Step or Play to train; the curve appears here.")

    live()
    sidebar_progress(
        "rnn",
        key="bt_progress",
        dump=progress_dump,
        load=progress_load,
        note="Save progress keeps this run (network, optimizer memory, history, settings) to continue it "
        "exactly later; the page's link keeps only the settings.",
    )


def section_accuracy(setup: Setup) -> None:
    st.header("6 · Short sequences learn, long ones do not")
    runs, ratios = cached_accuracy(setup)
    plotly_chart(accuracy_T_figure(runs, setup.radius), key="bt_acc_chart")
    st.markdown(text.accuracy_lead(runs))
    # the table and the explanation side by side: one row instead of two (the table's four columns
    # need the wider side)
    left, right = st.columns([1.2, 1])
    with left.expander("The accuracy at each T, as a table"):
        st.dataframe(
            pd.DataFrame(
                {
                    "T": list(runs),
                    "held-out accuracy": [
                        r.accuracies[-1] if r.accuracies else float("nan") for r in runs.values()
                    ],
                    "‖δ₁‖/‖δ_T‖ at the start": [fmt(ratios[T], 3) for T in runs],
                    "final training loss": [fmt(r.losses[-1], 3) for r in runs.values()],
                }
            ),
            hide_index=True,
            key="bt_acc_table",
        )
    if why := text.accuracy_why(runs, ratios):
        with right.expander("Why? What the chart says: the faded error"):
            st.markdown(why)


def section_pytorch(setup: Setup) -> None:
    lr, opt, clip, trunc = training_options()
    net, task = initial_net(setup), bridge_task(task_of(setup))
    tr = gradient_step(net, task, lr=lr, optimizer=opt, clip_norm=clip, truncate=trunc)
    script = rnn_script(net, task.X, task.Y, "mse", lr=lr, truncate=trunc, optimizer=opt, clip_norm=clip)
    rows = [
        CompareRow("loss", "result['loss']", tr.loss),
        CompareRow("dWh[0, 0]", "dWh[0, 0]", tr.dWh[0, 0]),
        CompareRow("dWx[0, 0]", "dWx[0, 0]", tr.dWx[0, 0]),
        CompareRow("db[0]", "db[0]", tr.db[0]),
        CompareRow("dWy[0, 0]", "dWy[0, 0]", tr.dWy[0, 0]),
        CompareRow("Wh after [0, 0]", "rnn.weight_hh_l0[0, 0]", tr.net_after.Wh[0, 0]),
    ]
    pytorch_expander(
        script,
        rows,
        file_stem="bptt_step",
        key="bt_pytorch",
        intro=(
            f"One step from the **initial** network on the first {BRIDGE_BATCH} sequences of the batch, with "
            "the training settings of section 5, in float64 "
            "PyTorch: `nn.RNN(batch_first=True)` with `bias_ih` = our b and `bias_hh` = 0 (frozen), an "
            "`nn.Linear` output layer, the mean squared error, `clip_grad_norm_` when clipping is on. Its "
            "last "
            "line is one JSON object with every gradient in our `(n_in, n_out)` orientation."
        ),
    )


def render_training(setup: Setup) -> None:
    section_truncation(setup)
    section_train(setup)
    section_accuracy(setup)
    st.header("7 · The same in PyTorch")
    section_pytorch(setup)
