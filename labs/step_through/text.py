"""The words of the step-through page: intro, per-phase explanations, notes, the Try-this task."""

from __future__ import annotations

from labs.step_through.model import TINY_SEED, Preset
from labs.step_through.model_classic import CLASSIC_SOURCE
from labs.step_through.model_session import GRADCHECK_TOLERANCE, Controls

_COUNT = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _count(n: int, what: str) -> str:
    return f"{_COUNT.get(n, n)} {what}{'' if n == 1 else 's'}"


def setup_description(preset: Preset, controls: Controls) -> str:
    """What the learner is stepping through, from the CURRENT settings (not the preset's defaults).

    ``"two inputs, two relu hidden units, two sigmoid outputs, half_sse, lr 0.5, biases trained"``.
    """
    sizes = preset.sizes
    train = "fixed" if preset.fixed_biases or not controls.train_biases else "trained"
    tail = f"{controls.loss}, lr {controls.lr:g}"
    if preset.name == "single weight":
        x, y = preset.X[0, 0], preset.Y[0, 0]
        model = "y = w · x" if controls.output == "linear" else f"y = {controls.output}(w · x)"
        return f"one input, one weight, no bias: {model}, with x = {x:g} and target {y:g}; {tail}"
    parts = [_count(sizes[0], "input")]
    hidden = sizes[1:-1]
    if hidden:
        widths = "-".join(map(str, hidden))
        units = _count(hidden[0], "hidden unit") if len(hidden) == 1 else f"{widths} hidden units"
        parts.append(f"{units.split(' ', 1)[0]} {controls.hidden} {units.split(' ', 1)[1]}")
    parts.append(f"{_COUNT.get(sizes[-1], sizes[-1])} {controls.output} output{'s' if sizes[-1] > 1 else ''}")
    text = ", ".join(parts) + f"; {tail}, biases {train}"
    if preset.name == "tiny classifier":
        text += (
            "; on the four XOR points (target 1 when exactly one input is 1), "
            f"starting weights from seed {TINY_SEED}"
        )
    elif preset.name == "custom":
        text += f"; layer sizes {'-'.join(map(str, sizes))}, starting weights and eight samples from the seed"
    return text


INTRO = (
    "A network learns by repeating one **iteration**: a *forward pass* turns the inputs into a prediction, "
    "the *loss* scores it, the *backward pass* works out how much each weight is to blame, and the "
    "*update* nudges every weight against its blame. Here you run a single iteration one phase at a "
    "time and see every number the engine computes — on the network, in the equations and in tables."
)

PHASE_TEXT: dict[str, str] = {
    "ready": (
        "**Ready.** The inputs are in place and the weights are set, but nothing has been computed. "
        "Look at the weights on the edges, then press **Forward**."
    ),
    "forward": (
        "**Forward pass.** Each neuron adds up its inputs, each multiplied by the weight of its edge, "
        "plus its bias: that is `z`. Then its activation function turns `z` into its output `a`. Layer by "
        "layer the inputs become a prediction. The engine keeps every `z` and `a`: the backward pass will "
        "need them. *Look at:* click a neuron (or pick it below the diagram) to see its sum worked out."
    ),
    "loss": (
        "**Loss.** One number scores the prediction against the target: large when they are far apart, "
        "zero when they agree. Training means making it smaller. *Look at:* the output neurons show "
        "prediction `a` next to target `y`; which output is furthest off?"
    ),
    "backward": (
        "**Backward pass.** Which weights are to blame, and by how much? This is *credit assignment*. "
        "The error signal `delta = dL/dz` starts at the output and travels back one layer at a time: a "
        "neuron's delta adds up the deltas of the neurons it feeds, weighted by the connecting weights, "
        "times the slope of its own activation. Each weight's gradient is then its input times the delta "
        "it feeds: `dL/dw = a_prev · delta`. One sweep gives the gradient of every weight. *Look at:* "
        "the grey layers are not reached yet; watch how the size of delta changes from layer to layer."
    ),
    "update": (
        "**Update.** Every weight takes a small step against its gradient: `w ← w − lr · dL/dw`. A "
        "positive gradient means more weight would raise the loss, so the weight goes down, and the other "
        "way round. The step is `lr · |dL/dw|` long: the learning rate scales the gradient, so a weight "
        "with a steep gradient moves further. *Look at:* the loss after the update, and which weights "
        "moved most. Press **Forward** to start the next iteration from the new weights."
    ),
}

CLASSIC_CLAIM = (
    f"**This preset reproduces the published walk-through** ({CLASSIC_SOURCE}) **digit for digit** "
    "(with its own settings: "
    "sigmoid, half squared error, lr 0.5, biases fixed): total error 0.298371109, dE/dw5 = 0.082167041, "
    "new w5 = 0.35891648, dE/dw1 = 0.000438568, new w1 = 0.149780716. Every printed value is checked under "
    "*About the published numbers*, below the stepper."
)

CLASSIC_NOTE = (
    f"The walk-through is {CLASSIC_SOURCE}. It closes with a summary: after the first update the "
    "error is 0.291027924, and after "
    "10,000 updates it is 0.0000351085. Those figures do **not** follow from its own walk-through. Feed "
    "the walk-through's updated weights (the ones checked above) forward again and the error is "
    "**{frozen_one}**: that is what the algorithm gives, and what this page shows after one update. The "
    "summary came from an older version of the author's script. The engine reproduces the summary's "
    "0.291027924 exactly (**{stale_one}**) if each hidden layer's delta is computed with the output "
    "weights *already updated* — the order the walk-through itself tells you not to use, since every "
    "gradient must come from the weights of the forward pass. The difference is small here because "
    "one step changes w5..w8 only a little."
)

CLASSIC_BIAS_NOTE = (
    "**Which bias convention each number uses.** The walk-through keeps its biases fixed: "
    "**{frozen_one}** after one update. Its network has **one bias per layer, shared** by the "
    "layer's neurons (0.35 for both hidden units, 0.60 for both outputs); trained that way, a shared "
    "bias feeds every neuron of its layer, so its gradient is the **sum of the layer's deltas**, and "
    "the first step gives **{shared_one}**. This app gives **each neuron its own bias** with "
    "`dL/db = delta` (the convention of PyTorch's `nn.Linear`); turn on *Update the biases* and the "
    "first step gives **{per_neuron_one}**."
)

SATURATION_TEXT = (
    "A sigmoid output that is confidently wrong sits on a flat part of its curve: `z` far from 0, "
    "slope `σ'(z)` almost 0. With squared error the output delta is `2(a − y) · σ'(z)`, so the tiny slope "
    "throttles the error signal and the unit learns slowly exactly when it is most wrong. With "
    "cross-entropy the slope cancels and the delta is simply `a − y`. Move `z` into the flat part and "
    "compare. (Every number is the engine's: a one-weight sigmoid unit run through `compute_loss`.)"
)

GRADCHECK_TEXT = (
    "A gradient check nudges each parameter by a tiny ε up and down and measures how the loss changes: "
    "`(L(p + ε) − L(p − ε)) / 2ε`. It needs **two extra forward passes per parameter**. Backprop gets "
    "every gradient from **one forward and one backward pass**. That difference, for networks with "
    "millions of parameters, is why backprop exists."
)

GRADCHECK_RULE = (
    "Relative error per parameter: `|g_backprop − g_numeric| / max(|g_backprop| + |g_numeric|, 1e-12)`. "
    f"The two agree when every relative error is below **{GRADCHECK_TOLERANCE:g}**."
)

TRY_THIS = (
    "**Predict, then check.** Pick the *classic 2-2-2* preset and press **Forward** and **Loss**. Before "
    "you press **Backward**, predict: will w5 (h1 → o1) go up or down in the update, and will the gradient "
    "of w1 be larger or smaller than that of w5? Turn on **Quiz me**, pick w5, and type your dL/dw5 from "
    "the numbers on screen. Then try the learning rate 10 on the *single weight* preset: what happens to "
    "the loss after two or three iterations, and why?"
)
