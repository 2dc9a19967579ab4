"""A playground training run: its history, time-travel snapshots, divergence and saved weights.

``start_run`` measures a fresh network; ``advance`` trains it further through ``runner.run``
one iteration at a time, so that every iteration leaves

* a ``Record`` (losses, accuracies, per-layer gradient norms) for the curves and the CSV, and
* a ``Snapshot`` (the network after the update, with that iteration's ``dW``, ``db`` and mean
  activations) for the diagram and for time travel.

Both lists keep every iteration up to a cap and are then thinned: the stride between kept
iterations doubles each time the cap is passed, so they cover the whole run at ever coarser
spacing; iteration 0 and the newest iteration are always kept.

A run *diverges* when the loss or a parameter becomes NaN or infinite, or the loss grows to
``EXPLOSION_FACTOR`` times where the run started. Training then stops, the last finite network
is kept, and the listed learning rates below the failing one are tried from the state where
the failing action began: the largest that trains without blowing up is reported.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from backprop_core.engine import evaluate, predict
from backprop_core.network import MLP
from backprop_core.runner import (
    EXPLOSION_FACTOR,
    REFERENCE_FLOOR,
    Data,
    Record,
    RunState,
    TrainConfig,
    accuracy,
    run,
)
from backprop_core.trace import StepTrace

RECORD_CAP = 10_000
# snapshots hold whole networks: 300 of the largest allowed (8 x 16) cost about 10 MB per learner
SNAPSHOT_CAP = 300
PROBE_MIN_ITERATIONS = 200
# below this the starting loss is treated as this, so that a nearly perfect start does not make
# every small wobble look like an explosion (the runner's own floor)
EXPLOSION_FLOOR = REFERENCE_FLOOR
# a probed learning rate "worked" if the loss ended no more than this share above where it began
PROBE_TOLERANCE = 0.01


@dataclass(frozen=True)
class Metrics:
    """Loss and accuracy of a network on the training and test sets (``None`` where not defined)."""

    train_loss: float
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None


@dataclass(frozen=True)
class UpdateSize:
    """How much the update of ``iteration`` changed each layer's weights, relative to their size.

    ``ratios[l] = ||ΔW[l]|| / ||W[l]||`` (Frobenius norms, ``W`` before the update, ``ΔW`` the change
    the optimiser really applied, after clipping and L2; ``nan`` where ``W`` was all zeros). With
    sgd ``ΔW = -lr * dW``, so it follows ``||dW||``; momentum and Adam reshape the step, and Adam
    divides each coordinate by its gradient's running size, so a layer with a tiny ``dW`` can
    still move as much as the others.
    """

    iteration: int
    ratios: tuple[float, ...]


def update_size(iteration: int, trace: StepTrace) -> UpdateSize:
    """The relative update sizes of one training step (``trace``), labelled ``iteration``."""
    ratios = []
    for W, step in zip(trace.update.net_before.weights, trace.update.step_W, strict=True):
        size = float(np.linalg.norm(W))
        ratios.append(float(np.linalg.norm(step)) / size if size > 0 else math.nan)
    return UpdateSize(iteration, tuple(ratios))


@dataclass(frozen=True, repr=False)
class Snapshot:
    """The network after ``iteration`` updates and what that iteration computed.

    ``state`` is the run's position then, without the optimiser's memory (``opt_state=None``).

    ``dW[l]``: ``(n_{l-1}, n_l)`` and ``db[l]``: ``(n_l,)`` of the batch loss (``db`` is ``delta``
    summed over the batch). ``a_mean[c]``: the mean over the batch of diagram column c's values
    (c = 0: the inputs x; c = l + 1: layer l's ``a``) in that iteration's forward pass. All three
    are ``None`` for iteration 0, before any training.
    """

    iteration: int
    epoch: float
    state: RunState
    dW: tuple[np.ndarray, ...] | None
    db: tuple[np.ndarray, ...] | None
    a_mean: tuple[np.ndarray, ...] | None
    batch_size: int

    @property
    def net(self) -> MLP:
        return self.state.net

    def __repr__(self) -> str:
        return f"Snapshot(iteration={self.iteration}, epoch={self.epoch:.3g})"


@dataclass(frozen=True)
class Divergence:
    """Why and where training stopped, and the learning rate that would have worked.

    ``iteration``: the update that failed; the run stays at ``last_iteration`` (one before it),
    the last network that was still finite and which the page's status line shows.

    ``restart``: the state where the failing action (a Step, a Play tick...) began.
    ``safe_lr``: the largest probed rate below ``lr`` that trained from ``restart`` for
    ``probe_iterations`` iterations without blowing up, or ``None`` if none did.
    """

    iteration: int
    reason: str
    lr: float
    restart: RunState
    safe_lr: float | None
    probe_iterations: int

    @property
    def last_iteration(self) -> int:
        """The iteration the run stopped at: the last update that worked."""
        return self.iteration - 1


def _iteration(item: Record | Snapshot) -> int:
    return item.iteration


@dataclass(frozen=True, repr=False)
class Run:
    """Everything a playground run has done so far (immutable: ``advance`` returns a new one)."""

    state: RunState
    initial: Metrics
    records: tuple[Record, ...]
    snapshots: tuple[Snapshot, ...]
    record_stride: int = 1
    snapshot_stride: int = 1
    divergence: Divergence | None = None
    # one per record, kept and thinned with them (same iterations)
    updates: tuple[UpdateSize, ...] = ()

    @property
    def iteration(self) -> int:
        return self.state.iteration

    @property
    def latest(self) -> Snapshot:
        return self.snapshots[-1]

    @property
    def metrics(self) -> Metrics:
        """Loss and accuracy of the current network."""
        if not self.records:
            return self.initial
        r = self.records[-1]
        return Metrics(r.train_loss, r.test_loss, r.train_acc, r.test_acc)

    @property
    def snapshot_iterations(self) -> list[int]:
        return [s.iteration for s in self.snapshots]

    def snapshot_at(self, iteration: int) -> Snapshot:
        """The kept snapshot closest to ``iteration`` (at or before it when there is one)."""
        # a binary search on the kept iterations (ascending), without listing them all every tick
        pos = bisect.bisect_right(self.snapshots, iteration, key=_iteration) - 1
        return self.snapshots[max(pos, 0)]

    def metrics_at(self, iteration: int) -> Metrics:
        """Loss and accuracy after ``iteration`` updates (the nearest kept record at or before it)."""
        if iteration <= 0 or not self.records:
            return self.initial
        pos = bisect.bisect_right(self.records, iteration, key=_iteration) - 1
        if pos < 0:
            return self.initial
        r = self.records[pos]
        return Metrics(r.train_loss, r.test_loss, r.train_acc, r.test_acc)

    def __repr__(self) -> str:
        return (
            f"Run(iteration={self.iteration}, records={len(self.records)}, snapshots={len(self.snapshots)}, "
            f"diverged={self.divergence is not None})"
        )


def measure(net: MLP, data: Data, loss_name: str, l2: float = 0.0) -> Metrics:
    """Loss (with the L2 term, as training sees it) and accuracy of ``net`` on ``data``."""
    train_loss = evaluate(net, data.X_train, data.Y_train, loss_name, l2)
    train_acc = accuracy(predict(net, data.X_train), data.Y_train, net.output_activation)
    if data.X_test is None:
        return Metrics(train_loss, None, train_acc, None)
    test_loss = evaluate(net, data.X_test, data.Y_test, loss_name, l2)
    test_acc = accuracy(predict(net, data.X_test), data.Y_test, net.output_activation)
    return Metrics(train_loss, test_loss, train_acc, test_acc)


def start_run(net: MLP, data: Data, loss_name: str, l2: float = 0.0) -> Run:
    """A run at iteration 0 with ``net``, measured on ``data``."""
    initial = measure(net, data, loss_name, l2)
    # the runner's explosion rule compares each batch loss with the state's reference loss; left
    # unset it would be the first batch's loss, which for a batch of one sample can be ~0 and make
    # any later batch look like an explosion: use the training-set loss the run started from
    state = RunState(net, reference_loss=max(initial.train_loss, EXPLOSION_FLOOR))
    first = Snapshot(0, 0.0, state, None, None, None, 0)
    return Run(state, initial, (), (first,))


def advance(
    current: Run,
    data: Data,
    config: TrainConfig,
    *,
    iterations: int | None = None,
    epochs: int | None = None,
    lr_candidates: Sequence[float] = (),
    budget: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    stop: Callable[[], bool] | None = None,
) -> Run:
    """Train ``iterations`` more updates, or until ``epochs`` more epochs are complete.

    On divergence the run stops with ``divergence`` set (and the last finite network kept);
    ``lr_candidates`` are the learning rates to probe for the largest one that works.
    A run that has diverged does not advance.

    ``budget``: seconds of training after which to stop early (``clock`` measures them; at least
    one iteration runs). A Play tick passes one, so that a big network trains fewer iterations
    per tick rather than keeping the page busy for seconds, and Pause answers at the next tick.

    ``stop``: asked before every iteration (the first too); when it answers ``True`` the call ends
    there with what it has trained. A Play tick passes one that reads the Play flag, so a Pause
    that lands during a tick ends it at the next iteration.
    """
    if (iterations is None) == (epochs is None):
        raise ValueError("give either iterations or epochs")
    if current.divergence is not None:
        return current
    start = current.state
    target_epoch = start.epoch + epochs if epochs is not None else None
    limit = EXPLOSION_FACTOR * start.reference_loss
    state = start
    records: list[Record] = []
    updates: list[UpdateSize] = []
    snapshots: list[Snapshot] = []
    divergence = None
    started = clock()
    while (iterations is not None and len(records) < iterations) or (
        target_epoch is not None and state.epoch < target_epoch
    ):
        if records and budget is not None and clock() - started >= budget:
            break
        if stop is not None and stop():
            break
        result = run(state, data, config, iterations=1)
        reason = result.stop_reason
        if reason is None and result.records and not result.records[-1].train_loss <= limit:
            reason = (
                f"the training loss grew to {result.records[-1].train_loss:.3g}, more than "
                f"{EXPLOSION_FACTOR:.0e} times its starting value"
            )
        if reason is not None:
            probe_its = max(2 * (len(records) + 1), PROBE_MIN_ITERATIONS)
            candidates = sorted((lr for lr in lr_candidates if lr < config.lr), reverse=True)
            safe = largest_working_lr(start, data, config, candidates, probe_its, limit)
            divergence = Divergence(state.iteration + 1, reason, config.lr, start, safe, probe_its)
            break
        state = result.state
        records.append(result.records[-1])
        updates.append(update_size(state.iteration, result.last_trace))
        snapshots.append(_snapshot(result.records[-1], state, result.last_trace))
    if not records and divergence is None:
        return current  # stopped before the first iteration
    new_records, rec_stride = thin_history(current.records, records, current.record_stride, RECORD_CAP)
    new_updates, _ = thin_history(current.updates, updates, current.record_stride, RECORD_CAP)
    new_snaps, snap_stride = thin_history(current.snapshots, snapshots, current.snapshot_stride, SNAPSHOT_CAP)
    return Run(
        state, current.initial, new_records, new_snaps, rec_stride, snap_stride, divergence, new_updates
    )


def resume(current: Run, state: RunState, data: Data, loss_name: str, l2: float = 0.0) -> Run:
    """Clear a divergence and continue from ``state`` (e.g. ``divergence.restart``).

    History after ``state.iteration`` is dropped: it belongs to the path that blew up.
    """
    it = state.iteration
    records = tuple(r for r in current.records if r.iteration <= it)
    updates = tuple(u for u in current.updates if u.iteration <= it)
    snapshots = tuple(s for s in current.snapshots if s.iteration <= it)
    if not snapshots or snapshots[-1].iteration != it:
        snapshots = (*snapshots, Snapshot(it, float(state.epoch), state, None, None, None, 0))
    return replace(
        current, state=state, records=records, updates=updates, snapshots=snapshots, divergence=None
    )


def largest_working_lr(
    state: RunState,
    data: Data,
    config: TrainConfig,
    candidates: Iterable[float],
    iterations: int,
    limit: float,
) -> float | None:
    """The first of ``candidates`` (try them largest first) that trains from ``state`` without diverging.

    A rate works when ``iterations`` updates stay finite, the loss stays below ``limit``, and the
    training loss ends no higher than where it started (within ``PROBE_TOLERANCE``).
    """
    start_loss = evaluate(state.net, data.X_train, data.Y_train, config.loss, config.l2)
    for lr in candidates:
        result = run(state, data, replace(config, lr=lr), iterations=iterations, evaluate=False)
        if result.state.diverged or len(result.records) < iterations:
            continue
        if any(not r.batch_loss <= limit for r in result.records):
            continue
        end_loss = evaluate(result.state.net, data.X_train, data.Y_train, config.loss, config.l2)
        if math.isfinite(end_loss) and end_loss <= start_loss * (1 + PROBE_TOLERANCE):
            return lr
    return None


def _snapshot(record: Record, state: RunState, trace: StepTrace) -> Snapshot:
    a_mean = (trace.x.mean(axis=0), *(a.mean(axis=0) for a in trace.a))
    return Snapshot(
        record.iteration,
        record.epoch,
        # snapshots are for looking back; the optimiser's memory (as large as the network again for
        # momentum, twice for Adam) is only needed to continue, which starts from `Run.state`
        replace(state, opt_state=None),
        tuple(trace.dW),
        tuple(trace.db),
        a_mean,
        trace.x.shape[0],
    )


def thin_history(old: tuple, new: list, stride: int, cap: int) -> tuple[tuple, int]:
    """Append ``new`` to ``old`` keeping iterations that are multiples of the stride, plus the newest."""
    if not new:
        return old, stride
    items = list(old)
    if len(items) > 1 and items[-1].iteration % stride:
        items.pop()  # it was kept only as the newest
    items.extend(x for x in new[:-1] if x.iteration % stride == 0)
    items.append(new[-1])
    while len(items) > cap:
        stride *= 2
        last = items[-1]
        items = [x for x in items[:-1] if x.iteration % stride == 0]
        items.append(last)
    return tuple(items), stride
