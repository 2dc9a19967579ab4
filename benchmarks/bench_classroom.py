"""What a playing learner costs the server, and how many playing learners 1 or 2 replicas keep going.

Single server (default). The script starts ``streamlit run app.py`` and, in the same run, the bare
one-chart app ``benchmarks/bare_run_every_app.py`` (a ``run_every`` fragment redrawing one
100x100 heatmap). One headless Chromium learner at a time presses Play on the training
playground, then on the vanishing-gradients lab, then watches the bare app. After a warm-up the
script reads the server's CPU time (``/proc/<pid>/stat``) over a fixed window while the page
records every visible update (the iteration in a chart title or metric label changing). It prints
updates/s, iterations/s, the server's CPU share per playing learner, milliseconds of server CPU per
update, playing learners one core serves, and each page's cost as a multiple of the bare app's.

``--replicas 1 2``. For each count, ``deploy/serve-replicas.sh`` starts that many replicas
behind nginx; learners (Chromium contexts, each with its own route cookie) press Play on the
playground one more at a time (up to ``--max-learners``, default 4), and the script counts how
many keep >= 4 updates/s and prints a table (CPU in cores: the replicas' and Chromium's).

Everything runs on loopback, loops are bounded, and Chromium shares the machine's cores with the
servers, so the figures are what this machine gave in one run: compare within a run.

Run: ``python benchmarks/bench_classroom.py`` and ``python benchmarks/bench_classroom.py --replicas 1 2``.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM_ARGS, wait_settled  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WARMUP, WINDOW = 3.0, 10.0
MIN_RATE = 4.0  # visible updates per second a playing learner should keep


@dataclass(frozen=True)
class Target:
    """A page to play: where it is, how to press Play, and what changes on every visible update."""

    name: str
    path: str
    play: str | None  # the key of the Play/Pause control, None when the page always plays
    marker: str  # CSS selector of the element whose text changes on each update
    pattern: str  # JS regex with one group: the iteration (or tick) in that text
    per_tick: int  # iterations per unit of the marker's number (1 for an iteration count)


PLAYGROUND = Target(
    "Training playground", "/Training_playground", "pg_play_mode",
    ".st-key-pg_boundary_chart .gtitle", r"iteration (\d+)", 1,
)  # fmt: skip
VANISHING = Target(
    "Vanishing gradients", "/Vanishing_gradients", "vg_play_mode",
    '[data-testid="stMetricLabel"]', r"after (\d+) update", 1,
)  # fmt: skip
BARE = Target("bare run_every app", "/", None, ".st-key-bare_chart .gtitle", r"tick (\d+)", 0)

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def browser_pids(exclude: list[int]) -> list[int]:
    """This script's descendants (Playwright's driver and Chromium), the servers excluded."""
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


def start_server(script: str, cwd: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` on a free loopback port, from ``cwd``; returns it and its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"the Streamlit server for {script} did not start")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate a server this script started (killed after 20 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def open_and_play(context: object, url: str, target: Target) -> object:
    """Open the target page in a new tab of ``context``, press its Play, wait for its first update."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url + target.path)
    wait_settled(page, timeout=90)
    if target.play:
        page.locator(f".st-key-{target.play}").locator("button", has_text="Play").click()
    page.wait_for_selector(target.marker)
    return page


def _pause(page: object, target: Target) -> None:
    if target.play:
        page.locator(f".st-key-{target.play}").locator("button", has_text="Pause").click()


def _rates(samples: list[list[float]], window: float, per_tick: int) -> tuple[int, float, float]:
    """Updates seen, updates/s and iterations/s from the sampler's (time, number) pairs."""
    if len(samples) < 2:
        return 0, 0.0, 0.0
    updates = len(samples) - 1
    iterations = (samples[-1][1] - samples[0][1]) * (per_tick or 0)
    return updates, updates / window, iterations / window


def _measure(
    pages: list[tuple[object, Target]], pids: list[int]
) -> tuple[list[tuple[int, float, float]], float]:
    """Per page (updates, updates/s, iterations/s), and the servers' and the browser's CPU share
    (in cores) over one window."""
    for page, target in pages:
        page.evaluate(SAMPLER, [target.marker, target.pattern])
    browser = browser_pids(pids)
    cpu0, web0, t0 = cpu_seconds(pids), cpu_seconds(browser), time.monotonic()
    time.sleep(WINDOW)
    cpu1, web1, elapsed = cpu_seconds(pids), cpu_seconds(browser), time.monotonic() - t0
    out = []
    for page, target in pages:
        samples = page.evaluate("() => window.__bpl")
        out.append(_rates(samples, elapsed, target.per_tick))
    return out, (cpu1 - cpu0) / elapsed, (web1 - web0) / elapsed


def single(browser: object) -> None:
    app, app_url = start_server("app.py")
    bare, bare_url = start_server("benchmarks/bare_run_every_app.py")
    rows = []
    try:
        for target, url, proc in (
            (PLAYGROUND, app_url, app),
            (VANISHING, app_url, app),
            (BARE, bare_url, bare),
        ):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = open_and_play(context, url, target)
            time.sleep(WARMUP)
            [(updates, ups, its)], share, web = _measure([(page, target)], [proc.pid])
            _pause(page, target)
            context.close()
            rows.append((target.name, updates, ups, its, share))
            print(f"  {target.name}: browser CPU {web:.2f} cores", flush=True)
    finally:
        stop_server(app)
        stop_server(bare)

    print(f"\nOne server, one playing learner at a time, {WINDOW:.0f} s window after {WARMUP:.0f} s of Play")
    print(
        f"{'page':<22}{'updates/s':>10}{'iter/s':>8}{'iter/upd':>9}{'CPU/learner':>12}"
        f"{'ms CPU/upd':>11}{'learners/core':>14}{'at 4/s':>7}{'x bare':>8}"
    )
    bare_ms = None
    ms = {}
    for name, updates, _ups, _its, share in rows:
        ms[name] = 1000 * share * WINDOW / updates if updates else float("nan")
        if name == BARE.name:
            bare_ms = ms[name]
    for name, _updates, ups, its, share in rows:
        per_update = its / ups if ups and its else float("nan")
        ratio = ms[name] / bare_ms if bare_ms else float("nan")
        learners = 1 / share if share else float("inf")
        iters = f"{its:8.1f}" if name != BARE.name else f"{'-':>8}"
        per = f"{per_update:9.1f}" if name != BARE.name else f"{'-':>9}"
        at_min = 1000 / (ms[name] * MIN_RATE)
        print(
            f"{name:<22}{ups:10.2f}{iters}{per}{share:11.0%} {ms[name]:11.0f}{learners:14.1f}"
            f"{at_min:7.1f}{ratio:8.2f}"
        )
    print("CPU/learner: the server's CPU time over the window as a share of one core. learners/core: 1/that,")
    print("at the update rate shown; at 4/s: the same if every learner got 4 updates/s (1000 / (4 x ms per")
    print("update)). x bare: server ms per update relative to the bare app in this run.")


@dataclass
class Replicas:
    proc: subprocess.Popen
    url: str
    pids: list[int]


def _start_replicas(n: int) -> Replicas:
    port = _free_port()
    proc = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "serve-replicas.sh"), str(n), str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    pids = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if m := re.match(r"replica \d+: pid (\d+)", line):
            pids.append(int(m.group(1)))
        if line.startswith("serving "):
            return Replicas(proc, f"http://127.0.0.1:{port}", pids)
    proc.kill()
    raise SystemExit("serve-replicas.sh did not start")


def replicas(browser: object, counts: list[int], max_learners: int) -> None:
    table = []
    for n in counts:
        cluster = _start_replicas(n)
        contexts, pages = [], []
        try:
            for learners in range(1, max_learners + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                contexts.append(context)
                pages.append((open_and_play(context, cluster.url, PLAYGROUND), PLAYGROUND))
                time.sleep(WARMUP)
                results, share, web = _measure(pages, cluster.pids)
                rates = sorted(r[1] for r in results)
                keeping = sum(r >= MIN_RATE for r in rates)
                table.append((n, learners, keeping, rates[0], rates[len(rates) // 2], share, web))
                print(
                    f"  {n} replica(s), {learners} playing: {keeping} keep >= {MIN_RATE:g} updates/s "
                    f"(slowest {rates[0]:.1f}/s), servers' CPU {share:.2f} cores, browser's {web:.2f}",
                    flush=True,
                )
                # bounded by --max-learners; no use adding learners once the median one crawls
                if rates[len(rates) // 2] < MIN_RATE / 4:
                    break
        finally:
            for context in contexts:
                context.close()
            cluster.proc.send_signal(signal.SIGTERM)
            cluster.proc.wait(timeout=60)

    print(f"\nPlaying learners on the training playground behind nginx ({os.cpu_count()} cores, "
          f"{WINDOW:.0f} s window, Chromium on the same machine)")  # fmt: skip
    print(
        f"{'replicas':>8} {'playing':>8} {'keep >=4/s':>11} {'slowest/s':>10} {'median/s':>9}"
        f" {'servers CPU':>12} {'browser CPU':>12}"
    )
    for n, learners, keeping, slowest, median, share, web in table:
        print(
            f"{n:>8} {learners:>8} {keeping:>11} {slowest:>10.1f} {median:>9.1f} {share:>12.2f} {web:>12.2f}"
        )
    for n in counts:
        best = max((lr for rn, lr, k, *_ in table if rn == n and k == lr), default=0)
        print(f"{n} replica(s): up to {best} playing learner(s) all kept >= {MIN_RATE:g} updates/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", help="replica counts to compare behind nginx")
    parser.add_argument("--max-learners", type=int, default=4, help="most concurrent playing learners (4)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    if args.replicas and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        raise SystemExit("nginx not found (apt-get install nginx)")
    if args.replicas and not all(1 <= n <= 16 for n in args.replicas):
        raise SystemExit("--replicas takes counts from 1 to 16")
    if not 1 <= args.max_learners <= 20:
        raise SystemExit("--max-learners takes 1 to 20")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            if args.replicas:
                replicas(browser, args.replicas, args.max_learners)
            else:
                single(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
