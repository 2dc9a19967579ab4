"""The computational-graph lab's prose, built from the model's numbers where it names them."""

from __future__ import annotations

from backprop_core.graph import MAX_LENGTH, GraphTrace

from .model import CacheSummary, DeltaW5, node_label, node_text, node_title, pytorch_names

TITLE = "The computational graph"
INTRO = (
    "Calling `loss.backward()` in PyTorch walks a **computational graph**: every `+`, `×` and activation "
    "computed on the way forward is a node that remembers its inputs. This page draws that graph for "
    "an expression or for the classic 2-2-2 network, then runs the backward pass one node at a time: "
    "each node's gradient times its local derivative, added (`+=`) into its inputs, in reverse "
    "topological order."
)
CUSTOM_HELP = (
    f"Up to {MAX_LENGTH} characters: names, numbers, `+ - * /`, unary minus, `**` with a number "
    "exponent, and `exp log tanh sigmoid relu`. An optional `L =` in front names the result. "
    "Values as `name = number`, separated by commas."
)
WHY_ORDER = (
    "A node may pass its gradient on only when it is **complete**: every node that uses it must already "
    "have added its share (`+=`). Reverse topological order guarantees that, because each node comes "
    "after all of its users. Leaves come last: PyTorch's `AccumulateGrad` nodes, which write `.grad`."
)
TWICE = (
    "`backward()` **adds** into `.grad` (`+=`), it never overwrites: that is how a fan-out sums its paths, "
    "and it is also why a second `backward()` without `optimizer.zero_grad()` leaves every gradient doubled."
)
TRY_THIS = (
    "**Predict, then check.** Choose *classic 2-2-2 network*. Before you step, predict which weight gets the "
    "largest gradient in size: one of w1..w4 (before the hidden layer) or one of w5..w8? Then press "
    "**Run to the end** and read the leaves. Second: in *fan-out a\\*b + a*, predict a's gradient after "
    "the first of its two `+=` and after the second, then step through and check."
)


def step_lines(trace: GraphTrace, k: int) -> list[str]:
    """Markdown lines for backward step ``k``: the node, its gradient, and per input
    upstream × local = contribution, with the ``+=`` written out where an input is reached again."""
    step = trace.backward_steps[k]
    n = trace.nodes[step.node]
    what = (
        f"leaf `{n.name}`"
        if n.op == "leaf"
        else f"node `{node_title(n)}` {n.name} = `{node_text(trace, n.index)}`"
    )
    lines = [
        f"**Step {k + 1} of {len(trace.backward_steps)}** · {what} · "
        f"PyTorch: `{pytorch_names(trace, n.index)}`",
        f"Its gradient is complete: d(output)/d(this) = **{step.upstream:.6g}**.",
    ]
    if n.op == "leaf":
        lines.append(f"A leaf: `AccumulateGrad` stores it, `{n.name}.grad = {step.upstream:.6g}`.")
    reached = {c.input for s in trace.backward_steps[:k] for c in s.contributions}
    for c in step.contributions:
        target = trace.nodes[c.input]
        name = node_label(target)
        plus = f"{c.before:.6g} + {c.contribution:.6g} = **{c.after:.6g}**"
        again = " (reached before: `+=` accumulates)" if c.input in reached else ""
        reached.add(c.input)
        lines.append(
            f"- to `{name}`: {step.upstream:.6g} × {c.local:.6g} (local) = {c.contribution:.6g};  "
            f"grad `+=` → {plus}{again}"
        )
    return lines


def cache_text(c: CacheSummary) -> str:
    return (
        f"This graph has **{c.nodes} nodes**, {c.operations} of them operations that need a gradient. "
        f"To run backward, they keep **{c.saved} forward values**: a product keeps both factors, "
        "tanh and sigmoid keep their output, log and `**` keep their input, a sum keeps nothing. "
        "A real network keeps such a cache for every activation of every sample in the batch, which is "
        "why training needs far more memory than a forward pass alone (PyTorch frees it after `backward()`)."
    )


def delta_text(d: DeltaW5) -> str:
    return (
        "**Delta recursion** (the step-through page):\n\n"
        f"- dL/da(o1) = a(o1) − y1 = {d.a_o1:.9f} − {d.y1:g} = {d.dL_da:.9f}\n"
        f"- σ'(z(o1)) = a(o1)(1 − a(o1)) = {d.dsigma:.9f}\n"
        f"- delta(o1) = {d.dL_da:.9f} × {d.dsigma:.9f} = {d.delta_o1:.9f}\n"
        f"- dL/dw5 = delta(o1) × a(h1) = {d.delta_o1:.9f} × {d.a_h1:.9f} = **{d.dw5:.9f}**"
    )
