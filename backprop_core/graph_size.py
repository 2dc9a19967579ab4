"""How big ``graph.from_network``'s graph of a network's loss is, counted before anything is built."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

__all__ = ["network_graph_size"]


def network_graph_size(sizes: Sequence[int], activations: Sequence[str], m: int, loss: str) -> int:
    """How many nodes ``from_network`` builds for a network of ``sizes`` on ``m`` samples.

    Leaves for every weight and bias; per sample: the inputs, a ``*`` and a ``+`` per weight, an
    activation node per neuron (none for ``linear``), a target leaf per output and the loss terms
    (2 nodes each, 10 for bce); then the sum of the terms, its scale and ``L``.
    """
    params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    per_sample = sizes[0] + sum(
        2 * a * b + (b if act != "linear" else 0)
        for (a, b), act in zip(itertools.pairwise(sizes), activations, strict=True)
    )
    k = sizes[-1]
    per_sample += k * (1 + (10 if loss == "bce" else 2))
    return params + m * per_sample + (m * k - 1) + 2
