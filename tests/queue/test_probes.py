"""A scripted attacker probes the server through the real web app (JSON API and form) and
through ``evalatlas submit``: endpoints on loopback, link-local (cloud metadata) and
private addresses, files and folders of the server. Each probe is refused with a message
that leaks nothing: not whether a path exists, not a resolved path, not a file's contents.

Only 127.0.0.1 is ever contacted (by the web client); the other addresses are resolved as
literals, never connected to.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from queue_files import write_gguf

from evalatlas.queue import QueueLimits, check_submission
from evalatlas.queue.allowlist import AllowList
from evalatlas.web import create_app

ENDPOINT_PROBES = [
    "openai:http://127.0.0.1:8765/v1#m",
    "openai:http://169.254.169.254/latest/meta-data#m",
    "openai:http://localhost:8765/v1#m",
    "openai:http://[::1]:8765/v1#m",
    "openai:http://10.1.2.3/v1#m",
    "openai:http://192.168.1.1:11434/v1#m",
    "openai:http://0.0.0.0:8765/v1#m",
    "openai:http://2130706433:8765/v1#m",  # 127.0.0.1 written as one number
    "openai:http://[::ffff:127.0.0.1]:8765/v1#m",
    "openai:https://100.64.0.1/v1#m",  # shared (carrier-grade NAT) space
]
HOME = Path.home()
# (probe of something that exists, probe of something that does not): same answer
PATH_PAIRS = [
    ("llamacpp:/etc/shadow", "llamacpp:/etc/no-such-shadow"),
    ("llamacpp:/etc/passwd", "llamacpp:/etc/no-such-passwd"),
    (f"llamacpp:{HOME}", f"llamacpp:{HOME}/no-such-file.gguf"),
    ("llamacpp:~/.bashrc", "llamacpp:~/.no-such-rc"),
    ("hf:/etc", "hf:/no-such-folder"),
    ("hf:/etc/ssl", "hf:/etc/no-such-ssl"),
    ("hf:/etc/../etc", "hf:/etc/../no-such"),
    ("hf:/etc?gguf_file=passwd", "hf:/etc?gguf_file=no-such"),
    ("hf:/usr/lib/os-release.gguf", "hf:/usr/lib/no-such.gguf"),
]
LEAKS = (
    "exist",
    "folder,",
    "is a folder",
    "root:",
    "shadow:",
    "/usr/lib",
    "os-release:",
    str(HOME),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app as ``evalatlas serve`` builds it with nothing configured."""
    workspace = tmp_path_factory.mktemp("probes") / "ws"
    check = partial(check_submission, limits=QueueLimits.from_environment({}))
    with TestClient(create_app(workspace, submission_check=check)) as test_client:
        yield test_client


def refusal(client: TestClient, reference: str) -> str:
    response = client.post(
        "/api/submissions", json={"model_reference": reference, "tasks": "arithmetic_mc"}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_submission", body
    detail: str = body["detail"]
    assert "\n" not in detail and detail.startswith(f"model reference {reference!r}: ")
    return detail.removeprefix(f"model reference {reference!r}: ")


def assert_leaks_nothing(message: str) -> None:
    for leak in LEAKS:
        assert leak not in message, (leak, message)


@pytest.mark.parametrize("reference", ENDPOINT_PROBES)
def test_endpoints_on_internal_addresses_are_refused(client: TestClient, reference: str) -> None:
    message = refusal(client, reference)
    assert message == (
        "the endpoint's host is not a public address and this server does not allow it; "
        "submit a publicly reachable endpoint"
    )
    assert client.get("/api/submissions").json()["submissions"] == []


@pytest.mark.parametrize(("existing", "missing"), PATH_PAIRS)
def test_a_path_probe_cannot_tell_a_file_that_exists_from_one_that_does_not(
    client: TestClient, existing: str, missing: str
) -> None:
    seen = refusal(client, existing)
    assert seen == refusal(client, missing)
    assert seen.startswith("this server takes no local model paths")
    assert_leaks_nothing(seen)


def test_the_form_refuses_a_probe_next_to_its_field(client: TestClient) -> None:
    for reference in ("llamacpp:/etc/shadow", "openai:http://169.254.169.254/v1#m"):
        page = client.post("/submit", data={"model_reference": reference, "tasks": "arithmetic_mc"})
        assert page.status_code == 422
        assert 'id="error-model_reference"' in page.text
        assert_leaks_nothing(page.text.split('id="error-model_reference"')[1][:400])
    assert client.get("/api/submissions").json()["submissions"] == []


@pytest.fixture
def rooted(tmp_path: Path) -> tuple[QueueLimits, Path]:
    """A server that allows one model folder, which holds a real GGUF and traps: a
    symlink to a file outside, and one to a folder outside."""
    models = tmp_path / "models"
    models.mkdir()
    write_gguf(models / "ok.gguf")
    outside = tmp_path / "outside"
    outside.mkdir()
    write_gguf(outside / "private.gguf")
    (models / "link.gguf").symlink_to(outside / "private.gguf")
    (models / "away").symlink_to(outside)
    return QueueLimits(allow=AllowList.build([models])), models


def test_inside_a_model_root_only_what_resolves_inside_is_taken(
    rooted: tuple[QueueLimits, Path], tmp_path: Path
) -> None:
    limits, models = rooted
    check = partial(check_submission, limits=limits)
    with TestClient(create_app(tmp_path / "ws", submission_check=check)) as client:
        ok = client.post(
            "/api/submissions",
            json={"model_reference": f"llamacpp:{models}/ok.gguf", "tasks": "arithmetic_mc"},
        )
        assert ok.status_code == 201, ok.text
        probes = [
            f"llamacpp:{models}/link.gguf",  # a symlink out of the root
            f"llamacpp:{models}/away/private.gguf",  # through a linked folder
            f"llamacpp:{models}/../outside/private.gguf",
            f"hf:{models}?gguf_file=../outside/private.gguf",
            f"llamacpp:{models}/missing.gguf",
            "llamacpp:/etc/passwd",
        ]
        messages = {refusal(client, probe) for probe in probes}
    assert messages == {
        "no model this server may evaluate is at that path; "
        "give a file or folder inside the server's model folders"
    }


def run_submit(
    workspace: Path, reference: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "evalatlas", "submit", "-m", reference, "-t", "arithmetic_mc"]
    return subprocess.run(
        [*command, "-w", str(workspace)],
        capture_output=True,
        text=True,
        env={**env, "HF_HUB_OFFLINE": "1"},
        timeout=120,
        check=False,
    )


def test_the_cli_refuses_the_same_probes_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALATLAS_ALLOW")}
    answers = {}
    for reference in (
        "openai:http://127.0.0.1:8765/v1#m",
        "openai:http://169.254.169.254/latest/meta-data#m",
        "llamacpp:/etc/shadow",
        "llamacpp:/etc/no-such-shadow",
        "hf:/etc",
    ):
        result = run_submit(tmp_path / "ws", reference, env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: model reference {reference!r}: ")
        answers[reference] = line.removeprefix(f"error: model reference {reference!r}: ")
        assert_leaks_nothing(answers[reference])
    assert answers["llamacpp:/etc/shadow"] == answers["llamacpp:/etc/no-such-shadow"]
    assert answers["hf:/etc"] == answers["llamacpp:/etc/shadow"]
    assert "not a public address" in answers["openai:http://127.0.0.1:8765/v1#m"]
    listing = subprocess.run(
        [sys.executable, "-m", "evalatlas", "queue", "-w", str(tmp_path / "ws")],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    assert "etc" not in listing.stdout and "169.254" not in listing.stdout
