"""The PyTorch script of one ``rnn.bptt_step``: ``nn.RNN(batch_first=True)`` with exactly these weights.

The script is text (this package never imports torch). It prints readable lines and, on its last
line, one JSON object ``{"loss", "dWx", "dWh", "db", "dWy", "dby", "Wx_after", "Wh_after", "b_after",
"Wy_after", "by_after"}`` with every matrix in the engine's ``(n_in, n_out)`` orientation and the
gradients before clipping, as in the engine's trace.

Truncation (``truncate=k``, see ``backprop_core.rnn``) is reproduced exactly: for each step s with a
loss, the script runs the RNN again over steps ``s-k+1 .. s`` from the full forward pass's
``h_{s-k}``, detached, and backpropagates that step's share of the loss. (Cutting the sequence
into chunks of k and detaching between them, the usual recipe, is a different scheme: there a
loss near a chunk's end reaches back up to k steps, one near its start hardly at all.)
"""

from __future__ import annotations

import numpy as np

from ..losses import check_pairing, get_loss
from ..optimizers import Optimizer, as_optimizer
from ..rnn import RNN
from ..rnn_checks import as_sequence_targets, as_sequences, check_clip, check_truncate
from ..validation import check_lr
from .common import JSON_HELPER, array_literal, float_literal, header, torch_optimizer_code

TORCH_NONLINEARITIES = ("tanh", "relu")
OUTPUT_CODE = {"linear": "zo", "sigmoid": "torch.sigmoid(zo)", "softmax": "torch.softmax(zo, dim=-1)"}
# Each loss as a sum over rows, divided by the number of rows (and by k where the loss averages over
# outputs too): every (sequence, step) pair with a loss is one row, as in the engine.
LOSS_CODE = {
    "mse": "F.mse_loss(g(zo), y, reduction='sum') / (rows * K)  # = nn.MSELoss(): mean over every element",
    "half_sse": "0.5 * F.mse_loss(g(zo), y, reduction='sum') / rows  # 1/2 sum of squares, mean over rows",
    "bce": "F.binary_cross_entropy_with_logits(zo, y, reduction='sum') / (rows * K)"
    "  # = BCEWithLogitsLoss(), from the logits zo",
    "cross_entropy": "F.cross_entropy(zo, y, reduction='sum') / rows"
    "  # = nn.CrossEntropyLoss() with one-hot targets, from the logits",
}


def rnn_script(
    net: RNN,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "mse",
    lr: float = 0.0,
    truncate: int | None = None,
    optimizer: str | Optimizer = "sgd",
    clip_norm: float | None = None,
) -> str:
    """A self-contained float64 PyTorch script reproducing ``bptt_step(net, X, Y, ...)``'s numbers.

    ``ValueError`` for what ``bptt_step`` refuses, and for hidden activations ``nn.RNN`` lacks
    (it offers tanh and relu).
    """
    if not isinstance(net, RNN):
        raise ValueError(f"net must be an RNN, got {type(net).__name__}")
    if net.activation not in TORCH_NONLINEARITIES:
        raise ValueError(f"nn.RNN offers the hidden activations tanh and relu only, not {net.activation!r}")
    get_loss(loss)
    check_pairing(net.output, loss)
    n_in, H, n_out = net.sizes
    X = as_sequences(X, n_in)
    m, T, _ = X.shape
    Yr, every_step = as_sequence_targets(Y, m, T, n_out, loss)
    Yr = Yr.reshape(m, T, n_out) if every_step else Yr
    k = check_truncate(truncate, T)
    lr, opt, clip = check_lr(lr), as_optimizer(optimizer), check_clip(clip_norm)
    where = "every step" if every_step else "the last step only"
    lines = [
        header(f"One step of backpropagation through time: an RNN {n_in} -> {H} -> {n_out}", "bptt_step.py"),
        "import torch.nn.functional as F",
        "from torch import nn",
        JSON_HELPER,
        f"# {m} sequences of T = {T} steps with {n_in} input(s) each: X[i, t] is sequence i at step t",
        f"X = torch.tensor({array_literal(X)})",
        f"# the targets, for the loss on {where}",
        f"Y = torch.tensor({array_literal(Yr)})",
        "",
        f"rnn = nn.RNN({n_in}, {H}, nonlinearity={net.activation!r}, batch_first=True)",
        f"out = nn.Linear({H}, {n_out})",
        "with torch.no_grad():",
        "    # PyTorch stores weights as (n_out, n_in): the transposes of our Wx, Wh, Wy",
        f"    rnn.weight_ih_l0.copy_(torch.tensor({array_literal(net.Wx)}).T)  # Wx",
        f"    rnn.weight_hh_l0.copy_(torch.tensor({array_literal(net.Wh)}).T)  # Wh",
        "    # nn.RNN adds two biases, h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh); only their sum",
        "    # matters, which is our one b. So b_ih = b, and b_hh = 0 and frozen (a trainable b_hh would",
        "    # receive the same gradient as b_ih and the bias would move twice as far).",
        f"    rnn.bias_ih_l0.copy_(torch.tensor({array_literal(net.b)}))  # b",
        "    rnn.bias_hh_l0.zero_()",
        f"    out.weight.copy_(torch.tensor({array_literal(net.Wy)}).T)  # Wy",
        f"    out.bias.copy_(torch.tensor({array_literal(net.by)}))  # by",
        "rnn.bias_hh_l0.requires_grad_(False)",
        "params = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, out.weight, out.bias]",
        f"K = {n_out}",
        "",
        "",
        "def g(zo):",
        f"    return {OUTPUT_CODE[net.output]}  # the output activation ({net.output})",
        "",
        "",
        "def loss_of(zo, y, rows):",
        f"    return {LOSS_CODE[loss]}",
        "",
        "",
        "hs, _ = rnn(X)  # h_t for every step, (m, T, H); h_0 = 0",
    ]
    steps = f"range({T})" if every_step else f"[{T - 1}]"
    rows = m * T if every_step else m
    if k is None:
        lines += (
            [f"zo = out(hs).reshape(-1, K)  # the output's pre-activation at every step, ({m * T}, K)",
             "loss = loss_of(zo, Y.reshape(-1, K), len(zo))"]
            if every_step
            else ["zo = out(hs[:, -1])  # the output's pre-activation at the last step",
                  "loss = loss_of(zo, Y, len(zo))"]
        )  # fmt: skip
        lines += ["loss.backward()  # full backpropagation through time"]
    else:
        y_s = "Y[:, s]" if every_step else "Y"
        lines += [
            f"# Truncated BPTT, k = {k}: the error of the loss at step s reaches steps s, ..., s-{k - 1}",
            "# only. For each step with a loss, run the RNN again over those k steps, starting from",
            "# the full pass's h_{s-k} detached (no gradient flows into it), and backpropagate that",
            "# step's share of the loss.",
            f"loss = loss_of(out(hs.reshape(-1, {H})), Y.reshape(-1, K), {rows}).detach()"
            if every_step
            else "loss = loss_of(out(hs[:, -1]), Y, len(Y)).detach()",
            f"for s in {steps}:",
            f"    start = max(0, s - {k - 1})",
            f"    h0 = torch.zeros(1, {m}, {H}) if start == 0 else hs[:, start - 1].detach().unsqueeze(0)",
            "    window, _ = rnn(X[:, start:s + 1], h0)",
            f"    loss_of(out(window[:, -1]), {y_s}, {rows}).backward()  # gradients add up over s",
        ]
    lines += [
        "",
        "# the gradients in our orientation, before clipping",
        "dWx, dWh = rnn.weight_ih_l0.grad.T.clone(), rnn.weight_hh_l0.grad.T.clone()",
        "db, dWy, dby = rnn.bias_ih_l0.grad.clone(), out.weight.grad.T.clone(), out.bias.grad.clone()",
    ]
    if clip is not None:
        lines += [
            f"norm = torch.nn.utils.clip_grad_norm_(params, max_norm={float_literal(clip)})  # global norm",
            "print(f'global gradient norm before clipping: {float(norm):.12g}')",
        ]
    lines += [
        f"optimizer = {torch_optimizer_code(opt, lr, 'params')}",
        "optimizer.step()",
        "",
        "print(f'loss: {float(loss):.12g}')",
        "print('dWh (rows: from h_{t-1} unit i, columns: to unit j):')",
        "print(dWh)",
        "print(f'dWx[0, 0] = {float(dWx[0, 0]):.12g}   db[0] = {float(db[0]):.12g}')",
        "print(f'dWy[0, 0] = {float(dWy[0, 0]):.12g}   dby[0] = {float(dby[0]):.12g}')",
        "result = {",
        "    'loss': float(loss),",
        "    'dWx': as_list(dWx), 'dWh': as_list(dWh), 'db': as_list(db),",
        "    'dWy': as_list(dWy), 'dby': as_list(dby),",
        "    'Wx_after': as_list(rnn.weight_ih_l0.T), 'Wh_after': as_list(rnn.weight_hh_l0.T),",
        "    'b_after': as_list(rnn.bias_ih_l0 + rnn.bias_hh_l0),",
        "    'Wy_after': as_list(out.weight.T), 'by_after': as_list(out.bias),",
        "}",
        "print(json.dumps(result))",
    ]
    return "\n".join(lines) + "\n"
