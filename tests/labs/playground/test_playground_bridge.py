"""The playground's bridge: the PyTorch script of the next step reproduces the step the page takes next."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from labs.playground.view_bridge import next_step
from labs.playground.view_session import sync, train
from labs.playground.view_settings import fit_batch, fit_head, read_settings, set_defaults
from tests.labs.playground.test_page_playground import PAGE

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - CI installs torch
    HAVE_TORCH = False


def _state(**changes: object) -> dict:
    from labs.playground.view_data import current_problem

    state: dict = {}
    set_defaults(state)
    state.update(changes)
    problem = current_problem(read_settings(state), state)
    fit_head(state, problem.kind)
    fit_batch(state, problem.n_train)
    sync(state, read_settings(state), problem)
    return state


def test_the_script_is_built_once_per_position_and_reused() -> None:
    state = _state(pg_opt="adam", pg_lr=0.01)
    train(state, iterations=4)
    first = next_step(state)
    assert next_step(state) is first  # a rerun that changes nothing builds nothing
    assert "import torch" in first.script and first.batch == 10
    train(state, iterations=1)
    assert next_step(state) is not first


@pytest.mark.skipif(
    not HAVE_TORCH, reason="torch is not installed: the executed-script comparison is skipped"
)
@pytest.mark.parametrize(
    "changes",
    [
        {"pg_opt": "sgd"},
        {"pg_opt": "momentum", "pg_batch": 20, "pg_l2": 1e-3},
        {"pg_opt": "adam", "pg_lr": 0.01, "pg_clip": 1.0},
        {"pg_opt": "adam", "pg_lr": 0.01, "pg_dataset": "blobs", "pg_batch": 0},
        {"pg_opt": "sgd", "pg_dataset": "sine", "pg_lr": 0.1, "pg_batch": 5},
    ],
    ids=["sgd", "momentum-l2", "adam-clip", "adam-softmax-full", "sgd-regression"],
)
def test_the_script_reproduces_the_next_step_the_page_takes(changes: dict) -> None:
    state = _state(**changes)
    train(state, iterations=13)  # mid-epoch, with optimizer memory
    script = next_step(state).script
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = json.loads(out.stdout.strip().splitlines()[-1])
    train(state, iterations=1)
    after = state["pg_run"]
    assert printed["loss"] == pytest.approx(after.records[-1].batch_loss, rel=1e-9, abs=1e-12)
    for mine, theirs in zip(after.state.net.weights, printed["W_after"], strict=True):
        assert np.allclose(mine, np.array(theirs), rtol=1e-9, atol=1e-12)
    for mine, theirs in zip(after.latest.dW, printed["dW"], strict=True):
        assert np.allclose(mine, np.array(theirs), rtol=1e-9, atol=1e-12)


def test_the_page_shows_the_bridge_while_paused() -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.button(key="pg_step").click().run()
    assert not at.exception
    labels = {e.label for e in at.expander}
    assert "🔁 The same in PyTorch" in labels and "🧾 Show the code" in labels
    assert any("def batch_indices" in c.value for c in at.code)
    assert any("import torch" in c.value for c in at.code)
