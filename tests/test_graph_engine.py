"""The scalar graph engine (backprop_core.graph): worked examples, finite differences over random
expressions using every operation, fan-out, from_network against train_step, the refusals."""

from __future__ import annotations

import ast
import dataclasses
import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_core import CLASSIC_WEIGHT_NAMES, MLP, classic_222, train_step
from backprop_core.graph import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NETWORK_NODES,
    MAX_NODES,
    OPS,
    ExpressionError,
    evaluate,
    from_network,
    network_graph_size,
    param_leaf_name,
    parse,
    render,
)

# -- worked examples -----------------------------------------------------------------------------


def test_seed_example_by_hand() -> None:
    # L = (y - w x)^2 at w=2, x=5, y=12: y - w x = 2, L = 4, dL/dw = 2 (y - w x)(-x) = -20
    t = evaluate("L = (y - w*x)**2", {"w": 2, "x": 5, "y": 12})
    assert t.value == 4.0
    assert dict(t.grads) == {"y": 4.0, "w": -20.0, "x": -8.0}
    assert not t.non_finite


def test_fan_out_accumulates() -> None:
    # L = a*b + a: dL/da = b + 1 (two uses, summed), dL/db = a
    t = evaluate("a*b + a", {"a": 2.0, "b": 3.0})
    assert dict(t.grads) == {"a": 4.0, "b": 2.0}
    into_a = [c for s in t.backward_steps for c in s.contributions if c.input == t.leaves["a"]]
    assert len(into_a) == 2
    assert into_a[0].before == 0.0 and into_a[1].before == into_a[0].after
    assert into_a[1].after == 4.0


def test_a_name_used_twice_is_one_leaf() -> None:
    t = evaluate("x*x", {"x": 3.0})
    assert [n.op for n in t.nodes] == ["leaf", "*"]
    assert t.grads["x"] == 6.0


def test_nodes_forward_order_and_steps_reverse_order() -> None:
    t = evaluate("tanh(w1*x1 + w2*x2 + b)", {"w1": -0.5, "x1": 1.0, "w2": 0.8, "x2": 2.0, "b": 0.1})
    for n in t.nodes:
        assert all(k < n.index for k in n.inputs)  # topological: inputs first
    order = [s.node for s in t.backward_steps]
    assert order == sorted(order, reverse=True)
    done = set()
    for s in t.backward_steps:  # every user of a node is processed before the node
        users = {n.index for n in t.nodes if s.node in n.inputs}
        assert users <= done
        done.add(s.node)
    for s in t.backward_steps:
        for c in s.contributions:
            assert c.contribution == s.upstream * c.local


def test_trace_is_immutable() -> None:
    t = evaluate("a + b", {"a": 1.0, "b": 2.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.value = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.grads["a"] = 0.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("expression", "x", "dx"),
    [
        ("x + 2", 1.5, 1.0),
        ("2 - x", 1.5, -1.0),
        ("3 * x", 1.5, 3.0),
        ("1 / x", 2.0, -0.25),
        ("-x", 1.5, -1.0),
        ("x**3", 2.0, 12.0),
        ("x**-1", 2.0, -0.25),
        ("x**0.5", 4.0, 0.25),
        ("exp(x)", 0.0, 1.0),
        ("log(x)", 4.0, 0.25),
        ("tanh(x)", 0.0, 1.0),
        ("sigmoid(x)", 0.0, 0.25),
        ("relu(x)", 2.0, 1.0),
        ("relu(x)", -2.0, 0.0),
    ],
)
def test_each_operation_by_hand(expression: str, x: float, dx: float) -> None:
    assert evaluate(expression, {"x": x}).grads["x"] == pytest.approx(dx, abs=1e-15)


def test_non_finite_is_flagged_not_raised() -> None:
    t = evaluate("log(x)", {"x": 0.0})
    assert t.value == -math.inf and t.non_finite
    t = evaluate("9**9**9**9", {})
    assert t.value == math.inf and t.non_finite
    assert evaluate("x / y", {"x": 1.0, "y": 0.0}).non_finite


# -- finite differences over random expressions built from every operation -------------------

NAMES = ("a", "b", "c")


@st.composite
def expressions(draw, depth: int = 3) -> str:
    """Random expressions whose every operation stays on its smooth, finite domain for values in
    [-2, 2]: a denominator or a fractional power's base is 1 + e**2, log's argument too."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return (
            draw(st.sampled_from(NAMES)) if draw(st.booleans()) else repr(draw(st.sampled_from((0.5, 2, 3))))
        )
    e = draw(expressions(depth - 1))
    kind = draw(st.sampled_from(("+", "-", "*", "/", "neg", "**", "exp", "log", "tanh", "sigmoid", "relu")))
    if kind in ("+", "-", "*"):
        return f"({e} {kind} {draw(expressions(depth - 1))})"
    if kind == "/":
        return f"({e} / (1 + {draw(expressions(depth - 1))}**2))"
    if kind == "neg":
        return f"-({e})"
    if kind == "**":
        p = draw(st.sampled_from((2, 3, -1, 0.5)))
        return f"({e})**{p}" if p in (2, 3) else f"(1 + ({e})**2)**{p}"
    if kind == "exp":
        return f"exp(tanh({e}))"
    if kind == "log":
        return f"log(1 + ({e})**2)"
    return f"{kind}({e})"


values_st = st.fixed_dictionaries({n: st.floats(-2, 2) for n in NAMES})


def _fd(expression: str, values: dict, name: str, h: float = 1e-6) -> float:
    up = evaluate(expression, {**values, name: values[name] + h}).value
    down = evaluate(expression, {**values, name: values[name] - h}).value
    return (up - down) / (2 * h)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), values_st)
def test_gradients_match_central_differences(expression: str, values: dict) -> None:
    t = evaluate(expression, values)
    # relu has a kink at 0: stay away from it (the difference quotient straddles it)
    assume(all(abs(t.nodes[n.inputs[0]].value) > 1e-3 for n in t.nodes if n.op == "relu"))
    assume(not t.non_finite)
    for name, g in t.grads.items():
        fd = _fd(expression, values, name)
        assert abs(g - fd) <= 1e-5 * max(1.0, abs(g), abs(t.value)), (expression, name, g, fd)


def test_the_random_expressions_use_every_operation() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None)
    @given(expressions(), values_st)
    def collect(expression: str, values: dict) -> None:
        seen.update(n.op for n in evaluate(expression, values).nodes)

    collect()
    assert set(OPS) <= seen


@settings(max_examples=200, deadline=None)
@given(expressions(), values_st)
def test_render_round_trips(expression: str, values: dict) -> None:
    # the canonical text reads back as the same graph, numbers and grouping exactly
    text = render(parse(expression).tree.body)
    a, b = evaluate(expression, values), evaluate(text, values)
    assert [(n.op, n.value, n.inputs) for n in a.nodes] == [(n.op, n.value, n.inputs) for n in b.nodes]
    assert dict(a.grads) == dict(b.grads)


# -- from_network against the matrix engine --------------------------------------------------------


def test_classic_network_names_and_published_gradient() -> None:
    ex = classic_222()
    t = from_network(ex.net, ex.X, ex.Y, loss=ex.loss)
    step = train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr)
    for name, (l, i, j) in CLASSIC_WEIGHT_NAMES.items():
        assert t.grads[name] == pytest.approx(step.dW[l][i, j], abs=1e-15)
    assert round(t.grads["w5"], 9) == 0.082167041  # the walk-through's printed dE/dw5
    assert t.value == pytest.approx(step.loss, abs=1e-15)


@st.composite
def networks(draw):
    n_hidden = draw(st.integers(1, 2))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_hidden + 2)]
    loss = draw(st.sampled_from(("half_sse", "mse", "bce")))
    hidden = draw(st.sampled_from(("sigmoid", "tanh", "relu", "linear")))
    out = "sigmoid" if loss == "bce" else draw(st.sampled_from(("sigmoid", "tanh", "linear")))
    rng = np.random.default_rng(draw(st.integers(0, 10**6)))
    m = draw(st.integers(1, 3))
    weights = [rng.normal(0, 1, (a, b)) for a, b in pairwise(sizes)]
    biases = [rng.normal(0, 0.5, b) for b in sizes[1:]]
    net = MLP.from_params(weights, biases, [hidden] * n_hidden + [out])
    X = rng.normal(0, 1, (m, sizes[0]))
    Y = rng.uniform(0, 1, (m, sizes[-1])) if loss == "bce" else rng.normal(0, 1, (m, sizes[-1]))
    return net, X, Y, loss


@settings(max_examples=60, deadline=None)
@given(networks())
def test_from_network_equals_train_step(case) -> None:
    net, X, Y, loss = case
    t = from_network(net, X, Y, loss=loss)
    step = train_step(net, X, Y, loss=loss, lr=0.0)
    assert t.value == pytest.approx(step.loss, rel=1e-12, abs=1e-12)
    sizes = net.sizes
    for l in range(net.n_layers):
        for j in range(sizes[l + 1]):
            assert abs(t.grads[param_leaf_name(sizes, l, None, j)] - step.db[l][j]) <= 1e-12
            for i in range(sizes[l]):
                assert abs(t.grads[param_leaf_name(sizes, l, i, j)] - step.dW[l][i, j]) <= 1e-12


@settings(max_examples=30, deadline=None)
@given(networks())
def test_the_graph_size_is_counted_before_building(case) -> None:
    net, X, Y, loss = case
    assert network_graph_size(net.sizes, net.activations, X.shape[0], loss) == len(
        from_network(net, X, Y, loss).nodes
    )


def test_a_network_too_big_to_draw_is_refused_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_core import graph

    net = MLP.create([64, 64, 64, 1], rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"64-64-64-1 network's half_sse loss on 10 sample\(s\) would have 175,476"
    ):
        from_network(net, np.zeros((10, 64)), np.zeros((10, 1)))
    # refused before a single node is made, however many samples
    made = []
    monkeypatch.setattr(graph.Builder, "_add", lambda self, **kw: made.append(kw) or 0)
    with pytest.raises(ValueError, match="at most 5,000 can be built"):
        from_network(classic_222().net, np.zeros((2000, 2)), np.zeros((2000, 2)))
    assert made == []
    monkeypatch.undo()
    # the largest that fits is built
    ex = classic_222()
    m = max(
        m
        for m in range(1, 200)
        if network_graph_size(ex.net.sizes, ex.net.activations, m, "mse") <= MAX_NETWORK_NODES
    )
    X, Y = np.repeat(ex.X, m, axis=0), np.repeat(ex.Y, m, axis=0)
    assert len(from_network(ex.net, X, Y, "mse").nodes) <= MAX_NETWORK_NODES


def test_from_network_refuses_what_it_cannot_draw() -> None:
    ex = classic_222()
    with pytest.raises(ValueError, match="cross_entropy"):
        from_network(ex.net, ex.X, ex.Y, loss="cross_entropy")
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        from_network(ex.net, np.zeros((1, 3)), ex.Y)


# -- refusals: every one a ValueError naming the problem and where it is -------------------------

BAD = [
    ("a.b", "attribute", 1),
    ("x + y[0]", "subscript", 5),
    ("print(x)", "only the functions", 1),
    ("__import__('os')", "only the functions", 1),
    ("exp(x=1)", "keyword", 1),
    ("exp(x, y)", "exactly one argument", 1),
    ("(lambda: 1)()", "only the functions", 1),
    ("x + (lambda: 1)", "lambda", 6),
    ("[v for v in x]", "comprehension", 1),
    ("x + 'a'", "strings", 5),
    ("f'{x}'", "f-strings", 1),
    ("(y := 2) + x", "walrus", 2),
    ("_x + 1", "underscore", 1),
    ("x + exp", "function name", 5),
    ("x ** y", "exponent", 6),
    ("x // 2", "operators", 1),
    ("x < y", "comparisons", 1),
    ("x if y else 1", "if-else", 1),
    ("x, y", "one expression", 1),
    ("x + True", "not numbers", 5),
    ("2j * x", "complex", 1),
    ("1e400 * x", "too large", 1),
    ("torch + x", "reserved", 1),
    ("x +", "not well formed", None),
    ("", "no expression", None),
    ("x\n+ 1", "one line", None),
]


@pytest.mark.parametrize(("text", "problem", "column"), BAD)
def test_refused_with_problem_and_position(text: str, problem: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(text, {"x": 1.0, "y": 2.0})
    assert problem in info.value.problem
    if column is not None:
        assert info.value.column == column
        assert f"column {column}" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_limits_are_refused_before_any_work() -> None:
    with pytest.raises(ExpressionError, match=f"limit is {MAX_LENGTH}"):
        evaluate("x+" * 10**6 + "x", {"x": 1.0})
    with pytest.raises(ExpressionError, match="nested"):
        evaluate("-" * (MAX_DEPTH + 5) + "x", {"x": 1.0})  # 106 characters, 106 parts
    many = "+".join(["a*b"] * 60)  # 239 characters, 239 parts (names, products, sums)
    assert len(many) <= MAX_LENGTH
    with pytest.raises(ExpressionError, match=f"more than {MAX_NODES}"):
        evaluate(many, {"a": 1.0, "b": 1.0})


def test_values_are_checked() -> None:
    with pytest.raises(ExpressionError, match="no value") as info:
        evaluate("x + zz", {"x": 1.0})
    assert info.value.column == 5 and info.value.snippet == "zz"
    for bad in (math.nan, math.inf, "3", True, None):
        with pytest.raises(ExpressionError, match="not a finite number"):
            evaluate("x + 1", {"x": bad})
    with pytest.raises(ValueError, match="mapping"):
        evaluate("x", [("x", 1.0)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text"):
        evaluate(3, {})  # type: ignore[arg-type]


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("ä + x.y", {"ä": 1.0, "x": 1.0})
    assert info.value.column == 5


def test_output_name_and_functions() -> None:
    p = parse("loss = relu(w)")
    assert p.output == "loss" and p.names == ("w",)
    assert set(FUNCTIONS) == {"exp", "log", "tanh", "sigmoid", "relu"}
    assert isinstance(p.tree, ast.Expression)
    with pytest.raises(ExpressionError, match="must differ"):
        parse("w = w * 2")


def test_grads_is_a_read_only_dict_as_the_contract_says() -> None:
    import json

    trace = evaluate("(y - w*x)**2", {"w": 2.0, "x": 5.0, "y": 12.0})
    assert isinstance(trace.grads, dict)
    assert json.loads(json.dumps(trace.grads)) == {"w": -20.0, "x": -8.0, "y": 4.0}
    with pytest.raises(TypeError):
        trace.grads["w"] = 0.0
    with pytest.raises(TypeError):
        trace.grads.update(w=0.0)
    assert trace.grads["w"] == -20.0
