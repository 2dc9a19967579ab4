"""The step-through page's two bridges to code (issue 16): "The same in PyTorch" for the iteration
on screen, and "Show the code" beside each phase with the engine's pass function behind it."""

from __future__ import annotations

import streamlit as st

from backprop_core.optimizers import sgd_step
from backprop_core.passes import backward_pass, forward_pass, loss_pass, update_pass
from backprop_core.pytorch import mlp_rows, mlp_script
from backprop_core.trace import StepTrace
from labs.step_through.model import Preset, named_rows
from labs.step_through.model_session import Controls
from ui.bridge import pytorch_expander, show_code

# the engine functions behind each phase, and the line of them to read first
PHASE_CODE = {
    "forward": (
        [forward_pass],
        "Read the loop over the layers: `z = a @ W`, then `z += b`, then `a = f(z)`; every z and a is "
        "kept, because the backward pass needs them.",
    ),
    "loss": (
        [loss_pass],
        "Read where `delta` is formed: `(a - Y) / m` for the two shortcut pairs (sigmoid + bce divides "
        "by m·k), otherwise `dL_da * f'(z)`.",
    ),
    "backward": (
        [backward_pass],
        "Read the loop from the last layer down: `dL_da = delta @ W.T`, `delta = dL_da * f'(z)`, "
        "`dW = a_prev.T @ delta`, `db = delta summed over the samples`.",
    ),
    "update": (
        [update_pass, sgd_step],
        "Read `sgd_step` first: every change is `-lr * grad` (a frozen bias comes in with the gradient "
        "`None` and gets the change 0); then `new_params = [p + c ...]` in `update_pass`.",
    ),
}


def phase_code(phase: str) -> None:
    """ "Show the code" for the phase on screen (nothing before the first Forward)."""
    if phase not in PHASE_CODE:
        return
    functions, first = PHASE_CODE[phase]
    show_code(functions, first=first, label=f"Show the code: {functions[0].__name__}")


def pytorch_section(preset: Preset, trace: StepTrace, controls: Controls) -> None:
    """This iteration as a PyTorch script: the same network, weights, batch, loss, lr and biases rule."""
    freeze = preset.fixed_biases or not controls.train_biases
    try:
        script = mlp_script(
            trace.net_before, trace.x, trace.y, loss=controls.loss, lr=controls.lr, freeze_biases=freeze
        )
    except ValueError as exc:
        st.caption(f"The PyTorch script is not available for these settings: {exc}")
        return
    rows = named_rows(mlp_rows(trace), preset.weight_names)
    stem = f"backprop-lab-{preset.name.replace(' ', '-')}-step"
    pytorch_expander(
        script,
        rows,
        file_stem=stem,
        key="step_pytorch",
        intro=(
            "The iteration on screen (its starting weights, this batch, this loss and learning rate) as a "
            "PyTorch script in float64: `loss.backward()` computes the same dW and db as the backward "
            "pass here, `optimizer.step()` the same update. Run it and compare its last line with the table."
        ),
    )
