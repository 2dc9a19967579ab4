"""Chromium learners for ``bench_classroom.py``: headless Chromium tabs that press Play and note updates.

Each learner is a browser context of its own (its own cookies, so nginx pins it to one replica)
with one page. A sampler in the page notes the marker's number every 20 ms when it changes; the
learners' CPU is that of Playwright's driver and Chromium (this script's other descendants).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM_ARGS, wait_settled  # noqa: E402

# runs in the page: every 20 ms, note the marker's number when it changes
SAMPLER = """([selector, pattern]) => {
    window.__bpl = [];
    const re = new RegExp(pattern);
    clearInterval(window.__bplTimer);
    window.__bplTimer = setInterval(() => {
        const el = document.querySelector(selector);
        const m = el && el.textContent.match(re);
        if (!m) return;
        const v = Number(m[1]), s = window.__bpl;
        if (!s.length || s[s.length - 1][1] !== v) s.push([performance.now(), v]);
    }, 20);
}"""

_BROWSER: list[object] = []


def _browser() -> object:
    """One headless Chromium for the whole run (one sync Playwright per process)."""
    if not _BROWSER:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        _BROWSER.append(browser)

        def _stop() -> None:
            browser.close()
            playwright.stop()

        atexit.register(_stop)
    return _BROWSER[0]


def browser_pids(exclude: list[int]) -> list[int]:
    """This script's descendants (Playwright's driver and Chromium), ``exclude`` and theirs left out."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    out = []
    for pid in parent:
        p, seen = pid, 0
        while p in parent and p != os.getpid() and seen < 64:
            if p in exclude:
                break
            p, seen = parent[p], seen + 1
        else:
            if p == os.getpid() and pid not in exclude:
                out.append(pid)
    return out


class ChromiumRoom:
    """Chromium learners, one browser context each; the same calls as the synthetic room."""

    def __init__(self) -> None:
        self.browser = _browser()
        self.pages: list[tuple[object, object]] = []  # (context, page)
        self.targets: list[object] = []

    def join(self, url: str, target: object, accept_route: object = None) -> object:
        """Open the target page in a new context, press its Play, wait for its first update."""
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url + target.path)
        wait_settled(page, timeout=90)
        if target.play:
            page.locator(f".st-key-{target.play}_play_mode").locator("button", has_text="Play").click()
        page.wait_for_selector(target.marker)
        self.pages.append((context, page))
        self.targets.append(target)
        return page

    def reset(self) -> None:
        for (_, page), target in zip(self.pages, self.targets, strict=True):
            page.evaluate(SAMPLER, [target.marker, target.pattern])

    def pids(self, servers: list[int]) -> list[int]:
        return browser_pids(servers)

    def rates(self, elapsed: float) -> tuple[list[float], list[float]]:
        rates, iterations = [], []
        for (_, page), target in zip(self.pages, self.targets, strict=True):
            s = page.evaluate("() => window.__bpl")
            rates.append(max(0, len(s) - 1) / elapsed)
            iterations.append((s[-1][1] - s[0][1]) * target.per_tick / elapsed if len(s) > 1 else 0.0)
        return rates, iterations

    def close(self) -> None:
        for context, _ in self.pages:
            context.close()  # its websocket closes; the server ends the session
        self.pages.clear()
