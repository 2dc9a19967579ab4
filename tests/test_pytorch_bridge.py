"""The shared pieces of the bridges: exact literals, the expanders in ui.bridge, no torch at build time.

The MLP script itself is checked in ``test_pytorch_mlp.py``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from backprop_core.pytorch import CompareRow
from backprop_core.pytorch.common import array_literal, float_literal, header

ROOT = Path(__file__).resolve().parent.parent


def same_bits(a: object, b: np.ndarray) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_literals_read_back_exactly(x):
    back = ast.literal_eval(float_literal(x))
    assert np.float64(back).view(np.int64) == np.float64(x).view(np.int64)


@given(
    st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2, max_size=2), min_size=1)
)
def test_array_literals_read_back_exactly_on_one_line_or_many(rows):
    a = np.array(rows, dtype=float)
    assert same_bits(ast.literal_eval(array_literal(a)), a)
    assert same_bits(ast.literal_eval(array_literal(a, indent=4)), a)


def test_header_names_no_project_and_sets_float64():
    text = header("A title.", "x.py", imports=["from torch import nn"])
    ast.parse(text)
    assert "backprop" not in text.lower()
    assert "torch.set_default_dtype(torch.float64)" in text and "from torch import nn\n" in text


APP = """
import streamlit as st
from backprop_core import MLP, forward, train_step
from backprop_core.pytorch import mlp_rows, mlp_script
from ui.bridge import pytorch_expander, show_code

net = MLP.create([2, 2, 1], seed=0)
X, Y = [[0.5, -1.0]], [[1.0]]
step = train_step(net, X, Y, loss="mse", lr=0.5)
pytorch_expander(mlp_script(net, X, Y, loss="mse", lr=0.5), mlp_rows(step), file_stem="step", key="t")
show_code([forward], first="Read the loop first.")
"""


def test_bridge_expanders_render():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(APP, default_timeout=60).run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert labels == ["🔁 The same in PyTorch", "🧾 Show the code"]
    assert "nn.Linear(2, 2)" in at.code[0].value
    assert "def forward" in at.code[1].value
    assert at.caption[0].value == "Read the loop first."
    frame = at.dataframe[0].value
    assert frame["quantity"].iloc[0] == "loss"
    assert frame["in the script"].iloc[0] == "loss.item()"


def test_compare_row_repr():
    assert repr(CompareRow("loss", "loss.item()", 0.5)) == "CompareRow('loss', 'loss.item()', 0.5)"


BIG_APP = """
import streamlit as st
from ui.bridge import pytorch_expander

pytorch_expander("x = 1\\n" * 30000, [], file_stem="big", key="b")
"""


def test_a_long_script_is_shown_cut_short():
    from streamlit.testing.v1 import AppTest

    from ui.bridge import PREVIEW_CHARS

    at = AppTest.from_string(BIG_APP, default_timeout=60).run()
    assert not at.exception
    shown = at.code[0].value
    assert len(shown) <= PREVIEW_CHARS + 4 and shown.endswith("\n...")
    assert "The script is 180 kB" in at.caption[0].value


def test_building_scripts_never_imports_torch():
    code = (
        "import sys, numpy as np\n"
        "from backprop_core import MLP\n"
        "from backprop_core.pytorch import mlp_script\n"
        "mlp_script(MLP.create([2, 3, 1], seed=0), np.ones((2, 2)), np.ones((2, 1)))\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
