"""What a playing learner costs the server; how many playing learners one server or N replicas keep going.

A playing learner should see at least 4 updates per second. Two kinds of learner press Play:
headless Chromium (Playwright), and the synthetic learner of ``benchmarks/synthetic_learner.py``,
which speaks Streamlit's websocket protocol as the browser does but draws nothing. One Chromium
learner takes more than a core of a small machine, so beyond one learner only synthetic ones
measure the servers rather than the browser.

Default: one learner at a time, on ``streamlit run app.py`` and on the bare one-chart app
``benchmarks/bare_run_every_app.py``: a Chromium learner, then a synthetic one, presses Play on
the training playground, on the vanishing-gradients lab and watches the bare app. Over a fixed
window after a warm-up the script reads the server's CPU time (``/proc/<pid>/stat``) and counts
visible updates (the iteration in a chart title or metric label changing). It prints updates/s,
iterations/s, the server's CPU per update and per learner, for both kinds of learner side by side
(the synthetic learner is valid when its rows match Chromium's).

``--crowd 1 2 4 8 16``: one server, that many synthetic learners playing the playground, then the
vanishing lab: per-learner updates/s (slowest, median), how many keep >= 4/s, the server's and the
learners' CPU, and learners kept per core of server CPU.

``--replicas 1 2``: for each count ``deploy/serve-replicas.sh`` starts that many replicas behind
nginx; synthetic learners (each with its own cookies, so nginx pins it to one replica; placed on
the replica with the fewest learners) press Play on the playground, a few more at a time, until
they no longer all keep >= 4 updates/s. ``--learners chromium`` uses Chromium learners instead
(up to ``--max-learners``).

Everything runs on loopback and the learners share the machine's cores with the servers, so the
figures are what this machine gave in one run: compare within a run.

Run: ``python benchmarks/bench_classroom.py`` (add ``--crowd 1 2 4 8`` or ``--replicas 1 2``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.classroom_chromium import ChromiumRoom  # noqa: E402
from benchmarks.synthetic_learner import Classroom, Marker, SyntheticLearner  # noqa: E402
from tests.browser.conftest import start_replicas, streamlit_server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WARMUP, WINDOW = 3.0, 10.0
MIN_RATE = 4.0  # visible updates per second a playing learner should keep
# the bare app runs with Streamlit's own default where the project's config differs: a full garbage
# collection after every run (this project turns it off in .streamlit/config.toml; with it off the
# bare app costs ~6 ms per update instead of ~40 on this machine, so it would no longer be the bare
# Streamlit app the classroom figures compare against)
BARE_DEFAULTS = ("--runner.postScriptGC", "true")


@dataclass(frozen=True)
class Target:
    """A page to play: where it is, how to press Play, and what changes on every visible update."""

    name: str
    path: str
    play: str | None  # the key prefix of the Play/Pause control, None when the page always plays
    marker: str  # CSS selector of the element whose text changes on each update (in Chromium)
    pattern: str  # regex with one group: the iteration (or tick) in that text
    wire: Marker  # the same on the websocket (synthetic learners)
    per_tick: int  # iterations per unit of the marker's number (0: not iterations)


PLAYGROUND = Target(
    "Training playground", "/Training_playground", "pg", ".st-key-pg_boundary_chart .gtitle",
    r"iteration (\d+)", Marker("plotly_chart", "pg_boundary_chart", r"iteration (\d+)"), 1,
)  # fmt: skip
VANISHING = Target(
    "Vanishing gradients", "/Vanishing_gradients", "vg", '[data-testid="stMetricLabel"]',
    r"after (\d+) update", Marker("metric", None, r"after (\d+) update"), 1,
)  # fmt: skip
BARE = Target(
    "bare run_every app", "/", None, ".st-key-bare_chart .gtitle", r"tick (\d+)",
    Marker("plotly_chart", "bare_chart", r"tick (\d+)"), 0,
)  # fmt: skip


def _machine() -> str:
    return f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"


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


def server_pid(url: str) -> int:
    """The pid of the Streamlit server listening on ``url``'s port (a child of this script)."""
    port = url.rsplit(":", 1)[1]
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmd.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args:
            return int(cmd.parent.name)
    raise SystemExit(f"no server process found for {url}")


@dataclass
class Window:
    rates: list[float]  # updates/s per learner
    iterations: list[float]  # iterations/s per learner
    servers: float  # the servers' CPU over the window, in cores
    learners: float  # the learners' CPU (browser or this script), in cores
    extra: float = 0.0  # nginx's CPU, in cores
    cut: float = float("nan")  # share of the runs cut short for a newer one (synthetic learners)

    @property
    def slowest(self) -> float:
        return min(self.rates)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def cut_text(self) -> str:
        return "-" if self.cut != self.cut else f"{self.cut:.0%}"

    @property
    def keeping(self) -> int:
        return sum(r >= MIN_RATE for r in self.rates)


def measure(room: object, servers: list[int], extra: list[int] = ()) -> Window:
    """One window: every learner's updates/s and the CPU of the servers, the learners and ``extra``."""
    room.reset()
    learner_pids = room.pids(servers)
    groups = (servers, learner_pids, list(extra))
    before, t0 = [cpu_seconds(g) for g in groups], time.monotonic()
    time.sleep(WINDOW)
    (s0, l0, e0), (s1, l1, e1) = before, [cpu_seconds(g) for g in groups]
    elapsed = time.monotonic() - t0
    rates, iterations = room.rates(elapsed)
    cut = room.cut_short() if isinstance(room, SyntheticRoom) else float("nan")
    return Window(rates, iterations, (s1 - s0) / elapsed, (l1 - l0) / elapsed, (e1 - e0) / elapsed, cut)


class SyntheticRoom:
    """Synthetic learners on one loop in this process; the learners' CPU is this script's."""

    def __init__(self) -> None:
        self.classroom = Classroom()
        self.targets: list[Target] = []

    def join(self, url: str, target: Target, accept_route: object = None) -> SyntheticLearner:
        learner = SyntheticLearner(url, target.path, target.wire, target.play, accept_route)
        self.classroom.join(learner)
        if learner.error:
            raise SystemExit(f"a synthetic learner failed on {target.name}: {learner.error}")
        self.targets.append(target)
        return learner

    def reset(self) -> None:
        self.classroom.reset()

    def pids(self, servers: list[int]) -> list[int]:
        return [os.getpid()]

    def rates(self, elapsed: float) -> tuple[list[float], list[float]]:
        rates, iterations = [], []
        for learner, target in zip(self.classroom.learners, self.targets, strict=True):
            s = learner.samples
            rates.append(max(0, len(s) - 1) / elapsed)
            iterations.append((s[-1][1] - s[0][1]) * target.per_tick / elapsed if len(s) > 1 else 0.0)
        if errors := [lr.error for lr in self.classroom.learners if lr.error]:
            print(f"  ! {len(errors)} learner(s) failed: {errors[0]}", flush=True)
        return rates, iterations

    def cut_short(self) -> float:
        """The share of the runs since ``reset`` that a newer run cut short (their output dropped)."""
        runs = [lr.finished for lr in self.classroom.learners]
        early = sum(f.get(ForwardMsg.FINISHED_EARLY_FOR_RERUN, 0) for f in runs)
        total = sum(sum(f.values()) for f in runs)
        return early / total if total else float("nan")

    def close(self) -> None:
        self.classroom.close()


# ---------------------------------------------------------------------------- one learner at a time


def single(kinds: list[str]) -> None:
    rows = []
    with (
        streamlit_server("app.py", "bench-classroom-app.log") as app_url,
        streamlit_server(
            "benchmarks/bare_run_every_app.py", "bench-classroom-bare.log", extra_args=BARE_DEFAULTS
        ) as bare_url,
    ):
        for target, url in ((PLAYGROUND, app_url), (VANISHING, app_url), (BARE, bare_url)):
            for kind in kinds:
                room = ChromiumRoom() if kind == "chromium" else SyntheticRoom()
                try:
                    room.join(url, target)
                    time.sleep(WARMUP)
                    w = measure(room, [server_pid(url)])
                finally:
                    room.close()
                rows.append((target, kind, w))
                rate = f"{w.rates[0]:.2f} updates/s"
                print(f"  {target.name}, {kind}: {rate}, learner CPU {w.learners:.2f}", flush=True)

    print(f"\nOne server, one playing learner at a time ({_machine()}, {WINDOW:.0f} s window)")
    print(
        f"{'page':<22}{'learner':>10}{'updates/s':>10}{'iter/s':>8}{'server CPU':>11}{'ms CPU/upd':>11}"
        f"{'x bare':>7}{'at 4/s/core':>12}{'learner CPU':>12}"
    )
    bare = {kind: w for t, kind, w in rows if t is BARE}
    for target, kind, w in rows:
        ms = 1000 * w.servers / w.rates[0] if w.rates[0] else float("nan")
        b = bare.get(kind)
        ratio = ms / (1000 * b.servers / b.rates[0]) if b and b.rates[0] else float("nan")
        its = f"{w.iterations[0]:8.1f}" if target.per_tick else f"{'-':>8}"
        print(
            f"{target.name:<22}{kind:>10}{w.rates[0]:10.2f}{its}{w.servers:10.0%} {ms:11.0f}{ratio:7.2f}"
            f"{1000 / (ms * MIN_RATE):12.1f}{w.learners:12.2f}"
        )
    print("server CPU: the server's CPU time over the window as a share of one core; x bare: ms per update")
    print("relative to the bare app with the same kind of learner; at 4/s/core: learners one core of server")
    print("CPU would serve at 4 updates/s each (1000 / (4 x ms per update)); learner CPU in cores.")


# ---------------------------------------------------------------------------- many synthetic learners


def crowd(counts: list[int]) -> None:
    table = []
    with streamlit_server("app.py", "bench-classroom-crowd.log") as url:
        pid = server_pid(url)
        for target in (PLAYGROUND, VANISHING):
            room = SyntheticRoom()
            try:
                for n in counts:
                    while len(room.targets) < n:
                        room.join(url, target)
                    time.sleep(WARMUP)
                    w = measure(room, [pid])
                    table.append((target, n, w))
                    print(
                        f"  {target.name}, {n} playing: {w.keeping} keep >= {MIN_RATE:g}/s (slowest "
                        f"{w.slowest:.1f}, median {w.median:.1f}), server {w.servers:.2f} cores, "
                        f"learners {w.learners:.2f}",
                        flush=True,
                    )
                    if w.median < MIN_RATE / 4:
                        break
            finally:
                room.close()
            time.sleep(3)

    print(f"\nOne server, N synthetic learners playing ({_machine()}, {WINDOW:.0f} s window)")
    print(
        f"{'page':<22}{'playing':>8}{'keep >=4/s':>11}{'slowest/s':>10}{'median/s':>9}{'server CPU':>11}"
        f"{'ms/upd':>7}{'kept/core':>10}{'cut short':>10}{'learners CPU':>13}"
    )
    for target, n, w in table:
        ms = 1000 * w.servers / sum(w.rates) if sum(w.rates) else float("nan")
        per_core = w.keeping / w.servers if w.servers else float("nan")
        print(
            f"{target.name:<22}{n:>8}{w.keeping:>11}{w.slowest:>10.1f}{w.median:>9.1f}{w.servers:>11.2f}"
            f"{ms:>7.0f}{per_core:>10.1f}{w.cut_text:>10}{w.learners:>13.2f}"
        )
    print("server CPU and learners CPU in cores; ms/upd: server CPU per visible update; kept/core: learners")
    print(f"keeping >= {MIN_RATE:g} updates/s per core of server CPU used; cut short: runs that ended as")
    print("FINISHED_EARLY_FOR_RERUN (the session's next run started before their output was sent, and")
    print("Streamlit dropped what was still queued).")


# ---------------------------------------------------------------------------- replicas behind nginx


def _next_count(n: int) -> int:
    return n + 1 if n < 12 else n + 2 if n < 24 else n + 4


def _with_children(pid: int) -> list[int]:
    """``pid`` and its children (nginx's master process and its worker)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return [pid, *kids]


def replicas(counts: list[int], kind: str, max_learners: int) -> None:
    table = []
    for n in counts:
        cluster = start_replicas(n)
        placed = dict.fromkeys(cluster.replica_pids, 0)

        def fewest(route: str, cluster=cluster, placed=placed) -> bool:
            # nginx logs a request once it is answered; the learner's page request just was
            for _ in range(50):
                if ports := cluster.replicas_of(route):
                    break
                time.sleep(0.1)
            port = min(ports) if ports else None
            if port is None or placed[port] > min(placed.values()):
                return False
            placed[port] += 1
            return True

        room = ChromiumRoom() if kind == "chromium" else SyntheticRoom()
        try:
            learners, failing = 1, 0
            while learners <= max_learners:
                while len(room.targets) < learners:
                    room.join(cluster.url, PLAYGROUND, fewest if kind == "synthetic" else None)
                time.sleep(WARMUP)
                w = measure(room, list(cluster.replica_pids.values()), _with_children(cluster.nginx_pid))
                split = "+".join(str(v) for v in placed.values()) if kind == "synthetic" else "?"
                table.append((n, learners, w, split))
                print(
                    f"  {n} replica(s), {learners} playing ({split}): {w.keeping} keep >= {MIN_RATE:g}/s "
                    f"(slowest {w.slowest:.1f}, median {w.median:.1f}), replicas {w.servers:.2f} cores, "
                    f"nginx {w.extra:.2f}, learners {w.learners:.2f}",
                    flush=True,
                )
                failing = failing + 1 if w.keeping < learners else 0
                if failing >= 2 or w.median < MIN_RATE / 4:
                    break
                learners = _next_count(learners)
        finally:
            room.close()
            cluster.stop()

    print(
        f"\nLearners playing the training playground behind nginx ({_machine()}, "
        f"{WINDOW:.0f} s window, {kind} learners on the same machine)"
    )
    print(
        f"{'replicas':>8}{'playing':>8}{'per replica':>12}{'keep >=4/s':>11}{'slowest/s':>10}{'median/s':>9}"
        f"{'replicas CPU':>13}{'nginx CPU':>10}{'cut short':>10}{'learners CPU':>13}"
    )
    for n, learners, w, split in table:
        print(
            f"{n:>8}{learners:>8}{split:>12}{w.keeping:>11}{w.slowest:>10.1f}{w.median:>9.1f}"
            f"{w.servers:>13.2f}{w.extra:>10.2f}{w.cut_text:>10}{w.learners:>13.2f}"
        )
    best, steady = {}, {}
    for n in counts:
        rows = [(lr, w.keeping == lr) for rn, lr, w, _ in table if rn == n]
        best[n] = max((lr for lr, kept in rows if kept), default=0)
        steady[n] = 0
        for lr, kept in rows:
            if not kept:
                break
            steady[n] = lr
        print(
            f"{n} replica(s): all playing learners kept >= {MIN_RATE:g} updates/s at every count up to "
            f"{steady[n]}, and at {best[n]} at most"
        )
    if len(counts) > 1 and steady[counts[0]]:
        a, b = counts[0], counts[-1]
        ratios = f"{steady[b] / steady[a]:.2f}x (every count), {best[b] / best[a]:.2f}x (at most)"
        print(f"{b} vs {a} replica(s): {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--crowd", type=int, nargs="+", help="one server, these many synthetic learners")
    group.add_argument("--replicas", type=int, nargs="+", help="replica counts to compare behind nginx")
    parser.add_argument(
        "--learners", choices=("synthetic", "chromium", "both"),
        help="kind of learner: both (default, one at a time) or synthetic (default, --replicas)",
    )  # fmt: skip
    parser.add_argument("--max-learners", type=int, help="most learners for --replicas (40; Chromium 4)")
    args = parser.parse_args()
    kind = args.learners or ("both" if not (args.crowd or args.replicas) else "synthetic")
    if args.crowd and kind != "synthetic":
        raise SystemExit("--crowd uses synthetic learners only")
    if args.replicas and kind == "both":
        raise SystemExit("--replicas takes --learners synthetic or chromium")
    if kind in ("chromium", "both") and not (shutil.which("chromium") or shutil.which("chromium-browser")):
        raise SystemExit("no Chromium found (apt-get install chromium); try --learners synthetic")
    if args.replicas and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        raise SystemExit("nginx not found (apt-get install nginx)")
    if args.replicas and not all(1 <= n <= 16 for n in args.replicas):
        raise SystemExit("--replicas takes counts from 1 to 16")
    if args.crowd and not all(1 <= n <= 200 for n in args.crowd):
        raise SystemExit("--crowd takes counts from 1 to 200")
    max_learners = args.max_learners or (4 if kind == "chromium" else 40)
    if not 1 <= max_learners <= 200:
        raise SystemExit("--max-learners takes 1 to 200")

    if args.replicas:
        replicas(args.replicas, kind, max_learners)
    elif args.crowd:
        crowd(sorted(set(args.crowd)))
    else:
        single(["chromium", "synthetic"] if kind == "both" else [kind])


if __name__ == "__main__":
    main()
