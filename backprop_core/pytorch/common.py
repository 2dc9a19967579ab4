"""Pieces every PyTorch script builder shares: exact literals, the header, the closing JSON line.

The scripts are plain text for a learner to run where PyTorch is installed; this package never
imports torch. Numbers are written with ``repr`` (the shortest text that reads back as the same
float64), so a script starts from exactly the numbers on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..numerics import float_literal
from ..optimizers import Optimizer


def array_literal(array: np.ndarray | Sequence | float, *, indent: int | None = None) -> str:
    """A nested Python list literal of ``array`` that reads back to the same float64 values.

    ``indent``: for an array of two or more dimensions, put each row on its own line, indented
    by ``indent + 4`` spaces, with the closing bracket at ``indent`` (one line if ``None``).
    """
    a = np.asarray(array, dtype=float)
    if a.ndim == 0:
        return float_literal(float(a))
    if indent is None or a.ndim < 2:
        return "[" + ", ".join(array_literal(row) for row in a) + "]"
    pad = " " * (indent + 4)
    rows = "".join(f"{pad}{array_literal(row, indent=indent + 4)},\n" for row in a)
    return "[\n" + rows + " " * indent + "]"


def torch_optimizer_code(optimizer: Optimizer, lr: float, params: str) -> str:
    """The ``torch.optim`` call (code text) that follows the engine's rule for ``optimizer`` on ``params``."""
    if optimizer.name == "sgd":
        return f"torch.optim.SGD({params}, lr={float_literal(lr)})"
    if optimizer.name == "momentum":
        return f"torch.optim.SGD({params}, lr={float_literal(lr)}, momentum={float_literal(optimizer.beta)})"
    betas = f"({float_literal(optimizer.beta1)}, {float_literal(optimizer.beta2)})"
    eps = float_literal(optimizer.eps)
    return f"torch.optim.Adam({params}, lr={float_literal(lr)}, betas={betas}, eps={eps})"


HEADER = '''"""{title}

Generated for the example on screen. Run it where PyTorch is installed:
    python {file_name}
Everything is float64, as on the page, so the numbers agree with the page's to about 11
significant digits (the last ones differ where the two libraries add in another order).
The last line printed is one JSON object with the same numbers, for programs to read.
"""

import json

import torch
{more_imports}
torch.set_default_dtype(torch.float64)
'''


def header(title: str, file_name: str, *, imports: Sequence[str] = ()) -> str:
    """The opening of every script: its docstring, the imports, float64 everywhere.

    ``imports``: further import lines after ``import torch`` (``"from torch import nn"``).
    """
    more = "".join(f"{line}\n" for line in imports)
    return HEADER.format(title=title, file_name=file_name, more_imports=more)


# The last line of every script: one JSON object that code outside the project reads. ``tolist``
# of a float64 tensor gives Python floats, which json writes with repr precision.
JSON_HELPER = '''
def as_list(t):
    """A tensor (or a list of them) as nested Python lists of floats, for the JSON line."""
    if isinstance(t, (list, tuple)):
        return [as_list(x) for x in t]
    return t.detach().tolist()
'''


class CompareRow:
    """One line of "what the script prints beside what the page shows".

    ``quantity``: the name on the page (``"dL/dw5"``); ``pytorch``: the expression in the script
    that holds the same number (``"model[1].weight.grad[0, 0]"``); ``value``: the page's number.
    """

    __slots__ = ("pytorch", "quantity", "value")

    def __init__(self, quantity: str, pytorch: str, value: float) -> None:
        self.quantity, self.pytorch, self.value = quantity, pytorch, float(value)

    def __repr__(self) -> str:
        return f"CompareRow({self.quantity!r}, {self.pytorch!r}, {self.value!r})"
