"""Crafted links (issue 11 §2) in a real browser: a notice shows the value as text, never as a link,
image or heading, including a reason that repeats part of the value (escaped, not autolinked)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import assert_no_exception, wait_settled

pytestmark = pytest.mark.browser

CASES = [
    ("Training_playground", "seed", "[Your session expired - log in again](http://127.0.0.1:9/login)"),
    ("Vanishing_gradients", "acts", "![x](http://127.0.0.1:9/pixel.png),relu"),
    ("Vanishing_gradients", "acts", "www.example.com,http://127.0.0.1:9/login,relu"),
    ("Training_playground", "lr", "x\n\n# You have been logged out"),
]


@pytest.mark.parametrize(("path", "param", "value"), CASES)
def test_a_crafted_value_renders_as_plain_text(
    app_url: str, page: object, artifacts_dir: Path, path: str, param: str, value: str
) -> None:
    page.goto(f"{app_url}/{path}?{param}={quote(value, safe='')}")
    wait_settled(page)
    assert_no_exception(page)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="could not be used")
    assert notice.count() == 1
    assert notice.locator("a").count() == 0, notice.inner_html()
    assert notice.locator("img, h1, h2, h3, h4, h5, h6, script").count() == 0, notice.inner_html()
    assert page.locator('[data-testid="stMain"] a[href*="127.0.0.1:9"], img[src*="127.0.0.1:9"]').count() == 0
    assert notice.locator("code").count() >= 1  # the value itself is shown as code
    if param == "acts" and value.startswith("![x]"):
        notice.screenshot(path=str(artifacts_dir / "crafted_link_notice.png"))
