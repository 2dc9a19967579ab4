"""What one ``rnn.bptt_step`` costs against a bare numpy BPTT and against PyTorch's eager ``nn.RNN``.

Run from the repository root: ``python benchmarks/bench_rnn.py``.

Problem: m = 32 sequences, T = 50 steps, 1 input, 16 tanh hidden units, 1 linear output, mse on
every step, SGD. Timed three ways:

* **engine**: ``backprop_core.rnn.bptt_step`` (input checks, forward, loss, BPTT, per-step dWh
  contributions, clipping norm, SGD update, the whole immutable trace);
* **bare**: the same step in plain numpy written out here, keeping nothing it does not need;
* **torch** (if PyTorch is installed; it is not a dependency): CPU eager float64 ``nn.RNN`` +
  ``nn.Linear``, forward, ``MSELoss``, ``backward`` and an SGD step.

Rounds are interleaved (the order rotates) and the median over rounds is reported.
Targets: engine / torch <= 1x; engine / bare <= 1.5x.
"""

from __future__ import annotations

import importlib.util
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_core.rnn import RNN, bptt_step
from ui.tuning import tune_process

M, T, N_IN, H, N_OUT = 32, 50, 1, 16, 1
LR = 0.01
ROUNDS = 101
BLOCK_SECONDS = 0.02


def bare_step(Wx, Wh, b, Wy, by, X, Y):
    """Forward, mse on every step, BPTT, SGD in place: nothing recorded beyond what BPTT needs."""
    m, T, _ = X.shape
    hs = np.empty((m, T, Wh.shape[0]))
    h = np.zeros((m, Wh.shape[0]))
    zx = X @ Wx + b
    for t in range(T):
        h = np.tanh(zx[:, t] + h @ Wh)
        hs[:, t] = h
    flat = hs.reshape(m * T, -1)
    o = flat @ Wy + by
    diff = o - Y.reshape(m * T, -1)
    loss = float(np.mean(diff**2))
    do = 2.0 * diff / diff.size
    dh_out = (do @ Wy.T).reshape(hs.shape)
    fz = 1.0 - hs * hs
    delta = np.empty_like(hs)
    d = np.zeros_like(h)
    for t in range(T - 1, -1, -1):
        d = (d @ Wh.T + dh_out[:, t]) * fz[:, t]
        delta[:, t] = d
    dflat = delta.reshape(m * T, -1)
    hprev = np.concatenate([np.zeros((m, 1, hs.shape[2])), hs[:, :-1]], axis=1).reshape(m * T, -1)
    grads = (X.reshape(m * T, -1).T @ dflat, hprev.T @ dflat, dflat.sum(0), flat.T @ do, do.sum(0))
    for p, g in zip((Wx, Wh, b, Wy, by), grads, strict=True):
        p -= LR * g
    return loss


def torch_runner(net: RNN, X: np.ndarray, Y: np.ndarray) -> Callable[[], None] | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    rnn = torch.nn.RNN(N_IN, H, nonlinearity="tanh", batch_first=True)
    out = torch.nn.Linear(H, N_OUT)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(net.Wx.T))
        rnn.weight_hh_l0.copy_(torch.tensor(net.Wh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(net.b))
        rnn.bias_hh_l0.zero_()
    params = [*rnn.parameters(), *out.parameters()]
    opt = torch.optim.SGD(params, lr=LR)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    loss_fn = torch.nn.MSELoss()

    def step() -> None:
        opt.zero_grad()
        hs, _ = rnn(Xt)
        loss = loss_fn(out(hs), Yt)
        loss.backward()
        opt.step()

    return step


def block_time(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    tune_process()
    rng = np.random.default_rng(0)
    net = RNN.create(N_IN, H, N_OUT, seed=0)
    X = rng.normal(size=(M, T, N_IN))
    Y = rng.normal(size=(M, T, N_OUT))
    params = [p.copy() for p in net.params]
    runners: dict[str, Callable[[], object]] = {
        "engine": lambda: bptt_step(net, X, Y, "mse", lr=LR),
        "bare": lambda: bare_step(*params, X, Y),
    }
    torch_step = torch_runner(net, X, Y)
    if torch_step is not None:
        runners["torch"] = torch_step
    reps = {}
    for name, fn in runners.items():
        fn()
        reps[name] = max(1, int(BLOCK_SECONDS / max(block_time(fn, 3), 1e-6)))
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for r in range(ROUNDS):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            times[name].append(block_time(runners[name], reps[name]))
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"bptt_step, m={M}, T={T}, n_hidden={H}, tanh, mse on every step; {platform.processor() or 'cpu'}")
    for name, v in med.items():
        print(f"  {name:7s} {v * 1e3:8.3f} ms per step")
    print(f"  engine / bare  = {med['engine'] / med['bare']:.2f}x   (target <= 1.5x)")
    if "torch" in med:
        print(f"  engine / torch = {med['engine'] / med['torch']:.2f}x   (target <= 1x)")
    else:
        print("  torch is not installed here (it is not a dependency): no PyTorch comparison")


if __name__ == "__main__":
    main()
