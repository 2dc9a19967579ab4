"""How long the vanishing-gradients page takes on the server, measured in one run of this script.

Two budgets from the issue:

1. two 10x16 networks (sigmoid, relu) trained 200 iterations on 300 points, plus building every
   chart of the page: <= 1.5 s;
2. one ``Train N`` press with N = 50 (the training fragment: 50 updates of both networks, the loss
   metrics, the loss chart and the heatmap): <= 400 ms.

Each is measured two ways: the work itself (engine calls, figure builders and the JSON Streamlit
sends, with the experiments' caches cold), and, for the first, a whole script run in
``streamlit.testing`` (AppTest) that presses Train with N = 200. AppTest does not run fragments on
their own, so a press there reruns the whole page; the fragment's own cost is the pipeline number.
The machine is shared and noisy: every number is the median (and worst) of several repeats.

Run: ``python benchmarks/bench_vanishing.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labs.vanishing.figures import bound_table, profile_figure, ratio_table  # noqa: E402
from labs.vanishing.figures_saturation import derivative_figure, histogram_figure, saturated_share_figure  # noqa: E402
from labs.vanishing.figures_scale import (  # noqa: E402
    clipping_figure,
    sweep_figure,
    symmetry_spread_figure,
    symmetry_weights_figure,
)
from labs.vanishing.figures_training import heatmap_figure, loss_curves_figure  # noqa: E402
from labs.vanishing.model import LabSetup, start_lab, train_lab  # noqa: E402
from labs.vanishing.model_experiments import (  # noqa: E402
    clipping_experiment,
    layer_stats,
    scale_sweep,
    symmetry_experiment,
)
from ui.tuning import tune_process  # noqa: E402

REPEATS = 5


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median and worst wall time of ``fn`` in seconds."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def train_and_render_everything() -> None:
    """What a first visit plus one Train-200 press computes, with every cache cold."""
    setup = LabSetup(activations=("sigmoid", "relu"), depth=10, width=16)
    lab = train_lab(start_lab(setup), 200, 0.1)
    profiles = [r.profile for r in lab.runs]
    stats = [layer_stats(r.net, lab.data.X_train) for r in lab.runs]
    normal = LabSetup(("sigmoid", "relu"), 10, 16, "xor", "normal", 1.0, 0)
    sweep = scale_sweep(normal, np.geomspace(0.01, 10, 13), ("sigmoid", "relu"))
    xprofiles = [r.profile for r in start_lab(normal).runs]
    cmp = clipping_experiment(
        LabSetup(("relu",), 10, 16, "xor", "normal", 1.0, 0), 1.0, 1.0, 0.1, iterations=60
    )
    sym = symmetry_experiment("xor", "tanh", "zeros")
    fix = symmetry_experiment("xor", "tanh", "random")
    figures = [
        profile_figure(profiles, "at initialisation"),
        loss_curves_figure(lab.runs),
        heatmap_figure(lab.runs),
        derivative_figure(setup.activations),
        histogram_figure(stats[0], [0, 4, 9]),
        saturated_share_figure(stats),
        sweep_figure(sweep, 1.0),
        profile_figure(xprofiles, "std 1"),
        clipping_figure(cmp),
        symmetry_spread_figure(sym, fix),
        symmetry_weights_figure(sym, fix),
    ]
    ratio_table(profiles)
    bound_table(profiles, setup.depth)
    for fig in figures:
        fig.to_json()


def train_press(lab_holder: list) -> None:
    """One Train-50 press as the training fragment handles it."""
    lab = train_lab(lab_holder[0], 50, 0.1)
    lab_holder[0] = lab
    for fig in (loss_curves_figure(lab.runs), heatmap_figure(lab.runs)):
        fig.to_json()


def apptest_full_run() -> tuple[float, float]:
    """A whole page run in AppTest after pressing Train with N = 200, with cold caches.

    Each repeat uses a new seed, so none of the page's cached experiments can be reused.
    """
    from streamlit.testing.v1 import AppTest

    times = []
    for repeat in range(3):
        at = AppTest.from_file(str(ROOT / "pages" / "5_Vanishing_gradients.py"), default_timeout=120)
        at.query_params["n"] = "200"
        at.run()
        at.number_input(key="vg_seed").set_value(100 + repeat)
        t = time.perf_counter()
        at.button(key="vg_train").click().run()
        times.append(time.perf_counter() - t)
        assert not at.exception and at.session_state.vg_lab.iteration == 200
        assert at.session_state.vg_lab.setup.seed == 100 + repeat
    return statistics.median(times), max(times)


def report(what: str, med: float, worst: float, budget: float | None = None, extra: str = "") -> None:
    verdict = ""
    if budget is not None:
        verdict = f"  (budget {budget * 1000:.0f} ms) -> {'OK' if med <= budget else 'OVER'}"
    print(f"{what}: median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms{verdict}{extra}")


def main() -> None:
    tune_process()  # as the app does
    train_and_render_everything()  # warm up imports and numpy
    med, worst = timed(train_and_render_everything)
    report("train 2 x (10x16) 200 iterations + build all 11 charts, cold caches", med, worst, 1.5)
    holder = [start_lab(LabSetup())]
    med, worst = timed(lambda: train_press(holder), repeats=10)
    extra = f"  [history grew to {holder[0].iteration} updates]"
    report("one Train-50 press: 50 updates x 2 networks + loss chart + heatmap", med, worst, 0.4, extra)
    med, worst = apptest_full_run()
    report("AppTest: whole page run, new seed + Train 200, cold caches (with Streamlit's work)", med, worst)


if __name__ == "__main__":
    main()
