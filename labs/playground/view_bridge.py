"""The playground's bridges: the next training step in PyTorch, and the engine code that runs it.

The script is for the run's **next** iteration: the current weights, the batch the runner will
draw next (``batch_indices`` from the seed, epoch and position in the epoch), and the optimizer's
memory. Building it (and the engine step it is compared with) takes a noticeable time for a big
network, so it is built only while paused and kept in session state (``pg_torch``) until the run
or the settings change: reruns that change nothing else reuse it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from backprop_core.engine import train_step
from backprop_core.optimizers import carried_memory
from backprop_core.passes import backward_pass, forward_pass, loss_pass, train_step_pass, update_pass
from backprop_core.pytorch import mlp_rows, mlp_script
from backprop_core.pytorch.common import CompareRow
from backprop_core.runner import batch_indices
from labs.playground.model_run import Run
from labs.playground.view_session import Setup
from labs.playground.view_settings import read_settings
from ui.bridge import pytorch_expander, show_code


@dataclass(frozen=True)
class NextStep:
    """The script for the run's next iteration and the engine's numbers for the same step."""

    key: tuple
    script: str
    rows: list[CompareRow]
    batch: int


def next_step(state: MutableMapping[str, Any]) -> NextStep:
    """The next iteration as a PyTorch script, built once per run position and settings."""
    setup: Setup = state["pg_setup"]
    run: Run = state["pg_run"]
    config = read_settings(state).config()
    rs = run.state
    key = (id(run), rs.iteration, config, setup.data_key, setup.net_key)
    cached = state.get("pg_torch")
    if isinstance(cached, NextStep) and cached.key == key:
        return cached
    data = setup.data
    idx = batch_indices(data.n_train, config.batch_size, rs.epoch, rs.cursor, config.seed)
    X, Y = data.X_train[idx], data.Y_train[idx]
    options = dict(
        loss=config.loss,
        lr=config.lr,
        optimizer=config.optimizer,
        l2=config.l2,
        clip_norm=config.clip_norm,
    )
    memory = carried_memory(rs.opt_state, config.optimizer)  # what the next Step starts from
    script = mlp_script(rs.net, X, Y, **options, state=memory)
    step = train_step(rs.net, X, Y, **options, state=memory)
    built = NextStep(key, script, mlp_rows(step), int(np.size(idx)))
    state["pg_torch"] = built
    return built


def bridge_panel(state: MutableMapping[str, Any]) -> None:
    """ "The same in PyTorch" for the next iteration (while paused) and "Show the code"."""
    run: Run = state["pg_run"]
    if state.get("pg_playing"):
        st.caption("🔁 The same in PyTorch: the script for the next step is available while paused.")
    elif run.divergence is None:
        step = next_step(state)
        pytorch_expander(
            step.script,
            step.rows,
            file_stem=f"playground_step_{run.iteration + 1}",
            key="pg_pytorch",
            intro=(
                f"Iteration {run.iteration + 1}, the next one, in float64 PyTorch: the current weights, the "
                f"{step.batch} training points the next batch holds, and the optimizer's memory so far. "
                "Run it, then press **Step** here: the loss and new weights agree to about 1e-9. Its last "
                "line is one JSON object with every matrix in our `(n_in, n_out)` orientation."
            ),
        )
    show_code(
        [batch_indices, train_step_pass, forward_pass, loss_pass, backward_pass, update_pass],
        first="Read batch_indices first (which points the next batch holds), then the engine's "
        "train_step_pass and the four phases it calls, one screen each.",
    )
