"""Optimisers: how a gradient becomes a change of the parameters.

The update rules are PyTorch's (``torch.optim``), with ``g`` the gradient of one parameter:

* ``sgd``:      ``w <- w - lr * g``
* ``momentum``: ``v <- beta * v + g`` then ``w <- w - lr * v`` (PyTorch's SGD with momentum,
  no dampening; v starts at 0, so the first step equals plain SGD)
* ``adam``:     ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
  ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)`` with the bias corrections
  ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``; defaults b1 = 0.9, b2 = 0.999, eps = 1e-8.

The optimiser's memory (v, m, step count t) is an immutable ``OptimizerState`` returned by every
step and passed into the next one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .validation import check_name, finite_number, show

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam")


@dataclass(frozen=True)
class Optimizer:
    """Which rule, and its hyper-parameters (the learning rate is passed per step)."""

    name: str = "sgd"
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        check_name(self.name, "optimizer", OPTIMIZERS)
        for what in ("beta", "beta1", "beta2"):
            value = finite_number(
                getattr(self, what), what, lo=0.0, hi=1.0, hi_open=True, rule="must lie in [0, 1)"
            )
            object.__setattr__(self, what, value)
        eps = finite_number(self.eps, "eps", lo=0.0, lo_open=True, rule="must be a positive number")
        object.__setattr__(self, "eps", eps)


_DEFAULTS: dict[str, Optimizer] = {name: Optimizer(name) for name in OPTIMIZERS}


def as_optimizer(optimizer: str | Optimizer) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        return optimizer
    try:
        return _DEFAULTS[optimizer]  # frozen, so one shared instance per name is safe
    except (KeyError, TypeError):
        return Optimizer(check_name(optimizer, "optimizer", OPTIMIZERS))  # raises, naming the choices


@dataclass(frozen=True)
class OptimizerState:
    """The optimiser's memory after ``t`` updates.

    ``slots`` maps a slot name (``"v"`` for momentum's velocity, ``"m"`` and ``"v"`` for Adam's
    moment estimates) to one array per parameter, in the order ``W[0..L-1], b[0..L-1]``.
    """

    name: str
    t: int = 0
    slots: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # the generated __eq__ would compare arrays with ==, which raises for more than one number
        if not isinstance(other, OptimizerState):
            return NotImplemented
        return (
            self.name == other.name
            and self.t == other.t
            and self.slots.keys() == other.slots.keys()
            and all(
                len(mine) == len(other.slots[key])
                and all(np.array_equal(a, b) for a, b in zip(mine, other.slots[key], strict=True))
                for key, mine in self.slots.items()
            )
        )

    __hash__ = None  # type: ignore[assignment]


def check_state(state: object, optimizer: Optimizer, params: Sequence[np.ndarray]) -> OptimizerState | None:
    """``None`` or the ``OptimizerState`` of this optimiser for parameters of these shapes.

    A public entry point refuses another optimiser's memory or another architecture's: pass
    ``state=None`` to start fresh (the unchecked ``optimizer_step`` quietly starts fresh instead).
    """
    if state is None:
        return None
    if not isinstance(state, OptimizerState):
        raise ValueError(f"state must be the OptimizerState of the previous step or None, got {show(state)}")
    if state.name != optimizer.name:
        raise ValueError(
            f"state is the memory of the {state.name!r} optimizer, not of {optimizer.name!r}: pass state=None"
        )
    for slot, arrays in state.slots.items():
        if len(arrays) != len(params) or any(
            a.shape != p.shape for a, p in zip(arrays, params, strict=False)
        ):
            raise ValueError(
                f"state holds {slot!r} for parameters of other shapes (another network): pass state=None"
            )
    return state


def carried_memory(memory: OptimizerState | None, optimizer: str | Optimizer) -> OptimizerState | None:
    """The memory a run's next step starts from: ``memory``, or ``None`` when the learner switched
    to another optimiser mid-run (it starts empty, as a new ``torch.optim`` optimiser would; a
    state handed to a public step function directly is refused instead, see ``check_state``)."""
    name = optimizer.name if isinstance(optimizer, Optimizer) else optimizer
    return memory if memory is not None and memory.name == name else None


def _zeros(params: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.zeros_like(p) for p in params]


def sgd_step(
    optimizer: Optimizer,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray | None],
    lr: float,
    state: OptimizerState | None,
    t: int,
) -> tuple[list[np.ndarray], OptimizerState]:
    """``w <- w - lr * g``."""
    step = -lr
    changes = [np.zeros_like(p) if g is None else step * g for p, g in zip(params, grads, strict=True)]
    return changes, OptimizerState("sgd", t)


def momentum_step(
    optimizer: Optimizer,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray | None],
    lr: float,
    state: OptimizerState | None,
    t: int,
) -> tuple[list[np.ndarray], OptimizerState]:
    """``v <- beta * v + g``, ``w <- w - lr * v`` (v starts at 0)."""
    old_v = state.slots["v"] if state is not None else _zeros(params)
    changes, new_v = [], []
    for p, g, v in zip(params, grads, old_v, strict=True):
        if g is None:  # a frozen parameter: no change, its velocity kept
            new_v.append(v)
            changes.append(np.zeros_like(p))
            continue
        v = optimizer.beta * v + g
        new_v.append(v)
        changes.append(-lr * v)
    return changes, OptimizerState("momentum", t, {"v": tuple(new_v)})


def adam_step(
    optimizer: Optimizer,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray | None],
    lr: float,
    state: OptimizerState | None,
    t: int,
) -> tuple[list[np.ndarray], OptimizerState]:
    """``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``, ``w <- w - lr m_hat / (sqrt(v_hat) + eps)``."""
    zeros = _zeros(params) if state is None else None
    old_m = state.slots["m"] if state is not None else zeros
    old_v = state.slots["v"] if state is not None else zeros
    b1, b2 = optimizer.beta1, optimizer.beta2
    corr1 = 1.0 - b1**t  # bias corrections: m and v start at 0
    corr2 = 1.0 - b2**t
    changes, new_m, new_v = [], [], []
    for p, g, m, v in zip(params, grads, old_m, old_v, strict=True):
        if g is None:
            new_m.append(m)
            new_v.append(v)
            changes.append(np.zeros_like(p))
            continue
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * (g * g)
        new_m.append(m)
        new_v.append(v)
        changes.append(-lr * (m / corr1) / (np.sqrt(v / corr2) + optimizer.eps))
    return changes, OptimizerState("adam", t, {"m": tuple(new_m), "v": tuple(new_v)})


# one short rule per optimiser, keyed by name: ``rule(optimizer, params, grads, lr, state, t)``
RULES: dict[str, Callable[..., tuple[list[np.ndarray], OptimizerState]]] = {
    "sgd": sgd_step,
    "momentum": momentum_step,
    "adam": adam_step,
}


def optimizer_step(
    optimizer: Optimizer,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray | None],
    lr: float,
    state: OptimizerState | None,
) -> tuple[list[np.ndarray], OptimizerState]:
    """The change to add to each parameter, and the new state (the rule is ``RULES[optimizer.name]``).

    A ``None`` gradient marks a frozen parameter: its change is zero and its slots stay as
    they were. A state from another optimiser or another architecture is ignored (fresh start).
    """
    if state is not None and (
        state.name != optimizer.name
        or any(len(v) != len(params) for v in state.slots.values())
        or any(s.shape != p.shape for v in state.slots.values() for s, p in zip(v, params, strict=True))
    ):
        state = None
    t = (state.t if state is not None else 0) + 1
    return RULES[optimizer.name](optimizer, params, grads, lr, state, t)


def clip_scale(grads: Sequence[np.ndarray | None], max_norm: float | None) -> tuple[float, float]:
    """Global gradient norm and the factor that clipping by ``max_norm`` multiplies it by.

    As ``torch.nn.utils.clip_grad_norm_``: if the norm over all (trainable) gradients exceeds
    ``max_norm`` every gradient is scaled by ``max_norm / (norm + 1e-6)``; otherwise by 1.
    """
    sq = 0.0
    for g in grads:
        if g is not None:
            sq += float(np.vdot(g, g))
    norm = math.sqrt(sq)
    if max_norm is None or not math.isfinite(norm) or norm <= max_norm:
        return norm, 1.0
    return norm, max_norm / (norm + 1e-6)
