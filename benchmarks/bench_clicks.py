"""Click-to-settled on every page, against a bare one-chart Streamlit app measured in the same run.

The script starts ``streamlit run app.py`` and the bare app ``benchmarks/bare_click_app.py`` (one
button redrawing one 100x100 heatmap). One headless Chromium learner then, ``--repeats`` times
round the learning path, opens each page from the sidebar's link (a "page" click) and presses
that page's main button (an "in-page" click: Step, Next, Train, ...), and presses the bare app's
button as often. A click has settled when the app's script state has gone from running back to
``notRunning``, no skeleton is left, and nothing reran for ``CALM`` seconds; its time is from the
click to the last return to ``notRunning`` (a fragment's rerun may not show in the script state:
then to the last change of the page's elements). The script prints each page's median per kind and
its ratio to the bare app's median click (the figure to compare: absolute times drift on this
shared machine), the worst of those ratios, and the pooled median over all clicks of the walk
(every page and in-page click together) with its ratio.

``--twins`` also opens, in the same run, a twin of every page (``benchmarks/click_twins.py``: the
page's Streamlit elements in the same nesting, made the plainest way) and prints each page's open
against its twin's: the floor Streamlit itself sets for a page with those elements.

``--root DIR`` measures the app in another checkout (e.g. an older commit exported with
``git archive``), with the bare app from this one.

Run: ``python benchmarks/bench_clicks.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_classroom import BARE_DEFAULTS  # noqa: E402
from click_twins import write_twin_app  # noqa: E402

from tests.browser.conftest import CHROMIUM_ARGS, streamlit_server, wait_settled  # noqa: E402

CALM = 0.6  # seconds without a rerun before a click counts as settled
# (page path, link text in the sidebar, key of the in-page button or None)
PAGES = (
    ("/", "Home: the learning path", None),
    ("/Step_through", "Step through", "step_btn_full"),
    ("/Computational_graph", "computational graph", "cg_next"),
    ("/Gradient_descent", "Gradient descent", None),
    ("/Training_playground", "Training playground", "pg_step"),
    ("/Vanishing_gradients", "Vanishing", "vg_train"),
    ("/Backprop_through_time", "through time", "bt_step"),
    ("/Convolutions", "Convolutions", "cv_next"),
)

# the page file behind each path (the twins are made from these)
_PAGE_FILES = {f"/{p.stem.split('_', 1)[1]}": p.name for p in sorted((ROOT / "pages").glob("*.py"))}

# watches the app's script state and the page's elements; the click goes after this is installed
WATCH = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]') || app;
    const w = {t0: performance.now(), ran: false, ranAt: null, drawn: null, done: null};
    window.__clk = w;
    (window.__clkObs || []).forEach((o) => o.disconnect());
    // a short run can flip to running and back before the callback: read the old values too
    const runs = new MutationObserver((records) => {
        const s = app.getAttribute('data-test-script-state');
        if (s === 'running' || records.some((r) => r.oldValue === 'running')) w.ran = true;
        if (w.ran && s === 'notRunning') w.ranAt = performance.now();
    });
    const watched = ['data-test-script-state'];
    runs.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: watched});
    // a fragment's run may not show in the script state: then the last change to the page counts
    const draws = new MutationObserver(() => { w.drawn = performance.now(); });
    draws.observe(main, {childList: true, subtree: true, characterData: true});
    window.__clkObs = [runs, draws];
}"""
STATE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const w = window.__clk;
    return {
        done: w.ran ? w.ranAt : w.drawn, t0: w.t0, now: performance.now(),
        idle: app.getAttribute('data-test-script-state') === 'notRunning'
            && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0,
    };
}"""


def _timed_click(page: object, locator: object, timeout: float = 120.0) -> float:
    """Seconds from the click until the page settled (see the module docstring)."""
    page.evaluate(WATCH)
    locator.click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = page.evaluate(STATE)
        if s["done"] is not None and s["idle"] and s["now"] - s["done"] >= CALM * 1000:
            return (s["done"] - s["t0"]) / 1000
        time.sleep(0.05)
    raise SystemExit(f"a click did not settle in time: {locator}")


def measure(browser: object, app_url: str, bare_url: str, repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(app_url + PAGES[-1][0])
    wait_settled(page, timeout=120)
    for _ in range(repeats):
        for path, link, button in PAGES:
            nav = page.locator('[data-testid="stSidebar"] a', has_text=link).first
            times.setdefault(f"{path} page", []).append(_timed_click(page, nav))
            if button:
                control = page.locator(f".st-key-{button} button").first
                times.setdefault(f"{path} in-page", []).append(_timed_click(page, control))
            last = [f"{1000 * v[-1]:.0f}" for k, v in times.items() if k.startswith(path + " ")]
            print(f"  {path}: {', '.join(last)} ms", flush=True)
    bare = context.new_page()
    bare.goto(bare_url)
    wait_settled(bare, timeout=120)
    for _ in range(repeats * 2):
        times.setdefault("bare app", []).append(
            _timed_click(bare, bare.locator(".st-key-bare_redraw button"))
        )
    context.close()
    return times


def measure_twins(
    browser: object, twin_url: str, links: dict[str, str], repeats: int
) -> dict[str, list[float]]:
    """Page-open times of the twins, walked like the app: home, then each twin from the sidebar."""
    times: dict[str, list[float]] = {}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(twin_url)
    wait_settled(page, timeout=120)
    for _ in range(repeats):
        for path, _link, _button in PAGES:
            text = links.get(_PAGE_FILES.get(path, ""), "app")
            nav = page.locator('[data-testid="stSidebarNav"] a', has_text=text).first
            times.setdefault(f"{path} page", []).append(_timed_click(page, nav))
    context.close()
    return times


def print_twins(times: dict[str, list[float]], twins: dict[str, list[float]], bare_median: float) -> None:
    print("\nPage opens against their twins (the same Streamlit elements, plain content; same run)")
    print(f"{'page':<28}{'page ms':>9}{'twin ms':>9}{'x twin':>8}{'twin x bare':>13}")
    for name, values in twins.items():
        ours, twin = statistics.median(times[name]), statistics.median(values)
        path = name.rsplit(" ", 1)[0]
        print(f"{path:<28}{1000 * ours:9.0f}{1000 * twin:9.0f}{ours / twin:8.2f}{twin / bare_median:13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the learning path (5)")
    parser.add_argument("--twins", action="store_true", help="also open each page's twin (click_twins)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py to measure")
    args = parser.parse_args()
    if not 1 <= args.repeats <= 50:
        raise SystemExit("--repeats takes 1 to 50")
    if not (args.root / "app.py").exists():
        raise SystemExit(f"no app.py in {args.root}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        twin_url, links = "", {}
        if args.twins:  # the twins' app lives in a folder removed on the way out
            twin_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-twins-")))
            links = write_twin_app(twin_dir, [(f, f) for f in _PAGE_FILES.values()])
            twin_url = stack.enter_context(
                streamlit_server("app.py", "bench-clicks-twins.log", cwd=twin_dir, extra_args=BARE_DEFAULTS)
            )
        app_url = stack.enter_context(streamlit_server("app.py", "bench-clicks-app.log", cwd=args.root))
        bare = streamlit_server(
            "benchmarks/bare_click_app.py", "bench-clicks-bare.log", extra_args=BARE_DEFAULTS
        )
        bare_url = stack.enter_context(bare)
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            times = measure(browser, app_url, bare_url, args.repeats)
            twins = measure_twins(browser, twin_url, links, args.repeats) if args.twins else {}
        finally:
            browser.close()

    bare_median = statistics.median(times.pop("bare app"))
    print(f"\nClick to settled, median of {args.repeats} per page and kind (one learner, {args.root})")
    print(f"bare one-chart app: {1000 * bare_median:.0f} ms")
    print(f"{'page':<28}{'kind':>9}{'median ms':>11}{'x bare':>8}")
    worst = 0.0
    for name, values in times.items():
        path, kind = name.rsplit(" ", 1)
        median = statistics.median(values)
        worst = max(worst, median / bare_median)
        print(f"{path:<28}{kind:>9}{1000 * median:11.0f}{median / bare_median:8.2f}")
    pooled = statistics.median([v for values in times.values() for v in values])
    print(f"worst page: {worst:.2f} x the bare app's median click")
    print(
        f"pooled (median of all {sum(map(len, times.values()))} clicks of the walk): "
        f"{1000 * pooled:.0f} ms, {pooled / bare_median:.2f} x the bare app's median click"
    )
    if twins:
        print_twins(times, twins, bare_median)


if __name__ == "__main__":
    main()
