"""Run the real app and drive it in headless Chromium (Debian's package) with Playwright.

The tests skip, saying why, only where no Chromium or no Playwright can be found, so the
README's test command also works on a machine without a browser. CI installs both.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


SERVE_REPLICAS = ROOT / "deploy" / "serve-replicas.sh"


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    script: str,
    log_name: str,
    extra_env: dict[str, str] | None = None,
    *,
    cwd: Path = ROOT,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run ``streamlit run <script>`` (a path from ``cwd``, the repo root) on a free port; yield its URL.

    ``extra_args``: more ``streamlit run`` options (e.g. a bare comparison app's own settings).

    The server's output goes to ``artifacts/<log_name>``; the test fails if the server does not answer
    its health check within 60 s. On leaving, the server is stopped (killed after 10 s).
    """
    port = free_port()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    with open(ROOT / "artifacts" / log_name, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                "--client.showErrorDetails", "full", *extra_args,
            ],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})},
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().decode().strip() == "ok":
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail(f"the Streamlit server for {script} did not answer its health check within 60 s")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start ``streamlit run app.py`` once for the whole session; yield its base URL."""
    with streamlit_server("app.py", "streamlit-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (apt-get install chromium); browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed; browser tests skipped")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def wait_settled(page: object, timeout: float = 90.0, calm_checks: int = 2) -> None:
    """Wait until the app is connected, its script has finished and nothing is still drawing.

    The script state reads ``notRunning`` a moment before the elements are drawn on a first
    load, so the check must hold ``calm_checks`` times in a row, 0.4 s apart (more of them to
    see that a paused page stays still across a Play tick).
    """
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        settled = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                if (!app) return false;
                return app.getAttribute('data-test-connection-state') === 'CONNECTED'
                    && app.getAttribute('data-test-script-state') === 'notRunning'
                    && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
            }"""
        )
        calm = calm + 1 if settled else 0
        if calm >= calm_checks:
            return
        time.sleep(0.4)
    raise AssertionError("the page did not settle in time")


def assert_no_exception(page: object) -> None:
    count = page.locator('[data-testid="stException"]').count()
    assert count == 0, page.locator('[data-testid="stException"]').first.inner_text()


def wait_painted(page: object) -> None:
    """Until the browser has painted twice: after a scroll, what is on screen is the new position."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")


# a chart inside a closed expander is redrawn at its width when the expander opens (Plotly does not
# resize hidden charts): only the visible ones count
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(c => c.checkVisibility()).every(c => {
    const svg = c.querySelector('.main-svg');
    return svg && Math.abs(svg.getBoundingClientRect().width - c.getBoundingClientRect().width) < 3;
})"""


def wait_charts_drawn(page: object, timeout: float = 30_000) -> None:
    """Until every Plotly chart is drawn at its container's width (after a resize, Plotly redraws)."""
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout)
    wait_painted(page)


MAIN_TEXT_CHANGED = """before => {
    const main = document.querySelector('[data-testid="stMain"]');
    return main !== null && main.innerText !== before;
}"""


def click_and_settle(page: object, target: object, timeout: float = 60_000) -> None:
    """Click ``target`` (a locator), wait until the page's text changes, then until it settles."""
    before = page.locator('[data-testid="stMain"]').inner_text()
    target.click()
    page.wait_for_function(MAIN_TEXT_CHANGED, arg=before, timeout=timeout)
    wait_settled(page)


@dataclass
class Replicas:
    """``deploy/serve-replicas.sh`` running: its process, nginx's URL and what the script printed."""

    proc: subprocess.Popen
    url: str
    replica_pids: dict[int, int] = field(default_factory=dict)  # replica port -> pid
    nginx_pid: int = 0
    run_dir: Path = Path()
    lines: list[str] = field(default_factory=list)

    def stop(self) -> int:
        """SIGTERM the script (its trap stops the replicas and nginx); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def access_log(self) -> str:
        return (self.run_dir / "access.log").read_text()

    def replicas_of(self, route: str) -> set[int]:
        """The replica ports nginx sent the requests of ``route`` to (from its access log)."""
        found = re.findall(rf"route={route} upstream=127\.0\.0\.1:(\d+)", self.access_log())
        return {int(port) for port in found}


def start_replicas(count: int, timeout: float = 240.0) -> Replicas:
    """Run ``deploy/serve-replicas.sh count PORT`` (a free port) until it prints its "serving" line.

    Reads the lines the script prints: ``replica i: pid P on 127.0.0.1:PORT ...``, ``nginx: pid P
    on ... (config and logs in DIR)`` and ``serving URL``, then waits until nginx answers. Raises
    ``RuntimeError`` with the script's output when it does not get there within ``timeout`` seconds
    (it is stopped first).
    """
    port = free_port()
    proc = subprocess.Popen(
        ["bash", str(SERVE_REPLICAS), str(count), str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    cluster = Replicas(proc, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        cluster.lines.append(line)
        if m := re.match(r"replica \d+: pid (\d+) on 127\.0\.0\.1:(\d+)", line):
            cluster.replica_pids[int(m.group(2))] = int(m.group(1))
        elif m := re.match(r"nginx: pid (\d+) on .* \(config and logs in (.+)\)", line):
            cluster.nginx_pid, cluster.run_dir = int(m.group(1)), Path(m.group(2))
        elif line.startswith("serving "):
            # nginx was started in the background just before: wait until it answers
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            return cluster
                except OSError:
                    time.sleep(0.2)
            break
    try:
        cluster.stop()
    except subprocess.TimeoutExpired:
        proc.kill()
    raise RuntimeError("serve-replicas.sh did not start:\n" + "".join(cluster.lines))
