"""Crafted links on the step-through page (issue 11): every value in tests/corpus/url_step_through.txt,
for the parameter it names (``*``: every parameter of the page at once), gives a clear notice naming
the parameter, no exception, no Python exception text, and none of the learner's own markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labs.step_through.view_url import URL_PARAMS

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "1_Step_through.py")
CORPUS = ROOT / "tests" / "corpus" / "url_step_through.txt"
NAMES = [p.name for p in URL_PARAMS]
CODE_SPAN = re.compile(r"`[^`\n]*`")
ESCAPED = re.compile(r"\\.")  # a backslash-escaped character is shown as itself, not as markdown
# what a value of the corpus would put on the page if it were rendered as markdown or HTML
INJECTED = ("](http://127.0.0.1", "<img", "onerror", "# Heading", "**bold**", "|table|", "\u202e")
PYTHON_TEXT = ("invalid literal", "Traceback", "Exceeds the limit", "could not convert", "base 10")


def cases() -> list[tuple[str, str]]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, raw = line.split("\t", 1)
            out.append((name, json.loads(raw)))
    return out


def page_text(at: AppTest) -> list[str]:
    texts = []
    for kind in ("warning", "error", "info", "success", "markdown", "caption", "exception"):
        texts.extend(str(el.value) for el in getattr(at, kind))
    return texts


def test_the_corpus_covers_every_parameter_of_the_page() -> None:
    named = {name for name, _ in cases()}
    assert "*" in named and named - {"*"} <= set(NAMES)
    assert len(cases()) >= 50


@pytest.mark.parametrize(("name", "value"), cases(), ids=lambda v: repr(v)[:30])
def test_a_crafted_url_value_gets_a_clear_notice_and_nothing_else(name: str, value: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    targets = NAMES if name == "*" else [name]
    for n in targets:
        at.query_params[n] = value
    if name in ("sizes", "seed"):
        at.query_params["preset"] = "custom"
    elif name in ("weight", "neuron", "sample", "phase", "batch"):
        at.query_params["preset"] = "tiny" if name in ("sample", "batch") else "classic"
    at.run()
    assert not at.exception, at.exception
    assert at.warning, f"no notice for {name}={value[:40]!r}"
    notice = at.warning[0].value
    for n in targets:
        assert f"`{n}`" in notice, f"the notice does not name `{n}`"
    assert len(notice) < 400 * len(targets), "a long value must be shortened, not repeated in full"
    for text in page_text(at):
        outside_code = CODE_SPAN.sub("", ESCAPED.sub("", text))
        for bad in INJECTED:
            assert bad not in outside_code, f"{bad!r} rendered outside code: {outside_code[:200]!r}"
        for bad in PYTHON_TEXT:
            assert bad not in text, f"Python's own text reached the page: {text[:200]!r}"


def test_phase_backward_superscript_two_is_a_learner_message() -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["preset"] = "classic"
    at.query_params["phase"] = "backward-²"
    at.run()
    assert not at.exception
    notice = at.warning[0].value
    assert "`backward-²`" in notice and "counts the layers done" in notice, notice
    assert "invalid literal" not in notice
