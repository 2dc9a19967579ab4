"""Every page of the app runs without an exception in AppTest, with its default settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def test_landing_page_lists_the_learning_path() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value.startswith("🧮 Backprop Lab")
    text = " ".join(m.value for m in at.markdown)
    assert "Try this" in text
    # every page that exists is linked, in the order of its numeric prefix
    # (a page link names its page by the URL path: the file name without the numeric prefix)
    expected = [name.removesuffix(".py").split("_", 1)[1] for name in PAGES]
    assert len(expected) == 7
    assert [el.proto.page for el in at.main.get("page_link")] == expected
    # the sidebar lists Home and the same pages, in the same order, with the same labels
    sidebar = at.sidebar.get("page_link")
    assert [el.proto.page for el in sidebar][1:] == expected
    assert sidebar[0].proto.label.startswith("Home")
    main_labels = [el.proto.label for el in at.main.get("page_link")]
    assert [f"**{el.proto.label}** →" for el in sidebar[1:]] == main_labels


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_follows_the_teaching_frame(page: str) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title, "every page opens with a title"
    text = " ".join(m.value for m in at.markdown)
    assert "Try this" in text, "every page ends with a 'Try this' box"
