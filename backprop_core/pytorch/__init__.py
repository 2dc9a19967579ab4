"""The same step in PyTorch: script builders for every lab (strings only; torch is never imported here).

Each builder returns a self-contained Python script that rebuilds the example on screen in float64
PyTorch, runs the matching step, prints readable lines and, on its last line, one JSON object.
"""

from .common import CompareRow
from .conv import conv_rows, conv_script
from .descent import (
    DescentSurface,
    descent_rows,
    descent_script,
    neuron_surface,
    quadratic_surface,
    valley_surface,
)
from .graph import graph_script, network_graph_script
from .mlp import mlp_rows, mlp_script
from .notebook import make_notebook
from .rnn import rnn_script

__all__ = [
    "CompareRow",
    "DescentSurface",
    "conv_rows",
    "conv_script",
    "descent_rows",
    "descent_script",
    "graph_script",
    "make_notebook",
    "mlp_rows",
    "mlp_script",
    "network_graph_script",
    "neuron_surface",
    "quadratic_surface",
    "rnn_script",
    "valley_surface",
]
