"""Spoofed ``X-Forwarded-For`` against a real ``evalatlas serve`` (its own process, uvicorn
on 127.0.0.1, real SQLite): a client naming a new address per vote used to get a fresh
per-address voter each time (uvicorn believed the header from 127.0.0.1 by default).
Now the header is believed only from the proxies named with ``--trusted-proxy``."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .arena_workspace import add_undecided, undecided_battle

RATE_LIMIT = 5
VOTES = 7
START_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(workspace: Path, *options: str) -> Iterator[str]:
    """``evalatlas serve`` with ``options`` on a free port; its base URL once it answers."""
    port = _free_port()
    command = [sys.executable, "-m", "evalatlas", "serve", "--port", str(port)]
    command += ["--workspace", str(workspace), *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"evalatlas serve exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{base}/api/arena", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "evalatlas serve did not answer"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def spoofing_attack(base: str, first: int) -> list[int]:
    """Votes on battles ``first``.., each naming a new client address and a new cookie."""
    codes = []
    for index in range(first, first + VOTES):
        headers = {"X-Forwarded-For": f"198.51.100.{index}"}
        cookies = {"evalatlas_voter": secrets.token_urlsafe(24)}
        with httpx.Client(base_url=base, cookies=cookies, timeout=10) as client:
            url = f"/api/arena/battles/b{index:03d}/vote"
            codes.append(client.post(url, json={"outcome": "A"}, headers=headers).status_code)
    return codes


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    add_undecided(root, [undecided_battle(f"b{index:03d}") for index in range(2 * VOTES)])
    return root


def test_a_spoofed_forwarded_address_does_not_reset_the_limit(workspace: Path) -> None:
    with serving(workspace, "--arena-rate-limit", str(RATE_LIMIT)) as base:
        codes = spoofing_attack(base, 0)
    assert codes == [200] * RATE_LIMIT + [429] * (VOTES - RATE_LIMIT)


def test_a_trusted_proxy_s_forwarded_address_is_the_client(workspace: Path) -> None:
    options = ("--arena-rate-limit", str(RATE_LIMIT), "--trusted-proxy", "127.0.0.1")
    with serving(workspace, *options) as base:
        # Behind a proxy we trust, each forwarded address is a client of its own.
        assert spoofing_attack(base, VOTES) == [200] * VOTES
