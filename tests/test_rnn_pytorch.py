"""The PyTorch script of a BPTT step (``backprop_core.pytorch.rnn``).

Where torch is importable, each script runs in a subprocess and its last-line JSON must equal the
engine's ``bptt_step`` to 1e-9 over random configurations. Without torch those tests skip, saying
so; the script is still checked: it parses, names no part of this project, and its data literals
read back as exactly the engine's float64 values.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_core.pytorch.rnn import rnn_script
from backprop_core.rnn import RNN, bptt_step

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="torch is not installed: the scripts cannot be executed here"
)

PAIRS = [
    ("linear", "mse"),
    ("linear", "half_sse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "mse"),
]
NAMES = ("Wx", "Wh", "b", "Wy", "by")
WORST: list[float] = []


def _case(seed: int, n_in: int, H: int, n_out: int, m: int, T: int, activation: str, pair, every_step: bool):
    output, loss = pair
    if output == "softmax":
        n_out = max(n_out, 2)
    rng = np.random.default_rng(seed)
    net = RNN.create(n_in, H, n_out, activation=activation, output=output, seed=seed)
    net = net.replace(b=rng.normal(size=H) * 0.3, by=rng.normal(size=n_out) * 0.3)
    X = rng.normal(size=(m, T, n_in))
    shape = (m, T, n_out) if every_step else (m, n_out)
    if loss == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, size=shape[:-1])]
    elif loss == "bce":
        Y = rng.uniform(0, 1, size=shape)
    else:
        Y = rng.normal(size=shape)
    return net, X, Y, loss


def _run(script: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_torch
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_in=st.integers(1, 3),
    H=st.integers(1, 5),
    n_out=st.integers(1, 3),
    m=st.integers(1, 4),
    T=st.integers(1, 7),
    activation=st.sampled_from(["tanh", "relu"]),
    pair=st.sampled_from(PAIRS),
    every_step=st.booleans(),
    lr=st.sampled_from([0.0, 0.01, 0.5]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    clip=st.sampled_from([None, 0.05, 100.0]),
    truncate=st.sampled_from([None, 1, 2, 3, 10]),
)
def test_script_reproduces_the_engine(
    seed, n_in, H, n_out, m, T, activation, pair, every_step, lr, optimizer, clip, truncate
) -> None:
    net, X, Y, loss = _case(seed, n_in, H, n_out, m, T, activation, pair, every_step)
    kw = {"lr": lr, "truncate": truncate, "optimizer": optimizer, "clip_norm": clip}
    tr = bptt_step(net, X, Y, loss, **kw)
    if clip is not None and abs(tr.grad_norm - clip) < 1e-5:
        return  # within 1e-6 of the threshold PyTorch's clip factor and ours may differ (both documented)
    out = _run(rnn_script(net, X, Y, loss, **kw))
    worst = abs(out["loss"] - tr.loss)
    for name in NAMES:
        worst = max(worst, float(np.max(np.abs(np.array(out["d" + name]) - getattr(tr, "d" + name)))))
        after = np.array(out[name + "_after"])
        assert after.shape == getattr(net, name).shape
        worst = max(worst, float(np.max(np.abs(after - getattr(tr.net_after, name)))))
    WORST.append(worst)
    assert worst < 1e-9, (worst, kw, loss)


@needs_torch
def test_script_prints_readable_lines_before_the_json() -> None:
    net, X, Y, _ = _case(1, 1, 2, 1, 2, 3, "tanh", ("linear", "mse"), False)
    done = subprocess.run(
        [sys.executable, "-c", rnn_script(net, X, Y, clip_norm=1.0)], capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("global gradient norm before clipping:")
    assert any(line.startswith("loss: ") for line in lines)
    assert set(json.loads(lines[-1])) == {"loss", *("d" + n for n in NAMES), *(n + "_after" for n in NAMES)}


def test_script_parses_names_no_project_and_keeps_exact_literals() -> None:
    net, X, Y, loss = _case(3, 2, 3, 2, 2, 4, "relu", ("linear", "mse"), True)
    X[0, 0, 0] = 0.1 + 0.2  # 0.30000000000000004: needs all 17 digits
    script = rnn_script(net, X, Y, loss, lr=0.1, truncate=2, optimizer="adam", clip_norm=0.5)
    tree = ast.parse(script)
    assert "backprop_core" not in script and "labs." not in script
    assert re.search(r"import\s+(backprop_core|labs|ui|viz)\b", script) is None
    values = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in "XY"
        ):
            values[node.targets[0].id] = np.array(ast.literal_eval(node.value.args[0]))
    np.testing.assert_array_equal(values["X"], X)
    np.testing.assert_array_equal(values["Y"], Y)
    for name in NAMES:
        literal = re.search(rf"torch\.tensor\((.*?)\)(\.T)?\)  # {name}$", script, re.M)
        assert literal is not None, name
        np.testing.assert_array_equal(np.array(ast.literal_eval(literal.group(1))), getattr(net, name))
    assert "nn.RNN(2, 3, nonlinearity='relu', batch_first=True)" in script
    assert "clip_grad_norm_" in script and "torch.optim.Adam" in script and ".detach()" in script


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "hinge"}, "unknown loss"),
        ({"truncate": 0}, "truncate"),
        ({"optimizer": "rmsprop"}, "unknown optimizer"),
        ({"clip_norm": 0}, "clip_norm"),
        ({"lr": float("nan")}, "learning rate"),
    ],
)
def test_bad_calls_raise_value_error(kwargs, message) -> None:
    net, X, Y, _ = _case(0, 1, 2, 1, 1, 3, "tanh", ("linear", "mse"), False)
    with pytest.raises(ValueError, match=message):
        rnn_script(net, X, Y, **kwargs)


def test_activations_nn_rnn_lacks_are_refused() -> None:
    net = RNN.create(1, 2, 1, activation="sigmoid")
    with pytest.raises(ValueError, match=r"nn\.RNN offers the hidden activations tanh and relu"):
        rnn_script(net, np.zeros((1, 2, 1)), np.zeros((1, 1)))


@needs_torch
def test_report_worst_difference() -> None:
    # runs after the hypothesis test in file order; says how many configurations ran and the worst gap
    if WORST:
        print(f"\n{len(WORST)} configurations executed with torch; worst difference {max(WORST):.3g}")
        assert max(WORST) < 1e-9
