"""The convolution lab's progress file: a training run as JSON data and back, checked (numpy only).

``lab_payload(lab, options)`` holds everything needed to continue exactly: the network's shape
(filters, conv layers) and seed (the images are made again from it), the training options, every
parameter array, the optimizer's memory, the iteration and the three curves. Training is full-batch
and draws no random numbers, so no random-number state is needed. ``lab_from_payload`` refuses
anything that does not fit with a learner ``ValueError``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backprop_core.optimizers import OPTIMIZERS
from backprop_core.progress import (
    array_from_json,
    array_to_json,
    optimizer_state_from_json,
    optimizer_state_to_json,
    require,
)

from .model import CONV_LAYER_CHOICES, FILTER_CHOICES, MAX_ITERATIONS, Lab, start_lab

LAB = "conv"
CURVES = ("losses", "train_acc", "test_acc")


def lab_payload(lab: Lab, options: dict) -> dict:
    """Everything the page needs to continue ``lab`` exactly; ``options``: the sidebar's training options."""
    return {
        "filters": int(lab.net.K[0].shape[0]),
        "layers": len(lab.net.K),
        "seed": lab.seed,
        "options": dict(options),
        "params": [array_to_json(p) for p in lab.net.params],
        "state": optimizer_state_to_json(lab.state),
        "optimizer": lab.optimizer,
        "iteration": lab.iteration,
        **{c: list(getattr(lab, c)) for c in CURVES},
    }


def whole(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def lab_from_payload(payload: dict) -> tuple[Lab, dict]:
    """The run and the raw training options saved by ``lab_payload`` (options checked by the view)."""
    require(
        payload, "filters", "layers", "seed", "options", "params", "state", "optimizer", "iteration", *CURVES
    )
    filters, layers, seed = payload["filters"], payload["layers"], payload["seed"]
    if filters not in FILTER_CHOICES or layers not in CONV_LAYER_CHOICES or not whole(seed, 0, 9999):
        raise ValueError(
            "The file's network settings (filters, conv layers, seed) are not ones this page offers."
        )
    if any(isinstance(v, bool) for v in (filters, layers)):
        raise ValueError("The file's network settings are damaged.")
    fresh = start_lab(filters, layers, seed)  # the shapes and the images this setting implies
    raw = payload["params"]
    shapes = [p.shape for p in fresh.net.params]
    if not isinstance(raw, list) or len(raw) != len(shapes):
        raise ValueError("The file's parameters do not fit this network.")
    params = [
        array_from_json(a, s, f"parameter {i + 1}") for i, (a, s) in enumerate(zip(raw, shapes, strict=True))
    ]
    if not all(np.all(np.isfinite(p)) for p in params):
        raise ValueError("The file's network holds NaN or infinite weights.")
    net = fresh.net.with_params(params)
    state = optimizer_state_from_json(payload["state"], net.params)
    if payload["optimizer"] not in OPTIMIZERS:
        raise ValueError("The file names no known optimizer.")
    iteration = payload["iteration"]
    if not whole(iteration, 0, MAX_ITERATIONS):
        raise ValueError(f"The file's iteration must be a whole number from 0 to {MAX_ITERATIONS}.")
    curves = {}
    for c in CURVES:
        values = payload[c]
        ok = isinstance(values, list) and len(values) == iteration + 1
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if not ok or (c != "losses" and not all(math.isfinite(v) and 0 <= v <= 1 for v in values)):
            raise ValueError(
                f"The file's history '{c}' is damaged (one value per iteration, and one at the start)."
            )
        curves[c] = tuple(float(v) for v in values)
    if not isinstance(payload["options"], dict):
        raise ValueError("The file's training options are damaged.")
    lab = Lab(net, fresh.data, state, iteration, optimizer=payload["optimizer"], seed=seed, **curves)
    return lab, payload["options"]
