"""The gradient descent lab's prose: its introduction and its predict-then-check task."""

INTRO = (
    "Backpropagation gives every weight its gradient; the **optimizer** then decides how far to move. "
    "This page shows what that step does: how the learning rate decides between crawling, converging, "
    "oscillating and blowing up, how momentum and Adam change the path, what batch size does to it, "
    "and why a PyTorch loop must reset its gradients before every backward pass."
)

TRY_THIS = (
    "**Predict, then check.** The ravine in section 2 is $L = \\tfrac12(w_1^2 + 40\\,w_2^2)$: its "
    "curvature is 1 along $w_1$ and 40 across. Using section 1's rule, at what SGD learning rate will "
    "the path stop converging across the ravine, and what will it do exactly at that rate? Choose "
    "*ravine*, set the SGD learning rate to 0.045 and then to 0.05, and watch the $w_2$ zigzag. Then "
    "predict whether momentum with lr = 0.01 will reach the threshold in fewer steps than SGD at 0.045, "
    "and check in the table."
)
