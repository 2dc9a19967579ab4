"""Presenter mode in a real browser at 1920x1080: text at least 16 px, charts too, and the dark theme.

Chart text is measured on the SVG text Plotly draws (``.js-plotly-plot svg text``). On a lab page
it is checked once the lab draws its charts through ``ui.presenter.plotly_chart`` (a lab that still
calls ``st.plotly_chart`` is named in the skip message); a page of real figure builders drawn
through it (``tests/apps/presenter_charts.py``, served by a second server) is always checked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, assert_no_exception, streamlit_server, wait_charts_drawn, wait_settled

pytestmark = pytest.mark.browser

FULL_HD = {"width": 1920, "height": 1080}
MIN_PX = 16.0

# every visible text of the charts / of the main prose, with its computed size in px
CHART_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
    .filter(t => t.textContent.trim() !== '' && t.getBoundingClientRect().width > 0)
    .map(t => [t.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(t).fontSize)])"""
PROSE_TEXT = """() => [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,'
        + '[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,'
        + '[data-testid="stMain"] [data-testid="stWidgetLabel"] p,'
        + '[data-testid="stMain"] [data-testid="stCaptionContainer"]')]
    .filter(e => e.innerText.trim() !== '' && e.getBoundingClientRect().width > 0)
    .map(e => [e.innerText.trim().slice(0, 40), parseFloat(getComputedStyle(e).fontSize)])"""

PAGES = {"Step_through": "step_through", "Vanishing_gradients": "vanishing"}


def direct_chart_calls(lab: str) -> list[str]:
    """The lab's view files that still call ``st.plotly_chart`` themselves."""
    return sorted(
        p.name for p in (ROOT / "labs" / lab).glob("view*.py") if "st.plotly_chart(" in p.read_text()
    )


def too_small(sizes: list[list]) -> list[list]:
    return [s for s in sizes if s[1] < MIN_PX]


def open_presenter(page: object, url: str) -> None:
    page.set_viewport_size(FULL_HD)
    page.goto(url)
    wait_settled(page)
    assert_no_exception(page)
    wait_charts_drawn(page)


def presenter_toggle_is_on(page: object) -> bool:
    toggle = page.locator('[data-testid="stSidebar"] .st-key-presenter input[type="checkbox"]')
    return toggle.count() == 1 and toggle.is_checked()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_a_lab_page_in_presenter_mode_has_large_prose(
    app_url: str, page: object, artifacts_dir: Path, path: str
) -> None:
    open_presenter(page, f"{app_url}/{path}?presenter=1")
    assert presenter_toggle_is_on(page)
    prose = page.evaluate(PROSE_TEXT)
    assert len(prose) > 5 and not too_small(prose), too_small(prose)
    assert page.evaluate(CHART_TEXT), "the page draws charts with text"
    page.screenshot(path=str(artifacts_dir / f"presenter_{path}_1920.png"))
    page.screenshot(path=str(artifacts_dir / f"presenter_{path}_1920_full.png"), full_page=True)


@pytest.mark.parametrize("path", sorted(PAGES))
def test_a_lab_page_in_presenter_mode_has_large_chart_text(app_url: str, page: object, path: str) -> None:
    direct = direct_chart_calls(PAGES[path])
    if direct:
        files = ", ".join(direct)
        pytest.skip(f"labs/{PAGES[path]}/{files} still call st.plotly_chart: chart text not checked")
    open_presenter(page, f"{app_url}/{path}?presenter=1")
    charts = page.evaluate(CHART_TEXT)
    assert charts and not too_small(charts), too_small(charts)


def test_the_toggle_switches_presenter_mode_off_and_on(app_url: str, page: object) -> None:
    open_presenter(page, f"{app_url}/?presenter=1")
    first = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p').first
    large = float(first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    page.locator('[data-testid="stSidebar"] .st-key-presenter [data-testid="stCheckbox"]').click()
    page.wait_for_function(
        """() => parseFloat(getComputedStyle(document.querySelector(
            '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontSize) < 18"""
    )
    small = float(first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert large >= 18 > small
    assert not presenter_toggle_is_on(page)
    # switched on again, it stays on when the learner opens another page from the sidebar
    page.locator('[data-testid="stSidebar"] .st-key-presenter [data-testid="stCheckbox"]').click()
    page.wait_for_function(
        """() => parseFloat(getComputedStyle(document.querySelector(
            '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontSize) >= 18"""
    )
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').nth(2).click()
    page.wait_for_url("**/Computational_graph**")
    wait_settled(page)
    assert_no_exception(page)
    assert presenter_toggle_is_on(page)
    assert not too_small(page.evaluate(PROSE_TEXT))


@pytest.fixture(scope="module")
def charts_url() -> Iterator[str]:
    """A second server for tests/apps/presenter_charts.py (real figure builders, ui.presenter)."""
    with streamlit_server(
        "tests/apps/presenter_charts.py", "presenter-charts-server.log", {"PYTHONPATH": str(ROOT)}
    ) as url:
        yield url


def test_every_chart_text_is_at_least_16px_in_presenter_mode(
    charts_url: str, page: object, artifacts_dir: Path
) -> None:
    open_presenter(page, f"{charts_url}/?presenter=1")
    charts = page.evaluate(CHART_TEXT)
    texts = {t for t, _ in charts}
    # the diagram's numbers, titles, subplot titles, annotation, heatmap text and ticks are all there
    assert {"0.593", "The classic 2-2-2 network", "loss per step", "step 2: lr too large"} <= texts, texts
    assert not too_small(charts), too_small(charts)
    prose = page.evaluate(PROSE_TEXT)
    assert prose and not too_small(prose), too_small(prose)
    assert page.locator('[data-testid="stExpander"]').filter(has_text="Why? A long derivation").count() == 1
    page.screenshot(path=str(artifacts_dir / "presenter_charts_light_1920.png"), full_page=True)
    # the share link is the browser's full address with the page's settings
    link = page.locator('.st-key-demo_share [data-testid="stCode"]').inner_text().strip()
    assert link == f"{charts_url}/?presenter=1", link

    # the same page without presenter mode: the diagram's labels are smaller, the prose unfolded
    open_presenter(page, f"{charts_url}/?presenter=0")
    normal = page.evaluate(CHART_TEXT)
    assert too_small(normal), "without presenter mode the figures keep their own sizes"
    assert page.locator('[data-testid="stExpander"]').count() == 0


def choose_theme(page: object, name: str) -> None:
    """Pick a theme in Streamlit's main menu (⋮ at the top right: System / Light / Dark)."""
    page.locator('[data-testid="stMainMenu"]').click()
    page.locator(f'[data-testid="stMainMenuItem-theme-{name}"]').click()
    page.keyboard.press("Escape")
    time.sleep(0.5)


def background(page: object) -> str:
    return page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )


def test_a_viewer_can_choose_the_dark_theme(
    charts_url: str, app_url: str, page: object, artifacts_dir: Path
) -> None:
    open_presenter(page, f"{charts_url}/?presenter=1")
    assert background(page) == "rgb(255, 255, 255)"  # light unless the viewer chooses otherwise
    choose_theme(page, "Dark")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
        " === 'rgb(23, 22, 20)'"
    )
    wait_charts_drawn(page)
    page.screenshot(path=str(artifacts_dir / "presenter_charts_dark_1920.png"), full_page=True)
    assert not too_small(page.evaluate(CHART_TEXT))
    # a lab page in the dark theme, to look at
    open_presenter(page, f"{app_url}/Vanishing_gradients?presenter=1")
    choose_theme(page, "Dark")
    wait_charts_drawn(page)
    page.screenshot(path=str(artifacts_dir / "presenter_vanishing_dark_1920.png"))
    choose_theme(page, "Light")
    assert background(page) == "rgb(255, 255, 255)"


# every metric value of the main area: text, font size of the paragraph that draws it, and whether
# it fits (a value too wide for its column would be cut with an ellipsis)
METRIC_VALUES = """() => [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stMetricValue"]')]
    .filter(e => e.getBoundingClientRect().width > 0)
    .map(e => { const p = e.querySelector('p') || e;
        return [e.innerText.trim(), parseFloat(getComputedStyle(p).fontSize),
                [e, ...e.querySelectorAll('*')].every(x => x.scrollWidth <= x.clientWidth + 1)]; })"""
# the sidebar's page links whose name is cut: an element of the name wider than its box (an ellipsis),
# or the name's text reaching past the sidebar's right edge
CUT_PAGE_NAMES = """() => {
    const side = document.querySelector('section[data-testid="stSidebar"]').getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')]
        .filter(a => {
            const parts = [...a.querySelectorAll('span, div, p')]
                .filter(e => !e.closest('[data-testid="stIconEmoji"]'));
            const text = a.querySelector('p').getBoundingClientRect();
            return parts.some(e => e.scrollWidth > e.clientWidth + 1) || text.right > side.right + 0.5;
        })
        .map(a => a.innerText.trim());
}"""


def test_presenter_mode_enlarges_metric_values_and_keeps_page_names_whole(
    app_url: str, page: object, artifacts_dir: Path
) -> None:
    open_presenter(page, f"{app_url}/Gradient_descent?presenter=1")
    metrics = page.evaluate(METRIC_VALUES)
    assert len(metrics) >= 2, metrics
    assert all(size >= 32 for _, size, _ in metrics), metrics
    assert all(fits for _, _, fits in metrics), metrics
    names = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')
    assert names.count() == 8
    assert page.evaluate(CUT_PAGE_NAMES) == []
    page.locator('section[data-testid="stSidebar"]').screenshot(
        path=str(artifacts_dir / "presenter_sidebar_1920.png")
    )
    # larger than the same metrics without presenter mode
    open_presenter(page, f"{app_url}/Gradient_descent?presenter=0")
    normal = page.evaluate(METRIC_VALUES)
    assert [t for t, _, _ in normal] == [t for t, _, _ in metrics]
    assert all(big > small for (_, big, _), (_, small, _) in zip(metrics, normal, strict=True)), (
        metrics,
        normal,
    )
