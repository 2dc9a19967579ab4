"""The stepper: the step-through page's fragment with the buttons, progress, picks, diagram and numbers.

It reruns on its own when a step button is pressed (``st.fragment``): only the buttons, the
diagram, the numbers, the equations (``view_explain``) and the open tab (``view_panels``)
of this iteration are recomputed.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from backprop_core.engine import evaluate
from backprop_core.trace import StepTrace
from labs.step_through.figures_charts import loss_history_figure
from labs.step_through.figures_diagram import DiagramView, diagram_legend, phase_figure
from labs.step_through.model import ParamRef, Preset, all_params, param_id, param_label
from labs.step_through.model_session import (
    CLASSIC_ORIGINAL,
    Controls,
    StepRun,
    batch_of,
    make_trace,
    progress_fraction,
    progress_text,
)
from labs.step_through.text import PHASE_TEXT
from labs.step_through.view_bridge import phase_code, pytorch_section
from labs.step_through.view_controls import StepSetup
from labs.step_through.view_explain import equations_section, quiz_state
from labs.step_through.view_panels import gradient_check_panel, step_export_tab, tables_panel
from labs.step_through.view_url import write_step_url
from ui.common import show_error
from ui.presenter import fold, plotly_chart
from ui.share import share_link
from viz.format import num
from viz.network import layer_title

TABS = ("📋 Tables", "✅ Gradient check", "💾 Export")


# -- callbacks (run before the rerun, so the buttons are drawn with the new state) ---------------


def _move(key: str, preset: Preset, controls: Controls, how: str) -> None:
    ss = st.session_state
    run: StepRun = ss.step_runs[key]
    try:
        if how == "back":
            ss.step_runs[key] = run.step_back()
        elif how == "reset":
            ss.step_runs[key] = StepRun.start(preset.net)
        else:
            trace = make_trace(preset, run, controls)
            if how == "full":
                ss.step_runs[key] = run.full_iteration(trace)
            else:
                ss.step_runs[key] = run.press(how, trace, layerwise=bool(ss.get("step_layerwise", True)))
    except ValueError as exc:
        ss.step_flash = f"That step could not be taken: {exc}"


def pick_from_diagram() -> None:
    """A click on the diagram: an edge picks its weight, a neuron picks itself (for the equations)."""
    ss = st.session_state
    event = ss.get("step_diagram")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    pick = selection_pick(points)
    if pick is None:
        return
    kind, value = pick
    if kind == "weight":
        ss.step_pick_weight = value
    else:
        ss.step_pick_neuron = value


def selection_pick(points: list[dict]) -> tuple[str, tuple[int, ...]] | None:
    """``("weight", (l, i, j))`` for a clicked edge marker, ``("neuron", (c, k))`` for a neuron
    (not an input), or ``None``. The diagram's markers carry these as ``customdata``."""
    for point in points:
        data = point.get("customdata")
        if not isinstance(data, (list, tuple)):
            continue
        if len(data) == 3:
            return "weight", tuple(int(v) for v in data)
        if len(data) == 2 and int(data[0]) >= 1:
            return "neuron", (int(data[0]), int(data[1]))
    return None


# -- the stepper --------------------------------------------------------------------------------


@st.fragment
def stepper(setup: StepSetup) -> None:
    """Buttons, progress, diagram, numbers, equations and tables of the current iteration."""
    ss = st.session_state
    preset, key, controls = setup.preset, setup.key, setup.controls
    if controls is None:
        write_step_url(preset, None)
        return
    run: StepRun = ss.step_runs.setdefault(key, StepRun.start(preset.net))
    try:
        trace = make_trace(preset, run, controls)
    except ValueError as exc:
        show_error(f"These settings do not fit together: {exc}")
        write_step_url(preset, run)
        return
    if flash := ss.pop("step_flash", None):
        show_error(flash)
    _note_recompute(key, run, controls)
    _buttons(key, preset, controls, run, trace)
    layer_names = [layer_title(l + 1, run.n_layers) for l in range(run.n_layers)]
    st.progress(progress_fraction(run), text=progress_text(run, layer_names))
    _warnings(run, trace, preset, controls)

    weight_names = preset.weight_names
    names = preset.neuron_names
    picks = st.columns([1.3, 1, 1.3, 0.8] if trace.x.shape[0] > 1 else [1.3, 1, 0.8])
    with picks[0]:
        param = _weight_choice(preset)
    with picks[1]:
        neuron = _neuron_choice(preset)
    with picks[2]:
        sample = _sample_select(trace)
    with picks[-1]:
        st.toggle(
            "Quiz me",
            key="step_quiz",
            help="Before a gradient or an updated weight is revealed, type your own value first",
            persist_state="session",
        )
    quiz = quiz_state(run, trace, param)
    # the right column holds the loss metrics: wide enough for a 13-character number such as
    # 121.000998755 (the sigmoid single weight), which a narrower column cut off with an ellipsis
    left, right = st.columns([2.6, 1.4], gap="medium")
    with left:
        view = DiagramView(
            run.phase,
            run.layers_done,
            sample,
            param,
            neuron,
            quiz.hidden_param,
            weight_names or None,
            has_bias=not preset.fixed_biases,
        )
        plotly_chart(
            phase_figure(trace, names, view),
            key="step_diagram",
            on_select=pick_from_diagram,
            selection_mode="points",
        )
        st.caption(
            diagram_legend(run.phase, trace.x.shape[0])
            + " Teal halo: the weight and neuron you picked; click an edge or a neuron to pick another."
        )
    with right:
        _numbers(run, trace, preset, controls)
    # long prose: open normally, folded in presenter mode (the teacher says it)
    fold(f"What the {run.phase} phase does", lambda: st.info(PHASE_TEXT[run.phase]))
    phase_code(run.phase)

    st.subheader("Equations with the numbers in")
    equations_section(run, trace, preset, param, neuron, sample, quiz)
    # the tabs track which one is open: it stays open across steps, and only its content is computed
    tables, check, export = st.tabs(TABS, key="step_tab", on_change="rerun")
    if tables.open:
        with tables:
            tables_panel(run, trace, preset, quiz.pending, focus_layer=param[0])
    if check.open:
        with check:
            gradient_check_panel(key, run, preset, controls)
    if export.open:
        with export:
            step_export_tab(run, trace, preset, controls)
    pytorch_section(preset, trace, controls)
    write_step_url(preset, run)
    share_link(
        key="step",
        note="The link opens the page as it is now: every setting, the iteration and phase, the picked "
        "weight, neuron and sample, the toggles.",
    )


def _note_recompute(key: str, run: StepRun, controls: Controls) -> None:
    ss = st.session_state
    seen = ss.step_seen_controls.get(key)
    ss.step_seen_controls[key] = controls
    if seen is not None and seen != controls and run.pos > 0:
        st.toast(
            f"Settings changed: iteration {run.iteration + 1} recomputed from the same starting weights."
        )
        st.caption(
            f"⟳ Settings changed: iteration {run.iteration + 1} was recomputed from the same starting "
            "weights; the phase you were in is kept."
        )


def _buttons(key: str, preset: Preset, controls: Controls, run: StepRun, trace: StepTrace) -> None:
    nxt = run.next_action
    blocked = run.pos == run.end and trace.non_finite
    cols = st.columns([1, 1, 1.15, 1, 1.3, 1.15, 1])
    labels = {"forward": "▶ Forward", "loss": "Loss", "backward": "◀ Backward", "update": "Update"}
    helps = {
        "forward": "Compute every z and a, from the inputs to the output",
        "loss": "Score the prediction against the target",
        "backward": "Send the error signal back one layer (or all layers, with the toggle off)",
        "update": "Move every weight against its gradient",
    }

    # every button moves the run: its key and callback arguments follow from its action
    def button(col, label: str, action: str, tip: str, disabled: bool = False, **kwargs) -> None:
        col.button(
            label,
            key=f"step_btn_{action}",
            on_click=_move,
            args=(key, preset, controls, action),
            disabled=disabled,
            help=tip,
            width="stretch",
            **kwargs,
        )

    for col, action in zip(cols[:4], ("forward", "loss", "backward", "update"), strict=True):
        enabled = action == nxt and not (action == "forward" and blocked)
        button(
            col,
            labels[action],
            action,
            helps[action] + ("" if enabled else " (not the next phase)"),
            disabled=not enabled,
            type="primary" if enabled else "secondary",
        )
    button(
        cols[4],
        "⏭ Full iteration",
        "full",
        "Finish this iteration in one go (after an update: run the whole next one)",
        disabled=blocked,
    )
    button(
        cols[5],
        "↩ Step back",
        "back",
        "One phase (or one layer) back; from the start of an iteration back into the previous one",
        disabled=not run.can_step_back,
    )
    button(cols[6], "⟲ Reset", "reset", "Back to the preset's starting weights, iteration 1")
    if run.n_layers > 1:
        st.toggle(
            "Backward one layer per click",
            key="step_layerwise",
            help="Watch the error signal travel back layer by layer, output layer first",
            persist_state="session",
        )


def _warnings(run: StepRun, trace: StepTrace, preset: Preset, controls: Controls) -> None:
    if not run.shows("loss"):
        return
    if not np.isfinite(trace.loss):
        show_error(
            "The loss is NaN or infinite: the weights have grown too large (a learning rate that "
            "made training diverge). Press Reset, or Step back into earlier iterations, and lower the rate."
        )
        return
    if run.phase != "update":
        return
    if trace.non_finite:
        show_error(
            f"With lr = {controls.lr:g} this update makes a weight NaN or infinite: the step diverged. Lower "
            "the learning rate (the iteration is recomputed at once) or press Step back."
        )
        return
    X, Y = batch_of(preset, controls.batch)
    after = evaluate(trace.net_after, X, Y, controls.loss)
    if after > trace.loss:
        st.warning(
            f"The loss went **up** ({num(trace.loss)} → {num(after)}): with lr = {controls.lr:g} the step "
            "overshoots the minimum along this direction. Repeated, a step like this makes training diverge; "
            "try a smaller learning rate."
        )


def _sample_select(trace: StepTrace) -> int:
    ss = st.session_state
    m = trace.x.shape[0]
    if m == 1:
        ss.step_sample = 0
        return 0
    if ss.get("step_sample", 0) not in range(m):
        ss.step_sample = 0

    def label(s: int) -> str:
        xs = ", ".join(num(v) for v in trace.x[s])
        return f"sample {s + 1}: x = ({xs})"

    return int(
        st.selectbox(
            "Sample shown",
            list(range(m)),
            format_func=label,
            key="step_sample",
            persist_state="session",
            help="The diagram and the equations show this sample's numbers; gradients add up the batch.",
        )
    )


def _weight_choice(preset: Preset) -> ParamRef:
    """The weight select box (a click on an edge sets it)."""
    ss = st.session_state
    wn = preset.weight_names
    params = all_params(preset.sizes, include_biases=not preset.fixed_biases)
    ids = [param_id(p, wn) for p in params]
    by_id = dict(zip(ids, params, strict=True))
    if (picked := ss.pop("step_pick_weight", None)) is not None and tuple(picked) in params:
        ss.step_weight = param_id(tuple(picked), wn)
    if ss.get("step_weight") not in by_id:
        default = (preset.net.n_layers - 1, 0, 0)
        ss.step_weight = param_id(default, wn)
    chosen = st.selectbox(
        "Weight to explain",
        ids,
        key="step_weight",
        persist_state="session",
        format_func=lambda i: param_label(by_id[i], preset.neuron_names, wn),
        help="Or click its edge on the diagram. Its chain rule and update are worked out under the diagram.",
    )
    return by_id[chosen]


def _neuron_choice(preset: Preset) -> tuple[int, int]:
    ss = st.session_state
    names = preset.neuron_names
    options = [(c, k) for c in range(1, len(names)) for k in range(len(names[c]))]
    ids = [names[c][k] for c, k in options]
    by_id = dict(zip(ids, options, strict=True))
    if (picked := ss.pop("step_pick_neuron", None)) is not None and tuple(picked) in options:
        c, k = picked
        ss.step_neuron = names[c][k]
    if ss.get("step_neuron") not in by_id:
        ss.step_neuron = ids[0]
    chosen = st.selectbox(
        # short label: with the sample box beside it, a longer one wrapped and pushed the box down
        "Neuron to explain",
        ids,
        key="step_neuron",
        persist_state="session",
        format_func=lambda n: f"{n} · {layer_title(by_id[n][0], len(names) - 1)}",
        help="Or click the neuron on the diagram. Its weighted sum and activation are worked out "
        "under the diagram.",
    )
    return by_id[chosen]


# -- numbers beside the diagram -----------------------------------------------------------------


def _numbers(run: StepRun, trace: StepTrace, preset: Preset, controls: Controls) -> None:
    st.metric(
        "Iteration", run.iteration + 1, help="Counts updates: iteration 1 starts from the preset's weights"
    )
    if run.shows("loss"):
        st.metric("Loss L (before the update)", num(trace.loss))
    if run.phase == "update" and not trace.non_finite:
        X, Y = batch_of(preset, controls.batch)
        after = evaluate(trace.net_after, X, Y, controls.loss)
        st.metric(
            "Loss after the update",
            num(after),
            delta=num(after - trace.loss),
            delta_color="inverse",
            help="The same batch fed forward through the updated weights",
        )
        if preset.is_classic and run.iteration == 0 and controls == CLASSIC_ORIGINAL:
            st.caption(
                "The original's summary prints 0.291027924 here. Why that differs from what its own "
                "walk-through gives: *About the published numbers*, below."
            )
    current = trace.loss if run.shows("loss") else None
    plotly_chart(loss_history_figure(run.losses, current), key="step_loss_chart")
