"""The words of the step-through page: intro, per-phase explanations, notes, the Try-this task."""

from __future__ import annotations

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
        "way round. The learning rate `lr` sets the step size. *Look at:* the loss after the update, and "
        "which weights moved most. Press **Forward** to start the next iteration from the new weights."
    ),
}

CLASSIC_CLAIM = (
    "**This preset reproduces the published walk-through digit for digit** (with its own settings: "
    "sigmoid, half squared error, lr 0.5, biases fixed): total error 0.298371109, dE/dw5 = 0.082167041, "
    "new w5 = 0.35891648, dE/dw1 = 0.000438568, new w1 = 0.149780716. Every printed value is checked under "
    "*About the published numbers*, below the stepper."
)

CLASSIC_NOTE = (
    "The original closes with a summary: after the first update the error is 0.291027924, and after "
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
    "The original keeps its biases fixed. If the biases are trained too (turn on *Update the biases* in "
    "the sidebar), the same first step gives an error of **{trained_one}** instead of {frozen_one}: each "
    "bias gets its own gradient, `dL/db = delta`, and moving it lowers the loss further."
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
    "millions of parameters, is why backprop exists. A relative error below about 1e-6 means the two agree."
)

TRY_THIS = (
    "**Predict, then check.** Pick the *classic 2-2-2* preset and press **Forward** and **Loss**. Before "
    "you press **Backward**, predict: will w5 (h1 → o1) go up or down in the update, and will the gradient "
    "of w1 be larger or smaller than that of w5? Turn on **Quiz me**, pick w5, and type your dL/dw5 from "
    "the numbers on screen. Then try the learning rate 10 on the *single weight* preset: what happens to "
    "the loss after two or three iterations, and why?"
)
