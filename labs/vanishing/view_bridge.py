"""The vanishing lab's bridges: the next update of one network in PyTorch, the code behind the numbers,
and Save progress / Load progress."""

from __future__ import annotations

import streamlit as st

from backprop_core.engine import train_step
from backprop_core.network import MLP
from backprop_core.optimizers import OptimizerState, carried_memory
from backprop_core.passes import train_step_pass
from backprop_core.pytorch import mlp_rows, mlp_script
from backprop_core.pytorch.common import CompareRow
from labs.vanishing.model import Lab, gradient_profile, train_lab
from labs.vanishing.model_experiments import delta_bound, update_sizes
from labs.vanishing.view_settings import dump_progress_payload, load_progress_payload, save_refusal
from ui.bridge import pytorch_expander, show_code
from ui.common import format_lr
from ui.progress import sidebar_progress


@st.cache_data(max_entries=8, show_spinner=False)
def next_step_script(
    net: MLP, X, Y, loss: str, lr: float, optimizer: str, state: OptimizerState | None
) -> tuple[str, list[CompareRow]]:
    """The PyTorch script of ``net``'s next update and the page's numbers it should print."""
    # a deep, wide network makes a long script: built once per network and cached
    script = mlp_script(net, X, Y, loss, lr, optimizer, state=state)
    step = train_step(net, X, Y, loss=loss, lr=lr, optimizer=optimizer, state=state)
    return script, mlp_rows(step)


def section_bridges(lab: Lab) -> None:
    """Progress file, then the PyTorch script of one network's next update, then the code."""
    s = st.session_state
    sidebar_progress(
        "vanishing",
        key="vg_progress",
        dump=dump_progress_payload,
        load=load_progress_payload,
        note="Every setting and every network (weights, optimizer memory, iteration, history): "
        "loading continues exactly where you saved (a history too long for a loadable file is saved to "
        "7, 5 or 4 significant digits).",
        save_off=save_refusal(lab),
    )
    if not lab.runs:
        return
    acts = [r.activation for r in lab.runs]
    if s.get("vg_torch_act") not in acts:
        s.vg_torch_act = acts[0]
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    with c1:
        st.selectbox("Network for PyTorch", acts, key="vg_torch_act")
    with c2:
        show = st.toggle(
            "Build its next update in PyTorch",
            key="vg_torch_on",
            help="Writes a script with this network's weights and the data in full: long for deep, wide "
            "networks, so it is built only when asked.",
        )
    if show:
        r = lab.run_of(s.vg_torch_act)
        lr, opt = float(s.vg_lr), s.vg_opt
        script, rows = next_step_script(
            r.net,
            lab.data.X_train,
            lab.data.Y_train,
            lab.loss,
            lr,
            opt,
            carried_memory(r.state.opt_state, opt),
        )
        pytorch_expander(
            script,
            rows,
            file_stem=f"vanishing_{r.activation}_update_{r.iteration + 1}",
            key="vg_pytorch",
            intro=f"Update {r.iteration + 1} of the {r.activation} network ({lab.setup.depth} hidden layers "
            f"of {lab.setup.width}), {opt} at learning rate {format_lr(lr)}, full batch of "
            f"{lab.data.n_train} points, with the optimizer's memory so far. Compare `W.grad` of the first "
            "layer with the last: the vanishing is there in PyTorch too.",
        )
    show_code(
        [train_step_pass, gradient_profile, train_lab, delta_bound, update_sizes],
        first="Read `train_step_pass` first: forward, loss, backward, update, one call each (training "
        "section). `gradient_profile` measures ‖dW‖ and ‖delta‖ per layer (sections 1 and 3), "
        "`delta_bound` is section 3's bound, `update_sizes` the optimizer comparison of section 6.",
    )
