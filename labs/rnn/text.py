"""The BPTT lab's prose, built with f-strings from the model's constants and measured numbers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from viz.format import fmt

from .model import (
    ACCURACY_LR,
    ACCURACY_UPDATES,
    BATCH,
    DIVERGENCE_FACTOR,
    TEST_BATCH,
    TOLERANCE,
    Reach,
    Run,
    Setup,
)

TITLE = "Backpropagation through time"
ICON = "🔁"
TEACHES = (
    "A recurrent network uses **the same weights at every time step**: $z_t = x_t W_x + h_{t-1} W_h + b$, "
    "$h_t = f(z_t)$. Backpropagation through time unrolls it into a deep network, one layer per step, and "
    "walks the error back from the last step to the first; because $W_h$ is shared, its gradient is the "
    "**sum of one contribution per step**. Here you step that backward pass with every number, measure how "
    "fast the error fades (or explodes) on its way back, and see why long sequences are hard to learn."
)

TASK_NOTES = {
    "remember": "Every input is +1 or −1 at random; the target, at the **last** step only, is the **first** "
    "input. To succeed the network must carry $x_1$ through all T steps.",
    "running_sum": "Inputs are uniform in [−0.5, 0.5]; the target at step t is $x_1 + \\dots + x_t$ (the "
    "loss is on every step). The state must accumulate.",
    "sine": "Each sequence is a sine wave with its own frequency and phase; the target at step t is the next "
    "value $x_{t+1}$ (the loss is on every step).",
}


def setup_note(every_step: bool) -> str:
    where = "the mean over every step and sequence" if every_step else "on the last step only"
    return (
        f"{BATCH} training sequences drawn from the seed; loss: mean squared error, {where}. Weights: xavier "
        "uniform from the seed, biases 0, then $W_h$ scaled so that its spectral radius (largest "
        "|eigenvalue|) "
        "is the value in the sidebar. Accuracy is measured on "
        f"{TEST_BATCH} held-out sequences: the sign of the last output for *remember*, within "
        f"±{TOLERANCE:g} of "
        "the target for the other tasks."
    )


def product_of_jacobians(r: Reach) -> str:
    """The two sentences, with the measured numbers."""
    T = len(r.norms)
    return (
        "Each step back multiplies delta by $W_h^T$ and then, unit by unit, by $f'(z_t)$, so "
        f"$\\delta_1$ is $\\delta_{{{T}}}$ pushed through a product of {T - 1} such Jacobians. "
        f"Here $W_h$'s spectral radius is **{fmt(r.radius, 3)}** and the mean $|f'(z)|$ is "
        f"**{fmt(r.mean_slope, 3)}**, and ‖delta‖ changed by a factor **{fmt(r.per_step, 3)}** per step on "
        f"average: over {T - 1} steps $\\|\\delta_1\\| / \\|\\delta_{{{T}}}\\| = $ **{fmt(r.ratio, 3)}**."
    )


def _accuracies(runs: Mapping[int, Run]) -> dict[int, float]:
    return {T: (r.accuracies[-1] if r.accuracies else float("nan")) for T, r in runs.items()}


def accuracy_lead(runs: Mapping[int, Run]) -> str:
    """What the accuracy-against-T chart shows, read from its numbers (one sentence)."""
    acc = _accuracies(runs)
    learnt = [T for T, a in acc.items() if a >= 0.9]
    failed = [T for T, a in acc.items() if a < 0.7]
    parts = [
        f"After {ACCURACY_UPDATES} Adam updates (learning rate {ACCURACY_LR:g}, full BPTT) on {BATCH} "
        "sequences, "
    ]
    if learnt:
        parts.append(f"sequences up to T = {max(learnt)} reach ≥ 90% held-out accuracy")
    else:
        parts.append("no length reaches 90% held-out accuracy")
    if failed:
        first = min(failed)
        parts.append(
            f"; from T = {first} the accuracy stays near chance ({fmt(acc[first], 3)} at T = {first})."
        )
    else:
        parts.append(". Every length shown was learnt at this spectral radius.")
    return "".join(parts)


def accuracy_why(runs: Mapping[int, Run], ratios: Mapping[int, float]) -> str:
    """Why the long sequences fail, with the measured fading of the error; empty when none fails."""
    acc = _accuracies(runs)
    learnt = [T for T, a in acc.items() if a >= 0.9]
    failed = [T for T, a in acc.items() if a < 0.7]
    if not failed:
        return ""
    first = min(failed)
    parts = [
        f"At the start of training the error from the last step arrives at step 1 multiplied by "
        f"{fmt(ratios[first], 2)} at T = {first}"
    ]
    if learnt:
        parts.append(f", against {fmt(ratios[max(learnt)], 2)} at T = {max(learnt)}")
    parts.append(
        ". The part of the gradient that could tie $x_1$ to the target is carried by that faded error and "
        "is swamped by the far larger contributions of the last few steps (Adam rescales each weight's step "
        "by its gradient's running size, which is why an error of 1e-6 can still teach, but it cannot pull "
        "the faint part out of the loud one). The training loss can still fall by fitting the last inputs "
        "of the training batch, which tells nothing about held-out sequences."
    )
    return "".join(parts)


def accuracy_summary(runs: Mapping[int, Run], ratios: Mapping[int, float]) -> str:
    """What the accuracy-against-T chart says, read from its numbers: the lead and the why."""
    why = accuracy_why(runs, ratios)
    return accuracy_lead(runs) + (f" {why}" if why else "")


def latex_number(value: float, digits: int = 4) -> str:
    """``fmt`` for LaTeX: ``1.2e-05`` becomes ``1.2 \\times 10^{-5}``."""
    text = fmt(value, digits)
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    return f"{mant} \\times 10^{{{int(exp)}}}"


def vector_latex(v: np.ndarray, n: int = 3) -> str:
    shown = ", ".join(latex_number(float(x)) for x in v[:n])
    tail = r", \dots" if len(v) > n else ""
    return f"[{shown}{tail}]"


def try_this_task(setup: Setup) -> str:
    return (
        "**Predict first:** set the spectral radius to **0.90** (tanh, the task *remember the first input*). "
        "At what sequence length T does the first input stop being learnable? Use section 3's per-step "
        "factor: "
        "after how many steps has the error from the last step shrunk below one millionth? Write your T "
        "down, "
        "then read section 6's chart.\n\n"
        f"**Then:** with your seed ({setup.seed}), move the radius to 1.1 and to 0.7 and predict which "
        "way the "
        "threshold moves. Finally set T a little above the threshold, train it live with k = 5 truncation "
        "and with full BPTT: which can learn it, and why?"
    )


def diverged_note(losses: tuple[float, ...]) -> str:
    """Why training stopped: the rule, with the run's own numbers."""
    last, first = losses[-1], losses[0]
    why = (
        "the loss or a gradient became NaN or infinite"
        if not np.isfinite(last)
        else f"the loss reached {fmt(last, 3)}, more than {DIVERGENCE_FACTOR:.0e} times its first value "
        f"({fmt(first, 3)})"
    )
    return (
        f"Training stopped: {why}. A run counts as diverging when that happens (the playground's rule). "
        "Lower the learning rate or turn on clipping, then press Reset."
    )


TRUNCATION_SCHEME = (
    "**Truncation with k:** the error made by the loss at step s travels back through at most k "
    "steps (it reaches $\\delta_s, \\dots, \\delta_{s-k+1}$ and stops); each step with a loss gets its "
    "own window of k, and the forward pass is never cut. An error can then be multiplied by at most "
    "k Jacobians, so it cannot explode over a long sequence, but the gradient is blind to anything "
    "more than k steps back. (PyTorch code usually cuts the sequence into chunks and detaches the "
    "state between them, which also saves memory: a related but different scheme, where a loss near "
    "the start of a chunk reaches back hardly at all.)"
)
