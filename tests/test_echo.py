"""ui.echo.quoted and viz.format.plain_label: a learner's text is shown, never interpreted."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.echo import BACKTICK_STANDIN, NEWLINE_MARK, quoted
from viz.format import plain_label

HOSTILE = [
    "[Your session expired - log in again](http://127.0.0.1:9/login)",
    "![x](http://127.0.0.1:8651/track.png)",
    "x\n\n# You have been logged out",
    "x%0A%0A# heading",
    "`code` and ``double`` and ```fence```",
    "```\nblock\n```",
    "<a href='http://evil'>click</a><img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**bold** _it_ ~~strike~~ :red[red] $x^2$ \\(y\\)",
    "a\r\nb\rc\u2028d\x00e\x1bf\tg",
    "| a | b |\n|---|---|",
    "A" * 10_000,
]


def code_span_content(text: str) -> str:
    """The content of ``text`` if it is exactly one inline-code span (CommonMark), else fail."""
    assert text.startswith("`") and text.endswith("`") and len(text) >= 3, text
    inner = text[1:-1]
    assert "`" not in inner, "a backtick inside would close the span early"
    return inner


@pytest.mark.parametrize("text", HOSTILE)
def test_quoted_is_one_code_span_on_one_line_and_short(text: str) -> None:
    out = quoted(text)
    inner = code_span_content(out)
    assert "\n" not in out and "\r" not in out and "\x00" not in out
    assert len(inner) <= 60


def test_quoted_keeps_short_text_letter_for_letter() -> None:
    assert quoted("sigmoid,relu") == "`sigmoid,relu`"
    assert quoted("[x](http://a)") == "`[x](http://a)`"
    assert quoted(12.5) == "`12.5`"


def test_quoted_marks_what_it_changes() -> None:
    assert quoted("a`b") == f"`a{BACKTICK_STANDIN}b`"
    assert quoted("a\n\nb") == f"`a{NEWLINE_MARK}{NEWLINE_MARK}b`"
    assert quoted("a\r\nb") == f"`a{NEWLINE_MARK}b`"
    assert quoted("") == "*(empty)*"
    assert quoted("   ") == "*(only spaces)*"


def test_a_ten_thousand_character_value_is_never_repeated_whole() -> None:
    out = quoted("A" * 10_000)
    assert out == "`" + "A" * 59 + "…`"
    assert len(quoted("B" * 10_000, limit=20)) == 22


@given(st.text(max_size=300), st.integers(1, 200))
def test_quoted_is_always_one_short_code_span(text: str, limit: int) -> None:
    out = quoted(text, limit)
    if out.startswith("*("):
        assert not text.strip() or not text
        return
    inner = code_span_content(out)
    assert len(inner) <= limit
    assert not re.search(r"[\n\r\x00-\x08\x0b-\x1f]", inner)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_label_leaves_no_markup_for_plotly(text: str) -> None:
    out = plain_label(text, 40)
    assert "<" not in out and ">" not in out and "\n" not in out
    # an & only as the start of one of our entities
    assert re.sub(r"&(amp|lt|gt);", "", out).count("&") == 0
    unescaped = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert len(unescaped) <= 40


def test_plain_label_examples() -> None:
    assert plain_label("<a href='x'>cat</a>", 40) == "&lt;a href='x'&gt;cat&lt;/a&gt;"
    assert plain_label("Tom & Jerry") == "Tom &amp; Jerry"
    assert plain_label("dog") == "dog"
    assert plain_label("x" * 100, 10) == "x" * 9 + "…"
    assert plain_label("two\nlines") == "two lines"
