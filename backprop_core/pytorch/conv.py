"""The convolution lab's step as a PyTorch script: ``F.conv2d``, ``F.max_pool2d``, ``F.linear``.

``conv_script(net, X, Y, loss=..., lr=..., optimizer=...)`` returns a self-contained float64 script
that rebuilds ``net`` (a ``backprop_core.convnet.ConvNet``) with exactly its numbers, runs one
training step on ``(X, Y)`` and prints readable lines and, on its last line, one JSON object:

    {"loss": L, "dK": [...], "dkb": [...], "dW": [...], "db": [...],
     "K_after": [...], "kb_after": [...], "W_after": [...], "b_after": [...]}

one list entry per layer, every matrix in the engine's orientation: filters ``(C_out, C_in, kh, kw)``
(PyTorch's own layout), dense weights ``(n_in, n_out)`` (the transpose of PyTorch's ``(out, in)``).
"""

from __future__ import annotations

import numpy as np

from ..convnet import ConvNet, check_inputs, train_step
from ..losses import check_pairing, get_loss
from ..optimizers import OptimizerState, as_optimizer
from ..validation import as_targets, check_lr
from .common import JSON_HELPER, CompareRow, array_literal, float_literal, header

_ACTIVATION_CODE = {
    "relu": "torch.relu({})",
    "leaky_relu": "F.leaky_relu({}, 0.01)",
    "sigmoid": "torch.sigmoid({})",
    "tanh": "torch.tanh({})",
    "linear": "{}",
    "softmax": "torch.softmax({}, dim=1)",
}


def _loss_code(loss: str, out_act: str, Y: np.ndarray) -> tuple[str, str]:
    """The targets' literal and the loss line, with our convention spelled out where PyTorch's differs."""
    if loss == "cross_entropy":
        if np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1):
            labels = "[" + ", ".join(str(int(i)) for i in Y.argmax(axis=1)) + "]"
            y = f"y = torch.tensor({labels})  # class labels"
        else:
            y = f"y = torch.tensor({array_literal(Y)})  # class probabilities, one row per image"
        # F.cross_entropy applies log-softmax to the logits itself: it gets z, not softmax(z)
        return y, "loss = F.cross_entropy(z_out, y)  # mean over images of -log softmax(z)[label]"
    y = f"y = torch.tensor({array_literal(Y)})"
    if loss == "bce":
        return y, "loss = F.binary_cross_entropy_with_logits(z_out, y)  # from z, mean over every element"
    a = _ACTIVATION_CODE[out_act].format("z_out")
    if loss == "mse":
        return y, f"a_out = {a}\nloss = F.mse_loss(a_out, y)  # mean over every element"
    return y, (
        f"a_out = {a}\n"
        "# half_sse: 1/2 the sum of squares per image, averaged over images (PyTorch has no such loss)\n"
        "loss = 0.5 * ((a_out - y) ** 2).sum() / y.shape[0]"
    )


def _optimizer_code(opt_name: str, lr: float, state: OptimizerState | None, net: ConvNet) -> str:
    lr_text = float_literal(lr)
    if opt_name == "sgd":
        return f"opt = torch.optim.SGD(params, lr={lr_text})"
    opt = as_optimizer(opt_name)
    if opt_name == "momentum":
        code = f"opt = torch.optim.SGD(params, lr={lr_text}, momentum={float_literal(opt.beta)})"
    else:
        betas = f"({float_literal(opt.beta1)}, {float_literal(opt.beta2)})"
        code = f"opt = torch.optim.Adam(params, lr={lr_text}, betas={betas}, eps={float_literal(opt.eps)})"
    if state is None or state.name != opt_name or state.t == 0:
        return code
    nc, nd = len(net.K), len(net.W)

    def torch_layout(i: int, a: np.ndarray) -> str:
        return array_literal(a.T if 2 * nc <= i < 2 * nc + nd else a)  # dense W is (out, in) in PyTorch

    lines = [code, "# the optimiser's memory from the steps already taken on the page"]
    for i in range(len(net.params)):
        if opt_name == "momentum":
            buffer = torch_layout(i, state.slots["v"][i])
            lines.append(f"opt.state[params[{i}]]['momentum_buffer'] = torch.tensor({buffer})")
        else:
            lines.append(
                f"opt.state[params[{i}]] = {{'step': torch.tensor({float(state.t)}), "
                f"'exp_avg': torch.tensor({torch_layout(i, state.slots['m'][i])}), "
                f"'exp_avg_sq': torch.tensor({torch_layout(i, state.slots['v'][i])})}}"
            )
    return "\n".join(lines)


def conv_script(
    net: ConvNet,
    X: object,
    Y: object,
    *,
    loss: str = "cross_entropy",
    lr: float,
    optimizer: str = "sgd",
    state: OptimizerState | None = None,
    file_name: str = "conv_step.py",
) -> str:
    """A float64 PyTorch script running ``train_step(net, X, Y, loss=loss, lr=lr, optimizer=optimizer)``."""
    X = check_inputs(net, X)
    get_loss(loss)
    check_pairing(net.output_activation, loss)
    Y = as_targets(Y, X.shape[0], net.n_out, loss)
    lr, opt = check_lr(lr), as_optimizer(optimizer)
    y_line, loss_lines = _loss_code(loss, net.output_activation, Y)
    nc, nd = len(net.K), len(net.W)
    out = [header("One training step of a small convolutional network", file_name).rstrip("\n")]
    out.append("import torch.nn.functional as F\n" + JSON_HELPER)
    out.append(f"# the images, shape (m, C, H, W) = {X.shape}\nx = torch.tensor({array_literal(X)})")
    out.append(y_line)
    for l in range(nc):
        out.append(
            f"# conv layer {l + 1}: filters (C_out, C_in, kh, kw) = {net.K[l].shape}, the page's layout\n"
            f"K{l + 1} = torch.tensor({array_literal(net.K[l])}, requires_grad=True)\n"
            f"kb{l + 1} = torch.tensor({array_literal(net.kb[l])}, requires_grad=True)"
        )
    for l in range(nd):
        n_in, n_out = net.W[l].shape
        out.append(
            f"# dense layer {l + 1}: F.linear keeps the weight as (n_out, n_in) = ({n_out}, {n_in}), "
            "the transpose of the page's W\n"
            f"W{l + 1} = torch.tensor({array_literal(net.W[l].T)}, requires_grad=True)\n"
            f"b{l + 1} = torch.tensor({array_literal(net.b[l])}, requires_grad=True)"
        )
    names = [f"K{i}" for i in range(1, nc + 1)] + [f"kb{i}" for i in range(1, nc + 1)]
    names += [f"W{i}" for i in range(1, nd + 1)] + [f"b{i}" for i in range(1, nd + 1)]
    out.append(f"params = [{', '.join(names)}]\n{_optimizer_code(opt.name, lr, state, net)}")
    conv_act = _ACTIVATION_CODE[net.conv_activation]
    fwd = ["a = x"]
    for l in range(1, nc + 1):
        conv = f"F.conv2d(a, K{l}, kb{l}, stride={net.stride}, padding={net.padding})"
        fwd.append(f"a = {conv_act.format(conv)}")
    fwd.append(f"a = F.max_pool2d(a, {net.pool})  # stride = window size; ties: the first in reading order")
    fwd.append("a = a.flatten(1)  # channel, row, column")
    for l in range(1, nd):
        fwd.append(f"a = {_ACTIVATION_CODE[net.dense_activation].format(f'F.linear(a, W{l}, b{l})')}")
    fwd.append(f"z_out = F.linear(a, W{nd}, b{nd})")
    out.append("\n".join(fwd) + "\n" + loss_lines)
    out.append(
        "opt.zero_grad()\nloss.backward()\n"
        "grads = {name: p.grad.clone() for name, p in zip(" + repr(names) + ", params)}\n"
        "opt.step()\n\n"
        'print(f"loss = {loss.item():.12g}")\n'
        "for name, g in grads.items():\n"
        '    print(f"d{name}: shape {tuple(g.shape)}, sum {g.sum().item():.12g}")\n'
        'print("dK1[0, 0] =", grads["K1"][0, 0].tolist())'
    )
    out.append(
        "with torch.no_grad():\n    result = {\n"
        '        "loss": loss.item(),\n'
        f'        "dK": [as_list(grads[f"K{{i}}"]) for i in range(1, {nc + 1})],\n'
        f'        "dkb": [as_list(grads[f"kb{{i}}"]) for i in range(1, {nc + 1})],\n'
        f'        "dW": [as_list(grads[f"W{{i}}"].T) for i in range(1, {nd + 1})],\n'
        f'        "db": [as_list(grads[f"b{{i}}"]) for i in range(1, {nd + 1})],\n'
        f'        "K_after": as_list([{", ".join(f"K{i}" for i in range(1, nc + 1))}]),\n'
        f'        "kb_after": as_list([{", ".join(f"kb{i}" for i in range(1, nc + 1))}]),\n'
        f'        "W_after": as_list([{", ".join(f"W{i}.T" for i in range(1, nd + 1))}]),\n'
        f'        "b_after": as_list([{", ".join(f"b{i}" for i in range(1, nd + 1))}]),\n'
        "    }\nprint(json.dumps(result))"
    )
    return "\n\n".join(out) + "\n"


def conv_rows(net: ConvNet, X: object, Y: object, *, loss: str, lr: float, optimizer: str = "sgd",
              state: OptimizerState | None = None) -> list[CompareRow]:  # fmt: skip
    """What the script holds after it ran, beside the engine's numbers: a few entries per layer."""
    step = train_step(net, X, Y, loss=loss, lr=lr, optimizer=optimizer, state=state)
    rows = [CompareRow("loss", "loss.item()", step.loss)]
    for l, c in enumerate(step.convs, start=1):
        rows.append(CompareRow(f"dK{l}[0,0,0,0]", f"K{l}.grad[0, 0, 0, 0]", c.dK[0, 0, 0, 0]))
        rows.append(CompareRow(f"db (conv {l})[0]", f"kb{l}.grad[0]", c.db[0]))
        after = step.net_after.K[l - 1][0, 0, 0, 0]
        rows.append(CompareRow(f"K{l}[0,0,0,0] after", f"K{l}[0, 0, 0, 0]", after))
    for l, d in enumerate(step.dense, start=1):
        rows.append(CompareRow(f"dW{l}[0,0]", f"W{l}.grad[0, 0]", d.dW[0, 0]))
        rows.append(CompareRow(f"db{l}[0]", f"b{l}.grad[0]", d.db[0]))
    return rows
