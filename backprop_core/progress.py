"""Progress files: everything a lab needs to continue a training run exactly, as versioned JSON.

A file is ``{"format": 1, "lab": "<lab>", "payload": {...}}``. Floats are written with ``repr``
precision, so every weight and every history value reads back bit for bit; numpy arrays travel as
nested lists (``array_to_json`` / ``array_from_json``), a numpy ``Generator``'s state as a dict
(``rng_to_json`` / ``rng_from_json``). JSON has no NaN or infinity, and a diverged run's history
holds them: ``dump_progress`` writes each non-finite float as ``{"$float": "nan" | "inf" | "-inf"}``
and ``load_progress`` turns it back. Reading goes through ``safe_json.loads_bounded``; every
refusal is a ``ValueError`` written for a learner, and no message repeats the file's content.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from backprop_core.optimizers import OPTIMIZERS, OptimizerState
from backprop_core.safe_json import loads_bounded

PROGRESS_FORMAT = 1
MAX_PROGRESS_BYTES = 5_000_000
MAX_PROGRESS_DEPTH = 64
_FLOAT_KEY = "$float"
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_LAB_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
# the optimiser's memory: which slots each rule keeps (backprop_core.optimizers)
OPTIMIZER_SLOTS = {"sgd": frozenset(), "momentum": frozenset({"v"}), "adam": frozenset({"m", "v"})}


def _encode(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (numpy values to Python ones, non-finite floats marked)."""
    if isinstance(value, np.ndarray):
        return _encode(value.tolist(), where)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isfinite(value):
            return value
        return {_FLOAT_KEY: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"progress keys must be text; {where} has the key {k!r}")
            out[k] = _encode(v, f"{where}.{k}")
        return out
    if isinstance(value, list | tuple):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ValueError(f"cannot save {type(value).__name__} at {where} in a progress file")


def _decode(value: Any) -> Any:
    """Undo ``_encode``'s marks for non-finite floats."""
    if isinstance(value, dict):
        if set(value) == {_FLOAT_KEY}:
            mark = value[_FLOAT_KEY]
            if mark not in _NONFINITE:
                raise ValueError("The file holds a damaged number mark (expected nan, inf or -inf).")
            return _NONFINITE[mark]
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump_progress(lab: str, payload: dict) -> bytes:
    """The progress file for ``lab``: UTF-8 JSON bytes of ``{"format", "lab", "payload"}``.

    ``payload`` holds JSON data, numpy arrays and numbers (converted); floats keep every bit.
    """
    if not isinstance(lab, str) or not _LAB_NAME.fullmatch(lab):
        raise ValueError(f"lab must be a short lower-case name, got {lab!r}")
    if not isinstance(payload, dict):
        raise ValueError("the payload of a progress file must be a dict")
    document = {"format": PROGRESS_FORMAT, "lab": lab, "payload": _encode(payload, "payload")}
    return json.dumps(document, allow_nan=False, separators=(",", ":")).encode("utf-8")


def load_progress(data: bytes, lab: str, *, max_bytes: int = MAX_PROGRESS_BYTES) -> dict:
    """The payload of a progress file for ``lab``; ``ValueError`` with a learner message otherwise.

    Refused: too large, not UTF-8, not JSON, nested too deep, huge integers, NaN literals, not a
    progress file (missing ``format``, ``lab`` or ``payload``), another lab's file, a newer format.
    """
    document = loads_bounded(data, max_bytes=max_bytes, max_depth=MAX_PROGRESS_DEPTH)
    if not isinstance(document, dict):
        raise ValueError("This is not a Backprop Lab progress file (it is JSON, but not an object).")
    missing = [k for k in ("format", "lab", "payload") if k not in document]
    if missing:
        raise ValueError(
            "This is not a Backprop Lab progress file: "
            f"it has no {' or '.join(repr(k) for k in missing)} field."
        )
    fmt = document["format"]
    if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt < 1:
        raise ValueError("This progress file's 'format' is not a version number this app knows.")
    if fmt > PROGRESS_FORMAT:
        raise ValueError(
            f"This progress file was made by a newer version of Backprop Lab (format {fmt}); "
            f"this page reads format {PROGRESS_FORMAT}."
        )
    other = document["lab"]
    if other != lab:
        named = f" (the {other} lab)" if isinstance(other, str) and _LAB_NAME.fullmatch(other) else ""
        raise ValueError(f"This progress file belongs to another page{named}; open that page to load it.")
    payload = document["payload"]
    if not isinstance(payload, dict):
        raise ValueError("This progress file is damaged: its 'payload' is not an object.")
    return _decode(payload)


def require(payload: dict, *keys: str) -> None:
    """Raise a learner ``ValueError`` naming the first of ``keys`` missing from ``payload``."""
    for key in keys:
        if key not in payload:
            raise ValueError(f"This progress file is incomplete: it has no '{key}'.")


def array_to_json(array: np.ndarray) -> list:
    """A numpy array as nested lists of Python numbers (floats exact; NaN/inf kept as floats)."""
    return np.asarray(array).tolist()


def array_from_json(
    value: Any,
    shape: Sequence[int | None] | None = None,
    name: str = "array",
    *,
    dtype: type = float,
) -> np.ndarray:
    """The array saved by ``array_to_json``: rectangular nested lists of numbers (no bools).

    ``shape`` (``None`` in a place = any length there) is checked when given; ``dtype`` is
    ``float`` (NaN and infinities allowed) or ``int`` (whole numbers only).
    """

    def check(item: Any) -> None:
        if isinstance(item, list):
            for sub in item:
                check(sub)
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError(f"The file's {name} holds something that is not a number.")

    if not isinstance(value, list):
        raise ValueError(f"The file's {name} is not a list of numbers.")
    check(value)
    try:
        array = np.array(value, dtype=np.float64)
    except (ValueError, OverflowError):
        raise ValueError(f"The file's {name} is not a rectangular table of numbers.") from None
    if shape is not None:
        ok = array.ndim == len(shape) and all(
            s is None or s == n for s, n in zip(shape, array.shape, strict=False)
        )
        if not ok:
            wanted = "x".join("any" if s is None else str(s) for s in shape)
            got = "x".join(map(str, array.shape))
            raise ValueError(f"The file's {name} has shape {got}; expected {wanted}.")
    if dtype is int:
        if (
            not np.all(np.isfinite(array))
            or np.any(array != np.round(array))
            or np.any(np.abs(array) > 2**53)
        ):
            raise ValueError(f"The file's {name} must hold whole numbers.")
        return array.astype(np.int64)
    return array


def rng_to_json(rng: np.random.Generator) -> dict:
    """A numpy ``Generator``'s complete state as JSON data (restored by ``rng_from_json``)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy Generator (np.random.default_rng(...))")
    return _encode(rng.bit_generator.state, "rng")


def rng_from_json(state: Any) -> np.random.Generator:
    """A ``Generator`` that continues exactly where the saved one stopped."""
    damaged = "The file's random-number state is damaged."
    if not isinstance(state, dict) or state.get("bit_generator") not in _BIT_GENERATORS:
        raise ValueError(damaged)
    bit_generator = getattr(np.random, state["bit_generator"])()
    # MT19937 and Philox keep arrays in their state (uint32 words for MT19937, uint64 for Philox)
    words = np.uint32 if state["bit_generator"] == "MT19937" else np.uint64

    def arrays(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: arrays(v) for k, v in value.items()}
        return np.array(value, dtype=words) if isinstance(value, list) else value

    try:
        bit_generator.state = arrays(state)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise ValueError(damaged) from None
    return np.random.Generator(bit_generator)


def optimizer_state_to_json(state: OptimizerState | None) -> dict | None:
    """The optimizer's memory as ``{"name", "t", "slots"}`` JSON data (``None`` before the first step)."""
    if state is None:
        return None
    slots = {k: [array_to_json(a) for a in arrays] for k, arrays in state.slots.items()}
    return {"name": state.name, "t": state.t, "slots": slots}


def optimizer_state_from_json(
    value: Any,
    params: Sequence[np.ndarray],
    *,
    what: str = "optimizer state",
    max_t: int | None = None,
) -> OptimizerState | None:
    """The memory saved by ``optimizer_state_to_json``, checked against the network's ``params``.

    The name must be a known optimizer, ``t`` a whole number >= 0 (and <= ``max_t`` when given), the
    slots exactly the ones that rule keeps, each a list of arrays shaped like ``params`` (in order).
    ``what`` names the memory in the learner ``ValueError`` (e.g. "run 2 optimizer state").
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"The file's {what} is damaged.")
    require(value, "name", "t", "slots")
    name, t, slots = value["name"], value["t"], value["slots"]
    bad_t = isinstance(t, bool) or not isinstance(t, int) or t < 0 or (max_t is not None and t > max_t)
    if name not in OPTIMIZERS or bad_t:
        raise ValueError(f"The file's {what} names no known optimizer or step count.")
    if not isinstance(slots, dict) or set(slots) != OPTIMIZER_SLOTS[name]:
        raise ValueError(f"The file's {what} is not one this page knows.")
    if not all(isinstance(v, list) and len(v) == len(params) for v in slots.values()):
        raise ValueError(f"The file's {what} does not fit this network.")
    arrays = {
        k: tuple(array_from_json(a, p.shape, f"{what} '{k}'") for a, p in zip(v, params, strict=True))
        for k, v in slots.items()
    }
    return OptimizerState(name, t, arrays)
