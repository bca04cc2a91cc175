"""Arena vote throughput: 10,000 votes from 50 concurrent clients against a real
``evalatlas serve``, then 500 of them again as duplicates.

Workspace: a fresh temporary one where ``--battles`` undecided battles (fixed answers:
answering is not what is measured) were stored with ``store.arena().add_battles``.
Server: ``evalatlas serve --arena-rate-limit 0 --arena-daily-cap 0`` (and the same for the
address limits) as its own process on 127.0.0.1 (limits off for the run: 50 clients on one
address cast 200 votes each).

Load: ``--clients`` asyncio tasks, each a client with its own voter cookie and one
keep-alive connection, vote on their share of the battles as fast as the answers
come back (``POST /api/arena/battles/{id}/vote``). Then ``--duplicates`` of those votes are
sent again by the same clients. Client latency is the wall time the client saw; server
time is the app's ``Server-Timing: app;dur=`` header; CPU per request is the server
process's (all threads) and this process's (the clients) over the phase. The clients
share the machine with the server, so the default client is a bare asyncio HTTP/1.1 one
(``--client raw``, about 0.2 ms of CPU a vote); ``--client httpx`` uses
``httpx.AsyncClient``, which here costs the clients more CPU per vote than the server
spends, and so measures the clients as much as the server.

Baseline (named): ``GET /static/favicon.svg`` under the same 50 clients, in the same run,
before the votes: the floor of any request through this server and this client. The
ratio votes/s / baseline req/s says how much of the floor a vote costs.

Checks, read back from the SQLite file after the server stopped: exactly ``--battles``
votes (0 lost, 0 duplicated: one per battle, every battle decided), every vote answered
200, and every duplicate answered 200 with the same stored vote, marked ``repeated``.
Target: >= 1,000 votes/s. ``--strict`` exits non-zero when a check or the target fails.

    .venv/bin/python benchmarks/vote_load.py [--battles 10000] [--clients 50]
        [--duplicates 500] [--client httpx|raw] [--strict] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from evalatlas.store import BattleSource, NewBattle, Store

TARGET_VOTES_PER_S = 1000.0
BASELINE = "/static/favicon.svg"
BASELINE_REQUESTS = 5000
OUTCOMES = ("A", "B", "TIE", "BOTH_BAD")
MODELS = tuple(f"bench/model-{k}" for k in range(8))
ANSWER = "A fixed answer of a few words.\n- with a list item\n- and **bold** text"
_SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
LAUNCH_S = 60.0


def fill_workspace(root: Path, n_battles: int) -> list[str]:
    """Store ``n_battles`` undecided battles between random pairs of ``MODELS``; their ids."""
    rng = np.random.default_rng(0)
    battles = []
    for index in range(n_battles):
        a, b = rng.choice(len(MODELS), size=2, replace=False)
        battles.append(
            NewBattle(
                id=f"bench-{index:06d}",
                source=BattleSource.ARENA,
                created_by="bench",
                prompt=f"Benchmark prompt {index}",
                model_a=MODELS[int(a)],
                model_b=MODELS[int(b)],
                answer_a=ANSWER,
                answer_b=ANSWER.upper(),
            )
        )
    with Store.open(root) as store:
        store.arena().add_battles(battles)
    return [battle.id for battle in battles]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(root: Path, log: Path) -> Iterator[tuple[str, int]]:
    """``evalatlas serve`` with voter limits off, as its own process; its base URL and
    process id."""
    port = free_port()
    command = [sys.executable, "-m", "evalatlas", "serve", "--port", str(port)]
    command += ["--workspace", str(root), "--arena-rate-limit", "0", "--arena-daily-cap", "0"]
    # Every client is on 127.0.0.1: the address's own limits are off too.
    command += ["--arena-address-rate-limit", "0", "--arena-address-daily-cap", "0"]
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process, log)
        yield base, process.pid
    finally:
        process.terminate()  # the app's shut-down records what is queued, then stops
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + LAUNCH_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"evalatlas serve exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            httpx.get(base + BASELINE, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"evalatlas serve did not answer at {base} within {LAUNCH_S:.0f} s")


@dataclass
class Phase:
    """What one phase of requests saw."""

    name: str
    wall_s: float = 0.0
    server_cpu_s: float = 0.0  # CPU time of the server process (every thread) in the phase
    client_cpu_s: float = 0.0  # CPU time of this process (the clients) in the phase
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.client_ms) / self.wall_s if self.wall_s else 0.0

    def cpu_ms(self, which: str) -> float:
        """CPU milliseconds per request of the server or the clients."""
        seconds = self.server_cpu_s if which == "server" else self.client_cpu_s
        return seconds / len(self.client_ms) * 1e3 if self.client_ms else float("nan")

    def percentile(self, which: str, q: float) -> float:
        values = self.client_ms if which == "client" else self.server_ms
        return float(np.percentile(values, q)) if values else float("nan")

    def record(self, response: Answer, started: float) -> None:
        self.client_ms.append((time.perf_counter() - started) * 1e3)
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        match = _SERVER_TIMING.search(response.headers.get("server-timing", ""))
        if match is not None:
            self.server_ms.append(float(match[1]))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class HttpxClient:
    """One voter as ``httpx.AsyncClient``: its own cookie and one keep-alive connection."""

    def __init__(self, base: str, cookie: str) -> None:
        self._client = httpx.AsyncClient(
            base_url=base,
            cookies={"evalatlas_voter": cookie},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=60,
        )

    async def send(self, method: str, path: str, body: bytes | None = None) -> Answer:
        headers = {"content-type": "application/json"} if body is not None else {}
        response = await self._client.request(method, path, content=body, headers=headers)
        return Answer(response.status_code, dict(response.headers), response.content)

    async def close(self) -> None:
        await self._client.aclose()


class RawClient:
    """One voter as a bare HTTP/1.1 keep-alive connection on asyncio streams (requests
    written by hand, answers read by Content-Length): a fraction of httpx's CPU per
    request, which leaves more of a small shared machine to the server measured."""

    def __init__(self, base: str, cookie: str) -> None:
        parts = urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._head = f"Host: {parts.netloc}\r\nCookie: evalatlas_voter={cookie}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, method: str, path: str, body: bytes | None = None) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        payload = body or b""
        extra = f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        head = f"{method} {path} HTTP/1.1\r\n{self._head}{extra if body is not None else ''}\r\n"
        writer.write(head.encode() + payload)
        status_line = await reader.readline()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        content = await reader.readexactly(int(headers.get("content-length", "0")))
        return Answer(int(status_line.split()[1]), headers, content)

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            await self._streams[1].wait_closed()


Client = HttpxClient | RawClient
CLIENTS: dict[str, type[HttpxClient] | type[RawClient]] = {"httpx": HttpxClient, "raw": RawClient}


def outcome_of(battle_id: str) -> str:
    return OUTCOMES[int(battle_id.rsplit("-", 1)[1]) % len(OUTCOMES)]


async def _get_all(client: Client, count: int, phase: Phase) -> None:
    for _ in range(count):
        started = time.perf_counter()
        phase.record(await client.send("GET", BASELINE), started)


async def _vote_all(
    client: Client, battle_ids: Sequence[str], phase: Phase, answers: dict[str, Any]
) -> None:
    for battle_id in battle_ids:
        body = json.dumps({"outcome": outcome_of(battle_id)}).encode()
        started = time.perf_counter()
        response = await client.send("POST", f"/api/arena/battles/{battle_id}/vote", body)
        phase.record(response, started)
        answers[battle_id] = json.loads(response.body) if response.status == 200 else None


@dataclass
class Load:
    """The three phases and the answers: the first vote on each battle, and the answers
    to the duplicates."""

    baseline: Phase = field(default_factory=lambda: Phase("baseline"))
    votes: Phase = field(default_factory=lambda: Phase("votes"))
    repeats: Phase = field(default_factory=lambda: Phase("duplicates"))
    first: dict[str, Any] = field(default_factory=dict)
    again: dict[str, Any] = field(default_factory=dict)


async def run_load(
    base: str, server_pid: int, battle_ids: list[str], options: argparse.Namespace
) -> Load:
    """The baseline, then every vote, then the duplicates, each client on its share."""
    n_clients, duplicates = options.clients, options.duplicate_ids
    kind = CLIENTS[options.client]
    clients = [kind(base, f"bench-voter-{k:04d}-{'x' * 12}") for k in range(n_clients)]
    shares = [battle_ids[k::n_clients] for k in range(n_clients)]
    owner = {battle_id: k for k, share in enumerate(shares) for battle_id in share}
    repeat_shares = [[b for b in duplicates if owner[b] == k] for k in range(n_clients)]
    load = Load()
    per_client = BASELINE_REQUESTS // n_clients
    try:
        async with _timed(load.baseline, server_pid):
            await asyncio.gather(*(_get_all(c, per_client, load.baseline) for c in clients))
        pairs = zip(clients, shares, strict=True)
        async with _timed(load.votes, server_pid):
            await asyncio.gather(*(_vote_all(c, s, load.votes, load.first) for c, s in pairs))
        pairs = zip(clients, repeat_shares, strict=True)
        async with _timed(load.repeats, server_pid):
            await asyncio.gather(*(_vote_all(c, s, load.repeats, load.again) for c, s in pairs))
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return load


@asynccontextmanager
async def _timed(phase: Phase, server_pid: int) -> AsyncIterator[None]:
    """Wall time and server and client CPU time of what runs inside."""
    server_cpu, client_cpu = process_cpu_s(server_pid), time.process_time()
    started = time.perf_counter()
    yield
    phase.wall_s = time.perf_counter() - started
    phase.server_cpu_s = process_cpu_s(server_pid) - server_cpu
    phase.client_cpu_s = time.process_time() - client_cpu


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def stored_votes(database: Path) -> tuple[int, int, int]:
    """(vote rows, distinct battles voted, battles without a vote) in the SQLite file."""
    with sqlite3.connect(database) as conn:
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT battle_id) FROM arena_votes"
        ).fetchone()
        undecided = conn.execute(
            "SELECT count(*) FROM arena_battles WHERE id NOT IN (SELECT battle_id FROM arena_votes)"
        ).fetchone()[0]
    return int(rows), int(distinct), int(undecided)


def duplicate_mismatches(load: Load) -> int:
    """Duplicates that did not get the first answer's vote back, marked repeated."""
    bad = 0
    for battle_id, answer in load.again.items():
        original = load.first.get(battle_id)
        if (
            answer is None
            or original is None
            or answer["vote"] != original["vote"]
            or answer["repeated"] is not True
        ):
            bad += 1
    return bad


def report(load: Load, stored: tuple[int, int, int], expected: int) -> tuple[list[str], bool]:
    """The table, the ratio to the baseline and the PASS/FAIL lines; True when all pass."""
    lines = [
        f"{'phase':<11} {'n':>6} {'wall s':>7} {'req/s':>7}  {'client ms':^15}"
        f"  {'server ms':^15}  {'cpu ms/req':^15}  statuses",
        f"{'':<11} {'':>6} {'':>7} {'':>7}  {'p50':>7} {'p95':>7}  {'p50':>7} {'p95':>7}"
        f"  {'server':>7} {'client':>7}",
    ]
    for phase in (load.baseline, load.votes, load.repeats):
        lines.append(
            f"{phase.name:<11} {len(phase.client_ms):>6} {phase.wall_s:>7.2f} {phase.rate:>7.0f}"
            f"  {phase.percentile('client', 50):7.2f} {phase.percentile('client', 95):7.2f}"
            f"  {phase.percentile('server', 50):7.2f} {phase.percentile('server', 95):7.2f}"
            f"  {phase.cpu_ms('server'):7.2f} {phase.cpu_ms('client'):7.2f}"
            f"  {dict(sorted(phase.statuses.items()))}"
        )
    votes = load.votes
    lines.append(f"ratio votes/s / {BASELINE} req/s = {votes.rate / load.baseline.rate:.2f}")
    rows, distinct, undecided = stored
    mismatched = duplicate_mismatches(load)
    target = TARGET_VOTES_PER_S
    checks = [
        (votes.rate >= target, f"throughput {votes.rate:.0f} votes/s >= {target:.0f}"),
        (votes.statuses == {200: expected}, f"every vote answered 200 ({votes.statuses})"),
        (
            rows == distinct == expected,
            f"{rows} vote rows stored, {expected} expected: {expected - distinct} lost, "
            f"{rows - distinct} duplicated",
        ),
        (undecided == 0, f"every battle has its vote ({undecided} undecided)"),
        (
            set(load.repeats.statuses) == {200} and mismatched == 0,
            f"every duplicate answered 200 with the same vote, repeated ({mismatched} not)",
        ),
    ]
    for passed, text in checks:
        lines.append(f"{'PASS' if passed else 'FAIL'}  {text}")
    return lines, all(passed for passed, _ in checks)


def server_stack() -> str:
    """What uvicorn serves with here: httptools and uvloop when installed, else h11 and
    asyncio (``evalatlas serve`` leaves the choice to uvicorn)."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn http={http} loop={loop}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battles", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duplicates", type=int, default=500)
    parser.add_argument(
        "--client",
        choices=tuple(CLIENTS),
        default="raw",
        help="a bare asyncio HTTP/1.1 client (default: on a small machine it leaves the CPU "
        "to the server), or httpx.AsyncClient, which costs the clients more CPU per vote "
        "than the server spends",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    parser.add_argument("--json", type=Path, help="also write every timing here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "workspace"
        started = time.perf_counter()
        battle_ids = fill_workspace(root, args.battles)
        filled = time.perf_counter() - started
        print(f"workspace: {args.battles} undecided battles stored in {filled:.1f} s")
        picks = np.random.default_rng(1).choice(len(battle_ids), args.duplicates, replace=False)
        args.duplicate_ids = [battle_ids[int(k)] for k in picks]
        with serving(root, Path(scratch) / "serve.log") as (base, pid):
            print(f"server: evalatlas serve --arena-rate-limit 0 --arena-daily-cap 0 at {base}")
            print(f"        ({server_stack()}; {os.cpu_count()} CPUs on this machine)")
            load = asyncio.run(run_load(base, pid, battle_ids, args))
        stored = stored_votes(root / "evalatlas.db")
    print(
        f"{args.clients} {args.client} clients, {args.battles} votes, "
        f"then {args.duplicates} duplicates"
    )
    lines, passed = report(load, stored, args.battles)
    for line in lines:
        print(line)
    if args.json:
        phases = [asdict(phase) for phase in (load.baseline, load.votes, load.repeats)]
        args.json.write_text(json.dumps({"phases": phases, "stored": stored}), encoding="utf-8")
    if args.strict and not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
