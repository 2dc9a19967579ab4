"""The full trace of one iteration as JSON and as CSV (no Streamlit here).

JSON: one object with the settings, the batch, and per layer (numbered from 1 as the app does)
``W_before``, ``b_before``, ``z``, ``a``, ``dL_da``, ``delta``, ``dW``, ``db``, ``W_after``,
``b_after`` as nested lists. CSV: one row per number, in long form with the columns
``quantity, layer, row, column, value`` (``row`` is a sample for z/a/delta, the source neuron
for weights; ``column`` the target neuron), so it opens in any spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence

from backprop_core.trace import StepTrace


def _finite(value: object) -> object:
    """Nested lists with NaN and infinity replaced by None: JSON has neither (a diverged step)."""
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def trace_dict(trace: StepTrace, names: Sequence[Sequence[str]], settings: dict) -> dict:
    """Everything the iteration computed, JSON-ready."""
    before, after = trace.net_before, trace.net_after
    layers = []
    for l in range(before.n_layers):
        layers.append(
            {
                "layer": l + 1,
                "activation": before.activations[l],
                "neurons": list(names[l + 1]),
                "W_before": _finite(before.weights[l].tolist()),
                "b_before": _finite(before.biases[l].tolist()),
                "z": _finite(trace.z[l].tolist()),
                "a": _finite(trace.a[l].tolist()),
                "dL_da": _finite(trace.dL_da[l].tolist()),
                "delta": _finite(trace.delta[l].tolist()),
                "dW": _finite(trace.dW[l].tolist()),
                "db": _finite(trace.db[l].tolist()),
                "W_after": _finite(after.weights[l].tolist()),
                "b_after": _finite(after.biases[l].tolist()),
            }
        )
    return {
        "settings": settings,
        "sizes": list(before.sizes),
        "inputs": list(names[0]),
        "x": _finite(trace.x.tolist()),
        "y": _finite(trace.y.tolist()),
        "loss": _finite(float(trace.loss)),
        "per_sample_loss": _finite(trace.per_sample_loss.tolist()),
        "layers": layers,
    }


def trace_json(trace: StepTrace, names: Sequence[Sequence[str]], settings: dict) -> str:
    return json.dumps(trace_dict(trace, names, settings), indent=1)


def trace_csv(trace: StepTrace, names: Sequence[Sequence[str]]) -> str:
    """Long-form CSV: ``quantity, layer, row, column, value`` (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["quantity", "layer", "row", "column", "value"])
    m = trace.x.shape[0]
    samples = [f"sample {s + 1}" for s in range(m)]
    for s in range(m):
        for k, name in enumerate(names[0]):
            writer.writerow(["x", 0, samples[s], name, repr(float(trace.x[s, k]))])
        for k, name in enumerate(names[-1]):
            writer.writerow(["y", len(names) - 1, samples[s], name, repr(float(trace.y[s, k]))])
        writer.writerow(["sample loss", "", samples[s], "", repr(float(trace.per_sample_loss[s]))])
    writer.writerow(["loss", "", "", "", repr(float(trace.loss))])
    before, after = trace.net_before, trace.net_after
    for l in range(before.n_layers):
        src, dst = names[l], names[l + 1]
        per_sample = {"z": trace.z[l], "a": trace.a[l], "dL_da": trace.dL_da[l], "delta": trace.delta[l]}
        for quantity, values in per_sample.items():
            for s in range(m):
                for k in range(values.shape[1]):
                    writer.writerow([quantity, l + 1, samples[s], dst[k], repr(float(values[s, k]))])
        matrices = {"W_before": before.weights[l], "dW": trace.dW[l], "W_after": after.weights[l]}
        for quantity, values in matrices.items():
            for i in range(values.shape[0]):
                for j in range(values.shape[1]):
                    writer.writerow([quantity, l + 1, src[i], dst[j], repr(float(values[i, j]))])
        vectors = {"b_before": before.biases[l], "db": trace.db[l], "b_after": after.biases[l]}
        for quantity, values in vectors.items():
            for k in range(values.shape[0]):
                writer.writerow([quantity, l + 1, "", dst[k], repr(float(values[k]))])
    return out.getvalue()
