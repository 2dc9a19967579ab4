"""How fast the computational-graph lab is: the engine on a 200-node graph, and a step click.

* **engine**: forward + backward (``Builder.trace``) of a 200-node graph using every operation,
  ``graph.evaluate`` of the longest typed expression the limits allow, and ``from_network`` of a
  3-5-5-2 network (about 200 nodes). Budget: 5 ms.
* **step click**: the server-side time of one "Step backward" press on the classic network's graph,
  timed inside the script around the stepper (what the browser's fragment rerun executes: layout,
  figure, step text, order table, all serialised by Streamlit), and the whole page's script per
  press through AppTest (which reruns everything, an upper bound). Budget: 100 ms.

Medians of repeated runs (the machine is shared and noisy), the maximum beside them.
Run: ``python benchmarks/bench_graph.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from backprop_core import MLP  # noqa: E402
from backprop_core.graph import FUNCTIONS, Builder, evaluate, from_network  # noqa: E402

ENGINE_BUDGET_MS = 5.0
CLICK_BUDGET_MS = 100.0


def _timed(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), max(times)


def graph_200(n: int = 200) -> int:
    """A forward + backward pass over an ``n``-node graph: 10 leaves, then operations cycling
    through every kind, each on the last node and an earlier one."""
    b = Builder()
    for k in range(10):
        b.leaf(f"v{k}", 0.1 * (k + 1))
    kinds = ["+", "-", "*", "/", "neg", "**", *FUNCTIONS]
    k = 0
    while len(b.nodes) < n - 1:
        op = kinds[k % len(kinds)]
        last, other = len(b.nodes) - 1, (7 * k) % len(b.nodes)
        if op in ("+", "-", "*"):
            b.op(op, last, other)
        elif op == "/":
            b.op(op, last, b.leaves["v9"])
        elif op == "**":
            b.op(op, last, exponent=2.0)
        elif op == "log":
            b.op("log", b.op("exp", last))
        else:
            b.op(op, last)
        k += 1
    b.op("+", len(b.nodes) - 1, 0)
    b.trace("bench")
    return len(b.nodes)


def engine() -> None:
    print("engine: forward + backward (median / max of repeated runs, budget 5 ms)")
    n = graph_200()

    text = "+".join(["tanh(a*b - c/d)"] * 16)[:300].rstrip("+")
    while True:  # the longest prefix the limits accept
        try:
            evaluate(text, {"a": 0.5, "b": 1.5, "c": 2.0, "d": 3.0})
            break
        except ValueError:
            text = text[: text.rfind("+")]
    values = {"a": 0.5, "b": 1.5, "c": 2.0, "d": 3.0}
    typed_nodes = len(evaluate(text, values).nodes)
    rng = np.random.default_rng(0)
    sizes = (3, 5, 5, 2)
    net = MLP.from_params(
        [rng.normal(size=(a, b)) for a, b in pairwise(sizes)],
        [rng.normal(size=b) for b in sizes[1:]],
        "sigmoid",
    )
    X, Y = rng.normal(size=(1, 3)), rng.uniform(size=(1, 2))
    net_nodes = len(from_network(net, X, Y).nodes)
    cases = [
        (f"Builder, every op, {n} nodes", graph_200),
        (f"evaluate(), {len(text)}-character text, {typed_nodes} nodes", lambda: evaluate(text, values)),
        (f"from_network 3-5-5-2, {net_nodes} nodes", lambda: from_network(net, X, Y)),
    ]
    for label, fn in cases:
        fn()
        med, worst = _timed(fn, 50)
        print(f"  {label:<52} {med:6.2f} ms (max {worst:6.2f})  = {med / ENGINE_BUDGET_MS:.2f} x budget")


# Later runs of this harness execute only the stepper and time it from inside the script.
STEPPER_SCRIPT = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from labs.graph import model
from labs.graph.view import DEFAULTS, stepper
from ui.common import ensure_state

ensure_state(DEFAULTS)
example = model.build(model.CLASSIC)
start = time.perf_counter()
stepper(example)
st.session_state.bench_ms = (time.perf_counter() - start) * 1e3
"""


def clicks(presses: int = 12) -> None:
    print("step click on the classic network's graph (43 nodes; budget 100 ms)")
    at = AppTest.from_string(STEPPER_SCRIPT, default_timeout=60).run()
    inside, wall = [], []
    for _ in range(presses):
        start = time.perf_counter()
        at.button(key="cg_next").click().run()
        wall.append((time.perf_counter() - start) * 1e3)
        inside.append(at.session_state.bench_ms)
    assert not at.exception
    med = statistics.median(inside)
    print(
        f"  stepper (the fragment), inside the script  {med:6.1f} ms (max {max(inside):6.1f})"
        f"  = {med / CLICK_BUDGET_MS:.2f} x budget"
    )
    med_wall = statistics.median(wall)
    print(f"  stepper press, AppTest wall                {med_wall:6.1f} ms (max {max(wall):6.1f})")
    page = AppTest.from_file(str(ROOT / "pages" / "2_Computational_graph.py"), default_timeout=60).run()
    page.radio(key="cg_preset").set_value("classic").run()
    whole = []
    for _ in range(presses):
        start = time.perf_counter()
        page.button(key="cg_next").click().run()
        whole.append((time.perf_counter() - start) * 1e3)
    assert not page.exception
    med = statistics.median(whole)
    print(
        f"  whole page per press, AppTest wall         {med:6.1f} ms (max {max(whole):6.1f})"
        f"  = {med / CLICK_BUDGET_MS:.2f} x budget (the browser reruns only the fragment)"
    )


if __name__ == "__main__":
    engine()
    clicks()
