"""Crafted URL values from ``tests/corpus/url_<lab>.txt`` run against a page's URL settings and the page.

Used by the graph, rnn and conv lab tests. Each page is opened in AppTest once per round: a round gives
every parameter of the page one value of the corpus (a ``*`` line goes to every parameter), so every
(parameter, value) pair of the file is tried. Checked: no exception; a notice names every refused
parameter; no text the page shows carries the value's markdown or HTML outside a code span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.urlstate import UrlSetting, url_notice

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LONG = "9" * 5000 + "x" * 5000
# pieces of the corpus values that must never reach the page as markdown or HTML
DANGEROUS = ("](http", "![x]", "<script", "<b>", "# heading", "# encoded", "**bold**")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def read_corpus(lab: str) -> list[tuple[str, str]]:
    """``(parameter, value)`` cases of ``url_<lab>.txt``."""
    cases = []
    for line in (CORPUS / f"url_{lab}.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, raw = line.partition("\t")
        value = raw.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        cases.append((name, value.replace("{long}", LONG)))
    return cases


def rounds(cases: Sequence[tuple[str, str]], params: Sequence[UrlSetting]) -> list[dict[str, str]]:
    """Queries covering every case: ``*`` values on every parameter, the others packed together."""
    names = [p.name for p in params]
    out: list[dict[str, str]] = []
    for name, value in cases:
        targets = names if name == "*" else [name]
        assert all(t in names for t in targets), f"the corpus names an unknown parameter {name!r}"
        for target in targets:
            spot = next((q for q in out if target not in q), None)
            if spot is None:
                spot = {}
                out.append(spot)
            spot[target] = value
    return out


def outside_code(text: str) -> str:
    """``text`` with every inline code span removed (what markdown would render as formatting)."""
    return CODE_SPAN.sub("", text)


def shown_texts(at: AppTest) -> list[str]:
    """Every markdown-rendered text on the page."""
    kinds = (at.markdown, at.caption, at.warning, at.error, at.info, at.success)
    return [str(e.value) for kind in kinds for e in kind]


def check_round(at: AppTest, query: dict[str, str], params: Sequence[UrlSetting]) -> None:
    """The page survived ``query``: no exception, refused values named, nothing rendered as markdown."""
    assert not at.exception, [e.value for e in at.exception]
    by_name = {p.name: p for p in params}
    refused = []
    for name, value in query.items():
        try:
            by_name[name].parse(value)
        except ValueError:
            refused.append(name)
    notices = "\n".join(str(w.value) for w in at.warning)
    for name in refused:
        assert f"URL parameter `{name}`" in notices, (name, query[name][:80], notices[:300])
    for text in shown_texts(at):
        free = outside_code(text)
        for piece in DANGEROUS:
            assert piece not in free, (piece, text[:300])
        assert LONG[:200] not in text, "a 10,000-character value is repeated in full"


def check_parse_messages(cases: Sequence[tuple[str, str]], params: Sequence[UrlSetting]) -> int:
    """Every refusal is a ``ValueError`` whose notice (as ``ui.urlstate`` writes it for the page) shows
    the value only inside a code span."""
    by_name = {p.name: p for p in params}
    refused = 0
    for name, value in cases:
        for p in params if name == "*" else [by_name[name]]:
            try:
                p.parse(value)
            except ValueError as exc:
                refused += 1
                notice = url_notice(p.name, value, exc)
                free = outside_code(notice)
                for piece in DANGEROUS:
                    assert piece not in free, (p.name, piece, notice[:200])
                assert len(notice) < 400, (p.name, len(notice))
    return refused


def run_corpus(page: str, lab: str, params: Sequence[UrlSetting], timeout: float = 120) -> int:
    """Open ``page`` once per round of ``url_<lab>.txt``; returns the number of rounds."""
    queries = rounds(read_corpus(lab), params)
    for query in queries:
        at = AppTest.from_file(page, default_timeout=timeout)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        check_round(at, query, params)
    return len(queries)
