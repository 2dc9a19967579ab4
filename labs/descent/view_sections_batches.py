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
from labs.descent.model import minimum, one_weight_example
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
    st.markdown(
        "The gradient of the loss on **all** 24 samples points straight downhill on the contour plot below. "
        "Computing it from only some of them is cheaper but gives a noisy estimate, so the path wobbles. "
        "Two words keep the bookkeeping straight:\n"
        "- an **iteration** is one update of the parameters, computed from one batch;\n"
        "- an **epoch** is one pass through all 24 samples: 1 iteration with the full batch, "
        "⌈24 / b⌉ iterations with mini-batches of b samples, 24 iterations one sample at a time.\n\n"
        "The samples are shuffled afresh at the start of every epoch; all three runs use plain SGD, "
        "the same learning rate and the same start."
    )
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
    st.plotly_chart(
        contour_figure(
            cached_grid(NEURON),
            paths,
            start,
            f"The neuron's loss on all 24 samples, and {int(ss.gd_s3_epochs)} epochs of each batch mode",
            clickable=False,
            height=480,
        ),
        key="gd_s3_contour",
        width="stretch",
    )
    g1, g2 = st.columns(2)
    epochs = [r.epoch for r in runs]
    g1.plotly_chart(batch_loss_figure(paths, epochs, "iteration"), key="gd_s3_by_iter", width="stretch")
    g2.plotly_chart(batch_loss_figure(paths, epochs, "epoch"), key="gd_s3_by_epoch", width="stretch")
    table = batch_table(runs)
    st.dataframe(
        table,
        key="gd_s3_table",
        hide_index=True,
        width="stretch",
        column_config={"final loss (all 24 samples)": st.column_config.NumberColumn(**NUMBERS)},
    )
    st.caption(
        "Per iteration, the full batch follows the true gradient, so each of its steps is the most "
        "reliable one; per epoch (the same amount of work on the data), small batches make many more "
        "updates and usually get further, at the price of a noisy path that keeps jittering near the "
        "minimum instead of settling on it."
    )


def section_zero_grad() -> None:
    """Section 4: training with and without zero_grad(), then accumulation on purpose."""
    st.header("4 · Why gradients must be reset: the zero-grad lesson")
    st.markdown(
        "In PyTorch every parameter stores its gradient in `.grad`, and `loss.backward()` **adds** the "
        "new gradient to whatever is stored there. `optimizer.step()` then uses the stored value. Unless "
        "the loop calls `optimizer.zero_grad()` before each backward pass, every step uses the sum of all "
        "gradients so far. TensorFlow's `GradientTape` and JAX's `jax.grad` have no such store: each call "
        "returns a fresh gradient, so there is nothing to reset."
    )
    k1, k2 = st.columns(2)
    # short lines: half the page is about 45 characters wide on a laptop screen, and a wrapped
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
    k2.code(
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
    c1, c2 = st.columns([2, 1])
    c1.select_slider("learning rate lr", S4_LRS, key="gd_s4_lr", format_func=format_lr, **KEEP)
    c2.slider("steps", 2, 40, key="gd_s4_steps", **KEEP)
    ss = st.session_state
    forget, lr, steps = bool(ss.gd_s4_forget), float(ss.gd_s4_lr), int(ss.gd_s4_steps)
    good, bad = _zero_grad(lr, steps, True), _zero_grad(lr, steps, False)
    chosen = bad if forget else good
    st.markdown(
        "The same training as in section 1 ($y = w x$, $x = 5$, target 12, start $w = 2$), run twice. "
        + (
            "**Gradients never reset**: the stored gradient is the running sum of every backward pass, so "
            "after the weight passes $w^* = 2.4$ the old negative gradients keep pushing it further; the "
            "weight overshoots and swings, and the loss climbs back up instead of settling."
            if forget
            else "**Gradients reset every step**: the stored gradient is just this step's gradient, and the "
            "weight settles on $w^* = 2.4$. Flip the toggle to see what forgetting does."
        )
    )
    if chosen.stopped:
        st.error(f"The numbers overflowed after {len(chosen.steps)} steps, so the run stopped there.")
    w_star = minimum(one_weight_example("mse"))
    st.plotly_chart(zero_grad_figure(good, bad, forget, w_star), key="gd_s4_chart", width="stretch")
    st.markdown(f"**Step by step, {'without' if forget else 'with'} `zero_grad()`:**")
    show_table(zero_grad_table(chosen), "gd_s4_table", skip=("step",), max_height=400)

    st.subheader("The useful side: accumulating on purpose")
    st.markdown(
        "When a batch is too big to fit in memory, accumulation is exactly what you want: split it into "
        "$k$ mini-batches, run backward on each without resetting, then take one step. Our loss is the "
        "**mean** over a batch, so the full-batch loss is each mini-batch's loss weighted by its share of "
        "the samples, $L = \\sum_i \\frac{m_i}{n} L_i$, and the gradient of a sum is the sum of the "
        "gradients. In PyTorch that is `(loss * m_i / n).backward()` per mini-batch (or `loss / k` when all "
        "batches are equal). Below: the neuron of sections 2 and 3 at its default start, 24 samples."
    )
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
    st.plotly_chart(
        accumulation_figure(check, [("dL/dw", 0, 0, 0), ("dL/db", 0, 0, None)]),
        key="gd_s4_accum_chart",
        width="stretch",
    )
