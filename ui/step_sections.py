"""The step-through page's sections: the stepper (a fragment), equations, tables, check, export.

The stepper reruns on its own when a step button is pressed (``st.fragment``): only the
buttons, the diagram, the numbers and the tables of this iteration are recomputed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from backprop_core.engine import evaluate
from backprop_core.explain import explain_weight
from backprop_core.gradcheck import gradient_check
from backprop_core.presets import Preset, all_params, param_id, param_label
from backprop_core.step_losses import output_loss_shares
from backprop_core.trace import StepTrace
from ui.common import show_error
from ui.step_controls import Setup, write_step_url
from ui.step_export import trace_csv, trace_json
from ui.step_model import Controls, StepRun, batch_of, make_trace, progress_fraction, progress_text
from ui.step_quiz import TOLERANCES, check_answer
from ui.step_text import GRADCHECK_TEXT, PHASE_TEXT
from viz.network import layer_title
from viz.step_charts import loss_history_figure
from viz.step_diagram import DiagramView, diagram_legend, phase_figure
from viz.step_equations import chain_rule, loss_equations, neuron_equations, update_equation
from viz.step_format import num
from viz.step_tables import (
    bias_frame,
    gradcheck_frame,
    input_frame,
    matrix_view,
    parameters_frame,
    per_sample_frame,
    per_weight_frame,
)

Param = tuple[int, int | None, int]
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
def stepper(setup: Setup) -> None:
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
    quiz = _quiz_state(run, trace, param)
    left, right = st.columns([3, 1.15], gap="medium")
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
        st.plotly_chart(
            phase_figure(trace, names, view),
            key="step_diagram",
            on_select=pick_from_diagram,
            selection_mode="points",
            width="stretch",
            config={"displayModeBar": False},
        )
        st.caption(
            diagram_legend(run.phase, trace.x.shape[0])
            + " Teal halo: the weight and neuron you picked; click an edge or a neuron to pick another."
        )
    with right:
        _numbers(run, trace, preset, controls)
    st.info(PHASE_TEXT[run.phase])

    st.subheader("Equations with the numbers in")
    _equations(run, trace, preset, param, neuron, sample, quiz)
    # the tabs track which one is open: it stays open across steps, and only its content is computed
    tables, check, export = st.tabs(TABS, key="step_tab", on_change="rerun")
    if tables.open:
        with tables:
            _tables(run, trace, preset, quiz.pending)
    if check.open:
        with check:
            _gradient_check(key, run, trace, preset, controls)
    if export.open:
        with export:
            _export(run, trace, preset, controls)
    write_step_url(preset, run)


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
    for col, action in zip(cols[:4], ("forward", "loss", "backward", "update"), strict=True):
        enabled = action == nxt and not (action == "forward" and blocked)
        col.button(
            labels[action],
            key=f"step_btn_{action}",
            on_click=_move,
            args=(key, preset, controls, action),
            disabled=not enabled,
            type="primary" if enabled else "secondary",
            help=helps[action] + ("" if enabled else " (not the next phase)"),
            width="stretch",
        )
    cols[4].button(
        "⏭ Full iteration",
        key="step_btn_full",
        on_click=_move,
        args=(key, preset, controls, "full"),
        disabled=blocked,
        help="Finish this iteration in one go (after an update: run the whole next one)",
        width="stretch",
    )
    cols[5].button(
        "↩ Step back",
        key="step_btn_back",
        on_click=_move,
        args=(key, preset, controls, "back"),
        disabled=not run.can_step_back,
        help="One phase (or one layer) back; from the start of an iteration back into the previous one",
        width="stretch",
    )
    cols[6].button(
        "⟲ Reset",
        key="step_btn_reset",
        on_click=_move,
        args=(key, preset, controls, "reset"),
        help="Back to the preset's starting weights, iteration 1",
        width="stretch",
    )
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


def _weight_choice(preset: Preset) -> Param:
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
        "Weight to explain (or click its edge)",
        ids,
        key="step_weight",
        persist_state="session",
        format_func=lambda i: param_label(by_id[i], preset.neuron_names, wn),
        help="Its chain rule and update are worked out under the diagram.",
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
        "Neuron to explain (or click it)",
        ids,
        key="step_neuron",
        persist_state="session",
        format_func=lambda n: f"{n} ({layer_title(by_id[n][0], len(names) - 1)})",
        help="Its weighted sum and activation are worked out under the diagram.",
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
    current = trace.loss if run.shows("loss") else None
    st.plotly_chart(loss_history_figure(run.losses, current), key="step_loss_chart", width="stretch")


# -- equations ----------------------------------------------------------------------------------


class _Quiz:
    """Which value the quiz is holding back (if any) and what the learner answered."""

    def __init__(self, enabled: bool, kind: str | None, param: Param, truth: float | None, answer: object):
        self.enabled = enabled
        self.kind = kind
        self.param = param
        self.truth = truth
        self.answer = answer

    @property
    def pending(self) -> bool:
        return self.enabled and self.kind is not None and self.answer is None

    @property
    def hidden_param(self) -> Param | None:
        return self.param if self.pending else None

    @property
    def answer_key(self) -> tuple:
        return (self.kind, self.param, None if self.truth is None else round(self.truth, 12))


def _quiz_state(run: StepRun, trace: StepTrace, param: Param) -> _Quiz:
    ss = st.session_state
    enabled = bool(ss.get("step_quiz"))
    layer = param[0]
    kind, truth = None, None
    if run.phase == "update":
        kind = "new"
        truth = float(
            trace.net_after.biases[layer][param[2]]
            if param[1] is None
            else trace.net_after.weights[layer][param[1], param[2]]
        )
    elif run.phase == "backward" and run.reached(layer):
        kind = "grad"
        truth = float(trace.db[layer][param[2]] if param[1] is None else trace.dW[layer][param[1], param[2]])
    quiz = _Quiz(enabled, kind, param, truth, None)
    if kind is not None:
        quiz.answer = ss.step_quiz_answers.get(quiz.answer_key)
    return quiz


def _equations(
    run: StepRun,
    trace: StepTrace,
    preset: Preset,
    param: Param,
    neuron: tuple[int, int],
    sample: int,
    quiz: _Quiz,
) -> None:
    names, wn = preset.neuron_names, preset.weight_names or None
    if run.phase == "ready":
        st.markdown("Nothing is computed yet. Press **Forward**.")
        return
    c, k = neuron
    # the phases already passed fold away once the backward pass starts, to keep the new work in view
    folded = run.shows("backward")
    earlier = st.expander("Forward and loss equations", expanded=False) if folded else st.container()
    with earlier:
        st.markdown(f"**Forward: neuron {names[c][k]}** ({layer_title(c, len(names) - 1)})")
        for eq in neuron_equations(trace, names, c, k, sample, wn, with_bias=not preset.fixed_biases):
            st.latex(eq.latex)
            st.caption(eq.note)
        if run.shows("loss"):
            st.markdown(f"**Loss** ({trace.loss_trace.name})")
            for eq in loss_equations(trace, names, sample):
                st.latex(eq.latex)
                st.caption(eq.note)
    if not run.shows("backward"):
        return
    label = param_label(param, names, preset.weight_names)
    st.markdown(f"**Backward: the gradient of {label}**")
    layer = param[0]
    if not run.reached(layer):
        st.markdown(
            f"The backward pass has not reached {layer_title(layer + 1, run.n_layers)} yet: press "
            "**Backward** until it does (it starts at the output)."
        )
        return
    e = explain_weight(trace, layer, param[1], param[2])
    if quiz.enabled and quiz.kind == "grad" and not _ask(quiz, f"dL/d{_plain(param, preset)}"):
        return
    for eq in chain_rule(e, trace, names, sample, wn):
        st.latex(eq.latex)
        st.caption(eq.note)
    if run.phase != "update":
        return
    st.markdown(f"**Update of {label}**")
    if quiz.enabled and quiz.kind == "new" and not _ask(quiz, f"the new value of {_plain(param, preset)}"):
        return
    eq = update_equation(e, names, wn, frozen=trace.update.freeze_biases)
    st.latex(eq.latex)
    st.caption(eq.note)


def _plain(param: Param, preset: Preset) -> str:
    wn = preset.weight_names
    if param in wn:
        return wn[param]
    return param_label(param, preset.neuron_names, wn).split(",")[0]


def _ask(quiz: _Quiz, what: str) -> bool:
    """The quiz form; ``True`` once the learner has answered (the working may be shown)."""
    ss = st.session_state
    if quiz.answer is None:
        with st.form("step_quiz_form", border=True):
            st.markdown(f"🧠 **Your turn:** what is {what}? Work it out from the numbers above, then check.")
            cols = st.columns([2, 1])
            cols[0].text_input("Your value", key="step_quiz_text", placeholder="e.g. 0.0821")
            cols[1].selectbox("Tolerance", list(TOLERANCES), key="step_quiz_tol")
            submitted = st.form_submit_button("Check my answer")
        if not submitted:
            st.caption("The working is shown once you have answered.")
            return False
        result = check_answer(ss.get("step_quiz_text", ""), quiz.truth, TOLERANCES[ss.step_quiz_tol])
        if result.value is None:
            show_error(result.message)
            return False
        ss.step_quiz_answers[quiz.answer_key] = result
        quiz.answer = result
    result = quiz.answer
    (st.success if result.ok else st.error)(f"{result.message} The engine's value: {num(quiz.truth)}.")
    return True


# -- tables -------------------------------------------------------------------------------------


def _df(frame: pd.DataFrame, key: str) -> None:
    config = {
        c: st.column_config.NumberColumn(format="%.9g")
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c])
    }
    # the keyed container names the table (for tests and styling); st.dataframe itself keeps no key
    with st.container(key=key):
        st.dataframe(frame, column_config=config, width="content")


def _tables(run: StepRun, trace: StepTrace, preset: Preset, quiz_pending: bool) -> None:
    names, wn = preset.neuron_names, preset.weight_names or None
    m = trace.x.shape[0]
    L = run.n_layers
    st.markdown(
        f"**The batch** — inputs x, shape ({m}, {trace.x.shape[1]}), and targets y, "
        f"shape ({m}, {trace.y.shape[1]})"
    )
    _df(input_frame(trace, names), "step_tbl_batch")
    if not run.shows("forward"):
        st.caption("The layer tables appear as the phases compute them.")
        return
    if run.shows("loss"):
        shares = output_loss_shares(trace.forward, trace.loss_trace)
        frame = per_sample_frame(shares, names, L)
        frame.columns = [f"share of {n}" for n in names[-1]]
        frame.insert(0, "sample loss L_s", trace.per_sample_loss)
        st.markdown(
            f"**Loss** ({trace.loss_trace.name}): each sample's loss and each output's share; "
            f"L = their mean = {num(trace.loss)}"
        )
        _df(frame, "step_tbl_loss")
    for l in _table_layers(L):
        n_in, n_out = trace.net_before.weights[l].shape
        act = trace.net_before.activations[l]
        st.markdown(f"##### {layer_title(l + 1, L).capitalize()} — {n_out} neuron(s), activation {act}")
        cols = st.columns(2)
        with cols[0]:
            st.caption(f"z = a_prev @ W + b, shape ({m}, {n_out})")
            _df(per_sample_frame(trace.z[l], names, l + 1), f"step_tbl_z{l}")
        with cols[1]:
            st.caption(f"a = {trace.net_before.activations[l]}(z), shape ({m}, {n_out})")
            _df(per_sample_frame(trace.a[l], names, l + 1), f"step_tbl_a{l}")
        if not (run.shows("backward") and run.reached(l)):
            continue
        if quiz_pending:
            st.caption("delta, dW and db are hidden until you answer the quiz.")
            continue
        # the matrix view: all of the layer's gradients in one product, delta in the middle
        shapes = f"({n_in}, {m}) @ ({m}, {n_out}) = ({n_in}, {n_out})"
        st.markdown(f"**Backward, matrix view:** dW = a_prevᵀ @ delta — shapes {shapes}")
        left, middle, right = matrix_view(trace, names, l)
        cols = st.columns([1, 0.1, 1, 0.1, 1])
        with cols[0]:
            st.caption(f"a_prevᵀ: the layer's inputs, shape ({n_in}, {m})")
            _df(left, f"step_tbl_aT{l}")
        cols[1].markdown("### @")
        with cols[2]:
            st.caption(f"delta = dL/dz, shape ({m}, {n_out})")
            _df(middle, f"step_tbl_delta{l}")
        cols[3].markdown("### =")
        with cols[4]:
            st.caption(f"dW = dL/dW, shape ({n_in}, {n_out}): rows from, columns to")
            _df(right, f"step_tbl_dW{l}")
        cols = st.columns([1, 2.2])
        with cols[0]:
            st.caption(f"db = delta summed over the samples, shape ({n_out},)")
            _df(bias_frame(trace.db[l], names, l, "db"), f"step_tbl_db{l}")
        with cols[1]:
            st.caption(
                "Per-weight view: dL/dw = sum over samples of a_prev · delta, worked out weight by weight "
                "with the chain rule; the matrix product above does all of them at once. The last two "
                "columns agree."
            )
            _df(per_weight_frame(trace, names, l, wn), f"step_tbl_pw{l}")
    if run.phase == "update":
        if quiz_pending:
            st.caption("The updated parameters are hidden until you answer the quiz.")
            return
        st.markdown("**Every parameter: before, gradient, change, after**")
        _df(parameters_frame(trace, names, wn, include_biases=not preset.fixed_biases), "step_tbl_params")


def _table_layers(n_layers: int) -> list[int]:
    """The layers whose tables are drawn: all of them for a small network; for a deeper one the
    layer the learner picks (drawing every table of every layer would slow each step down)."""
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


def _gradient_check(key: str, run: StepRun, trace: StepTrace, preset: Preset, controls: Controls) -> None:
    ss = st.session_state
    st.markdown(GRADCHECK_TEXT)
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
        "agree" if gc.max_rel_error < 1e-5 else "disagree somewhere: look at the largest relative errors"
    )
    st.caption(f"Backprop and finite differences {verdict}.")
    _df(gradcheck_frame(gc, preset.neuron_names, preset.weight_names or None), "step_tbl_gradcheck")


# -- export -------------------------------------------------------------------------------------


def _export(run: StepRun, trace: StepTrace, preset: Preset, controls: Controls) -> None:
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
