"""The computational-graph lab's side sections: backward twice, the cache, the classic network's
w5 two ways, and the finite-difference check."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from . import model
from .text import TWICE, cache_text, delta_text


def _twice(delta: int | None) -> None:
    ss = st.session_state
    ss.cg_calls = 1 if delta is None else min(ss.cg_calls + delta, 99)


def section_twice(example: model.Example) -> None:
    st.subheader("Call backward twice")
    st.markdown(TWICE)
    calls = st.session_state.cg_calls
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.button("Call backward() again", key="cg_again", on_click=_twice, args=(1,), width="stretch")
    c2.button("zero_grad(), then backward()", key="cg_zero", on_click=_twice, args=(None,), width="stretch")
    c3.markdown(f"`backward()` has run **{calls}** time(s) since `.grad` was last zeroed.")
    rows = model.backward_twice(example.trace, calls)
    frame = pd.DataFrame(rows, columns=["leaf", "gradient (one backward)", f".grad after {calls} call(s)"])
    st.dataframe(frame, hide_index=True, key="cg_twice")
    try:
        st.page_link(
            "pages/3_Gradient_descent.py",
            label="What this does to training: the gradient descent lab's zero_grad section",
            icon="⛰️",
        )
    except StreamlitAPIException:
        st.caption("See the gradient descent lab's zero_grad section.")  # page run on its own (tests)


def section_cache(example: model.Example) -> None:
    st.subheader("What backward keeps")
    c = model.cache_summary(example.trace)
    st.markdown(cache_text(c))
    frame = pd.DataFrame(c.by_op, columns=["operation", "nodes", "forward values kept"])
    st.dataframe(frame, hide_index=True, key="cg_cache")


def section_classic(example: model.Example) -> None:
    st.subheader("dL/dw5 two ways")
    trace = example.trace
    left, right = st.columns(2)
    with left:
        st.markdown(
            "**From the graph**: the product of local derivatives along each path from w5 to L, summed."
        )
        for leaf in ("w5", "w1"):
            found = model.paths(trace, leaf)
            for k, (path, product) in enumerate(found):
                chain = " → ".join(model.node_label(trace.nodes[i]) for i in path)
                st.markdown(f"- {leaf}, path {k + 1}: {chain}: product **{product:.9f}**")
            total = sum(p for _, p in found)
            st.markdown(f"- sum over {len(found)} path(s): d L/d{leaf} = **{total:.9f}**")
    with right:
        st.markdown(delta_text(model.delta_w5()))
        st.caption(
            "w1 has two paths (through o1 and through o2): the delta recursion sums them in delta(h1)."
        )


def section_fd(example: model.Example) -> None:
    with st.expander("Finite-difference check of every leaf"):
        st.markdown(
            "Each leaf nudged by ±h (h = 1e-6 × max(1, |value|)) and the graph recomputed: "
            "(L(v + h) − L(v − h)) / 2h should match the backward pass to about 1e-8."
        )
        frame = pd.DataFrame(
            model.fd_check(example.trace), columns=["leaf", "backward", "finite difference", "|difference|"]
        )
        st.dataframe(
            frame,
            hide_index=True,
            key="cg_fd",
            column_config={c: st.column_config.NumberColumn(format="%.10g") for c in frame.columns[1:]},
        )
