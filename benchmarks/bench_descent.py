"""How long the gradient descent lab takes, server-side, to handle one control change.

In the app every section is a fragment, so changing a control reruns only its own section. This
script runs each section alone in AppTest (exactly the code the fragment runs: widgets, engine
calls, figures, tables, serialisation), changes one control to a value it has not had before
(so the engine's cache misses, as for a learner trying something new) and times the rerun.
It prints the median and worst time per control against the 150 ms budget, the cost of an
AppTest rerun of a page that does nothing (harness overhead, included in every number), and,
for reference, whole-page reruns (AppTest does not run fragments on their own).

Run: ``python benchmarks/bench_descent.py`` (the machine is shared: numbers from one run).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

BUDGET_MS = 150.0


def _section(name: str) -> None:
    """The script of one section: its state set up as the page does, then the section alone.

    AppTest runs this function's source as the script, passing ``name`` (a function of
    ``labs.descent.view_sections`` or ``labs.descent.view_sections_batches``), so everything it
    needs is imported inside.
    """
    from labs.descent import view_sections, view_sections_batches
    from labs.descent.view_settings import DEFAULTS
    from ui.common import ensure_state

    ensure_state(DEFAULTS)
    module = view_sections if hasattr(view_sections, name) else view_sections_batches
    getattr(module, name)()


def _empty() -> None:
    import streamlit as st

    st.write("nothing")


# (section function, widget kind, key, values to step through: each new to the cache)
CONTROLS = (
    ("section_one_weight", "select_slider", "gd_s1_lr", [0.003, 0.015, 0.025, 0.035, 0.045, 5.0]),
    ("section_one_weight", "slider", "gd_s1_w0", [-1.0, 0.5, 4.0, 7.5, 9.9]),
    ("section_one_weight", "slider", "gd_s1_steps", [17, 29, 41, 50, 3]),
    ("section_surfaces", "selectbox", "gd_s2_surface", ["ravine", "curved valley", "single neuron (w, b)"]),
    ("section_surfaces", "number_input", "gd_s2_w1", [-2.5, -1.0, 0.5, 2.0, 4.5]),
    ("section_surfaces", "number_input", "gd_s2_w2", [-4.0, -2.0, 1.0, 2.0, 4.0]),
    ("section_surfaces", "number_input", "gd_s2_steps", [300, 400, 500, 250, 350]),
    ("section_surfaces", "number_input", "gd_s2_thr", [0.33, 0.35, 0.4, 0.5, 1.0]),
    ("section_surfaces", "select_slider", "gd_s2_lr_sgd", [0.3, 2.0, 3.0, 5.0, 10.0]),
    ("section_surfaces", "select_slider", "gd_s2_lr_momentum", [0.03, 0.05, 0.2, 0.3, 0.5]),
    ("section_surfaces", "select_slider", "gd_s2_beta", [0.5, 0.8, 0.95, 0.99, 0.0]),
    ("section_surfaces", "select_slider", "gd_s2_lr_adam", [0.05, 0.3, 0.5, 1.0, 2.0]),
    ("section_surfaces", "select_slider", "gd_s2_beta1", [0.5, 0.8, 0.95, 0.99, 0.0]),
    ("section_surfaces", "select_slider", "gd_s2_beta2", [0.9, 0.99, 0.9999]),
    ("section_batches", "select_slider", "gd_s3_lr", [0.1, 0.2, 0.3, 1.0, 2.0]),
    ("section_batches", "slider", "gd_s3_epochs", [20, 19, 18, 17, 16]),
    ("section_batches", "select_slider", "gd_s3_batch", [2, 3, 4, 8, 12]),
    ("section_batches", "number_input", "gd_s3_seed", [1, 2, 3, 4, 5]),
    ("section_batches", "number_input", "gd_s3_w", [-2.0, -1.0, 0.0, 1.0, 2.0]),
    ("section_batches", "number_input", "gd_s3_b", [-2.0, -1.0, 0.0, 1.0, 2.0]),
    ("section_zero_grad", "toggle", "gd_s4_forget", [True, False]),
    ("section_zero_grad", "select_slider", "gd_s4_lr", [0.001, 0.003, 0.005, 0.02, 0.04]),
    ("section_zero_grad", "slider", "gd_s4_steps", [20, 30, 40, 25, 35]),
    ("section_zero_grad", "slider", "gd_s4_k", [2, 3, 7, 12, 24]),
)


def _timed_run(at: AppTest) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one rerun.

    CPU time (``time.process_time``: every thread of this process) is the work the server does;
    on a shared, busy machine the wall-clock time also counts waiting for a free core.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    wall, cpu = (time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return wall, cpu


def main() -> None:
    import streamlit as st

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average before the run: {load} ({os.cpu_count()} cores)")
    empty = AppTest.from_function(_empty, default_timeout=60).run()
    overhead = statistics.median(_timed_run(empty)[0] for _ in range(7))
    print(f"AppTest rerun of a page that only writes text (harness overhead): {overhead:.0f} ms")
    print(f"\nOne section rerun per control change (= the fragment's work), budget {BUDGET_MS:.0f} ms.")
    print("CPU = server work; wall = CPU + waiting for a core on this shared machine.")
    header = f"{'CPU median':>10s} {'CPU worst':>10s} {'wall median':>12s} {'worst CPU/budget':>17s}"
    print(f"{'control':22s} {header}")
    worst_all = 0.0
    for section, kind, key, values in CONTROLS:
        st.cache_data.clear()
        at = AppTest.from_function(_section, args=(section,), default_timeout=60).run()
        _timed_run(at)  # warm: the defaults are now cached, as after the page's first load
        walls, cpus = [], []
        for value in values:
            getattr(at, kind)(key=key).set_value(value)
            wall, cpu = _timed_run(at)
            walls.append(wall)
            cpus.append(cpu)
        worst = max(cpus)
        worst_all = max(worst_all, worst)
        row = f"{statistics.median(cpus):10.0f} {worst:10.0f} {statistics.median(walls):12.0f}"
        print(f"{key:22s} {row} {worst / BUDGET_MS:17.2f}")
    ratio = worst_all / BUDGET_MS
    print(f"\nworst control change (CPU): {worst_all:.0f} ms = {ratio:.2f} x the {BUDGET_MS:.0f} ms budget")

    print("\nFor reference, whole-page reruns (all four sections; the browser reruns only one):")
    st.cache_data.clear()
    page = AppTest.from_file(str(ROOT / "pages" / "3_Gradient_descent.py"), default_timeout=60)
    wall, cpu = _timed_run(page)
    print(f"first load, nothing cached: CPU {cpu:.0f} ms, wall {wall:.0f} ms")
    for kind, key, value in (("select_slider", "gd_s1_lr", 0.03), ("select_slider", "gd_s2_lr_sgd", 0.5)):
        getattr(page, kind)(key=key).set_value(value)
        wall, cpu = _timed_run(page)
        print(f"whole page after {key} -> {value}: CPU {cpu:.0f} ms, wall {wall:.0f} ms")


if __name__ == "__main__":
    main()
