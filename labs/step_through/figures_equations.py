"""LaTeX for the step-through page, with the engine's numbers substituted.

Every function takes engine objects (a ``StepTrace``, a ``WeightExplanation``) and returns
``Equation`` items: a LaTeX string and, optionally, a sentence saying what the line means. Only
numbers the engine computed are printed; the page never redoes the arithmetic itself.
``names[c][k]`` is the name of neuron k in diagram column c (0 = input); ``weight_names`` maps
``(layer, i, j)`` to a name such as ``w5`` where the preset has one.
"""

from __future__ import annotations

from collections.abc import Sequence

from backprop_core.activations import ACTIVATIONS
from backprop_core.explain import WeightExplanation
from backprop_core.trace import StepTrace
from labs.step_through.figures_latex import Equation, Terms, equation
from labs.step_through.model import ParamRef
from viz.format import tex_name, tex_num

_ACT_TEX = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\mathrm{relu}",
    "leaky_relu": r"\mathrm{leaky}",
    "linear": r"\mathrm{id}",
    "softmax": r"\mathrm{softmax}",
}


def param_tex(param: ParamRef, names: Sequence[Sequence[str]], weight_names: dict | None = None) -> str:
    """``w_{5}`` where the preset names it, else ``w_{h_{1} \\to o_{1}}``; ``b_{h_{1}}`` for a bias."""
    layer, i, j = param
    if i is None:
        return f"b_{{{tex_name(names[layer + 1][j])}}}"
    if weight_names and param in weight_names:
        return tex_name(weight_names[param])
    return rf"w_{{{tex_name(names[layer][i])} \to {tex_name(names[layer + 1][j])}}}"


def value_tex(names: Sequence[Sequence[str]], column: int, k: int) -> str:
    """The symbol of what neuron k of ``column`` passes on: ``i_{1}`` for an input, ``a_{h_{1}}`` else."""
    name = tex_name(names[column][k])
    return name if column == 0 else f"a_{{{name}}}"


def _d(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _times(*factors: str) -> str:
    return r" \times ".join(factors)


# -- forward ----------------------------------------------------------------------------------------


def neuron_equations(
    trace: StepTrace,
    names: Sequence[Sequence[str]],
    column: int,
    k: int,
    sample: int = 0,
    weight_names: dict | None = None,
    with_bias: bool = True,
) -> list[Equation]:
    """``z = sum w * a + b`` and ``a = f(z)`` for neuron k of diagram ``column`` (>= 1).

    ``with_bias=False`` for a model without a bias (y = w * x): the sum has no ``+ b`` term.
    """
    net = trace.net_before
    if column == 0:
        x = trace.x[sample, k]
        return [Equation(f"{tex_name(names[0][k])} = {tex_num(x)}", "an input: given, not computed")]
    l = column - 1
    me = tex_name(names[column][k])
    a_prev = trace.forward.a_prev(l)[sample]
    W, b = net.weights[l], net.biases[l]
    symbols = [
        f"{param_tex((l, i, k), names, weight_names)}\\,{value_tex(names, l, i)}" for i in range(W.shape[0])
    ]
    numbers = [f"{tex_num(W[i, k], True)} \\times {tex_num(a_prev[i], True)}" for i in range(W.shape[0])]
    bias = param_tex((l, None, k), names)
    z = trace.z[l][sample, k]
    a = trace.a[l][sample, k]
    act = net.activations[l]
    f = _ACT_TEX[act]
    if with_bias:
        symbols, numbers = [*symbols, bias], [*numbers, tex_num(b[k], True)]
        note = "weighted sum of the previous layer's activations, plus the bias"
    else:
        note = "the input times the weight (this model has no bias)"
    eqs = [equation(note, f"z_{{{me}}}", Terms(tuple(symbols)), Terms(tuple(numbers)), tex_num(z))]
    if act == "softmax":
        zs = trace.z[l][sample]
        denom = " + ".join(f"e^{{{tex_num(v)}}}" for v in zs)
        eqs.append(
            Equation(
                rf"a_{{{me}}} = \frac{{e^{{z_{{{me}}}}}}}{{\sum_j e^{{z_j}}}} = "
                rf"\frac{{e^{{{tex_num(z)}}}}}{{{denom}}} = {tex_num(a)}",
                "softmax: each output depends on every z of its layer; the outputs sum to 1",
            )
        )
    else:
        eqs.append(
            Equation(
                f"a_{{{me}}} = {f}(z_{{{me}}}) = {f}({tex_num(z)}) = {tex_num(a)}",
                "a linear activation passes z on unchanged"
                if act == "linear"
                else f"the activation turns z into the neuron's output; here ${ACTIVATIONS[act].formula}$",
            )
        )
    return eqs


# -- loss ---------------------------------------------------------------------------------------------


def _sample_loss_terms(
    loss_name: str, a: Sequence[float], y: Sequence[float], out: Sequence[str]
) -> tuple[str, str]:
    """The symbolic and numeric form of one sample's loss."""
    k = len(a)
    pairs = list(zip(a, y, out, strict=True))
    if loss_name in ("half_sse", "mse"):
        sym = " + ".join(f"(a_{{{n}}} - y_{{{n}}})^2" for _, _, n in pairs)
        nums = " + ".join(f"({tex_num(av)} - {tex_num(yv, True)})^2" for av, yv, _ in pairs)
        pre = r"\tfrac{1}{2}" if loss_name == "half_sse" else (rf"\tfrac{{1}}{{{k}}}" if k > 1 else "")
    elif loss_name == "bce":
        sym = " + ".join(
            rf"y_{{{n}}} \log a_{{{n}}} + (1 - y_{{{n}}}) \log(1 - a_{{{n}}})" for _, _, n in pairs
        )
        nums = " + ".join(
            rf"{tex_num(yv)} \log {tex_num(av)} + (1 - {tex_num(yv)}) \log(1 - {tex_num(av)})"
            for av, yv, _ in pairs
        )
        pre = "-" + (rf"\tfrac{{1}}{{{k}}}" if k > 1 else "")
    else:
        sym = " + ".join(rf"y_{{{n}}} \log a_{{{n}}}" for _, _, n in pairs)
        nums = " + ".join(rf"{tex_num(yv)} \log {tex_num(av)}" for av, yv, _ in pairs)
        pre = "-"
    return rf"{pre}\left[{sym}\right]", rf"{pre}\left[{nums}\right]"


def loss_equations(trace: StepTrace, names: Sequence[Sequence[str]], sample: int = 0) -> list[Equation]:
    """The loss of the sample shown, then of the batch (the mean over samples)."""
    lt = trace.loss_trace
    out = [tex_name(n) for n in names[-1]]
    m = lt.m
    a, y = trace.output[sample], lt.y[sample]
    sym, nums = _sample_loss_terms(lt.name, a, y, out)
    who = f"L_{{{sample + 1}}}" if m > 1 else "L"
    eqs = [
        equation(
            f"the {lt.name} loss of {'sample ' + str(sample + 1) if m > 1 else 'this sample'}: "
            "how far the prediction a is from the target y",
            who,
            sym,
            nums,
            tex_num(lt.per_sample[sample]),
        )
    ]
    if m > 1:
        terms = Terms(tuple(tex_num(v) for v in lt.per_sample), rf"\frac{{1}}{{{m}}}\Big(", r"\Big)")
        eqs.append(
            equation(
                "the batch loss is the mean of the samples' losses",
                "L",
                rf"\frac{{1}}{{{m}}}\sum_{{s=1}}^{{{m}}} L_s",
                terms,
                tex_num(lt.data_loss),
            )
        )
    return eqs


# -- chain rule ----------------------------------------------------------------------------------------


def _mean_divisor(loss_name: str, m: int, k: int) -> int:
    """What the output's dL/da (and delta) is divided by because L is a mean: m samples, and m*k
    for mse and bce, which also average over the k outputs."""
    return m * k if loss_name in ("mse", "bce") else m


def mean_note(loss_name: str, m: int, k: int) -> str:
    """``"divided by m = 4 because L is a mean"`` (``m*k`` for mse and bce), or ``""`` when 1."""
    d = _mean_divisor(loss_name, m, k)
    if d == 1:
        return ""
    what = "m·k" if loss_name in ("mse", "bce") and k > 1 else "m"
    over = " over the samples and outputs" if what == "m·k" else ""
    return f"; divided by {what} = {d} because L is a mean{over}"


def _dL_da_formula(loss_name: str, me: str, d: int) -> str:
    a, y = f"a_{{{me}}}", f"y_{{{me}}}"
    scale = f"{d}" if d > 1 else ""
    if loss_name == "mse":
        return rf"\frac{{2\,({a} - {y})}}{{{scale}}}" if scale else rf"2\,({a} - {y})"
    if loss_name == "half_sse":
        return rf"\frac{{{a} - {y}}}{{{scale}}}" if scale else rf"{a} - {y}"
    if loss_name == "bce":
        denom = rf"{a}\,(1 - {a})" + (rf"\cdot {scale}" if scale else "")
        return rf"\frac{{{a} - {y}}}{{{denom}}}"
    return rf"-\frac{{{y}}}{{{a}" + (rf"\cdot {scale}" if scale else "") + "}"


def _over(body: str, d: int) -> str:
    return rf"\frac{{{body}}}{{{d}}}" if d > 1 else body


def _softmax_delta(
    e: WeightExplanation, trace: StepTrace, me: str, s: int, d: int, shown: float, who: str
) -> list[Equation]:
    """delta_j of a softmax output under cross-entropy: a sum over every output k, not a product of
    two scalars. ``d``: the divisor of the mean (1 for per-sample deltas); ``shown``: delta's value."""
    j = e.j
    a, y = trace.output[s], trace.loss_trace.y[s]
    dL_da = _over("-y_k", d) + r"\cdot\frac{1}{a_k}"
    jac = rf"a_k\,(\mathbb{{1}}[k = {me}] - a_{{{me}}})"
    collapsed = _over(rf"-y_{{{me}}} + a_{{{me}}}\sum_k y_k", d)
    general = (
        rf"\delta_{{{me}}} = \sum_k \frac{{\partial L}}{{\partial a_k}}\,"
        rf"\frac{{\partial a_k}}{{\partial z_{{{me}}}}} = \sum_k \Big({dL_da}\Big)\,{jac} = {collapsed}"
    )
    symbols = _over(rf"a_{{{me}}} - y_{{{me}}}", d)
    numbers = _over(f"{tex_num(a[j])} - {tex_num(y[j], True)}", d)
    return [
        Equation(
            general,
            "softmax has no slope of its own: every a_k depends on every z, so delta sums over all "
            "outputs k, with the softmax derivative da_k/dz_j = a_k (1[k = j] − a_j)",
        ),
        Equation(
            rf"\sum_k y_k = 1 \;\Rightarrow\; \delta_{{{me}}} = {symbols} = {numbers} = {tex_num(shown)}",
            "the sum collapses to a − y because the one-hot targets sum to 1"
            + mean_note("cross_entropy", d, 1)
            + who,
        ),
    ]


def chain_rule(
    e: WeightExplanation,
    trace: StepTrace,
    names: Sequence[Sequence[str]],
    sample: int = 0,
    weight_names: dict | None = None,
    per_sample: bool = False,
) -> list[Equation]:
    """``dL/dw = delta * dz/dw`` for one parameter, every factor with its number.

    For a hidden neuron ``dL/da`` is the sum over the paths to the next layer (the delta
    recursion); at an output neuron it is the derivative of the loss (at a softmax output, a
    sum over the outputs). With a batch, the factors are those of sample ``sample`` and the last
    line adds up every sample. ``per_sample``: show each sample's own delta (``m * delta``, the
    textbook convention that averages inside dW: Nielsen's BP1-BP4, CS231n) instead of the
    engine's, which already carries the 1/m of the mean.
    """
    s = sample
    m = e.m
    f = m if per_sample else 1  # the per-sample delta is m times the engine's
    l, j = e.layer, e.j
    col = l + 1
    me = tex_name(names[col][j])
    w = param_tex((l, e.i, j), names, weight_names)
    a_sym, z_sym = f"a_{{{me}}}", f"z_{{{me}}}"
    lt = trace.loss_trace
    k_out = trace.y.shape[1]
    d_mean = 1 if per_sample else _mean_divisor(lt.name, m, k_out)
    d_note = "" if per_sample else mean_note(lt.name, m, k_out)
    if per_sample and lt.name in ("mse", "bce") and k_out > 1:
        d_mean, d_note = k_out, f"; divided by k = {k_out} because {lt.name} averages over the outputs"
    act = ACTIVATIONS[e.activation]
    softmax_out = e.is_output and e.activation == "softmax"
    chain = (
        rf"{_d('L', z_sym)} \cdot {_d(z_sym, w)}"
        if softmax_out
        else rf"{_d('L', a_sym)} \cdot {_d(a_sym, z_sym)} \cdot {_d(z_sym, w)}"
    )
    eqs = [
        equation(
            "the chain rule: the weight changes z, and z changes the loss through every output it feeds; "
            r"$\delta = \partial L / \partial z$ collects everything after z",
            _d("L", w),
            chain,
            rf"\delta_{{{me}}} \cdot {_d(z_sym, w)}",
        )
    ]
    who = f" (sample {s + 1})" if m > 1 else ""
    # said once, on the line that forms delta
    ps_note = f"; the per-sample delta, m = {m} times the engine's" if per_sample and m > 1 else ""
    if e.is_output and e.shortcut and softmax_out:
        eqs.extend(_softmax_delta(e, trace, me, s, d_mean, e.delta[s] * f, who + ps_note))
    elif e.is_output and e.shortcut:
        symbols = _over(f"a_{{{me}}} - y_{{{me}}}", d_mean)
        numbers = _over(f"{tex_num(trace.output[s, j])} - {tex_num(lt.y[s, j], True)}", d_mean)
        eqs.append(
            equation(
                "at a sigmoid output with bce, dL/da = (a − y) / (a (1 − a)) and the slope σ'(z) = a (1 − a) "
                "cancel, leaving the error a − y" + d_note + who + ps_note,
                rf"\delta_{{{me}}}",
                rf"{_d('L', a_sym)} \cdot \sigma'({z_sym})",
                symbols,
                numbers,
                tex_num(e.delta[s] * f),
            )
        )
    else:
        if e.is_output:
            formula = _dL_da_formula(lt.name, me, d_mean)
            eqs.append(
                Equation(
                    rf"{_d('L', a_sym)} = {formula} = {tex_num(e.dL_da[s] * f)}",
                    f"how the loss changes with this output{who}: the derivative of {lt.name}" + d_note,
                )
            )
        else:
            next_col = col + 1
            syms, nums = [], []
            for p in e.paths:
                wk = param_tex((l + 1, j, p.k), names, weight_names)
                dk = rf"\delta_{{{tex_name(names[next_col][p.k])}}}"
                syms.append(f"{wk}\\,{dk}")
                nums.append(f"{tex_num(p.weight, True)} \\times {tex_num(p.delta_next[s] * f, True)}")
            eqs.append(
                equation(
                    "the delta recursion: this neuron feeds every neuron of the next layer, so its share of "
                    "the blame adds up the deltas there, each weighted by the connecting weight (those "
                    "deltas were computed one step earlier in the backward pass)" + who,
                    _d("L", a_sym),
                    rf"\sum_k w_{{{me} \to k}}\,\delta_k",
                    Terms(tuple(syms)),
                    Terms(tuple(nums)),
                    tex_num(e.dL_da[s] * f),
                )
            )
        eqs.append(
            Equation(
                rf"{_d(a_sym, z_sym)} = f'({z_sym}) = f'({tex_num(trace.z[l][s, j])})"
                rf" = {tex_num(e.da_dz[s])}",
                f"the slope of {e.activation} at this neuron's z: ${act.derivative}$",
            )
        )
        product = _times(tex_num(e.dL_da[s] * f, True), tex_num(e.da_dz[s], True))
        eqs.append(
            equation(
                "this neuron's error signal delta = dL/dz" + who + ps_note,
                rf"\delta_{{{me}}}",
                rf"{_d('L', a_sym)} \cdot {_d(a_sym, z_sym)}",
                product,
                tex_num(e.delta[s] * f),
            )
        )
    if e.i is None:
        eqs.append(Equation(rf"{_d(z_sym, w)} = 1", "z = ... + b, so the bias moves z one for one"))
    else:
        src = value_tex(names, l, e.i)
        eqs.append(
            Equation(
                rf"{_d(z_sym, w)} = {src} = {tex_num(e.dz_dw[s])}",
                "z = ... + w · (its input) + ..., so the weight moves z by the input it multiplies" + who,
            )
        )
    eqs.append(
        equation(
            "multiplied out" + who,
            _d("L", w) + ("|_{" + str(s + 1) + "}" if m > 1 else ""),
            rf"\delta_{{{me}}} \cdot {_d(z_sym, w)}",
            _times(tex_num(e.delta[s] * f, True), tex_num(e.dz_dw[s], True)),
            tex_num(e.per_sample[s] * f),
        )
    )
    if m > 1:
        terms = tuple(tex_num(v * f, True) for v in e.per_sample)
        if per_sample:
            eqs.append(
                equation(
                    "the batch gradient averages the samples' shares: the textbook convention (Nielsen's "
                    "BP1-BP4, CS231n) puts the 1/m of the mean here, in dW, not in delta",
                    _d("L", w),
                    rf"\frac{{1}}{{{m}}}\sum_{{s=1}}^{{{m}}} \delta_{{{me},s}} \cdot {_d(z_sym, w)}\Big|_s",
                    Terms(terms, rf"\frac{{1}}{{{m}}}\Big(", r"\Big)"),
                    tex_num(e.gradient),
                )
            )
        else:
            eqs.append(
                equation(
                    "the batch gradient adds every sample's share (each delta was already divided by "
                    "m because L is a mean)",
                    _d("L", w),
                    rf"\sum_{{s=1}}^{{{m}}} \delta_{{{me},s}} \cdot {_d(z_sym, w)}\Big|_s",
                    Terms(terms),
                    tex_num(e.gradient),
                )
            )
    return eqs


def update_equation(
    e: WeightExplanation,
    names: Sequence[Sequence[str]],
    weight_names: dict | None = None,
    frozen: bool = False,
) -> Equation:
    """``w <- w - lr * dL/dw`` with the numbers (a frozen bias keeps its value)."""
    w = param_tex((e.layer, e.i, e.j), names, weight_names)
    if frozen and e.i is None:
        return Equation(
            rf"{w} = {tex_num(e.weight)} \quad \text{{(frozen: not updated)}}",
            "this preset keeps its biases fixed, as the original example does",
        )
    return Equation(
        rf"{w} \leftarrow {w} - \text{{lr}} \cdot {_d('L', w)} = {tex_num(e.weight)} - "
        rf"{tex_num(e.lr)} \times {tex_num(e.gradient, True)} = {tex_num(e.new_weight)}",
        "a step against the gradient, of length lr · |dL/dw|: downhill on the loss",
    )
