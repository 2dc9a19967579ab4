"""The vanishing lab's progress file: a whole comparison as JSON data, read back exactly.

``lab_to_payload(lab)`` writes the setup and, per run, everything training continues from: the
network's weights and biases, the optimizer's memory, the iteration, epoch and cursor, whether it
diverged and why, the reference loss of the explosion rule, and the history (losses and per-update
gradient norms). The data and the starting networks are not saved: ``start_lab(setup)`` rebuilds
them from the seed, bit for bit. Training is full batch, so no random number is drawn after the
start: there is no generator state to carry. ``lab_from_payload`` checks every piece before it
builds anything and raises ``ValueError`` with a learner message for a damaged file.

Size: a file must stay under ``MAX_PROGRESS_BYTES`` to be loaded back. ``payload_that_fits`` writes
the history exactly when that fits, else to 7, then 5, then 4 significant digits (the charts and
the page's loss figures show at most 4); the weights, the optimizer's memory and the counters are
always exact, so training continues bit for bit either way. The weights of 4 networks of 30 layers
x 64 are about 10 MB on their own: ``smallest_file_estimate`` says beforehand whether a file can fit.
"""

from __future__ import annotations

from typing import Any

from backprop_core.network import MLP
from backprop_core.progress import (
    MAX_PROGRESS_BYTES,
    array_from_json,
    array_to_json,
    dump_progress,
    optimizer_state_from_json,
    optimizer_state_to_json,
    require,
)
from backprop_core.runner import Record, RunState
from labs.vanishing.model import MAX_ITERATIONS, ActivationRun, Lab, LabSetup, start_lab

SETUP_FIELDS = ("activations", "depth", "width", "dataset", "init", "std", "seed")
RECORD_FLOATS = ("epoch", "batch_loss", "train_loss")
# significant digits of the history, tried in this order until the file fits (None: exact)
HISTORY_DIGITS: tuple[int | None, ...] = (None, 7, 5, 4)
# bytes of JSON text at most per number: an exact float (repr of a float64 is at most 24 characters),
# a history value at 4 significant digits (below 1e7 in size, as the history of a run that has not
# diverged is), a whole number below 10,000; each with its comma. Per nested list: brackets and comma.
EXACT_BYTES, HISTORY_BYTES, WHOLE_BYTES, LIST_BYTES = 25, 11, 5, 3
ENVELOPE_BYTES = 8192  # the settings, the field names, the file's envelope


def lab_to_payload(lab: Lab, digits: int | None = None) -> dict:
    """The comparison as JSON data (numpy arrays as nested lists; floats exact, or the history's
    rounded to ``digits`` significant digits)."""
    setup = {name: getattr(lab.setup, name) for name in SETUP_FIELDS}
    setup["activations"] = list(setup["activations"])
    return {"setup": setup, "runs": [_run_to_json(r, digits) for r in lab.runs]}


def payload_that_fits(settings: dict, lab: Lab, lab_name: str, limit: int = MAX_PROGRESS_BYTES) -> dict:
    """``{"settings", "lab"}`` with the history as precise as a progress file of ``limit`` bytes allows.

    ``ValueError`` when even the coarsest history (``HISTORY_DIGITS[-1]``) does not fit.
    """

    def fits(digits: int | None) -> dict | None:
        payload = {"settings": settings, "lab": lab_to_payload(lab, digits)}
        return payload if len(dump_progress(lab_name, payload)) <= limit else None

    # the coarsest first: when even that is too large, one try says so
    if (coarsest := fits(HISTORY_DIGITS[-1])) is not None:
        return next(filter(None, map(fits, HISTORY_DIGITS[:-1])), coarsest)
    raise ValueError(
        f"A progress file of this comparison would be over {limit / 1e6:g} MB, too large to load back."
    )


def smallest_file_estimate(lab: Lab) -> int:
    """About how many bytes the progress file has at the coarsest history, from the counts alone: an
    upper bound unless history values reach 1e7 or are not finite (the last of a diverged run)."""
    total = ENVELOPE_BYTES
    for r in lab.runs:
        arrays = [*r.net.weights, *r.net.biases]
        if r.state.opt_state is not None:
            arrays += [a for slot in r.state.opt_state.slots.values() for a in slot]
        total += sum(a.size * EXACT_BYTES + (a.shape[0] if a.ndim > 1 else 0) * LIST_BYTES for a in arrays)
        n, layers = len(r.records), r.net.n_layers
        total += (len(r.losses) + n * (len(RECORD_FLOATS) + 2 * layers)) * HISTORY_BYTES
        total += n * (WHOLE_BYTES + 2 * LIST_BYTES)
    return total


def _history(values: Any, digits: int | None) -> list:
    """``values`` (numbers, or tuples of numbers) as lists, rounded to ``digits`` significant digits."""
    if digits is None:
        return [list(v) if isinstance(v, tuple) else v for v in values]
    if values and isinstance(values[0], tuple):
        return [[float(f"{x:.{digits}g}") for x in v] for v in values]
    return [float(f"{x:.{digits}g}") for x in values]


def _run_to_json(r: ActivationRun, digits: int | None = None) -> dict:
    s = r.state
    recs = r.records
    return {
        "activation": r.activation,
        "weights": [array_to_json(w) for w in s.net.weights],
        "biases": [array_to_json(b) for b in s.net.biases],
        "optimizer": optimizer_state_to_json(s.opt_state),
        "iteration": s.iteration,
        "epoch": s.epoch,
        "cursor": s.cursor,
        "diverged": s.diverged,
        "reference_loss": s.reference_loss,
        "stop_reason": r.stop_reason,
        "losses": _history(r.losses, digits),
        "records": {
            "iteration": [x.iteration for x in recs],
            **{name: _history([getattr(x, name) for x in recs], digits) for name in RECORD_FLOATS},
            "layer_grad_norms": _history([tuple(x.layer_grad_norms) for x in recs], digits),
            "delta_norms": _history([tuple(x.delta_norms) for x in recs], digits),
        },
    }


def _whole(value: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"The file's {what} must be a whole number from {lo} to {hi}.")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"The file's {what} is not a number.")
    return float(value)


def lab_from_payload(payload: Any) -> Lab:
    """The comparison saved by ``lab_to_payload``; ``ValueError`` names what is wrong in the file."""
    if not isinstance(payload, dict):
        raise ValueError("This progress file holds no comparison.")
    require(payload, "setup", "runs")
    setup_data = payload["setup"]
    if not isinstance(setup_data, dict):
        raise ValueError("The file's settings are damaged.")
    require(setup_data, *SETUP_FIELDS)
    acts = setup_data["activations"]
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        raise ValueError("The file's list of activations is damaged.")
    setup = LabSetup(**{name: setup_data[name] for name in SETUP_FIELDS})  # raises a ValueError
    fresh = start_lab(setup)
    runs = payload["runs"]
    if not isinstance(runs, list) or len(runs) != len(fresh.runs):
        raise ValueError(f"The file should hold {len(fresh.runs)} run(s), one per activation.")
    loaded = tuple(
        _run_from_json(data, start, k) for k, (data, start) in enumerate(zip(runs, fresh.runs, strict=True))
    )
    return Lab(setup, fresh.data, loaded)


def _run_from_json(data: Any, start: ActivationRun, k: int) -> ActivationRun:
    where = f"run {k + 1}"
    if not isinstance(data, dict):
        raise ValueError(f"The file's {where} is damaged.")
    require(
        data,
        "activation",
        "weights",
        "biases",
        "optimizer",
        "iteration",
        "epoch",
        "cursor",
        "diverged",
        "reference_loss",
        "stop_reason",
        "losses",
        "records",
    )
    if data["activation"] != start.activation:
        raise ValueError(f"The file's {where} is not the {start.activation} network its settings name.")
    init = start.initial
    weights, biases = data["weights"], data["biases"]
    if not isinstance(weights, list) or not isinstance(biases, list) or len(weights) != init.n_layers:
        raise ValueError(f"The file's {where} has the wrong number of layers.")
    if len(biases) != init.n_layers:
        raise ValueError(f"The file's {where} has the wrong number of layers.")
    W = [
        array_from_json(w, w0.shape, f"{where} weights") for w, w0 in zip(weights, init.weights, strict=True)
    ]
    b = [array_from_json(v, v0.shape, f"{where} biases") for v, v0 in zip(biases, init.biases, strict=True)]
    net = MLP.from_params(W, b, list(init.activations))
    opt = optimizer_state_from_json(
        data["optimizer"], [*W, *b], what=f"{where} optimizer state", max_t=MAX_ITERATIONS
    )
    iteration = _whole(data["iteration"], f"{where} iteration", 0, MAX_ITERATIONS)
    epoch = _whole(data["epoch"], f"{where} epoch", 0, MAX_ITERATIONS)
    cursor = _whole(data["cursor"], f"{where} cursor", 0, 0)  # full batch: the cursor stays at 0
    if not isinstance(data["diverged"], bool):
        raise ValueError(f"The file's {where} says neither yes nor no to 'diverged'.")
    reference = data["reference_loss"]
    reference = None if reference is None else _number(reference, f"{where} reference loss")
    stop = data["stop_reason"]
    if stop is not None and not isinstance(stop, str):
        raise ValueError(f"The file's {where} stop reason is not text.")
    losses = array_from_json(data["losses"], (iteration + 1,), f"{where} losses")
    records = _records_from_json(data["records"], iteration, init.n_layers, where)
    state = RunState(net, opt, iteration, epoch, cursor, data["diverged"], reference)
    return ActivationRun(
        start.activation, init, start.profile, state, tuple(float(x) for x in losses), records, stop
    )


def _records_from_json(data: Any, n: int, n_layers: int, where: str) -> tuple[Record, ...]:
    if not isinstance(data, dict):
        raise ValueError(f"The file's {where} history is damaged.")
    require(data, "iteration", *RECORD_FLOATS, "layer_grad_norms", "delta_norms")
    if n == 0:
        if any(data[name] != [] for name in ("iteration", *RECORD_FLOATS, "layer_grad_norms", "delta_norms")):
            raise ValueError(f"The file's {where} has a history but no updates.")
        return ()
    its = array_from_json(data["iteration"], (n,), f"{where} history", dtype=int)
    floats = {name: array_from_json(data[name], (n,), f"{where} history") for name in RECORD_FLOATS}
    grads = array_from_json(data["layer_grad_norms"], (n, n_layers), f"{where} gradient history")
    deltas = array_from_json(data["delta_norms"], (n, n_layers), f"{where} delta history")
    return tuple(
        Record(
            int(its[i]),
            float(floats["epoch"][i]),
            float(floats["batch_loss"][i]),
            float(floats["train_loss"][i]),
            None,
            None,
            None,
            tuple(float(x) for x in grads[i]),
            tuple(float(x) for x in deltas[i]),
        )
        for i in range(n)
    )
