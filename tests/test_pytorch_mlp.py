"""``mlp_script`` against the engine: the generated PyTorch script reproduces ``train_step``.

Where torch is importable each script is executed in a child process (``sys.executable``) and
the JSON object on its last line is compared with ``train_step`` to 1e-9 (times the number's size
where it exceeds 1, as in a diverging run). To keep the number of
processes small, one child runs a batch of scripts, each with ``exec`` in a fresh namespace and
its own captured stdout (the only state the scripts share is torch's default dtype, which each
one sets itself); ``test_script_runs_as_a_file`` also runs scripts as ``python script.py``.
Without torch those tests skip; the checks that need no torch (the script parses, names no
project, its literals read back bit for bit, the notebook is valid) always run; the shared
pieces (literals, expanders) are tested in ``test_pytorch_bridge.py``.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_core import HIDDEN_ACTIVATIONS, MLP, Optimizer, train_step
from backprop_core.pytorch import make_notebook, mlp_rows, mlp_script
from backprop_core.validation import as_targets

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(
    not HAS_TORCH,
    reason="torch is not installed: the scripts cannot be run (pip install -r requirements-torch.txt)",
)
TOL = 1e-9

# every (output activation, loss) pairing the engine allows
PAIRS: list[tuple[str, str]] = [
    *((out, loss) for out in HIDDEN_ACTIVATIONS for loss in ("mse", "half_sse")),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]
OPTIONS = list(itertools.product((False, True), (0.0, 0.03), (None, 0.05)))  # freeze, l2, clip


def make_case(
    seed: int,
    hidden: str,
    pair: tuple[str, str],
    optimizer: str | Optimizer,
    freeze: bool,
    l2: float,
    clip: float | None,
    lr: float = 0.3,
    warmup: int = 0,
) -> tuple[MLP, np.ndarray, np.ndarray, dict]:
    """A random network and batch for ``pair``; all numbers drawn from ``default_rng(seed)``.

    ``warmup``: train this many steps first, so the case starts mid-training with the network and
    optimiser state those steps left (``kwargs["state"]``).
    """
    rng = np.random.default_rng(seed)
    out, loss = pair
    n_hidden = int(rng.integers(0, 3))
    sizes = [int(s) for s in rng.integers(1, 5, size=n_hidden + 2)]
    if out == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    m = int(rng.integers(1, 6))
    weights = [rng.normal(0.0, 1.0, size=(i, o)) for i, o in itertools.pairwise(sizes)]
    biases = [rng.normal(0.0, 0.5, size=o) for o in sizes[1:]]
    net = MLP.from_params(weights, biases, [hidden] * n_hidden + [out])
    X = rng.normal(0.0, 1.0, size=(m, sizes[0]))
    k = sizes[-1]
    if loss == "bce":
        Y = rng.uniform(0.0, 1.0, size=(m, k)) if rng.random() < 0.5 else rng.integers(0, 2, (m, k)) * 1.0
    elif loss == "cross_entropy":
        form = rng.integers(0, 3)
        labels = rng.integers(0, k, size=m)
        Y = labels if form == 0 else np.eye(k)[labels] if form == 1 else rng.dirichlet(np.ones(k), size=m)
    else:
        Y = rng.normal(0.0, 1.0, size=(m, k))
    kwargs = {
        "loss": loss,
        "lr": lr,
        "optimizer": optimizer,
        "freeze_biases": freeze,
        "l2": l2,
        "clip_norm": clip,
    }
    for _ in range(warmup):
        step = train_step(net, X, Y, **kwargs)
        net, kwargs["state"] = step.net_after, step.optimizer_state
    return net, X, Y, kwargs


# The child process: read a JSON list of {"script", "exprs"}; exec each script in a fresh namespace
# with stdout captured; answer with its last printed line and the values of "exprs" there.
RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, sys, traceback
    answers = []
    for job in json.load(sys.stdin):
        out = io.StringIO()
        space = {"__name__": "__main__"}
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(job["script"], "<script>", "exec"), space)
            values = [float(eval(e, space)) for e in job["exprs"]]
            answers.append({"last": out.getvalue().strip().splitlines()[-1], "values": values})
        except Exception:
            answers.append({"error": traceback.format_exc()})
    print(json.dumps(answers))
    """
)


def run_batch(scripts: list[str], exprs: list[list[str]] | None = None) -> list[dict]:
    """Execute ``scripts`` in one child process; for each: its last printed line and ``exprs``' values."""
    jobs = [{"script": s, "exprs": e} for s, e in zip(scripts, exprs or [[] for _ in scripts], strict=True)]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps(jobs), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    for answer in answers:
        assert "error" not in answer, answer.get("error")
    return answers


def worst_difference(result: dict, step) -> tuple[float, float]:
    """How far the script is from the engine over the loss, dW, db, W after and b after.

    Returns ``(scaled, absolute)``: the largest ``|script - engine| / max(1, |engine|)`` (what is
    held to 1e-9: a diverging run's numbers of 1e10 carry float64 rounding far above 1e-9) and the
    largest plain ``|script - engine|``. Every shape must match.
    """
    pairs = [(np.asarray(result["loss"], dtype=float), np.asarray(step.loss))]
    after = step.net_after
    for key, mine in (
        ("dW", step.dW),
        ("db", step.db),
        ("W_after", after.weights),
        ("b_after", after.biases),
    ):
        assert len(result[key]) == len(mine), key
        for theirs, ours in zip(result[key], mine, strict=True):
            theirs = np.asarray(theirs, dtype=float)
            assert theirs.shape == ours.shape, (key, theirs.shape, ours.shape)
            pairs.append((theirs, ours))
    scaled = max(float(np.max(np.abs(t - o) / np.maximum(1.0, np.abs(o)), initial=0.0)) for t, o in pairs)
    absolute = max(float(np.max(np.abs(t - o), initial=0.0)) for t, o in pairs)
    return scaled, absolute


def check_cases(cases: list[tuple], label: str) -> float:
    """Run every case's script in one child; assert each agrees with ``train_step``; the worst gap."""
    scripts = [mlp_script(net, X, Y, **kw) for net, X, Y, kw in cases]
    steps = [train_step(net, X, Y, **kw) for net, X, Y, kw in cases]
    rows = [mlp_rows(step, max_entries=3) for step in steps]
    answers = run_batch(scripts, [[r.pytorch for r in rs] for rs in rows])
    worst = worst_abs = 0.0
    for (_, _, _, kw), script in zip(cases, scripts, strict=True):
        state, opt = kw.get("state"), kw["optimizer"]
        name = opt if isinstance(opt, str) else opt.name
        carried = state is not None and state.name == name != "sgd"
        assert ("earlier step(s)" in script) == carried  # the optimiser's memory is in the script
    for (net, _, _, kw), step, rs, answer in zip(cases, steps, rows, answers, strict=True):
        gap, gap_abs = worst_difference(json.loads(answer["last"]), step)
        assert gap <= TOL, (net, kw, gap)
        # every name mlp_rows gives holds the page's number in the script
        row_gap = max(
            abs(v - r.value) / max(1.0, abs(r.value)) for v, r in zip(answer["values"], rs, strict=True)
        )
        assert row_gap <= TOL, (net, kw, row_gap)
        worst, worst_abs = max(worst, gap, row_gap), max(worst_abs, gap_abs)
    print(
        f"\n[pytorch bridge] {label}: {len(cases)} configurations, worst |difference| / max(1, |value|) = "
        f"{worst:.3g}, worst absolute difference = {worst_abs:.3g}"
    )
    return worst


@needs_torch
def test_every_pairing_optimizer_and_option():
    """12 activation/loss pairings x 5 hidden activations x 3 optimisers x 8 option sets.

    A third of the cases start from a fresh optimiser, the others after one or two earlier steps.
    """
    cases = []
    for i, (pair, hidden, opt, (freeze, l2, clip)) in enumerate(
        itertools.product(PAIRS, HIDDEN_ACTIVATIONS, ("sgd", "momentum", "adam"), OPTIONS)
    ):
        cases.append(make_case(i, hidden, pair, opt, freeze, l2, clip, warmup=i % 3))
    check_cases(cases, "sweep")


optimizers = st.one_of(
    st.sampled_from(["sgd", "momentum", "adam"]),
    st.builds(
        Optimizer,
        name=st.sampled_from(["momentum", "adam"]),
        beta=st.sampled_from([0.0, 0.5, 0.99]),
        beta1=st.sampled_from([0.0, 0.8, 0.95]),
        beta2=st.sampled_from([0.9, 0.99, 0.9999]),
        eps=st.sampled_from([1e-8, 1e-6, 1e-3]),
    ),
)
configs = st.tuples(
    st.integers(0, 2**32 - 1),
    st.sampled_from(HIDDEN_ACTIVATIONS),
    st.sampled_from(PAIRS),
    optimizers,
    st.booleans(),
    st.sampled_from([0.0, 1e-3, 0.1, 1.0]),
    st.sampled_from([None, 1e-3, 0.5, 10.0]),
    st.sampled_from([0.0, 0.01, 0.1, 1.0, 5.0]),
    st.integers(0, 3),
)


@needs_torch
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(configs, min_size=10, max_size=20))
def test_random_networks_and_hyper_parameters(batch):
    check_cases([make_case(*c) for c in batch], "random batch")


@needs_torch
def test_script_runs_as_a_file(tmp_path):
    """The contract itself: ``python script.py``, last line one JSON object matching the engine."""
    for i, (pair, opt) in enumerate(
        [(("sigmoid", "bce"), "adam"), (("softmax", "cross_entropy"), "momentum")]
    ):
        net, X, Y, kw = make_case(100 + i, "relu", pair, opt, True, 0.01, 0.5)
        path = tmp_path / "mlp_step.py"
        path.write_text(mlp_script(net, X, Y, **kw))
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        lines = done.stdout.strip().splitlines()
        assert lines[0].startswith("global gradient norm = ")
        assert any(line.startswith("loss = ") for line in lines)
        result = json.loads(lines[-1])
        assert set(result) == {"loss", "dW", "db", "W_after", "b_after"}
        assert worst_difference(result, train_step(net, X, Y, **kw))[0] <= TOL


def test_a_state_from_another_optimiser_is_refused_by_the_engine():
    """The public step refuses another optimiser's memory (issue 11); the script still says what a fresh
    optimiser would do, should it be asked."""
    net, X, Y, kw = make_case(11, "tanh", ("linear", "mse"), "adam", False, 0.0, None, warmup=2)
    for opt in ("momentum", "sgd"):
        with pytest.raises(ValueError, match="memory of the 'adam' optimizer"):
            train_step(net, X, Y, **{**kw, "optimizer": opt})
    assert "Its memory starts empty" in mlp_script(net, X, Y, **{**kw, "optimizer": "momentum"})


@needs_torch
def test_classic_worked_example():
    """The step-through page's 2-2-2 example (sigmoid, half_sse, lr 0.5) in PyTorch."""
    from backprop_core import classic_222

    ex = classic_222()
    kw = {"loss": ex.loss, "lr": ex.lr, "freeze_biases": ex.freeze_biases}
    (answer,) = run_batch([mlp_script(ex.net, ex.X, ex.Y, **kw)])
    assert worst_difference(json.loads(answer["last"]), train_step(ex.net, ex.X, ex.Y, **kw))[1] <= TOL


@needs_torch
def test_notebook_cells_run_in_order():
    """The notebook's code cells, run one after another, print page and PyTorch numbers that agree."""
    net, X, Y, kw = make_case(7, "tanh", ("softmax", "cross_entropy"), "adam", False, 0.01, None)
    step = train_step(net, X, Y, **kw)
    rows = mlp_rows(step)
    nb = nbformat.reads(
        make_notebook("MLP step", "One step.", mlp_script(net, X, Y, **kw), rows), as_version=4
    )
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    answers = run_batch([code], [[f"page[{r.quantity!r}] - float({r.pytorch})" for r in rows]])
    assert max(abs(v) for v in answers[0]["values"]) <= TOL
    assert answers[0]["last"].split()[0:2] == ["b", "after"]  # the comparison cell printed every row


# -- without torch -------------------------------------------------------------------------------


def literals(script: str) -> dict[str, object]:
    """The script's data literals: ``X``/``Y`` (inside ``torch.tensor``), ``W``, ``b``, ``l2``, state."""
    found = {}
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            if name in ("X", "Y") and isinstance(value, ast.Call):
                value = value.args[0]
            if name in ("X", "Y", "W", "b", "l2", "v_W", "v_b", "m_W", "m_b"):
                found[name] = ast.literal_eval(value)
    return found


def same_bits(a: object, b: np.ndarray) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


@settings(max_examples=60, deadline=None)
@given(configs)
def test_script_parses_names_no_project_and_keeps_every_bit(config):
    net, X, Y, kw = make_case(*config)
    script = mlp_script(net, X, Y, **kw)
    ast.parse(script)
    assert "backprop" not in script.lower()
    assert script.rstrip().splitlines()[-1] == "print(json.dumps(result))"
    found = literals(script)
    assert same_bits(found["X"], X)
    assert all(same_bits(w, mine) for w, mine in zip(found["W"], net.weights, strict=True))
    assert all(same_bits(v, mine) for v, mine in zip(found["b"], net.biases, strict=True))
    targets = as_targets(Y, X.shape[0], net.sizes[-1], kw["loss"])
    if kw["loss"] == "cross_entropy" and np.all((targets == 0) | (targets == 1)):
        assert found["Y"] == [int(k) for k in np.argmax(targets, axis=1)]  # one-hot rows as class indices
    else:
        assert same_bits(found["Y"], targets)
    state = kw.get("state")
    if "v_W" in found:  # the optimiser's memory from earlier steps
        L = net.n_layers
        for slot in state.slots:
            for key, arrays in ((f"{slot}_W", state.slots[slot][:L]), (f"{slot}_b", state.slots[slot][L:])):
                assert all(same_bits(x, mine) for x, mine in zip(found[key], arrays, strict=True))
    else:
        assert (
            state is None
            or state.name == "sgd"
            or not state.slots
            or state.name != getattr(kw["optimizer"], "name", kw["optimizer"])
        )
    assert ("l2" in found) == bool(kw["l2"])
    if kw["l2"]:
        assert found["l2"] == kw["l2"]


def test_bad_inputs_raise_value_error_naming_the_problem():
    net, X, Y, kw = make_case(1, "tanh", ("sigmoid", "mse"), "sgd", False, 0.0, None)
    for change, words in (
        ({"loss": "cross_entropy"}, "softmax"),
        ({"loss": "hinge"}, "unknown loss"),
        ({"lr": -1.0}, "learning rate"),
        ({"l2": -0.1}, "l2"),
        ({"clip_norm": 0.0}, "clip_norm"),
        ({"optimizer": "rmsprop"}, "unknown optimizer"),
    ):
        with pytest.raises(ValueError, match=words):
            mlp_script(net, X, Y, **{**kw, **change})
    with pytest.raises(ValueError, match="X has shape"):
        mlp_script(net, X[:, :0], Y, **kw)
    with pytest.raises(ValueError, match="MLP"):
        mlp_script("net", X, Y, **kw)  # type: ignore[arg-type]


def test_rows_name_the_page_numbers_and_cap_big_networks():
    net, X, Y, kw = make_case(3, "relu", ("linear", "half_sse"), "sgd", False, 0.0, None)
    step = train_step(net, X, Y, **kw)
    rows = mlp_rows(step, max_entries=1000)
    assert rows[0].quantity == "loss" and rows[0].value == step.loss
    n = sum(w.size + b.size for w, b in zip(net.weights, net.biases, strict=True))
    assert len(rows) == 1 + 2 * n  # every gradient and every parameter after the step
    dw = next(r for r in rows if r.pytorch == "dW[0][0, 0]")
    assert dw.value == step.dW[0][0, 0] and dw.quantity == "dL/dW layer 1 [0, 0]"

    big = MLP.create([8, 64, 64, 3], seed=0)
    step = train_step(big, np.ones((2, 8)), np.zeros((2, 3)), loss="mse", lr=0.1)
    rows = mlp_rows(step, max_entries=10)
    assert len(rows) == 1 + 4 * 10
    assert {r.pytorch.split("]")[0] for r in rows[1:11]} == {"dW[0", "dW[1", "dW[2"}  # every layer sampled


def test_notebook_is_valid_and_holds_the_script():
    net, X, Y, kw = make_case(5, "tanh", ("sigmoid", "bce"), "momentum", True, 0.0, 1.0)
    script = mlp_script(net, X, Y, **kw)
    rows = mlp_rows(train_step(net, X, Y, **kw))
    nb = nbformat.reads(make_notebook("One step", "The example.", script, rows), as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert script in code
    for cell in code:
        ast.parse(cell)
    assert all(r.quantity in code[0] for r in rows)  # the page's numbers, by name
