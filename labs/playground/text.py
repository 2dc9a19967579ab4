"""The training playground's prose: its introduction and its predict-then-check task."""

INTRO = (
    "Press **Play** and watch a small network learn to separate two-dimensional data. Beside the "
    "decision boundary you see what usually stays hidden: the loss on data the network never trained "
    "on, every weight and its last gradient `dL/dw`, and how strongly the error signal reaches each "
    "layer."
)

TRY_THIS = (
    "On **circle** with the default network, **predict**: with *no* hidden layer (Hidden layers = 0), "
    "can the network draw a ring-shaped boundary? Press Play and watch the boundary and the test loss. "
    "Then add one hidden layer of 3 neurons and click each neuron in the diagram: which simple shape "
    "does each one draw, and how do they add up to a ring? Finally set the learning rate to 10 on "
    "**sine** and press Step epoch: what does the page say, and which rate does it suggest?"
)

PROGRESS_NOTE = (
    "The page's link keeps the settings; a progress file also keeps the run: the weights, the optimizer's "
    "memory, the iteration, the loss history and an uploaded data set, so training continues exactly."
)

FLOW_CAPTION = (
    "Left, the gradient flow: how large dL/dW is in each layer at each iteration. Right, how much each "
    "update really changed the layer's weights, relative to their size (||ΔW|| / ||W||; both on log "
    "scales). With sgd the two tell one story, since ΔW = -lr · dW. Momentum and Adam reshape the step: "
    "Adam divides each weight's step by its gradient's running size, so a layer whose dL/dW sits far below "
    "the others can still change as fast as they do. A layer learns slowly when its line on the right sits "
    "far below the others."
)

DIAGRAM_CAPTION = (
    "Hover an edge or a neuron for its exact numbers; click a neuron to map it on the right. Edge colour "
    "and width: the value (red negative, blue positive). Node Σ delta is the error signal delta = dL/dz "
    "summed over the batch, which is exactly dL/db."
)
