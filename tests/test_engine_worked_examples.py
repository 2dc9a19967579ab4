"""The two tiny examples, worked out by hand in the comments and asserted digit by digit.

Each expected number is written as it is printed (a string), and the engine's value must agree
with it to that many decimals, allowing one unit in the last printed digit.
"""

import numpy as np

import backprop_core as bc


def assert_printed(value: float, printed: str) -> None:
    """``value`` agrees with the printed number to its last digit, give or take one unit there."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    # (1 + 1e-6): "exactly one unit" must survive the rounding of the subtraction itself
    assert abs(float(value) - float(printed)) <= 10.0**-decimals * (1 + 1e-6), f"{value!r} is not {printed}"


# -- single weight: y = w * x ---------------------------------------------------------------------


def test_single_weight_by_hand():
    ex = bc.single_weight()
    assert ex.loss == "mse" and ex.lr == 0.01 and ex.freeze_biases
    trace = bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=ex.freeze_biases)

    # w = 2, x = 5, bias 0 (frozen), linear output, target y = 12.
    # forward: z = w * x + b = 2 * 5 + 0 = 10; a = z = 10 (the prediction)
    assert_printed(trace.z[0][0, 0], "10")
    assert_printed(trace.output[0, 0], "10")
    # loss: mse on one number, L = (a - y)^2 = (10 - 12)^2 = 4
    assert_printed(trace.loss, "4")
    # dL/da = 2 (a - y) / (m k) = 2 * (10 - 12) / 1 = -4
    assert_printed(trace.dL_da[0][0, 0], "-4")
    # delta = dL/dz = dL/da * f'(z) = -4 * 1 = -4 (linear: f' = 1)
    assert_printed(trace.delta[0][0, 0], "-4")
    # dL/dw = a_prev * delta = x * delta = 5 * -4 = -20
    assert_printed(trace.dW[0][0, 0], "-20")
    # new w = w - lr * dL/dw = 2 - 0.01 * (-20) = 2 + 0.2 = 2.2
    assert_printed(trace.net_after.weights[0][0, 0], "2.2")
    assert_printed(trace.update.step_W[0][0, 0], "0.2")
    # the bias gradient is still computed (dL/db = delta = -4) but the frozen bias stays 0
    assert_printed(trace.db[0][0], "-4")
    assert trace.net_after.biases[0][0] == 0.0
    # after the step: prediction 2.2 * 5 = 11, loss (11 - 12)^2 = 1
    assert_printed(bc.evaluate(trace.net_after, ex.X, ex.Y, ex.loss), "1")


# -- the classic 2-2-2 network ------------------------------------------------------------------
#
# Inputs i1 = 0.05, i2 = 0.10; targets t1 = 0.01, t2 = 0.99; sigmoid everywhere;
# w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55; biases b1 = 0.35 (hidden),
# b2 = 0.60 (output), frozen; loss E = 1/2 * sum (t - out)^2 (half_sse); lr = 0.5.
#
# Forward
#   net_h1 = w1 i1 + w2 i2 + b1 = 0.15*0.05 + 0.20*0.10 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775
#   out_h1 = sigmoid(0.3775) = 1 / (1 + e^-0.3775) = 0.593269992
#   net_h2 = 0.25*0.05 + 0.30*0.10 + 0.35 = 0.3925;  out_h2 = sigmoid(0.3925) = 0.596884378
#   net_o1 = w5 out_h1 + w6 out_h2 + b2 = 0.40*0.593269992 + 0.45*0.596884378 + 0.60 = 1.105905967
#   out_o1 = sigmoid(1.105905967) = 0.75136507
#   net_o2 = 0.50*0.593269992 + 0.55*0.596884378 + 0.60 = 1.224921404;  out_o2 = 0.772928465
# Loss
#   E_o1 = 1/2 (0.01 - 0.75136507)^2 = 1/2 * 0.549622167 = 0.274811083
#   E_o2 = 1/2 (0.99 - 0.772928465)^2 = 1/2 * 0.047120051 = 0.023560026
#   E_total = 0.274811083 + 0.023560026 = 0.298371109
# Output layer, w5
#   dE/dout_o1 = out_o1 - t1 = 0.75136507 - 0.01 = 0.74136507
#   dout_o1/dnet_o1 = out_o1 (1 - out_o1) = 0.75136507 * 0.24863493 = 0.186815602
#   dnet_o1/dw5 = out_h1 = 0.593269992
#   dE/dw5 = 0.74136507 * 0.186815602 * 0.593269992 = 0.082167041
#   w5+ = w5 - lr dE/dw5 = 0.40 - 0.5 * 0.082167041 = 0.35891648
#   likewise (delta_o1 = 0.138498562, delta_o2 = -0.217071535 * 0.175510053 = -0.038098237):
#   dE/dw6 = delta_o1 out_h2 = 0.082667628 -> w6+ = 0.45 - 0.041333814 = 0.408666186
#   dE/dw7 = delta_o2 out_h1 = -0.022602540 -> w7+ = 0.50 + 0.011301270 = 0.511301270
#   dE/dw8 = delta_o2 out_h2 = -0.022740242 -> w8+ = 0.55 + 0.011370121 = 0.561370121
# Hidden layer, w1 (uses the old w5, w7)
#   dE_o1/dout_h1 = delta_o1 * w5 = 0.138498562 * 0.40 = 0.055399425
#   dE_o2/dout_h1 = delta_o2 * w7 = -0.038098237 * 0.50 = -0.019049119  (more exactly -0.0190491183)
#   dE/dout_h1 = 0.055399425 - 0.019049119 = 0.036350306
#   dout_h1/dnet_h1 = out_h1 (1 - out_h1) = 0.593269992 * 0.406730008 = 0.241300709
#   dnet_h1/dw1 = i1 = 0.05
#   dE/dw1 = 0.036350306 * 0.241300709 * 0.05 = 0.000438568
#   w1+ = 0.15 - 0.5 * 0.000438568 = 0.149780716
#   delta_h1 = 0.008771355, delta_h2 = 0.041370323 * 0.240613417 = 0.009954255:
#   w2+ = 0.20 - 0.5 * delta_h1 * i2 = 0.20 - 0.5 * 0.000877135 = 0.19956143
#   w3+ = 0.25 - 0.5 * delta_h2 * i1 = 0.25 - 0.5 * 0.000497713 = 0.24975114
#   w4+ = 0.30 - 0.5 * delta_h2 * i2 = 0.30 - 0.5 * 0.000995425 = 0.29950229
# After the update (biases still 0.35 and 0.60), forward again: E_total = 0.291027774


def _classic_trace() -> bc.StepTrace:
    ex = bc.classic_222()
    assert (ex.loss, ex.lr, ex.freeze_biases) == ("half_sse", 0.5, True)
    return bc.train_step(ex.net, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=ex.freeze_biases)


def _w(net: bc.MLP, name: str) -> float:
    layer, i, j = bc.CLASSIC_WEIGHT_NAMES[name]
    return float(net.weights[layer][i, j])


def _assert_weights_after(t: bc.StepTrace, **printed: str) -> None:
    """Each named weight (``w5="0.35891648"``) after the update, as the walk-through prints it."""
    for name, number in printed.items():
        assert_printed(_w(t.net_after, name), number)


def test_classic_weight_names_match_the_published_layout():
    net = bc.classic_222().net
    for name, value in zip(
        ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"),
        (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
        strict=True,
    ):
        assert _w(net, name) == value
    assert net.biases[0].tolist() == [0.35, 0.35] and net.biases[1].tolist() == [0.60, 0.60]


def test_classic_forward_and_loss():
    t = _classic_trace()
    assert_printed(t.z[0][0, 0], "0.3775")  # net_h1
    assert_printed(t.a[0][0, 0], "0.593269992")  # out_h1
    assert_printed(t.a[0][0, 1], "0.596884378")  # out_h2
    assert_printed(t.z[1][0, 0], "1.105905967")  # net_o1
    assert_printed(t.a[1][0, 0], "0.75136507")  # out_o1
    assert_printed(t.a[1][0, 1], "0.772928465")  # out_o2
    errors = 0.5 * (t.y - t.output) ** 2  # the per-output errors E_o1, E_o2
    assert_printed(errors[0, 0], "0.274811083")
    assert_printed(errors[0, 1], "0.023560026")
    assert_printed(t.loss, "0.298371109")  # E_total
    assert_printed(t.per_sample_loss[0], "0.298371109")


def test_classic_output_layer_gradients_and_update():
    t = _classic_trace()
    assert_printed(t.dL_da[1][0, 0], "0.74136507")  # dE/dout_o1
    w5 = bc.explain_weight(t, *bc.CLASSIC_WEIGHT_NAMES["w5"])
    assert_printed(w5.dL_da[0], "0.74136507")  # dE/dout_o1
    assert_printed(w5.da_dz[0], "0.186815602")  # dout_o1/dnet_o1
    assert_printed(w5.dz_dw[0], "0.593269992")  # dnet_o1/dw5 = out_h1
    assert_printed(w5.gradient, "0.082167041")  # dE/dw5
    assert_printed(w5.per_sample[0], "0.082167041")
    assert_printed(w5.new_weight, "0.35891648")
    assert w5.is_output and w5.paths == () and not w5.shortcut  # half_sse: no shortcut
    layer, i, j = bc.CLASSIC_WEIGHT_NAMES["w5"]
    assert_printed(t.dW[layer][i, j], "0.082167041")

    _assert_weights_after(t, w5="0.35891648", w6="0.408666186", w7="0.511301270", w8="0.561370121")


def test_classic_hidden_layer_gradients_and_update():
    t = _classic_trace()
    w1 = bc.explain_weight(t, *bc.CLASSIC_WEIGHT_NAMES["w1"])
    # the two downstream paths, through o1 (via w5) and through o2 (via w7)
    assert [p.k for p in w1.paths] == [0, 1]
    assert w1.paths[0].weight == 0.40 and w1.paths[1].weight == 0.50
    assert_printed(w1.paths[0].contribution[0], "0.055399425")  # dE_o1/dout_h1
    assert_printed(w1.paths[1].contribution[0], "-0.019049119")  # dE_o2/dout_h1
    assert_printed(w1.dL_da[0], "0.036350306")  # dE/dout_h1
    assert abs(w1.dL_da[0] - sum(p.contribution[0] for p in w1.paths)) < 1e-16
    assert_printed(t.dL_da[0][0, 0], "0.036350306")
    assert_printed(w1.da_dz[0], "0.241300709")  # dout_h1/dnet_h1
    assert_printed(w1.dz_dw[0], "0.05")  # dnet_h1/dw1 = i1
    assert_printed(w1.gradient, "0.000438568")  # dE/dw1
    assert_printed(w1.new_weight, "0.149780716")
    assert not w1.is_output

    _assert_weights_after(t, w1="0.149780716", w2="0.19956143", w3="0.24975114", w4="0.29950229")


def test_classic_loss_after_one_update_with_frozen_biases():
    ex = bc.classic_222()
    t = _classic_trace()
    assert t.net_after.biases[0].tolist() == [0.35, 0.35]
    assert t.net_after.biases[1].tolist() == [0.60, 0.60]
    assert np.all(t.db[0] != 0) and np.all(t.db[1] != 0)  # computed, just not applied
    assert_printed(bc.evaluate(t.net_after, ex.X, ex.Y, ex.loss), "0.291027774")
    # the next step's "loss before the update" is the same number
    t2 = bc.train_step(t.net_after, ex.X, ex.Y, loss=ex.loss, lr=ex.lr, freeze_biases=True)
    assert_printed(t2.loss, "0.291027774")


def test_assert_printed_allows_exactly_one_unit_in_the_last_digit():
    assert_printed(0.5932699921, "0.593269992")
    assert_printed(0.593269993, "0.593269992")
    try:
        assert_printed(0.5932699935, "0.593269992")
    except AssertionError:
        pass
    else:
        raise AssertionError("a difference of 1.5 units in the last digit must fail")
