"""The backpropagation-through-time page in a real browser: open, step back, play, look at it at two sizes."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import assert_no_exception, wait_settled

pytestmark = pytest.mark.browser

SIZES = ((1280, 800), (1920, 1080))


def _updates(page: object) -> int:
    for m in page.locator('[data-testid="stMetric"]').all():
        if m.locator('[data-testid="stMetricLabel"]').inner_text().strip() == "updates":
            return int(m.locator('[data-testid="stMetricValue"]').inner_text())
    raise AssertionError("no 'updates' metric on the page")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_bptt_page(app_url: str, browser: object, artifacts_dir: Path, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app_url}/Backprop_through_time")
        wait_settled(page, timeout=90)
        assert_no_exception(page)
        assert page.get_by_role("heading", name="Backpropagation through time").count() == 1
        charts = page.locator('[data-testid="stPlotlyChart"]')
        assert charts.count() >= 6
        page.screenshot(path=str(artifacts_dir / f"rnn_{width}_open.png"))
        # the two charts in closed expanders are drawn once opened (ui/lazy.py)
        for label in ("every step's contribution, as a chart", "Truncation and learning"):
            page.locator('[data-testid="stExpander"]', has_text=label).first.locator("summary").click()
            wait_settled(page)
        assert charts.count() >= 8
        assert_no_exception(page)

        # the backward pass: two steps back from the last step (T = 6)
        assert "step t = 6" in page.get_by_text(re.compile("The backward pass has reached")).inner_text()
        for _ in range(2):
            page.get_by_role("button", name="One step back in time").click()
            wait_settled(page)
        assert "step t = 4" in page.get_by_text(re.compile("The backward pass has reached")).inner_text()
        assert_no_exception(page)
        for number in range(1, 8):
            heading = page.locator("h2", has_text=re.compile(rf"^{number} · "))
            heading.evaluate("el => el.scrollIntoView({block: 'start'})")
            time.sleep(0.4)
            page.screenshot(path=str(artifacts_dir / f"rnn_{width}_section_{number}.png"))

        # Play trains in ticks; Pause stops it
        assert _updates(page) == 0
        page.locator(".st-key-bt_play_mode").locator("button", has_text="Play").click()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and _updates(page) < 30:
            time.sleep(0.5)
        assert _updates(page) >= 30
        page.locator(".st-key-bt_play_mode").locator("button", has_text="Pause").click()
        wait_settled(page)
        paused_at = _updates(page)
        time.sleep(2)
        assert _updates(page) == paused_at
        assert_no_exception(page)

        page.get_by_text("The same in PyTorch", exact=False).last.click()
        time.sleep(1)
        page.locator("h2", has_text=re.compile(r"^7 · ")).evaluate(
            "el => el.scrollIntoView({block: 'start'})"
        )
        time.sleep(0.4)
        page.screenshot(path=str(artifacts_dir / f"rnn_{width}_pytorch.png"))
        assert_no_exception(page)
    finally:
        context.close()
