"""The training playground's controls: their values, their URL parameters and the sidebar widgets.

Every setting lives in ``st.session_state`` under a ``pg_`` widget key (``persist_state="session"``
keeps it while the learner visits other pages). The classroom link carries all of them, read and
checked by ``ui.urlstate`` before any widget exists; a teacher can also hide controls with the
``hide`` parameter, e.g. ``hide=data,network``. Hidden controls keep the values from the link.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from backprop_core import (
    DATASETS,
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    OPTIMIZERS,
    Optimizer,
    TrainConfig,
)
from labs.playground.figures_network import EDGE_MODES, NODE_MODES
from labs.playground.model import DEFAULT_LOSS, MAX_HIDDEN, MAX_HIDDEN_WIDTH, head_choices, loss_choices
from ui.common import format_lr, lr_values
from ui.echo import shorten
from ui.urlstate import UrlSetting, choice, flag, int_list, number

CSV = "csv"
LR_CHOICES = lr_values(1e-5, 10)
NOISE_VALUES = tuple(round(0.05 * i, 2) for i in range(21))
POINT_VALUES = (50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000)
TEST_VALUES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
BATCH_VALUES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
FULL_BATCH = 0
L2_VALUES = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
CLIP_VALUES = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
SPEED_VALUES = (1, 2, 5, 10, 20, 50, 100)
BETA_VALUES = tuple(round(0.01 * i, 2) for i in range(100))
SEED_MAX = 99_999
OUTPUTS = ("sigmoid", "softmax", "tanh", "linear")

# what a teacher can hide, by the name used in the link
HIDEABLE: dict[str, str] = {
    "data": "data set, noise, points, test share, data seed",
    "upload": "CSV upload",
    "network": "hidden layers, activation, initialisation, seed",
    "head": "output activation and loss",
    "lr": "learning rate",
    "optimizer": "optimizer",
    "batch": "batch size",
    "regularisation": "L2 and gradient clipping",
    "speed": "iterations per update",
    "link": "the classroom link box",
}

DEFAULTS: dict[str, Any] = {
    "pg_dataset": "circle",
    "pg_noise": 0.1,
    "pg_points": 300,
    "pg_test": 0.2,
    "pg_dseed": 0,
    "pg_layers": 2,
    **{f"pg_width_{i}": 4 for i in range(MAX_HIDDEN)},
    "pg_act": "tanh",
    "pg_custom_head": False,
    "pg_out": "sigmoid",
    "pg_loss": "bce",
    "pg_init": "xavier",
    "pg_seed": 0,
    "pg_lr": 0.3,
    "pg_opt": "sgd",
    "pg_beta": 0.9,
    "pg_batch": 10,
    "pg_l2": 0.0,
    "pg_clip": 0.0,
    "pg_speed": 10,
}


@dataclass(frozen=True)
class Settings:
    """Every choice that shapes the data, the network and its training."""

    dataset: str
    noise: float
    points: int
    test: float
    dseed: int
    hidden: tuple[int, ...]
    act: str
    out: str
    loss: str
    init: str
    seed: int
    lr: float
    opt: str
    beta: float
    batch: int
    l2: float
    clip: float
    speed: int

    @property
    def data_key(self) -> tuple:
        """Changing any of these draws new data (and so needs a new network)."""
        return (self.dataset, self.noise, self.points, self.test, self.dseed)

    @property
    def net_key(self) -> tuple:
        """Changing any of these builds a new network."""
        return (self.hidden, self.act, self.out, self.loss, self.init, self.seed)

    def config(self) -> TrainConfig:
        """How to train: the engine's ``TrainConfig`` (mini-batches shuffled from ``seed``)."""
        return TrainConfig(
            loss=self.loss,
            lr=self.lr,
            optimizer=Optimizer(self.opt, beta=self.beta),
            batch_size=None if self.batch == FULL_BATCH else self.batch,
            l2=self.l2,
            clip_norm=None if self.clip == 0 else self.clip,
            seed=self.seed,
        )


def read_settings(state: Mapping[str, Any]) -> Settings:
    """The settings as they stand in ``state`` (session state, or a dict in tests)."""
    layers = int(state["pg_layers"])
    return Settings(
        dataset=state["pg_dataset"],
        noise=float(state["pg_noise"]),
        points=int(state["pg_points"]),
        test=float(state["pg_test"]),
        dseed=int(state["pg_dseed"]),
        hidden=tuple(int(state[f"pg_width_{i}"]) for i in range(layers)),
        act=state["pg_act"],
        out=state["pg_out"],
        loss=state["pg_loss"],
        init=state["pg_init"],
        seed=int(state["pg_seed"]),
        lr=float(state["pg_lr"]),
        opt=state["pg_opt"],
        beta=float(state["pg_beta"]),
        batch=int(state["pg_batch"]),
        l2=float(state["pg_l2"]),
        clip=float(state["pg_clip"]),
        speed=int(state["pg_speed"]),
    )


# -- URL parameters ----------------------------------------------------------------------------


def _one_of(name: str, key: str, values: tuple, dump: Any = None) -> UrlSetting:
    """A number from a fixed list (matched within rounding), e.g. a select slider's options."""

    def parse(text: str) -> Any:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        for v in values:
            if math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-12):
                return v
        shown = ", ".join(f"{v:g}" for v in values[:8]) + (" ..." if len(values) > 8 else "")
        raise ValueError(f"{text} is not one of the offered values ({shown})")

    return UrlSetting(name, key, parse, dump or (lambda v: f"{v:g}"))


def _dataset_param() -> UrlSetting:
    def parse(text: str) -> str:
        if text == CSV:
            raise ValueError("uploaded data cannot travel in a link; upload the CSV file again")
        return choice("ds", "pg_dataset", tuple(DATASETS)).parse(text)

    return UrlSetting("ds", "pg_dataset", parse)


def _batch_param() -> UrlSetting:
    def parse(text: str) -> int:
        if text == "full":
            return FULL_BATCH
        return int(_one_of("batch", "pg_batch", BATCH_VALUES).parse(text))

    return UrlSetting("batch", "pg_batch", parse, lambda v: "full" if v == FULL_BATCH else str(v))


def _hide_param() -> UrlSetting:
    def parse(text: str) -> frozenset[str]:
        names = {part.strip() for part in text.split(",") if part.strip()}
        unknown = sorted(names - set(HIDEABLE))
        if unknown:
            raise ValueError(f"cannot hide {', '.join(unknown)}; the names are {', '.join(HIDEABLE)}")
        return frozenset(names)

    return UrlSetting("hide", "pg_hide", parse, lambda v: ",".join(sorted(v)))


URL_PARAMS: tuple[UrlSetting, ...] = (
    _dataset_param(),
    _one_of("noise", "pg_noise", NOISE_VALUES),
    _one_of("n", "pg_points", POINT_VALUES, str),
    _one_of("test", "pg_test", TEST_VALUES),
    number("dseed", "pg_dseed", 0, SEED_MAX, integer=True),
    int_list("layers", "pg_hidden", 1, MAX_HIDDEN_WIDTH, MAX_HIDDEN),
    choice("act", "pg_act", HIDDEN_ACTIVATIONS),
    flag("head", "pg_custom_head"),
    choice("out", "pg_out", OUTPUTS),
    choice("loss", "pg_loss", tuple(LOSSES)),
    choice("init", "pg_init", INIT_SCHEMES),
    number("seed", "pg_seed", 0, SEED_MAX, integer=True),
    _one_of("lr", "pg_lr", tuple(LR_CHOICES)),
    choice("opt", "pg_opt", OPTIMIZERS),
    _one_of("beta", "pg_beta", BETA_VALUES),
    _batch_param(),
    _one_of("l2", "pg_l2", L2_VALUES),
    _one_of("clip", "pg_clip", CLIP_VALUES),
    _one_of("speed", "pg_speed", SPEED_VALUES, str),
    # how the charts look: part of the link, so a teacher's link shows the same view
    flag("testpts", "pg_show_test"),
    flag("logloss", "pg_log"),
    choice("edges", "pg_edges", tuple(EDGE_MODES)),
    choice("nodes", "pg_nodes", tuple(NODE_MODES)),
    _hide_param(),
)
URL_MARKER = "pg_url_seen"


def set_defaults(state: MutableMapping[str, Any]) -> None:
    """Give every setting its default unless it has a value already."""
    for key, value in DEFAULTS.items():
        state.setdefault(key, value)


def expand_hidden(state: MutableMapping[str, Any]) -> None:
    """Copy ``pg_hidden`` (a link's ``layers=4-4``, if one was just read) into the layer widgets."""
    hidden = state.get("pg_hidden")
    if hidden is None:
        return
    current = tuple(state[f"pg_width_{i}"] for i in range(state["pg_layers"]))
    if tuple(hidden) != current:
        state["pg_layers"] = len(hidden)
        for i, width in enumerate(hidden):
            state[f"pg_width_{i}"] = width


def fit_head(state: MutableMapping[str, Any], kind: str) -> str | None:
    """Make output and loss fit the problem; returns a note when a custom choice had to change.

    Without a custom head the natural pair is used. A custom pair that does not fit (after the
    learner switched data sets, or from a link) falls back as gently as possible.
    """
    outputs = head_choices(kind)
    if not state["pg_custom_head"]:
        state["pg_out"], state["pg_loss"] = outputs[0], DEFAULT_LOSS[kind]
        return None
    note = None
    out, loss = state["pg_out"], state["pg_loss"]
    if out not in outputs:
        note = f"a {out} output does not fit {kind} data, so the output is now {outputs[0]}"
        out = outputs[0]
    losses = loss_choices(kind, out)
    if loss not in losses:
        note = (
            note + "; " if note else ""
        ) + f"{loss} does not fit a {out} output here, so the loss is {losses[0]}"
        loss = losses[0]
    state["pg_out"], state["pg_loss"] = out, loss
    return note


def fit_batch(state: MutableMapping[str, Any], n_train: int) -> None:
    """A batch as large as the training set is the full batch."""
    if state["pg_batch"] >= n_train:
        state["pg_batch"] = FULL_BATCH


def batch_options(n_train: int) -> list[int]:
    return [b for b in BATCH_VALUES if b < n_train] + [FULL_BATCH]


# -- widgets -----------------------------------------------------------------------------------

_KEEP = {"persist_state": "session"}


def data_controls(dataset_names: list[str], hide: frozenset[str], csv_label: str | None) -> None:
    """Data set, noise, points, test share, data seed and Regenerate."""
    if "data" in hide:
        return
    st.selectbox(
        "Data set",
        dataset_names,
        key="pg_dataset",
        format_func=lambda n: f"{shorten(csv_label or '', 40)} (your file)" if n == CSV else n,
        help="Two classes, three classes (blobs) or a number to fit (sine, plane).",
        **_KEEP,
    )
    own = st.session_state.pg_dataset == CSV
    if not own:
        st.caption(DATASETS[st.session_state.pg_dataset].description.capitalize() + ".")
    st.select_slider(
        "Noise",
        NOISE_VALUES,
        key="pg_noise",
        disabled=own,
        help="How far points stray from the clean pattern.",
        **_KEEP,
    )
    st.select_slider("Number of points", POINT_VALUES, key="pg_points", disabled=own, **_KEEP)
    st.select_slider(
        "Test share",
        TEST_VALUES,
        key="pg_test",
        format_func=lambda v: f"{v:.0%}",
        help="Points held back from training. The test loss shows how well the network generalises.",
        **_KEEP,
    )
    st.number_input("Data seed", 0, SEED_MAX, step=1, key="pg_dseed", **_KEEP)
    st.button(
        "🎲 Regenerate",
        key="pg_regen",
        on_click=_regenerate,
        help="New random points: the next data seed.",
        width="stretch",
    )


def _regenerate() -> None:
    st.session_state.pg_dseed = (int(st.session_state.pg_dseed) + 1) % (SEED_MAX + 1)


def network_controls(kind: str, hide: frozenset[str]) -> None:
    """Hidden layers and widths, hidden activation, output and loss, initialisation, seed."""
    if "network" not in hide:
        layers = st.slider("Hidden layers", 0, MAX_HIDDEN, key="pg_layers", **_KEEP)
        if layers:
            cols = st.columns(2)
            for i in range(layers):
                cols[i % 2].number_input(
                    f"Width of layer {i + 1}",
                    1,
                    MAX_HIDDEN_WIDTH,
                    step=1,
                    key=f"pg_width_{i}",
                    help=f"Neurons in hidden layer {i + 1} (1 to {MAX_HIDDEN_WIDTH}).",
                    **_KEEP,
                )
        st.selectbox("Hidden activation", HIDDEN_ACTIVATIONS, key="pg_act", **_KEEP)
    if "head" not in hide:
        custom = st.toggle(
            "Choose output and loss myself",
            key="pg_custom_head",
            help="By default the output layer and loss fit the problem: sigmoid + bce for two classes, "
            "softmax + cross_entropy for several, linear + mse for numbers.",
            **_KEEP,
        )
        c1, c2 = st.columns(2)
        c1.selectbox("Output activation", head_choices(kind), key="pg_out", disabled=not custom, **_KEEP)
        c2.selectbox(
            "Loss", loss_choices(kind, st.session_state.pg_out), key="pg_loss", disabled=not custom, **_KEEP
        )
    if "network" not in hide:
        c1, c2 = st.columns(2)
        c1.selectbox("Initialisation", INIT_SCHEMES, key="pg_init", **_KEEP)
        c2.number_input(
            "Seed", 0, SEED_MAX, step=1, key="pg_seed", help="Initial weights and batch order.", **_KEEP
        )


def training_controls(n_train: int, hide: frozenset[str]) -> None:
    """Learning rate, optimizer (with momentum's beta), batch size, L2, clipping, speed."""
    if "lr" not in hide:
        st.select_slider(
            "Learning rate",
            LR_CHOICES,
            key="pg_lr",
            format_func=format_lr,
            help="How far each update moves the weights against the gradient (log scale).",
            **_KEEP,
        )
    if "optimizer" not in hide:
        c1, c2 = st.columns([3, 2])
        c1.selectbox("Optimizer", OPTIMIZERS, key="pg_opt", **_KEEP)
        c2.select_slider(
            "Momentum β",
            BETA_VALUES,
            key="pg_beta",
            disabled=st.session_state.pg_opt != "momentum",
            help="Only for momentum: how much of the last update carries over.",
            **_KEEP,
        )
    if "batch" not in hide:
        st.select_slider(
            "Batch size",
            batch_options(n_train),
            key="pg_batch",
            format_func=lambda b: f"full ({n_train})" if b == FULL_BATCH else str(b),
            help="Samples per update. One epoch = one pass over all training points.",
            **_KEEP,
        )
    if "regularisation" not in hide:
        c1, c2 = st.columns(2)
        c1.select_slider(
            "L2 strength",
            L2_VALUES,
            key="pg_l2",
            format_func=lambda v: "off" if v == 0 else f"{v:g}",
            help="Adds l2/2 · Σw² to the loss, pulling weights towards 0.",
            **_KEEP,
        )
        c2.select_slider(
            "Gradient clipping",
            CLIP_VALUES,
            key="pg_clip",
            format_func=lambda v: "off" if v == 0 else f"norm ≤ {v:g}",
            help="Scale all gradients down together when their total norm exceeds this.",
            **_KEEP,
        )
    if "speed" not in hide:
        st.select_slider(
            "Iterations per update while playing",
            SPEED_VALUES,
            key="pg_speed",
            help="How many training iterations run between two redraws of the charts.",
            **_KEEP,
        )
