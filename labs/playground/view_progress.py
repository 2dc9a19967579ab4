"""Save progress / Load progress for the playground: everything needed to continue a run exactly.

The payload (``progress_payload``) holds

* ``settings``: every setting, written as the page's link writes it (``URL_PARAMS``), so loading
  checks each one with the same parser a link goes through;
* ``csv``: an uploaded file's rows (as CSV text read back by ``read_csv``, with every check of an
  upload) and its name, or ``None`` for a built-in data set (its seed is in the settings);
* ``net``, ``optimizer`` (name, step count, slots), ``iteration``, ``epoch``, ``cursor``,
  ``reference_loss``: the run's position. The batch order is drawn from ``(seed, epoch)``, so
  ``seed``, ``epoch`` and ``cursor`` are the whole random-number state of a playground run;
* ``history``: the loss records and update sizes (thinned further if the file would be too large)
  and the last iteration's ``dW``, ``db`` and mean activations for the diagram.

``restore`` checks the whole payload before it changes anything, then sets the settings, the
data, the set-up and the run; a run that had diverged is restored at its last finite iteration.
Works on any mutable mapping (``st.session_state`` or a plain dict in tests).
"""

from __future__ import annotations

import csv
import io
from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

import numpy as np

from backprop_core import MLP
from backprop_core.progress import (
    MAX_PROGRESS_BYTES,
    array_from_json,
    array_to_json,
    optimizer_state_from_json,
    optimizer_state_to_json,
    require,
)
from backprop_core.runner import Record, RunState
from labs.playground.model import build_data, build_network, problem_from_table
from labs.playground.model_boundary import input_grid
from labs.playground.model_byod import Table, read_csv
from labs.playground.model_run import RECORD_CAP, Run, Snapshot, UpdateSize, measure
from labs.playground.view_data import builtin_problem
from labs.playground.view_session import Setup, data_key
from labs.playground.view_settings import CSV, DEFAULTS, URL_PARAMS, read_settings
from ui.echo import quoted

LAB = "playground"
# a progress file must stay under the upload limit: history beyond this is thinned on saving
HISTORY_BYTES = MAX_PROGRESS_BYTES // 2
_RECORD_FIELDS = ("iteration", "epoch", "batch_loss", "train_loss", "test_loss", "train_acc", "test_acc")


def _table_csv(table: Table) -> str:
    """An uploaded table as CSV text that ``read_csv`` reads back to the same table (floats exact)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    answer = "target" if table.target is not None else "label"
    writer.writerow(["x1", "x2", answer])
    for r in range(table.n_rows):
        value = (
            repr(float(table.target[r])) if table.target is not None else table.class_names[table.labels[r]]
        )
        writer.writerow([repr(float(table.X[r, 0])), repr(float(table.X[r, 1])), value])
    return out.getvalue()


def _history(run: Run) -> dict:
    records, updates, stride = run.records, run.updates, run.record_stride
    per_record = 22 * (len(_RECORD_FIELDS) + 3 * run.state.net.n_layers)  # ~22 bytes a number
    while len(records) * per_record > HISTORY_BYTES:
        stride *= 2  # as the run itself thins its history: every 2nd, 4th, ... and the newest
        records = tuple(r for r in records[:-1] if r.iteration % stride == 0) + records[-1:]
    keep = {r.iteration for r in records}
    updates = tuple(u for u in updates if u.iteration in keep)
    latest = run.latest
    return {
        "stride": stride,
        "records": {name: [getattr(r, name) for r in records] for name in _RECORD_FIELDS},
        "grad_norms": [list(r.layer_grad_norms) for r in records],
        "delta_norms": [list(r.delta_norms) for r in records],
        "update_ratios": [list(u.ratios) for u in updates],
        "latest": None
        if latest.dW is None
        else {
            "dW": [array_to_json(a) for a in latest.dW],
            "db": [array_to_json(a) for a in latest.db],
            "a_mean": [array_to_json(a) for a in latest.a_mean],
            "batch_size": latest.batch_size,
        },
    }


def progress_payload(state: MutableMapping[str, Any]) -> dict:
    """Everything needed to continue this learner's run exactly (see the module docstring)."""
    run: Run = state["pg_run"]
    rs = run.state
    settings = {p.name: p.dump(state[p.key]) for p in URL_PARAMS if p.key in state and p.name != "hide"}
    settings["layers"] = "-".join(str(state[f"pg_width_{i}"]) for i in range(int(state["pg_layers"])))
    csv_part = None
    if state.get("pg_dataset") == CSV and state.get("pg_csv") is not None:
        name, table = state["pg_csv"]
        csv_part = {"name": name, "rows": _table_csv(table)}
        settings.pop("ds", None)
    opt = rs.opt_state
    return {
        "settings": settings,
        "csv": csv_part,
        "net": {
            "weights": [array_to_json(w) for w in rs.net.weights],
            "biases": [array_to_json(b) for b in rs.net.biases],
        },
        "optimizer": optimizer_state_to_json(opt),
        "iteration": rs.iteration,
        "epoch": rs.epoch,
        "cursor": rs.cursor,
        "reference_loss": rs.reference_loss,
        "history": _history(run),
    }


def _whole(value: Any, name: str, lo: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ValueError(f"This progress file is damaged: its {name} is not a whole number >= {lo}.")
    return value


def _settings(saved: Any, has_csv: bool) -> dict[str, Any]:
    """The saved settings as widget values, each checked by the parser a link goes through."""
    if not isinstance(saved, dict) or not all(isinstance(v, str) for v in saved.values()):
        raise ValueError("This progress file is damaged: its settings are not a list of named values.")
    values = dict(DEFAULTS)
    for p in URL_PARAMS:
        if p.name == "hide" or p.name not in saved or (p.name == "ds" and has_csv):
            continue
        try:
            values[p.key] = p.parse(saved[p.name])
        except ValueError as exc:
            raise ValueError(
                f"This progress file's setting {quoted(p.name)} cannot be used: {exc}."
            ) from None
    hidden = values.pop("pg_hidden", (4, 4))
    values["pg_layers"] = len(hidden)
    for i, width in enumerate(hidden):
        values[f"pg_width_{i}"] = width
    if has_csv:
        values["pg_dataset"] = CSV
    return values


def _floats(value: Any, shape: tuple, name: str) -> np.ndarray:
    return array_from_json(value, shape, name)


def _arrays(saved: Any, like: tuple[np.ndarray, ...], name: str) -> tuple[np.ndarray, ...]:
    if not isinstance(saved, list) or len(saved) != len(like):
        raise ValueError(f"This progress file's {name} do not fit the network its settings describe.")
    return tuple(_floats(s, a.shape, name) for s, a in zip(saved, like, strict=True))


def _records(
    history: Any, n_layers: int, upto: int
) -> tuple[tuple[Record, ...], tuple[UpdateSize, ...], int]:
    if not isinstance(history, dict):
        raise ValueError("This progress file's history is damaged.")
    require(history, "stride", "records", "grad_norms", "delta_norms", "update_ratios")
    cols = history["records"]
    if not isinstance(cols, dict) or set(cols) != set(_RECORD_FIELDS):
        raise ValueError("This progress file's history is damaged: its columns are not the playground's.")
    n = len(cols["iteration"]) if isinstance(cols["iteration"], list) else -1
    lists = [cols[f] for f in _RECORD_FIELDS] + [history[k] for k in ("grad_norms", "delta_norms")]
    if n > RECORD_CAP or any(not isinstance(c, list) or len(c) != n for c in lists):
        raise ValueError("This progress file's history is damaged: its columns differ in length.")
    grads = _floats(history["grad_norms"], (n, n_layers), "gradient norms") if n else np.zeros((0, n_layers))
    deltas = _floats(history["delta_norms"], (n, n_layers), "delta norms") if n else np.zeros((0, n_layers))
    its = [_whole(i, "history's iteration", 1) for i in cols["iteration"]]
    if its != sorted(set(its)) or (its and its[-1] != upto):
        raise ValueError("This progress file's history does not end at its iteration.")
    numbers = {}
    for f in _RECORD_FIELDS[1:]:
        column = cols[f]
        if any(v is not None and (isinstance(v, bool) or not isinstance(v, int | float)) for v in column):
            raise ValueError(f"This progress file's history holds something that is not a number ({f}).")
        numbers[f] = [None if v is None else float(v) for v in column]
    records = tuple(
        Record(its[i], *(numbers[f][i] for f in _RECORD_FIELDS[1:]), tuple(grads[i]), tuple(deltas[i]))
        for i in range(n)
    )
    ratios = history["update_ratios"]
    if not isinstance(ratios, list) or len(ratios) not in (0, n):
        raise ValueError("This progress file's update sizes do not match its history.")
    table = _floats(ratios, (n, n_layers), "update sizes") if ratios else np.zeros((0, n_layers))
    updates = tuple(UpdateSize(its[i], tuple(float(v) for v in table[i])) for i in range(len(table)))
    return records, updates, _whole(history["stride"], "history's stride", 1)


def restore(state: MutableMapping[str, Any], payload: dict) -> str:
    """Check ``payload`` (from ``progress_payload``) as a whole, then make it the learner's run.

    ``ValueError`` (with a learner message) leaves ``state`` untouched. Returns what was restored.
    """
    require(payload, "settings", "csv", "net", "optimizer", "iteration", "epoch", "cursor", "history")
    csv_part = payload["csv"]
    table, name = None, None
    if csv_part is not None:
        if not isinstance(csv_part, dict) or not isinstance(csv_part.get("rows"), str):
            raise ValueError("This progress file's data is damaged.")
        name = str(csv_part.get("name") or "your file")
        try:
            table = read_csv(csv_part["rows"])
        except ValueError as exc:
            raise ValueError(f"This progress file's data cannot be used: {exc}.") from None
    values = _settings(payload["settings"], table is not None)
    scratch = dict(values)
    settings = read_settings(scratch)
    if table is not None:
        problem = problem_from_table(table, settings.test, settings.dseed, name)
    else:
        problem = builtin_problem(
            settings.dataset, settings.points, settings.noise, settings.test, settings.dseed
        )
    net0 = build_network(problem, settings.hidden, settings.act, settings.out, settings.init, settings.seed)
    data = build_data(problem, net0, settings.loss)
    saved_net = payload["net"]
    if not isinstance(saved_net, dict):
        raise ValueError("This progress file's network is damaged.")
    weights = _arrays(saved_net.get("weights"), net0.weights, "weights")
    biases = _arrays(saved_net.get("biases"), net0.biases, "biases")
    if not all(np.isfinite(a).all() for a in (*weights, *biases)):
        raise ValueError("This progress file's network holds a weight that is not a finite number.")
    net = MLP.from_params(list(weights), list(biases), net0.activations)
    params = (*net0.weights, *net0.biases)
    opt_state = optimizer_state_from_json(payload["optimizer"], params)
    iteration = _whole(payload["iteration"], "iteration")
    epoch = _whole(payload["epoch"], "epoch")
    cursor = _whole(payload["cursor"], "position in the epoch")
    if cursor >= problem.n_train:
        raise ValueError("This progress file's position in the epoch is beyond its training data.")
    reference = payload.get("reference_loss")
    if reference is not None and (isinstance(reference, bool) or not isinstance(reference, int | float)):
        raise ValueError("This progress file's reference loss is not a number.")
    records, updates, stride = _records(payload["history"], net.n_layers, iteration)

    # everything checked: now change the learner's state
    rs = RunState(
        net, opt_state, iteration, epoch, cursor, False, None if reference is None else float(reference)
    )
    initial = measure(net0, data, settings.loss, settings.l2)
    first = Snapshot(0, 0.0, RunState(net0), None, None, None, 0)
    last = Snapshot(
        iteration,
        records[-1].epoch if records else float(epoch),
        replace(rs, opt_state=None),
        None,
        None,
        None,
        0,
    )
    latest = payload["history"].get("latest")
    if isinstance(latest, dict) and iteration:
        try:
            dW = _arrays(latest.get("dW"), net0.weights, "last gradients")
            db = _arrays(latest.get("db"), net0.biases, "last gradients")
            a_mean = _arrays(latest.get("a_mean"), (np.zeros(net.sizes[0]), *net0.biases), "mean activations")
            last = replace(
                last, dW=dW, db=db, a_mean=a_mean, batch_size=_whole(latest.get("batch_size"), "batch", 1)
            )
        except ValueError:
            pass  # the diagram then shows weights only until the next step
    snapshots = (first, last) if iteration else (first,)
    run = Run(rs, initial, records, snapshots, stride, 1, None, updates)

    state.update(values)
    if table is not None:
        state["pg_csv"] = (name, table)
        state["pg_csv_version"] = state.get("pg_csv_version", 0) + 1
        state["pg_csv_error"] = None
    setup_settings = read_settings(state)
    state["pg_setup"] = Setup(
        data_key(setup_settings, state), setup_settings.net_key, setup_settings, problem,
        input_grid(problem.extent), net0, data,
    )  # fmt: skip
    state["pg_run"] = run
    state["pg_playing"] = False
    state["pg_tt_follow"] = True
    state.pop("pg_tt", None)
    where = (
        "your file " + quoted(name)
        if table is not None
        else f"{settings.dataset} (data seed {settings.dseed})"
    )
    return f"iteration {iteration} on {where}; press Step or Play to continue exactly where it was saved."
