"""The four sections of the gradient descent lab, each a function the page runs as a fragment.

Each reads its widgets' values from ``st.session_state`` (keys ``gd_s<section>_...``, set up by
``view_settings.DEFAULTS``), calls the engine through the cached wrappers below, and renders the
figures from ``figures`` / ``figures_surfaces`` and the tables from ``view_settings``.
Keeping them here keeps the page a short script and lets the benchmark time one section alone,
which is what a control change costs once the page wraps each section in ``st.fragment``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from backprop_core.optimizers import Optimizer, optimizer_step
from backprop_core.pytorch import descent_rows, descent_script
from labs.descent.figures import (
    distance_figure,
    loss_curve_figure,
    regime_strip_figure,
)
from labs.descent.figures_surfaces import Path, contour_figure, loss_steps_figure
from labs.descent.model import REGIME_TEXT, WeightRun, critical_rates, descend, minimum, one_weight_example
from labs.descent.model_surfaces import (
    BATCH_MODES,
    SURFACES,
    SurfaceGrid,
    Trajectory,
    get_surface,
    script_surface,
    surface_grid,
    trajectory,
)
from labs.descent.text import (
    SURFACE_FORMULAS,
    SURFACES_LEAD,
    SURFACES_TEXT,
    SURFACES_WHY,
    VANISHING_PAGE,
    one_weight_text,
    one_weight_why,
)
from labs.descent.view_settings import (
    BETA2S,
    BETAS,
    MAX_S2_STEPS,
    OPTIMIZER_LABELS,
    S1_LRS,
    S2_LRS,
    apply_surface_defaults,
    take_click,
    threshold_table,
    times_text,
    weight_steps_table,
)
from ui.bridge import pytorch_expander, show_code
from ui.common import big_numbers_as_text, format_lr
from ui.presenter import fold, plotly_chart
from viz.format import fmt
from viz.theme import SERIES

OPT_COLOURS = {"sgd": SERIES[0], "momentum": SERIES[1], "adam": SERIES[2]}
# Streamlit's named label colours closest to those path colours (a label takes no HTML)
COLOUR_NAMES = {SERIES[0]: "blue", SERIES[1]: "orange", SERIES[2]: "green"}
MODE_COLOURS = dict(zip(BATCH_MODES, (SERIES[0], SERIES[4], SERIES[3]), strict=True))
NUMBERS = {"format": "%.6g"}
# widget values survive a trip to another page and back
KEEP = {"persist_state": "session"}


# -- cached engine calls: pure functions of their arguments -------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _descend(w0: float, lr: float, steps: int, loss_name: str = "mse") -> WeightRun:
    return descend(w0, lr, steps, loss_name)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_grid(name: str) -> SurfaceGrid:
    return surface_grid(name, 101)


@st.cache_data(max_entries=64, show_spinner=False)
def _trajectory(
    name: str,
    opt: str,
    lr: float,
    beta: float,
    beta1: float,
    beta2: float,
    start: tuple[float, float],
    steps: int,
) -> Trajectory:
    return trajectory(name, Optimizer(opt, beta=beta, beta1=beta1, beta2=beta2), lr, start, steps)


def number_columns(df: pd.DataFrame, skip: tuple[str, ...] = ()) -> dict:
    """Show every float column with 6 significant digits (the full value is in the data)."""
    return {
        c: st.column_config.NumberColumn(c, **NUMBERS)
        for c in df.columns
        if c not in skip and pd.api.types.is_float_dtype(df[c])
    }


def show_table(table: pd.DataFrame, key: str, skip: tuple[str, ...], max_height: int | None = None) -> None:
    """A full-width table without its index, every float column but ``skip`` as numbers (6 digits).

    With ``max_height`` (pixels) it is as tall as its rows (about 35 px each, plus the header)
    up to that height, then scrolls. A column holding numbers beyond 2**53 (a diverging run) is
    written out as text, which the table can show.
    """
    size = {} if max_height is None else {"height": min(38 + 35 * len(table), max_height)}
    table = big_numbers_as_text(table, 6)
    st.dataframe(
        table,
        key=key,
        hide_index=True,
        width="stretch",
        column_config=number_columns(table, skip=skip),
        **size,
    )


def section_one_weight() -> None:
    """Section 1: the loss curve of one weight, its iterates, the regimes of the learning rate."""
    st.header("1 · The learning rate on one weight")
    example = one_weight_example("mse")
    rates = critical_rates(example)
    half = critical_rates(one_weight_example("half_sse"))
    x, y, w_star = float(example.X[0, 0]), float(example.Y[0, 0]), minimum(example)
    fold("The learning rate on one weight: the idea", one_weight_text(x, y, w_star, rates))
    with st.expander("Why? The step as a multiplication, the ½ convention, many weights"):
        st.markdown(one_weight_why(x, rates, half))
    c1, c2, c3, c4, c5 = st.columns([1.8, 1.0, 1.0, 0.9, 1.3])
    c1.select_slider(
        "learning rate lr (log scale)",
        S1_LRS,
        key="gd_s1_lr",
        format_func=format_lr,
        **KEEP,
    )
    c2.slider("starting weight w₀", -5.0, 10.0, step=0.1, key="gd_s1_w0", **KEEP)
    c3.slider("number of steps", 1, 50, key="gd_s1_steps", **KEEP)
    lr, w0, steps = st.session_state.gd_s1_lr, st.session_state.gd_s1_w0, st.session_state.gd_s1_steps
    run = _descend(float(w0), float(lr), int(steps))
    regime = run.regime

    left = run.remaining
    n = len(run.steps_taken)
    if np.isnan(left):
        after, left_text = "you started at the minimum, where the slope is 0: nothing moves", "—"
    elif regime.kind != "diverging":
        left_text = f"{fmt(100 * left, 3)}%"
        after = f"after {n} steps, **{left_text}** of the starting distance is left"
    else:
        # the metric gets the short form: a long number was cut off in its narrow column
        left_text = times_text(left)
        after = f"after {n} steps the distance has grown to **{fmt(left, 3)} × the start**"
    message = (
        f"**Regime: {regime.headline}.** With lr = {format_lr(lr)}, $r = 1 - lr \\cdot L'' = "
        f"{fmt(regime.factor, 4)}$: the iterates {REGIME_TEXT[regime.kind]}; {after}."
    )
    if regime.too_slow:
        message += (
            " *Too slow* means: still more than 1% of the starting distance away after the chosen steps."
        )
    if run.stopped:
        message += " The numbers overflowed, so the run stopped early."
    box = {"diverging": st.error, "bouncing": st.warning}.get(regime.kind)
    box = box or (st.warning if regime.too_slow else st.success)
    box(message)

    # the two numbers that change with the controls, beside them (L'' and the critical rates are
    # in the text above and on the regime chart below)
    c4.metric("r = 1 − lr·L''", fmt(regime.factor, 4))
    c5.metric("distance left", left_text)

    g1, g2 = st.columns([3, 2])
    with g1:
        plotly_chart(loss_curve_figure(run), key="gd_s1_curve")
    with g2:
        if run.distances[0] > 0:
            plotly_chart(distance_figure(run), key="gd_s1_distance")
        else:
            st.info(f"Start somewhere other than w* = {fmt(w_star)} to see the distance shrink or grow.")
    plotly_chart(regime_strip_figure(rates, float(lr)), key="gd_s1_regimes")
    with st.expander(f"The steps, one row per update ({n} rows, numbers from the engine)"):
        show_table(weight_steps_table(run), "gd_s1_table", skip=("step k",), max_height=400)


def section_surfaces() -> None:
    """Section 2: SGD, momentum and Adam on a 2-D surface; click to start; the bridges to code."""
    st.header("2 · Two parameters, three optimizers")
    clicked = take_click("gd_s2_contour", "gd_s2_click_seen")
    if clicked is not None:
        st.session_state.gd_s2_w1, st.session_state.gd_s2_w2 = clicked
    fold("Three optimizers: the idea", SURFACES_LEAD)
    with st.expander("Why? The three rules, which way is down, what momentum and Adam do with the gradient"):
        st.markdown(SURFACES_TEXT)
        st.markdown(SURFACES_WHY)
        try:
            st.page_link(
                VANISHING_PAGE,
                label="Adam and vanishing update sizes: the vanishing gradients lab",
                icon="📉",
            )
        except StreamlitAPIException:
            st.caption("See the vanishing gradients lab.")  # the page run on its own (tests)
    c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 1])
    c1.selectbox(
        "loss surface",
        list(SURFACES),
        key="gd_s2_surface",
        on_change=apply_surface_defaults,
        help="Each surface comes with its own start, threshold and learning rates; change them freely.",
        **KEEP,
    )
    surface = get_surface(st.session_state.gd_s2_surface)
    lo1, hi1, lo2, hi2 = surface.box
    for col, label, lo, hi, key in zip(
        (c2, c3), surface.labels, (lo1, lo2), (hi1, hi2), ("gd_s2_w1", "gd_s2_w2"), strict=True
    ):
        col.number_input(f"start {label}", lo, hi, step=0.1, format="%.3f", key=key, **KEEP)
    c4.number_input("steps", 1, MAX_S2_STEPS, step=10, key="gd_s2_steps", **KEEP)
    c5.number_input("loss threshold", 0.0, 1000.0, step=0.01, format="%.4f", key="gd_s2_thr", **KEEP)
    o = st.columns([1.3, 1.3, 0.9, 1.3, 0.9, 0.9])
    _optimizer_lr(o[0], "sgd")
    _optimizer_lr(o[1], "momentum")
    o[2].select_slider("Momentum β", BETAS, key="gd_s2_beta", **KEEP)
    _optimizer_lr(o[3], "adam")
    o[4].select_slider("Adam β1", BETAS, key="gd_s2_beta1", **KEEP)
    o[5].select_slider("Adam β2", BETA2S, key="gd_s2_beta2", **KEEP)

    ss = st.session_state
    start = (float(ss.gd_s2_w1), float(ss.gd_s2_w2))
    steps, threshold = int(ss.gd_s2_steps), float(ss.gd_s2_thr)
    betas = (float(ss.gd_s2_beta), float(ss.gd_s2_beta1), float(ss.gd_s2_beta2))
    trajectories = [
        _trajectory(surface.name, name, float(ss[f"gd_s2_lr_{name}"]), *betas, start, steps)
        for name in ("sgd", "momentum", "adam")
    ]
    paths = [
        Path(
            f"{OPTIMIZER_LABELS[t.optimizer.name]} (lr {format_lr(t.lr)})",
            t.points,
            t.losses,
            OPT_COLOURS[name],
        )
        for name, t in zip(("sgd", "momentum", "adam"), trajectories, strict=True)
    ]
    diverged = [OPTIMIZER_LABELS[t.optimizer.name] for t in trajectories if t.diverged]
    if diverged:
        who = diverged[0] if len(diverged) == 1 else f"{', '.join(diverged[:-1])} and {diverged[-1]}"
        st.error(
            f"{who} diverged: the steps grew until the parameters ran off the map (beyond 10⁶). "
            f"Lower {'its learning rate' if len(diverged) == 1 else 'their learning rates'}."
        )
    g1, g2 = st.columns([3, 2])
    with g1:
        plotly_chart(
            contour_figure(
                cached_grid(surface.name),
                paths,
                start,
                f"{surface.name}: {SURFACE_FORMULAS[surface.name]}<br>"
                f"paths of {steps} steps from the start · click anywhere to start there",
            ),
            key="gd_s2_contour",
            on_select="rerun",
            selection_mode="points",
        )
    with g2:
        plotly_chart(
            loss_steps_figure(paths, threshold, "Loss per step<br>(◆: first at or below the threshold)"),
            key="gd_s2_losses",
        )
    table = threshold_table(trajectories, threshold)
    # the chart's diamonds mark the steps to the threshold; the numbers behind them are one click away
    with st.expander(f"The three runs in numbers: steps to L ≤ {fmt(threshold)}, final loss and parameters"):
        show_table(table, "gd_s2_table", skip=tuple(table.columns[:3]))
    code_bridges(surface.name, trajectories, start, steps)


def code_bridges(name: str, trajectories: list[Trajectory], start: tuple[float, float], steps: int) -> None:
    """ "The same in PyTorch" (``torch.optim`` on this surface) and "Show the code" (the engine's step)."""
    runs = [(t.optimizer, t.lr) for t in trajectories]
    pytorch_expander(
        descent_script(script_surface(name), runs, start, steps),
        descent_rows({t.optimizer.name: (t.points, t.losses) for t in trajectories}),
        file_stem="descent",
        key="gd_s2_torch",
        intro=(
            "The same three optimizers in `torch.optim` (SGD, SGD with `momentum=β`, Adam), with these "
            "learning rates and βs, from the same start on the same surface, in float64. The last line it "
            "prints is one JSON object with every path; its end points match the table above."
        ),
    )
    show_code(
        [optimizer_step, trajectory],
        first=(
            "Read `optimizer_step` first: it turns one gradient into one change of the parameters (the three "
            "rules above); `trajectory` calls it once per step and stops a run that leaves the map."
        ),
    )


def _optimizer_lr(column: DeltaGenerator, name: str) -> None:
    """The optimiser's learning-rate slider (``gd_s2_lr_<name>``), its label in its path's colour."""
    label = OPTIMIZER_LABELS[name]
    colour = OPT_COLOURS[name]
    column.select_slider(
        f":{COLOUR_NAMES[colour]}[**{label}**] lr" if colour in COLOUR_NAMES else f"{label} lr",
        S2_LRS,
        key=f"gd_s2_lr_{name}",
        format_func=format_lr,
        **KEEP,
    )
