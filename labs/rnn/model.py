"""What the backpropagation-through-time lab computes: tasks from a seed, the network, its experiments.

numpy and ``backprop_core`` only. Every function is pure: it takes a ``Setup`` (or a network and a
task) and returns new objects, so the view may cache them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from backprop_core.optimizers import carried_memory
from backprop_core.rnn import RNN, BPTTTrace, bptt_step, predict, spectral_radius
from backprop_core.runner import EXPLOSION_FACTOR

TASKS: dict[str, str] = {
    "remember": "remember the first input (loss on the last step)",
    "running_sum": "running sum of the inputs (loss on every step)",
    "sine": "continue a sine wave (loss on every step)",
}
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")
MIN_T, MAX_T = 2, 60
MIN_HIDDEN, MAX_HIDDEN = 1, 16
MIN_RADIUS, MAX_RADIUS = 0.5, 1.5
BATCH = 64  # training sequences per batch
TEST_BATCH = 256  # held-out sequences the accuracy is measured on
TEST_SEED_OFFSET = 10_000  # the held-out batch is drawn from seed + this
BRIDGE_BATCH = 8  # sequences in the PyTorch script
TOLERANCE = 0.1  # a running-sum or sine prediction within this of its target counts as right
DIAGRAM_MAX_T = 8  # the unrolled network is drawn with its numbers up to this length
ACCURACY_TS: tuple[int, ...] = (2, 5, 10, 15, 20, 25, 30, 40, 60)
ACCURACY_UPDATES = 300
ACCURACY_EVERY = 25  # updates between two accuracy measurements
ACCURACY_LR = 0.01  # Adam's learning rate for the accuracy-against-T experiment
TRUNCATE_KS: tuple[int, ...] = (1, 2, 3, 5, 8, 12, 20, 30, 45, 60)
# a run diverges when a loss or gradient is NaN/inf, or the loss exceeds this multiple of the run's first
# loss (the playground's rule, ``backprop_core.runner.EXPLOSION_FACTOR``)
DIVERGENCE_FACTOR = EXPLOSION_FACTOR


def diverging(trace: BPTTTrace, first_loss: float) -> bool:
    """True when ``trace``'s step diverged: NaN/inf anywhere, or a loss above ``DIVERGENCE_FACTOR`` x
    ``first_loss`` (the loss before the run's first update)."""
    return bool(trace.non_finite) or trace.loss > DIVERGENCE_FACTOR * max(first_loss, 1e-12)


@dataclass(frozen=True)
class Setup:
    """The network and task the page shows. ``radius``: the spectral radius ``Wh`` is scaled to."""

    task: str = "remember"
    T: int = 6
    hidden: int = 4
    activation: str = "tanh"
    radius: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        if not MIN_T <= self.T <= MAX_T:
            raise ValueError(f"T = {self.T} is out of range; expected {MIN_T} to {MAX_T}")
        if not MIN_HIDDEN <= self.hidden <= MAX_HIDDEN:
            raise ValueError(
                f"{self.hidden} hidden units is out of range; expected {MIN_HIDDEN} to {MAX_HIDDEN}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; expected one of {', '.join(ACTIVATIONS)}"
            )
        if not MIN_RADIUS <= self.radius <= MAX_RADIUS:
            raise ValueError(f"spectral radius {self.radius} is out of range; expected 0.5 to 1.5")


@dataclass(frozen=True)
class Task:
    """A batch of sequences: ``X (m, T, 1)``; ``Y (m, 1)`` (last step) or ``(m, T, 1)`` (every step)."""

    name: str
    X: np.ndarray
    Y: np.ndarray

    @property
    def every_step(self) -> bool:
        return self.Y.ndim == 3


def make_task(name: str, T: int, seed: int, m: int = BATCH) -> Task:
    """The task's batch, drawn from ``seed`` (the same seed gives the same numbers).

    remember: ``x_t`` is +1 or -1 at random, the target at the last step is ``x_1``.
    running_sum: ``x_t`` uniform in [-0.5, 0.5], the target at step t is ``x_1 + ... + x_t``.
    sine: ``x_t = sin(w t + p)`` with w and p drawn per sequence, the target is ``x_{t+1}``.
    """
    rng = np.random.default_rng(seed)
    if name == "remember":
        X = rng.choice([-1.0, 1.0], size=(m, T, 1))
        return Task(name, X, X[:, 0, :].copy())
    if name == "running_sum":
        X = rng.uniform(-0.5, 0.5, size=(m, T, 1))
        return Task(name, X, np.cumsum(X, axis=1))
    if name == "sine":
        w = rng.uniform(0.2, 0.6, size=(m, 1))
        p = rng.uniform(0.0, 2 * np.pi, size=(m, 1))
        wave = np.sin(w * np.arange(T + 1)[None, :] + p)
        return Task(name, wave[:, :T, None], wave[:, 1:, None])
    raise ValueError(f"unknown task {name!r}; expected one of {', '.join(TASKS)}")


def task_of(setup: Setup) -> Task:
    return make_task(setup.task, setup.T, setup.seed)


def bridge_task(task: Task, n: int = BRIDGE_BATCH) -> Task:
    """The first ``n`` sequences of ``task``: a batch small enough to print in a script."""
    return Task(task.name, task.X[:n], task.Y[:n])


def with_radius(net: RNN, radius: float) -> RNN:
    """``net`` with ``Wh`` scaled so that its spectral radius is ``radius``."""
    rho = spectral_radius(net.Wh)
    return net if rho == 0 else net.replace(Wh=net.Wh * (radius / rho))


def initial_net(setup: Setup) -> RNN:
    """xavier weights from the seed, biases 0, ``Wh`` scaled to the setup's spectral radius."""
    net = RNN.create(1, setup.hidden, 1, activation=setup.activation, seed=setup.seed, init="xavier")
    return with_radius(net, setup.radius)


def test_task(task: Task, seed: int) -> Task:
    """The held-out batch of the same task and length (never trained on)."""
    return make_task(task.name, task.X.shape[1], seed + TEST_SEED_OFFSET, TEST_BATCH)


def accuracy(net: RNN, task: Task) -> float:
    """remember: the sign of the last output matches ``x_1``; other tasks: within ``TOLERANCE``."""
    o = predict(net, task.X)
    if task.every_step:
        return float(np.mean(np.abs(o - task.Y) < TOLERANCE))
    return float(np.mean(np.sign(o[:, -1]) == np.sign(task.Y)))


def gradient_step(net: RNN, task: Task, **kw: object) -> BPTTTrace:
    return bptt_step(net, task.X, task.Y, "mse", **kw)


# -- how far back the error reaches -----------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """``||delta_t||`` over t for the loss on the last step, and what shrinks or grows it.

    ``per_step``: the geometric-mean factor by which ``||delta||`` changes per step back;
    ``mean_slope``: the mean ``|f'(z)|`` over every unit and step.
    """

    norms: np.ndarray  # (T,)
    radius: float
    activation: str
    mean_slope: float

    @property
    def ratio(self) -> float:
        """``||delta_1|| / ||delta_T||``."""
        return float(self.norms[0] / self.norms[-1]) if self.norms[-1] > 0 else float("nan")

    @property
    def per_step(self) -> float:
        T = len(self.norms)
        r = self.ratio
        return float(r ** (1.0 / (T - 1))) if T > 1 and r > 0 else float("nan")


def reach(setup: Setup, radius: float | None = None, activation: str | None = None) -> Reach:
    """The error of the remember task's last-step loss, traced back to step 1 at initialisation."""
    s = replace(setup, radius=radius or setup.radius, activation=activation or setup.activation)
    net = initial_net(s)
    task = make_task("remember", s.T, s.seed)
    tr = gradient_step(net, task)
    slope = np.mean(np.abs(np.asarray(_slopes(tr))))
    return Reach(tr.delta_norms, s.radius, s.activation, float(slope))


def _slopes(trace: BPTTTrace) -> np.ndarray:
    if trace.net.activation == "tanh":
        return 1.0 - trace.h**2
    return (trace.z > 0).astype(float)


# -- truncated BPTT ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TruncationPoint:
    k: int
    cosine: float  # between the truncated and the full gradient, all parameters as one vector
    norm_ratio: float  # ||truncated|| / ||full||


def flat_grads(trace: BPTTTrace) -> np.ndarray:
    return np.concatenate([g.ravel() for g in trace.grads])


def truncation_sweep(net: RNN, task: Task) -> list[TruncationPoint]:
    """The truncated gradient against the full one, for every k in ``TRUNCATE_KS`` below T."""
    T = task.X.shape[1]
    full = flat_grads(gradient_step(net, task))
    fn = float(np.linalg.norm(full))
    out = []
    for k in [k for k in TRUNCATE_KS if k < T] + [T]:
        g = flat_grads(gradient_step(net, task, truncate=k))
        gn = float(np.linalg.norm(g))
        cos = float(g @ full / (gn * fn)) if gn > 0 and fn > 0 else float("nan")
        out.append(TruncationPoint(k, cos, gn / fn if fn > 0 else float("nan")))
    return out


@dataclass(frozen=True)
class Run:
    """A training run: the loss before each update, the held-out accuracy every ``ACCURACY_EVERY``
    updates (and at the end), and the final network."""

    losses: tuple[float, ...]
    accuracies: tuple[float, ...]
    net: RNN
    diverged: bool = False


def train_run(
    net: RNN,
    task: Task,
    updates: int,
    lr: float,
    optimizer: str = "adam",
    *,
    held_out: Task,
    truncate: int | None = None,
    clip_norm: float | None = None,
) -> Run:
    """``updates`` full-batch steps; stops early (flagged) when a step diverges.

    The accuracy is measured on ``held_out`` every ``ACCURACY_EVERY`` updates and at the end.
    """
    losses, accs, state = [], [], None
    for i in range(updates):
        tr = gradient_step(
            net, task, lr=lr, truncate=truncate, optimizer=optimizer, clip_norm=clip_norm, state=state
        )
        losses.append(tr.loss)
        if diverging(tr, losses[0]):
            return Run(tuple(losses), tuple(accs), net, True)
        net, state = tr.net_after, tr.optimizer_state
        if (i + 1) % ACCURACY_EVERY == 0 or i + 1 == updates:
            accs.append(accuracy(net, held_out))
    return Run(tuple(losses), tuple(accs), net)


def truncation_training(setup: Setup, ks: tuple[int, ...], updates: int = ACCURACY_UPDATES) -> dict[int, Run]:
    """The remember task trained with each truncation length (``T`` = full BPTT), Adam at ACCURACY_LR."""
    net = initial_net(setup)
    task = make_task("remember", setup.T, setup.seed)
    held_out = test_task(task, setup.seed)
    return {k: train_run(net, task, updates, ACCURACY_LR, held_out=held_out, truncate=k) for k in ks}


def accuracy_vs_T(
    setup: Setup, Ts: tuple[int, ...] = ACCURACY_TS, updates: int = ACCURACY_UPDATES
) -> dict[int, Run]:
    """The remember task at each length T, trained from the setup's initial weights (Adam)."""
    out = {}
    for T in Ts:
        s = replace(setup, task="remember", T=T)
        task = task_of(s)
        out[T] = train_run(initial_net(s), task, updates, ACCURACY_LR, held_out=test_task(task, s.seed))
    return out


# -- the live training session ----------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """The learner's network in training and its history: the loss before every update, and
    ``accuracies`` as ``(updates so far, held-out accuracy)`` pairs, one per press or Play tick."""

    setup: Setup
    net: RNN
    state: object | None = None
    losses: tuple[float, ...] = ()
    accuracies: tuple[tuple[int, float], ...] = ()
    diverged: bool = False

    @property
    def updates(self) -> int:
        return len(self.losses)


def start_session(setup: Setup) -> Session:
    net = initial_net(setup)
    task = task_of(setup)
    return Session(setup, net, accuracies=((0, accuracy(net, test_task(task, setup.seed))),))


def advance(
    session: Session,
    n: int,
    lr: float,
    optimizer: str,
    clip_norm: float | None,
    truncate: int | None,
) -> Session:
    """``n`` more updates on the setup's task (stops at a diverging step and says so)."""
    if session.diverged:
        return session
    task = task_of(session.setup)
    net, state = session.net, carried_memory(session.state, optimizer)  # a switched optimiser starts empty
    losses = list(session.losses)
    for _ in range(n):
        tr = gradient_step(
            net, task, lr=lr, optimizer=optimizer, clip_norm=clip_norm, truncate=truncate, state=state
        )
        losses.append(tr.loss)
        if diverging(tr, losses[0]):
            return replace(session, losses=tuple(losses), diverged=True)
        net, state = tr.net_after, tr.optimizer_state
    acc = (len(losses), accuracy(net, test_task(task, session.setup.seed)))
    return replace(session, net=net, state=state, losses=tuple(losses), accuracies=(*session.accuracies, acc))
