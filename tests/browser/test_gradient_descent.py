"""The gradient descent lab in a real browser: every section renders, a click on the contour plot
moves the start (and the URL follows), a bad URL value gives a notice; a constant loss is drawn flat
with short ticks, no toolbar covers a title, the share link follows a fragment's change; screenshots
of each section (default and presenter mode). The page's length at 1280x800: test_screens.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import assert_no_exception, wait_charts_drawn, wait_settled

pytestmark = pytest.mark.browser

SECTIONS = (
    ("1 · The learning rate on one weight", "gd_1_one_weight"),
    ("2 · Two parameters, three optimizers", "gd_2_optimizers"),
    ("3 · Batch modes", "gd_3_batch_modes"),
    ("4 · Why gradients must be reset", "gd_4_zero_grad"),
)


def _section_shot(page, heading: str, path: Path, height: int = 1700) -> None:
    """Screenshot from a section's heading down ``height`` pixels (the page is made tall enough)."""
    h = page.get_by_role("heading", name=heading).first
    h.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    box = h.bounding_box()
    assert box is not None, heading
    page.screenshot(
        path=str(path), clip={"x": 0, "y": max(box["y"] - 10, 0), "width": 1400, "height": height}
    )


def _number_input(page, label: str):
    return page.get_by_role("spinbutton", name=label, exact=True)


def test_gradient_descent_sections_click_and_url(app_url: str, page, artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 7200})
    page.goto(f"{app_url}/Gradient_descent")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("Try this").count() >= 1
    # every section drew its charts; the accumulation chart only once its expander is opened (ui/lazy.py)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == 9
    accum = page.locator('[data-testid="stExpander"]', has_text="accumulating gradients on purpose").first
    accum.locator("summary").click()
    wait_settled(page)
    assert charts.count() == 10
    assert_no_exception(page)
    for heading, name in SECTIONS:
        _section_shot(
            page, heading, artifacts_dir / f"{name}.png", height=2500 if name.startswith("gd_4") else 1700
        )

    # the URL carries section 2's settings
    query = parse_qs(urlparse(page.url).query)
    assert query["surface"] == ["neuron"] and query["lr_sgd"] == ["1"]

    # click on the contour plot: the start moves to the clicked grid point and the URL follows
    w1 = _number_input(page, "start weight w")
    before = w1.input_value()
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="paths of 150 steps").first
    chart.scroll_into_view_if_needed()
    plot = chart.locator(".nsewdrag").first
    box = plot.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.25)
    wait_settled(page)
    assert_no_exception(page)
    after = w1.input_value()
    assert after != before, "clicking the contour plot should move the start"
    # the clicked point is near 80% across the w axis (-4 .. 6) and 75% up the b axis (-5 .. 5)
    assert float(after) == pytest.approx(-4 + 0.8 * 10, abs=0.6)
    assert float(_number_input(page, "start bias b").input_value()) == pytest.approx(-5 + 0.75 * 10, abs=0.6)
    query = parse_qs(urlparse(page.url).query)
    assert float(query["w1"][0]) == pytest.approx(float(after))
    _section_shot(page, SECTIONS[1][0], artifacts_dir / "gd_2_after_click.png", height=1300)

    # an extreme learning rate from the keyboard: the slider's last value, lr = 10
    lr_slider = page.locator('[data-testid="stSlider"]').filter(has_text="learning rate lr (log scale)")
    lr_slider.get_by_role("slider").first.focus()
    page.keyboard.press("End")
    wait_settled(page)
    assert_no_exception(page)
    assert page.get_by_text("Regime: diverging").count() == 1
    _section_shot(page, SECTIONS[0][0], artifacts_dir / "gd_1_diverging.png", height=1300)

    # the forgetful loop; nothing breaks
    page.get_by_text("forget to reset the gradients").click()
    wait_settled(page)
    assert_no_exception(page)
    _section_shot(page, SECTIONS[3][0], artifacts_dir / "gd_4_forget.png", height=1300)


def test_a_bad_link_gives_a_notice_and_defaults(app_url: str, page, artifacts_dir: Path) -> None:
    page.goto(f"{app_url}/Gradient_descent?surface=bowl&lr_sgd=7&steps=3")
    wait_settled(page)
    assert_no_exception(page)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="could not be used")
    assert notice.count() == 1
    text = notice.inner_text()
    assert "surface" in text and "lr_sgd" in text
    # the good value was kept
    assert _number_input(page, "steps").input_value() == "3"
    page.screenshot(path=str(artifacts_dir / "gd_bad_link.png"))


def test_a_shared_link_opens_its_surface(app_url: str, page, artifacts_dir: Path) -> None:
    # the "Try this" task: SGD on the ravine exactly at 2/40 = 0.05 bounces across it forever
    page.set_viewport_size({"width": 1400, "height": 7200})
    page.goto(f"{app_url}/Gradient_descent?surface=ravine&lr_sgd=0.05&steps=200")
    wait_settled(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stAlert"]').filter(has_text="could not be used").count() == 0
    assert _number_input(page, "steps").input_value() == "200"
    assert _number_input(page, "start w1").input_value() == "-8.000"
    _section_shot(page, SECTIONS[1][0], artifacts_dir / "gd_2_ravine_link.png", height=1300)


def test_a_diverging_rate_on_a_laptop_screen_keeps_every_number_readable(
    app_url: str, page, artifacts_dir: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/Gradient_descent")
    wait_settled(page)
    lr_slider = page.locator('[data-testid="stSlider"]').filter(has_text="learning rate lr (log scale)")
    lr_slider.get_by_role("slider").first.focus()
    page.keyboard.press("End")
    wait_settled(page)
    assert_no_exception(page)
    # the distance metric fits its column (a long number was cut off with an ellipsis)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="distance left")
    value = metric.locator('[data-testid="stMetricValue"]').first
    assert value.inner_text().endswith("×")
    # (the ellipsis box inside the value clips the text: its scroll width is the text's width)
    text_box = value.locator('[data-testid="stMarkdownContainer"]').first
    assert text_box.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    # the forget toggle's label is whole, not cut off
    label = page.get_by_text("forget to reset the gradients", exact=True)
    assert label.count() == 1
    # (in a narrow column the text box turns to an ellipsis: its scroll width is then the text's)
    assert label.evaluate(
        "e => { const box = e.closest('[data-testid=stMarkdownContainer]');"
        " return box.scrollWidth <= box.clientWidth + 1; }"
    )
    page.set_viewport_size({"width": 1280, "height": 7600})
    wait_charts_drawn(page)
    _section_shot(page, SECTIONS[0][0], artifacts_dir / "gd_1_diverging_1280.png", height=1400)


def _tick_texts(chart) -> list[str]:
    # Plotly names each axis's tick groups after it: ytick, y2tick, y3tick
    return chart.locator(".ytick text, .y2tick text, .y3tick text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )


def test_section_4_at_the_bouncing_rate_draws_a_flat_loss_with_short_ticks(
    app_url: str, page, artifacts_dir: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/Gradient_descent?s4_lr=0.04&s4_steps=40")
    wait_settled(page)
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="with and without resetting").first
    chart.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    ticks = _tick_texts(chart)
    assert ticks and max(len(t) for t in ticks) <= 6, ticks
    # the loss panel (the third y axis) is flat at 4: its ticks are a few short numbers around it
    loss_ticks = chart.locator(".y3tick text").evaluate_all("els => els.map(e => e.textContent)")
    assert "4" in loss_ticks and all(3.5 <= float(t.replace("−", "-")) <= 4.5 for t in loss_ticks), loss_ticks
    # no tick label reaches into the panel on its left
    lefts = chart.locator(".y3tick text").evaluate_all("els => els.map(e => e.getBoundingClientRect().left)")
    panel2 = chart.locator(".nsewdrag[data-subplot='x2y2']").first.bounding_box()
    assert panel2 is not None
    assert min(lefts) > panel2["x"] + panel2["width"], (lefts, panel2)
    chart.screenshot(path=str(artifacts_dir / "gd_4_flat_loss_1280.png"))


def test_no_toolbar_over_a_chart_title_and_the_link_follows_a_section(
    app_url: str, page, artifacts_dir: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/Gradient_descent?surface=ravine")
    wait_settled(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="paths of 150 steps").first
    chart.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    chart.hover()
    page.wait_for_timeout(400)
    assert chart.locator(".modebar-container .modebar-btn").count() == 0
    chart.screenshot(path=str(artifacts_dir / "gd_2_ravine_hover_1280.png"))

    # a change inside section 1's fragment: the URL and the share link above the sections follow
    lr_slider = page.locator('[data-testid="stSlider"]').filter(has_text="learning rate lr (log scale)")
    lr_slider.get_by_role("slider").first.focus()
    page.keyboard.press("End")
    wait_settled(page)
    assert parse_qs(urlparse(page.url).query)["s1_lr"] == ["10"]
    link = page.locator(".st-key-gd_s1_share, .st-key-gd_s2_share, .st-key-gd_s3_share, .st-key-gd_s4_share")
    assert link.count() == 1
    assert "s1_lr=10" in link.first.inner_text()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("presenter", [False, True], ids=["default", "presenter"])
def test_screenshots_of_every_section(
    app_url: str, page, artifacts_dir: Path, width, height, presenter
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/Gradient_descent" + ("?presenter=1" if presenter else ""))
    wait_settled(page)
    assert_no_exception(page)
    mode = "presenter" if presenter else "default"
    page.screenshot(path=str(artifacts_dir / f"gd_{width}_{mode}_0_top.png"))
    for heading, name in SECTIONS:
        page.get_by_role("heading", name=heading).first.evaluate("e => e.scrollIntoView()")
        wait_charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / f"gd_{width}_{mode}_{name}.png"))
    if presenter:
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] text')]
                .filter(t => t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize))"""
        )
        assert sizes and min(sizes) >= 16, min(sizes)
