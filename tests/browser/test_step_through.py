"""The step-through page in a real browser: a full iteration of the classic preset, phase by phase,
a click on an edge of the diagram, and a screenshot of every phase (look at them)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, click_and_settle, wait_charts_drawn, wait_settled
from tests.browser.test_presenter import CHART_TEXT

pytestmark = pytest.mark.browser

# where the diagram draws the hover marker of edge (layer, i, j), in page coordinates
EDGE_POSITION = """([l, i, j]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => (g._fullData || []).some(t => t.name === 'edges'));
  const tr = gd._fullData.find(t => t.name === 'edges');
  const idx = Array.from(tr.customdata).findIndex(c => c[0] == l && c[1] == i && c[2] == j);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const r = gd.getBoundingClientRect();
  return [r.left + xa._offset + xa.l2p(tr.x[idx]), r.top + ya._offset + ya.l2p(tr.y[idx])];
}"""


def press(page, label: str) -> None:
    click_and_settle(page, page.get_by_role("button", name=label, exact=True))
    assert_no_exception(page)


def progress(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def shoot(page, artifacts_dir, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"step_through_{name}.png"), full_page=True)


def diagram_ready(page) -> None:
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for(state="visible")
    # the diagram has drawn its neurons (34 px markers) and its edges
    assert chart.locator("g.trace.scatter").count() >= 5
    assert chart.locator("path.point").count() >= 6


def test_classic_preset_full_iteration(app_url: str, page, artifacts_dir) -> None:
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(f"{app_url}/Step_through?preset=classic")
    wait_settled(page)
    assert_no_exception(page)
    diagram_ready(page)
    assert "ready" in progress(page)
    shoot(page, artifacts_dir, "0_ready")

    press(page, "▶ Forward")
    assert "phase 1 of 4: Forward" in progress(page)
    diagram_ready(page)
    shoot(page, artifacts_dir, "1_forward")

    press(page, "Loss")
    assert "0.298371109" in page.locator('[data-testid="stMetric"]').all_inner_texts()[1]
    shoot(page, artifacts_dir, "2_loss")

    press(page, "◀ Backward")
    assert "1 of 2 layers done" in progress(page)
    shoot(page, artifacts_dir, "3_backward_output_layer")
    press(page, "◀ Backward")
    assert "2 of 2 layers done" in progress(page)
    shoot(page, artifacts_dir, "4_backward_hidden_layer")

    press(page, "Update")
    assert "phase 4 of 4: Update" in progress(page)
    metrics = " ".join(page.locator('[data-testid="stMetric"]').all_inner_texts())
    assert "0.291027774" in metrics
    assert "phase=update" in page.url and "weight=w5" in page.url
    diagram_ready(page)
    shoot(page, artifacts_dir, "5_update")

    # a click on the w1 edge picks w1: its chain rule with the delta recursion appears
    page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    x, y = page.evaluate(EDGE_POSITION, [0, 0, 0])
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('weight=w1')")
    wait_settled(page)
    assert_no_exception(page)
    assert "weight=w1" in page.url
    assert page.get_by_text("Backward: the gradient of w1 (i1 → h1)").count() == 1
    assert "0.000438568" in page.locator('[data-testid="stMain"]').inner_text()
    shoot(page, artifacts_dir, "6_picked_w1")


def test_quiz_and_gradient_check_in_the_browser(app_url: str, page, artifacts_dir) -> None:
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(f"{app_url}/Step_through?preset=classic&phase=backward&quiz=1")
    wait_settled(page)
    assert_no_exception(page)
    page.get_by_label("Your value").fill("0.0822")
    press(page, "Check my answer")
    assert page.get_by_text("Right:").count() >= 1
    page.get_by_role("tab", name="✅ Gradient check").click()
    page.get_by_role("button", name="Run the gradient check", exact=True).wait_for(state="visible")
    press(page, "Run the gradient check")
    # the tab stays open after the rerun, showing the result
    assert page.get_by_text("Passes for the check (2P)").is_visible()
    shoot(page, artifacts_dir, "7_quiz_and_gradcheck")


# dataframes whose content is wider than their box: a horizontal scrollbar, columns cut off
CLIPPED_TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .map(df => [df.closest('[class*="st-key-"]'), df.querySelector('.dvn-scroller')])
  .filter(([, sc]) => sc && sc.scrollWidth > sc.clientWidth + 2)
  .map(([key]) => key ? [...key.classList].find(c => c.startsWith('st-key-')) : '?')"""

# equations wider than the main column: scrolled sideways, their end cut off (the tiny preset's batch
# gradient ran to "= −0.045(" at 1280 px); a 4 px allowance for KaTeX's sub-pixel rounding
CUT_EQUATIONS = """() => {
  const right = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect().right;
  return [...document.querySelectorAll('.katex-display')]
    .filter(d => d.checkVisibility())
    .filter(d => d.scrollWidth > d.clientWidth + 4 || d.getBoundingClientRect().right > right + 4)
    .map(d => d.innerText.replace(/\\s+/g, '').slice(0, 40));
}"""


def test_landing_page_leads_to_the_first_page_and_its_tables_fit_a_laptop(
    app_url: str, page, artifacts_dir
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app_url)
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("Click a page's title to open it").count() == 1
    # the sidebar lists Home and the seven pages by their learning-path names
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_role("link").count() == 8
    assert sidebar.get_by_role("link", name="Home: the learning path").count() == 1
    page.locator('[data-testid="stMain"]').get_by_role("link", name="1 · Step through one iteration").click()
    page.wait_for_url("**/Step_through*")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Step through one iteration").count() >= 1
    # on a laptop screen (sidebar open) every table of a finished iteration shows all its columns
    for preset in ("classic", "tiny"):
        page.goto(f"{app_url}/Step_through?preset={preset}")
        wait_settled(page)
        press(page, "⏭ Full iteration")
        diagram_ready(page)
        assert page.evaluate(CLIPPED_TABLES) == [], preset
        assert page.evaluate(CUT_EQUATIONS) == [], preset
    shoot(page, artifacts_dir, "8_tiny_at_1280")


# -- issue 12 ------------------------------------------------------------------------------------

METRIC_CUT = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.innerText)"""


def open_step(page, app_url: str, query: str, width: int = 1280, height: int = 800) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/Step_through?{query}")
    wait_settled(page)
    assert_no_exception(page)


def test_quiz_regrades_a_corrected_answer_on_enter(app_url: str, page, artifacts_dir) -> None:
    open_step(page, app_url, "preset=classic&phase=backward&quiz=1")
    box = page.get_by_label("Your value")
    box.fill("0.5")
    box.press("Enter")
    page.get_by_text("is not within").first.wait_for(state="visible")
    wait_settled(page)
    # the box is still there: type the right value and press Enter again
    box = page.get_by_label("Your value")
    assert box.is_visible()
    box.fill("0.0822")
    box.press("Enter")
    page.get_by_text("Right:").first.wait_for(state="visible")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("is not within").count() == 0
    shoot(page, artifacts_dir, "9_quiz_regraded")


def test_a_long_loss_fits_its_metric_and_the_banner_follows_the_settings(app_url: str, page) -> None:
    open_step(page, app_url, "output=sigmoid&phase=loss")
    assert page.evaluate(METRIC_CUT) == []
    assert page.get_by_text("can never reach the target 12").count() == 1
    open_step(page, app_url, "preset=classic&hidden=relu&biases=1&phase=loss")
    assert page.get_by_text("digit for digit").count() == 0
    assert page.get_by_text("hidden activation relu instead of sigmoid", exact=False).count() == 1
    assert "0.282927507" in page.locator('[data-testid="stMain"]').inner_text()
    click_and_settle(page, page.get_by_role("button", name="Use the original's settings"))
    assert page.get_by_text("digit for digit", exact=False).count() == 1


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_screenshots_default_classic_presenter_and_the_bridges(
    app_url: str, page, artifacts_dir, width: int, height: int
) -> None:
    for name, query in (
        ("default", ""),
        ("classic", "preset=classic&phase=backward&weight=w1"),
        ("presenter", "preset=classic&phase=update&presenter=1"),
    ):
        open_step(page, app_url, query, width, height)
        page.screenshot(path=str(artifacts_dir / f"step_through_{name}_{width}.png"))
        if name == "presenter":
            wait_charts_drawn(page)
            charts = page.evaluate(CHART_TEXT)
            assert charts and all(size >= 16 for _, size in charts), [c for c in charts if c[1] < 16]
            # the credit bars of h1 too (picked through w1, in the backward phase)
            open_step(page, app_url, "preset=classic&phase=backward&weight=w1&presenter=1", width, height)
            wait_charts_drawn(page)
            charts = page.evaluate(CHART_TEXT)
            assert any("Credit" in text for text, _ in charts)
            assert all(size >= 16 for _, size in charts), [c for c in charts if c[1] < 16]
    # the bridges opened: Show the code (update_pass) and The same in PyTorch
    open_step(page, app_url, "preset=classic&phase=update", width, height)
    for label in ("Show the code: update_pass", "The same in PyTorch"):
        page.get_by_text(label).first.click()
        wait_settled(page)
    page.get_by_text("Show the code: update_pass").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"step_through_bridge_code_{width}.png"))
    page.get_by_text("What the script prints").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"step_through_bridge_pytorch_{width}.png"))
    assert_no_exception(page)
