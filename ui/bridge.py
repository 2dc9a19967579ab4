"""The bridges from a lab's numbers to code: "The same in PyTorch" and "Show the code".

``pytorch_expander`` shows a script (from ``backprop_core.pytorch``) for the current state with
a ``.py`` and a notebook download and a table of what the script prints beside the page's
numbers. ``show_code`` shows the source of the engine functions behind what the learner sees,
as ``streamlit hello`` does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from backprop_core.pytorch.common import CompareRow
from backprop_core.pytorch.notebook import make_notebook

# longer scripts are shown cut short (the downloads always hold the whole script)
PREVIEW_CHARS = 40_000
CODE_HEIGHT = 420  # pixels


def pytorch_expander(
    script: str,
    rows: Sequence[CompareRow],
    *,
    file_stem: str,
    key: str,
    title: str = "The same in PyTorch",
    intro: str = "",
) -> None:
    """An expander with the script, its downloads and what it prints beside the page's numbers."""
    with st.expander(f"🔁 {title}"):
        if intro:
            st.markdown(intro)
        # a long script scrolls inside its own box, so the downloads and the table stay close
        height = CODE_HEIGHT if script.count("\n") > 24 else "content"
        if len(script) <= PREVIEW_CHARS:
            st.code(script, language="python", line_numbers=False, height=height)
        else:
            # a wide network's weights make a script of megabytes: too much for the page to show
            st.caption(
                f"The script is {len(script) / 1000:.0f} kB, mostly the network's weights written out "
                f"in full; the first {PREVIEW_CHARS // 1000} kB are shown. The download has all of it."
            )
            preview = script[: script.rfind("\n", 0, PREVIEW_CHARS)] + "\n..."
            st.code(preview, language="python", height=height)
        c1, c2 = st.columns(2)
        c1.download_button(
            "Download the script (.py)",
            script,
            file_name=f"{file_stem}.py",
            mime="text/x-python",
            key=f"{key}_py",
            on_click="ignore",
            width="stretch",
        )
        c2.download_button(
            "Download as a notebook (.ipynb)",
            lambda: make_notebook(title, intro, script, rows),
            file_name=f"{file_stem}.ipynb",
            mime="application/x-ipynb+json",
            key=f"{key}_ipynb",
            on_click="ignore",
            width="stretch",
        )
        if rows:
            st.markdown("**What the script prints, beside what this page shows**")
            frame = pd.DataFrame(
                {
                    "quantity": [r.quantity for r in rows],
                    "in the script": [r.pytorch for r in rows],
                    "this page": [r.value for r in rows],
                }
            )
            st.dataframe(
                frame,
                hide_index=True,
                width="stretch",
                column_config={"this page": st.column_config.NumberColumn(format="%.9g")},
                key=f"{key}_rows",
            )


def show_code(functions: Sequence[Callable], *, first: str, label: str = "Show the code") -> None:
    """An expander with the source of ``functions`` and one line on what to read first."""
    with st.expander(f"🧾 {label}"):
        st.caption(first)
        for fn in functions:
            st.code(inspect.getsource(fn), language="python")
