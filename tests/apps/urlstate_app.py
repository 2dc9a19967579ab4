"""A tiny page for AppTest: URL settings of every kind, read and reported by ui.urlstate."""

import streamlit as st

from ui.urlstate import UrlSetting, choice, flag, int_list, number, seed_from_url, show_notices


def strict_int(text: str) -> int:
    return int(text)  # lets Python's own message out on purpose: it must not reach the page


def names(text: str) -> list[str]:
    unknown = [n for n in text.split(",") if n not in ("tanh", "relu")]
    if unknown:
        raise ValueError(f"unknown activation(s) {', '.join(unknown)}; expected tanh or relu")
    return text.split(",")


PARAMS = (
    number("seed", "demo_seed", 0, 9999, integer=True),
    number("lr", "demo_lr", 1e-5, 10.0),
    choice("act", "demo_act", ["tanh", "relu"]),
    flag("bias", "demo_bias"),
    int_list("sizes", "demo_sizes", 1, 8, 4),
    UrlSetting("steps", "demo_steps", strict_int),
    UrlSetting("acts", "demo_acts", names),
)
st.session_state.setdefault("demo_seed", 0)
show_notices(seed_from_url(PARAMS, "demo_url_seen"))
st.write(f"seed {st.session_state.demo_seed}")
