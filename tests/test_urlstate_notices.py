"""Crafted links (issue 11 §2): a URL value is echoed only as short inline code, never as markdown.

Every notice must leave, outside its code spans, no link, image, heading, HTML or raw value; a
10,000-character value is never repeated whole; Python's own exception text never shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.urlstate import learner_reason, url_notice

ROOT = Path(__file__).resolve().parent.parent
APP = Path(__file__).parent / "apps" / "urlstate_app.py"

CRAFTED = [
    "[Your session expired - log in again](http://127.0.0.1:9/login)",
    "![x](http://127.0.0.1:8651/pixel.png)",
    "x\n\n# You have been logged out",
    "<a href='http://evil.example'>continue</a>",
    "<img src=x onerror=alert(1)>",
    "`code` ```fence```",
    "**bold** :red[red] $x^2$",
    "http://127.0.0.1:9/login",
    "www.example.com",
    "Z" * 10_000,
]
PARAMS = ["seed", "lr", "act", "bias", "sizes", "steps", "acts"]


def outside_code(markdown: str) -> str:
    """The markdown with its inline-code spans removed (what markdown would interpret)."""
    return re.sub(r"`[^`]*`", "", markdown)


def assert_safe(markdown: str, value: str) -> None:
    rest = outside_code(markdown)
    unescaped = re.sub(r"\\.", "", rest)  # a backslash-escaped mark is shown as itself
    assert "](" not in unescaped and "![" not in unescaped, markdown
    assert "<" not in unescaped and ">" not in unescaped, markdown
    assert not re.search(r"(^|\n)\s*#", rest), markdown
    assert "http://" not in unescaped and "www." not in unescaped, markdown
    assert "`" * 2 not in markdown
    if len(value) > 100:
        assert value not in markdown and value[:200] not in markdown
    assert len(markdown) < 1200
    for python_text in ("invalid literal", "could not convert", "Exceeds the limit", "Error"):
        assert python_text not in markdown, markdown


@pytest.mark.parametrize("value", CRAFTED)
def test_a_notice_quotes_the_value_and_escapes_the_reason(value: str) -> None:
    # a parser that repeats the value inside its reason, as several labs' parsers do
    exc = ValueError(f"unknown activation(s) {value}; expected tanh or relu")
    assert_safe(url_notice("acts", value + ",relu", exc), value)
    assert_safe(url_notice("seed", value, ValueError(f"'{value}' is not a number")), value)


def test_pythons_own_messages_become_a_plain_reason() -> None:
    for exc in (
        ValueError("invalid literal for int() with base 10: '²'"),
        ValueError("could not convert string to float: 'x'"),
        ValueError("Exceeds the limit (4300 digits) for integer string conversion"),
        TypeError("'NoneType' object is not subscriptable"),
        IndexError("list index out of range"),
    ):
        assert learner_reason(exc, "backward-²") == "`backward-²` is not a valid value for this setting"


@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("value", CRAFTED)
def test_crafted_values_on_a_page_render_nothing_but_text(param: str, value: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params[param] = value
    at.run()
    assert not at.exception
    assert len(at.warning) == 1
    for line in at.warning[0].value.split("\n- ")[1:]:
        assert_safe(line, value)
    assert "seed 0" in [m.value for m in at.markdown]


def test_a_python_message_from_a_lab_parser_never_shows() -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["steps"] = "²"
    at.run()
    assert "`²` is not a valid value for this setting" in at.warning[0].value
    assert "invalid literal" not in at.warning[0].value


def page_markdown(at: AppTest) -> list[str]:
    return [el.value for el in [*at.markdown, *at.warning, *at.error, *at.info, *at.caption]]


@pytest.mark.parametrize(
    ("page", "param", "value"),
    [
        (
            "4_Training_playground.py",
            "seed",
            "[Your session expired - log in again](http://127.0.0.1:9/login)",
        ),
        ("5_Vanishing_gradients.py", "acts", "![x](http://127.0.0.1:8651/pixel.png)"),
        ("4_Training_playground.py", "lr", "x\n\n# You have been logged out"),
        ("5_Vanishing_gradients.py", "depth", "Q" * 10_000),
    ],
)
def test_the_real_pages_render_no_link_image_or_heading(page: str, param: str, value: str) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=90)
    at.query_params[param] = value
    at.run()
    assert not at.exception
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert len(notices) == 1
    for text in page_markdown(at):
        if "URL parameter" in text:
            for line in text.split("\n- ")[1:]:
                assert_safe(line, value)
        else:
            assert value[:40] not in text
