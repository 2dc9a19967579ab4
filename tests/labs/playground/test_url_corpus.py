"""Crafted link values (tests/corpus/url_playground.txt) on the playground: a clear notice, never markdown.

Each "*" value is put into every parameter of the page at once; each "name=value" line into one.
The page must run without an exception, name every refused parameter in its notice, and repeat a
refused value only as inline code, shortened: outside the code spans no link, image, heading, HTML
or emphasis made from the learner's text remains, and no notice line runs long.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from streamlit.testing.v1 import AppTest

from labs.playground.view_settings import URL_PARAMS

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "4_Training_playground.py")
CORPUS = ROOT / "tests" / "corpus" / "url_playground.txt"
CODE_SPAN = re.compile(r"`[^`\n]*`")
MARKDOWN = ("](", "<a", "<img", "\n#", "**", "```", "__init__", "onerror")


def _cases() -> list[tuple[str, dict[str, str]]]:
    cases = []
    for n, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            value = unquote(line[1:].strip())
            cases.append((f"line{n}-all", {p.name: value for p in URL_PARAMS}))
        else:
            name, _, value = line.partition("=")
            cases.append((f"line{n}-{name}", {name: unquote(value)}))
    return cases


def _refused(query: dict[str, str]) -> list[str]:
    out = []
    for p in URL_PARAMS:
        if p.name in query:
            try:
                p.parse(query[p.name])
            except ValueError:
                out.append(p.name)
    return out


def test_the_corpus_has_the_issue_cases() -> None:
    text = CORPUS.read_text(encoding="utf-8")
    assert "%5BYour%20session%20expired" in text and "!%5Bx%5D" in text and "%0A%0A%23" in text
    assert any(len(line) > 10_000 for line in text.splitlines())


@pytest.mark.parametrize(("case", "query"), [pytest.param(*c, id=c[0]) for c in _cases()])
def test_a_crafted_link_gives_a_clear_notice_and_no_markdown(case: str, query: dict[str, str]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    refused = _refused(query)
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    if not refused:
        assert not notices
        return
    assert len(notices) == 1
    notice = notices[0]
    for name in refused:
        assert f"URL parameter `{name}`:" in notice
    # outside the code spans, a backslash-escaped mark is shown as itself: drop it before looking
    outside = re.sub(r"\\.", "", CODE_SPAN.sub("", notice))
    for mark in MARKDOWN:
        assert mark not in outside, (mark, outside[:300])
    for value in set(query.values()):
        if len(value) > 3 and not re.fullmatch(r"[A-Za-z0-9.,+\-]*", value):
            assert value not in outside
    assert all(len(line) < 400 for line in notice.splitlines())
    # the page still works: a step trains
    at.button(key="pg_step").click().run()
    assert not at.exception and at.session_state["pg_run"].iteration == 1
