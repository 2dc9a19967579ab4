"""A network's answers over the whole input plane: the grids behind decision boundaries and neuron maps.

The input plane is sampled on a regular grid of ``n x n`` points (100 x 100 by default); one
batched forward pass gives every output (the decision boundary, or the fitted surface of a
regression) and, if asked, every neuron's activation ``a`` at every grid point. For a network
with one input (a 1-D regression such as ``sine``) the "grid" is ``n`` points along the x axis.

Array layout follows Plotly's heatmap convention: ``values[r, c]`` belongs to the point
``(x1[c], x2[r])`` - rows walk along ``x2``, columns along ``x1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_core.engine import forward, predict
from backprop_core.network import MLP
from backprop_core.passes import quiet

GRID_SIZE = 100


@dataclass(frozen=True)
class Extent:
    """The part of the input space to draw: ``x1`` and (for 2-D inputs) ``x2`` as ``(low, high)``."""

    x1: tuple[float, float]
    x2: tuple[float, float] | None = None

    @property
    def n_inputs(self) -> int:
        return 1 if self.x2 is None else 2


def data_extent(*arrays: np.ndarray | None, pad: float = 0.08) -> Extent:
    """The box around the rows of ``arrays`` (each ``(m, 1)`` or ``(m, 2)``), widened by ``pad`` per side.

    A flat direction (every value equal) gets a box of width 2 around that value. Every bound is
    finite: a range too wide for a float (e.g. -1e308 to 1e308) raises ``ValueError``.
    """
    rows = [np.asarray(a, dtype=float) for a in arrays if a is not None and len(a)]
    if not rows:
        raise ValueError("data_extent needs at least one non-empty array of points")
    X = np.vstack(rows)
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(f"points have shape {X.shape}; expected (m, 1) or (m, 2)")
    bounds = []
    for col in X.T:
        lo, hi = float(np.min(col)), float(np.max(col))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("points must be finite to draw them")
        width = hi - lo
        if width == 0:
            lo, hi, width = lo - 1.0, hi + 1.0, 2.0
        low, high = lo - pad * width, hi + pad * width
        if not (np.isfinite(width) and np.isfinite(low) and np.isfinite(high)):
            # the grid would hold inf and NaN: every output over it would be NaN
            raise ValueError(f"the points span {lo:g} to {hi:g}, too wide a range to draw")
        bounds.append((low, high))
    return Extent(bounds[0], bounds[1] if len(bounds) == 2 else None)


@dataclass(frozen=True, repr=False)
class InputGrid:
    """Grid points over an ``Extent``.

    ``x1``: ``(n1,)``; ``x2``: ``(n2,)`` or ``None`` for one input. ``points``: ``(n1 * n2, n_in)``,
    ordered so that ``outputs.reshape(n2, n1, k)`` puts row r at ``x2[r]`` and column c at ``x1[c]``.
    """

    x1: np.ndarray
    x2: np.ndarray | None
    points: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n2, n1)`` for a plane, ``(n1,)`` for a line."""
        return (self.x1.size,) if self.x2 is None else (self.x2.size, self.x1.size)

    def __repr__(self) -> str:
        return f"InputGrid(shape={self.shape})"


def input_grid(extent: Extent, n: int = GRID_SIZE) -> InputGrid:
    """``n`` points per input direction, evenly spaced from each low bound to each high bound."""
    if not isinstance(n, (int, np.integer)) or not 2 <= n <= 1000:
        raise ValueError(f"grid size must be a whole number from 2 to 1000, got {n!r}")
    x1 = np.linspace(*extent.x1, n)
    if extent.x2 is None:
        return InputGrid(x1, None, x1.reshape(-1, 1))
    x2 = np.linspace(*extent.x2, n)
    g1, g2 = np.meshgrid(x1, x2)
    return InputGrid(x1, x2, np.column_stack([g1.ravel(), g2.ravel()]))


def grid_outputs(net: MLP, grid: InputGrid) -> np.ndarray:
    """The network's output at every grid point: ``(n2, n1, n_out)``, or ``(n1, n_out)`` for one input."""
    _check_inputs(net, grid)
    out = predict(net, grid.points)
    return out.reshape(*grid.shape, out.shape[1])


def grid_activations(net: MLP, grid: InputGrid) -> list[np.ndarray]:
    """Every neuron's activation at every grid point, one array per diagram column.

    Column 0 is the input (``a = x``), column ``l + 1`` is the engine's layer ``l``; each array
    has shape ``(*grid.shape, width)``.
    """
    _check_inputs(net, grid)
    with quiet():
        trace = forward(net, grid.points)
    return [a.reshape(*grid.shape, a.shape[1]) for a in (trace.x, *trace.a)]


def _check_inputs(net: MLP, grid: InputGrid) -> None:
    if grid.points.shape[1] != net.sizes[0]:
        raise ValueError(
            f"the grid has {grid.points.shape[1]} input(s) per point but the network expects {net.sizes[0]}"
        )
