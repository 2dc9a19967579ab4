"""The MLP's training step as a PyTorch script: the same network, data, loss and optimiser.

``mlp_script`` is a public contract: code outside the project runs these scripts. The script
builds the network with exactly the page's weights and data in float64, runs one training step
(from a fresh optimiser, or from the page's optimiser state) and prints, on its last line, one
JSON object
``{"loss": ..., "dW": [...], "db": [...], "W_after": [...], "b_after": [...]}`` with every matrix
in the engine's ``(n_in, n_out)`` orientation; it reproduces ``train_step(...)`` with the same
arguments to 1e-9 (relative, for numbers above 1). ``mlp_rows`` lists the page's numbers
beside the script's names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import islice

import numpy as np

from ..losses import check_pairing, get_loss
from ..network import MLP
from ..optimizers import Optimizer, OptimizerState, as_optimizer
from ..trace import StepTrace
from ..validation import as_inputs, as_targets, check_lr
from .common import JSON_HELPER, CompareRow, array_literal, float_literal, header

# the page's activation names as PyTorch modules
MODULES: dict[str, str] = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "linear": "nn.Identity()",
    "softmax": "nn.Softmax(dim=1)",
}

LOSS_CODE: dict[str, str] = {
    "mse": """\
# mse: the mean of (a - y)^2 over every sample and every output, which is nn.MSELoss's default.
a = model(X)
data_loss = nn.MSELoss()(a, Y)
""",
    "half_sse": """\
# half_sse: 1/2 * (the sum over the outputs of (a - y)^2), averaged over the samples. PyTorch has
# no such loss: nn.MSELoss would also divide by the number of outputs, and it has no 1/2.
a = model(X)
data_loss = 0.5 * ((a - Y) ** 2).sum(dim=1).mean()
""",
    "bce": """\
# bce: binary cross-entropy averaged over every sample and every output, computed from the output
# layer's z (model[:-1] stops before the sigmoid), as the page does. nn.BCEWithLogitsLoss stays
# finite where sigmoid(z) rounds to 0 or 1; nn.BCELoss on a would cap each log at -100 instead.
z_out = model[:-1](X)
a = model[-1](z_out)
data_loss = nn.BCEWithLogitsLoss()(z_out, Y)
""",
    "cross_entropy": """\
# cross_entropy: -(the sum over the classes of y * log softmax(z)), averaged over the samples.
# nn.CrossEntropyLoss takes the output layer's z (model[:-1] stops before the softmax) and applies
# log-softmax itself; do not feed it the probabilities a.
z_out = model[:-1](X)
a = model[-1](z_out)
data_loss = nn.CrossEntropyLoss()(z_out, Y)
""",
}


def mlp_script(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "mse",
    lr: float = 0.1,
    optimizer: str | Optimizer = "sgd",
    freeze_biases: bool = False,
    l2: float = 0.0,
    clip_norm: float | None = None,
    *,
    state: OptimizerState | None = None,
) -> str:
    """A self-contained PyTorch script running one ``train_step(net, X, Y, ...)`` in float64.

    ``X``: ``(m, n_in)``; ``Y``: ``(m, n_out)`` (for ``cross_entropy`` also labels ``(m,)``).
    ``state``: the optimiser's memory from earlier steps, as passed to ``train_step``; the
    script writes it into the PyTorch optimizer. Without it (or when it belongs to another
    optimiser or architecture, which ``train_step`` ignores too) the optimiser starts fresh, as
    at a page's first step. Raises ``ValueError`` for the inputs ``train_step`` would refuse.
    """
    if not isinstance(net, MLP):
        raise ValueError(f"net must be an MLP, got {type(net).__name__}")
    get_loss(loss)
    check_pairing(net.output_activation, loss)
    X = as_inputs(X, net.sizes[0])
    Y = as_targets(Y, X.shape[0], net.sizes[-1], loss)
    lr = check_lr(lr)
    opt = as_optimizer(optimizer)
    l2 = _number(l2, "l2", lambda v: v >= 0, "a finite number >= 0")
    if clip_norm is not None:
        clip_norm = _number(clip_norm, "clip_norm", lambda v: v > 0, "a positive number or None")
    arch = "-".join(str(s) for s in net.sizes)
    parts = [
        header(
            f"One training step of the {arch} network on screen, in PyTorch.",
            "mlp_step.py",
            imports=["from torch import nn"],
        ),
        "",  # an empty part: two blank lines around the def
        JSON_HELPER,
        "",
        _data_code(X, Y, loss),
        _model_code(net),
        LOSS_CODE[loss],
        _l2_code(l2),
        _backward_code(freeze_biases, clip_norm),
        _optimizer_code(opt, lr),
        _state_code(net, opt, state, freeze_biases),
        STEP_CODE,
        PRINT_CODE,
    ]
    return "\n".join(part.strip("\n") + "\n" if part else "" for part in parts)


def _number(value: object, what: str, ok, expected: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and ok(v)):
        raise ValueError(f"{what} must be {expected}, got {value!r}")
    return v


def _data_code(X: np.ndarray, Y: np.ndarray, loss: str) -> str:
    m, n_in = X.shape
    samples, inputs = ("sample" if m == 1 else "samples"), ("input" if n_in == 1 else "inputs")
    lines = [f"# The batch: {m} {samples}, one per row, with {n_in} {inputs} each, and the targets."]
    lines.append(f"X = torch.tensor({array_literal(X, indent=0)})")
    onehot = loss == "cross_entropy" and bool(np.all((Y == 0) | (Y == 1)))
    if onehot:
        labels = ", ".join(str(int(k)) for k in np.argmax(Y, axis=1))
        lines.append("# the classes as indices: nn.CrossEntropyLoss reads index k as a one-hot row")
        lines.append(f"Y = torch.tensor([{labels}])")
    elif loss == "cross_entropy":
        lines.append("# one row of class probabilities per sample")
        lines.append(f"Y = torch.tensor({array_literal(Y, indent=0)})")
    else:
        lines.append(f"Y = torch.tensor({array_literal(Y, indent=0)})")
    return "\n".join(lines) + "\n"


def _model_code(net: MLP) -> str:
    arch = "-".join(str(s) for s in net.sizes)
    layers = []
    for W, name in zip(net.weights, net.activations, strict=True):
        layers.append(f"    nn.Linear({W.shape[0]}, {W.shape[1]}),")
        layers.append(f"    {MODULES[name]},")
    linears = ", ".join(f"model[{2 * l}]" for l in range(net.n_layers))
    w_rows = "\n".join(
        f"    # layer {l + 1}: {W.shape[0]} -> {W.shape[1]}\n    {array_literal(W, indent=4)},"
        for l, W in enumerate(net.weights)
    )
    b_rows = "\n".join(f"    {array_literal(b)},  # layer {l + 1}" for l, b in enumerate(net.biases))
    return f"""
# The network {arch}: each layer is nn.Linear (z = a_prev @ W + b) followed by its activation.
model = nn.Sequential(
{chr(10).join(layers)}
)
linears = [{linears}]

# The page's weights W[l], shape (n_in, n_out), and biases b[l], layer 1 first. nn.Linear keeps
# its weight as (n_out, n_in), the transpose of W, so W is transposed on the way in and out.
W = [
{w_rows}
]
b = [
{b_rows}
]
with torch.no_grad():
    for layer, W_l, b_l in zip(linears, W, b):
        layer.weight.copy_(torch.tensor(W_l).T)
        layer.bias.copy_(torch.tensor(b_l))
"""


def _l2_code(l2: float) -> str:
    if not l2:
        return "loss = data_loss  # no L2 penalty\n"
    return f"""# L2, as on the page: l2/2 * (the sum of every squared weight, biases not) is added to the
# loss, so backward() adds l2 * W to dW. An optimizer's weight_decay would give the same step but
# leave the penalty out of the loss and of .grad.
l2 = {float_literal(l2)}
loss = data_loss + 0.5 * l2 * sum((layer.weight**2).sum() for layer in linears)
"""


def _backward_code(freeze_biases: bool, clip_norm: float | None) -> str:
    if freeze_biases:
        trainable = """
# Frozen biases: their gradient is still computed (db above), but they are left out of the
# optimizer and of the clipping norm, so they never change. (bias.requires_grad_(False) would
# freeze them too, but then there would be no db to look at.)
trainable = [layer.weight for layer in linears]
"""
    else:
        trainable = "\ntrainable = list(model.parameters())\n"
    code = f"""
loss.backward()  # fills every parameter's .grad
# the gradients in the page's orientation (n_in, n_out), taken before any clipping
dW = [layer.weight.grad.T.clone() for layer in linears]
db = [layer.bias.grad.clone() for layer in linears]
{trainable}"""
    if clip_norm is not None:
        code += f"""
# Clip by global norm: if the norm of all trainable gradients together exceeds max_norm, every one
# is scaled by max_norm / (norm + 1e-6). (Within 1e-6 below max_norm PyTorch already scales by a
# factor just under 1; the page does not.)
grad_norm = torch.nn.utils.clip_grad_norm_(trainable, max_norm={float_literal(clip_norm)})
print(f"global gradient norm = {{grad_norm.item():.12g}}")
"""
    return code


def _optimizer_code(opt: Optimizer, lr: float) -> str:
    lr_text = float_literal(lr)
    if opt.name == "sgd":
        line = f"optimizer = torch.optim.SGD(trainable, lr={lr_text})  # w <- w - lr * g"
    elif opt.name == "momentum":
        line = (
            f"# v <- {float_literal(opt.beta)} * v + g, then w <- w - lr * v (no dampening)\n"
            f"optimizer = torch.optim.SGD(trainable, lr={lr_text}, momentum={float_literal(opt.beta)})"
        )
    else:
        line = (
            "# m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2, then\n"
            "# w <- w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps) at step t\n"
            f"optimizer = torch.optim.Adam(\n    trainable, lr={lr_text}, "
            f"betas=({float_literal(opt.beta1)}, {float_literal(opt.beta2)}), eps={float_literal(opt.eps)}\n)"
        )
    return f"""
# The optimizer, over the trainable parameters.
{line}
"""


def _state_code(net: MLP, opt: Optimizer, state: OptimizerState | None, freeze_biases: bool) -> str:
    """Write the page's optimiser memory into ``optimizer.state`` (nothing for a fresh start)."""
    params = [*net.weights, *net.biases]
    if (
        state is None
        or opt.name == "sgd"
        or state.name != opt.name
        or any(len(v) != len(params) for v in state.slots.values())
        or any(s.shape != p.shape for v in state.slots.values() for s, p in zip(v, params, strict=True))
    ):
        # the same test as the engine's: a state from another optimiser or network is ignored
        return "# Its memory starts empty, as at the page's first step.\n"
    L = net.n_layers
    if opt.name == "momentum":
        lines = [
            f"# Its memory from the page's {state.t} earlier step(s): every parameter's velocity v",
            "# (the weights' transposed to nn.Linear's (n_out, n_in)).",
            f"v_W = {_list_of(state.slots['v'][:L])}",
            f"v_b = {_list_of(state.slots['v'][L:])}",
            "for layer, v_W_l, v_b_l in zip(linears, v_W, v_b):",
            '    optimizer.state[layer.weight]["momentum_buffer"] = torch.tensor(v_W_l).T.contiguous()',
        ]
        if not freeze_biases:  # frozen biases are not in the optimizer
            lines.append('    optimizer.state[layer.bias]["momentum_buffer"] = torch.tensor(v_b_l)')
        return "\n".join(lines) + "\n"
    m, v = state.slots["m"], state.slots["v"]
    lines = [
        f"# Its memory from the page's {state.t} earlier step(s): every parameter's m and v and the",
        f"# step count t = {state.t} (this step is t = {state.t + 1}); the weights' m and v transposed.",
        f"m_W = {_list_of(m[:L])}",
        f"v_W = {_list_of(v[:L])}",
        f"m_b = {_list_of(m[L:])}",
        f"v_b = {_list_of(v[L:])}",
        "for l, layer in enumerate(linears):",
        "    optimizer.state[layer.weight] = {",
        f'        "step": torch.tensor({float(state.t)!r}),',
        '        "exp_avg": torch.tensor(m_W[l]).T.contiguous(),',
        '        "exp_avg_sq": torch.tensor(v_W[l]).T.contiguous(),',
        "    }",
    ]
    if not freeze_biases:
        lines += [
            "    optimizer.state[layer.bias] = {",
            f'        "step": torch.tensor({float(state.t)!r}),',
            '        "exp_avg": torch.tensor(m_b[l]),',
            '        "exp_avg_sq": torch.tensor(v_b[l]),',
            "    }",
        ]
    return "\n".join(lines) + "\n"


def _list_of(arrays: Sequence[np.ndarray]) -> str:
    """One literal per layer, each on its own line."""
    return "[\n" + "".join(f"    {array_literal(a, indent=4)},\n" for a in arrays) + "]"


STEP_CODE = """
optimizer.step()
W_after = [layer.weight.detach().T for layer in linears]
b_after = [layer.bias.detach() for layer in linears]
"""


PRINT_CODE = """
torch.set_printoptions(precision=10)
print(f"loss = {loss.item():.12g}")
print(f"output a =\\n{a.detach()}")
for l in range(len(linears)):
    print(f"layer {l + 1}: dL/dW (n_in, n_out) =\\n{dW[l]}")
    print(f"layer {l + 1}: dL/db =\\n{db[l]}")
    print(f"layer {l + 1}: W after the step =\\n{W_after[l]}")
    print(f"layer {l + 1}: b after the step =\\n{b_after[l]}")
result = {
    "loss": loss.item(),
    "dW": as_list(dW),
    "db": as_list(db),
    "W_after": as_list(W_after),
    "b_after": as_list(b_after),
}
print(json.dumps(result))
"""


def mlp_rows(step: StepTrace, *, max_entries: int = 12) -> list[CompareRow]:
    """The page's numbers beside the names that hold them in ``mlp_script``'s script.

    ``step``: the ``train_step`` the script reproduces. Rows: the loss, then the entries of
    ``dW``, ``db``, ``W`` after and ``b`` after, at most ``max_entries`` of each kind (the first
    ones of every layer in turn, so a big network is sampled, not listed).
    """
    rows = [CompareRow("loss", "loss.item()", step.loss)]
    after = step.net_after
    kinds: Sequence[tuple[str, str, list[np.ndarray]]] = (
        ("dL/dW", "dW", list(step.dW)),
        ("dL/db", "db", list(step.db)),
        ("W after", "W_after", list(after.weights)),
        ("b after", "b_after", list(after.biases)),
    )
    for label, name, arrays in kinds:
        rows.extend(_entries(label, name, arrays, max_entries))
    return rows


def _entries(label: str, name: str, arrays: list[np.ndarray], cap: int) -> list[CompareRow]:
    """Up to ``cap`` entries of ``arrays``, taken from the layers in turn."""
    per_layer = [list(islice(np.ndindex(a.shape), cap)) for a in arrays]
    picked: list[tuple[int, tuple[int, ...]]] = []
    depth = 0
    while len(picked) < cap and any(depth < len(idx) for idx in per_layer):
        for l, idx in enumerate(per_layer):
            if depth < len(idx) and len(picked) < cap:
                picked.append((l, idx[depth]))
        depth += 1
    picked.sort()
    rows = []
    for l, index in picked:
        where = ", ".join(str(i) for i in index)
        rows.append(CompareRow(f"{label} layer {l + 1} [{where}]", f"{name}[{l}][{where}]", arrays[l][index]))
    return rows
