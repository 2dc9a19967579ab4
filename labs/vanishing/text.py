"""The vanishing lab's longer prose: what the page says that does not depend on its numbers."""

INTRO = (
    "On its way back from the output, the error signal is multiplied in every layer by the weights and "
    "by the activation's slope $f'(z)$. Here one deep network — same data, same starting weights — is "
    "trained once per activation, so you can **measure** how much gradient reaches the first layer: "
    "why sigmoid loses it, why ReLU keeps it, and how weights that start too large make it explode."
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

WEIGHTS_AND_THE_REST = (
    "*weights & the rest multiplied by* = measured ‖delta‖ ratio ÷ bound: what the weights (and f' "
    "values below their maximum) multiplied in. Below 1: they shrank the signal further; above 1: "
    "they made up for some of it. The last column repeats section 1's ‖dW‖ ratio for comparison."
)

WHY_RELU_HELPS = (
    "**Why ReLU helps.** relu'(z) is exactly 1 wherever a unit is active, so along active units the "
    "error passes back without shrinking; only the weights decide whether it grows or shrinks, and "
    "he init picks their size so that, on average, it does neither. tanh' also reaches 1 (at z = 0), "
    "which is why tanh does far better than sigmoid, until its units saturate."
)

WHAT_CLIPPING_CANNOT_DO = (
    "**What clipping by global norm cannot do.** It measures one norm over all the gradients and, when "
    "that is too large, multiplies *every* layer's gradient by the same factor. The step gets shorter, "
    "but the ratio between layers stays exactly as it was: the layers next to the input still get a far "
    "larger (or, with sigmoid, far smaller) share than the output layer. It never makes a gradient "
    "larger, so it does nothing for vanishing gradients, and it leaves the huge activations of the "
    "forward pass alone. It stops one bad step; fixing the weight scale is the cure."
)

WHAT_HELPS = """
- **Initialisation.** xavier (for sigmoid and tanh) and he (for relu) choose the weights' std from the
  layer's width so that each layer keeps the signal about the same size, forward and backward. Compare
  relu with xavier and with he in section 1.
- **Normalisation.** Batch and layer normalisation re-centre and re-scale $z$ inside the network, which
  keeps it where $f'$ is large and the scale from drifting layer after layer.
- **Residual connections.** A layer that computes $a = x + F(x)$ gives the gradient a path around $F$
  with derivative 1, so it reaches early layers even when $F$'s own factors are small.
- **Gradient clipping** guards against a single exploding step; it does nothing for vanishing gradients.
- **What ReLU costs: dead units.** A relu unit whose $z$ is negative for every input has derivative 0
  everywhere, gets no gradient, and stays off for good. A large learning rate can knock units there.
  leaky_relu keeps a slope of 0.01 for $z < 0$, so such units still receive a little gradient.
"""
