"""A playground run's files: the history as CSV, the weights as JSON, and reading weights back.

Reading goes through ``backprop_core.safe_json.loads_bounded``: a learner's file can be too large,
nested too deep or hold huge numbers, and each gets a message written for a learner.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from backprop_core.network import MLP
from backprop_core.safe_json import loads_bounded
from labs.playground.model_run import Run

# -- export and import --------------------------------------------------------------------------

HISTORY_COLUMNS = ("iteration", "epoch", "batch_loss", "train_loss", "test_loss", "train_acc", "test_acc")


def history_csv(current: Run) -> str:
    """The run's history as CSV: one row per kept iteration, iteration 0 first.

    Columns: ``HISTORY_COLUMNS``, then ``grad_norm_layer_1 ...`` (``||dW||`` of each layer, layer 1
    next to the input), then ``update_ratio_layer_1 ...`` (``||ΔW|| / ||W||``, see ``UpdateSize``).
    Empty cells: not defined (no test set, regression accuracy, no batch, gradient or update
    before the first update).
    """
    n_layers = current.state.net.n_layers
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *HISTORY_COLUMNS,
            *(f"grad_norm_layer_{l + 1}" for l in range(n_layers)),
            *(f"update_ratio_layer_{l + 1}" for l in range(n_layers)),
        ]
    )
    m = current.initial
    writer.writerow([0, 0, "", *map(_cell, (m.train_loss, m.test_loss, m.train_acc, m.test_acc))])
    ratios = {u.iteration: u.ratios for u in current.updates}
    for r in current.records:
        values = (r.iteration, r.epoch, r.batch_loss, r.train_loss, r.test_loss, r.train_acc, r.test_acc)
        update = ratios.get(r.iteration, (None,) * n_layers)
        writer.writerow([*map(_cell, values), *map(_cell, r.layer_grad_norms), *map(_cell, update)])
    return out.getvalue()


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def weights_json(net: MLP, **extra: object) -> str:
    """``MLP.to_dict`` as JSON, with ``extra`` keys (e.g. the iteration) alongside."""
    return json.dumps({**net.to_dict(), **extra}, indent=1)


# a weights file is a few kB for the largest playground network: this leaves room for indentation
MAX_WEIGHTS_BYTES = 1_000_000
# far beyond what training produces before it is stopped as diverged
MAX_WEIGHT = 1e6


def load_weights(content: bytes | str, expected: MLP) -> MLP:
    """Read a weights JSON file for a network shaped like ``expected``.

    ``ValueError`` says what is wrong, in sentences for a learner (never the file's content):
    too large, not UTF-8, not JSON, nested too deep, huge or non-finite numbers (all refused by
    ``safe_json.loads_bounded`` before or while parsing), not a network, another shape or other
    activations, or a weight beyond ``MAX_WEIGHT`` in size.
    """
    if isinstance(content, bytes) and content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]  # a byte-order mark some editors write
    data = loads_bounded(content, max_bytes=MAX_WEIGHTS_BYTES, max_depth=16)
    if not isinstance(data, dict):
        raise ValueError("The file is JSON but not a weights file: expected an object with 'weights'.")
    try:
        net = MLP.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"The file does not describe a network: {exc}.") from None
    want, got = "-".join(map(str, expected.sizes)), "-".join(map(str, net.sizes))
    if net.sizes != expected.sizes:
        raise ValueError(
            f"The file holds a {got} network but the playground's network is {want}; "
            "set the same layers and widths (and data set) first."
        )
    if net.activations != expected.activations:
        raise ValueError(
            f"The file's activations are {', '.join(net.activations)} but the playground's network uses "
            f"{', '.join(expected.activations)}; choose the same activations first."
        )
    largest = max(float(np.max(np.abs(p))) for p in (*net.weights, *net.biases))
    if largest > MAX_WEIGHT:
        raise ValueError(
            f"The file holds a weight of size {largest:.3g}; the playground loads weights from "
            f"{-MAX_WEIGHT:,.0f} to {MAX_WEIGHT:,.0f}."
        )
    return net
