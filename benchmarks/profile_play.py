"""Where the server's time goes while one learner plays: py-spy on the Streamlit server, summarised.

Starts ``streamlit run app.py``, presses Play on the playground (``pg``) or the vanishing lab
(``vg``) in headless Chromium, records the server with ``py-spy record --format raw`` for
``--seconds`` and prints the functions with the largest share of the server's busy samples
(the event loop waiting in ``select`` and Streamlit's polling file watcher sleeping are left
out), plus updates/s and the server's and the browser's CPU per update over the same window.
py-spy's sampling adds a little CPU of its own. Needs ``pip install py-spy``.

Run: ``python benchmarks/profile_play.py pg`` (or ``vg``).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_classroom as bc  # noqa: E402

from benchmarks.classroom_chromium import ChromiumRoom  # noqa: E402
from tests.browser.conftest import streamlit_server  # noqa: E402

IDLE = ("EpollSelector.select", "PollingPathWatcher._schedule.<locals>.task")
NOISE = ("threading.py", "runpy", "click/", "asyncio/", "web/cli.py", "web/bootstrap.py", "__main__")


def summarise(raw: Path, top: int) -> None:
    """Inclusive share of the busy samples per function, largest first."""
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if frames[-1].split(" (")[0] in IDLE:
            continue
        total += int(count)
        for frame in set(frames):
            if not any(n in frame for n in NOISE):
                incl[frame.split(":")[0] + ")"] += int(count)
    print(f"busy samples: {total}")
    for name, count in incl.most_common(top):
        print(f"{100 * count / max(total, 1):5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", choices=("pg", "vg"), help="pg: training playground, vg: vanishing lab")
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy not found (pip install py-spy)")
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")

    target = {"pg": bc.PLAYGROUND, "vg": bc.VANISHING}[args.page]
    raw = Path(tempfile.mkdtemp()) / "profile.raw"
    with streamlit_server("app.py", "profile-play.log") as url:
        pid = bc.server_pid(url)
        room = ChromiumRoom()
        try:
            room.join(url, target)
            time.sleep(bc.WARMUP)
            room.reset()
            web_pids = room.pids([pid])
            cpu0, web0, t0 = bc.cpu_seconds([pid]), bc.cpu_seconds(web_pids), time.monotonic()
            subprocess.run(
                ["py-spy", "record", "--pid", str(pid), "--duration", str(args.seconds), "--rate", "200",
                 "--format", "raw", "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
            )  # fmt: skip
            elapsed = time.monotonic() - t0
            cpu, web = bc.cpu_seconds([pid]) - cpu0, bc.cpu_seconds(web_pids) - web0
            rates, _ = room.rates(elapsed)
        finally:
            room.close()
    updates = max(rates[0] * elapsed, 1.0)
    print(
        f"{target.name}: {updates / elapsed:.2f} updates/s; per update {1000 * cpu / updates:.0f} ms of "
        f"server CPU, {1000 * web / updates:.0f} ms of browser CPU"
    )
    summarise(raw, args.top)


if __name__ == "__main__":
    main()
