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


def test_landing_page_says_the_corrected_sentences() -> None:
    """Issue 12 §1, items 3, 4 and 8: what multiplies the error signal, the sum over paths, and a
    Try-this the single-weight preset can answer (dL/dw = 2 (10 - 12) 5 = -20: w moves up by 0.2)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    text = " ".join(" ".join(m.value.split()) for m in at.markdown)
    assert "by the layer's weights and its activation's slope" in text
    assert "all at most 1, so the slopes alone never make the signal grow" in text
    assert "many above 1 make it explode" not in text
    assert "**sum over those paths** of such products" in text
    assert "would a bigger `x`" not in text
    task = " ".join(at.get("markdown")[-1].value.split())
    assert "Is `dL/dw` positive or negative" in task and "`lr = 0.01`" in task
    assert "how far does `w` move" in task
    assert "*single weight*" in task and "**Full iteration**" in task
    # the landing page needs no share link: it has no settings
    assert not at.code


def test_the_single_weight_try_this_is_answerable_with_the_preset() -> None:
    from backprop_core.datasets import single_weight

    example = single_weight()
    w, x, y = example.net.weights[0][0, 0], example.X[0, 0], example.Y[0, 0]
    assert (w, x, y, example.lr, example.loss) == (2.0, 5.0, 12.0, 0.01, "mse")
    grad = 2 * (w * x - y) * x
    assert grad == -20.0 and w - example.lr * grad == 2.2
