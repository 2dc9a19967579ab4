"""The convolution lab's Backward section: one layer at a time, and the same step in PyTorch."""

from __future__ import annotations

import numpy as np
import streamlit as st

from backprop_core.conv import conv2d_backward_pass, maxpool2d_backward_pass, windows_back
from backprop_core.convnet import ConvStep, backward_pass
from backprop_core.pytorch.conv import conv_rows, conv_script
from ui.bridge import pytorch_expander, show_code
from ui.presenter import plotly_chart

from . import figures, model, text
from .view_state import BACK_STEPS, clamp

grid = figures.grid_figure


def render(step: ConvStep, label: int) -> None:
    s = st.session_state
    st.header("3 · Backward, one layer at a time")
    last = step.convs[-1]
    n_filters, n_channels = last.conv.K.shape[:2]
    o = clamp("cv_filter", 1, n_filters) - 1
    two = len(step.convs) > 1
    if two:
        st.markdown("The network has two conv layers: steps 1 to 5 walk through the second (last) one.")
    st.segmented_control(
        f"Backward step: the same image and step, now backwards; filter {o + 1} (pick another in section 2)",
        BACK_STEPS,
        key="cv_back",
        required=True,
    )
    chosen = BACK_STEPS.index(s.cv_back)
    if chosen == 0:
        delta_on_pool(step, o)
    elif chosen == 1:
        routed(step, o)
    elif chosen == 2:
        times_fprime(step, o)
    else:
        c = 0
        if two:
            c = clamp("cv_channel", 1, n_channels) - 1
            channels = list(range(1, n_channels + 1))
            st.columns([1, 2])[0].selectbox(
                "Input channel c (conv layer 1's map)", channels, key="cv_channel"
            )
        (dk_running if chosen == 3 else dx_full)(step, o, c)
    show_code(
        [maxpool2d_backward_pass, conv2d_backward_pass, windows_back, backward_pass],
        first="Read maxpool2d_backward_pass first (one line puts each gradient on its winner), then "
        "conv2d_backward_pass (dK and db are one product each) and the loop over filter offsets in "
        "windows_back that sends K * dz back onto every window.",
    )
    pytorch(step, label)


def delta_on_pool(step: ConvStep, o: int) -> None:
    out = step.dense[-1]
    # the small map beside its explanation rather than under it
    left, right = st.columns([1, 1], vertical_alignment="center")
    left.markdown(
        "The output delta of softmax with cross-entropy is $a - y$ (a batch of one: divided by $m = 1$): "
        f"[{', '.join(f'{v:.4f}' for v in out.delta[0])}]. The dense layer sends it back, "
        "$dL/d(\\text{flat}) = \\delta\\,W^T$, and un-flattening puts each number back on its pooled cell."
    )
    with right:
        plotly_chart(
            grid(step.pool.dout[0, o], f"dL/d(pooled map), filter {o + 1}", decimals=3),
            key="cv_dpool_chart",
        )


def routed(step: ConvStep, o: int) -> None:
    dx = step.pool.dx[0, o]
    winners = step.pool.trace.winners[0, o]
    st.markdown(
        "Hover over a cell for all its digits. **The gradient flows only through the max.** Each pooled "
        "cell's gradient goes to the cell that won "
        f"its window; every other cell gets 0. Here {int(np.count_nonzero(dx))} of {dx.size} cells are not 0 "
        f"({int(winners.sum())} winners)."
    )
    with st.expander("Why? The slope of a max, and the rule for ties"):
        st.markdown(text.POOL_WHY)
    plotly_chart(
        grid(dx, "dL/da before the pool: winners ringed, zeros elsewhere", decimals=3, marks=winners),
        key="cv_routed_chart",
    )


def times_fprime(step: ConvStep, o: int) -> None:
    last = step.convs[-1]
    fprime = (last.z[0, o] > 0).astype(float)
    st.markdown(
        "$\\delta = dL/dz = dL/da \\cdot f'(z)$, cell by cell. For relu $f'(z)$ is 1 where $z > 0$ and 0 "
        "elsewhere (0 also at $z = 0$, as in PyTorch), so a winner whose $z$ was negative passes nothing on."
    )
    c1, c2 = st.columns(2)
    with c1:
        plotly_chart(grid(fprime, "f′(z) = 1 if z > 0 else 0", decimals=0), key="cv_fprime_chart")
    with c2:
        plotly_chart(
            grid(last.delta[0, o], f"delta = dL/dz (filter {o + 1})", decimals=3),
            key="cv_delta_chart",
        )


def dk_running(step: ConvStep, o: int, c: int) -> None:
    s = st.session_state
    last = step.convs[-1]
    kh, kw = last.conv.K.shape[2:]
    ho, wo = last.delta.shape[2:]
    st.markdown(
        "$dK[u, v] = \\sum_{i,j} x[i+u, j+v]\\,\\delta[i, j]$: **one filter used everywhere, so its gradient "
        "is the sum of every position's contribution.** Pick a filter entry $(u, v)$ and step through the "
        "positions."
    )
    with st.expander("Why a sum over positions?"):
        st.markdown(text.DK_WHY)
    c1, c2 = st.columns([1, 2])
    c1.selectbox(
        "Filter entry (u, v)", list(range(kh * kw)), key="cv_uv", format_func=lambda k: str(divmod(k, kw))
    )
    u, v = divmod(int(s.cv_uv), kw)
    with c2:
        k = clamp("cv_kpos", 0, ho * wo - 1)
        st.slider(f"Up to position (reading order, 0 to {ho * wo - 1})", 0, ho * wo - 1, key="cv_kpos")
        b1, b2 = st.columns(2)
        b1.button("◀ Previous position", key="cv_kprev", on_click=step_k, args=(-1, ho * wo), width="stretch")
        b2.button("Next position ▶", key="cv_knext", on_click=step_k, args=(1, ho * wo), width="stretch")
    r = model.running_sum(step, o, c, u, v)
    i, j = divmod(k, wo)
    st.code(
        f"position {k} = (i={i}, j={j}):  x[{i + u}, {j + v}] * delta[{i}, {j}] = "
        f"{r.inputs[i, j]:.5f} * {r.deltas[i, j]:.5f} = {r.terms[i, j]:.6f}\n"
        f"dK[{u}, {v}] after {k + 1} of {ho * wo} positions = {r.running[k]:.8f}\n"
        f"after all {ho * wo}: {r.running[-1]:.8f}   the engine's dK[{u}, {v}]: {r.total:.8f}",
        language=None,
    )
    shown = np.where(np.arange(ho * wo).reshape(ho, wo) <= k, r.terms, np.nan)
    g1, g2 = st.columns(2)
    with g1:
        plotly_chart(
            grid(r.inputs, f"x[i+{u}, j+{v}] for each position (i, j)", window=(i, j, 1, 1)),
            key="cv_dk_inputs_chart",
        )
    with g2:
        plotly_chart(
            grid(shown, "x · delta, the positions added so far", decimals=3, window=(i, j, 1, 1)),
            key="cv_dk_terms_chart",
        )
    g3, g4 = st.columns([2, 1])
    with g3:
        plotly_chart(figures.running_sum_figure(r.running, k, r.total), key="cv_dk_sum_chart")
    with g4:
        plotly_chart(
            grid(last.dK[o, c], f"the whole dK (filter {o + 1})", decimals=3, window=(u, v, 1, 1)),
            key="cv_dk_chart",
        )


def step_k(delta: int, n: int) -> None:
    st.session_state.cv_kpos = (int(st.session_state.cv_kpos) + delta) % n


def dx_full(step: ConvStep, o: int, c: int) -> None:
    f = model.full_conv_view(step, o, c)
    two = len(step.convs) > 1
    st.markdown(
        "$dx$ is the full convolution of $\\delta$ with the **flipped** filter: pad $\\delta$ with "
        f"{f.flipped.shape[0] - 1} zeros on every side and slide $K$ turned upside down and left to right "
        "over it (summing over the filters)."
        + (
            " Here $x$ is conv layer 1's $a$: this $dx$ is its $dL/da$, which times its $f'(z)$ becomes conv "
            "layer 1's delta."
            if two
            else " Here $x$ is the image, so nothing uses this $dx$; with **two conv layers** (sidebar) it "
            "is what conv layer 1 receives."
        )
    )
    with st.expander("Why the flipped filter?"):
        st.markdown(text.DX_WHY)
    g1, g2 = st.columns([3, 1])
    with g1:
        plotly_chart(
            grid(f.padded, f"delta (filter {o + 1}), padded with zeros", decimals=3),
            key="cv_pad_chart",
        )
    with g2:
        plotly_chart(grid(f.flipped, f"K[{o + 1}, {c + 1}] flipped"), key="cv_flip_chart")
    g3, g4 = st.columns(2)
    with g3:
        plotly_chart(grid(f.part, f"filter {o + 1}'s share of dx", decimals=3), key="cv_part_chart")
    with g4:
        plotly_chart(grid(f.dx, "dx: the sum over every filter", decimals=3), key="cv_dx_chart")
    st.caption(
        "Largest difference between this full convolution and the engine's dx (which adds K · delta back "
        f"onto each window): {float(np.abs(f.dx - f.engine_dx).max()):.2e}."
    )


def pytorch(step: ConvStep, label: int) -> None:
    s = st.session_state
    net, x = step.net, step.x
    kwargs = {"loss": model.LOSS, "lr": float(s.cv_lr), "optimizer": s.cv_opt}
    pytorch_expander(
        conv_script(net, x, [label], file_name="conv_step.py", **kwargs),
        conv_rows(net, x, [label], **kwargs),
        file_stem="conv_step",
        key="cv_torch",
        intro="This image's step (a batch of one, a fresh optimizer) with `F.conv2d`, `F.max_pool2d` and "
        "`F.linear`. The filters keep PyTorch's layout (C_out, C_in, kh, kw); F.linear's weight is the "
        "transpose of the page's W.",
    )
