"""Tables (pandas DataFrames) of one iteration's numbers, straight from the engine's trace.

Rows and columns carry the names the diagram shows: samples as ``sample 1``..., neurons by
name. Layer ``l`` is the engine's index (the learner's "layer l + 1").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from backprop_core.explain import explain_weight
from backprop_core.gradcheck import GradCheck
from backprop_core.trace import StepTrace
from labs.step_through.model import ParamRef, all_params


def param_name(
    param: tuple[int, int | None, int], names: Sequence[Sequence[str]], weight_names: dict | None = None
) -> str:
    """``ParamRef(*param).short_name(names, weight_names)``."""
    return ParamRef(*param).short_name(names, weight_names)


def sample_index(m: int) -> list[str]:
    return [f"sample {s + 1}" for s in range(m)]


def per_sample_frame(values: np.ndarray, names: Sequence[Sequence[str]], column: int) -> pd.DataFrame:
    """``values`` ``(m, n)`` of diagram ``column``: one row per sample, one column per neuron."""
    return pd.DataFrame(values, index=sample_index(values.shape[0]), columns=list(names[column]))


def matrix_frame(values: np.ndarray, names: Sequence[Sequence[str]], layer: int) -> pd.DataFrame:
    """A ``(n_in, n_out)`` matrix of engine layer ``layer``: rows = from, columns = to."""
    return pd.DataFrame(values, index=list(names[layer]), columns=list(names[layer + 1]))


def bias_frame(values: np.ndarray, names: Sequence[Sequence[str]], layer: int, label: str) -> pd.DataFrame:
    return pd.DataFrame([values], index=[label], columns=list(names[layer + 1]))


def input_frame(trace: StepTrace, names: Sequence[Sequence[str]]) -> pd.DataFrame:
    """The batch: inputs and targets, one row per sample."""
    x = pd.DataFrame(trace.x, index=sample_index(trace.x.shape[0]), columns=list(names[0]))
    y = pd.DataFrame(trace.y, index=x.index, columns=[f"target for {n}" for n in names[-1]])
    return pd.concat([x, y], axis=1)


def matrix_view(
    trace: StepTrace, names: Sequence[Sequence[str]], layer: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three matrices of ``dW = a_prev^T @ delta`` for engine layer ``layer``.

    ``a_prev^T``: ``(n_in, m)``; ``delta``: ``(m, n_out)``; ``dW``: ``(n_in, n_out)``.
    """
    a_prev = trace.forward.a_prev(layer)
    m = a_prev.shape[0]
    left = pd.DataFrame(a_prev.T, index=list(names[layer]), columns=sample_index(m))
    middle = per_sample_frame(trace.delta[layer], names, layer + 1)
    right = matrix_frame(trace.dW[layer], names, layer)
    return left, middle, right


def per_weight_frame(
    trace: StepTrace, names: Sequence[Sequence[str]], layer: int, weight_names: dict | None = None
) -> pd.DataFrame:
    """One row per weight of ``layer``: its chain-rule gradient beside the matrix product's entry.

    ``sum of a_prev * delta`` comes from ``explain_weight`` (weight by weight), ``dW entry``
    from the backward pass (all at once); they agree. With one sample, the two factors are shown.
    """
    n_in, n_out = trace.net_before.weights[layer].shape
    m = trace.x.shape[0]
    rows = []
    for j in range(n_out):
        for i in range(n_in):
            e = explain_weight(trace, layer, i, j)
            row = {"weight": param_name((layer, i, j), names, weight_names), "from": names[layer][i]}
            row["to"] = names[layer + 1][j]
            if m == 1:
                # short headers that point at the neighbouring columns: the table must fit a laptop screen
                row["a_prev of 'from'"] = float(e.dz_dw[0])
                row["delta of 'to'"] = float(e.delta[0])
            row["sum over samples of a_prev · delta"] = float(np.sum(e.per_sample))
            row["dW entry (a_prevᵀ @ delta)"] = float(trace.dW[layer][i, j])
            rows.append(row)
    return pd.DataFrame(rows).set_index("weight")


def parameters_frame(
    trace: StepTrace,
    names: Sequence[Sequence[str]],
    weight_names: dict | None = None,
    include_biases: bool = True,
) -> pd.DataFrame:
    """Every parameter before the update, its gradient, the change and its value after."""
    before, after, upd = trace.net_before, trace.net_after, trace.update
    rows = []
    for l, i, j in all_params(before.sizes, include_biases):
        if i is None:
            values = (before.biases[l][j], trace.db[l][j], upd.step_b[l][j], after.biases[l][j])
        else:
            values = (before.weights[l][i, j], trace.dW[l][i, j], upd.step_W[l][i, j], after.weights[l][i, j])
        rows.append(
            {
                "parameter": param_name((l, i, j), names, weight_names),
                "layer": l + 1,
                "before": float(values[0]),
                "dL/dparam": float(values[1]),
                "change (-lr · dL/dparam)": float(values[2]),
                "after": float(values[3]),
            }
        )
    return pd.DataFrame(rows).set_index("parameter")


def gradcheck_frame(
    gc: GradCheck, names: Sequence[Sequence[str]], weight_names: dict | None = None
) -> pd.DataFrame:
    """Backprop vs central differences for every parameter, with the relative error."""
    rows = []
    sizes = [gc.dW[0].shape[0], *(w.shape[1] for w in gc.dW)]
    for l, i, j in all_params(sizes):
        if i is None:
            bp, nu, rel = gc.db[l][j], gc.num_db[l][j], gc.rel_b[l][j]
        else:
            bp, nu, rel = gc.dW[l][i, j], gc.num_dW[l][i, j], gc.rel_W[l][i, j]
        rows.append(
            {
                "parameter": param_name((l, i, j), names, weight_names),
                "layer": l + 1,
                "backprop": float(bp),
                "finite differences": float(nu),
                "relative error": float(rel),
            }
        )
    return pd.DataFrame(rows).set_index("parameter")
