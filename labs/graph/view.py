"""The computational-graph lab in Streamlit: choose an example, step the backward pass, then the
side sections (``view_sections``). State keys start with ``cg_``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backprop_core import graph
from backprop_core.graph import ExpressionError
from ui.bridge import pytorch_expander, show_code
from ui.common import ensure_state, page_intro, show_error, try_this
from ui.echo import plain_text, quoted
from ui.presenter import plotly_chart
from ui.share import share_link
from ui.urlstate import UrlSetting, choice, number, seed_from_url, show_notices, write_url

from . import model
from .figures import graph_figure
from .text import CUSTOM_HELP, INTRO, TITLE, TRY_THIS, WHY_ORDER, step_lines
from .view_sections import section_cache, section_classic, section_fd, section_twice

DEFAULTS = {
    "cg_preset": "seed",
    "cg_expr": model.DEFAULT_CUSTOM[0],
    "cg_values": model.DEFAULT_CUSTOM[1],
    "cg_step": 0,
    "cg_calls": 1,
    "cg_sig": None,
}
KEEP = {"persist_state": "session"}
URL_MARKER = "cg_url_seen"
MAX_VALUES_TEXT = 400


def text_setting(name: str, key: str, limit: int) -> UrlSetting:
    """Free text from the link (an expression or its values), at most ``limit`` characters; the page
    checks what it means and shows it only with ``st.code``."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"it is {len(text)} characters long; at most {limit} are allowed")
        return text

    return UrlSetting(name, key, parse)


PARAMS: tuple[UrlSetting, ...] = (
    choice("preset", "cg_preset", list(model.PRESETS)),
    text_setting("expr", "cg_expr", graph.MAX_LENGTH),
    text_setting("values", "cg_values", MAX_VALUES_TEXT),
    number("step", "cg_step", 0, 10 * graph.MAX_NODES, integer=True),
    number("calls", "cg_calls", 1, 99, integer=True),
)


def short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choose_example() -> model.Example | None:
    """The preset picker (and the typed expression); None when the typed input is refused."""
    labels = {k: p.label for k, p in model.PRESETS.items()}
    key = st.radio("Example", list(labels), format_func=labels.get, horizontal=True, key="cg_preset", **KEEP)
    st.caption(model.PRESETS[key].description)
    if key == model.CUSTOM:
        c1, c2 = st.columns([3, 2])
        text = c1.text_input(
            "Expression", key="cg_expr", max_chars=graph.MAX_LENGTH, help=CUSTOM_HELP, **KEEP
        )
        values = c2.text_input("Values", key="cg_values", max_chars=MAX_VALUES_TEXT, **KEEP)
        try:
            example = model.build(key, text, values)
        except ExpressionError as e:
            where = f" (column {e.column})" if e.column else ""
            show_error(f"That expression cannot be used: {plain_text(e.problem)}{where}.")
            caret = "\n" + " " * (e.column - 1) + "^" if e.column and e.column <= 120 else ""
            st.code(short(text) + caret, language=None)
            return None
        except ValueError as e:
            show_error(f"Those values cannot be used: {plain_text(str(e))}.")
            st.code(short(values), language=None)
            return None
    else:
        example = model.build(key)
    sig = (key, example.text, example.values)
    ss = st.session_state
    if ss.cg_sig is None:  # the session's first example keeps the step and calls a link gave
        ss.cg_sig = sig
    elif ss.cg_sig != sig:  # a new example starts before its backward pass
        ss.cg_sig, ss.cg_step, ss.cg_calls = sig, 0, 1
    return example


def _move(delta: int | None, total: int) -> None:
    ss = st.session_state
    ss.cg_step = total if delta is None else min(max(ss.cg_step + delta, 0), total)


def stepper(example: model.Example) -> None:
    """The graph and the backward pass, one node per click."""
    trace = example.trace
    total = len(trace.backward_steps)
    step = min(max(int(st.session_state.cg_step), 0), total)
    st.session_state.cg_step = step
    cols = st.columns(4)
    cols[0].button("⏮ Reset", key="cg_reset", on_click=_move, args=(-total, total), width="stretch")
    cols[1].button(
        "◀ Back", key="cg_back", on_click=_move, args=(-1, total), width="stretch", disabled=step == 0
    )
    cols[2].button(
        "Step backward ▶", key="cg_next", on_click=_move, args=(1, total), width="stretch",
        disabled=step == total, type="primary",
    )  # fmt: skip
    cols[3].button("⏭ Run to the end", key="cg_end", on_click=_move, args=(None, total), width="stretch")
    current = trace.backward_steps[step - 1].node if step else None
    fig = graph_figure(trace, model.layout(trace), step, current)
    plotly_chart(fig, key="cg_graph", config={"displayModeBar": False})
    if trace.non_finite:
        st.warning(
            "Some value or gradient is inf or NaN here (for example log(0) or a division by 0).", icon="⚠️"
        )
    left, right = st.columns([3, 2])
    with left:
        if step == 0:
            st.markdown(
                f"The forward pass is done: output = **{trace.value:.6g}**. `backward()` starts at the "
                "output with d(output)/d(output) = 1. Press **Step backward** to process the first node."
            )
        else:
            st.markdown("\n\n".join(step_lines(trace, step - 1)))
        if step == total and total:
            st.success("Backward is done: every leaf's gradient is complete.", icon="✅")
    with right:
        st.markdown("**The order backward follows** (reverse topological)")
        rows = [
            {
                "#": k + 1,
                "node": model.node_label(trace.nodes[s.node]),
                "PyTorch": model.pytorch_names(trace, s.node),
                "gradient": s.upstream if k < step else None,
            }
            for k, s in enumerate(trace.backward_steps)
        ]
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, height=min(38 + 35 * len(rows), 320), key="cg_order"
        )
        with st.expander("Why? this order"):
            st.markdown(WHY_ORDER)


def render() -> None:
    """The whole page."""
    ensure_state(DEFAULTS)
    notices = seed_from_url(PARAMS, URL_MARKER)
    page_intro(TITLE, INTRO, "🕸️")
    show_notices(notices)
    example = choose_example()
    if example is not None:
        st.code(example.trace.expression if not example.is_network else example.text, language="python")
        if example.values:
            st.caption("Values: " + quoted(model.values_text(example.values), limit=120))
        st.fragment(stepper)(example)
        st.divider()
        section_twice(example)
        section_cache(example)
        if example.is_network:
            section_classic(example)
        section_fd(example)
        pytorch_expander(
            example.script,
            model.compare_rows(example),
            file_stem="computational_graph",
            key="cg_pytorch",
            intro="`requires_grad=True` on the leaves, the same expression, `backward()`, then `.grad`. "
            "The script also prints PyTorch's own graph: compare its node names with the table above.",
        )
        show_code(
            [graph.backward, graph.apply],
            first="Read `backward` first: one loop in reverse order, one `+=` per input. `apply` holds each "
            "operation's value beside its local derivatives.",
        )
    try_this(TRY_THIS)
    write_url(PARAMS, marker=URL_MARKER)
    share_link(
        key="cg",
        note="The link restores the example (your expression and values too), how far the backward pass "
        "has gone and how many times backward() ran.",
    )
