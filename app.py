"""Backprop Lab's landing page: what the app teaches and the pages in a suggested order."""

from __future__ import annotations

import streamlit as st

from ui.common import LEARNING_PATH, numbered, page_intro, try_this
from ui.tuning import tune_process

tune_process()  # one BLAS thread, freed memory kept for reuse (ui/tuning.py)
st.set_page_config(page_title="Backprop Lab", page_icon="🧮", layout="wide")

page_intro(
    "Backprop Lab",
    "Backpropagation is how a neural network finds out which of its weights to blame for a wrong answer, "
    "and by how much. This app lets you **watch it happen, number by number**: every activation, every "
    "error signal and every weight change of a real network is on screen, and you can step, poke and "
    "break it yourself.",
    "🧮",
)

st.subheader("Suggested learning path")
st.markdown(
    f"{len(LEARNING_PATH)} pages, each building on the one before. **Click a page's title to open it.** "
    "The sidebar on the left lists the same pages in the same order on every page, with **Home** to come "
    "back here."
)
for i, (path, title, icon, blurb) in enumerate(LEARNING_PATH):
    with st.container(border=True):
        st.page_link(path, label=f"**{numbered(i, title)}** →", icon=icon)
        st.markdown(blurb)

st.subheader("The ideas you will meet")
col1, col2 = st.columns(2)
with col1:
    st.markdown(
        """
- **Forward pass.** Each neuron adds up its weighted inputs plus a bias (`z`) and squashes the sum
  with an activation function (`a = f(z)`). Layer after layer, the inputs become a prediction.
- **Loss.** One number saying how far the prediction is from the target. Training means making it small.
- **Credit assignment.** A wrong prediction is the joint work of every weight. Which ones should
  change, in which direction, and how much?
- **Chain rule.** A weight affects the loss only through the neurons after it. For a weight into
  the output layer there is one path, and its effect is a product of local slopes along it:
  `dL/dw = dL/da · da/dz · dz/dw`. A weight deeper in the network reaches the loss along every path
  through the later layers, so its effect is a **sum over those paths** of such products.
"""
    )
with col2:
    st.markdown(
        """
- **Backward pass.** Starting at the loss, the error signal `delta = dL/dz` is passed back layer by
  layer, re-using what was computed for the layer after. One sweep gives the gradient of *every* weight.
- **Learning rate.** The update moves each weight against its gradient: `w ← w − lr · dL/dw`. Too
  small and learning crawls; too large and it overshoots or blows up.
- **Vanishing and exploding gradients.** On its way back, the error signal is multiplied at every
  layer by the layer's weights and its activation's slope. The sigmoid, tanh and ReLU slopes are
  all at most 1, so the slopes alone never make the signal grow (sigmoid's, at most 0.25, shrink it
  at least fourfold per layer). It fades when the factors stay below 1 layer after layer, and
  explodes when the weights are large enough to outweigh the slopes.
- **Batches, momentum, resetting gradients.** How many samples feed one update, how past updates
  can carry the next one, and why a stored gradient must be cleared before the next backward pass.
"""
    )

st.caption(
    "Notation used everywhere: `z` pre-activation, `a` activation, `delta = dL/dz`, `dW = dL/dW`, "
    "`lr` learning rate. Layers are numbered from 1 next to the input; neurons from 1 at the top of each "
    "layer."
)

try_this(
    "Before you open the first page, **predict**: the network `y = w · x` has `w = 2`, the input is "
    "`x = 5` and the target 12, with the loss `L = (w · x − 12)²`. Is `dL/dw` positive or negative, so "
    "does one update move `w` up or down? With the learning rate `lr = 0.01`, how far does `w` move in "
    "that one step (the update is `w ← w − lr · dL/dw`)? Write both down, then open **Step through one "
    "iteration**, keep the *single weight* network, press **Full iteration** and compare."
)
