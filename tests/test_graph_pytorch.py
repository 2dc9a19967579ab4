"""The computational-graph lab's PyTorch scripts: checked without torch (they compile, import only
json and torch, name nothing of this project, write the expression from the checked tree and the
values exactly), then run in a subprocess with torch and compared with the engine to 1e-9."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_core import MLP, classic_222
from backprop_core.graph import evaluate, from_network
from backprop_core.pytorch.graph import graph_script, network_graph_script, pytorch_node_names
from labs.graph.model import PRESETS
from tests.test_graph_engine import expressions, values_st

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="torch is not installed here: the executed-script comparisons are skipped"
)
EXPRESSION_PRESETS = [p for p in PRESETS.values() if p.expression]
PROJECT_NAMES = ("backprop_core", "Backprop_Lab", "streamlit", "labs.", "viz.", "ui.")


def _check_static(script: str) -> ast.Module:
    tree = ast.parse(script)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported == {"json", "torch"}
    assert not any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))
    code_only = "\n".join(line for line in script.splitlines()[5:])  # below the docstring's header
    for name in PROJECT_NAMES:
        assert name not in code_only, name
    return tree


def _leaf_literals(tree: ast.Module) -> dict[str, float]:
    """name -> the literal in ``name = torch.tensor(<literal>, requires_grad=True)``."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if ast.unparse(call.func) == "torch.tensor":
                out[node.targets[0].id] = ast.literal_eval(call.args[0])
    return out


@pytest.mark.parametrize("preset", EXPRESSION_PRESETS, ids=lambda p: p.key)
def test_preset_scripts_static(preset) -> None:
    values = dict(preset.values)
    tree = _check_static(graph_script(preset.expression, values))
    assert _leaf_literals(tree) == values


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.fixed_dictionaries({n: st.floats(-1e6, 1e6) for n in "abc"}))
def test_literals_round_trip_and_text_comes_from_the_tree(expression: str, values: dict) -> None:
    assume(evaluate(expression, values).grads)  # numbers only: refused (tested below)
    script = graph_script("L = " + expression, values)
    tree = _check_static(script)
    used = evaluate(expression, values).grads.keys()
    assert _leaf_literals(tree) == {n: values[n] for n in used}  # exactly, repr precision
    # the forward line is the canonical rendering (spacing normalised), never the typed text
    line = next(ln for ln in script.splitlines() if ln.startswith("L = "))
    assert "  " not in line


def test_typed_spacing_is_not_copied() -> None:
    script = graph_script("L=(y-w*x)  **2", {"w": 2, "x": 5, "y": 12})
    assert "L = (y - w * x) ** 2\n" in script


def test_refusals_reach_the_script_builder() -> None:
    with pytest.raises(ValueError, match="attribute"):
        graph_script("x.__class__", {"x": 1.0})
    with pytest.raises(ValueError, match="nothing for backward"):
        graph_script("2 * 3", {})


# runs many scripts in one process (torch is imported once): each with its own globals, its
# printed lines collected
RUNNER = """
import contextlib, io, json, sys
out = []
for script in json.load(sys.stdin):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(script, "graph.py", "exec"), {"__name__": "__main__"})
    out.append(buf.getvalue())
print(json.dumps(out))
"""


def _run_many(scripts: list[str]) -> list[tuple[dict, list[str]]]:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps(scripts), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    results = []
    for text in json.loads(done.stdout.strip().splitlines()[-1]):
        lines = text.strip().splitlines()
        results.append((json.loads(lines[-1]), lines))
    return results


def _run(script: str) -> tuple[dict, list[str]]:
    """One script on its own, as a learner runs it."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), lines


def _printed_nodes(lines: list[str]) -> Counter:
    """PyTorch's node names as the script's walk printed them (each node once)."""
    return Counter(ln.strip() for ln in lines if ln.startswith("    ") and "shown above" not in ln)


def _expected_nodes(trace) -> Counter:
    if trace.nodes[trace.output].op == "leaf":
        return Counter()  # the output is a leaf: PyTorch records no graph (grad_fn is None)
    return Counter(name for n in trace.nodes for name in pytorch_node_names(trace.nodes, n))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@needs_torch
def test_seed_script_runs_on_its_own() -> None:
    out, lines = _run(graph_script("L = (y - w*x)**2", {"w": 2, "x": 5, "y": 12}))
    assert out == {"value": 4.0, "grads": {"y": 4.0, "w": -20.0, "x": -8.0}}
    assert "dL/dw = -20.0" in lines


def _random_cases(n: int) -> list[tuple[str, dict]]:
    cases: list[tuple[str, dict]] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(expressions(), values_st)
    def collect(expression: str, values: dict) -> None:
        if evaluate(expression, values).grads:
            cases.append((expression, values))

    collect()
    return cases


@needs_torch
def test_scripts_run_in_pytorch_presets_and_random_expressions() -> None:
    cases = [(p.expression, dict(p.values)) for p in EXPRESSION_PRESETS]
    cases += [("1 - x", {"x": 3.0}), ("2 / x", {"x": 3.0}), ("a*b + a", {"a": 2.0, "b": 5.0})]
    cases += _random_cases(150)
    results = _run_many([graph_script(text, values) for text, values in cases])
    worst = 0.0
    for (text, values), (out, lines) in zip(cases, results, strict=True):
        trace = evaluate(text, values)
        assert _close(out["value"], trace.value), text
        assert out["grads"].keys() == trace.grads.keys()
        for n, g in trace.grads.items():
            assert _close(out["grads"][n], g), (text, n, out["grads"][n], g)
            worst = max(worst, abs(out["grads"][n] - g) / max(1.0, abs(g)))
        # 1 - t is RsubBackward1; 2 / t a reciprocal, then a product: the names match the drawn graph
        assert _printed_nodes(lines) == _expected_nodes(trace), text
    print(f"{len(cases)} scripts, worst relative gradient difference {worst:.2e}")


@needs_torch
def test_network_scripts_run_in_pytorch() -> None:
    ex = classic_222()
    rng = np.random.default_rng(3)
    cases = [(ex.net, ex.X, ex.Y, "half_sse")]
    net = MLP.from_params(
        [rng.normal(size=(3, 2)), rng.normal(size=(2, 1))],
        [rng.normal(size=2), rng.normal(size=1)],
        ["tanh", "sigmoid"],
    )
    cases.append((net, rng.normal(size=(2, 3)), rng.uniform(size=(2, 1)), "bce"))
    for net, X, Y, loss in cases:
        trace = from_network(net, X, Y, loss=loss)
        script = network_graph_script(trace, "test")
        tree = _check_static(script)
        assert _leaf_literals(tree) == {n: trace.nodes[i].value for n, i in trace.leaves.items()}
        [(out, lines)] = _run_many([script])
        assert _close(out["value"], trace.value)
        assert all(_close(out["grads"][n], g) for n, g in trace.grads.items())
        assert _printed_nodes(lines) == _expected_nodes(trace)
