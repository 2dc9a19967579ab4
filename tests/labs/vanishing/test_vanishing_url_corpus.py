"""Crafted links on the vanishing page (tests/corpus/url_vanishing.txt): a clear notice, no exception,
nothing of the value rendered as markdown (no link, image, heading or HTML), the page still drawn."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "5_Vanishing_gradients.py")
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "url_vanishing.txt"
CASES = [line for line in CORPUS.read_text().splitlines() if line and not line.startswith("#")]
CODE_SPAN = re.compile(r"`[^`]*`")


def outside_code(text: str) -> str:
    """The markdown a learner's value could act in: everything but inline code spans."""
    return CODE_SPAN.sub("", text)


@pytest.mark.parametrize("line", CASES, ids=[c[:40] for c in CASES])
def test_a_crafted_link_gives_a_clear_notice_and_renders_nothing(line: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for k, v in parse_qsl(line, keep_blank_values=True):
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    expect_notice = not line.startswith("presenter=") and "&" not in line
    if expect_notice:
        assert len(notices) == 1, [w.value for w in at.warning]
    for text in notices + [e.value for e in at.error]:
        body = outside_code(text)
        for bad in ("![", "](", "<img", "<script", "\n#", "$\\", "**bold**"):
            assert bad not in body, (bad, text[:200])
        assert len(text) < 1500
    # nowhere on the page does a crafted address appear outside inline code
    for el in [*at.markdown, *at.caption, *at.warning, *at.info]:
        assert "127.0.0.1" not in outside_code(el.value), el.value[:200]
    # the page is still there: the first section's table and the training panel
    assert at.dataframe and at.button(key="vg_train")
