"""Training runs: many iterations, batch modes, and a record of each iteration for live charts.

Two words kept apart:

* an **iteration** is one update of the parameters, computed from one batch;
* an **epoch** is one pass over every training sample. With n samples and batch size k an
  epoch takes ``ceil(n / k)`` iterations (the last batch may be smaller): 1 for full batch,
  n for one sample at a time.

Mini-batches are drawn from a fresh shuffle of the training set at the start of every epoch;
the shuffle of epoch e is ``default_rng([seed, e]).permutation(n)``, so a run is reproducible
from its seed and the state of a run needs no mutable random generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .engine import check_net
from .losses import check_pairing, get_loss
from .network import MLP
from .optimizers import Optimizer, OptimizerState, as_optimizer, carried_memory, check_state
from .passes import forward_pass, loss_of_forward, train_step_pass
from .trace import StepTrace
from .validation import (
    as_inputs,
    as_targets,
    check_clip,
    check_flag,
    check_l2,
    check_lr,
    check_seed,
    real_array,
    show,
    whole_number,
)

MAX_BATCH_SIZE = 10**7  # far above any data set the app holds; a bigger number is a mistake
MAX_COUNT = 10**7  # iterations or epochs in one call
# a run is stopped as diverged when the loss is non-finite or grows this much above its start
EXPLOSION_FACTOR = 1e6
# the start is the whole training set's loss, floored: one sample's loss (batch size 1) or a
# nearly perfect fit can be tiny, and an ordinary later batch must not count as an explosion
REFERENCE_FLOOR = 1e-2


@dataclass(frozen=True)
class TrainConfig:
    """How to train: loss, learning rate, optimiser, batch size (``None`` = full batch), etc."""

    loss: str
    lr: float
    optimizer: Optimizer = field(default_factory=Optimizer)
    batch_size: int | None = None
    l2: float = 0.0
    clip_norm: float | None = None
    freeze_biases: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        get_loss(self.loss)
        object.__setattr__(self, "lr", check_lr(self.lr))
        object.__setattr__(self, "l2", check_l2(self.l2))
        object.__setattr__(self, "optimizer", as_optimizer(self.optimizer))
        if self.batch_size is not None:
            size = whole_number(
                self.batch_size, "batch size", 1, MAX_BATCH_SIZE, rule="must be a whole number >= 1 or None"
            )
            object.__setattr__(self, "batch_size", size)
        object.__setattr__(self, "clip_norm", check_clip(self.clip_norm))
        object.__setattr__(self, "freeze_biases", check_flag(self.freeze_biases, "freeze_biases"))
        object.__setattr__(self, "seed", check_seed(self.seed))


@dataclass(frozen=True)
class Data:
    """Checked training (and optional test) data for a network with ``n_in`` inputs, ``n_out`` outputs.

    Targets are stored as ``(m, n_out)`` floats (integer labels are made one-hot).
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray | None = None
    Y_test: np.ndarray | None = None

    @classmethod
    def create(
        cls,
        net: MLP,
        loss: str,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_test: np.ndarray | None = None,
        y_test: np.ndarray | None = None,
    ) -> Data:
        n_in, n_out = check_net(net).sizes[0], net.sizes[-1]
        get_loss(loss)
        X_train = as_inputs(X_train, n_in)
        Y_train = as_targets(y_train, X_train.shape[0], n_out, loss)
        if X_test is not None:
            test = real_array(X_test, "X_test", f"an array of shape (m, {n_in}) or None")
            X_test = None if test.ndim >= 1 and len(test) == 0 else test  # an empty test set: none
        if X_test is not None:
            if y_test is None:
                raise ValueError("X_test is given but y_test is None: give both, or neither")
            try:
                X_test = as_inputs(X_test, n_in)
                Y_test = as_targets(y_test, X_test.shape[0], n_out, loss)
            except ValueError as exc:
                raise ValueError(
                    f"test set: {exc}".replace("X ", "X_test ").replace("Y ", "y_test ")
                ) from None
        else:
            X_test = Y_test = None
        return cls(X_train, Y_train, X_test, Y_test)

    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]


@dataclass(frozen=True)
class RunState:
    """Where a run stands: the network, optimiser memory and position in the data.

    ``reference_loss`` is the training loss the run started from (at least ``REFERENCE_FLOOR``):
    the explosion rule compares every batch loss with it, so a run advanced one call at a time
    stops exactly when one long call would. ``run`` fills it in on its first call.
    """

    net: MLP
    opt_state: OptimizerState | None = None
    iteration: int = 0
    epoch: int = 0
    cursor: int = 0
    diverged: bool = False
    reference_loss: float | None = None


@dataclass(frozen=True)
class Record:
    """What one iteration did, measured after its update (``batch_loss`` is before it)."""

    iteration: int
    epoch: float
    batch_loss: float
    train_loss: float
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    layer_grad_norms: tuple[float, ...]
    delta_norms: tuple[float, ...]


@dataclass(frozen=True)
class RunResult:
    state: RunState
    records: list[Record]
    last_trace: StepTrace | None
    nets: list[MLP]
    stop_reason: str | None = None


def batch_indices(n: int, batch_size: int | None, epoch: int, cursor: int, seed: int) -> np.ndarray:
    """The sample indices of the next batch of epoch ``epoch`` starting at ``cursor``."""
    if batch_size is None or batch_size >= n:
        return np.arange(n)
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return order[cursor : cursor + batch_size]


def accuracy(output: np.ndarray, Y: np.ndarray, output_activation: str) -> float | None:
    """Share of correct predictions for classifiers; ``None`` for regression outputs."""
    if output_activation == "softmax":
        return float(np.mean(np.argmax(output, axis=1) == np.argmax(Y, axis=1)))
    if output_activation == "sigmoid":
        return float(np.mean((output > 0.5) == (Y > 0.5)))
    return None


def _metrics(net: MLP, X: np.ndarray, Y: np.ndarray, loss_name: str, l2: float) -> tuple[float, float | None]:
    fwd = forward_pass(net, X)
    return loss_of_forward(net, fwd, Y, loss_name, l2), accuracy(fwd.output, Y, net.output_activation)


def check_run(state: object, data: object, config: object) -> None:
    """``ValueError`` unless ``state``, ``data`` and ``config`` are of their types and fit together."""
    for what, value, kind in (
        ("state", state, RunState),
        ("data", data, Data),
        ("config", config, TrainConfig),
    ):
        if not isinstance(value, kind):
            raise ValueError(f"{what} must be a {kind.__name__}, got {show(value)}")
    net = check_net(state.net)
    check_pairing(net.output_activation, config.loss)
    shapes = [data.X_train.shape, data.Y_train.shape]
    if data.X_test is not None:
        shapes += [data.X_test.shape, data.Y_test.shape]
    if any(shape[1] != want for shape, want in zip(shapes, [net.sizes[0], net.sizes[-1]] * 2, strict=False)):
        raise ValueError(
            f"the data has {data.X_train.shape[1]} input(s) and {data.Y_train.shape[1]} target column(s); "
            f"the network {'-'.join(map(str, net.sizes))} needs {net.sizes[0]} and {net.sizes[-1]}"
        )
    if state.opt_state is not None and state.opt_state.name == config.optimizer.name:
        # (another optimiser's memory is dropped by ``run``: see there)
        check_state(state.opt_state, config.optimizer, [*net.weights, *net.biases])


def run(
    state: RunState,
    data: Data,
    config: TrainConfig,
    *,
    iterations: int | None = None,
    epochs: int | None = None,
    keep_nets: bool = False,
    evaluate: bool = True,
) -> RunResult:
    """Train from ``state`` for ``iterations`` updates or until ``epochs`` more epochs finish.

    Each iteration appends a ``Record``. ``keep_nets`` also returns the network after every
    iteration. The run stops early, with ``state.diverged`` set, when the loss or a parameter
    becomes non-finite or the loss explodes; the returned state then holds the last network
    that was still finite. A ``config`` whose optimiser differs from the one that made
    ``state.opt_state`` starts that optimiser's memory afresh.
    """
    if (iterations is None) == (epochs is None):
        raise ValueError("give either iterations or epochs")
    rule = f"must be a whole number >= 0 (at most {MAX_COUNT:,} in one call)"
    if iterations is not None:
        iterations = whole_number(iterations, "iterations/epochs", 0, MAX_COUNT, rule=rule)
    else:
        epochs = whole_number(epochs, "iterations/epochs", 0, MAX_COUNT, rule=rule)
    check_run(state, data, config)
    # a learner who switched optimiser mid-run: the new one starts with empty memory
    state = replace(state, opt_state=carried_memory(state.opt_state, config.optimizer))
    n = data.n_train
    bs = config.batch_size if config.batch_size is not None and config.batch_size < n else n
    target_epoch = state.epoch + epochs if epochs is not None else None
    records: list[Record] = []
    nets: list[MLP] = []
    trace: StepTrace | None = None
    reference = state.reference_loss
    if reference is None:
        start_loss = _metrics(state.net, data.X_train, data.Y_train, config.loss, config.l2)[0]
        reference = max(start_loss, REFERENCE_FLOOR) if np.isfinite(start_loss) else REFERENCE_FLOOR
    stop_reason = None
    while not state.diverged:
        if iterations is not None and len(records) >= iterations:
            break
        if target_epoch is not None and state.epoch >= target_epoch:
            break
        idx = batch_indices(n, config.batch_size, state.epoch, state.cursor, config.seed)
        X, Y = (data.X_train, data.Y_train) if len(idx) == n else (data.X_train[idx], data.Y_train[idx])
        trace = train_step_pass(
            state.net,
            X,
            Y,
            config.loss,
            config.lr,
            config.optimizer,
            state.opt_state,
            config.l2,
            config.clip_norm,
            config.freeze_biases,
        )
        if trace.non_finite or trace.loss > EXPLOSION_FACTOR * reference:
            stop_reason = (
                "the loss or a weight became NaN or infinite"
                if trace.non_finite
                else f"the loss grew more than {EXPLOSION_FACTOR:.0e} times its starting value"
            )
            state = replace(state, diverged=True)
            break
        cursor = state.cursor + len(idx)
        epoch = state.epoch
        if cursor >= n:
            cursor, epoch = 0, epoch + 1
        state = RunState(
            trace.net_after, trace.optimizer_state, state.iteration + 1, epoch, cursor, False, reference
        )
        if evaluate:
            train_loss, train_acc = _metrics(state.net, data.X_train, data.Y_train, config.loss, config.l2)
            if data.X_test is not None:
                test_loss, test_acc = _metrics(state.net, data.X_test, data.Y_test, config.loss, config.l2)
            else:
                test_loss = test_acc = None
        else:
            train_loss, train_acc, test_loss, test_acc = trace.loss, None, None, None
        if not np.isfinite(train_loss):
            state = replace(state, diverged=True)
            stop_reason = "the loss on the training set became NaN or infinite"
            break
        records.append(
            Record(
                state.iteration,
                epoch + cursor / n if bs < n else float(epoch),
                trace.loss,
                train_loss,
                test_loss,
                train_acc,
                test_acc,
                tuple(trace.backward.layer_grad_norms.tolist()),
                tuple(trace.backward.delta_norms.tolist()),
            )
        )
        if keep_nets:
            nets.append(state.net)
    return RunResult(state, records, trace, nets, stop_reason)


def history_columns(records: list[Record]) -> dict[str, list]:
    """Records as columns (``iteration``, ``train_loss``, ``grad_norm_1`` ...), ready for a table."""
    cols: dict[str, list] = {
        name: [getattr(r, name) for r in records]
        for name in ("iteration", "epoch", "batch_loss", "train_loss", "test_loss", "train_acc", "test_acc")
    }
    if records:
        for l in range(len(records[0].layer_grad_norms)):
            cols[f"grad_norm_layer_{l + 1}"] = [r.layer_grad_norms[l] for r in records]
    return cols
