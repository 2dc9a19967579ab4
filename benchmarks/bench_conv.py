"""How fast the convolution engine is, measured in one run of this script.

Two budgets from the issue:

1. conv2d forward + backward for m = 64 images, 1 -> 8 channels, 3x3 filters on 12x12 inputs: at most
   the time of PyTorch's eager float64 ``F.conv2d`` forward + backward (measured here when torch is
   importable, with one thread as the app's numpy uses, and with torch's default threads);
2. one training step of the lab's default network (200 images, 4 filters): <= 10 ms.

The app runs numpy on one BLAS thread (``ui.tuning``); so does this script. The machine is shared and
noisy: every figure is the median (and best) of many repeats.

Run: ``python benchmarks/bench_conv.py``
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_core.conv import conv2d_backward, conv2d_forward  # noqa: E402
from backprop_core.convnet import train_step  # noqa: E402
from labs.conv import model  # noqa: E402
from ui.tuning import tune_process  # noqa: E402

REPEATS = 200


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median and best wall time of ``fn`` in seconds, after a few warm-up calls."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def cpu_per_call(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Process CPU time per call in seconds (time spent waiting for a busy core is left out)."""
    fn()
    start = time.process_time()
    for _ in range(repeats):
        fn()
    return (time.process_time() - start) / repeats


def ms(pair: tuple[float, float]) -> str:
    return f"median {pair[0] * 1e3:7.3f} ms   best {pair[1] * 1e3:7.3f} ms"


def main() -> None:
    tune_process()
    rng = np.random.default_rng(0)
    x, K, b = rng.normal(size=(64, 1, 12, 12)), rng.normal(size=(8, 1, 3, 3)), rng.normal(size=8)
    dz = rng.normal(size=(64, 8, 10, 10))

    def ours() -> None:
        conv2d_backward(dz, conv2d_forward(x, K, b))

    mine = timed(ours)
    mine_cpu = cpu_per_call(ours)
    print("conv2d forward + backward, m=64, 1 -> 8 channels, 3x3 on 12x12, float64")
    print(f"  numpy engine (checked public calls)   {ms(mine)}   CPU {mine_cpu * 1e3:.3f} ms")
    if importlib.util.find_spec("torch") is None:
        print("  torch is not installed here: no comparison")
    else:
        import torch
        import torch.nn.functional as F

        xt = torch.tensor(x, requires_grad=True)
        Kt, bt = torch.tensor(K, requires_grad=True), torch.tensor(b, requires_grad=True)
        dzt = torch.tensor(dz)

        def eager() -> None:
            xt.grad = Kt.grad = bt.grad = None
            F.conv2d(xt, Kt, bt).backward(dzt)

        default_threads = torch.get_num_threads()
        theirs_default = timed(eager)
        torch.set_num_threads(1)
        theirs_one = timed(eager)
        theirs_cpu = cpu_per_call(eager)
        torch.set_num_threads(default_threads)
        print(f"  torch eager, {default_threads} thread(s)              {ms(theirs_default)}")
        print(f"  torch eager, 1 thread                 {ms(theirs_one)}   CPU {theirs_cpu * 1e3:.3f} ms")
        ratio = mine[0] / theirs_default[0]
        print(f"  ratio ours / torch ({default_threads} threads): {ratio:.2f}   (<= 1 is the goal)")
        by_cpu = mine_cpu / theirs_cpu
        print(f"  ratio ours / torch (1 thread):  {mine[0] / theirs_one[0]:.2f}   by CPU time {by_cpu:.2f}")

    lab = model.start_lab()
    X, y = lab.data.X_train, lab.data.y_train

    def one_step() -> None:
        train_step(lab.net, X, y, loss=model.LOSS, lr=model.DEFAULT_LR)

    step = timed(one_step, 100)
    step_cpu = cpu_per_call(one_step, 100)
    shape = f"{model.N_TRAIN} images, {model.DEFAULT_FILTERS} filters"
    print(f"\none training step of the lab's default network ({shape})")
    print(f"  train_step                            {ms(step)}   CPU {step_cpu * 1e3:.3f} ms")
    print(f"  budget 10 ms: ratio {step[0] / 0.010:.2f} (median wall), {step_cpu / 0.010:.2f} (CPU)")
    tick = timed(lambda: model.train(lab, 5, model.DEFAULT_LR, "sgd"), 20)
    print(f"  one Play tick (5 steps + the curves)  {ms(tick)}")


if __name__ == "__main__":
    main()
