"""The vanishing lab's longer prose, built from the model's numbers where it names them."""

from viz.format import fmt

INTRO = (
    "On its way back from the output, the error signal is multiplied in every layer by the weights and "
    "by the activation's slope $f'(z)$. Here one deep network — same data, same starting weights — is "
    "trained once per activation, so you can **measure** how much gradient reaches the first layer: "
    "why sigmoid loses it whatever the initialisation, how much ReLU keeps with which initialisation, "
    "and how weights that start too large make it explode."
)

VANISHING_AND_EXPLODING = (
    "**Vanishing gradients:** the layers near the input receive gradients so small that gradient "
    "descent hardly moves their weights; they learn last, or never. **Exploding gradients:** the "
    "opposite, the gradient grows layer after layer on its way back and one update throws the weights "
    "far off. Both come from the same product: backprop computes "
    "$\\delta_l = (\\delta_{l+1} W_{l+1}^T) \\odot f'(z_l)$, one factor per layer, and "
    "$dW_l = a_{l-1}^T \\delta_l$."
)

DW_CARRIES_THE_INPUT = (
    "$\\|dW_l\\| = \\|a_{l-1}^T \\delta_l\\|$ also carries the size of the layer's input "
    "$a_{l-1}$, so the ‖dW‖ and ‖delta‖ ratios can differ: with relu and xavier init the "
    "activations shrink on the way forward as delta shrinks on the way back, and in dW the two "
    "partly cancel."
)

READ_A_HEATMAP = (
    "Read a heatmap column by column: each is one update, from layer 1 (bottom, next to the input) "
    "to the output layer (top). Dark = tiny gradient. The colour range is the same for every "
    "activation."
)

BOUND_TABLE_NOTE = (
    "*bound with the weights* = $\\prod_l (\\max f' \\cdot \\|W_l\\|_2)$ over layers 2 to the output "
    "layer, at initialisation. The measured ‖delta‖ ratio is never above it; it is often far below, "
    "because a random error signal is not lined up with each matrix's most-stretched direction and most "
    "$f'(z)$ sit below their maximum. The last column repeats section 1's ‖dW‖ ratio for comparison."
)


def why_text(depth: int, sigmoid_power: str) -> str:
    """Section 3's opening: what the slopes do to ``delta`` on its way back.

    ``sigmoid_power``: ``0.25 ** depth`` already written as LaTeX.
    """
    return (
        f"Follow the error signal from the output layer back to layer 1. In each of the {depth} hidden "
        "layers it is multiplied by that layer's weights and, unit by unit, by $f'(z)$. sigmoid' is never "
        "above 0.25, so if the weights neither stretched nor shrank the signal, layer 1 would receive at "
        f"most $0.25^{{{depth}}} = {sigmoid_power}$ of it."
    )


BOUND_TEXT = (
    "The weights multiply in too, so the bound that holds for any weights is, with $\\|W_l\\|_2$ the "
    "largest stretch of layer $l$'s weight matrix (its spectral norm, the largest singular value):\n\n"
    "$$\\|\\delta_1\\| \\le \\Big(\\prod_{l=2}^{\\text{out}} 0.25\\,\\|W_l\\|_2\\Big)\\,"
    "\\|\\delta_{\\text{out}}\\|$$\n\n"
    "because backprop computes $\\delta_{l-1} = (\\delta_l W_l^T) \\odot f'(z_{l-1})$: the matrix "
    "stretches by at most $\\|W_l\\|_2$, the element-wise factor by at most $\\max f'$ (Frobenius norms "
    "over the batch; for tanh and relu put 1 in place of 0.25). Weights whose spectral norm stays below 4 "
    "cannot make up for sigmoid's 0.25; larger ones can, in principle."
)


def why_relu_text(relu_xavier: float, relu_he: float, dw_xavier: float, depth: int) -> str:
    """Why relu helps, with the measured first/output ratios of relu's network under both inits.

    ``relu_xavier``, ``relu_he``: ``||delta_1|| / ||delta_out||`` at initialisation;
    ``dw_xavier``: ``||dW_1|| / ||dW_out||`` under xavier.
    """
    return (
        "**Why ReLU helps, and when.** relu'(z) is exactly 1 wherever a unit is active, so the slope "
        "takes nothing away there; whether the signal shrinks or grows is up to the weights (and how many "
        "units are active). he init's std √(2/width) keeps ‖delta‖ about the same size from layer to layer, "
        f"on average. Measured at initialisation with {depth} hidden layers: relu's ‖delta‖ layer 1 / output "
        f"is **{fmt(relu_he, 2)}** with he init but **{fmt(relu_xavier, 2)}** with xavier init, whose std is "
        f"√2 smaller. What survives under xavier is ‖dW‖ (ratio {fmt(dw_xavier, 2)}, section 1): the layer "
        "inputs shrink on the way forward as delta does on the way back. tanh' also reaches 1 (at z = 0): "
        "that is why tanh does far better than sigmoid, until its units saturate."
    )


WHAT_CLIPPING_CANNOT_DO = (
    "**What clipping by global norm cannot do.** It measures one norm over all the gradients and, when "
    "that is too large, multiplies *every* layer's gradient by the same factor. The step gets shorter, "
    "but the ratio between layers stays exactly as it was (compare the two lines on the left: parallel "
    "on the log axis). It never makes a gradient larger, so it does nothing for vanishing gradients: "
    "sigmoid's layer 1 still gets millions of times less than its output layer. And it leaves the huge "
    "activations of the forward pass alone. It stops one bad step; fixing the weight scale is the cure."
)

WHAT_HELPS = """
- **Initialisation.** xavier (Glorot) and he choose the weights' std from the layer's width so that a
  layer keeps the signal about the same size, forward and backward, *if its slope is about 1* (*Why?*
  below). No initialisation rescues sigmoid: its slope is at most 0.25 per layer (section 3). Compare
  relu with xavier and with he in section 1.
- **What ReLU costs: dead units.** A relu unit whose $z$ is negative for every input has derivative 0
  everywhere, gets no gradient, and stays off for good. A large learning rate can knock units there.
  leaky_relu keeps a slope of 0.01 for $z < 0$, so such units still receive a little gradient.
"""


INIT_WHY = (
    "**The slope each initialisation assumes.** xavier's derivation assumes $f'(0) = 1$ (tanh, or no "
    "activation), he's the relu slope of 1 on half the inputs."
)

MORE_HELPS = """
- **Normalisation.** Batch and layer normalisation re-centre and re-scale $z$ inside the network, which
  keeps it where $f'$ is large and the scale from drifting layer after layer.
- **Residual connections.** A layer that computes $a = x + F(x)$ gives the gradient a path around $F$
  with derivative 1, so it reaches early layers even when $F$'s own factors are small.
- **Gradient clipping** guards against a single exploding step; it does nothing for vanishing gradients.
"""


def adam_text(sgd_ratio: float, adam_ratio: float, lr: str, depth: int) -> str:
    """What Adam does to vanishing *update sizes*, with the measured layer-1 / output ratios."""
    return (
        "**Adaptive optimizers.** Adam divides each weight's step by the root of its recent squared "
        "gradients: that largely undoes vanishing *update sizes*, not vanishing gradients. On the sigmoid "
        f"network above ({depth} hidden layers, lr {lr}) layer 1 moves, relative to its size, "
        f"**{fmt(sgd_ratio, 2)}** times as far as the output layer under SGD and "
        f"**{fmt(adam_ratio, 2)}** times as far under Adam."
    )


ADAM_WHY = (
    "A weight whose gradient is a million times smaller still moves about lr per update under Adam (at most "
    "about lr, while its gradient keeps its sign and stays well above Adam's eps = 1e-8); the gradient "
    "itself is as small as before."
)
