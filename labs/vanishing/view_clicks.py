"""Every click on "Train" counts: a click counter that travels as widget *state*, not as a trigger.

Streamlit merges the trigger values of clicks on one button that reach the server before its next
run starts into one press: measured in Chromium, 10 clicks a second trained 48 of 80. A value, by
contrast, is never lost: the newest one wins. This tiny component listens (capture phase) for
clicks on the train button, counts them in the page and sends the count as its state; the
button's own click never reaches Streamlit, so nothing is counted twice. The server trains one
press for every click it has not seen yet. Without a browser (AppTest) the component sends
nothing and the button's trigger is the press, as before.
"""

from __future__ import annotations

import streamlit as st

COUNTER_JS = """
export default function (component) {
    const { setStateValue, data } = component;
    const box = (window.__bpTrainClicks = window.__bpTrainClicks || {});
    const mine = (box[data.selector] = box[data.selector] || { n: 0, send: null });
    // a reload starts a new session at 0; a redraw of the same session must not go back
    mine.n = Math.max(mine.n, data.seen);
    mine.send = (n) => setStateValue("clicks", n);
    // a click sent while the page was redrawing may have gone to the instance that was replaced:
    // the new one sends the count again until the server has seen every click
    if (mine.n > data.seen) mine.send(mine.n);
    if (!mine.listening) {
        mine.listening = true;
        document.addEventListener("click", (event) => {
            const button = event.target.closest && event.target.closest(data.selector);
            if (!button || button.disabled) return;
            event.stopPropagation();
            event.preventDefault();
            mine.n += 1;
            mine.send(mine.n);
        }, true);
    }
}
"""

_counter = st.components.v2.component("backprop_lab_click_counter", js=COUNTER_JS, isolate_styles=False)


def clicks_since(key: str, button_key: str) -> int:
    """Mount the counter for the button ``button_key``; return the clicks not handled yet.

    ``st.session_state[f"{key}_seen"]`` keeps how many clicks the server has handled.
    """
    seen_key = f"{key}_seen"
    seen = int(st.session_state.get(seen_key, 0))
    result = _counter(
        key=key,
        data={"selector": f".st-key-{button_key} button", "seen": seen},
        default={"clicks": 0},
        on_clicks_change=lambda: None,
        height=0,
    )
    clicks = (
        int(result.get("clicks") or 0) if hasattr(result, "get") else int(getattr(result, "clicks", 0) or 0)
    )
    new = max(0, clicks - seen)
    st.session_state[seen_key] = max(seen, clicks)
    return new
