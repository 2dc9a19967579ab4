"""The convolution lab's PyTorch script: run where torch is importable and compared with the engine to 1e-9;
checked without torch too (it parses, imports only json and torch, its literals round-trip exactly)."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_core import convnet
from backprop_core.pytorch.conv import conv_rows, conv_script

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="torch is not installed: the executed-script comparisons skip"
)
TOL = 1e-9
OUTPUTS = {"cross_entropy": "softmax", "bce": "sigmoid", "mse": "sigmoid", "half_sse": "linear"}


def make_case(
    seed: int, filters: tuple, pool: int, padding: int, stride: int, dense: tuple, act: str, loss: str
):
    rng = np.random.default_rng(seed)
    shape = {"pool": pool, "stride": stride, "padding": padding, "seed": seed}
    net = convnet.create(
        (2, 11, 11), filters, 3, 3, dense, conv_activation=act, output_activation=OUTPUTS[loss], **shape
    )
    X = rng.normal(size=(3, 2, 11, 11))
    Y = rng.integers(0, 3, 3) if loss == "cross_entropy" else rng.uniform(size=(3, 3))
    return net, X, Y


def run_script(script: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) > 2, "the script should print readable lines before its JSON"
    return json.loads(lines[-1])


def worst_difference(result: dict, step: convnet.ConvStep) -> float:
    ours = {
        "dK": [c.dK for c in step.convs], "dkb": [c.db for c in step.convs],
        "dW": [d.dW for d in step.dense], "db": [d.db for d in step.dense],
        "K_after": step.net_after.K, "kb_after": step.net_after.kb,
        "W_after": step.net_after.W, "b_after": step.net_after.b,
    }  # fmt: skip
    worst = abs(result["loss"] - step.loss)
    for key, arrays in ours.items():
        assert len(result[key]) == len(arrays), key
        for theirs, mine in zip(result[key], arrays, strict=True):
            theirs = np.array(theirs)
            assert theirs.shape == mine.shape, key
            worst = max(worst, float(np.abs(theirs - mine).max()))
    return worst


@needs_torch
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10_000), st.sampled_from([(2,), (3, 2)]), st.sampled_from([1, 2]), st.sampled_from([0, 1]),
    st.sampled_from([1, 2]), st.sampled_from([(), (4,)]), st.sampled_from(["relu", "tanh", "leaky_relu"]),
    st.sampled_from(list(OUTPUTS)), st.sampled_from(["sgd", "momentum", "adam"]), st.sampled_from([0.1, 1.0]),
)  # fmt: skip
def test_script_matches_engine_over_random_configs(
    seed, filters, pool, padding, stride, dense, act, loss, opt, lr
):
    net, X, Y = make_case(seed, filters, pool, padding, stride, dense, act, loss)
    step = convnet.train_step(net, X, Y, loss=loss, lr=lr, optimizer=opt)
    result = run_script(conv_script(net, X, Y, loss=loss, lr=lr, optimizer=opt))
    assert worst_difference(result, step) < TOL


@needs_torch
@pytest.mark.parametrize("opt", ["momentum", "adam"])
def test_script_continues_from_the_optimizers_memory(opt: str) -> None:
    net, X, Y = make_case(5, (2,), 2, 0, 1, (), "relu", "cross_entropy")
    first = convnet.train_step(net, X, Y, lr=0.1, optimizer=opt)
    second = convnet.train_step(first.net_after, X, Y, lr=0.1, optimizer=opt, state=first.state)
    script = conv_script(first.net_after, X, Y, lr=0.1, optimizer=opt, state=first.state)
    assert worst_difference(run_script(script), second) < TOL


@needs_torch
def test_the_labs_one_image_step_and_its_rows() -> None:
    from labs.conv import model

    lab = model.start_lab()
    x, label = lab.data.X_train[7], int(lab.data.y_train[7])
    step = model.one_image_step(lab.net, x, label, 0.3)
    script = conv_script(lab.net, x[None], [label], lr=0.3)
    result = run_script(script)
    assert worst_difference(result, step) < TOL
    rows = conv_rows(lab.net, x[None], [label], loss="cross_entropy", lr=0.3)
    assert rows[0].quantity == "loss" and rows[0].value == pytest.approx(result["loss"], abs=TOL)
    assert rows[1].value == pytest.approx(result["dK"][0][0][0][0][0], abs=TOL)


# -- without torch ---------------------------------------------------------------------------------------


def tensor_literal(script: str, name: str) -> list:
    """The list literal inside ``name = torch.tensor([...], ...)`` of the script."""
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value.args[0])
    raise AssertionError(f"no assignment to {name}")


@pytest.mark.parametrize("loss", list(OUTPUTS))
def test_script_parses_is_self_contained_and_round_trips_its_numbers(loss: str) -> None:
    net, X, Y = make_case(11, (2, 2), 1, 1, 1, (4,), "tanh", loss)
    X = X * np.pi  # numbers with all 17 significant digits
    script = conv_script(net, X, Y, loss=loss, lr=0.1, optimizer="adam")
    tree = ast.parse(script)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert modules <= {"json", "torch", "torch.nn.functional"}, imported
    for name in ("backprop", "Backprop", "labs.", "convnet", "ui.", "viz."):
        assert name not in script
    assert np.array_equal(np.array(tensor_literal(script, "x")), X)
    assert np.array_equal(np.array(tensor_literal(script, "K1")), net.K[0])
    assert np.array_equal(np.array(tensor_literal(script, "K2")), net.K[1])
    assert np.array_equal(np.array(tensor_literal(script, "W1")), net.W[0].T)  # F.linear's (out, in)
    assert np.array_equal(np.array(tensor_literal(script, "b2")), net.b[1])
    if loss != "cross_entropy":
        assert np.array_equal(np.array(tensor_literal(script, "y")), Y)
    assert "F.conv2d" in script and "F.max_pool2d" in script
    assert script.rstrip().splitlines()[-1] == "print(json.dumps(result))"


def test_script_refuses_bad_input() -> None:
    net, X, Y = make_case(1, (2,), 2, 0, 1, (), "relu", "cross_entropy")
    with pytest.raises(ValueError, match="the network expects"):
        conv_script(net, X[:, :1], Y, lr=0.1)
    with pytest.raises(ValueError, match="softmax output must be trained with cross_entropy"):
        conv_script(net, X, np.zeros((3, 3)), loss="mse", lr=0.1)
    with pytest.raises(ValueError, match="unknown optimizer"):
        conv_script(net, X, Y, lr=0.1, optimizer="rmsprop")
