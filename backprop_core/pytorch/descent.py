"""The gradient descent lab's paths in PyTorch: ``torch.optim`` on the same 2-D loss surface.

``descent_script(surface, runs, start, steps)`` writes a self-contained float64 script that puts
the two parameters ``w = (w1, w2)`` in one tensor, runs ``torch.optim.SGD`` (``momentum=beta``
for momentum) or ``torch.optim.Adam`` with the page's hyper-parameters from the page's start for
the page's number of steps, and prints, on its last line, one JSON object::

    {"runs": {"sgd": {"lr": ..., "points": [[w1, w2], ...], "losses": [...], "diverged": false}, ...}}

``points`` holds the start and the parameters after every step (``(k + 1, 2)``); ``losses`` the
loss at each of them. A run stops, as the page's does, once a parameter is no longer finite or
leaves ``|w| <= runaway``; the point that left is not recorded.

The surfaces are described by ``DescentSurface`` (``quadratic_surface``, ``valley_surface``,
``neuron_surface``), so this module needs nothing from the lab that draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..optimizers import Optimizer
from .common import CompareRow, array_literal, float_literal, header, torch_optimizer_code

SURFACE_KINDS: tuple[str, ...] = ("quadratic", "valley", "neuron")


@dataclass(frozen=True)
class DescentSurface:
    """A loss of two parameters that the script can write out.

    ``quadratic``: ``L = 1/2 (c1 w1^2 + c2 w2^2)`` with ``constants = (c1, c2)``.
    ``valley``: ``L = (1 - w1)^2 + s (w2 - w1^2)^2`` with ``constants = (s,)``.
    ``neuron``: one sigmoid neuron ``a = sigmoid(w1 x + w2)`` (weight, bias) with binary
    cross-entropy averaged over the samples ``x`` ``(m,)`` and labels ``y`` ``(m,)`` in {0, 1}.
    """

    kind: str
    constants: tuple[float, ...] = ()
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    name: str = ""


def _finite(values: Sequence[float], what: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be numbers, got {values!r}") from None
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{what} must be finite numbers, got {values!r}")
    return out


def quadratic_surface(curvatures: Sequence[float], name: str = "ravine") -> DescentSurface:
    """``L = 1/2 (c1 w1^2 + c2 w2^2)``: curvature ``c1`` along ``w1`` and ``c2`` along ``w2``."""
    c = _finite(curvatures, "the curvatures")
    if len(c) != 2 or min(c) <= 0:
        raise ValueError(f"a quadratic surface needs two positive curvatures, got {curvatures!r}")
    return DescentSurface("quadratic", c, name=name)


def valley_surface(steepness: float, name: str = "curved valley") -> DescentSurface:
    """``L = (1 - w1)^2 + s (w2 - w1^2)^2``, a Rosenbrock valley of steepness ``s > 0``."""
    (s,) = _finite([steepness], "the steepness")
    if s <= 0:
        raise ValueError(f"the steepness must be positive, got {steepness!r}")
    return DescentSurface("valley", (s,), name=name)


def neuron_surface(x: Sequence[float], y: Sequence[float], name: str = "single neuron") -> DescentSurface:
    """One sigmoid neuron on samples ``x`` ``(m,)`` with labels ``y`` ``(m,)`` (0 or 1), mean bce."""
    xs, ys = _finite(np.ravel(x), "the inputs x"), _finite(np.ravel(y), "the labels y")
    if not xs or len(xs) != len(ys):
        raise ValueError(f"x and y must hold the same number (>= 1) of samples, got {len(xs)} and {len(ys)}")
    if any(v not in (0.0, 1.0) for v in ys):
        raise ValueError("the labels y must be 0 or 1")
    return DescentSurface("neuron", (), xs, ys, name=name)


def _loss_code(surface: DescentSurface) -> list[str]:
    if surface.kind == "quadratic":
        c1, c2 = (float_literal(c) for c in surface.constants)
        return [
            f"# the surface: L = 1/2 ({c1} w1^2 + {c2} w2^2), curvature {c1} along w1 and {c2} along w2",
            f"CURVATURES = torch.tensor([{c1}, {c2}])",
            "",
            "",
            "def loss_fn(w):",
            "    return 0.5 * (CURVATURES * w * w).sum()",
        ]
    if surface.kind == "valley":
        s = float_literal(surface.constants[0])
        return [
            f"# the surface: L = (1 - w1)^2 + {s} (w2 - w1^2)^2, a curved valley with its minimum at (1, 1)",
            "",
            "",
            "def loss_fn(w):",
            f"    return (1 - w[0]) ** 2 + {s} * (w[1] - w[0] ** 2) ** 2",
        ]
    return [
        f"# the surface: one sigmoid neuron a = sigmoid(w * x + b) on {len(surface.x)} samples, binary",
        "# cross-entropy averaged over them; w[0] is the weight, w[1] the bias. The loss is computed",
        "# from z (binary_cross_entropy_with_logits), which stays finite where sigmoid(z) rounds to 0 or 1.",
        f"X = torch.tensor({array_literal(surface.x)})",
        f"Y = torch.tensor({array_literal(surface.y)})",
        "",
        "",
        "def loss_fn(w):",
        "    z = w[0] * X + w[1]",
        "    return F.binary_cross_entropy_with_logits(z, Y)",
    ]


def optimizer_code(optimizer: Optimizer, lr: float) -> str:
    """The ``torch.optim`` call that follows the engine's rule for ``optimizer`` (params ``[w]``)."""
    return torch_optimizer_code(optimizer, lr, "[w]")


DESCEND = '''

def descend(make_optimizer):
    """STEPS steps from START; the points visited and the loss at each of them."""
    w = torch.tensor(START, requires_grad=True)
    optimizer = make_optimizer(w)
    points, diverged = [w.detach().clone()], False
    for _ in range(STEPS):
        optimizer.zero_grad()  # a fresh gradient every step (see the zero-grad section)
        loss = loss_fn(w)
        loss.backward()  # w.grad = dL/dw at the current point
        optimizer.step()  # w <- w + (the optimizer's change)
        # the page stops a run here too: a parameter ran off (|w| > RUNAWAY) or overflowed
        now = w.detach()
        if not bool(torch.isfinite(now).all()) or float(now.abs().max()) > RUNAWAY:
            diverged = True
            break
        points.append(w.detach().clone())
    with torch.no_grad():
        losses = [loss_fn(p).item() for p in points]
    return {"points": [p.tolist() for p in points], "losses": losses, "diverged": diverged}
'''


def descent_script(
    surface: DescentSurface,
    runs: Sequence[tuple[Optimizer, float]],
    start: Sequence[float],
    steps: int,
    *,
    runaway: float = 1e6,
) -> str:
    """A self-contained PyTorch script: every ``(optimizer, lr)`` of ``runs`` for ``steps`` steps
    from ``start`` ``(w1, w2)`` on ``surface``; last line ``{"runs": {name: {...}}}`` (module doc).

    ``ValueError`` for an unknown surface, a repeated optimiser, a learning rate that is not a
    finite number >= 0, a start that is not two finite numbers, or ``steps`` outside 0 to 100000.
    """
    if not isinstance(surface, DescentSurface) or surface.kind not in SURFACE_KINDS:
        raise ValueError(f"surface must be a DescentSurface of kind {', '.join(SURFACE_KINDS)}")
    names = [opt.name for opt, _ in runs]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"give each optimizer at most once, and at least one; got {names}")
    for _, lr in runs:
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"a learning rate must be a finite number >= 0, got {lr!r}")
    p = _finite(start, "the start")
    if len(p) != 2:
        raise ValueError(f"the start must be two numbers (w1, w2), got {start!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= 100_000:
        raise ValueError(f"steps must be a whole number from 0 to 100000, got {steps!r}")
    title = f"{surface.name or surface.kind}: {', '.join(names)} with torch.optim, {int(steps)} steps"
    imports = ["import torch.nn.functional as F"] if surface.kind == "neuron" else []
    lines = [header(title, "descent.py", imports=imports).rstrip(), "", *_loss_code(surface), "", ""]
    lines += [
        f"START = [{float_literal(p[0])}, {float_literal(p[1])}]",
        f"STEPS = {int(steps)}",
        f"RUNAWAY = {float_literal(runaway)}",
        DESCEND.rstrip(),
        "",
        "",
        "# the same optimizers and hyper-parameters as on the page",
        "results = {}",
    ]
    for opt, lr in runs:
        lines.append(f'results["{opt.name}"] = descend(lambda w: {optimizer_code(opt, lr)})')
        lines.append(f'results["{opt.name}"]["lr"] = {float_literal(lr)}')
    lines += [
        "",
        "for name, run in results.items():",
        '    w1, w2 = run["points"][-1]',
        '    end = "ran off (diverged)" if run["diverged"] else "ended"',
        "    print(f\"{name}: {len(run['points']) - 1} steps, {end} at w = ({w1:.10g}, {w2:.10g}),"
        " L = {run['losses'][-1]:.10g}\")",
        "",
        "# the last line: one JSON object with every path and its losses",
        'print(json.dumps({"runs": results}))',
        "",
    ]
    return "\n".join(lines)


def descent_rows(results: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[CompareRow]:
    """The page's end points and final losses beside the script's names for them.

    ``results[name] = (points (k + 1, 2), losses (k + 1,))`` per optimiser name.
    """
    rows = []
    for name, (points, losses) in results.items():
        last = len(points) - 1
        rows += [
            CompareRow(
                f"{name}: w1 after {last} steps", f'results["{name}"]["points"][-1][0]', points[-1][0]
            ),
            CompareRow(
                f"{name}: w2 after {last} steps", f'results["{name}"]["points"][-1][1]', points[-1][1]
            ),
            CompareRow(f"{name}: L after {last} steps", f'results["{name}"]["losses"][-1]', losses[-1]),
        ]
    return rows
