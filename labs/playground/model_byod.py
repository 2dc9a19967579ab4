"""Bring your own data: read a learner's CSV file into a checked table, or say exactly what is wrong.

The expected file, in words the page repeats to the learner:

* a header row naming the columns; names are matched ignoring case and surrounding spaces;
* two numeric feature columns ``x1`` and ``x2``;
* one answer column: ``label`` for classification (2 to 10 classes; whole numbers or words) or
  ``target`` for regression (numbers);
* at most ``MAX_ROWS`` data rows; other columns are ignored;
* every feature and target between ``-MAX_MAGNITUDE`` and ``MAX_MAGNITUDE``: the boundary is drawn
  over the data's range, and a range wider than the largest float cannot be drawn (or trained on).

Every problem is reported as a ``ValueError`` naming the row (counted as a spreadsheet shows
it: the header is row 1) and the column, so a learner can find it in their file.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from backprop_core.datasets import MAX_POINTS

MAX_ROWS = MAX_POINTS
MAX_CLASSES = 10
FEATURES = ("x1", "x2")
LABEL, TARGET = "label", "target"
_MISSING = {"", "nan", "na", "n/a", "null", "none"}
# far beyond any sensible input to a small network (features around -5..5 suit it), and far below
# where the data's range or the first layer's z = x @ W + b would overflow
MAX_MAGNITUDE = 1e6


@dataclass(frozen=True, repr=False)
class Table:
    """A checked data set from a file.

    ``X``: ``(m, 2)`` features. Classification: ``labels`` ``(m,)`` class indices 0..k-1 into
    ``class_names``; regression: ``target`` ``(m,)`` numbers and ``class_names == ()``.
    ``ignored``: names of extra columns that were not used.
    """

    X: np.ndarray
    labels: np.ndarray | None
    target: np.ndarray | None
    class_names: tuple[str, ...]
    ignored: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``binary``, ``multiclass`` or ``regression``, as the built-in data sets."""
        if self.target is not None:
            return "regression"
        return "binary" if len(self.class_names) == 2 else "multiclass"

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    def __repr__(self) -> str:
        return f"Table({self.kind}, rows={self.n_rows}, classes={len(self.class_names)})"


def read_csv(content: bytes | str, max_rows: int = MAX_ROWS) -> Table:
    """Parse and check CSV ``content``; ``ValueError`` names the first problem found."""
    text = _decode(content)
    if not text.strip():
        raise ValueError("the file is empty; expected a header row and at least two data rows")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        del exc  # Python's own words are not for a learner
        raise ValueError(
            "the file is not readable as CSV: a cell is too long, a quote is never closed, or the file "
            "holds a NUL byte"
        ) from None
    # blank lines (often one at the end of a file) carry no data
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise ValueError(
            "the file holds no values, only separators or quotes; expected a header row such as "
            "'x1,x2,label' and at least two data rows"
        )
    header = numbered[0][1]
    names = [cell.strip().lower() for cell in header]
    columns = _find_columns(names, header)
    body = numbered[1:]
    if len(body) > max_rows:
        raise ValueError(f"the file has {len(body)} data rows; at most {max_rows} are allowed")
    if len(body) < 2:
        raise ValueError(f"the file has {len(body)} data row(s); expected at least 2")

    answer = LABEL if LABEL in columns else TARGET
    X = np.empty((len(body), 2))
    answers: list[str] = []
    for r, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise ValueError(
                f"row {line} has {len(row)} fields but the header row has {len(header)}; "
                "every row needs one value per column"
            )
        for c, name in enumerate(FEATURES):
            X[r, c] = _number(row[columns[name]], line, name)
        cell = row[columns[answer]].strip()
        if cell.lower() in _MISSING:
            raise ValueError(f"row {line}, column '{answer}': the cell is empty or NaN; expected a value")
        answers.append(cell)

    ignored = tuple(header[i].strip() for i in range(len(header)) if i not in columns.values())
    if answer == TARGET:
        target = np.array([_number(a, line, TARGET) for a, (line, _) in zip(answers, body, strict=True)])
        return Table(X, None, target, (), ignored)
    return _classes(X, answers, ignored)


def echo(text: str, limit: int = 30) -> str:
    """A cell or header of the learner's file inside a message: one inline-code span, shortened.

    Messages are shown as markdown, so the text must not become a link, image or heading: the
    same rule as ``ui.echo.quoted`` (kept here because a model module does not import the UI).
    """
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    text = " ".join(text.splitlines()).replace("`", "ˋ")
    text = "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in text)
    return f"`{text}`" if text.strip() else "(empty)"


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("the file is not a text (UTF-8) file; expected a CSV file") from None


def _find_columns(names: list[str], header: list[str]) -> dict[str, int]:
    shown = ", ".join(echo(h.strip()) for h in header[:8]) + (" …" if len(header) > 8 else "")
    duplicated = sorted({n for n in names if names.count(n) > 1 and n in (*FEATURES, LABEL, TARGET)})
    if duplicated:
        raise ValueError(f"the header names the column '{duplicated[0]}' more than once (columns: {shown})")
    missing = [name for name in FEATURES if name not in names]
    if LABEL not in names and TARGET not in names:
        missing.append("label (classification) or target (regression)")
    if missing:
        if all(_looks_numeric(cell) for cell in header):
            raise ValueError(
                "the first row holds numbers, not column names; add a header row such as 'x1,x2,label'"
            )
        raise ValueError(f"missing column(s): {', '.join(missing)}; the header row has {shown}")
    if LABEL in names and TARGET in names:
        raise ValueError(
            "the file has both a 'label' and a 'target' column; keep 'label' for classification "
            "or 'target' for regression"
        )
    wanted = (*FEATURES, LABEL if LABEL in names else TARGET)
    return {name: names.index(name) for name in wanted}


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str, line: int, column: str) -> float:
    text = cell.strip()
    if text.lower() in _MISSING:
        raise ValueError(f"row {line}, column '{column}': the cell is empty or NaN; expected a number")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"row {line}, column '{column}': {echo(text)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"row {line}, column '{column}': {echo(text)} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(
            f"row {line}, column '{column}': {value:g} is too large; the playground takes values from "
            f"{-MAX_MAGNITUDE:,.0f} to {MAX_MAGNITUDE:,.0f} (rescale the column, e.g. divide it by a "
            "power of ten)"
        )
    return value


def _classes(X: np.ndarray, answers: list[str], ignored: tuple[str, ...]) -> Table:
    answers = [_class_name(a) for a in answers]
    distinct = sorted(set(answers), key=_class_order)
    if len(distinct) < 2:
        raise ValueError(
            f"the 'label' column has only one class ({echo(distinct[0])}); expected 2 to {MAX_CLASSES}"
        )
    if len(distinct) > MAX_CLASSES:
        raise ValueError(
            f"the 'label' column has {len(distinct)} different classes; at most {MAX_CLASSES} are allowed "
            "(for a numeric answer use a 'target' column instead)"
        )
    index = {name: k for k, name in enumerate(distinct)}
    labels = np.array([index[a] for a in answers], dtype=int)
    return Table(X, labels, None, tuple(distinct), ignored)


def _class_order(label: str) -> tuple[int, float, str]:
    # numbers in numeric order (so 2 comes before 10), then words alphabetically
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _class_name(label: str) -> str:
    # "1.0" and "1" name the same class in a learner's eyes
    try:
        value = float(label)
    except ValueError:
        return label
    return f"{value:g}" if math.isfinite(value) else label
