"""Where the learner stands in the step-through: pure and immutable, so step-back is free.

An iteration of a network with L weight layers is walked through in positions
``0 .. L + 3``::

    0          ready: nothing computed yet for this iteration
    1          forward pass done
    2          loss computed
    2 + k      backward pass through k layers (k = 1 .. L, output layer first)
    L + 3      update applied (the next Forward starts the next iteration)

The run keeps only the parameters at the start of the current iteration; everything shown is
recomputed from them with the current controls (learning rate, activations, loss), so changing a
control recomputes the current iteration from the same starting weights. ``history`` keeps the
starting parameters and loss of each finished iteration, so Step back can cross iterations.
This module never imports Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from backprop_core.engine import train_step
from backprop_core.network import MLP
from backprop_core.trace import StepTrace
from labs.step_through.model import Preset

PHASES: tuple[str, ...] = ("forward", "loss", "backward", "update")
# the gradient check's verdict: backprop and finite differences agree below this relative error
GRADCHECK_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Controls:
    """The learner's settings: learning rate, activations, loss, batch size, whether biases train."""

    lr: float
    hidden: str
    output: str
    loss: str
    batch: int
    train_biases: bool

    def activations(self, n_layers: int) -> tuple[str, ...]:
        return (*([self.hidden] * (n_layers - 1)), self.output)


# the classic walk-through's own settings: sigmoid everywhere, half squared error, lr 0.5, one
# sample, biases fixed. Its published numbers hold only for these.
CLASSIC_ORIGINAL = Controls(0.5, "sigmoid", "sigmoid", "half_sse", 1, False)


def differences_from_original(controls: Controls) -> list[str]:
    """How ``controls`` differ from the classic walk-through's own settings (empty: they are its)."""
    o = CLASSIC_ORIGINAL
    out = []
    if controls.hidden != o.hidden:
        out.append(f"hidden activation {controls.hidden} instead of {o.hidden}")
    if controls.output != o.output:
        out.append(f"output activation {controls.output} instead of {o.output}")
    if controls.loss != o.loss:
        out.append(f"loss {controls.loss} instead of {o.loss}")
    if controls.lr != o.lr:
        out.append(f"lr {controls.lr:g} instead of {o.lr:g}")
    if controls.train_biases != o.train_biases:
        out.append("biases trained (the original keeps them fixed)")
    return out


def batch_of(preset: Preset, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``batch`` samples of the preset: ``X`` ``(m, n_in)``, ``Y`` ``(m, n_out)``."""
    m = int(np.clip(batch, 1, preset.n_samples))
    return preset.X[:m], preset.Y[:m]


def make_trace(preset: Preset, run: StepRun, controls: Controls) -> StepTrace:
    """The current iteration, computed whole by the engine from the run's starting parameters.

    The page reveals it phase by phase; computing it whole costs well under a millisecond for
    these networks. ``ValueError`` (from the engine) for settings that do not fit together.
    """
    net = run.net(controls.activations(run.n_layers))
    X, Y = batch_of(preset, controls.batch)
    freeze = preset.fixed_biases or not controls.train_biases
    return train_step(net, X, Y, loss=controls.loss, lr=controls.lr, freeze_biases=freeze)


@dataclass(frozen=True)
class Finished:
    """A finished iteration: the parameters it started from and its loss (before its update)."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    loss: float


@dataclass(frozen=True)
class StepRun:
    """The parameters at the start of iteration ``iteration`` (0-based) and the position in it."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    n_layers: int
    iteration: int = 0
    pos: int = 0
    history: tuple[Finished, ...] = ()

    @classmethod
    def start(cls, net: MLP) -> StepRun:
        return cls(tuple(net.weights), tuple(net.biases), net.n_layers)

    # -- where we are ---------------------------------------------------------------------------
    @property
    def end(self) -> int:
        """The position after the update."""
        return self.n_layers + 3

    @property
    def layers_done(self) -> int:
        """How many layers the backward pass has reached (output layer first)."""
        return int(np.clip(self.pos - 2, 0, self.n_layers))

    @property
    def phase(self) -> str:
        """``ready``, ``forward``, ``loss``, ``backward`` or ``update``."""
        if self.pos == 0:
            return "ready"
        if self.pos == 1:
            return "forward"
        if self.pos == 2:
            return "loss"
        return "update" if self.pos == self.end else "backward"

    @property
    def next_action(self) -> str:
        """The one phase button that is enabled: the phase that comes next."""
        if self.pos in (0, self.end):
            return "forward"
        if self.pos == 1:
            return "loss"
        return "backward" if self.pos < 2 + self.n_layers else "update"

    @property
    def current_layer(self) -> int | None:
        """The engine layer the backward pass reached last (``None`` outside that phase)."""
        return self.n_layers - self.layers_done if self.phase == "backward" else None

    def reached(self, layer: int) -> bool:
        """Whether the backward pass has computed ``delta`` and ``dW`` of engine layer ``layer``."""
        return self.pos == self.end or layer >= self.n_layers - self.layers_done

    def shows(self, what: str) -> bool:
        """Whether ``forward`` values, the ``loss``, ``backward`` values or the ``update`` are revealed."""
        needed = {"forward": 1, "loss": 2, "backward": 3, "update": self.end}[what]
        return self.pos >= needed

    def net(self, activations: tuple[str, ...]) -> MLP:
        """The network at the start of this iteration with the given activations."""
        return MLP.from_params(self.weights, self.biases, activations)

    @property
    def losses(self) -> list[float]:
        """The loss of every finished iteration, in order."""
        return [f.loss for f in self.history]

    # -- moves ----------------------------------------------------------------------------------
    def next_iteration(self, trace: StepTrace) -> StepRun:
        """Start the next iteration from ``trace``'s updated network, position ready."""
        after = trace.net_after
        done = Finished(self.weights, self.biases, float(trace.loss))
        return replace(
            self,
            weights=tuple(after.weights),
            biases=tuple(after.biases),
            iteration=self.iteration + 1,
            pos=0,
            history=(*self.history, done),
        )

    def press(self, action: str, trace: StepTrace, layerwise: bool = True) -> StepRun:
        """The run after pressing ``action`` (only the enabled phase button does anything).

        ``trace`` is the current iteration computed with the current controls; it is needed
        when Forward after an update starts the next iteration. ``layerwise``: Backward
        advances one layer; otherwise it finishes the backward pass.
        """
        if action != self.next_action:
            return self
        if action == "forward":
            run = self.next_iteration(trace) if self.pos == self.end else self
            return replace(run, pos=1)
        if action == "loss":
            return replace(self, pos=2)
        if action == "backward":
            return replace(self, pos=self.pos + 1 if layerwise else 2 + self.n_layers)
        return replace(self, pos=self.end)

    def full_iteration(self, trace: StepTrace) -> StepRun:
        """Finish the current iteration; after an update, run the whole next one."""
        run = self.next_iteration(trace) if self.pos == self.end else self
        return replace(run, pos=run.end)

    @property
    def can_step_back(self) -> bool:
        return self.pos > 0 or bool(self.history)

    def step_back(self) -> StepRun:
        """One position back; from ``ready`` back into the previous iteration's update."""
        if self.pos > 0:
            return replace(self, pos=self.pos - 1)
        if not self.history:
            return self
        last = self.history[-1]
        return replace(
            self,
            weights=last.weights,
            biases=last.biases,
            iteration=self.iteration - 1,
            pos=self.end,
            history=self.history[:-1],
        )

    def at(self, pos: int) -> StepRun:
        """The same iteration at position ``pos`` (clipped to the valid range)."""
        return replace(self, pos=int(np.clip(pos, 0, self.end)))


def progress_text(run: StepRun, layer_names: list[str]) -> str:
    """``Phase 3 of 4: Backward — 1 of 2 layers done (now at layer 2, output)`` and the like.

    ``layer_names[l]``: how the learner calls engine layer l (e.g. ``layer 2 (output)``).
    """
    phase = run.phase
    if phase == "ready":
        return f"Iteration {run.iteration + 1}: ready. Press Forward to start."
    number = PHASES.index(phase) + 1
    text = f"Iteration {run.iteration + 1} · phase {number} of 4: {phase.capitalize()}"
    if phase == "backward":
        layer = run.current_layer
        text += f" — {run.layers_done} of {run.n_layers} layers done, now at {layer_names[layer]}"
    elif phase == "update":
        text += " — done. Press Forward to start the next iteration."
    return text


def progress_fraction(run: StepRun) -> float:
    """How far through the iteration, from 0 to 1."""
    return run.pos / run.end


PHASE_TOKENS = ("ready", "forward", "loss", "backward", "update")


def phase_token(run: StepRun) -> str:
    """The URL value of the position: ``backward-1`` for one layer of the backward pass done."""
    if run.phase == "backward" and run.layers_done < run.n_layers:
        return f"backward-{run.layers_done}"
    if run.pos == 2 + run.n_layers:
        return "backward"
    return run.phase


def parse_phase(text: str) -> tuple[str, int | None]:
    """``backward-2`` -> ``("backward", 2)``; ``ValueError`` for an unknown phase.

    The messages never repeat ``text`` (the page echoes it itself, escaped). Only ASCII digits
    count: ``backward-²`` is refused with a message, not passed to ``int``.
    """
    name, sep, count = text.partition("-")
    if name not in PHASE_TOKENS or (sep and name != "backward"):
        raise ValueError("expected one of ready, forward, loss, backward, backward-1, ..., update")
    if not sep:
        return name, None
    if not (count.isascii() and count.isdecimal()) or len(count) > 3 or int(count) < 1:
        raise ValueError("the number after backward- counts the layers done: a whole number from 1")
    return name, int(count)


def position_for(name: str, count: int | None, n_layers: int) -> int:
    """The position of a parsed phase token; ``ValueError`` if it names more layers than exist."""
    if count is not None and count > n_layers:
        raise ValueError(f"backward-{count} needs {count} layers but this network has {n_layers}")
    return {
        "ready": 0,
        "forward": 1,
        "loss": 2,
        "backward": 2 + (count if count is not None else n_layers),
        "update": n_layers + 3,
    }[name]
