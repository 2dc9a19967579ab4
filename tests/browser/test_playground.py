"""The training playground in a real browser: Play trains, Pause stops, a shared link restores settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import assert_no_exception, wait_charts_drawn, wait_painted, wait_settled

pytestmark = pytest.mark.browser

COUNTER = ".st-key-pg_counter"
PLAY_CONTROL = ".st-key-pg_play_mode"
TEN_ITERATIONS = """() => {
    const m = (document.querySelector('.st-key-pg_counter')?.innerText || '').match(/Iteration (\\d+)/);
    return m !== null && Number(m[1]) >= 10;
}"""


def _press(page: object, label: str) -> None:
    """Click Play or Pause (a two-option control; the icon is a separate element)."""
    page.locator(PLAY_CONTROL).locator("button", has_text=label).click()


def _shot(page: object, path: Path) -> None:
    """A screenshot of the whole page (the app scrolls inside its own container, so grow the window)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 3200})
    wait_charts_drawn(page)  # Plotly redraws at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def _counter(page: object) -> dict[str, float]:
    """The numbers in the counter line: iteration, epoch, train/test loss, test accuracy."""
    text = page.locator(COUNTER).inner_text()
    out = {"iteration": float(re.search(r"Iteration (\d+)", text).group(1))}
    for name in ("train loss", "test loss"):
        match = re.search(rf"{name} ([-\d.e+]+)", text)
        if match:
            out[name] = float(match.group(1))
    return out


def _counter_at_rest(page: object) -> dict[str, float]:
    """The counter once it reads the same across two settled checks (a tick may land after Pause)."""
    last = None
    for _ in range(30):
        wait_settled(page, calm_checks=3)
        now = _counter(page)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the counter kept moving after Pause: {last}")


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
    _shot(page, artifacts_dir / "playground_start.png")

    _press(page, "Play")
    page.wait_for_function(TEN_ITERATIONS, timeout=60_000)
    _press(page, "Pause")
    after = _counter_at_rest(page)
    assert after["iteration"] >= 10, after
    assert after["test loss"] < before["test loss"], (before, after)
    # paused: the counter stays put while the page stays still for several Play ticks (0.15 s each)
    wait_settled(page, calm_checks=4)
    assert _counter(page)["iteration"] == after["iteration"]
    assert_no_exception(page)
    _shot(page, artifacts_dir / "playground_after_play.png")

    # clicking a neuron in the diagram maps that neuron over the input plane
    diagram = page.locator(".st-key-pg_diagram")
    diagram.scroll_into_view_if_needed()
    neurons = next(
        t.locator("path.point")
        for t in diagram.locator(".scatterlayer .trace").all()
        if t.locator("path.point").count() == 2 + 4 + 4 + 1
    )
    box = neurons.nth(2 + 4).bounding_box()  # the first neuron of hidden layer 2
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    title = "document.querySelector('.st-key-pg_neuron_chart .gtitle')?.textContent"
    page.wait_for_function(f"() => /^layer 2, neuron 1/.test({title})")
    assert page.locator(".st-key-pg_neuron input").input_value() == "layer 2, neuron 1"
    assert_no_exception(page)


def test_shared_link_restores_settings(page: object, app_url: str, artifacts_dir: Path) -> None:
    query = "ds=xor&noise=0.2&n=200&layers=6-3&act=relu&lr=0.03&opt=adam&batch=20&seed=7&hide=upload"
    _open(page, f"{app_url}/Training_playground?{query}")
    assert_no_exception(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator(".st-key-pg_dataset input").input_value() == "xor"
    assert sidebar.locator(".st-key-pg_act input").input_value() == "relu"
    assert sidebar.locator(".st-key-pg_opt input").input_value() == "adam"
    assert sidebar.locator(".st-key-pg_width_0 input").input_value() == "6"
    assert sidebar.locator(".st-key-pg_width_1 input").input_value() == "3"
    assert "0.03" in sidebar.locator(".st-key-pg_lr").inner_text()
    assert sidebar.locator(".st-key-pg_upload").count() == 0  # hidden by the link
    # the address keeps every setting, so it can be shared on
    url = page.url
    for part in ("ds=xor", "layers=6-3", "lr=0.03", "seed=7", "hide=upload"):
        assert part in url, url
    _shot(page, artifacts_dir / "playground_shared_link.png")

    _open(page, f"{app_url}/Training_playground?lr=banana&layers=4-99")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="could not be used").inner_text()
    assert "lr" in warning and "layers" in warning
    assert_no_exception(page)


def _height_in_screens(page: object) -> float:
    """The page's full height (the app scrolls inside its main container) in viewport heights."""
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return Math.max(main ? main.scrollHeight : 0, document.documentElement.scrollHeight);
        }"""
    )
    return height / page.viewport_size["height"]


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_the_page_fits_in_six_screens_and_looks_right(
    page: object, app_url: str, artifacts_dir: Path, size
) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{app_url}/Training_playground")
    page.get_by_role("button", name="Step", exact=True).click()
    wait_settled(page)
    wait_charts_drawn(page)
    assert_no_exception(page)
    page.mouse.move(5, 5)  # no tooltip left over the page
    screens = _height_in_screens(page)
    print(f"playground at {width}x{height}: {screens:.2f} screens")
    assert screens <= 6, screens
    page.screenshot(path=str(artifacts_dir / f"playground_top_{width}x{height}.png"))
    _shot(page, artifacts_dir / f"playground_full_{width}x{height}.png")
    # the bridge: the next step in PyTorch, its downloads and the table beside the page's numbers
    page.get_by_text("The same in PyTorch").click()
    page.locator('[data-testid="stExpander"]', has_text="The same in PyTorch").locator("pre").first.wait_for()
    page.get_by_text("The same in PyTorch").scroll_into_view_if_needed()
    wait_painted(page)
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / f"playground_pytorch_{width}x{height}.png"))


def test_presenter_mode_screenshot(page: object, app_url: str, artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    _open(page, f"{app_url}/Training_playground?presenter=1")
    wait_charts_drawn(page)
    assert_no_exception(page)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.st-key-pg_loss_chart svg text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize)).filter(s => s > 0)"""
    )
    assert sizes and min(sizes) >= 16, sizes
    _shot(page, artifacts_dir / "playground_presenter_1920x1080.png")


def _iteration_at_least(n: int) -> str:
    return f"""() => {{
        const m = (document.querySelector('{COUNTER}')?.innerText || '').match(/Iteration (\\d+)/);
        return m !== null && Number(m[1]) >= {n};
    }}"""


def test_pause_answers_within_one_tick_on_a_big_network(
    page: object, app_url: str, artifacts_dir: Path
) -> None:
    """8 hidden layers of 8, 2,000 spiral points, 100 iterations per update: Pause stops within one tick.

    Counted on the server: "Paused at iteration N" names the iteration the run had reached when the
    Pause's callback ran, and is shown only while the run is still that very run, so the line being
    there once the page settles says that nothing trained after the Pause arrived was stored (the tick
    in flight ends at its next iteration and is dropped: view_session.play_tick). The bound asked of
    Pause, at most one tick's iterations after it arrives, is checked against the counter as well.
    """
    speed = 100
    layers = "-".join(["8"] * 8)
    _open(page, f"{app_url}/Training_playground?ds=spiral&n=2000&layers={layers}&speed={speed}")
    _press(page, "Play")
    page.wait_for_function(_iteration_at_least(3 * speed), timeout=120_000)  # a few ticks in
    # Click where the Pause button is, as a person would: the click reaches the page at its next free
    # moment. (A locator's click first waits for the button to hold still over several animation
    # frames; a browser busy drawing ticks delays those by seconds, and Play trains on meanwhile.)
    box = page.locator(PLAY_CONTROL).locator("button", has_text="Pause").bounding_box()
    shown = _counter(page)["iteration"]
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    rest = _counter_at_rest(page)["iteration"]
    note = page.locator(".st-key-pg_paused")
    assert note.count() == 1, "no 'Paused at iteration' line: the run moved on after the Pause arrived"
    arrived = int(re.search(r"Paused at iteration (\d+)", note.inner_text()).group(1))
    print(
        f"Pause: the page showed iteration {shown:.0f} at the click, the Pause reached the server at "
        f"{arrived}, the page settled at {rest:.0f} ({rest - arrived:.0f} iterations after the Pause arrived)"
    )
    assert arrived <= rest <= arrived + speed, (shown, arrived, rest)
    assert arrived >= shown  # the server is never behind what the page has drawn
    # paused: the page stays still for several Play ticks' time, and Step is back
    wait_settled(page, calm_checks=4)
    assert _counter(page)["iteration"] == rest
    assert page.get_by_role("button", name="Step", exact=True).is_enabled()
    assert_no_exception(page)
    page.mouse.move(5, 5)  # no tooltip left over the page
    page.screenshot(path=str(artifacts_dir / "playground_paused_big_network.png"))
