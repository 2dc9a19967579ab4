"""Where a Play tick's server CPU goes, without a browser: the vanishing lab's and the playground's.

``bench_classroom.py`` measures a whole server per visible update in Chromium; on a loaded machine
its updates/s (and so its ms per update) move a lot from run to run. This runs each lab's tick as a
script in Streamlit's ``AppTest`` (a real script run: elements, session state, no browser) and
measures the script thread's CPU time (``time.thread_time``) of the tick and of each of its parts:
training, figure building, ``st.plotly_chart`` (the figure to the dict and JSON Streamlit sends),
the other elements. The first ``--warm`` ticks are left out; the lab trains ``PLAY_STEP`` (or the
playground's speed) iterations per tick as in Play, so the histories grow as they do in a classroom.
What a real server adds on top (its event loop, the websocket, the browser's requests) is not here.

Run: ``python benchmarks/bench_tick.py`` (``--ticks 60 --warm 20``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the script AppTest runs; {root}, {ticks} and {warm} are filled in. Each run is one tick.
PRELUDE = """
import functools, sys, time
sys.path.insert(0, {root!r})
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

state = st.session_state
T = state.setdefault("bench_parts", {{}})
tick = state["bench_tick"] = state.get("bench_tick", -1) + 1


def timed(name, fn):
    if getattr(fn, "bench_timed", False):
        return fn

    @functools.wraps(fn)
    def run(*args, **kwargs):
        t0 = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            # read from the session each call: a wrapper made in an earlier run outlives that run
            parts = st.session_state["bench_parts"]
            if st.session_state["bench_tick"] > {warm}:
                parts[name] = parts.get(name, 0.0) + time.thread_time() - t0

    run.bench_timed = True
    return run


for name in ("columns", "select_slider", "button", "markdown", "container", "caption", "info"):
    setattr(st, name, timed("st." + name, getattr(st, name)))
DeltaGenerator.metric = timed("st.metric", DeltaGenerator.metric)
"""

VANISHING = """
import labs.vanishing.view_sections as vs
from labs.vanishing.view_settings import DEFAULTS, current_lab, setup_from_state
from ui.common import ensure_state

for name in ("train_current_lab", "plotly_chart", "loss_curves_figure", "heatmap_figure", "heatmap_gaps",
             "loss_notes", "write_url", "clicks_since", "play_pause"):
    setattr(vs, name, timed(name, getattr(vs, name)))
ensure_state(DEFAULTS)
setup = setup_from_state()
lab = current_lab(setup)
state.vg_playing = True
t0 = time.thread_time()
vs.section_training(setup, lab, [])
if tick > {warm}:
    T["TICK"] = T.get("TICK", 0.0) + time.thread_time() - t0
state.bench_iteration = state.vg_lab.iteration
"""

PLAYGROUND = """
import labs.playground.view_panels as vp
from labs.playground.view import render
from labs.playground.view_session import train
from labs.playground.view_settings import read_settings

for name in ("plotly_chart", "boundary_figure", "loss_figure", "grid_outputs", "predict", "counter_text"):
    setattr(vp, name, timed(name, getattr(vp, name)))
if tick == 0:
    render()  # the page once, as a learner opens it; every later run is one Play tick
else:
    state.pg_playing = True
    t0 = time.thread_time()
    timed("train", train)(state, iterations=read_settings(state).speed)
    vp.live_panel(state)
    if tick > {warm}:
        T["TICK"] = T.get("TICK", 0.0) + time.thread_time() - t0
state.bench_iteration = state.pg_run.iteration
"""


def measure(name: str, body: str, ticks: int, warm: int) -> None:
    from streamlit.testing.v1 import AppTest

    script = PRELUDE.format(root=str(ROOT), warm=warm) + body.format(warm=warm)
    at = AppTest.from_string(script, default_timeout=120)
    for _ in range(ticks + 1):
        at.run()
        if at.exception:
            raise SystemExit(f"{name}: the tick raised {at.exception[0].message}")
    parts = dict(at.session_state["bench_parts"])
    counted = ticks - warm
    total = parts.pop("TICK")
    print(f"\n{name}: {1000 * total / counted:.2f} ms of script-thread CPU per tick "
          f"(ticks {warm + 1}-{ticks}, at iteration {at.session_state['bench_iteration']})")  # fmt: skip
    shown = 0.0
    for part, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {part:<22}{1000 * seconds / counted:7.2f} ms")
        shown += seconds
    print(f"  {'(the rest)':<22}{1000 * (total - shown) / counted:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=60, help="ticks per lab (60)")
    parser.add_argument("--warm", type=int, default=20, help="first ticks left out (20)")
    args = parser.parse_args()
    if not 1 <= args.warm < args.ticks <= 2000:
        raise SystemExit("need 1 <= --warm < --ticks <= 2000")
    from ui.tuning import tune_process

    tune_process()  # as the pages do: one BLAS thread, freed memory kept
    measure("Vanishing gradients", VANISHING, args.ticks, args.warm)
    measure("Training playground", PLAYGROUND, args.ticks, args.warm)
    print("\nPlay/Pause and the section header are drawn outside the ticking fragment in the app; they")
    print("are timed here because the script draws the whole section. Compare runs on one machine.")


if __name__ == "__main__":
    main()
