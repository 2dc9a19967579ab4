"""Two sections of the step-through page beside the stepper: squared error vs cross-entropy at a
saturated output, and the note on the classic example's published numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from backprop_core.engine import train_step
from labs.step_through.figures_charts import saturation_figure
from labs.step_through.model import get_preset
from labs.step_through.model_classic import (
    CLASSIC_PUBLISHED,
    CLASSIC_PUBLISHED_AFTER_10000,
    CLASSIC_PUBLISHED_AFTER_ONE,
    CLASSIC_PUBLISHED_OUTPUTS_10000,
    CLASSIC_SOURCE,
    AfterOne,
    ClassicSummary,
    classic_after_one,
    classic_summary,
    classic_walkthrough_values,
    matches_printed,
    printed_decimals,
)
from labs.step_through.model_losses import saturation_compare
from labs.step_through.text import CLASSIC_BIAS_NOTE, CLASSIC_NOTE, SATURATION_TEXT
from ui.presenter import plotly_chart
from viz.format import num

Z_GRID = np.linspace(-10, 10, 201)


@st.fragment
def saturation_section() -> None:
    """MSE vs cross-entropy at one sigmoid output: its delta, side by side, at a z the learner picks.

    Folded into a "Why?" expander (text diet: the page after a full iteration fits six screens)."""
    ss = st.session_state
    ss.setdefault("step_sat_z", -6.0)
    ss.setdefault("step_sat_y", "1")
    with st.expander("Why? Cross-entropy learns faster at a saturated output", key="step_sat_box"):
        st.markdown(SATURATION_TEXT)
        cols = st.columns([2, 1])
        cols[0].slider(
            "Pre-activation z of the output unit",
            -10.0,
            10.0,
            step=0.5,
            key="step_sat_z",
            persist_state="session",
        )
        cols[1].radio("Target y", ["1", "0"], key="step_sat_y", horizontal=True, persist_state="session")
        z, y = float(ss.step_sat_z), float(ss.step_sat_y)
        point = saturation_compare(np.array([z]), y)
        curve = saturation_compare(Z_GRID, y)
        table = pd.DataFrame(
            {
                "squared error (a − y)²": [
                    point.a[0],
                    point.a[0] - y,
                    point.dL_da_mse[0],
                    point.slope[0],
                    point.delta_mse[0],
                ],
                "cross-entropy (bce)": [
                    point.a[0],
                    point.a[0] - y,
                    point.dL_da_bce[0],
                    point.slope[0],
                    point.delta_bce[0],
                ],
            },
            index=["a = σ(z)", "error a − y", "dL/da", "slope σ'(z)", "delta = dL/dz"],
        )
        # the table's two number columns need about 430 px: narrower, the cross-entropy column was cut off
        left, right = st.columns([1.15, 1])
        with left:
            with st.container(key="step_sat_table"):
                st.dataframe(
                    table,
                    column_config={c: st.column_config.NumberColumn(format="%.6g") for c in table.columns},
                )
            ratio = abs(point.delta_bce[0]) / abs(point.delta_mse[0]) if point.delta_mse[0] else float("inf")
            st.markdown(
                f"At z = {z:g} with target {y:g}: squared error sends **delta = {num(point.delta_mse[0])}**, "
                f"cross-entropy **delta = {num(point.delta_bce[0])}**, about **{ratio:,.0f}×** larger. "
                "Cross-entropy's dL/da is huge exactly where σ'(z) is tiny, and the two cancel to a − y."
            )
        with right:
            plotly_chart(saturation_figure(curve, point), key="step_sat_chart")
        st.caption(
            "Try it on this network: switch the loss between mse and bce in the sidebar and compare the "
            "output deltas in the backward phase."
        )


@st.cache_data(max_entries=1, show_spinner="Training the classic network 10,000 times, three ways…")
def _summary(iterations: int) -> ClassicSummary:
    return classic_summary(iterations)


@st.cache_data(max_entries=1)
def _after_one() -> AfterOne:
    return classic_after_one()


def published_table() -> pd.DataFrame:
    """The walk-through's printed values beside the engine's, from the classic preset's own settings."""
    p = get_preset("classic 2-2-2")
    trace = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=True)
    engine = classic_walkthrough_values(trace)
    rows = []
    for name, text in CLASSIC_PUBLISHED.items():
        value = engine[name]
        rows.append(
            {
                "quantity": name,
                "published": text,
                "engine, rounded the same way": f"{value:.{printed_decimals(text)}f}",
                "engine, full": repr(value),
                "match": "✅" if matches_printed(value, text) else "❌",
            }
        )
    return pd.DataFrame(rows).set_index("quantity")


def classic_note() -> None:
    """The published walk-through checked, and its after-update summary explained."""
    ss = st.session_state
    with st.expander("About the published numbers (classic 2-2-2)", expanded=False):
        st.markdown(
            f"Every value the walk-through ({CLASSIC_SOURCE}) prints, against the engine (iteration 1 with "
            "its own settings: sigmoid, half squared error, lr 0.5, biases fixed)."
        )
        with st.container(key="step_classic_table"):
            st.dataframe(published_table())
        one = _after_one()
        st.markdown(CLASSIC_NOTE.format(frozen_one=f"{one.frozen:.9f}", stale_one=f"{one.stale:.9f}"))
        st.markdown(
            CLASSIC_BIAS_NOTE.format(
                frozen_one=f"{one.frozen:.9f}",
                shared_one=f"{one.shared:.9f}",
                per_neuron_one=f"{one.per_neuron:.9f}",
            )
        )
        if st.button("Compute the 10,000-iteration figures too", key="step_btn_classic10k"):
            ss.step_classic10k = True
        if ss.get("step_classic10k"):
            s = _summary(10_000)
            rows = {
                "published summary": (
                    CLASSIC_PUBLISHED_AFTER_ONE,
                    CLASSIC_PUBLISHED_AFTER_10000,
                    *CLASSIC_PUBLISHED_OUTPUTS_10000,
                ),
                "backprop as walked through (biases fixed)": _row(
                    s.frozen_one, s.frozen_many, s.frozen_outputs
                ),
                "backprop, per-neuron biases trained too": _row(
                    s.trained_one, s.trained_many, s.trained_outputs
                ),
                "hidden deltas from already-updated w5..w8": _row(s.stale_one, s.stale_many, s.stale_outputs),
            }
            frame = pd.DataFrame(
                rows,
                index=["error after 1 update", "error after 10,000", "output o1 after 10,000", "output o2"],
            ).T
            with st.container(key="step_classic10k_table"):
                st.dataframe(frame)
            st.caption(
                "The summary's outputs after 10,000 updates (0.015912196 and 0.984065734) are reproduced "
                "by the last row, which points to where the summary came from. Its printed error, "
                f"0.0000351085, is not the error those outputs give ({s.stale_many:.10f}, last row)."
            )


def _row(one: float, many: float, outputs: tuple[float, float]) -> tuple[str, str, str, str]:
    return f"{one:.9f}", f"{many:.10f}", f"{outputs[0]:.9f}", f"{outputs[1]:.9f}"
