"""The step-through page's bridges: the PyTorch rows carry the classic walk-through's names, and
the script for the page's own state reproduces the page's numbers (executed where torch exists)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from backprop_core import train_step
from backprop_core.pytorch import mlp_rows, mlp_script
from labs.step_through.model import get_preset, named_rows
from labs.step_through.view_bridge import PHASE_CODE


def test_classic_rows_are_named_w1_to_w8_in_order() -> None:
    p = get_preset("classic 2-2-2")
    t = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=True)
    rows = named_rows(mlp_rows(t), p.weight_names)
    names = [r.quantity for r in rows]
    assert names[1:9] == [f"dL/dw{k}" for k in range(1, 9)]
    assert [n for n in names if n.endswith(" after") and n.startswith("w")] == [
        f"w{k} after" for k in range(1, 9)
    ]
    by_name = {r.quantity: r for r in rows}
    assert round(by_name["dL/dw5"].value, 9) == 0.082167041 and by_name["dL/dw5"].pytorch == "dW[1][0, 0]"
    assert round(by_name["w1 after"].value, 9) == 0.149780716
    # a preset without names keeps the engine's labels
    tiny = get_preset("tiny classifier")
    t = train_step(tiny.net, tiny.X, tiny.Y, loss=tiny.loss, lr=tiny.lr)
    assert [r.quantity for r in named_rows(mlp_rows(t), {})] == [r.quantity for r in mlp_rows(t)]


def test_every_phase_shows_a_public_pass_function() -> None:
    assert set(PHASE_CODE) == {"forward", "loss", "backward", "update"}
    for functions, first in PHASE_CODE.values():
        assert all(not f.__name__.startswith("_") for f in functions) and first.startswith("Read")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed: not executed")
@pytest.mark.parametrize(
    ("preset", "freeze"), [("classic 2-2-2", True), ("classic 2-2-2", False), ("tiny classifier", False)]
)
def test_the_script_for_the_page_state_reproduces_its_numbers(preset: str, freeze: bool, tmp_path) -> None:
    p = get_preset(preset)
    t = train_step(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=freeze)
    path = tmp_path / "step.py"
    path.write_text(mlp_script(p.net, p.X, p.Y, loss=p.loss, lr=p.lr, freeze_biases=freeze))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert abs(result["loss"] - t.loss) < 1e-9
    for l in range(p.net.n_layers):
        assert np.allclose(result["dW"][l], t.dW[l], atol=1e-9, rtol=0)
        assert np.allclose(result["W_after"][l], t.net_after.weights[l], atol=1e-9, rtol=0)
        assert np.allclose(result["b_after"][l], t.net_after.biases[l], atol=1e-9, rtol=0)
