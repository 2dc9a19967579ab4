"""The playground's panels: each reads the session state, calls the figure builders and renders.

``live_panel`` (counter, boundary, loss curves) is what Play refreshes on every tick;
``inspect_panel`` (network diagram, one neuron's map, gradient flow) refreshes less often.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from backprop_core import predict
from labs.playground.figures_boundary import boundary_figure, boundary_title
from labs.playground.figures_curves import grad_flow_figure, loss_figure
from labs.playground.figures_network import (
    EDGE_MODES,
    NODE_MODES,
    diagram_figure,
    neuron_figure,
    neuron_name,
    neuron_options,
)
from labs.playground.figures_update import update_figure
from labs.playground.model_boundary import grid_activations, grid_outputs
from labs.playground.model_export import history_csv, weights_json
from labs.playground.model_run import RECORD_CAP, Run
from labs.playground.text import DIAGRAM_CAPTION, FLOW_CAPTION
from labs.playground.view_session import Setup, go_back, import_weights, reset, view_iteration
from labs.playground.view_settings import CSV, FULL_BATCH, HIDEABLE, URL_PARAMS, Settings
from ui.common import format_lr, show_error
from ui.presenter import fold, plotly_chart
from ui.share import share_link
from viz.format import fmt

# a training loss this many times its starting value earns a gentle warning (before a divergence)
RISING_FACTOR = 2.0


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def counter_text(run: Run, shown: int) -> str:
    """One line with the iteration, epoch and the current losses (and accuracy for classifiers)."""
    snap = run.snapshot_at(shown)
    m = run.metrics_at(snap.iteration)
    parts = [f"**Iteration {snap.iteration}**", f"epoch {snap.epoch:.2f}", f"train loss {fmt(m.train_loss)}"]
    if m.test_loss is not None:
        parts.append(f"test loss {fmt(m.test_loss)}")
    if m.test_acc is not None:
        parts.append(f"test accuracy {_pct(m.test_acc)}")
    elif m.train_acc is not None:
        parts.append(f"train accuracy {_pct(m.train_acc)}")
    text = " · ".join(parts)
    if snap.iteration != run.iteration:
        text += f" — ⏪ time travel: the newest is iteration {run.iteration}"
    return text


def live_panel(state: MutableMapping[str, Any]) -> None:
    """The counter, the boundary (or fitted function) and the loss curves at the shown iteration."""
    setup: Setup = state["pg_setup"]
    run: Run = state["pg_run"]
    shown = view_iteration(state)
    snap = run.snapshot_at(shown)
    with st.container(key="pg_counter"):
        st.markdown(counter_text(run, shown))
    problem, net = setup.problem, snap.net
    # while playing, the points' hover skips the network's answers: each redraw stays small
    paused = not state.get("pg_playing")
    left, right = st.columns(2)
    with left:
        fig = boundary_figure(
            problem,
            setup.grid,
            grid_outputs(net, setup.grid),
            net.output_activation,
            train_out=predict(net, problem.X_train) if paused else None,
            test_out=predict(net, problem.X_test) if paused and problem.n_test else None,
            show_test=state.get("pg_show_test", True),
            title=boundary_title(problem.kind, snap.iteration, run.iteration),
            playing=not paused,
        )
        plotly_chart(fig, key="pg_boundary_chart")
    with right:
        epoch = f"epoch {snap.epoch:.2f}"
        fig = loss_figure(
            run,
            marker=snap.iteration,
            log_y=state.get("pg_log", False),
            title=f"Loss at iteration {snap.iteration} ({epoch})",
            playing=not paused,
        )
        plotly_chart(fig, key="pg_loss_chart")


def view_toggles() -> None:
    c1, c2, _ = st.columns([1, 1, 3])
    c1.toggle("Show test points", key="pg_show_test", persist_state="session")
    c2.toggle("Log-scale loss", key="pg_log", persist_state="session")


def _pick_neuron() -> None:
    event = st.session_state.get("pg_diagram")
    points = event.selection.points if event is not None else []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list) and len(data) == 2:
            st.session_state.pg_neuron = (int(data[0]), int(data[1]))


def _mode_radio(column: DeltaGenerator, label: str, modes: dict[str, str], key: str) -> str:
    """A choice among the registry ``modes`` (value -> label), kept across page switches."""
    return column.radio(
        label, list(modes), format_func=modes.get, key=key, horizontal=True, persist_state="session"
    )


def inspect_panel(state: MutableMapping[str, Any]) -> None:
    """The diagram with its colour toggles, the chosen neuron's map, and the gradient flow."""
    setup: Setup = state["pg_setup"]
    run: Run = state["pg_run"]
    snap = run.snapshot_at(view_iteration(state))
    sizes = snap.net.sizes
    options = neuron_options(sizes)
    if state.get("pg_neuron") not in options:
        state["pg_neuron"] = (1, 0)
    left, right = st.columns([3, 2])
    with left:
        c1, c2 = st.columns(2)
        edges = _mode_radio(c1, "Edges show", EDGE_MODES, "pg_edges")
        nodes = _mode_radio(c2, "Nodes show", NODE_MODES, "pg_nodes")
        fig = diagram_figure(snap, edges=edges, nodes=nodes, selected=state["pg_neuron"])
        plotly_chart(
            fig,
            key="pg_diagram",
            on_select=_pick_neuron,
            selection_mode="points",
        )
        fold("How to read the diagram", lambda: st.caption(DIAGRAM_CAPTION))
    with right:
        n_cols = len(sizes)
        column, k = st.selectbox(
            "Neuron to map",
            options,
            format_func=lambda o: neuron_name(o[0], o[1], n_cols),
            key="pg_neuron",
        )
        acts = grid_activations(snap.net, setup.grid)
        activation = "input" if column == 0 else snap.net.activations[column - 1]
        plotly_chart(
            neuron_figure(setup.grid, acts[column][..., k], neuron_name(column, k, n_cols), activation),
            key="pg_neuron_chart",
        )
        st.caption(
            "Each hidden neuron draws one simple shape over the inputs; the next layer mixes these "
            "shapes, and the output layer turns the mix into the boundary."
        )
    left, right = st.columns(2)
    with left:
        plotly_chart(grad_flow_figure(run, marker=snap.iteration), key="pg_grad_chart")
    with right:
        plotly_chart(update_figure(run, marker=snap.iteration), key="pg_update_chart")
    fold("How to read these two charts", lambda: st.caption(FLOW_CAPTION))


def divergence_box(state: MutableMapping[str, Any]) -> None:
    """Why training stopped, the learning rate that worked, and the ways back."""
    run: Run = state["pg_run"]
    d = run.divergence
    if d is None:
        return
    with st.container(border=True, key="pg_divergence"):
        st.error(
            f"**Training stopped at iteration {d.last_iteration}: in the next update (iteration "
            f"{d.iteration}) {d.reason}.** The learning rate "
            f"{format_lr(d.lr)} is too high for this set-up: each update overshoots the low point, the next "
            "gradient is larger, and the weights and loss run away. The charts show the last network before "
            "that update (switch on Log-scale loss to see the climb).",
            icon="💥",
        )
        if d.safe_lr is not None:
            st.markdown(
                f"From iteration {d.restart.iteration} (where that action began) the largest listed learning "
                f"rate that trained for {d.probe_iterations} iterations without blowing up is "
                f"**{format_lr(d.safe_lr)}**."
            )
        else:
            st.markdown(
                f"None of the smaller listed learning rates trained from iteration {d.restart.iteration} "
                "without blowing up: the network there is already damaged. Reset to start again."
            )
        c1, c2, _ = st.columns([2, 1, 2])
        if d.safe_lr is not None:
            c1.button(
                f"Go back to iteration {d.restart.iteration} with lr = {format_lr(d.safe_lr)}",
                key="pg_go_back",
                on_click=go_back,
                args=(st.session_state,),
                type="primary",
            )
        c2.button("Reset", key="pg_reset_diverged", on_click=reset, args=(st.session_state,))


def rising_warning(run: Run) -> None:
    m = run.metrics
    if run.divergence is None and run.iteration and m.train_loss > RISING_FACTOR * run.initial.train_loss:
        st.warning(
            f"The training loss ({fmt(m.train_loss)}) is more than twice where it started "
            f"({fmt(run.initial.train_loss)}): the updates overshoot. Try a smaller learning rate.",
            icon="📈",
        )


def _on_weights_file() -> None:
    file = st.session_state.get("pg_weights_file")
    if file is not None:
        import_weights(st.session_state, file.name, file.getvalue())


def export_panel(state: MutableMapping[str, Any], settings: Settings) -> None:
    """Download the history and the weights; load weights back from a file."""
    run: Run = state["pg_run"]
    net = run.state.net
    arch = "-".join(map(str, net.sizes))
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the training history (CSV)",
        data=lambda: history_csv(run),
        file_name=f"playground_history_{settings.dataset}_{arch}.csv",
        mime="text/csv",
        key="pg_dl_history",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        "Download the weights (JSON)",
        data=lambda: weights_json(net, iteration=run.iteration, dataset=settings.dataset, loss=settings.loss),
        file_name=f"playground_weights_{arch}_it{run.iteration}.json",
        mime="application/json",
        key="pg_dl_weights",
        on_click="ignore",
        width="stretch",
    )
    st.caption(
        f"The history has one row per iteration (up to {RECORD_CAP:,}; a longer run keeps every 2nd, "
        "4th, ... row): losses, accuracies and the size of dL/dW in each layer. The weights file can be "
        "loaded back into a network of the same shape."
    )
    st.file_uploader(
        "Load weights (JSON) into this network",
        type=["json"],
        key="pg_weights_file",
        on_change=_on_weights_file,
    )
    if state.get("pg_import_error"):
        show_error(state["pg_import_error"])


def link_promise(state: Mapping[str, Any]) -> str:
    """What the page's link restores: the same data and run, except for an uploaded file."""
    if state.get("pg_dataset") == CSV:
        return (
            "This page's address holds every setting and seed, but not your uploaded data: the file stays "
            "on this computer, so someone opening the link gets the circle data set until they upload the "
            "same file themselves."
        )
    return (
        "This page's address always holds every setting, including the seeds, so the same link gives the "
        "same data, the same initial weights and the same run."
    )


def classroom_link(state: MutableMapping[str, Any]) -> None:
    """The page's link (settings and chart view), then a teacher's link that hides chosen controls."""
    share_link(key="pg", note=link_promise(state))
    st.caption("A link for students can hide controls. Choose the controls to hide:")
    if "pg_hide_pick" not in state:
        state["pg_hide_pick"] = sorted(state.get("pg_hide", frozenset()))
    picked = st.multiselect(
        "Hide in the link", list(HIDEABLE), format_func=lambda n: f"{n}: {HIDEABLE[n]}", key="pg_hide_pick"
    )
    values = {p.name: p.dump(state[p.key]) for p in URL_PARAMS if p.key in state and p.name != "hide"}
    if picked:
        values["hide"] = ",".join(sorted(picked))
    base = st.context.url or ""
    link = f"{base}?{urlencode(values, safe=',')}"
    st.code(link, language="text", wrap_lines=True)


def fixed_summary(settings: Settings, hide: frozenset[str]) -> str | None:
    """What a teacher's link fixed, in words, for the controls it hides."""
    parts = []
    if "data" in hide:
        parts.append(f"data {settings.dataset} (noise {settings.noise:g}, {settings.points} points)")
    if "network" in hide:
        widths = "-".join(map(str, settings.hidden)) or "no hidden layer"
        parts.append(
            f"hidden layers {widths} with {settings.act}, {settings.init} init, seed {settings.seed}"
        )
    if "head" in hide:
        parts.append(f"output {settings.out} with {settings.loss}")
    if "lr" in hide:
        parts.append(f"learning rate {format_lr(settings.lr)}")
    if "optimizer" in hide:
        parts.append(f"optimizer {settings.opt}")
    if "batch" in hide:
        parts.append(f"batch size {'full' if settings.batch == FULL_BATCH else settings.batch}")
    if "regularisation" in hide:
        parts.append(f"L2 {settings.l2:g}, clipping {'off' if not settings.clip else settings.clip}")
    return "Set by your teacher's link: " + "; ".join(parts) + "." if parts else None
