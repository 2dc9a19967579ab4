"""How much the engine's bookkeeping costs: one training step, engine vs bare numpy (vs PyTorch).

Run from the repository root: ``python benchmarks/bench_engine.py``.

For two networks the script times one full training iteration done three ways:

* **engine**: ``backprop_core.train_step`` (input checks, forward, loss, backward, SGD update,
  and the whole trace: every z, a, dL/da, delta, dW, db, step and both networks);
* **bare**: the same iteration in plain numpy written out here -- forward, loss, backward,
  SGD update in place -- keeping nothing;
* **torch** (network a only, if PyTorch is installed): CPU eager float64, autograd.

Repetitions are interleaved (engine, bare, torch, engine, ...; the order rotates every round)
so a slow patch of the machine hits all of them, and the median over many rounds is reported.
Targets: engine/bare <= 1.5x; torch/engine >= 2x on the small network.
"""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import backprop_core as bc
from ui.tuning import tune_process

ROUNDS = 301  # interleaved rounds; the median is taken over them
BLOCK_SECONDS = 0.002  # each round times a block of calls about this long


# -- the bare numpy step --------------------------------------------------------------------------


def _tanh_from_a(a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _relu_from_a(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(float)


BARE_HIDDEN = {"tanh": (np.tanh, _tanh_from_a), "relu": (lambda z: np.maximum(z, 0.0), _relu_from_a)}


def bare_step(Ws: list, bs: list, hidden: str, output: str, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
    """One SGD iteration in place on ``Ws``, ``bs``; returns the loss before the update.

    ``output`` is ``sigmoid`` (bce, Y of shape (m, 1)) or ``softmax`` (cross-entropy, Y integer
    labels of shape (m,)). Hidden derivatives are taken from the activations, as a bare
    implementation would.
    """
    f, df = BARE_HIDDEN[hidden]
    m = X.shape[0]
    acts = [X]
    a = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        a = f(a @ W + b)
        acts.append(a)
    z = a @ Ws[-1] + bs[-1]
    if output == "sigmoid":
        a = 1.0 / (1.0 + np.exp(-z))
        loss = float(np.mean(np.logaddexp(0.0, z) - Y * z))  # bce from the logits
        delta = (a - Y) / Y.size
    else:
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(m)
        loss = float(-np.mean(log_p[rows, Y]))
        delta = np.exp(log_p)
        delta[rows, Y] -= 1.0
        delta /= m
    for l in range(len(Ws) - 1, -1, -1):
        dW = acts[l].T @ delta
        db = delta.sum(axis=0)
        if l:
            delta = (delta @ Ws[l].T) * df(acts[l])
        Ws[l] -= lr * dW
        bs[l] -= lr * db
    return loss


# -- the PyTorch step -----------------------------------------------------------------------------


def torch_step_factory(net: bc.MLP, X: np.ndarray, Y: np.ndarray, lr: float):
    """A CPU eager float64 step of the tanh/tanh/sigmoid + bce network, or None without torch."""
    try:
        import torch
    except ImportError:
        return None, None
    torch.set_num_threads(blas_threads())
    params = [
        torch.tensor(np.array(p), dtype=torch.float64, requires_grad=True)
        for p in (*net.weights, *net.biases)
    ]
    W1, W2, W3, b1, b2, b3 = params
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def step() -> float:
        z = torch.tanh(torch.tanh(Xt @ W1 + b1) @ W2 + b2) @ W3 + b3
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss.item()

    return step, torch.__version__


# -- timing ---------------------------------------------------------------------------------------


def blas_threads() -> int:
    """The thread count of the OpenBLAS numpy loaded (the CPU count if it cannot be asked)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted(
                {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
            )
    except OSError:
        paths = []
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in (
            "scipy_openblas_get_num_threads64_",
            "openblas_get_num_threads64_",
            "openblas_get_num_threads",
        ):
            getter = getattr(lib, name, None)
            if getter is not None:
                return int(getter())
    return os.cpu_count() or 1


def interleaved_times(
    candidates: dict[str, Callable[[], object]], rounds: int = ROUNDS
) -> dict[str, list[float]]:
    """Seconds per call of each candidate in every round, timed in interleaved blocks."""
    counts = {}
    for name, fn in candidates.items():
        for _ in range(20):
            fn()  # warm up caches and lazy imports
        start = time.perf_counter()
        fn()
        one = time.perf_counter() - start
        counts[name] = max(1, int(BLOCK_SECONDS / max(one, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    names = list(candidates)
    for r in range(rounds):
        # rotate the order every round, so that no candidate always runs right after the same one
        # (e.g. after PyTorch's worker threads, or after network b has churned the caches)
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = candidates[name]
            n = counts[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return samples


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


def main() -> None:
    rng = np.random.default_rng(0)
    lr = 0.1
    gc.collect()

    # (a) 2-8-8-1 tanh/tanh/sigmoid + bce on 256 samples
    Xa = rng.normal(size=(256, 2))
    Ya = (Xa[:, :1] * Xa[:, 1:] > 0).astype(float)
    net_a = bc.MLP.create([2, 8, 8, 1], "tanh", "sigmoid", seed=0)
    # (b) 2-64-64-64-10 relu/softmax + cross_entropy on 512 samples, integer labels
    Xb = rng.normal(size=(512, 2))
    yb = rng.integers(0, 10, 512)
    net_b = bc.MLP.create([2, 64, 64, 64, 10], "relu", "softmax", init="he", seed=0)

    problems = {
        "a": (net_a, Xa, Ya, "bce", "tanh", "sigmoid"),
        "b": (net_b, Xb, yb, "cross_entropy", "relu", "softmax"),
    }

    # the bare step computes what the engine computes: same loss, same updated network
    for key, (net, X, Y, loss, hidden, output) in problems.items():
        trace = bc.train_step(net, X, Y, loss=loss, lr=lr)
        Ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
        bare_loss = bare_step(Ws, bs, hidden, output, X, Y, lr)
        worst = max(
            float(np.max(np.abs(p - q)))
            for p, q in zip((*Ws, *bs), (*trace.net_after.weights, *trace.net_after.biases), strict=True)
        )
        assert abs(bare_loss - trace.loss) <= 1e-12 * abs(trace.loss) and worst <= 1e-12, (
            key,
            bare_loss,
            worst,
        )

    state = {key: p[0] for key, p in problems.items()}
    bare_params = {
        key: ([w.copy() for w in p[0].weights], [b.copy() for b in p[0].biases])
        for key, p in problems.items()
    }

    def engine(key):
        _, X, Y, loss, _, _ = problems[key]

        def step():
            # carry the network on, like a training loop (each step is pure, the cost is the same)
            state[key] = bc.train_step(state[key], X, Y, loss=loss, lr=lr).net_after

        return step

    def bare(key):
        _, X, Y, _, hidden, output = problems[key]
        Ws, bs = bare_params[key]
        return lambda: bare_step(Ws, bs, hidden, output, X, Y, lr)

    torch_step, torch_version = torch_step_factory(net_a, Xa, Ya, lr)
    if torch_step is not None:
        # the same step: PyTorch's loss before its first update is the engine's
        first = bc.train_step(net_a, Xa, Ya, loss="bce", lr=lr).loss
        assert abs(torch_step() - first) <= 1e-12 * first

    candidates = {"engine a": engine("a"), "bare a": bare("a"), "engine b": engine("b"), "bare b": bare("b")}
    if torch_step is not None:
        candidates["torch a"] = torch_step
    load_before = os.getloadavg()[0]
    times = interleaved_times(candidates)
    load_after = os.getloadavg()[0]
    t = {name: statistics.median(values) for name, values in times.items()}

    print(f"Backprop Lab engine benchmark: median of {ROUNDS} interleaved rounds, time.perf_counter")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"numpy BLAS threads {blas_threads()}, load average {load_before:.1f} -> {load_after:.1f}"
    )
    print()
    print("one training step (forward, loss, backward, SGD update; engine also records the trace)")
    print(f"{'network':<46}{'engine':>12}{'bare numpy':>13}{'engine/bare':>13}   engine quartiles")
    rows = [
        ("a", "(a) 2-8-8-1 tanh/sigmoid + bce, m=256"),
        ("b", "(b) 2-64-64-64-10 relu/softmax + CE, m=512"),
    ]
    ratios = {}
    for key, label in rows:
        e, b = t[f"engine {key}"], t[f"bare {key}"]
        ratios[key] = e / b
        q1, _, q3 = quartiles(times[f"engine {key}"])
        spread = f"{q1 * 1e6:.1f}-{q3 * 1e6:.1f}us"
        print(f"{label:<46}{e * 1e6:>10.1f}us{b * 1e6:>11.1f}us{e / b:>12.2f}x   {spread}")
    print(
        "in a default process, target engine/bare <= 1.5x: "
        + ", ".join(f"({k}) {'met' if r <= 1.5 else 'MISSED'}" for k, r in ratios.items())
    )
    print()
    if torch_step is None:
        print("PyTorch comparison skipped: torch is not importable")
    else:
        tt = t["torch a"]
        ratio = tt / t["engine a"]
        print(
            f"(a) PyTorch {torch_version} CPU eager float64, {blas_threads()} threads: "
            f"{tt * 1e6:.1f}us per step; torch/engine = {ratio:.2f}x "
            f"(target >= 2x: {'met' if ratio >= 2 else 'MISSED'})"
        )

    # the same steps in the process settings the app runs with (ui/tuning.py: one BLAS thread,
    # freed memory kept for reuse, so a step's fresh trace arrays do not page-fault every time)
    tune_process()
    tuned = interleaved_times(
        {"engine a": engine("a"), "bare a": bare("a"), "engine b": engine("b"), "bare b": bare("b")},
        rounds=ROUNDS // 2,
    )
    print()
    print(f"as the app runs it (ui/tuning.py: BLAS threads {blas_threads()}, freed memory kept for reuse):")
    tuned_ratios = {}
    for key, label in rows:
        e, b = statistics.median(tuned[f"engine {key}"]), statistics.median(tuned[f"bare {key}"])
        tuned_ratios[key] = e / b
        print(f"{label:<46}{e * 1e6:>10.1f}us{b * 1e6:>11.1f}us{e / b:>12.2f}x")
    print(
        "target engine/bare <= 1.5x: "
        + ", ".join(f"({k}) {'met' if r <= 1.5 else 'MISSED'}" for k, r in tuned_ratios.items())
    )


if __name__ == "__main__":
    main()
