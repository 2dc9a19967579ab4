"""The bad-upload corpus (tests/corpus/playground_uploads/): a clear message for each, nothing else changes.

Every file is uploaded through the page's own uploader in AppTest after a few training steps; the
session state is compared before and after: the run (the same object), every setting, the data
set and the loaded CSV stay as they were. Only the uploader's own value and its message change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "4_Training_playground.py")
CORPUS = ROOT / "tests" / "corpus" / "playground_uploads"
EXPECTED: dict[str, str] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
# too large to keep as files: built here
GENERATED: dict[str, tuple[bytes, str]] = {
    "weights_1mb_of_brackets.json": (b"[" * 1_048_576, "too large"),
    "weights_int_10000_digits.json": (
        b'{"sizes": [2, 4, 4, 1], "weights": [[[' + b"9" * 10_000 + b']]], "biases": []}',
        "10000 digits",
    ),
}
# the uploader's own value and the message are the only keys an upload may change
ALLOWED = {"pg_upload", "pg_weights_file", "pg_csv_error", "pg_import_error"}
PYTHON_WORDS = ("Traceback", "Error:", "list index", "int()", "sys.set_int_max_str_digits", "RecursionError")


def _cases() -> list[tuple[str, bytes, str]]:
    files = [(name, (CORPUS / name).read_bytes(), message) for name, message in EXPECTED.items()]
    return files + [(name, content, message) for name, (content, message) in GENERATED.items()]


def _state(at: AppTest) -> dict:
    return {k: at.session_state[k] for k in at.session_state if k.startswith("pg_") and k not in ALLOWED}


def _same(before: dict, after: dict) -> list[str]:
    """Keys whose value changed (objects must be the very same object, plain values equal)."""
    changed = [k for k in before.keys() ^ after.keys()]
    for k in before.keys() & after.keys():
        a, b = before[k], after[k]
        plain = isinstance(a, (str, int, float, bool, tuple, list, dict, frozenset, type(None)))
        if not (a == b if plain else a is b):
            changed.append(k)
    return sorted(changed)


@pytest.fixture(scope="module")
def trained() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    for _ in range(3):
        at.button(key="pg_step").click().run()
    assert at.session_state["pg_run"].iteration == 3
    return at


def test_the_corpus_holds_every_case_of_the_issue() -> None:
    names = set(EXPECTED) | set(GENERATED)
    must = {
        "csv_only_comma.csv", "csv_commas_on_two_lines.csv", "csv_empty_quotes.csv",
        "csv_space_comma_space.csv",
        "csv_range_overflows_1e308.csv", "csv_range_overflows_9e307.csv", "weights_nested_1000_deep.json",
        "weights_1mb_of_brackets.json", "weights_int_310_digits.json", "weights_int_4300_digits.json",
        "weights_int_5000_digits.json",
    }  # fmt: skip
    assert must <= names


@pytest.mark.parametrize(("name", "content", "message"), _cases(), ids=[c[0] for c in _cases()])
def test_a_bad_upload_says_why_and_changes_nothing_else(
    trained: AppTest, name: str, content: bytes, message: str
) -> None:
    at = trained
    before = _state(at)
    key, error_key, verb = (
        ("pg_upload", "pg_csv_error", "could not be used")
        if name.endswith(".csv")
        else ("pg_weights_file", "pg_import_error", "was not loaded")
    )
    at.file_uploader(key=key).upload(name, content, "application/octet-stream").run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert f"`{name}` {verb}" in shown and message in shown, shown
    assert message in at.session_state[error_key]
    assert not any(word in shown for word in PYTHON_WORDS), shown
    assert _same(before, _state(at)) == []
    # the page still draws everything below the charts, and training carries on from where it was
    assert at.get("plotly_chart") and "Try this" in " ".join(m.value for m in at.markdown)
