"""The vanishing lab's cached experiments and caption helper, shared by its sections."""

from __future__ import annotations

import numpy as np
import streamlit as st

from labs.vanishing.model import GradientProfile, LabSetup, start_lab
from labs.vanishing.model_experiments import (
    ClipComparison,
    ScaleSweep,
    SymmetryRun,
    UpdateSizes,
    clipping_experiment,
    scale_sweep,
    symmetry_experiment,
    update_sizes,
)

SWEEP_STDS = tuple(float(s) for s in np.geomspace(0.01, 10.0, 13))
CLIP_ITERATIONS = 60


@st.cache_data(max_entries=16, show_spinner=False)
def cached_sweep(setup: LabSetup, activations: tuple[str, ...]) -> ScaleSweep:
    return scale_sweep(setup, SWEEP_STDS, activations)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_profiles(setup: LabSetup) -> list[GradientProfile]:
    return [r.profile for r in start_lab(setup).runs]


@st.cache_data(max_entries=16, show_spinner=False)
def cached_clipping(
    setup: LabSetup, std: float, clip_norm: float, lr: float, optimizer: str
) -> ClipComparison:
    return clipping_experiment(setup, std, clip_norm, lr, optimizer, iterations=CLIP_ITERATIONS)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_symmetry(dataset: str, activation: str, start: str, seed: int) -> SymmetryRun:
    return symmetry_experiment(dataset, activation, start, seed=seed)


# how many updates the optimizer comparison of section 6 averages over
ADAM_UPDATES = 10


@st.cache_data(max_entries=16, show_spinner=False)
def cached_update_sizes(setup: LabSetup, activation: str, optimizer: str, lr: float) -> UpdateSizes:
    return update_sizes(setup, activation, optimizer, lr, ADAM_UPDATES)


def captions(notes: list[str]) -> None:
    for note in notes:
        st.caption(f"ℹ️ {note}")
