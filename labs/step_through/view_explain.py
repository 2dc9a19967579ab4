"""The step-through page's equations section and the Quiz me form.

Everything revealed so far stays on screen, in the order the phases computed it: the chosen
neuron's sum and activation, the loss, the chosen weight's chain rule, its update. With Quiz me on,
the gradient (backward) or the new value (update) of the chosen weight waits for the learner's own
answer before its working is shown.
"""

from __future__ import annotations

import streamlit as st

from backprop_core.explain import explain_weight
from backprop_core.trace import StepTrace
from labs.step_through.figures_charts import credit_caption, credit_figure
from labs.step_through.figures_equations import chain_rule, loss_equations, neuron_equations, update_equation
from labs.step_through.model import ParamRef, Preset, param_label
from labs.step_through.model_session import StepRun
from labs.step_through.view_quiz import TOLERANCES, check_answer
from ui.common import show_error
from ui.presenter import plotly_chart
from viz.format import num
from viz.network import layer_title

# -- equations ----------------------------------------------------------------------------------


class Quiz:
    """Which value the quiz is holding back (if any) and what the learner answered."""

    def __init__(self, enabled: bool, kind: str | None, param: ParamRef, truth: float | None, answer: object):
        self.enabled = enabled
        self.kind = kind
        self.param = param
        self.truth = truth
        self.answer = answer

    @property
    def pending(self) -> bool:
        return self.enabled and self.kind is not None and self.answer is None

    @property
    def hidden_param(self) -> ParamRef | None:
        return self.param if self.pending else None

    @property
    def answer_key(self) -> tuple:
        return (self.kind, self.param, None if self.truth is None else round(self.truth, 12))


def quiz_state(run: StepRun, trace: StepTrace, param: ParamRef) -> Quiz:
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
    quiz = Quiz(enabled, kind, param, truth, None)
    if kind is not None:
        quiz.answer = ss.step_quiz_answers.get(quiz.answer_key)
    return quiz


def equations_section(
    run: StepRun,
    trace: StepTrace,
    preset: Preset,
    param: ParamRef,
    neuron: tuple[int, int],
    sample: int,
    quiz: Quiz,
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
            st.latex(eq.display)
            st.caption(eq.note)
        if run.shows("loss"):
            st.markdown(f"**Loss** ({trace.loss_trace.name})")
            for eq in loss_equations(trace, names, sample):
                st.latex(eq.display)
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
    m = trace.x.shape[0]
    per_sample = False
    if m > 1:
        per_sample = st.toggle(
            "Per-sample delta (m · delta)",
            key="step_per_sample",
            help="The engine's delta already carries the 1/m of the batch mean. Textbooks that average "
            "inside dW (Nielsen's BP1-BP4, CS231n) write each sample's own delta, m times larger, and "
            "divide dW by m: switch this on to see the equations their way (same gradient).",
            persist_state="session",
        )
    for eq in chain_rule(e, trace, names, sample, wn, per_sample=per_sample):
        st.latex(eq.display)
        st.caption(eq.note)
    if e.paths:
        # credit assignment made visible: each downstream path's share of this hidden neuron's dL/da
        bars, note = st.columns([1, 1])
        with bars:
            fig = credit_figure(e, names, sample, wn, scale=m if per_sample else 1)
            plotly_chart(fig, key="step_credit_chart")
        with note:
            st.caption(credit_caption(e, names, sample))
    if run.phase != "update":
        return
    st.markdown(f"**Update of {label}**")
    if quiz.enabled and quiz.kind == "new" and not _ask(quiz, f"the new value of {_plain(param, preset)}"):
        return
    eq = update_equation(e, names, wn, frozen=trace.update.freeze_biases)
    st.latex(eq.display)
    st.caption(eq.note)


def _plain(param: ParamRef, preset: Preset) -> str:
    wn = preset.weight_names
    if param in wn:
        return wn[param]
    return param_label(param, preset.neuron_names, wn).split(",")[0]


def _ask(quiz: Quiz, what: str) -> bool:
    """The quiz form; ``True`` once the learner has answered (the working may be shown).

    The form stays while the answer is wrong: a corrected value, submitted with the button or
    with Enter, is graded anew (the verdict always belongs to the last value typed).
    """
    ss = st.session_state
    if quiz.answer is None or not quiz.answer.ok:
        with st.form("step_quiz_form", border=True):
            st.markdown(f"🧠 **Your turn:** what is {what}? Work it out from the numbers above, then check.")
            cols = st.columns([2, 1])
            # the example shows the format only: it must not look like any answer (it read "0.0821",
            # the classic preset's first quiz answer)
            cols[0].text_input("Your value", key="step_quiz_text", placeholder="a number, e.g. -1.5 or 2e-4")
            cols[1].selectbox("Tolerance", list(TOLERANCES), key="step_quiz_tol")
            submitted = st.form_submit_button("Check my answer")
        if submitted:
            typed = ss.get("step_quiz_text", "")
            result = check_answer(typed, quiz.truth, TOLERANCES[ss.step_quiz_tol])
            if result.value is None:
                show_error(result.message)
            else:
                ss.step_quiz_answers[quiz.answer_key] = result
                quiz.answer = result
        if quiz.answer is None:
            st.caption("The working is shown once you have answered.")
            return False
    result = quiz.answer
    (st.success if result.ok else st.error)(f"{result.message} The engine's value: {num(quiz.truth)}.")
    if not result.ok:
        st.caption("Type a corrected value above and press Enter (or the button) to check it again.")
    return True
