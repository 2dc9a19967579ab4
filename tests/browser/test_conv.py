"""The convolution page in a real browser: open it, step the window, walk backward, train, play and pause.

Screenshots at 1280x800 and 1920x1080 go to artifacts/screenshots/ for a person to look at (are the
numbers of the 12x12 grid readable?).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import assert_no_exception, wait_settled

pytestmark = pytest.mark.browser

SIZES = ((1280, 800), (1920, 1080))

# the titles (axis titles, subplot titles) a chart's legend box runs into
LEGEND_OVERLAPS = """chart => {
  const box = el => el.getBoundingClientRect();
  const legend = box(chart.querySelector('g.legend'));
  return [...chart.querySelectorAll('.g-xtitle, .g-x2title, .g-ytitle, .annotation')]
    .filter(el => { const b = box(el); return b.left < legend.right && legend.left < b.right
                                       && b.top < legend.bottom && legend.top < b.bottom; })
    .map(el => el.textContent);
}"""


def _iteration(page: object) -> int:
    for m in page.locator('[data-testid="stMetric"]').all():
        if m.locator('[data-testid="stMetricLabel"]').inner_text().strip() == "Iteration":
            return int(m.locator('[data-testid="stMetricValue"]').inner_text())
    raise AssertionError("no Iteration metric on the page")


def _scroll_to(page: object, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.evaluate("el => el.scrollIntoView({block: 'start'})")
    time.sleep(0.6)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_sections_at_two_sizes(
    app_url: str, browser: object, artifacts_dir: Path, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app_url}/Convolutions")
        wait_settled(page)
        assert_no_exception(page)
        assert page.get_by_role("heading", name="Convolutions and max-pooling").count() == 1
        tag = f"{width}x{height}"
        _scroll_to(page, "2 · Forward, one position at a time")
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_1_forward.png"))
        page.get_by_role("button", name="Next ▶").click()
        wait_settled(page)
        assert_no_exception(page)
        assert "z[0, 1]" in page.locator('[data-testid="stCode"]').first.inner_text()
        page.mouse.wheel(0, height * 0.8)
        time.sleep(0.5)
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_2_maps.png"))
        _scroll_to(page, "3 · Backward, one layer at a time")
        page.locator(".st-key-cv_back").locator("button", has_text="2 · routed to the winners").click()
        wait_settled(page)
        assert_no_exception(page)
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_3_routed.png"))
        page.locator(".st-key-cv_back").locator("button", has_text="4 · dK, position by position").click()
        wait_settled(page)
        page.get_by_role("button", name="Next position ▶").click()
        wait_settled(page)
        assert_no_exception(page)
        assert page.locator('[data-testid="stCode"]', has_text="after 2 of").count() == 1
        _scroll_to(page, "3 · Backward, one layer at a time")
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_4_dk.png"))
        page.locator(".st-key-cv_back").locator("button", has_text="5 · dx: the full convolution").click()
        wait_settled(page)
        assert_no_exception(page)
        _scroll_to(page, "3 · Backward, one layer at a time")
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_5_dx.png"))
        page.get_by_text("The same in PyTorch").click()
        time.sleep(0.8)
        page.get_by_text("The same in PyTorch").evaluate("el => el.scrollIntoView({block: 'start'})")
        time.sleep(0.5)
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_6_pytorch.png"))
        _scroll_to(page, "4 · Train live")
        page.get_by_role("button", name="Train 50").click()
        wait_settled(page)
        assert_no_exception(page)
        assert _iteration(page) == 50
        _scroll_to(page, "4 · Train live")
        page.screenshot(path=str(artifacts_dir / f"conv_{tag}_7_trained.png"))
        # the curves' legend overlaps neither the axis titles nor the subplot titles
        assert page.locator(".st-key-cv_curves_chart").evaluate(LEGEND_OVERLAPS) == []
    finally:
        context.close()


def test_play_trains_and_pause_stops(app_url: str, page: object, artifacts_dir: Path) -> None:
    page.goto(f"{app_url}/Convolutions")
    wait_settled(page)
    _scroll_to(page, "4 · Train live")
    start = _iteration(page)
    control = page.locator(".st-key-cv_play_mode")
    control.locator("button", has_text="Play").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _iteration(page) < start + 20:
        time.sleep(0.5)
    assert _iteration(page) >= start + 20, "Play should keep training"
    control.locator("button", has_text="Pause").click()
    wait_settled(page)
    assert_no_exception(page)
    stopped = _iteration(page)
    time.sleep(1.5)
    assert _iteration(page) == stopped, "Pause should stop the training"
    page.screenshot(path=str(artifacts_dir / "conv_play_paused.png"), full_page=True)


def test_two_conv_layers_backward(app_url: str, browser: object, artifacts_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app_url}/Convolutions")
        wait_settled(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("2", exact=True).click()
        wait_settled(page)
        assert_no_exception(page)
        _scroll_to(page, "3 · Backward, one layer at a time")
        page.locator(".st-key-cv_back").locator("button", has_text="5 · dx: the full convolution").click()
        wait_settled(page)
        assert_no_exception(page)
        assert page.get_by_text("Input channel c").count() == 1
        _scroll_to(page, "3 · Backward, one layer at a time")
        page.screenshot(path=str(artifacts_dir / "conv_1280x800_8_two_layers_dx.png"))
    finally:
        context.close()
