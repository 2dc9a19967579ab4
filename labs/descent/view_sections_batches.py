"""Gradient descent lab, sections 3 and 4: batch modes on one neuron, and the zero-grad lesson
(gradients that accumulate when a PyTorch loop forgets to reset them).
"""

from __future__ import annotations

import streamlit as st

from labs.descent.figures import (
    accumulation_figure,
    zero_grad_figure,
)
from labs.descent.figures_surfaces import Path, batch_loss_figure, contour_figure
from labs.descent.model import classify, critical_rates, minimum, one_weight_example
from labs.descent.model_accumulate import AccumRun, AccumulationCheck, accumulated_gradient, zero_grad_lesson
from labs.descent.model_surfaces import (
    BATCH_MODES,
    NEURON_X,
    NEURON_Y,
    BatchRun,
    batch_mode_run,
    get_surface,
    neuron_net,
)
from labs.descent.text import (
    ACCUMULATION_TEXT,
    BATCHES_TEXT,
    BATCHES_WHY,
    N_SAMPLES,
    ZERO_GRAD_TEXT,
    ZERO_GRAD_WHY,
    zero_grad_result,
)
from labs.descent.view_sections import KEEP, MODE_COLOURS, NUMBERS, cached_grid, show_table
from labs.descent.view_settings import (
    BATCH_SIZES,
    MAX_EPOCHS,
    NEURON,
    S3_LRS,
    S4_LRS,
    accumulation_summary,
    accumulation_table,
    batch_table,
    zero_grad_table,
)
from ui.common import format_lr
from ui.lazy import lazy_expander
from ui.presenter import fold, plotly_chart
from viz.format import fmt


@st.cache_data(max_entries=64, show_spinner=False)
def _batch_run(
    mode: str, start: tuple[float, float], lr: float, epochs: int, batch_size: int, seed: int
) -> BatchRun:
    return batch_mode_run(mode, start, lr, epochs, batch_size, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def _zero_grad(lr: float, steps: int, reset: bool) -> AccumRun:
    return zero_grad_lesson(lr, steps, reset)


@st.cache_data(max_entries=32, show_spinner=False)
def _accumulation(w: float, b: float, k: int) -> AccumulationCheck:
    return accumulated_gradient(neuron_net(w, b), NEURON_X[:, None], NEURON_Y[:, None], "bce", k)


def section_batches() -> None:
    """Section 3: full batch, mini-batch and one sample at a time on the neuron."""
    st.header("3 · Batch modes: all samples, a few, or one at a time")
    fold("Batch modes: the idea", BATCHES_TEXT)
    c1, c2, c3, c4, c5, c6 = st.columns([2, 1, 1, 1, 1, 1])
    c1.select_slider("learning rate lr", S3_LRS, key="gd_s3_lr", format_func=format_lr, **KEEP)
    c2.slider("epochs", 1, MAX_EPOCHS, key="gd_s3_epochs", **KEEP)
    c3.select_slider("mini-batch size b", BATCH_SIZES, key="gd_s3_batch", **KEEP)
    c4.number_input("shuffle seed", 0, 9999, step=1, key="gd_s3_seed", **KEEP)
    lo1, hi1, lo2, hi2 = get_surface(NEURON).box
    c5.number_input("start w", lo1, hi1, step=0.1, format="%.2f", key="gd_s3_w", **KEEP)
    c6.number_input("start b", lo2, hi2, step=0.1, format="%.2f", key="gd_s3_b", **KEEP)
    ss = st.session_state
    start, seed = (float(ss.gd_s3_w), float(ss.gd_s3_b)), int(ss.gd_s3_seed)
    lr, epochs, size = float(ss.gd_s3_lr), int(ss.gd_s3_epochs), int(ss.gd_s3_batch)
    # the batch size matters only to the mini-batch run: the other two stay cached when it changes
    runs = [
        _batch_run(mode, start, lr, epochs, size if mode == "mini-batch" else 1, seed) for mode in BATCH_MODES
    ]
    labels = {"mini-batch": f"mini-batch (b = {ss.gd_s3_batch})"}
    paths = [
        Path(
            f"{labels.get(r.mode, r.mode)}",
            r.points,
            r.loss,
            MODE_COLOURS[r.mode],
            step_name="iteration",
            width=3.0 if r.mode == "full batch" else 1.5,
        )
        for r in runs
    ]
    diverged = [r.mode for r in runs if r.diverged]
    if diverged:
        st.error(
            f"{', '.join(diverged)}: the loss became infinite or exploded, so training stopped early. "
            "Lower the learning rate."
        )
    # a learning rate too large for noisy gradients: the small-batch runs end far above the full batch
    full = float(next(r for r in runs if r.mode == "full batch").loss[-1])
    thrown = [r for r in runs if not r.diverged and float(r.loss[-1]) > 2 * full]
    if thrown:
        ends = ", ".join(f"{r.mode} {fmt(float(r.loss[-1]), 3)}" for r in thrown)
        st.warning(
            f"With lr = {format_lr(lr)} the noisy runs end far above the full batch's loss "
            f"({fmt(full, 3)}): {ends}. A gradient from a few samples points only roughly downhill, and "
            "a step this large throws the parameters away from the minimum again and again. Lower the "
            "learning rate to see them settle."
        )
    g0, g1 = st.columns([3, 2])
    with g0:
        plotly_chart(
            contour_figure(
                cached_grid(NEURON),
                paths,
                start,
                f"The neuron's loss on all {N_SAMPLES} samples,<br>"
                f"{int(ss.gd_s3_epochs)} epochs of each batch mode",
                clickable=False,
                height=380,
            ),
            key="gd_s3_contour",
        )
    epochs = [r.epoch for r in runs]
    with g1:
        plotly_chart(
            batch_loss_figure(paths, epochs, "iteration", height=190, legend=False), key="gd_s3_by_iter"
        )
        plotly_chart(
            batch_loss_figure(paths, epochs, "epoch", height=190, legend=False), key="gd_s3_by_epoch"
        )
    e1, e2 = st.columns(2)
    with e1.expander("The batch modes in numbers: iterations per epoch, final loss"):
        table = batch_table(runs)
        st.dataframe(
            table,
            key="gd_s3_table",
            hide_index=True,
            width="stretch",
            column_config={"final loss (all 24 samples)": st.column_config.NumberColumn(**NUMBERS)},
        )
    with e2.expander("Why? Iterations and epochs; noise near the minimum"):
        st.markdown(BATCHES_WHY)


def section_zero_grad() -> None:
    """Section 4: training with and without zero_grad(), then accumulation on purpose."""
    st.header("4 · Why gradients must be reset: zero_grad()")
    fold("The zero-grad lesson: the idea", ZERO_GRAD_TEXT)
    k1, k2 = st.columns([3, 2])
    # short lines: the column is about 45 characters wide on a laptop screen, and a wrapped
    # comment lands at the start of the next line
    k1.code(
        "# PyTorch\nfor x, y in batches:\n"
        "    optimizer.zero_grad()  # reset .grad\n"
        "    loss = loss_fn(model(x), y)\n"
        "    loss.backward()  # ADDS into .grad\n"
        "    optimizer.step()  # uses .grad",
        language="python",
        wrap_lines=True,
    )
    with k2:
        with st.expander("Why? TensorFlow and JAX, and momentum with β = 1"):
            st.markdown(ZERO_GRAD_WHY)
            st.code(
                "# TensorFlow: a fresh gradient\n"
                "with tf.GradientTape() as tape:\n"
                "    loss = loss_fn(model(x), y)\n"
                "grads = tape.gradient(loss, w)\n\n"
                "# JAX: a fresh gradient\n"
                "grads = jax.grad(loss_fn)(w, x, y)",
                language="python",
                wrap_lines=True,
            )
        # the toggle on its own row: in a narrow column its label was cut off
        st.toggle("forget to reset the gradients", key="gd_s4_forget", **KEEP)
        c1, c2 = st.columns([3, 2])
        c1.select_slider("learning rate lr", S4_LRS, key="gd_s4_lr", format_func=format_lr, **KEEP)
        c2.slider("steps", 2, 40, key="gd_s4_steps", **KEEP)
    ss = st.session_state
    forget, lr, steps = bool(ss.gd_s4_forget), float(ss.gd_s4_lr), int(ss.gd_s4_steps)
    good, bad = _zero_grad(lr, steps, True), _zero_grad(lr, steps, False)
    chosen = bad if forget else good
    w_star = minimum(one_weight_example("mse"))
    regime = classify(lr, critical_rates(one_weight_example("mse")).curvature, steps)
    st.markdown(
        "The training of section 1 ($y = w x$, $x = 5$, target 12, start $w = 2$), run twice. "
        + zero_grad_result(forget, w_star, regime)
    )
    if chosen.stopped:
        st.error(f"The numbers overflowed after {len(chosen.steps)} steps, so the run stopped there.")
    plotly_chart(zero_grad_figure(good, bad, forget, w_star), key="gd_s4_chart")
    with st.expander(f"Step by step, {'without' if forget else 'with'} zero_grad()"):
        show_table(zero_grad_table(chosen), "gd_s4_table", skip=("step",), max_height=400)
    # its chart is built and drawn only once opened (ui/lazy.py)
    box, is_open = lazy_expander("The useful side: accumulating gradients on purpose", key="gd_s4_accum_open")
    with box:
        if is_open:
            accumulation()


def accumulation() -> None:
    """Accumulating k mini-batch gradients, each scaled by its share, gives the full-batch gradient."""
    ss = st.session_state
    st.markdown(ACCUMULATION_TEXT)
    st.slider("number of mini-batches k", 1, 24, key="gd_s4_k", **KEEP)
    check = _accumulation(-3.0, 3.0, int(ss.gd_s4_k))
    show_table(accumulation_table(check), "gd_s4_accum_table", skip=("batch", "samples"), max_height=330)
    summary = accumulation_summary(check)
    st.dataframe(
        summary,
        key="gd_s4_accum_summary",
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(c, format="%.15g") for c in ("dL/dw", "dL/db")},
    )
    plain_w, full_w = float(check.unscaled.dW[0][0, 0]), float(check.full.dW[0][0, 0])
    st.success(
        f"Accumulated with the shares, the gradient equals the full-batch gradient: the largest difference "
        f"over w and b is **{fmt(check.difference, 2)}**, rounding at most (the engine's tests require "
        f"≤ 1e-12). Adding the {check.k} batch gradients *without* their shares gives "
        f"dL/dw = {fmt(plain_w, 6)} instead of {fmt(full_w, 6)}: "
        f"about {check.k}× too large."
    )
    plotly_chart(
        accumulation_figure(check, [("dL/dw", 0, 0, 0), ("dL/db", 0, 0, None)]), key="gd_s4_accum_chart"
    )
