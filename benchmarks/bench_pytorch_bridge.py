"""What "The same in PyTorch" costs a page: building the MLP script, its rows and the notebook.

The page rebuilds the script on every rerun (the notebook only when its download is clicked), so
this prints, for small to the largest allowed networks, the median time of ``mlp_script`` +
``mlp_rows``, of ``make_notebook``, and the script's size. The agreement with PyTorch itself is
measured by ``python -m pytest tests/test_pytorch_mlp.py -s`` (it prints the number of
configurations run and the worst difference).

Run: ``python benchmarks/bench_pytorch_bridge.py`` (the machine is shared: numbers from one run).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_core import MLP, train_step  # noqa: E402
from backprop_core.pytorch import make_notebook, mlp_rows, mlp_script  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    print(f"{'network':>16} {'m':>4} {'script+rows ms':>15} {'notebook ms':>12} {'script kB':>10}")
    for sizes, m in (([2, 2, 2], 1), ([2, 4, 4, 1], 200), ([2, 8, 8, 8, 2], 200), ([2, 512, 512, 1], 200)):
        net = MLP.create(sizes, seed=0)
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[-1]))
        kw = {"loss": "mse", "lr": 0.1, "optimizer": "adam", "clip_norm": 1.0}
        step = train_step(net, X, Y, **kw)
        repeat = 3 if max(sizes) > 100 else 30

        def build(net=net, X=X, Y=Y, kw=kw, step=step):
            return mlp_script(net, X, Y, **kw), mlp_rows(step)

        script, rows = build()
        t_build = median_ms(build, repeat)
        t_nb = median_ms(lambda script=script, rows=rows: make_notebook("t", "i", script, rows), repeat)
        arch = "-".join(map(str, sizes))
        print(f"{arch:>16} {m:>4} {t_build:>15.2f} {t_nb:>12.2f} {len(script) / 1000:>10.1f}")


if __name__ == "__main__":
    main()
