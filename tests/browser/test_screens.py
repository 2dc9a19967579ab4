"""Issue 12, the text diet: at 1280x800 every lab page fits in six screens by default (derivations,
caveats and secondary tables fold into "Why?" expanders), and so does the step-through page with each
preset as it opens and after a full iteration with its Tables tab open (classic and tiny presets).

A screen is the window's height; the page's height is the scroll height of Streamlit's main
container (the app scrolls inside it). A full-page screenshot of each goes to artifacts/screenshots/
(the window grown to the page's height) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, click_and_settle, wait_charts_drawn, wait_settled
from ui.common import LEARNING_PATH

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 800
MAX_SCREENS = 6.0
SCREENS = """() => document.querySelector('[data-testid="stMain"]').scrollHeight / window.innerHeight"""


def url_path(page_file: str) -> str:
    """``pages/3_Gradient_descent.py`` -> ``Gradient_descent`` (Streamlit's URL for the page)."""
    return Path(page_file).stem.split("_", 1)[1]


def measure_and_shoot(page, shot: Path) -> float:
    """The page's height in screens at 1280x800; then a screenshot of all of it at 1280 wide."""
    page.mouse.move(5, 5)  # no tooltip left over the page
    screens = page.evaluate(SCREENS)
    full = page.evaluate("""() => document.querySelector('[data-testid="stMain"]').scrollHeight""")
    page.set_viewport_size({"width": WIDTH, "height": int(full) + 10})
    wait_charts_drawn(page)  # Plotly redraws at the new size
    page.screenshot(path=str(shot))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return screens


def open_page(page, app_url: str, path: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/{path}")
    wait_settled(page)
    wait_charts_drawn(page)
    assert_no_exception(page)


@pytest.mark.parametrize("page_file", [p[0] for p in LEARNING_PATH], ids=lambda f: url_path(f))
def test_every_lab_fits_six_screens_at_1280x800(app_url: str, page, artifacts_dir: Path, page_file) -> None:
    path = url_path(page_file)
    open_page(page, app_url, path)
    # every lab opens with its intro and ends with its "Try this" task
    assert page.locator(".st-key-try_this_box").count() == 1
    screens = measure_and_shoot(page, artifacts_dir / f"screens_{path}.png")
    print(f"{path} at {WIDTH}x{HEIGHT}: {screens:.2f} screens")
    assert screens <= MAX_SCREENS, f"{path}: {screens:.2f} screens"


@pytest.mark.parametrize("preset", ["classic", "tiny", "custom"])
def test_each_step_through_preset_fits_six_screens_when_it_opens(
    app_url: str, page, artifacts_dir: Path, preset
) -> None:
    open_page(page, app_url, f"Step_through?preset={preset}")
    screens = measure_and_shoot(page, artifacts_dir / f"screens_Step_through_{preset}.png")
    print(f"step-through {preset} as it opens: {screens:.2f} screens")
    assert screens <= MAX_SCREENS, f"{preset}: {screens:.2f} screens"


@pytest.mark.parametrize("preset", ["classic", "tiny"])
def test_step_through_full_iteration_with_tables_fits_six_screens(
    app_url: str, page, artifacts_dir: Path, preset
) -> None:
    open_page(page, app_url, f"Step_through?preset={preset}")
    click_and_settle(page, page.get_by_role("button", name="⏭ Full iteration", exact=True))
    assert_no_exception(page)
    tables_tab = page.get_by_role("tab", name="📋 Tables")
    assert tables_tab.get_attribute("aria-selected") == "true"
    wait_charts_drawn(page)
    screens = measure_and_shoot(page, artifacts_dir / f"screens_Step_through_{preset}_full_iteration.png")
    print(f"step-through {preset} after a full iteration, Tables open: {screens:.2f} screens")
    assert screens <= MAX_SCREENS, f"{preset}: {screens:.2f} screens"
