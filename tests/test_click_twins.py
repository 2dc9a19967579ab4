"""benchmarks/click_twins.py: a page's twin has the page's Streamlit elements, in the same nesting."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from click_twins import LEAVES, SKIPPED, page_tree, twin_source, write_twin_app  # noqa: E402

PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
CONTAINERS = ("sidebar", "expander", "tab", "column")


def _census(node: object, path: tuple[str, ...] = ()) -> collections.Counter:
    """Element kinds, each with the containers it sits in (so nesting counts too)."""
    counts: collections.Counter = collections.Counter()
    kind = getattr(node, "type", None)
    here = (*path, kind) if kind in CONTAINERS else path
    if kind in LEAVES or kind in CONTAINERS:
        counts[(kind, path)] += 1
    children = getattr(node, "children", None)
    for child in children.values() if isinstance(children, dict) else ():
        counts += _census(child, here)
    return counts


@pytest.mark.parametrize("page", PAGES)
def test_the_twin_has_the_pages_elements_in_the_same_places(page: str, tmp_path: Path) -> None:
    source, unknown = twin_source(page, "Twin")
    assert not unknown, f"element kinds the twin cannot make: {unknown}"
    (tmp_path / "twin.py").write_text(source)
    at = AppTest.from_file(str(tmp_path / "twin.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    ours = _census(page_tree(page))
    twin = _census(at._tree)
    assert twin == ours
    assert sum(n for (kind, _), n in ours.items() if kind == "plotly_chart") >= 1


def test_the_twin_app_lists_every_twin(tmp_path: Path) -> None:
    links = write_twin_app(tmp_path, [(PAGES[0], "t")])
    assert links == {PAGES[0]: "Twin " + PAGES[0].removesuffix(".py").split("_", 1)[1].replace("_", " ")}
    assert (tmp_path / "app.py").exists() and len(list((tmp_path / "pages").glob("*.py"))) == 1
    assert "event" in SKIPPED  # Streamlit's own bookkeeping is not an element to copy
