"""How often Play visibly updates the training playground in Chromium, and by how many iterations.

Budget (issue 4), default set-up (circle, 300 points, 2 hidden layers of 4, tanh, batch 10): Play
shows at least 3 visible updates of the boundary and of the loss chart per second, each advancing
at least 10 iterations.

The script starts its own ``streamlit run app.py``, opens the playground in headless Debian
Chromium, presses Play and, for ``SECONDS`` seconds, polls every 15 ms what the learner sees:
the iteration in the counter line and the iteration in the titles of the two drawn charts
("Decision boundary after iteration N", "Loss at iteration N"). A change of a chart's title
means Plotly has redrawn that chart with new data. It prints updates per second and iterations
per update for each, then presses Pause.

Run: ``python benchmarks/bench_playground_browser.py`` (the machine is shared: numbers from one run).
"""

from __future__ import annotations

import itertools
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the browser tests' Chromium flags and helpers, so the benchmark runs the browser they run
from tests.browser.conftest import CHROMIUM_ARGS, find_chromium, streamlit_server  # noqa: E402

SECONDS = 6.0
MIN_RATE, MIN_STEP = 3.0, 10
READ = """() => {
    const it = (sel, re) => {
        const el = document.querySelector(sel);
        const m = el && el.textContent.match(re);
        return m ? Number(m[1]) : null;
    };
    return [
        it('.st-key-pg_counter', /Iteration (\\d+)/),
        it('.st-key-pg_boundary_chart .gtitle', /iteration (\\d+)/),
        it('.st-key-pg_loss_chart .gtitle', /iteration (\\d+)/),
    ];
}"""


def _settle(page: object) -> None:
    calm = 0
    for _ in range(150):
        done = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
                    && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
            }"""
        )
        calm = calm + 1 if done else 0
        if calm >= 3:
            return
        time.sleep(0.3)


def _changes(samples: list[tuple[float, int | None]]) -> list[tuple[float, int]]:
    """The moments a value changed, with the new value."""
    out: list[tuple[float, int]] = []
    last = None
    for t, v in samples:
        if v is not None and v != last:
            if last is not None:
                out.append((t, v))
            last = v
    return out


def _report(name: str, samples: list[tuple[float, int | None]], seconds: float) -> tuple[float, float]:
    changes = _changes(samples)
    rate = len(changes) / seconds
    values = [v for _, v in changes]
    steps = [b - a for a, b in itertools.pairwise(values)]
    step = statistics.median(steps) if steps else float("nan")
    smallest = min(steps) if steps else float("nan")
    print(
        f"  {name:<16} {rate:5.2f} updates/s, iterations per update: median {step:.0f}, "
        f"smallest {smallest:.0f}  ({len(changes)} updates in {seconds:.1f} s)"
    )
    return rate, smallest


def main() -> None:
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with streamlit_server("app.py", "bench-playground-browser.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/Training_playground")
        page.locator(".st-key-pg_counter").wait_for()
        page.wait_for_selector(".st-key-pg_loss_chart .gtitle")
        _settle(page)
        start = page.evaluate(READ)
        print(f"Before Play: counter, boundary and loss chart at iterations {start}")
        page.locator(".st-key-pg_play_mode").locator("button", has_text="Play").click()
        page.wait_for_function(
            "() => !/Iteration 0\\b/.test(document.querySelector('.st-key-pg_counter').textContent)"
        )
        samples: list[tuple[float, list]] = []
        t0 = time.perf_counter()
        while (now := time.perf_counter()) - t0 < SECONDS:
            samples.append((now - t0, page.evaluate(READ)))
            time.sleep(0.015)
        page.locator(".st-key-pg_play_mode").locator("button", has_text="Pause").click()
        time.sleep(1.0)
        end = page.evaluate(READ)
        browser.close()

    print(f"Play, default set-up, watched for {SECONDS:.0f} s (polling every 15 ms):")
    results = {}
    for k, name in enumerate(("counter line", "boundary chart", "loss chart")):
        results[name] = _report(name, [(t, v[k]) for t, v in samples], SECONDS)
    print(f"After Pause: iterations {end}")
    ok = all(
        rate >= MIN_RATE and step >= MIN_STEP
        for rate, step in (results["boundary chart"], results["loss chart"])
    )
    print()
    for name in ("boundary chart", "loss chart"):
        rate, step = results[name]
        print(f"{name}: {rate:.2f} updates/s / {MIN_RATE:.0f} required = {rate / MIN_RATE:.2f}; "
              f"smallest advance {step:.0f} iterations (>= {MIN_STEP} required)")  # fmt: skip
    print("within budget" if ok else "OVER BUDGET")
    if re.search(r"\bnan\b", str(results)):
        print("(no updates seen)")


if __name__ == "__main__":
    main()
