"""The gradient descent lab's state, URL settings, click handling and tables.

Session-state keys start with ``gd_`` and carry the section number (``gd_s2_w1``). Every
section's settings round-trip through the URL (``URL_PARAMS``); ``seed_settings`` reads and
validates them before any widget exists, so a link or a reload restores the whole page.
Tables are pure functions from engine results to pandas DataFrames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from labs.descent.model import WeightRun
from labs.descent.model_accumulate import AccumRun, AccumulationCheck
from labs.descent.model_surfaces import BatchRun, Trajectory, get_surface
from ui.common import lr_values
from ui.urlstate import UrlSetting, flag, number, seed_from_url

NEURON = "single neuron (w, b)"
# short names for the URL
SURFACE_SLUGS: dict[str, str] = {"neuron": NEURON, "ravine": "ravine", "valley": "curved valley"}
SLUG_OF = {v: k for k, v in SURFACE_SLUGS.items()}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}

S1_LRS = lr_values()
S2_LRS = lr_values()
S3_LRS = lr_values(1e-3, 10.0)
S4_LRS = lr_values(1e-3, 0.04)
BETAS: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
BETA2S: tuple[float, ...] = (0.9, 0.99, 0.999, 0.9999)
BATCH_SIZES: tuple[int, ...] = (2, 3, 4, 6, 8, 12)
MAX_S2_STEPS = 500
# one sample at a time runs 24 iterations per epoch: 20 epochs keep a change under ~0.1 s
MAX_EPOCHS = 20
URL_MARKER = "gd_url_seen"


def surface_defaults(name: str) -> dict[str, Any]:
    """The section-2 settings a surface starts with (start, steps, threshold, learning rates)."""
    s = get_surface(name)
    return {
        "gd_s2_w1": float(s.start[0]),
        "gd_s2_w2": float(s.start[1]),
        "gd_s2_steps": s.steps,
        "gd_s2_thr": s.threshold,
        "gd_s2_lr_sgd": s.lrs["sgd"],
        "gd_s2_lr_momentum": s.lrs["momentum"],
        "gd_s2_lr_adam": s.lrs["adam"],
    }


DEFAULTS: dict[str, Any] = {
    "gd_s1_lr": 0.01,
    "gd_s1_w0": 2.0,
    "gd_s1_steps": 10,
    "gd_s2_surface": NEURON,
    **surface_defaults(NEURON),
    "gd_s2_beta": 0.9,
    "gd_s2_beta1": 0.9,
    "gd_s2_beta2": 0.999,
    "gd_s3_lr": 0.5,
    "gd_s3_epochs": 10,
    "gd_s3_batch": 6,
    "gd_s3_seed": 0,
    "gd_s3_w": -3.0,
    "gd_s3_b": 3.0,
    "gd_s4_forget": False,
    "gd_s4_lr": 0.01,
    "gd_s4_steps": 12,
    "gd_s4_k": 4,
}


def _surface_param() -> UrlSetting:
    def parse(text: str) -> str:
        if text not in SURFACE_SLUGS:
            raise ValueError(f"{text} is not one of {', '.join(SURFACE_SLUGS)}")
        return SURFACE_SLUGS[text]

    return UrlSetting("surface", "gd_s2_surface", parse, lambda name: SLUG_OF[name])


def exact_text(value: Any) -> str:
    """A setting as URL text that reads back to the same number (``-8``, ``0.045``, ``1.23456789``)."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def exact(setting: UrlSetting) -> UrlSetting:
    """``setting`` written with every digit, so that a reload restores the very same number."""
    return replace(setting, dump=exact_text)


def on_grid(name: str, key: str, lo: float, hi: float, step: float) -> UrlSetting:
    """A number in ``[lo, hi]`` on a slider's grid of ``step`` (the slider offers nothing else)."""
    inner = number(name, key, lo, hi)

    def parse(text: str) -> float:
        value = inner.parse(text)
        snapped = round(round((value - lo) / step) * step + lo, 10)
        if not math.isclose(snapped, value, rel_tol=0.0, abs_tol=1e-9):
            raise ValueError(f"{text} is not a multiple of {step:g}")
        return snapped

    return UrlSetting(name, key, parse, exact_text)


# every section's settings, so that a link (or a reload) restores the whole page; section 2 keeps
# its short names from before the other sections joined
S1_PARAMS: tuple[UrlSetting, ...] = (
    number("s1_lr", "gd_s1_lr", 0.0, 10.0, allowed=S1_LRS),
    on_grid("s1_w0", "gd_s1_w0", -5.0, 10.0, 0.1),
    number("s1_steps", "gd_s1_steps", 1, 50, integer=True),
)
S2_PARAMS: tuple[UrlSetting, ...] = (
    _surface_param(),
    exact(number("w1", "gd_s2_w1", -10.0, 10.0)),
    exact(number("w2", "gd_s2_w2", -10.0, 10.0)),
    number("steps", "gd_s2_steps", 1, MAX_S2_STEPS, integer=True),
    exact(number("thr", "gd_s2_thr", 0.0, 1000.0)),
    number("lr_sgd", "gd_s2_lr_sgd", 0.0, 10.0, allowed=S2_LRS),
    number("lr_mom", "gd_s2_lr_momentum", 0.0, 10.0, allowed=S2_LRS),
    number("beta", "gd_s2_beta", 0.0, 1.0, allowed=BETAS),
    number("lr_adam", "gd_s2_lr_adam", 0.0, 10.0, allowed=S2_LRS),
    number("beta1", "gd_s2_beta1", 0.0, 1.0, allowed=BETAS),
    number("beta2", "gd_s2_beta2", 0.0, 1.0, allowed=BETA2S),
)
_NEURON_BOX = get_surface(NEURON).box
S3_PARAMS: tuple[UrlSetting, ...] = (
    number("s3_lr", "gd_s3_lr", 0.0, 10.0, allowed=S3_LRS),
    number("s3_epochs", "gd_s3_epochs", 1, MAX_EPOCHS, integer=True),
    number("s3_batch", "gd_s3_batch", 1, 24, allowed=BATCH_SIZES),
    number("s3_seed", "gd_s3_seed", 0, 9999, integer=True),
    exact(number("s3_w", "gd_s3_w", _NEURON_BOX[0], _NEURON_BOX[1])),
    exact(number("s3_b", "gd_s3_b", _NEURON_BOX[2], _NEURON_BOX[3])),
)
S4_PARAMS: tuple[UrlSetting, ...] = (
    flag("s4_forget", "gd_s4_forget"),
    number("s4_lr", "gd_s4_lr", 0.0, 10.0, allowed=S4_LRS),
    number("s4_steps", "gd_s4_steps", 2, 40, integer=True),
    number("s4_k", "gd_s4_k", 1, 24, integer=True),
)


URL_PARAMS: tuple[UrlSetting, ...] = S1_PARAMS + S2_PARAMS + S3_PARAMS + S4_PARAMS


def apply_surface_defaults() -> None:
    """``on_change`` of the surface select box: start from that surface's own settings."""
    st.session_state.update(surface_defaults(st.session_state["gd_s2_surface"]))


def seed_settings() -> list[str]:
    """Read every section's settings from the URL (once per distinct link); notices for bad values.

    A link that names a surface first gets that surface's defaults, then its own values; a
    start outside the surface's box is replaced by the surface's start.
    """
    own = {p.name: st.query_params[p.name] for p in URL_PARAMS if p.name in st.query_params}
    if st.session_state.get(URL_MARKER) != own and own.get("surface") in SURFACE_SLUGS:
        st.session_state.update(surface_defaults(SURFACE_SLUGS[own["surface"]]))
    notices = seed_from_url(URL_PARAMS, URL_MARKER)
    surface = get_surface(st.session_state["gd_s2_surface"])
    start = (st.session_state["gd_s2_w1"], st.session_state["gd_s2_w2"])
    if not surface.contains(start):
        lo1, hi1, lo2, hi2 = surface.box
        notices.append(
            f"URL start ({start[0]:g}, {start[1]:g}) lies outside the {surface.name} plot "
            f"({lo1:g} to {hi1:g}, {lo2:g} to {hi2:g}). Using the surface's own start instead."
        )
        st.session_state["gd_s2_w1"], st.session_state["gd_s2_w2"] = map(float, surface.start)
    return notices


def clicked_start(selection: Any, box: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """The ``(w1, w2)`` of the first clicked point of a Plotly selection, rounded and inside ``box``.

    ``selection`` is ``st.plotly_chart``'s state (``{"selection": {"points": [...]}}``) or None.
    """
    try:
        points = selection["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or ():
        x, y = point.get("x"), point.get("y")
        if (
            isinstance(x, (int, float))
            and isinstance(y, (int, float))
            and math.isfinite(x)
            and math.isfinite(y)
        ):
            lo1, hi1, lo2, hi2 = box
            return (round(min(max(float(x), lo1), hi1), 3), round(min(max(float(y), lo2), hi2), 3))
    return None


def take_click(chart_key: str, seen_key: str) -> tuple[float, float] | None:
    """A start point clicked on the chart ``chart_key`` that has not been applied yet, else None.

    A chart whose figure changes gets a new identity and an empty selection, but a click on the
    current start leaves the figure as it was: remembering the last applied click keeps it from
    overriding values typed afterwards.
    """
    surface = get_surface(st.session_state["gd_s2_surface"])
    point = clicked_start(st.session_state.get(chart_key), surface.box)
    if point is None:
        st.session_state[seen_key] = None
        return None
    if st.session_state.get(seen_key) == point:
        return None
    st.session_state[seen_key] = point
    return point


def times_text(factor: float) -> str:
    """A growth ``factor`` (at least 1) short enough for a metric: ``57.7×``, ``2,500×``, ``8e+134×``."""
    if factor < 100:
        return f"{factor:.3g}×"
    if factor < 1e5:
        return f"{factor:,.0f}×"
    return f"{factor:.0e}×"


# -- tables -------------------------------------------------------------------------------------


def weight_steps_table(run: WeightRun) -> pd.DataFrame:
    """One row per step: ``k, w_k, L(w_k), dL/dw, update = -lr dL/dw, w_(k+1)``."""
    return pd.DataFrame(
        {
            "step k": [s.k for s in run.steps_taken],
            "w_k": [s.w for s in run.steps_taken],
            "L(w_k)": [s.loss for s in run.steps_taken],
            "dL/dw": [s.grad for s in run.steps_taken],
            "update −lr·dL/dw": [s.update for s in run.steps_taken],
            "w_k+1": [s.w_next for s in run.steps_taken],
        }
    )


def steps_to_text(trajectory: Trajectory, threshold: float) -> str:
    k = trajectory.steps_to(threshold)
    if k is not None:
        return str(k)
    if trajectory.diverged:
        return f"never: diverged at step {len(trajectory.points)}"
    return f"not within {trajectory.steps} steps"


def optimizer_settings(trajectory: Trajectory) -> str:
    opt = trajectory.optimizer
    text = f"lr = {trajectory.lr:g}"
    if opt.name == "momentum":
        text += f", β = {opt.beta:g}"
    if opt.name == "adam":
        text += f", β1 = {opt.beta1:g}, β2 = {opt.beta2:g}"
    return text


def threshold_table(trajectories: Sequence[Trajectory], threshold: float) -> pd.DataFrame:
    """Per optimiser: its settings, steps to reach ``L <= threshold``, and where it ended."""
    labels = get_surface(trajectories[0].surface).labels if trajectories else ("w1", "w2")
    return pd.DataFrame(
        {
            "optimizer": [OPTIMIZER_LABELS[t.optimizer.name] for t in trajectories],
            "settings": [optimizer_settings(t) for t in trajectories],
            f"steps to L ≤ {threshold:g}": [steps_to_text(t, threshold) for t in trajectories],
            "final L": [t.final_loss for t in trajectories],
            f"final {labels[0]}": [float(t.points[-1, 0]) for t in trajectories],
            f"final {labels[1]}": [float(t.points[-1, 1]) for t in trajectories],
        }
    )


def batch_table(runs: Sequence[BatchRun]) -> pd.DataFrame:
    """Per batch mode: batch size, iterations per epoch, iterations run, the final loss."""
    return pd.DataFrame(
        {
            "mode": [r.mode for r in runs],
            "batch size": [r.batch_size for r in runs],
            "iterations per epoch": [r.iterations_per_epoch for r in runs],
            "iterations run": [r.iterations for r in runs],
            "epochs run": [float(r.epoch[-1]) for r in runs],
            "final loss (all 24 samples)": [float(r.loss[-1]) for r in runs],
        }
    )


def zero_grad_table(run: AccumRun) -> pd.DataFrame:
    """One row per step of the loop: weight, loss, this pass's gradient, the stored ``.grad``, update."""
    s = run.series()
    return pd.DataFrame(
        {
            "step": np.arange(1, len(s["w"]) + 1),
            "w": s["w"],
            "L": s["loss"],
            "fresh dL/dw (this backward)": s["fresh"],
            "stored .grad (what step() uses)": s["stored"],
            "update −lr·.grad": s["update"],
            "new w": s["w_next"],
        }
    )


def accumulation_table(check: AccumulationCheck) -> pd.DataFrame:
    """One row per mini-batch: its samples, share ``m_i/n``, gradients and share-scaled gradients
    for the neuron's two parameters ``w`` and ``b``."""
    rows = []
    for i, (idx, share, g) in enumerate(zip(check.batches, check.shares, check.grads, strict=True)):
        dw, db = float(g.dW[0][0, 0]), float(g.db[0][0])
        rows.append(
            {
                "batch": i + 1,
                "samples": len(idx),
                "share m_i/n": share,
                "dL/dw": dw,
                "dL/db": db,
                "share × dL/dw": share * dw,
                "share × dL/db": share * db,
            }
        )
    return pd.DataFrame(rows)


def accumulation_summary(check: AccumulationCheck) -> pd.DataFrame:
    """The accumulated (share-weighted) gradient, the full-batch gradient and their difference."""
    acc = (float(check.scaled.dW[0][0, 0]), float(check.scaled.db[0][0]))
    full = (float(check.full.dW[0][0, 0]), float(check.full.db[0][0]))
    plain = (float(check.unscaled.dW[0][0, 0]), float(check.unscaled.db[0][0]))
    return pd.DataFrame(
        {
            "": [
                "accumulated: Σ share × batch gradient",
                "full batch: one backward pass on all samples",
                "difference (accumulated − full)",
                "without the shares: Σ batch gradient",
            ],
            "dL/dw": [acc[0], full[0], acc[0] - full[0], plain[0]],
            "dL/db": [acc[1], full[1], acc[1] - full[1], plain[1]],
        }
    )
