"""Play/Pause for every lab that trains live: one two-option control, its state in ``st.session_state``.

Play/Pause is a two-state control rather than a button: a click that lands while a Play tick is
running can be lost, but a widget's value travels with every later request and cannot be.

A lab keeps ``st.session_state[f"{prefix}_playing"]`` (a bool) and calls ``play_pause(prefix)``
where the control belongs. The page decides the fragment's ``run_every`` from that flag::

    playing = play_pause("pg", disabled=stopped)

    @st.fragment(run_every=TICK_SECONDS if playing else None)
    def live() -> None: ...
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

PLAY, PAUSE = "▶ Play", "⏸ Pause"


def playing_key(prefix: str) -> str:
    """The session-state key of a lab's Play flag."""
    return f"{prefix}_playing"


def play_pause(
    prefix: str,
    *,
    disabled: bool = False,
    on_switch: Callable[[bool], None] | None = None,
) -> bool:
    """Draw the Play/Pause control bound to ``f"{prefix}_playing"``; return whether Play is on.

    ``on_switch(playing)`` runs in the control's callback, before the rerun, when the learner
    switches (e.g. to clear a note or to ask for a whole-page redraw).
    """
    state = st.session_state
    flag, mode = playing_key(prefix), f"{prefix}_play_mode"
    state.setdefault(flag, False)

    def _changed() -> None:
        state[flag] = state[mode] == PLAY
        if on_switch is not None:
            on_switch(state[flag])

    state[mode] = PLAY if state[flag] else PAUSE
    st.segmented_control(
        "Play or pause",
        (PLAY, PAUSE),
        key=mode,
        on_change=_changed,
        required=True,
        disabled=disabled,
        label_visibility="collapsed",
    )
    return bool(state[flag])
