"""The playground's data: built-in problems (cached, as pure functions of their settings) and CSV uploads.

An upload is checked by ``labs.playground.model_byod`` as soon as it arrives. A good file becomes the
data set "csv" and is selected; a bad one leaves everything as it was and says exactly what is
wrong. The checked table stays in session state (``pg_csv``) for as long as the file is there.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

import streamlit as st

from backprop_core import DATASETS
from labs.playground.model import Problem, make_problem, problem_from_table
from labs.playground.model_byod import MAX_CLASSES, MAX_ROWS, Table, read_csv
from labs.playground.view_settings import CSV, Settings
from ui.echo import quoted
from viz.format import plain_label

LABEL_CHARS = 24  # a class label in a legend or hover

EXAMPLE_CSV = "x1,x2,label\n-1.5,0.3,red\n2.0,1.1,blue\n0.4,-2.2,red\n"
FORMAT_HELP = (
    f"A header row, then one row per point: two numeric feature columns **x1** and **x2**, and either "
    f"**label** (classification: 2 to {MAX_CLASSES} classes, numbers or words) or **target** (regression: "
    f"numbers). At most {MAX_ROWS} rows; other columns are ignored. Features between about -5 and 5 suit "
    "the default settings best."
)


@st.cache_data(max_entries=32, show_spinner=False)
def builtin_problem(name: str, points: int, noise: float, test: float, dseed: int) -> Problem:
    """A built-in data set, drawn and split (pure, so cached)."""
    return make_problem(name, points, noise, test, dseed)


def current_problem(settings: Settings, state: MutableMapping[str, Any]) -> Problem:
    """The problem the settings describe (the uploaded table for ``csv``).

    A file's class labels are the learner's own text: the charts get them shown letter for letter
    (``plain_label``: no link or other HTML in a legend or hover), shortened.
    """
    if settings.dataset == CSV:
        name, table = state["pg_csv"]
        problem = problem_from_table(table, settings.test, settings.dseed, plain_label(name))
        return replace(problem, class_names=tuple(chart_label(c) for c in problem.class_names))
    return builtin_problem(settings.dataset, settings.points, settings.noise, settings.test, settings.dseed)


def chart_label(text: str) -> str:
    """A learner's label for a Plotly legend and hover: escaped HTML, and no ``%{...}`` template field."""
    return plain_label(text, LABEL_CHARS).replace("%{", "%\u200b{")


def dataset_names(state: MutableMapping[str, Any]) -> list[str]:
    """The built-in data sets, then the learner's file if one is loaded."""
    names = list(DATASETS)
    if state.get("pg_csv") is not None:
        names.append(CSV)
    return names


def take_upload(state: MutableMapping[str, Any], name: str | None, content: bytes | None) -> None:
    """Check an uploaded file (``content`` ``None`` = the file was removed) and update the state.

    A good file is stored as ``pg_csv = (name, Table)`` and selected; a bad one only sets
    ``pg_csv_error``. Removing the file while it is the data set falls back to the default set.
    """
    if content is None:
        state["pg_csv"] = None
        state["pg_csv_error"] = None
        if state.get("pg_dataset") == CSV:
            state["pg_dataset"] = "circle"
            state["pg_data_note"] = "Your file was removed, so the data set is circle again."
        return
    try:
        table: Table = read_csv(content)
        # the split must work too (at the current test share), before anything changes
        problem_from_table(table, float(state.get("pg_test", 0.2)), int(state.get("pg_dseed", 0)))
    except ValueError as exc:
        state["pg_csv_error"] = f"{quoted(name)} could not be used: {exc}."
        return
    state["pg_csv"] = (name, table)
    state["pg_csv_version"] = state.get("pg_csv_version", 0) + 1
    state["pg_csv_error"] = None
    state["pg_dataset"] = CSV
    extra = (
        f" (ignored columns: {', '.join(quoted(c, 30) for c in table.ignored[:5])})" if table.ignored else ""
    )
    kind = {
        "binary": "two classes",
        "multiclass": f"{len(table.class_names)} classes",
        "regression": "regression",
    }
    state["pg_data_note"] = f"Loaded {quoted(name)}: {table.n_rows} rows, {kind[table.kind]}{extra}."


def _on_upload() -> None:
    file = st.session_state.get("pg_upload")
    take_upload(st.session_state, file.name if file else None, file.getvalue() if file else None)


def upload_control() -> None:
    """The CSV uploader with its format help and the last problem found in a file."""
    with st.expander("Bring your own data (CSV)", expanded=bool(st.session_state.get("pg_csv_error"))):
        st.markdown(FORMAT_HELP)
        st.code(EXAMPLE_CSV, language="text")
        st.file_uploader("CSV file", type=["csv", "txt"], key="pg_upload", on_change=_on_upload)
        if st.session_state.get("pg_csv_error"):
            st.error(st.session_state.pg_csv_error, icon="⚠️")
