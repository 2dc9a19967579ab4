"""Every lab page in the dark theme: each chart text, marker and line reads against what it is drawn on.

The browser asks for the dark colour scheme (the app follows the viewer's system setting). On each
lab page one control that draws the charts of a trained state is pressed, the expanders holding
charts are opened, and every visible Plotly chart is measured with ``tests/browser/contrast.py``:
WCAG contrast >= 3:1 for every text against what is beneath it and for every marker and line
stroke against the chart's background. In the light theme the texts are held to the same rule (its
marks include pale ones on purpose: the picked edge's halo, edges of weight near zero, steps not
reached yet). Screenshots of each page, screen by screen, go to ``artifacts/screenshots/dark_<page>_<n>.png``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import assert_no_exception, click_and_settle, wait_charts_drawn, wait_painted, wait_settled
from .contrast import Finding, low_contrast

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
BACKGROUNDS = {"dark": "rgb(23, 22, 20)", "light": "rgb(255, 255, 255)"}  # .streamlit/config.toml
# each lab page, and the button that draws the charts of a trained or computed state (None: all shown)
PAGES = {
    "Step_through": re.compile("Full iteration"),
    "Computational_graph": re.compile("Run to the end"),
    "Gradient_descent": None,
    "Training_playground": re.compile("^Step$"),
    "Vanishing_gradients": re.compile("^Train up to"),
    "Backprop_through_time": re.compile(r"^Step \(\d+\)$"),
    "Convolutions": re.compile("^Step$"),
}
APP_BACKGROUND = "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"


def scheme_page(browser: object, scheme: str) -> Iterator[object]:
    context = browser.new_context(color_scheme=scheme, viewport=LAPTOP)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


@pytest.fixture
def dark_page(browser: object) -> Iterator[object]:
    yield from scheme_page(browser, "dark")


@pytest.fixture
def light_page(browser: object) -> Iterator[object]:
    yield from scheme_page(browser, "light")


def open_lab(page: object, url: str, path: str, scheme: str) -> None:
    """Open the page, press its button, open every expander; wait for the charts."""
    page.goto(f"{url}/{path}")
    wait_settled(page)
    assert_no_exception(page)
    assert page.evaluate(APP_BACKGROUND) == BACKGROUNDS[scheme]  # the app follows the system setting
    if PAGES[path] is not None:
        click_and_settle(page, page.get_by_role("button", name=PAGES[path]).first)
        assert_no_exception(page)
    # every expander: a lazy one (ui/lazy.py) holds no chart until opened, and opening it reruns
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(40):  # bounded: the pages have fewer expanders than this
        visible = [summary for summary in closed.all() if summary.is_visible()]
        if not visible:
            break
        visible[0].click()
        wait_settled(page)
    assert_no_exception(page)
    wait_charts_drawn(page)


def chart_findings(page: object) -> tuple[list[Finding], int, int]:
    """Low-contrast items of every visible chart of the page; how many charts and items were read."""
    findings: list[Finding] = []
    charts = page.locator('[data-testid="stMain"] [data-testid="stPlotlyChart"]')
    n_charts = n_items = 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():
            continue
        found, n = low_contrast(page, chart)
        findings += found
        n_charts += 1
        n_items += n
    return findings, n_charts, n_items


def screens(page: object, prefix: Path, most: int = 12) -> None:
    """Screenshots of the page screen by screen (the main area scrolls, not the window), to look at."""
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("m => m.scrollHeight")
    for n, y in enumerate(range(0, height, LAPTOP["height"] - 80)):
        if n >= most:
            break
        main.evaluate(f"m => m.scrollTo(0, {y})")
        wait_painted(page)
        page.screenshot(path=f"{prefix}_{n:02d}.png")


def report(findings: list[Finding]) -> str:
    lines = [str(f) for f in findings[:40]]
    more = f"\n... and {len(findings) - 40} more" if len(findings) > 40 else ""
    return "low contrast (< 3:1):\n" + "\n".join(lines) + more


@pytest.mark.parametrize("path", list(PAGES))
def test_every_chart_reads_in_the_dark_theme(
    app_url: str, dark_page: object, artifacts_dir: Path, path: str
) -> None:
    open_lab(dark_page, app_url, path, "dark")
    findings, n_charts, n_items = chart_findings(dark_page)
    assert n_charts >= 1 and n_items >= 15, (n_charts, n_items)  # the page's charts were really read
    screens(dark_page, artifacts_dir / f"dark_{path}")
    assert not findings, report(findings)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_chart_text_reads_in_the_light_theme(app_url: str, light_page: object, path: str) -> None:
    open_lab(light_page, app_url, path, "light")
    findings, n_charts, _ = chart_findings(light_page)
    assert n_charts >= 1
    texts = [f for f in findings if f.kind == "text"]
    assert not texts, report(texts)


def test_charts_still_read_after_a_switch_to_dark_in_the_menu(app_url: str, light_page: object) -> None:
    # a chart keeps the trace colours it was first drawn with when the viewer switches theme (only the
    # theme's own text and grid colours follow): they must read on both backgrounds
    open_lab(light_page, app_url, "Gradient_descent", "light")
    light_page.locator('[data-testid="stMainMenu"]').click()
    light_page.locator('[data-testid="stMainMenuItem-theme-Dark"]').click()
    light_page.keyboard.press("Escape")
    light_page.wait_for_function(f"() => ({APP_BACKGROUND})() === '{BACKGROUNDS['dark']}'")
    time.sleep(1)  # the charts take the new theme's text colours
    wait_charts_drawn(light_page)
    findings, n_charts, _ = chart_findings(light_page)
    assert n_charts >= 5
    assert not findings, report(findings)
