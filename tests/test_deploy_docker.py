"""The container image and compose file (deploy/): build, run 2 replicas behind nginx, load a page.

Needs a Docker daemon with the compose plugin; skips, saying so, where ``docker info`` fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ["docker", "compose", "-f", str(ROOT / "deploy" / "compose.yaml")]


def _docker_ready() -> str | None:
    """Why the Docker test cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode != 0:
        return "no Docker daemon answers (docker info fails)"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60).returncode != 0:
        return "the docker compose plugin is missing"
    return None


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[str, dict[str, str]]]:
    reason = _docker_ready()
    if reason:
        pytest.skip(f"Docker test skipped: {reason}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
        "BPL_PORT": str(port),
        "COMPOSE_PROJECT_NAME": f"bpl-test-{port}",
    }
    up = subprocess.run(
        [*COMPOSE, "up", "--build", "--detach", "--wait", "--scale", "app=2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield f"http://127.0.0.1:{port}", env
    finally:
        subprocess.run([*COMPOSE, "down", "--volumes"], env=env, capture_output=True, timeout=300)


def test_two_healthy_replicas_serve_a_page_through_nginx(stack: tuple[str, dict[str, str]]) -> None:
    url, env = stack
    ids = subprocess.run(
        [*COMPOSE, "ps", "--quiet", "app"], env=env, capture_output=True, text=True, timeout=60
    ).stdout.split()
    assert len(ids) == 2
    for cid in ids:
        health = subprocess.run(
            ["docker", "inspect", "--format", "{{.State.Health.Status}}", cid],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        assert health == "healthy", (cid, health)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/Training_playground", timeout=5) as r:
                body = r.read().decode()
                cookies = r.headers.get_all("Set-Cookie") or []
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert "<title>Streamlit</title>" in body or 'id="root"' in body
    assert any(c.startswith("bpl_route=") for c in cookies), cookies
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
        assert r.read().decode().strip() == "ok"
