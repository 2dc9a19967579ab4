"""The training playground in a real browser: Play trains, Pause stops, a shared link restores settings."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import assert_no_exception, wait_settled

pytestmark = pytest.mark.browser

COUNTER = ".st-key-pg_counter"


def _counter(page: object) -> dict[str, float]:
    """The numbers in the counter line: iteration, epoch, train/test loss, test accuracy."""
    text = page.locator(COUNTER).inner_text()
    out = {"iteration": float(re.search(r"Iteration (\d+)", text).group(1))}
    for name in ("train loss", "test loss"):
        match = re.search(rf"{name} ([-\d.e+]+)", text)
        if match:
            out[name] = float(match.group(1))
    return out


def _open(page: object, url: str) -> None:
    page.goto(url)
    wait_settled(page)
    page.locator(COUNTER).wait_for()
    # the charts are drawn by Plotly after the script finishes
    page.locator(".st-key-pg_counter").scroll_into_view_if_needed()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30_000)


def test_play_trains_and_pause_stops(page: object, app_url: str, artifacts_dir: Path) -> None:
    _open(page, f"{app_url}/Training_playground")
    assert_no_exception(page)
    before = _counter(page)
    assert before["iteration"] == 0
    page.screenshot(path=str(artifacts_dir / "playground_start.png"), full_page=True)

    page.get_by_role("button", name="▶ Play").click()
    time.sleep(2.0)
    page.get_by_role("button", name="⏸ Pause").click()
    wait_settled(page)
    page.get_by_role("button", name="▶ Play").wait_for()
    after = _counter(page)
    assert after["iteration"] >= 10, after
    assert after["test loss"] < before["test loss"], (before, after)
    # paused: the counter stays put
    time.sleep(1.0)
    assert _counter(page)["iteration"] == after["iteration"]
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / "playground_after_play.png"), full_page=True)


def test_shared_link_restores_settings(page: object, app_url: str, artifacts_dir: Path) -> None:
    query = "ds=xor&noise=0.2&n=200&layers=6-3&act=relu&lr=0.03&opt=adam&batch=20&seed=7&hide=upload"
    _open(page, f"{app_url}/Training_playground?{query}")
    assert_no_exception(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "xor" in sidebar.locator(".st-key-pg_dataset").inner_text()
    assert "relu" in sidebar.locator(".st-key-pg_act").inner_text()
    assert "adam" in sidebar.locator(".st-key-pg_opt").inner_text()
    assert sidebar.locator(".st-key-pg_width_0 input").input_value() == "6"
    assert sidebar.locator(".st-key-pg_width_1 input").input_value() == "3"
    assert "0.03" in sidebar.locator(".st-key-pg_lr").inner_text()
    assert sidebar.locator(".st-key-pg_upload").count() == 0  # hidden by the link
    # the address keeps every setting, so it can be shared on
    url = page.url
    for part in ("ds=xor", "layers=6-3", "lr=0.03", "seed=7", "hide=upload"):
        assert part in url, url
    page.screenshot(path=str(artifacts_dir / "playground_shared_link.png"), full_page=True)

    _open(page, f"{app_url}/Training_playground?lr=banana&layers=4-99")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="could not be used").inner_text()
    assert "lr" in warning and "layers" in warning
    assert_no_exception(page)
