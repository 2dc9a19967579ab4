"""The vanishing-gradients page in a real browser: open it, train, play and pause, look at it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import assert_no_exception, wait_painted, wait_settled

pytestmark = pytest.mark.browser

ALL_RUNS_PAST_130 = """() => {
    const counts = [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
        .map(e => e.innerText.match(/after (\\d+) update/)).filter(m => m !== null);
    return counts.length > 0 && counts.every(m => Number(m[1]) >= 130);
}"""


def _losses(page: object) -> dict[str, str]:
    """The loss metrics of the training panel: label -> shown value."""
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text()
        if "loss after" in label:
            out[label] = m.locator('[data-testid="stMetricValue"]').inner_text()
    return out


def _iterations(page: object) -> list[int]:
    return [int(re.search(r"after (\d+) update", k).group(1)) for k in _losses(page)]


def test_page_trains_plays_and_shows_no_exception(app_url: str, page: object, artifacts_dir: Path) -> None:
    page.goto(f"{app_url}/Vanishing_gradients")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Vanishing and exploding gradients").count() == 1
    assert _iterations(page) == [0, 0]
    # every chart of the page is drawn (plotly puts an svg in each)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() >= 10
    page.screenshot(path=str(artifacts_dir / "vanishing_1_open.png"), full_page=True)

    page.get_by_role("button", name="Train up to 100").click()
    wait_settled(page)
    assert_no_exception(page)
    assert _iterations(page) == [100, 100]
    losses = _losses(page)
    # sigmoid barely moves from ln 2 = 0.693 while relu learns
    assert float(losses["sigmoid · loss after 100 updates"]) > 0.6
    assert float(losses["relu · loss after 100 updates"]) < 0.6
    # one screenshot per section, for a person to look at
    for number in range(1, 7):
        heading = page.locator("h2", has_text=re.compile(rf"^{number} · "))
        heading.evaluate("el => el.scrollIntoView({block: 'start'})")
        wait_painted(page)
        page.screenshot(path=str(artifacts_dir / f"vanishing_2_section_{number}.png"))

    play_control = page.locator(".st-key-vg_play_mode")
    play_control.locator("button", has_text="Play").click()
    page.wait_for_function(ALL_RUNS_PAST_130, timeout=60_000)
    assert min(_iterations(page)) >= 130, "Play should keep training"
    play_control.locator("button", has_text="Pause").click()
    wait_settled(page)
    assert_no_exception(page)
    stopped = _iterations(page)
    # the page stays still for longer than two Play ticks (0.6 s each): no tick trains on
    wait_settled(page, calm_checks=5)
    assert _iterations(page) == stopped, "Pause should stop the training"
    page.screenshot(path=str(artifacts_dir / "vanishing_3_paused.png"), full_page=True)
