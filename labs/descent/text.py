"""The gradient descent lab's prose: what each section says, built from the model's constants.

Short on the page; derivations and caveats go into the "Why?" expanders (``*_WHY``).
"""

from __future__ import annotations

from labs.descent.model import CriticalRates, Regime
from labs.descent.model_surfaces import NEURON_X, RAVINE_CURVATURES
from viz.format import fmt

VANISHING_PAGE = "pages/5_Vanishing_gradients.py"
N_SAMPLES = len(NEURON_X)
# the ravine's curvatures, as the prose names them
C_ALONG, C_ACROSS = (float(c) for c in RAVINE_CURVATURES)

INTRO = (
    "Backpropagation gives every weight its gradient; the **optimizer** turns the gradients into a step. "
    "This page shows what that step does: how the learning rate decides between crawling, converging, "
    "oscillating and blowing up, how momentum and Adam change the path, what the batch size does to it, "
    "and why a PyTorch loop must reset its gradients before every backward pass."
)


def one_weight_text(x: float, y: float, w_star: float, rates: CriticalRates) -> str:
    return (
        f"One weight, one sample: $a = w\\,x$, $x = {x:g}$, target $y = {y:g}$, best $w^* = {fmt(w_star)}$. "
        f"The loss $(w x - y)^2$ (the engine's `mse`, **no ½**) has curvature $L'' = 2x^2 = "
        f"{fmt(rates.curvature)}$. Each step $w \\leftarrow w - lr \\cdot dL/dw$ multiplies the distance "
        "to $w^*$ by $r = 1 - lr \\cdot L''$, so the **critical learning rates** are "
        f"$1/L'' = {fmt(rates.one_step)}$ (one step lands on $w^*$) and $2/L'' = {fmt(rates.bounce)}$ (it "
        "bounces forever; above, it diverges)."
    )


def one_weight_why(x: float, rates: CriticalRates, half: CriticalRates) -> str:
    c = fmt(C_ACROSS)
    return (
        f"**The step as a multiplication.** The slope is $dL/dw = 2x(wx - y) = L''\\,(w - w^*)$, a straight "
        "line through $w^*$. So $w - lr\\,L''(w - w^*) - w^* = (1 - lr\\,L'')(w - w^*)$: each step "
        "multiplies the distance by $r$. For $0 < r < 1$ the iterates approach from one side, for "
        "$-1 < r < 0$ they overshoot and oscillate inward, for $r < -1$ they overshoot further every "
        "step.\n\n"
        f"**The ½ convention.** With $L = \\tfrac12 (wx - y)^2$ the slope and the curvature halve "
        f"($L'' = x^2 = {fmt(half.curvature)}$), so both critical rates double: one step at "
        f"{fmt(half.one_step)}, bouncing at {fmt(half.bounce)}. Which loss a formula uses matters.\n\n"
        "**Many weights.** Near a minimum the loss is a bowl whose curvature differs by direction: the "
        "Hessian (the matrix of second derivatives) has one curvature $\\lambda$ per eigenvector. Plain "
        "gradient descent multiplies the distance along each eigenvector by $1 - lr\\,\\lambda$, so it "
        "converges only if $lr < 2/\\lambda_{\\max}$: the steepest direction sets the limit. The ravine "
        f"of section 2 has $\\lambda_{{\\max}} = {c}$, so its limit is $2/{c} = {fmt(2 / C_ACROSS)}$. "
        "With momentum $\\beta$ the limit moves to $lr < 2(1 + \\beta)/\\lambda_{\\max}$ "
        f"({fmt(2 * 1.9 / C_ACROSS)} on the ravine at $\\beta = 0.9$)."
    )


SURFACES_LEAD = (
    "Three of PyTorch's update rules from the same start, each with its own learning rate: **SGD** steps "
    "against the gradient, **momentum** against a running sum of gradients, **Adam** at most about $lr$ "
    "per coordinate whatever the gradient's size (the rules: *Why?*)."
)

# the rules themselves: in the Why? expander under the lead (text diet, issue 12)
SURFACES_TEXT = (
    "Three of PyTorch's update rules walk down the landscape from the same start, each with its own "
    "learning rate ($g$ is the gradient): **SGD** $w \\leftarrow w - lr\\, g$; **momentum** "
    "$v \\leftarrow \\beta v + g$, $w \\leftarrow w - lr\\, v$ (on a steady slope an effective learning "
    "rate of $lr/(1-\\beta)$, 10 × lr at $\\beta = 0.9$); **Adam** "
    "$w \\leftarrow w - lr\\, \\hat m / (\\sqrt{\\hat v} + 10^{-8})$ with running averages $\\hat m$ of $g$ "
    "and $\\hat v$ of $g^2$ per coordinate: a step of at most about $lr$ per coordinate whatever the "
    "slope's size, close to $lr$ only while that coordinate's gradient keeps its sign."
)

# the surfaces' formulas in plain text, for chart titles (Plotly draws no LaTeX here)
SURFACE_FORMULAS = {
    "single neuron (w, b)": f"L = mean bce of σ(w x + b) over {N_SAMPLES} points",
    "ravine": "L = ½ (w₁² + 40 w₂²)",
    "curved valley": "L = (1 − w₁)² + 10 (w₂ − w₁²)²",
}

SURFACES_WHY = (
    "**Which way is down.** The gradient is at right angles to the contour line through a point (on "
    "axes drawn to the same scale) and points uphill; every rule here steps against it.\n\n"
    "**Momentum.** $v$ (PyTorch's momentum buffer) is a sum of past gradients with weights "
    "$1, \\beta, \\beta^2, \\dots$ Where the gradient stays the same, $v \\to g/(1 - \\beta)$ and the "
    "step is $lr/(1-\\beta)$ times the gradient; where it flips sign every step, the terms "
    "cancel and the step shrinks towards $lr/(1+\\beta)$ times it. On a quadratic the iterates "
    "converge only if $lr < 2(1+\\beta)/\\lambda_{\\max}$ (section 1's *Why?*).\n\n"
    "**Adam** keeps, per coordinate, $m \\leftarrow \\beta_1 m + (1-\\beta_1) g$ and "
    "$v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2$ (a different $v$ from momentum's), divides them by "
    "$1 - \\beta_1^t$ and $1 - \\beta_2^t$ to undo their start at 0, and steps "
    "$lr\\,\\hat m/(\\sqrt{\\hat v} + 10^{-8})$. While a coordinate's gradient keeps its sign and size, "
    "$\\hat m \\approx g$ and $\\sqrt{\\hat v} \\approx |g|$: the step is about $lr$ whether $|g|$ is "
    "0.001 or 1000. When the gradient changes sign, $\\hat m$ averages towards 0 and the step is "
    "smaller. Two caveats: right after a gradient jumps from tiny to large the step can briefly "
    "reach $lr\\,(1-\\beta_1)/\\sqrt{1-\\beta_2}$ (about $3.2\\,lr$ at the default 0.9 and 0.999), "
    "and where $|g|$ is near $10^{-8}$ the $10^{-8}$ makes it smaller than $lr$. Because it does not "
    "shrink with $|g|$, Adam largely undoes the vanishing *update sizes* of deep networks (the "
    "gradients still vanish; the steps do not)."
)

BATCHES_TEXT = (
    f"The negative gradient on all {N_SAMPLES} samples (**full batch**) points the steepest way down; "
    "one from a **mini-batch** of $b$ samples or from **one sample at a time** is cheaper but noisy. "
    "Plain SGD with the same lr and start for all three; samples reshuffled every epoch."
)

BATCHES_WHY = (
    "An **iteration** is one update from one batch; an **epoch** is one pass over all "
    f"{N_SAMPLES} samples (1, ⌈{N_SAMPLES}/b⌉ or {N_SAMPLES} iterations).\n\n"
    "**Per iteration** the full batch follows the true gradient, so each of its steps is the most "
    "reliable one. **Per epoch** (the same number of per-sample gradients computed) small batches make "
    "many more updates and usually get further, at the price of a noisy path: with a constant learning "
    "rate it keeps jittering near the minimum instead of settling on it (a learning rate that decays "
    "over time lets it settle). A mini-batch gradient is an unbiased estimate of the full-batch one: "
    "right on average, off in any one batch."
)

ZERO_GRAD_TEXT = (
    "In PyTorch every parameter keeps its gradient in `.grad`; `loss.backward()` **adds** the new "
    "gradient to what is stored there and `optimizer.step()` uses the stored value. Unless the loop "
    "calls `optimizer.zero_grad()` before each backward pass, every step uses the sum of all gradients so "
    "far: that is momentum with $\\beta = 1$ ($v \\leftarrow v + g$), which nothing damps."
)

ZERO_GRAD_WHY = (
    "TensorFlow's `GradientTape` and JAX's `jax.grad` have no such store: each call returns a fresh "
    "gradient, so there is nothing to reset. In PyTorch the sum is kept on purpose, for accumulation "
    "(below). With $\\beta = 1$ momentum's limit $2(1+\\beta)/\\lambda_{\\max}$ is $4/L''$: below "
    "it the weight keeps swinging around $w^*$ forever, neither settling nor growing; above it the "
    "swings grow."
)


def zero_grad_result(forget: bool, w_star: float, regime: Regime) -> str:
    """What the chosen loop does; ``regime`` is plain gradient descent's at this lr (section 1)."""
    if forget:
        return (
            "**Gradients never reset**: the stored gradient is the running sum of every backward pass, so "
            f"after the weight passes $w^* = {fmt(w_star)}$ the old negative gradients keep pushing it "
            "further; the weight swings around $w^*$ and the loss keeps coming back up instead of settling."
        )
    does = (
        f"heads for $w^* = {fmt(w_star)}$ and settles there, given enough steps"
        if regime.converges
        else f"bounces between two points forever: lr = {fmt(regime.lr)} is exactly $2/L''$ (section 1)"
    )
    return (
        "**Gradients reset every step**: the stored gradient is this step's gradient alone, and the weight "
        f"{does}. Flip the toggle to see what forgetting does."
    )


ACCUMULATION_TEXT = (
    "When a batch is too big to fit in memory, accumulation is exactly what you want: split it into "
    "$k$ mini-batches, run backward on each without resetting, then take one step. Our loss is the "
    "**mean** over a batch, so the full-batch loss is each mini-batch's loss weighted by its share of "
    "the samples, $L = \\sum_i \\frac{m_i}{n} L_i$, and the gradient of a sum is the sum of the "
    "gradients. In PyTorch that is `(loss * m_i / n).backward()` per mini-batch (or `loss / k` when all "
    f"batches are equal). Below: the neuron of sections 2 and 3 at its default start, {N_SAMPLES} samples."
)

TRY_THIS = (
    "**Predict, then check.** The ravine in section 2 is $L = \\tfrac12(w_1^2 + 40\\,w_2^2)$: its "
    "curvature is 1 along $w_1$ and 40 across. Using section 1's rule, at what SGD learning rate will "
    "the path stop converging across the ravine, and what will it do exactly at that rate? Choose "
    "*ravine*, set the SGD learning rate to 0.045 and then to 0.05, and watch the $w_2$ zigzag. Then "
    "predict whether momentum with lr = 0.01 will reach the threshold in fewer steps than SGD at 0.045, "
    "and check in the table."
)
