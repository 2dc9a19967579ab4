"""Twin pages for ``bench_clicks.py --twins``: each lab page's Streamlit elements, plainly made.

A lab page with nine charts, twenty widgets and ten expanders cannot open as fast as an app that
redraws one chart, whatever the lab does: Streamlit itself has to build, send and draw every
element. The twin of a page is the yardstick for that floor. It is generated from the page as a
learner first sees it (``AppTest`` at its defaults): the same elements in the same nesting (sidebar,
columns, tabs, expanders), each made the ordinary way with the plainest content - a chart is a
50-point line built with Plotly's validation, a table 6 x 4 numbers, a paragraph two plain
sentences (no formulas). Opening a page's twin is what those elements cost in Streamlit; the lab's
own content (formulas, contour plots, many traces) is what the page adds on top.

Not part of the app. ``write_twin_app(folder)`` writes a multipage app of the twins there.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

HEAD = '''"""Twin of {page}: its Streamlit elements with plain content (benchmarks/click_twins.py)."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

X = np.linspace(0.0, 6.0, 50)
DF = pd.DataFrame(np.arange(24.0).reshape(6, 4), columns=list("abcd"))


def chart(k):
    fig = go.Figure(go.Scatter(x=X, y=np.sin(X + k), mode="lines"))
    fig.update_layout(title=f"Chart {{k}}", height=350)
    return fig


st.set_page_config(page_title="{title}", layout="wide")
'''

PARAGRAPH = "A plain paragraph with **bold** words, as long as a short explanation. " * 2
# leaf element type -> the plain statement that makes one ({k}: a number unique on the page)
LEAVES = {
    "title": 'st.title("{title}")',
    "header": 'st.header("Section {k}")',
    "subheader": 'st.subheader("Part {k}")',
    "markdown": f"st.markdown({PARAGRAPH!r})",
    "caption": 'st.caption("A caption under a chart, one sentence long.")',
    "code": 'st.code("z = W @ a + b\\na = f(z)\\ndelta = dL_da * df(z)\\n", language="python")',
    "dataframe": "st.dataframe(DF)",
    "table": "st.table(DF)",
    "plotly_chart": 'st.plotly_chart(chart({k}), key="chart{k}")',
    "metric": 'st.metric("loss", "0.25", "-0.01")',
    "info": 'st.info("A short note.")',
    "success": 'st.success("A short note.")',
    "warning": 'st.warning("A short note.")',
    "error": 'st.error("A short note.")',
    "progress": "st.progress(0.3)",
    "latex": r'st.latex(r"\delta = \frac{{\partial L}}{{\partial z}}")',
    "divider": "st.divider()",
    "page_link": 'st.markdown("[A page](#)")',
    "button": 'st.button("Button {k}", key="b{k}")',
    "download_button": 'st.download_button("Download {k}", "text", file_name="x.txt", key="d{k}")',
    "selectbox": 'st.selectbox("Choice {k}", ["a", "b", "c"], key="s{k}")',
    "select_slider": 'st.select_slider("Level {k}", [0.1, 0.2, 0.5, 1.0], key="ss{k}")',
    "slider": 'st.slider("Amount {k}", 0, 10, 3, key="sl{k}")',
    "number_input": 'st.number_input("Number {k}", value=1.0, key="n{k}")',
    "toggle": 'st.toggle("Switch {k}", key="t{k}")',
    "checkbox": 'st.checkbox("Check {k}", key="cb{k}")',
    "radio": 'st.radio("Option {k}", ["a", "b"], horizontal=True, key="r{k}")',
    "button_group": 'st.segmented_control("Mode {k}", ["a", "b"], default="a", key="g{k}")',
    "multiselect": 'st.multiselect("Pick {k}", ["a", "b", "c"], default=["a"], key="m{k}")',
    "file_uploader": 'st.file_uploader("File {k}", key="f{k}")',
    "text_input": 'st.text_input("Text {k}", key="ti{k}")',
}
# what a twin leaves out: Streamlit's own bookkeeping, and the lab's one custom component and CSS
SKIPPED = {"event", "empty", "html", "bidi_component"}


def page_tree(page: str) -> Any:
    """The element tree of ``pages/<page>`` at its defaults (``AppTest``)."""
    from streamlit.testing.v1 import AppTest

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120).run()
    if at.exception:
        raise SystemExit(f"{page} raised in AppTest: {at.exception[0].message}")
    return at._tree


def _children(node: Any) -> list:
    children = getattr(node, "children", None)
    return list(children.values()) if isinstance(children, dict) else []


class _Writer:
    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[str] = []
        self.k = 0
        self.unknown: set[str] = set()

    def put(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def block(self, depth: int, nodes: list) -> None:
        """The statements for ``nodes`` at ``depth``; ``pass`` for an empty block."""
        before = len(self.lines)
        for node in nodes:
            self.node(depth, node)
        if len(self.lines) == before:
            self.put(depth, "pass")

    def node(self, depth: int, node: Any) -> None:
        kind = getattr(node, "type", None)
        self.k += 1
        k = self.k
        if kind in ("root", "main", "transparent"):
            for child in _children(node):
                self.node(depth, child)
        elif kind == "sidebar":
            self.put(depth, "with st.sidebar:")
            self.block(depth + 1, _children(node))
        elif kind == "expander":
            self.put(depth, f"with st.expander({node.label!r}):")
            self.block(depth + 1, _children(node))
        elif kind == "tab_container":
            tabs = _children(node)
            self.put(depth, f"tabs{k} = st.tabs({[t.label for t in tabs]!r})")
            for i, tab in enumerate(tabs):
                self.put(depth, f"with tabs{k}[{i}]:")
                self.block(depth + 1, _children(tab))
        elif kind == "flex_container":
            children = _children(node)
            if children and all(getattr(c, "type", None) == "column" for c in children):
                self.put(depth, f"cols{k} = st.columns({len(children)})")
                for i, col in enumerate(children):
                    self.put(depth, f"with cols{k}[{i}]:")
                    self.block(depth + 1, _children(col))
            else:
                self.put(depth, "with st.container():")
                self.block(depth + 1, children)
        elif kind in LEAVES:
            self.put(depth, LEAVES[kind].format(k=k, title=self.title))
        elif kind not in SKIPPED:
            self.unknown.add(str(kind))


def twin_source(page: str, title: str) -> tuple[str, set[str]]:
    """The twin page's source and the element types it could not make (none, normally)."""
    writer = _Writer(title)
    writer.node(0, page_tree(page))
    return HEAD.format(page=page, title=title) + "\n".join(writer.lines) + "\n", writer.unknown


def write_twin_app(folder: Path, pages: list[tuple[str, str]]) -> dict[str, str]:
    """A multipage app in ``folder``: a one-line home and a twin of each ``(page file, title)``.

    Returns each page file's twin link text (the twin's name in Streamlit's own sidebar menu).
    """
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text('import streamlit as st\n\nst.title("Twins")\nst.markdown("Home.")\n')
    links = {}
    for i, (page, title) in enumerate(pages, start=1):
        source, unknown = twin_source(page, title)
        if unknown:
            print(f"  twin of {page}: left out {', '.join(sorted(unknown))}", flush=True)
        stem = f"{i}_Twin_{page.removesuffix('.py').split('_', 1)[1]}"
        (folder / "pages" / f"{stem}.py").write_text(source)
        links[page] = stem.split("_", 1)[1].replace("_", " ")
    return links
