"""What the computational-graph lab computes: presets, the layered layout, the backward pass
step by step, backward twice, the cache, paths, finite differences (numpy + backprop_core only).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from backprop_core import classic_222, train_step
from backprop_core.graph import ExpressionError, GraphTrace, Node, apply, evaluate, from_network
from backprop_core.pytorch.common import CompareRow
from backprop_core.pytorch.graph import graph_script, network_graph_script, pytorch_node_names


@dataclass(frozen=True)
class Preset:
    """A ready example: ``expression`` with ``values`` (empty for the classic network)."""

    key: str
    label: str
    expression: str
    values: tuple[tuple[str, float], ...]
    description: str


CLASSIC = "classic"
CUSTOM = "custom"
PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "seed",
            "L = (y - w*x)**2",
            "L = (y - w*x)**2",
            (("w", 2.0), ("x", 5.0), ("y", 12.0)),
            "one weight, one sample, squared error: dL/dw = -2 x (y - w x) = -20",
        ),
        Preset(
            "tanh",
            "tanh neuron",
            "a = tanh(w1*x1 + w2*x2 + b)",
            (("w1", -0.5), ("x1", 1.0), ("w2", 0.8), ("x2", 2.0), ("b", 0.1)),
            "one neuron with two inputs and a tanh activation",
        ),
        Preset(
            "bce",
            "sigmoid neuron + BCE",
            "L = -(y*log(sigmoid(w*x + b)) + (1 - y)*log(1 - sigmoid(w*x + b)))",
            (("y", 1.0), ("w", 0.7), ("x", 1.5), ("b", -0.4)),
            "binary cross-entropy of a sigmoid neuron, written out (sigmoid appears twice: two nodes)",
        ),
        Preset(
            "fanout",
            "fan-out a*b + a",
            "L = a*b + a",
            (("a", 2.0), ("b", 3.0)),
            "a is used twice: its gradient is the sum of both uses, b + 1 = 4",
        ),
        Preset(
            CLASSIC,
            "classic 2-2-2 network",
            "",
            (),
            "the step-through page's classic network (inputs 0.05, 0.10; targets 0.01, 0.99; sigmoid "
            "layers) and its half sum of squared errors, every multiply and add one node",
        ),
        Preset(CUSTOM, "type your own", "", (), "your expression and values"),
    )
}
DEFAULT_CUSTOM = ("L = relu(w*x + b)**2 / 2", "w = 0.5, x = 3, b = -1")
SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x", "sigmoid": "σ"}
_PAIR = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*([^,=]+?)\s*")


@dataclass(frozen=True)
class Example:
    """One example on the page: the text shown, its ``values``, the ``trace`` and the PyTorch
    ``script``; ``is_network``: built by ``from_network`` (the classic 2-2-2)."""

    label: str
    text: str
    values: tuple[tuple[str, float], ...]
    trace: GraphTrace
    script: str
    is_network: bool


def values_text(values: tuple[tuple[str, float], ...]) -> str:
    return ", ".join(f"{n} = {v:g}" for n, v in values)


def parse_values(text: str) -> dict[str, float]:
    """``"w = 2, x = 5"`` -> ``{"w": 2.0, "x": 5.0}``; ``ValueError`` says which part is wrong."""
    if len(text) > 400:
        raise ValueError("the values are longer than 400 characters")
    out: dict[str, float] = {}
    for k, part in enumerate(p for p in text.split(",") if p.strip()):
        m = _PAIR.fullmatch(part)
        if not m:
            raise ValueError(f"value {k + 1} is not written as name = number")
        try:
            v = float(m.group(2))
        except ValueError:
            raise ValueError(f"value {k + 1} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"value {k + 1} is not a finite number")
        out[m.group(1)] = v
    return out


def build(key: str, custom_text: str = "", custom_values: str = "") -> Example:
    """The example for preset ``key``; ``ValueError`` for a typed expression or values refused."""
    p = PRESETS[key]
    if key == CLASSIC:
        ex = classic_222()
        trace = from_network(ex.net, ex.X, ex.Y, loss=ex.loss)
        script = network_graph_script(trace, "The classic 2-2-2 network's loss as a graph, in PyTorch")
        return Example(p.label, "L = half_sse(classic 2-2-2)", (), trace, script, True)
    if key == CUSTOM:
        values = parse_values(custom_values)
        trace = evaluate(custom_text, values)
        if not trace.grads:
            raise ExpressionError("the expression uses no names, so there is nothing to differentiate")
        return Example(
            p.label, custom_text, tuple(values.items()), trace, graph_script(custom_text, values), False
        )
    values = dict(p.values)
    trace = evaluate(p.expression, values)
    return Example(p.label, p.expression, p.values, trace, graph_script(p.expression, values), False)


# -- layout: layers by depth, leaves just before their first use, barycentre ordering ------------


def layout(trace: GraphTrace, sweeps: int = 4) -> dict[int, tuple[float, float]]:
    """Node index -> (layer, position in layer) for the nodes drawn (numbers that feed one
    operation are drawn too). Operations sit one layer after their deepest input; leaves one
    layer before their earliest use; a few barycentre sweeps reduce crossings."""
    nodes = trace.nodes
    layer: dict[int, int] = {}
    users: dict[int, list[int]] = {i: [] for i in range(len(nodes))}
    for n in nodes:
        for k in n.inputs:
            users[k].append(n.index)
        if n.inputs:
            layer[n.index] = 1 + max(layer.get(k, 0) for k in n.inputs)
    for n in nodes:
        if not n.inputs:
            layer[n.index] = min((layer[u] for u in users[n.index]), default=1) - 1
    shift = min(layer.values())
    columns: dict[int, list[int]] = {}
    for i in range(len(nodes)):
        columns.setdefault(layer[i] - shift, []).append(i)
    pos = {i: float(r) for col in columns.values() for r, i in enumerate(col)}
    order = sorted(columns)
    for sweep in range(sweeps):
        for c in order if sweep % 2 else reversed(order):
            col = columns[c]

            def centre(i: int) -> float:
                near = [pos[k] for k in nodes[i].inputs] + [pos[u] for u in users[i]]
                return sum(near) / len(near) if near else pos[i]

            col.sort(key=centre)
            for r, i in enumerate(col):
                pos[i] = float(r)
    tallest = max(len(c) for c in columns.values())
    return {i: (float(c), pos[i] + (tallest - len(col)) / 2) for c, col in columns.items() for i in col}


# -- the backward pass, one step at a time ------------------------------------------------------


def grads_after(trace: GraphTrace, steps: int) -> list[float | None]:
    """Each node's gradient after the first ``steps`` backward steps (None: not reached yet)."""
    grad: list[float | None] = [None] * len(trace.nodes)
    if trace.nodes[trace.output].needs_grad:
        grad[trace.output] = 1.0  # backward() starts from d output / d output = 1
    for step in trace.backward_steps[:steps]:
        for c in step.contributions:
            grad[c.input] = c.after
    return grad


def node_title(node: Node) -> str:
    """What a node is called on the graph: a leaf's name, a number, or its operation."""
    if node.op == "leaf":
        return node.name
    if node.op == "const":
        return f"{node.value:g}"
    if node.op == "**":
        return f"**{node.exponent:g}"
    return SYMBOL.get(node.op, node.op)


def node_label(node: Node) -> str:
    """``node_title`` with an operation's label: ``σ a(h1)``; a leaf is just its name."""
    return f"{node_title(node)} {node.name}" if node.name and node.op != "leaf" else node_title(node)


def node_text(trace: GraphTrace, i: int, depth: int = 2) -> str:
    """The sub-expression a node computes, shortened below ``depth`` levels (``w * x``)."""
    n = trace.nodes[i]
    if n.op in ("leaf", "const") or depth == 0:
        return node_title(n) if n.op in ("leaf", "const") else (n.name or "…")
    args = [node_text(trace, k, depth - 1) for k in n.inputs]
    if n.op == "neg":
        return f"-({args[0]})"
    if n.op == "**":
        return f"({args[0]})**{n.exponent:g}"
    if len(args) == 1:
        return f"{n.op}({args[0]})"
    return f"({args[0]} {n.op} {args[1]})"


def pytorch_names(trace: GraphTrace, i: int) -> str:
    return " + ".join(pytorch_node_names(trace.nodes, trace.nodes[i])) or "none (a number)"


def backward_twice(trace: GraphTrace, calls: int) -> list[tuple[str, float, float]]:
    """Each leaf's ``.grad`` after ``calls`` backward passes without zeroing: ``calls`` times the
    gradient, because backward adds (``+=``) into ``.grad`` rather than overwriting it."""
    return [(name, g, calls * g) for name, g in trace.grads.items()]


# forward values each operation's local derivative needs, as PyTorch saves them for backward
SAVED = {
    "+": 0,
    "-": 0,
    "neg": 0,
    "*": 2,
    "/": 2,
    "**": 1,
    "exp": 1,
    "log": 1,
    "tanh": 1,
    "sigmoid": 1,
    "relu": 1,
}


@dataclass(frozen=True)
class CacheSummary:
    nodes: int
    operations: int
    saved: int
    by_op: tuple[tuple[str, int, int], ...]  # (op, count, saved values)


def cache_summary(trace: GraphTrace) -> CacheSummary:
    """How many forward values the backward pass must keep (the cache) against the graph's size."""
    ops = [n for n in trace.nodes if n.op not in ("leaf", "const") and n.needs_grad]
    by: dict[str, list[int]] = {}
    for n in ops:
        c = by.setdefault(n.op, [0, 0])
        c[0] += 1
        c[1] += SAVED[n.op]
    rows = tuple((op, c, s) for op, (c, s) in by.items())
    return CacheSummary(len(trace.nodes), len(ops), sum(r[2] for r in rows), rows)


def paths(trace: GraphTrace, leaf: str) -> list[tuple[list[int], float]]:
    """Every path from ``leaf`` to the output with the product of its local derivatives; their
    sum is the leaf's gradient (the chain rule summed over paths)."""
    users: dict[int, list[tuple[int, float]]] = {}
    for n in trace.nodes:
        for k, local in zip(n.inputs, n.local, strict=True):
            users.setdefault(k, []).append((n.index, local))
    out: list[tuple[list[int], float]] = []

    def walk(i: int, path: list[int], product: float) -> None:
        if i == trace.output:
            out.append((path, product))
        for u, local in users.get(i, []):
            walk(u, [*path, u], product * local)

    walk(trace.leaves[leaf], [trace.leaves[leaf]], 1.0)
    return out


@dataclass(frozen=True)
class DeltaW5:
    """dL/dw5 by the step-through page's delta recursion: delta(o1) = dL/da(o1) * sigma'(z(o1)),
    dL/dw5 = delta(o1) * a(h1)."""

    a_o1: float
    y1: float
    dL_da: float
    dsigma: float
    delta_o1: float
    a_h1: float
    dw5: float


def delta_w5() -> DeltaW5:
    ex = classic_222()
    t = train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=True)
    a_o1, y1, a_h1 = float(t.a[1][0, 0]), float(ex.Y[0, 0]), float(t.a[0][0, 0])
    return DeltaW5(
        a_o1, y1, a_o1 - y1, a_o1 * (1 - a_o1), float(t.delta[1][0, 0]), a_h1, float(t.dW[1][0, 0])
    )


def replay(trace: GraphTrace, leaf_values: dict[str, float]) -> float:
    """The output recomputed with some leaves changed (same graph, same operations)."""
    v = [n.value for n in trace.nodes]
    for name, x in leaf_values.items():
        v[trace.leaves[name]] = x
    for n in trace.nodes:
        if n.inputs:
            v[n.index] = apply(n.op, tuple(v[k] for k in n.inputs), n.exponent)[0]
    return v[trace.output]


def fd_check(trace: GraphTrace, h: float = 1e-6) -> list[tuple[str, float, float, float]]:
    """Per leaf: (name, backprop gradient, central difference (f(v+h) - f(v-h)) / 2h, |difference|)."""
    rows = []
    for name, g in trace.grads.items():
        v = trace.nodes[trace.leaves[name]].value
        step = h * max(1.0, abs(v))
        fd = (replay(trace, {name: v + step}) - replay(trace, {name: v - step})) / (2 * step)
        rows.append((name, g, fd, abs(g - fd)))
    return rows


def compare_rows(example: Example) -> list[CompareRow]:
    """What the PyTorch script prints beside the page's numbers."""
    out = "L" if example.is_network else example.trace.expression.split(" = ")[0]
    rows = [CompareRow(out, f"{out}.item()", example.trace.value)]
    rows += [CompareRow(f"d{out}/d{n}", f"{n}.grad.item()", g) for n, g in example.trace.grads.items()]
    return rows
