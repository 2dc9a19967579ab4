"""The step-through page's tabs: the tables of the iteration, the gradient check and the export.

Each is drawn only while its tab is open (the tabs track which one is open), so a step costs only
what is on screen.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from backprop_core.gradcheck import gradient_check
from backprop_core.trace import StepTrace
from labs.step_through.figures_tables import (
    bias_frame,
    gradcheck_frame,
    input_frame,
    matrix_view,
    parameters_frame,
    per_sample_frame,
    per_weight_frame,
)
from labs.step_through.model import Preset
from labs.step_through.model_losses import output_loss_shares
from labs.step_through.model_session import GRADCHECK_TOLERANCE, Controls, StepRun, batch_of
from labs.step_through.text import GRADCHECK_RULE, GRADCHECK_TEXT
from labs.step_through.view_export import trace_csv, trace_json
from ui.common import big_numbers_as_text
from ui.presenter import fold
from viz.format import num
from viz.network import layer_title

# -- tables -------------------------------------------------------------------------------------


def _df(frame: pd.DataFrame, key: str) -> None:
    # a diverging run's numbers beyond 2**53 as text: the table shows no such number
    frame = big_numbers_as_text(frame, 9)
    config = {
        c: st.column_config.NumberColumn(format="%.9g")
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c])
    }
    # the keyed container names the table (for tests and styling); st.dataframe itself keeps no key
    with st.container(key=key):
        st.dataframe(frame, column_config=config, width="content")


def tables_panel(
    run: StepRun, trace: StepTrace, preset: Preset, quiz_pending: bool, focus_layer: int | None = None
) -> None:
    """The batch and the loss side by side, each layer's tables (one layer shown at a time), and the
    update; ``focus_layer`` is the layer of the weight being explained (its tab opens when it changes)."""
    names, wn = preset.neuron_names, preset.weight_names or None
    m = trace.x.shape[0]
    L = run.n_layers
    # side by side where they fit at 1280 px (each table is narrow); on a narrower screen they wrap
    with st.container(horizontal=True, gap="large", key="step_tbl_top"):
        with st.container(width="content"):
            st.markdown(f"**The batch**: inputs x {(m, trace.x.shape[1])}, targets y {(m, trace.y.shape[1])}")
            _df(input_frame(trace, names), "step_tbl_batch")
        if run.shows("loss"):
            shares = output_loss_shares(trace.forward, trace.loss_trace)
            frame = per_sample_frame(shares, names, L)
            frame.columns = [f"share of {n}" for n in names[-1]]
            frame.insert(0, "sample loss L_s", trace.per_sample_loss)
            with st.container(width="content"):
                st.markdown(
                    f"**Loss** ({trace.loss_trace.name}) by sample; L = their mean = {num(trace.loss)}"
                )
                _df(frame, "step_tbl_loss")
    if not run.shows("forward"):
        st.caption("The layer tables appear as the phases compute them.")
        return
    layers = _table_layers(L)
    if len(layers) == 1:
        _layer_tables(run, trace, preset, quiz_pending, layers[0])
    else:
        # one layer on screen at a time (every table is still computed: switching is instant)
        labels = [layer_title(l + 1, L).capitalize() for l in layers]
        _follow_progress(run, focus_layer, labels)
        for l, tab in zip(layers, st.tabs(labels, key="step_layer_tab", on_change="rerun"), strict=True):
            with tab:
                _layer_tables(run, trace, preset, quiz_pending, l)
    if run.phase == "update":
        if quiz_pending:
            st.caption("The updated parameters are hidden until you answer the quiz.")
            return
        st.markdown("**Every parameter: before, gradient, change, after**")
        _df(parameters_frame(trace, names, wn, include_biases=not preset.fixed_biases), "step_tbl_params")


def _follow_progress(run: StepRun, focus_layer: int | None, labels: list[str]) -> None:
    """Open the tab of the layer the backward pass just reached, or of the weight being explained,
    whenever either changes; otherwise the tab the learner chose stays open."""
    ss = st.session_state
    where = (run.iteration, run.pos, focus_layer)
    if ss.get("step_layer_tab_seen") == where:
        return
    ss.step_layer_tab_seen = where
    layer = run.current_layer if run.phase == "backward" else focus_layer
    if layer is not None and 0 <= layer < len(labels):
        ss.step_layer_tab = labels[layer]


def _layer_tables(run: StepRun, trace: StepTrace, preset: Preset, quiz_pending: bool, l: int) -> None:
    """Layer ``l``'s z and a; once the backward pass has reached it, its delta, dW and db."""
    names, wn = preset.neuron_names, preset.weight_names or None
    m = trace.x.shape[0]
    L = run.n_layers
    n_in, n_out = trace.net_before.weights[l].shape
    act = trace.net_before.activations[l]
    # plain bold rather than a heading: the layer's tab already names it
    st.markdown(f"**{layer_title(l + 1, L).capitalize()}** — {n_out} neuron(s), activation {act}")
    cols = st.columns(2)
    with cols[0]:
        st.caption(f"z = a_prev @ W + b, shape ({m}, {n_out})")
        _df(per_sample_frame(trace.z[l], names, l + 1), f"step_tbl_z{l}")
    with cols[1]:
        st.caption(f"a = {act}(z), shape ({m}, {n_out})")
        _df(per_sample_frame(trace.a[l], names, l + 1), f"step_tbl_a{l}")
    if not (run.shows("backward") and run.reached(l)):
        return
    if quiz_pending:
        st.caption("delta, dW and db are hidden until you answer the quiz.")
        return
    # the matrix view: all of the layer's gradients in one product, delta in the middle; the shapes
    # are in its title, so the captions stay short (the row then fits beside each other more often)
    shapes = f"({n_in}, {m}) @ ({m}, {n_out}) = ({n_in}, {n_out})"
    st.markdown(f"**Backward, matrix view:** dW = a_prevᵀ @ delta — shapes {shapes}")
    left, middle, right = matrix_view(trace, names, l)
    # side by side where they fit; on a narrower screen the row wraps (before an operator, which
    # stays with its table) rather than cutting tables off
    parts = [
        ("", "a_prevᵀ: the inputs", left, f"step_tbl_aT{l}"),
        ("@", "delta = dL/dz", middle, f"step_tbl_delta{l}"),
        ("=", "dW: rows from, columns to", right, f"step_tbl_dW{l}"),
    ]
    # a model without biases (single weight) has no db to show
    if not preset.fixed_biases:
        parts.append(
            ("", "db = delta summed over samples", bias_frame(trace.db[l], names, l, "db"), f"step_tbl_db{l}")
        )
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        for operator, caption, table, key in parts:
            with st.container(horizontal=True, vertical_alignment="center", width="content", wrap=False):
                if operator:
                    st.markdown(f"### {operator}", width="content")
                with st.container(width="content"):
                    st.caption(caption)
                    _df(table, key)
    # folded (text diet): the matrix view above already holds every number
    with st.expander(f"Why is dW = a_prevᵀ @ delta? Weight by weight, {layer_title(l + 1, L)}"):
        st.caption(
            "Per-weight view: dL/dw = sum over samples of a_prev · delta, worked out weight by weight "
            "with the chain rule; the matrix product above does all of them at once. The last two "
            "columns agree."
        )
        _df(per_weight_frame(trace, names, l, wn), f"step_tbl_pw{l}")


def _table_layers(n_layers: int) -> list[int]:
    """The layers whose tables are drawn: all of them for a small network (one tab each); for a
    deeper one the layer the learner picks (drawing every table of every layer would slow each step
    down)."""
    if n_layers <= 2:
        return list(range(n_layers))
    ss = st.session_state
    options = list(range(n_layers))
    if ss.get("step_table_layer") not in options:
        ss.step_table_layer = n_layers - 1
    chosen = st.segmented_control(
        "Layer to show",
        options,
        key="step_table_layer",
        format_func=lambda l: layer_title(l + 1, n_layers),
        required=True,
    )
    return [int(chosen)]


# -- gradient check -----------------------------------------------------------------------------


def _signature(key: str, run: StepRun, controls: Controls) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for arr in (*run.weights, *run.biases):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr((key, controls)).encode())
    return h.hexdigest()


def _run_check(key: str, preset: Preset, controls: Controls) -> None:
    ss = st.session_state
    run: StepRun = ss.step_runs[key]
    X, Y = batch_of(preset, controls.batch)
    try:
        result = gradient_check(run.net(controls.activations(run.n_layers)), X, Y, controls.loss)
    except ValueError as exc:
        ss.step_flash = f"The gradient check could not run: {exc}"
        return
    ss.step_gradcheck = (_signature(key, run, controls), result)


def gradient_check_panel(key: str, run: StepRun, preset: Preset, controls: Controls) -> None:
    ss = st.session_state
    fold("Why a gradient check costs 2P passes", GRADCHECK_TEXT)
    st.markdown(GRADCHECK_RULE)
    st.button(
        "Run the gradient check",
        key="step_btn_gradcheck",
        on_click=_run_check,
        args=(key, preset, controls),
        help="For the weights at the start of this iteration, with the current settings",
    )
    stored = ss.get("step_gradcheck")
    if stored is None or stored[0] != _signature(key, run, controls):
        st.caption("Not run yet for these weights and settings.")
        return
    gc = stored[1]
    p = gc.n_params
    cols = st.columns(4)
    cols[0].metric("Parameters P", p)
    cols[1].metric("Passes for the check (2P)", gc.forward_passes, help="Two forward passes per parameter")
    cols[2].metric("Passes for backprop", 2, help="One forward and one backward pass, for all parameters")
    cols[3].metric("Largest relative error", f"{gc.max_rel_error:.1e}")
    ratio = gc.numeric_seconds / gc.backprop_seconds if gc.backprop_seconds > 0 else float("inf")
    st.markdown(
        f"Measured just now: backprop took **{gc.backprop_seconds * 1e3:.3f} ms**, the {gc.forward_passes} "
        f"forward passes of the check **{gc.numeric_seconds * 1e3:.3f} ms** (about **{ratio:.0f}×** as "
        "long). The check's cost grows with P; backprop's stays about two passes."
    )
    verdict = (
        f"agree: every relative error is below {GRADCHECK_TOLERANCE:g}"
        if gc.max_rel_error < GRADCHECK_TOLERANCE
        else f"disagree somewhere (a relative error of {GRADCHECK_TOLERANCE:g} or more): look at the "
        "largest relative errors"
    )
    st.caption(f"Backprop and finite differences {verdict}.")
    _df(gradcheck_frame(gc, preset.neuron_names, preset.weight_names or None), "step_tbl_gradcheck")


# -- export -------------------------------------------------------------------------------------


def step_export_tab(run: StepRun, trace: StepTrace, preset: Preset, controls: Controls) -> None:
    settings = {
        "preset": preset.name,
        "iteration": run.iteration + 1,
        "lr": controls.lr,
        "activations": list(trace.net_before.activations),
        "loss": controls.loss,
        "batch": controls.batch,
        "biases_updated": not trace.update.freeze_biases,
    }
    names = preset.neuron_names
    st.markdown(
        f"The whole of iteration {run.iteration + 1} — every z, a, dL/da, delta, dW, db, the weights and "
        "biases before and after — whatever phase you are in."
    )
    stem = f"backprop-lab-{preset.name.replace(' ', '-')}-iteration-{run.iteration + 1}"
    cols = st.columns(2)
    cols[0].download_button(
        "Download CSV",
        data=lambda: trace_csv(trace, names),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="step_dl_csv",
        on_click="ignore",
    )
    cols[1].download_button(
        "Download JSON",
        data=lambda: trace_json(trace, names, settings),
        file_name=f"{stem}.json",
        mime="application/json",
        key="step_dl_json",
        on_click="ignore",
    )
