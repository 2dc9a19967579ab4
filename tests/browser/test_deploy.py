"""Replicas behind nginx (deploy/): the config is valid, learners stick, a dead replica hurts only its own.

``deploy/serve-replicas.sh 2 PORT`` starts two Streamlit replicas and Debian's nginx in front of
them; two learners (two Chromium contexts, each with its own cookies) train on the playground
through nginx. The browser part skips, saying why, where nginx or Chromium is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import SERVE_REPLICAS, Replicas, assert_no_exception, start_replicas, wait_settled

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = SERVE_REPLICAS
TEMPLATE = ROOT / "deploy" / "nginx.conf"
COUNTER = ".st-key-pg_counter"
SHOTS = ROOT / "artifacts" / "screenshots"
STEPS = 20
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx not installed (apt-get install nginx)")


def _render(listen: str, upstreams: str) -> str:
    return TEMPLATE.read_text().replace("@LISTEN@", listen).replace("@UPSTREAMS@", upstreams)


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


# ---------------------------------------------------------------------------- no browser needed


def test_upload_limits_agree() -> None:
    """nginx lets through what Streamlit accepts: maxUploadSize MB plus Streamlit's 1 MB of framing."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    max_upload = config["server"]["maxUploadSize"]
    body = re.search(r"client_max_body_size (\d+)m;", TEMPLATE.read_text())
    assert body is not None
    assert int(body.group(1)) == max_upload + 1


@needs_nginx
def test_rendered_config_passes_nginx_check(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(_render("127.0.0.1:9", "server 127.0.0.1:1 max_fails=1 fail_timeout=10s;"))
    (tmp_path / "tmp").mkdir()
    out = subprocess.run(
        [NGINX, "-t", "-p", f"{tmp_path}/", "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert "@" not in conf.read_text().split("upstream streamlit", 1)[1]


@pytest.mark.parametrize("args", [[], ["0", "8080"], ["2", "80"], ["two", "8080"], ["2", "8080;rm"]])
def test_script_refuses_bad_arguments(args: list[str]) -> None:
    """Bad arguments stop the script before it starts anything, with the usage line."""
    out = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.startswith("usage:")
    assert out.stdout == ""


@needs_nginx
def test_ctrl_c_stops_everything() -> None:
    """Ctrl-C (SIGINT) stops the replicas and nginx and removes the run directory."""
    cluster = _start(1)
    pids = [*cluster.replica_pids.values(), cluster.nginx_pid]
    assert all(_alive(pid) for pid in pids)
    cluster.proc.send_signal(signal.SIGINT)
    assert cluster.proc.wait(timeout=60) == 128 + signal.SIGINT
    assert not [pid for pid in pids if _alive(pid)]
    assert not cluster.run_dir.exists()


# ---------------------------------------------------------------------------- two replicas


def _start(replicas: int) -> Replicas:
    try:
        return start_replicas(replicas, timeout=180)
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _replica_of(cluster: Replicas, route: str) -> int:
    """The one replica port nginx sent the requests of ``route`` to."""
    ports = cluster.replicas_of(route)
    assert len(ports) == 1, (route, ports)
    return ports.pop()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Replicas]:
    if NGINX is None:
        pytest.skip("nginx not installed (apt-get install nginx); replica tests skipped")
    if CHROMIUM is None:
        pytest.skip("no Chromium found (apt-get install chromium); replica tests skipped")
    c = _start(2)
    yield c
    c.stop()


@dataclass
class Learner:
    context: object
    page: object
    route: str
    replica: int  # the port of the replica nginx pins this learner to


def _route(context: object) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "bpl_route")


def _pin(browser: object, cluster: Replicas, avoid: int | None) -> Learner:
    """A new learner (browser context) that nginx pins to a replica other than ``avoid``.

    Which replica a new learner gets is a hash of a random route, so a learner that lands on
    ``avoid`` forgets its cookie and asks again.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    for _ in range(30):
        context.clear_cookies()
        assert context.request.get(f"{cluster.url}/_stcore/health").text() == "ok"
        route = _route(context)
        replica = _replica_of(cluster, route)
        if replica != avoid:
            page = context.new_page()
            page.set_default_timeout(30_000)
            return Learner(context, page, route, replica)
    pytest.fail("nginx put 30 new learners on the same replica")


def _iteration(page: object) -> int:
    return int(re.search(r"Iteration (\d+)", page.locator(COUNTER).inner_text()).group(1))


def _wait_iteration(page: object, n: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"() => /Iteration {n}\\b/.test(document.querySelector('{COUNTER}')?.textContent ?? '')",
        timeout=timeout,
    )


def _step(learner: Learner, expect: int) -> None:
    learner.page.get_by_role("button", name="Step", exact=True).click()
    _wait_iteration(learner.page, expect)


def _open_playground(learner: Learner, url: str) -> None:
    learner.page.goto(f"{url}/Training_playground")
    wait_settled(learner.page)
    learner.page.locator(COUNTER).wait_for()


def _switch_page_and_back(page: object) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("link", name=re.compile("Home")).first.click()
    page.wait_for_function("() => !document.querySelector('.st-key-pg_counter')")
    wait_settled(page)
    sidebar.get_by_role("link", name=re.compile("Training playground")).first.click()
    page.locator(COUNTER).wait_for()
    wait_settled(page)


@pytest.fixture(scope="module")
def learners(browser: object, cluster: Replicas) -> Iterator[list[Learner]]:
    first = _pin(browser, cluster, avoid=None)
    second = _pin(browser, cluster, avoid=first.replica)
    yield [first, second]
    for learner in (first, second):
        learner.context.close()


def test_learners_stick_to_their_replica_and_both_replicas_work(
    cluster: Replicas, learners: list[Learner]
) -> None:
    assert len(cluster.replica_pids) == 2
    assert {lr.replica for lr in learners} == set(cluster.replica_pids), "one learner on each replica"
    assert learners[0].route != learners[1].route
    cpu_before = {port: _cpu_ticks(pid) for port, pid in cluster.replica_pids.items()}

    for learner in learners:
        _open_playground(learner, cluster.url)
        assert _iteration(learner.page) == 0
    # the two learners step in turn, each on their own session
    for k in range(1, STEPS + 1):
        for learner in learners:
            _step(learner, k)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, learner in enumerate(learners, start=1):
        _switch_page_and_back(learner.page)
        assert _iteration(learner.page) == STEPS, "the training progress survived the page switch"
        assert_no_exception(learner.page)
        learner.page.screenshot(path=str(SHOTS / f"deploy_learner_{i}_after_switch.png"))

    # every request of a learner went to its replica, and both replicas did work for them
    for learner in learners:
        assert _replica_of(cluster, learner.route) == learner.replica
    grown = {
        port: _cpu_ticks(pid) - cpu_before[port] for port, pid in cluster.replica_pids.items()
    }  # fmt: skip
    tick = os.sysconf("SC_CLK_TCK")
    assert all(g >= 0.2 * tick for g in grown.values()), f"CPU ticks per replica: {grown}"


def test_a_dead_replica_loses_only_its_own_learners(cluster: Replicas, learners: list[Learner]) -> None:
    survivor, victim = learners
    for learner in learners:  # the state the previous test left (when run alone, make it)
        if "Training_playground" not in learner.page.url or _iteration(learner.page) != STEPS:
            _open_playground(learner, cluster.url)
            for k in range(1, STEPS + 1):
                _step(learner, k)

    os.kill(cluster.replica_pids[victim.replica], signal.SIGKILL)
    # the other learner keeps training where they were, undisturbed
    for k in range(STEPS + 1, STEPS + 6):
        _step(survivor, k)
    assert_no_exception(survivor.page)

    # The victim's page reconnects through nginx, which passes it to the surviving replica. That
    # replica has never seen this learner, so the next click starts a fresh session: the page
    # shows iteration 0 (what was trained is lost, as is the click), never a traceback.
    survivor_port = f"127.0.0.1:{survivor.replica}"
    reconnected = rf"GET /_stcore/host-config [^\n]* route={victim.route} upstream=[^\n]*{survivor_port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not re.search(reconnected, cluster.access_log()):
        time.sleep(0.5)
    assert re.search(reconnected, cluster.access_log()), "the victim's page did not reconnect"
    wait_settled(victim.page, timeout=90)
    assert_no_exception(victim.page)
    victim.page.get_by_role("button", name="Step", exact=True).click()
    _wait_iteration(victim.page, 0)
    wait_settled(victim.page)
    assert_no_exception(victim.page)
    assert "Traceback" not in victim.page.locator("body").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    victim.page.screenshot(path=str(SHOTS / "deploy_victim_fresh_page.png"))
    # and the learner can train again
    _step(victim, 1)
    assert _alive(cluster.replica_pids[survivor.replica])
    assert _alive(cluster.nginx_pid)


def test_stopping_the_script_leaves_no_process(cluster: Replicas) -> None:
    pids = [*cluster.replica_pids.values(), cluster.nginx_pid]
    assert cluster.stop() == 128 + signal.SIGTERM  # the script stopped through its trap
    assert not [pid for pid in pids if _alive(pid)]
    # nothing else that was started from the run directory or on the replicas' ports
    leftovers = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(cluster.run_dir) in cmd or any(f"--server.port {p} " in cmd for p in cluster.replica_pids):
            leftovers.append(cmd)
    assert leftovers == []
    assert not cluster.run_dir.exists()
