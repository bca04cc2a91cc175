"""The worker's HTTP client for ``openai:`` endpoints, against real HTTP servers on
127.0.0.1 (loopback explicitly allowed where a test needs it): a redirect toward a private
address is refused without following it, a name is resolved and checked before any
connection, and what an endpoint answers never reaches the public queue.

Only 127.0.0.1 is contacted; other addresses are checked as literals, never connected to.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from evalatlas.errors import ConfigError, SubmissionRefused
from evalatlas.queue import QueueLimits, WorkerOptions, run_worker, submission_request
from evalatlas.queue.allowlist import AllowList, EndpointRule, is_public, resolve_host
from evalatlas.queue.endpoint import AllowListTransport
from evalatlas.store import Store, Submission, SubmissionStatus

SECRET = "SECRET-7f3a internal token at /srv/internal/keys.txt"


class Recorder:
    """A real HTTP server on 127.0.0.1: ``routes`` maps a path to (status, headers, body);
    every request's path and Host header is recorded."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], str]]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.seen.append((self.path, self.headers.get("Host", "")))
                status, headers, body = recorder.routes.get(self.path, (404, {}, "no route"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirecting() -> Iterator[Recorder]:
    server = Recorder({"/v1/models": (302, {"Location": "http://10.0.0.1/v1/models"}, "")})
    yield server
    server.close()


@pytest.fixture
def leaky() -> Iterator[Recorder]:
    """An endpoint whose answers carry what must not be published."""
    listing = json.dumps({"data": [{"id": "other-model", "owned_by": SECRET}]})
    server = Recorder(
        {
            "/broken/models": (500, {"Content-Type": "text/plain"}, SECRET),
            "/listing/models": (200, {"Content-Type": "application/json"}, listing),
        }
    )
    yield server
    server.close()


LOOPBACK = AllowList.build(endpoints=["127.0.0.1"])


def test_a_redirect_to_a_private_address_is_refused_and_not_followed(
    redirecting: Recorder,
) -> None:
    url = f"http://127.0.0.1:{redirecting.port}/v1/models"
    transport = AllowListTransport(LOOPBACK, "openai:test#m")
    redirect = r"answered with a redirect \(HTTP 302\)"
    with (
        httpx.Client(transport=transport, follow_redirects=True) as client,
        pytest.raises(SubmissionRefused, match=redirect),
    ):
        client.get(url)
    assert [path for path, _ in redirecting.seen] == ["/v1/models"]  # one request, no second
    # Had it been followed, the target is refused before any connection:
    with pytest.raises(ConfigError, match="not a public address"):
        LOOPBACK.endpoint_address("openai:test#m", "10.0.0.1", 80)


def test_a_worker_fails_a_redirecting_endpoint_with_a_clean_reason(
    redirecting: Recorder, tmp_path: Path
) -> None:
    reference = f"openai:http://127.0.0.1:{redirecting.port}/v1#m"
    verdict, failed, _ = run_one(tmp_path, reference, LOOPBACK)
    assert failed.error == (
        f"model reference {reference!r}: the endpoint answered with a redirect (HTTP 302); "
        "the worker follows none, so submit the URL that answers itself"
    )
    assert verdict.status == SubmissionStatus.FAILED
    assert "10.0.0.1" not in failed.log and "10.0.0.1" not in (failed.error or "")
    assert len(redirecting.seen) == 1


def test_loopback_is_refused_by_the_worker_unless_allowed(
    redirecting: Recorder, tmp_path: Path
) -> None:
    """A row queued without the web's check (or before the rules changed) is checked again."""
    reference = f"openai:http://127.0.0.1:{redirecting.port}/v1#m"
    _, failed, _ = run_one(tmp_path, reference, AllowList())
    assert failed.error is not None and "not a public address" in failed.error
    assert redirecting.seen == []  # not even one request


@pytest.mark.parametrize(("path", "told"), [("broken", "SECRET-7f3a"), ("listing", "other-model")])
def test_an_endpoints_answer_reaches_the_console_not_the_queue(
    leaky: Recorder, tmp_path: Path, path: str, told: str
) -> None:
    reference = f"openai:http://127.0.0.1:{leaky.port}/{path}#m"
    _, failed, said = run_one(tmp_path, reference, LOOPBACK)
    assert failed.error is not None and failed.error.startswith(
        "the endpoint failed while loading the model ("
    )
    for public in (failed.error, failed.log):
        assert "SECRET" not in public and "/srv/internal" not in public
        assert "other-model" not in public and "Traceback" not in public
    assert any(told in line for line in said)  # the operator sees what the endpoint said


def test_a_name_is_resolved_and_checked_and_the_connection_pinned(tmp_path: Path) -> None:
    server = Recorder({"/v1/models": (200, {"Content-Type": "application/json"}, "{}")})
    try:
        refused = AllowListTransport(AllowList(), "openai:x#m")
        with httpx.Client(transport=refused) as client, pytest.raises(SubmissionRefused):
            client.get(f"http://localhost:{server.port}/v1/models")
        assert server.seen == []
        by_name = AllowListTransport(AllowList.build(endpoints=["localhost"]), "openai:x#m")
        with httpx.Client(transport=by_name) as client:
            assert client.get(f"http://localhost:{server.port}/v1/models").status_code == 200
        assert server.seen == [("/v1/models", f"localhost:{server.port}")]
    finally:
        server.close()


def run_one(
    tmp_path: Path, reference: str, allow: AllowList
) -> tuple[object, Submission, list[str]]:
    said: list[str] = []
    options = WorkerOptions(once=True, limits=QueueLimits(allow=allow))
    with Store.open(tmp_path / "ws") as store:
        request = submission_request(reference, "arithmetic_mc", {"limit": 2}, "tester")
        queued = store.submissions().submit(request, [])
        [verdict] = run_worker(store, options, said.append)
        failed = store.submissions().get(queued.id)
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    return verdict, failed, said


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("10.2.3.4", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_allow_entries_by_name_address_network_and_port() -> None:
    allow = AllowList.build(endpoints=["vllm.internal:8000", "10.0.0.0/8", "[::1]:9000"])
    ten = ipaddress.ip_address("10.9.8.7")
    assert allow.endpoints[0] == EndpointRule("vllm.internal:8000", "vllm.internal", None, 8000)
    assert allow.endpoints[0].allows("VLLM.internal.", ten, 8000)
    assert not allow.endpoints[0].allows("vllm.internal", ten, 8001)
    assert allow.endpoint_address("r", "10.9.8.7", 1234) == ten
    assert allow.endpoint_address("r", "::1", 9000) == ipaddress.ip_address("::1")
    with pytest.raises(ConfigError):
        allow.endpoint_address("r", "::1", 9001)
    with pytest.raises(ConfigError, match="not a public address"):  # as an internal name
        AllowList(resolver=lambda host, port: []).endpoint_address("r", "nowhere.test", 80)
    assert resolve_host("169.254.169.254", 80) == [ipaddress.ip_address("169.254.169.254")]
    assert ipaddress.ip_address("127.0.0.1") in resolve_host("localhost", 80)


def test_hub_patterns_and_the_environment() -> None:
    limits = QueueLimits.from_environment(
        {
            "EVALATLAS_ALLOW_HUB": "acme/*, HuggingFaceTB/SmolLM2-135M",
            "EVALATLAS_ALLOW_ENDPOINTS": "127.0.0.1:8080",
        }
    )
    assert limits.allow.hub_patterns == ("acme/*", "HuggingFaceTB/SmolLM2-135M")
    assert limits.allow.endpoints[0].port == 8080 and limits.allow.model_roots == ()
    from evalatlas.queue import check_submission

    def check(reference: str) -> list[str]:
        return check_submission(submission_request(reference, "arithmetic_mc"), limits)

    assert check("hf:acme/tiny@main")[0].startswith("hub model acme/tiny@main")
    assert check("hf:huggingfacetb/smollm2-135m@main")
    with pytest.raises(SubmissionRefused, match="matching acme/\\*, HuggingFaceTB"):
        check("hf:evil/model@main")
    assert QueueLimits.from_environment({}).allow.hub_patterns == ()  # any hub id
