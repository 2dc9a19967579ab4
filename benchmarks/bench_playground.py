"""How long the training playground takes, server-side: the boundary grid, one Step, one Play tick.

Budgets (issue 4), on the default set-up (circle, 300 points, 2 hidden layers of 4, tanh, batch 10):

* the 100 x 100 boundary grid: <= 10 ms;
* one Step handled server-side: <= 60 ms.

"Step" is timed two ways. *Page work* is what a Step click makes the server compute for this
page: the training iteration, every figure the page draws (boundary, loss, diagram, neuron map,
gradient flow) and their JSON, exactly as ``st.plotly_chart`` serialises them. *Whole rerun* is
an AppTest run of the full page after a Step click, with the harness's own cost (an AppTest run
of an empty script) subtracted; it adds Streamlit's widget bookkeeping for the ~35 controls.
A Play tick (training ``speed`` = 10 iterations plus the boundary and loss charts) is timed too.

Run: ``python benchmarks/bench_playground.py`` (the machine is shared: numbers from one run).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from backprop_core import predict  # noqa: E402
from labs.playground.figures_boundary import boundary_figure  # noqa: E402
from labs.playground.figures_curves import grad_flow_figure, loss_figure  # noqa: E402
from labs.playground.figures_network import diagram_figure, neuron_figure  # noqa: E402
from labs.playground.model import build_network, class_scores, make_problem  # noqa: E402
from labs.playground.model_boundary import grid_activations, grid_outputs, input_grid  # noqa: E402
from labs.playground.view_session import play_tick, sync, train  # noqa: E402
from labs.playground.view_settings import fit_head, read_settings, set_defaults  # noqa: E402
from ui.tuning import use_one_blas_thread  # noqa: E402

GRID_BUDGET_MS = 10.0
STEP_BUDGET_MS = 60.0
PAGE = str(ROOT / "pages" / "4_Training_playground.py")


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:6.2f} ms, worst {max(samples) * 1e3:6.2f} ms"


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _state() -> dict:
    state: dict = {}
    set_defaults(state)
    s = read_settings(state)
    problem = make_problem(s.dataset, s.points, s.noise, s.test, s.dseed)
    fit_head(state, problem.kind)
    sync(state, read_settings(state), problem)
    train(state, iterations=50)
    return state


def _live_figures(state: dict) -> None:
    setup, run = state["pg_setup"], state["pg_run"]
    problem, net = setup.problem, run.state.net
    boundary = boundary_figure(
        problem,
        setup.grid,
        grid_outputs(net, setup.grid),
        net.output_activation,
        train_out=predict(net, problem.X_train),
        test_out=predict(net, problem.X_test),
        title="t",
    )
    loss = loss_figure(run, marker=run.iteration, title="t")
    for fig in (boundary, loss):
        pio.to_json(fig, validate=False)


def _inspect_figures(state: dict) -> None:
    setup, run = state["pg_setup"], state["pg_run"]
    snap = run.latest
    acts = grid_activations(snap.net, setup.grid)
    figs = (
        diagram_figure(snap, selected=(1, 0)),
        neuron_figure(setup.grid, acts[1][..., 0], "layer 1, neuron 1", "tanh"),
        grad_flow_figure(run, marker=run.iteration),
    )
    for fig in figs:
        pio.to_json(fig, validate=False)


def bench_grid() -> float:
    problem = make_problem("circle", 300, 0.1, 0.2, 0)
    grid = input_grid(problem.extent)
    print(f"Boundary grid ({grid.shape[0]} x {grid.shape[1]} points, one batched forward pass):")
    worst_median = 0.0
    for hidden in ((4, 4), (16,) * 8):
        net = build_network(problem, hidden, "tanh", "sigmoid", "xavier", 0)
        samples = _time(lambda net=net: class_scores(grid_outputs(net, grid), "sigmoid", "binary"), 200)
        arch = "-".join(map(str, net.sizes))
        budget = f"  (budget {GRID_BUDGET_MS:.0f} ms)" if hidden == (4, 4) else "  (largest network allowed)"
        print(f"  {arch:<32} {_ms(samples)}{budget}")
        if hidden == (4, 4):
            worst_median = statistics.median(samples) * 1e3
    return worst_median


def bench_step_page_work() -> float:
    state = _state()

    def step() -> None:
        train(state, iterations=1)
        _live_figures(state)
        _inspect_figures(state)

    samples = _time(step, 60)
    print("One Step, page work (1 iteration + 5 figures + their JSON):")
    print(f"  {_ms(samples)}  (budget {STEP_BUDGET_MS:.0f} ms)")
    parts = {
        "training iteration": _time(lambda: train(state, iterations=1), 60),
        "boundary + loss charts": _time(lambda: _live_figures(state), 60),
        "diagram + neuron map + gradient flow": _time(lambda: _inspect_figures(state), 60),
    }
    for name, part in parts.items():
        print(f"    {name:<38} {_ms(part)}")
    return statistics.median(samples) * 1e3


def bench_tick() -> None:
    state = _state()

    def tick() -> None:
        play_tick(state)
        _live_figures(state)

    samples = _time(tick, 40)
    print(f"One Play tick (speed {state['pg_speed']} iterations + boundary + loss charts):")
    print(f"  {_ms(samples)}")


def bench_whole_rerun() -> float:
    empty = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=60)
    empty.run()
    overhead = _time(empty.run, 20)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    for _ in range(3):
        at.button(key="pg_step").click().run()
    samples = _time(lambda: at.button(key="pg_step").click().run(), 25)
    assert not at.exception, at.exception
    base = statistics.median(overhead)
    net = [s - base for s in samples]
    print("One Step, whole page rerun in AppTest (harness overhead subtracted):")
    print(f"  {_ms(net)}  (AppTest overhead alone: {_ms(overhead)})")
    return statistics.median(net) * 1e3


def main() -> None:
    print(f"OpenBLAS set to one thread: {use_one_blas_thread()}")
    grid = bench_grid()
    step = bench_step_page_work()
    bench_tick()
    whole = bench_whole_rerun()
    print()
    for name, value, budget in (
        ("grid", grid, GRID_BUDGET_MS),
        ("step (page work)", step, STEP_BUDGET_MS),
        ("step (whole rerun)", whole, STEP_BUDGET_MS),
    ):
        print(f"{name} {value:.2f} ms / {budget:.0f} ms budget = {value / budget:.2f}")


if __name__ == "__main__":
    main()
