"""The computational-graph lab in a real browser: the classic network's graph at 1280x800 and
1920x1080 (screenshots to look at: is every number readable?), a step click, a refused expression."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, wait_settled

pytestmark = pytest.mark.browser


def _choose(page, label: str) -> None:
    page.get_by_text(label, exact=True).first.click()
    wait_settled(page)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_graph_classic_readable_and_steps(app_url: str, page, artifacts_dir: Path, size) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/Computational_graph")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("Try this").count() >= 1
    _choose(page, "classic 2-2-2 network")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    time.sleep(0.8)
    page.screenshot(path=str(artifacts_dir / f"graph_classic_{width}x{height}.png"))
    # three backward steps: the third node is being processed, the step text says so
    for _ in range(3):
        page.get_by_role("button", name="Step backward ▶").click()
        wait_settled(page)
    assert page.get_by_text("Step 3 of").count() == 1
    chart.scroll_into_view_if_needed()
    time.sleep(0.8)
    page.screenshot(path=str(artifacts_dir / f"graph_classic_step3_{width}x{height}.png"), full_page=False)
    # "Run to the end": every leaf has its gradient
    page.get_by_role("button", name="⏭ Run to the end").click()
    wait_settled(page)
    assert page.get_by_text("Backward is done").count() == 1
    chart.scroll_into_view_if_needed()
    time.sleep(0.8)
    page.screenshot(path=str(artifacts_dir / f"graph_classic_done_{width}x{height}.png"))
    assert_no_exception(page)
    # the PyTorch bridge: the script and PyTorch's node names
    page.get_by_text("The same in PyTorch").first.click()
    time.sleep(1.0)
    code = page.locator('[data-testid="stExpander"]').filter(has_text="The same in PyTorch").first
    assert "backward()" in code.inner_text()
    code.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"graph_pytorch_{width}x{height}.png"))


def test_graph_refuses_bad_expression(app_url: str, page, artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/Computational_graph")
    wait_settled(page)
    _choose(page, "type your own")
    box = page.get_by_role("textbox", name="Expression")
    box.fill("__import__('os').system('x')")
    box.press("Enter")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("That expression cannot be used").count() == 1
    page.screenshot(path=str(artifacts_dir / "graph_refused_1280x800.png"))


def test_graph_fan_out_whole_page(app_url: str, page, artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/Computational_graph")
    wait_settled(page)
    _choose(page, "fan-out a*b + a")
    for _ in range(2):
        page.get_by_role("button", name="Step backward ▶").click()
        wait_settled(page)
    assert page.get_by_text("reached before").count() == 1  # a's second use: += accumulates
    page.get_by_role("button", name="Call backward() again").click()
    wait_settled(page)
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / "graph_fanout_page_1920.png"), full_page=True)
