"""The scalar computational graph: what ``loss.backward()`` walks, with every number kept.

A typed expression (``evaluate``) or a small network's loss (``from_network``) becomes a list of
nodes in forward, topological order: named leaves, numbers and operations. The forward pass
stores each node's value and its local derivatives (d node / d input); ``backward`` then walks
the list in reverse, multiplying each node's complete gradient by those local derivatives and
adding (``+=``) the products into its inputs, so a value used twice gets the sum of both uses.

The text is read with ``ast.parse(mode="eval")`` and a whitelist of node types, never run: only
``+ - * /``, unary minus, ``**`` with a number exponent, ``exp log tanh sigmoid relu``, names and
numbers. All arithmetic is float64; inf/NaN is flagged (``non_finite``), never raised.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .datasets import CLASSIC_WEIGHT_NAMES
from .graph_parse import (
    BINOPS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    RESERVED,
    Checker,
    ExpressionError,
    Parsed,
    named_nodes,
    parse,
)
from .graph_size import network_graph_size
from .network import MLP
from .numerics import float_literal
from .validation import check_finite, real_array, real_number, show

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NETWORK_NODES",
    "MAX_NODES",
    "OPS",
    "RESERVED",
    "BackwardStep",
    "Builder",
    "Contribution",
    "ExpressionError",
    "GraphTrace",
    "Node",
    "Parsed",
    "apply",
    "backward",
    "constant_value",
    "evaluate",
    "from_network",
    "named_nodes",
    "network_graph_size",
    "number_text",
    "param_leaf_name",
    "parse",
    "render",
]

MAX_NETWORK_NODES = 5000  # nodes of a network's graph (from_network)
OPS = ("+", "-", "*", "/", "neg", "**", *FUNCTIONS)


@dataclass(frozen=True)
class Node:
    """One node of the graph. ``op``: ``"leaf"`` (a named input), ``"const"`` (a number) or one of
    ``OPS``. ``inputs``: indices of earlier nodes; ``local[k]`` = d value / d ``inputs[k]`` at the
    forward values. ``exponent``: the number in ``x ** p``. ``name``: a leaf's name, or a label such
    as ``"a(h1)"``. ``needs_grad``: the node depends on a leaf (PyTorch's ``requires_grad``)."""

    index: int
    op: str
    value: float
    inputs: tuple[int, ...] = ()
    local: tuple[float, ...] = ()
    exponent: float | None = None
    name: str = ""
    needs_grad: bool = False


@dataclass(frozen=True)
class Contribution:
    """What one backward step adds to one input: ``upstream * local = contribution``; the
    input's gradient goes from ``before`` to ``after`` (``+=``)."""

    input: int
    local: float
    contribution: float
    before: float
    after: float


@dataclass(frozen=True)
class BackwardStep:
    """One node processed by the backward pass: its complete gradient ``upstream`` (d output /
    d node) and what it passes to each input that needs a gradient."""

    node: int
    upstream: float
    contributions: tuple[Contribution, ...]


class FrozenDict(dict):
    """A dict that refuses changes: ``.grads`` is a real ``dict`` (as the public contract says, so
    ``json.dumps`` and ``isinstance(..., dict)`` work) and the trace stays immutable."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a trace's dict is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # frozen dataclasses hash their fields
        return hash(tuple(self.items()))


@dataclass(frozen=True)
class GraphTrace:
    """A forward and a backward pass over one graph. ``nodes``: forward topological order
    (``nodes[output]`` is the result, the last one); ``node_grads[i]`` = d output / d node i;
    ``grads``: every leaf name -> d output / d name; ``backward_steps``: reverse topological order."""

    expression: str
    nodes: tuple[Node, ...]
    output: int
    value: float
    grads: Mapping[str, float]
    node_grads: tuple[float, ...]
    backward_steps: tuple[BackwardStep, ...]
    non_finite: bool
    leaves: Mapping[str, int]


# -- the operations: value and local derivatives side by side ----------------------------------


def apply(op: str, xs: tuple[float, ...], exponent: float | None = None) -> tuple[float, tuple[float, ...]]:
    """``op`` on ``xs``: its value and d value / d each input (float64; inf/NaN pass through)."""
    with np.errstate(all="ignore"):
        x = [np.float64(v) for v in xs]
        if op == "+":
            return float(x[0] + x[1]), (1.0, 1.0)
        if op == "-":
            return float(x[0] - x[1]), (1.0, -1.0)
        if op == "*":
            return float(x[0] * x[1]), (float(x[1]), float(x[0]))
        if op == "/":
            return float(x[0] / x[1]), (float(1 / x[1]), float(-x[0] / x[1] ** 2))
        if op == "neg":
            return float(-x[0]), (-1.0,)
        if op == "**":
            p = np.float64(exponent)
            # d/dx x**0 is 0 everywhere, as in PyTorch (not 0 * x**-1, NaN at x = 0)
            return float(x[0] ** p), (float(p * x[0] ** (p - 1)) if p != 0 else 0.0,)
        if op == "exp":
            e = np.exp(x[0])
            return float(e), (float(e),)
        if op == "log":
            return float(np.log(x[0])), (float(1 / x[0]),)
        if op == "tanh":
            t = np.tanh(x[0])
            return float(t), (float(1 - t * t),)
        if op == "sigmoid":
            # exp of a negative number only: no overflow for large |x|
            e = np.exp(-abs(x[0]))
            s = 1 / (1 + e) if x[0] >= 0 else e / (1 + e)
            return float(s), (float(s * (1 - s)),)
        if op == "relu":
            return float(max(x[0], 0.0)), (1.0 if x[0] > 0 else 0.0,)  # max(NaN, 0) stays NaN
    raise ValueError(f"unknown operation {op!r}; expected one of {', '.join(OPS)}")


class Builder:
    """Collects nodes in forward order; each new node is evaluated as it is added."""

    def __init__(self, limit: int = MAX_NETWORK_NODES) -> None:
        self.nodes: list[Node] = []
        self.leaves: dict[str, int] = {}
        self.limit = limit

    def _add(self, **fields: object) -> int:
        if len(self.nodes) >= self.limit:
            raise ValueError(f"the graph would have more than {self.limit} nodes; use a smaller example")
        self.nodes.append(Node(index=len(self.nodes), **fields))
        return len(self.nodes) - 1

    def leaf(self, name: str, value: float) -> int:
        if name not in self.leaves:
            self.leaves[name] = self._add(op="leaf", value=float(value), name=name, needs_grad=True)
        return self.leaves[name]

    def const(self, value: float) -> int:
        return self._add(op="const", value=float(value))

    def op(self, op: str, *inputs: int, exponent: float | None = None, name: str = "") -> int:
        value, local = apply(op, tuple(self.nodes[i].value for i in inputs), exponent)
        needs = any(self.nodes[i].needs_grad for i in inputs)
        return self._add(
            op=op, value=value, inputs=inputs, local=local, exponent=exponent, name=name, needs_grad=needs
        )

    def trace(self, expression: str) -> GraphTrace:
        nodes = tuple(self.nodes)
        grads, steps = backward(nodes)
        finite = all(math.isfinite(n.value) for n in nodes) and all(math.isfinite(g) for g in grads)
        return GraphTrace(
            expression=expression,
            nodes=nodes,
            output=len(nodes) - 1,
            value=nodes[-1].value,
            grads=FrozenDict({name: grads[i] for name, i in self.leaves.items()}),
            node_grads=grads,
            backward_steps=steps,
            non_finite=not finite,
            leaves=FrozenDict(self.leaves),
        )


def backward(nodes: tuple[Node, ...]) -> tuple[tuple[float, ...], tuple[BackwardStep, ...]]:
    """The backward pass from the last node: reverse topological order, so a node's gradient
    is complete (every node that uses it has added its share) before the node passes it on."""
    grad = [0.0] * len(nodes)
    grad[-1] = 1.0  # d output / d output
    steps = []
    for node in reversed(nodes):
        if not node.needs_grad:
            continue  # a number, or built from numbers only: nothing to differentiate
        parts = []
        for k, local in zip(node.inputs, node.local, strict=True):
            if nodes[k].needs_grad:
                before = grad[k]
                grad[k] = before + grad[node.index] * local  # chain rule; += sums a fan-out
                parts.append(Contribution(k, local, grad[node.index] * local, before, grad[k]))
        steps.append(BackwardStep(node.index, grad[node.index], tuple(parts)))
    return tuple(grad), tuple(steps)


def evaluate(expression: str, values: Mapping[str, float]) -> GraphTrace:
    """Forward and backward over a typed expression with ``values`` for its names.

    ``values``: name -> number for every name used (extra names are ignored). Returns a
    ``GraphTrace``; ``ValueError`` (``ExpressionError``) for a refused expression, a missing value or
    a value that is not a finite number, naming it and where it is used.
    """
    parsed = parse(expression)
    if not isinstance(values, Mapping):
        raise ExpressionError("values must be a mapping from names to numbers")
    uses = sorted((n for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)), key=lambda n: n.col_offset)
    first_use: dict[str, ast.Name] = {}
    for n in uses:
        first_use.setdefault(n.id, n)
    checker = Checker(parsed.text[parsed.offset :], parsed.offset)
    numbers = {}
    for name in parsed.names:
        if name not in values:
            checker.fail("no value is given for this name", first_use[name])
        try:
            number = real_number(values[name], name)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            checker.fail("the value given for this name is not a finite number", first_use[name])
        numbers[name] = number
    b = Builder(limit=MAX_NETWORK_NODES)
    for name in parsed.names:
        b.leaf(name, numbers[name])
    _build(parsed.tree.body, b, named_nodes(parsed.tree))
    return b.trace(f"{parsed.output} = {render(parsed.tree.body)}")


def constant_value(node: ast.AST) -> float:
    """The float64 value of a checked sub-expression without names (an exponent, a constant)."""
    b = Builder()
    _build(node, b)
    return b.nodes[-1].value


def _build(node: ast.AST, b: Builder, named: frozenset[int] | None = None) -> int:
    # arithmetic on numbers alone is done once, as a number (PyTorch records no node for it);
    # named=None: no folding (constant_value itself)
    if named is not None and not isinstance(node, ast.Constant) and id(node) not in named:
        return b.const(constant_value(node))
    if isinstance(node, ast.Constant):
        return b.const(float(node.value))
    if isinstance(node, ast.Name):
        return b.leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _build(node.operand, b, named)
        return b.op("neg", inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call):
        return b.op(node.func.id, _build(node.args[0], b, named))
    op = BINOPS[type(node.op)]
    if op == "**":
        return b.op("**", _build(node.left, b, named), exponent=constant_value(node.right))
    return b.op(op, _build(node.left, b, named), _build(node.right, b, named))


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}


def render(node: ast.AST, functions: Mapping[str, str] | None = None) -> str:
    """Canonical text of a checked expression with the parentheses its structure needs; numbers
    as float64 ``repr`` and exponents folded to their value. ``functions`` renames the calls
    (``{"exp": "torch.exp"}``)."""
    return _render(node, functions or {}, named_nodes(node))[0]


def number_text(value: float) -> str:
    """A number as Python text that reads back exactly: ``2`` for whole numbers, else ``repr``."""
    if value.is_integer() and abs(value) < 1e15 and not (value == 0 and math.copysign(1.0, value) < 0):
        return str(int(value))
    return float_literal(value)


def _render(node: ast.AST, fn: Mapping[str, str], named: frozenset[int]) -> tuple[str, int]:
    if id(node) not in named:  # folded to one number, as the graph does
        text = number_text(constant_value(node))
        return (text, 5) if not text.startswith("-") else (f"({text})", 5)
    if isinstance(node, ast.Name):
        return node.id, 5
    if isinstance(node, ast.Call):
        return f"{fn.get(node.func.id, node.func.id)}({_render(node.args[0], fn, named)[0]})", 5
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return _render(node.operand, fn, named)
        text, p = _render(node.operand, fn, named)
        return f"-{text if p >= 3 else f'({text})'}", 3
    op = BINOPS[type(node.op)]
    left, lp = _render(node.left, fn, named)
    if op == "**":
        return f"{left if lp > 4 else f'({left})'} ** {_render(node.right, fn, named)[0]}", 4
    right, rp = _render(node.right, fn, named)
    mine = _PRECEDENCE[op]
    left = left if lp >= mine else f"({left})"
    right = right if rp > mine else f"({right})"  # a - (b - c): the grouping is kept exactly
    return f"{left} {op} {right}", mine


# -- a network's loss as a graph -------------------------------------------------------------------

GRAPH_LOSSES = ("half_sse", "mse", "bce")
GRAPH_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
# (layer, i, j) -> w1..w8, the step-through page's names for the classic 2-2-2
CLASSIC_NAMES = {param: name for name, param in CLASSIC_WEIGHT_NAMES.items()}


def param_leaf_name(sizes: tuple[int, ...], layer: int, i: int | None, j: int) -> str:
    """A parameter's leaf name: ``w1..w8`` in a 2-2-2 network (the step-through page's names),
    else ``w2_1_1`` (layer 2, from neuron 1 to 2, the page's ``w2.1.1``); ``b1_2`` for the bias
    of neuron 2 of layer 1 (the page's ``b1.2``). Leaf names are identifiers, hence ``_``."""
    if i is None:
        return f"b{layer + 1}_{j + 1}"
    if tuple(sizes) == (2, 2, 2):
        return CLASSIC_NAMES[(layer, i, j)]
    return f"w{layer + 1}_{i + 1}_{j + 1}"


def from_network(net: MLP, X: np.ndarray, Y: np.ndarray, loss: str = "half_sse") -> GraphTrace:
    """The graph of ``net``'s averaged ``loss`` on ``X`` ``(m, n_in)`` and ``Y`` ``(m, n_out)``.

    Leaves: every weight and bias (``param_leaf_name``), inputs ``x1..`` and targets ``y1..``
    (``x1_s2``: sample 2 when m > 1). Its ``grads`` equal ``train_step(...).dW / .db``.
    """
    if not isinstance(net, MLP):
        raise ValueError(f"net must be an MLP (MLP.create or MLP.from_params), got {show(net)}")
    X = np.atleast_2d(real_array(X, "X", f"an array of shape (m, {net.sizes[0]})"))
    Y = np.atleast_2d(real_array(Y, "Y", f"an array of shape (m, {net.sizes[-1]})"))
    sizes = net.sizes
    if X.ndim != 2 or X.shape[1] != sizes[0] or Y.shape != (X.shape[0], sizes[-1]):
        raise ValueError(f"X must be (m, {sizes[0]}) and Y (m, {sizes[-1]}); got {X.shape} and {Y.shape}")
    check_finite(X, "X")
    check_finite(Y, "Y")
    if not isinstance(loss, str) or loss not in GRAPH_LOSSES:
        raise ValueError(
            f"loss {show(loss)} is not drawn as a graph; choose one of {', '.join(GRAPH_LOSSES)}"
        )
    if bad := [a for a in net.activations if a not in GRAPH_ACTIVATIONS]:
        raise ValueError(f"activation {bad[0]!r} is not drawn as a graph; use {', '.join(GRAPH_ACTIVATIONS)}")
    if loss == "bce" and net.activations[-1] != "sigmoid":
        raise ValueError("bce needs a sigmoid output layer")
    m, k = X.shape[0], sizes[-1]
    if (count := network_graph_size(sizes, net.activations, m, loss)) > MAX_NETWORK_NODES:
        raise ValueError(
            f"the graph of a {'-'.join(map(str, sizes))} network's {loss} loss on {m} sample(s) would have "
            f"{count:,} nodes; at most {MAX_NETWORK_NODES:,} can be built: use fewer or smaller layers, or "
            "fewer samples"
        )
    neuron = [
        [f"{'o' if c == len(sizes) - 1 else 'h' if len(sizes) == 3 else f'h{c}.'}{j + 1}" for j in range(n)]
        for c, n in enumerate(sizes)
    ]
    b = Builder()
    for l in range(net.n_layers):
        for j in range(sizes[l + 1]):
            for i in range(sizes[l]):
                b.leaf(param_leaf_name(sizes, l, i, j), net.weights[l][i, j])
            b.leaf(param_leaf_name(sizes, l, None, j), net.biases[l][j])
    terms = []
    for s in range(m):
        tag = f"_s{s + 1}" if m > 1 else ""
        a = [b.leaf(f"x{i + 1}{tag}", X[s, i]) for i in range(sizes[0])]
        for l in range(net.n_layers):
            nxt = []
            for j in range(sizes[l + 1]):
                z = b.leaves[param_leaf_name(sizes, l, None, j)]
                for i in range(sizes[l]):
                    z = b.op("+", b.op("*", b.leaves[param_leaf_name(sizes, l, i, j)], a[i]), z)
                b.nodes[z] = _renamed(b.nodes[z], f"z({neuron[l + 1][j]}{tag})")
                act = net.activations[l]
                nxt.append(z if act == "linear" else b.op(act, z, name=f"a({neuron[l + 1][j]}{tag})"))
            a = nxt
        for j in range(k):
            y = b.leaf(f"y{j + 1}{tag}", Y[s, j])
            if loss == "bce":
                one_minus_y = b.op("-", b.const(1.0), y)
                one_minus_a = b.op("-", b.const(1.0), a[j])
                t = b.op(
                    "+", b.op("*", y, b.op("log", a[j])), b.op("*", one_minus_y, b.op("log", one_minus_a))
                )
                terms.append(b.op("neg", t))
            else:
                terms.append(b.op("**", b.op("-", a[j], y), exponent=2.0))
    total = terms[0]
    for t in terms[1:]:
        total = b.op("+", total, t)
    scale = {"half_sse": 0.5 / m, "mse": 1.0 / (m * k), "bce": 1.0 / (m * k)}[loss]
    b.op("*", b.const(scale), total, name="L")
    return b.trace(f"{loss} loss of a {'-'.join(map(str, sizes))} network on {m} sample(s)")


def _renamed(node: Node, name: str) -> Node:
    return Node(
        node.index, node.op, node.value, node.inputs, node.local, node.exponent, name, node.needs_grad
    )
