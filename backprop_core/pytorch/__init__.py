"""The same step in PyTorch: script builders for every lab (strings only; torch is never imported here).

Each builder returns a self-contained Python script that rebuilds the example on screen in float64
PyTorch, runs the matching step, prints readable lines and, on its last line, one JSON object.
"""

from .common import CompareRow
from .mlp import mlp_rows, mlp_script
from .notebook import make_notebook

__all__ = ["CompareRow", "make_notebook", "mlp_rows", "mlp_script"]
