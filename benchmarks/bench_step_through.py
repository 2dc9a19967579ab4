"""How long the server takes to handle one button press on the step-through page, per preset.

Each step button (Forward, Loss, Backward per layer, Update) is pressed through
``streamlit.testing.v1.AppTest``, three iterations in a row, and timed three ways:

* **fragment**: the time the script spends in the stepper fragment, measured inside the script
  (a harness whose later runs call only ``stepper``, exactly what the browser's fragment rerun
  executes: the engine, the figures and every Streamlit element, serialised). This is the number
  the 100 ms budget applies to.
* **whole page**: the whole page script, measured the same way. AppTest does not simulate
  fragments, so a press reruns everything there; in the browser only the fragment reruns.
* **AppTest wall**: the wall time of ``click().run()``, which adds AppTest's own polling and
  parsing on top: an upper bound.

The worst case for "custom" is the largest network a learner can build: 6-6-6-6-6-6 (four hidden
layers of six neurons) with a batch of 8. The machine is shared and noisy: medians of repeated
presses in one run are printed, with the maximum beside them.

Run: ``python benchmarks/bench_step_through.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

BUDGET_MS = 100.0
PAGE = ROOT / "pages" / "1_Step_through.py"
CASES = {
    "single weight": {"preset": "single"},
    "classic 2-2-2": {"preset": "classic"},
    "tiny classifier": {"preset": "tiny"},
    "custom 6-6-6-6-6-6, batch 8": {"preset": "custom", "sizes": "6-6-6-6-6-6", "batch": "8"},
}

# Later runs of this harness execute only the stepper fragment and time it from inside the script.
FRAGMENT_SCRIPT = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from labs.step_through.view_controls import apply_url_position, read_url, setup_state, sidebar
from labs.step_through.view_sections import stepper

if "bench_setup" not in st.session_state:
    setup_state()
    notices, fresh = read_url()
    st.session_state.bench_setup = sidebar()
    apply_url_position(st.session_state.bench_setup, fresh, notices)
start = time.perf_counter()
stepper(st.session_state.bench_setup)
st.session_state.bench_ms = (time.perf_counter() - start) * 1e3
"""

# The whole page, timed from inside the script.
PAGE_SCRIPT = f"""
import runpy, sys, time
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
start = time.perf_counter()
runpy.run_path({str(PAGE)!r}, run_name="__main__")
st.session_state.bench_ms = (time.perf_counter() - start) * 1e3
"""


def press_all(script: str, query: dict[str, str], iterations: int = 3) -> tuple[list[float], list[float]]:
    """Press every enabled phase button in order for ``iterations`` iterations.

    Returns (in-script milliseconds, AppTest wall milliseconds), one pair per press.
    """
    at = AppTest.from_string(script, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    inside, wall = [], []
    for _ in range(iterations):
        for action in ("forward", "loss", *(["backward"] * 6), "update"):
            button = at.button(key=f"step_btn_{action}")
            if button.disabled:
                continue
            start = time.perf_counter()
            button.click().run()
            wall.append((time.perf_counter() - start) * 1e3)
            assert not at.exception, at.exception
            inside.append(float(at.session_state["bench_ms"]))
    return inside, wall


def main() -> None:
    print(f"Step-through: server time per button press (budget {BUDGET_MS:.0f} ms)")
    print("medians over every phase of three iterations, maximum in brackets\n")
    print(f"{'preset':30} {'presses':>7}   {'fragment':>17}   {'whole page':>17}   {'AppTest wall':>17}")
    worst = 0.0
    for case, query in CASES.items():
        fragment, wall = press_all(FRAGMENT_SCRIPT, query)
        page, _ = press_all(PAGE_SCRIPT, query)
        f_med = statistics.median(fragment)
        worst = max(worst, f_med)

        def cell(values: list[float]) -> str:
            return f"{statistics.median(values):6.1f} ms ({max(values):5.0f})"

        print(f"{case:30} {len(fragment):>7}   {cell(fragment):>17}   {cell(page):>17}   {cell(wall):>17}")
    verdict = "within" if worst <= BUDGET_MS else "OVER"
    print(f"\nWorst fragment median: {worst:.1f} ms -> {verdict} the {BUDGET_MS:.0f} ms budget.")


if __name__ == "__main__":
    main()
