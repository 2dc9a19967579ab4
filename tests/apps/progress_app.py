"""A tiny page for AppTest: a counter with a Save progress / Load progress pair."""

import streamlit as st

from backprop_core.progress import require
from ui.progress import progress_controls

st.session_state.setdefault("demo_count", 0)
st.session_state.setdefault("demo_history", [])


def dump() -> dict:
    return {"count": st.session_state.demo_count, "history": list(st.session_state.demo_history)}


def load(payload: dict) -> str:
    require(payload, "count", "history")
    count = payload["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError("the saved count is not a whole number of at least 0")
    history = [float(h) for h in payload["history"]]  # everything checked before anything changes
    st.session_state.demo_count = count
    st.session_state.demo_history = history
    return f"iteration {count}"


if st.button("step", key="demo_step"):
    st.session_state.demo_count += 1
    st.session_state.demo_history.append(st.session_state.demo_count / 3)
st.write(f"count {st.session_state.demo_count}")
progress_controls("demo", key="demo", dump=dump, load=load)
