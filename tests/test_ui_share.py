"""ui.share.share_link: a visible link block with the page's settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

from ui.share import page_url

APP = Path(__file__).parent / "apps" / "share_app.py"


def test_share_link_shows_the_url_with_every_setting_and_what_it_restores() -> None:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    link = at.code[0].value
    parts = urlsplit(link)
    assert parse_qs(parts.query) == {"lr": ["0.1"], "act": ["tanh & relu"]}
    assert parts.path.startswith("/")
    assert "Copy link" in at.markdown[0].value
    assert at.caption[0].value == "Restores the learning rate and the activation."


def test_page_url_without_settings_has_no_question_mark() -> None:
    assert "?" not in page_url({})
    assert page_url({"a": "1 2"}).endswith("?a=1+2")
