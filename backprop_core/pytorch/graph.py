"""The computational-graph lab in PyTorch: the same expression, ``loss.backward()``, ``.grad``.

``graph_script(expression, values)`` writes the expression from its checked syntax tree (never
the typed text), so the script holds only names, numbers, ``+ - * / **`` and ``torch.<function>``.
``network_graph_script(trace)`` writes a network's graph (``graph.from_network``) one node per
line. Both print PyTorch's own graph (its node names) and, on the last line, one JSON object
``{"value": ..., "grads": {name: ...}}``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import FUNCTIONS, GraphTrace, Node, evaluate, number_text, parse, render
from .common import float_literal, header

TORCH_FUNCTIONS = {f: f"torch.{f}" for f in FUNCTIONS}
# the name PyTorch gives the backward node of each operation (type(t.grad_fn).__name__)
PYTORCH_NODE = {
    "leaf": "AccumulateGrad",
    "+": "AddBackward0",
    "-": "SubBackward0",
    "*": "MulBackward0",
    "/": "DivBackward0",
    "neg": "NegBackward0",
    "**": "PowBackward0",
    "exp": "ExpBackward0",
    "log": "LogBackward0",
    "tanh": "TanhBackward0",
    "sigmoid": "SigmoidBackward0",
    "relu": "ReluBackward0",
}


def pytorch_node_names(nodes: tuple[Node, ...], node: Node) -> tuple[str, ...]:
    """The PyTorch backward node(s) for ``node``: none for a number; ``1 - t`` is PyTorch's
    ``RsubBackward1`` and ``2 / t`` two nodes (a reciprocal, then a product)."""
    if not node.needs_grad:
        return ()
    left_is_number = bool(node.inputs) and nodes[node.inputs[0]].op == "const"
    if node.op == "-" and left_is_number:
        return ("RsubBackward1",)
    if node.op == "/" and left_is_number:
        return ("MulBackward0", "ReciprocalBackward0")
    return (PYTORCH_NODE[node.op],)


WALK = '''

def walk(fn, seen, depth=0):
    """Print PyTorch's backward graph from the output down to the leaves (AccumulateGrad)."""
    if fn is None:  # an input that needs no gradient (a number)
        return
    again = fn in seen
    print("    " + "  " * depth + type(fn).__name__ + ("  (shared, shown above)" if again else ""))
    if not again:
        seen.add(fn)
        for next_fn, _ in fn.next_functions:
            walk(next_fn, seen, depth + 1)
'''


def _closing(output: str, names: tuple[str, ...]) -> list[str]:
    grads = ", ".join(f'"{n}": {n}.grad.item()' for n in names)
    return [
        "",
        'print("PyTorch\'s graph, from the output back to the leaves:")',
        f"walk({output}.grad_fn, set())",
        "",
        "# backward() walks that graph in reverse topological order and stores d(output)/d(leaf) in .grad",
        f"{output}.backward()",
        *(f'print("d{output}/d{n} =", {n}.grad.item())' for n in names),
        "",
        "# the last line: one JSON object with the value and every gradient",
        f'print(json.dumps({{"value": {output}.item(), "grads": {{{grads}}}}}))',
        "",
    ]


def _leaves(values: Mapping[str, float], names: tuple[str, ...]) -> list[str]:
    return [
        "",
        "# the leaves: requires_grad=True asks autograd to record what is computed from them",
        *(f"{n} = torch.tensor({float_literal(values[n])}, requires_grad=True)" for n in names),
    ]


def graph_script(expression: str, values: Mapping[str, float]) -> str:
    """A self-contained PyTorch script for ``expression`` at ``values``: the value, PyTorch's
    graph, ``backward()`` and every leaf's ``.grad``; last line ``{"value": ..., "grads": {...}}``.

    ``ValueError`` for everything ``graph.evaluate`` refuses, and for an expression without names.
    """
    trace = evaluate(expression, values)  # checks the text and the values
    parsed = parse(expression)
    if not parsed.names:
        raise ValueError("the expression uses no names: there is nothing for backward() to differentiate")
    out = parsed.output
    lines = [header(f"{trace.expression}: the graph and its gradients in PyTorch", "graph.py").rstrip()]
    lines += [WALK.rstrip()]
    lines += _leaves(values, parsed.names)
    lines += [
        "",
        "# the forward pass computes the value and records each operation as a node of the graph",
        f"{out} = {render(parsed.tree.body, TORCH_FUNCTIONS)}",
        f'print("{out} =", {out}.item())',
    ]
    return "\n".join(lines + _closing(out, parsed.names))


def network_graph_script(trace: GraphTrace, title: str) -> str:
    """The graph of ``graph.from_network`` in PyTorch, one line per node (``v12 = w5 * v9``), so
    every value used twice is one tensor, as on the page; same output as ``graph_script``."""
    names = tuple(trace.leaves)
    values = {n: trace.nodes[i].value for n, i in trace.leaves.items()}

    def ref(i: int) -> str:
        node = trace.nodes[i]
        return node.name if node.op == "leaf" else number_text(node.value) if node.op == "const" else f"v{i}"

    lines = [header(title, "network_graph.py").rstrip(), WALK.rstrip(), *_leaves(values, names), ""]
    lines.append("# the forward pass, one node per line (the labels are the page's)")
    for node in trace.nodes:
        if node.op in ("leaf", "const"):
            continue
        args = [ref(i) for i in node.inputs]
        if node.op in FUNCTIONS:
            code = f"torch.{node.op}({args[0]})"
        elif node.op == "neg":
            code = f"-{args[0]}"
        elif node.op == "**":
            code = f"{args[0]} ** {number_text(node.exponent)}"
        else:
            code = f"{args[0]} {node.op} {args[1]}"
        lines.append(f"v{node.index} = {code}" + (f"  # {node.name}" if node.name else ""))
    out = f"v{trace.output}"
    lines += [f"L = {out}", 'print("L =", L.item())']
    return "\n".join(lines + _closing("L", names))
