"""Scripted attacks on the arena through the real app (test client, real SQLite): forged
voter cookies, a new identity per vote, a burst of battle starts, and a full answering
queue; and what a person sees when a limit stops them (the page, kept, with when to retry).

Before signed identities, a script sending a fresh random ``evalatlas_voter`` cookie with
each vote got every vote past the per-voter rate limit (7 of 7 at a limit of 5), and 40
battle starts in a row were all answered."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evalatlas.arena import ArenaConfig, BattleLimits
from evalatlas.store import Store, VoteLimits
from evalatlas.web import create_app
from evalatlas.web.arena.voter import COOKIE

from .arena_workspace import add_undecided, undecided_battle

CONTESTANTS = ("north/model-one", "south/model-two")
RATE_LIMIT = 5
N_BATTLES = 30
AppFactory = Callable[..., FastAPI]


def answer(model: str, prompt: str) -> str:
    return f"{model.split('/')[1]} answers: {prompt}"


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """Apps over a workspace of undecided battles b000..b029, closed after the test."""
    root = tmp_path / "workspace"
    add_undecided(root, [undecided_battle(f"b{index:03d}") for index in range(N_BATTLES)])
    clients: list[TestClient] = []

    def build(answerer: Callable[[str, str], str] = answer, **changes: Any) -> FastAPI:
        settings: dict[str, Any] = {"contestants": CONTESTANTS, "seed": 0, **changes}
        app = create_app(root, arena_config=ArenaConfig(**settings), answerer=answerer)
        clients.append(TestClient(app).__enter__())  # start-up now, shut-down after
        return app

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def forged_client(app: FastAPI) -> TestClient:
    """What the script did: a made-up voter cookie, new for every request."""
    return TestClient(app, cookies={COOKIE: secrets.token_urlsafe(24)})


def vote(client: TestClient, index: int, outcome: str = "A") -> Any:
    return client.post(f"/api/arena/battles/b{index:03d}/vote", json={"outcome": outcome})


def test_a_forged_cookie_per_vote_no_longer_escapes_the_rate_limit(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(limits=VoteLimits(per_minute=RATE_LIMIT, per_day=None))
    answers = [vote(forged_client(app), index) for index in range(7)]
    assert [a.status_code for a in answers] == [200] * RATE_LIMIT + [429, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "vote_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert f"in {refused.headers['Retry-After']} s" in refused.json()["detail"]
    with Store.open(tmp_path / "workspace") as store:
        voters = {battle.voter for battle in store.arena().decided_battles()}
    assert len(voters) == 1  # seven made-up cookies, one anonymous voter


def test_a_new_issued_identity_per_vote_is_held_by_the_address(make_app: AppFactory) -> None:
    limits = VoteLimits(per_minute=RATE_LIMIT, per_day=None, client_per_minute=7)
    app = make_app(limits=limits, new_voters_per_hour=3)
    issued, statuses = 0, []
    for index in range(12):
        client = TestClient(app)
        client.get("/arena")  # the best a script can do now: ask a page for an identity
        issued += client.cookies.get(COOKIE) is not None
        statuses.append(vote(client, index).status_code)
    assert issued == 3  # then pages issue no more to this address this hour
    assert statuses.count(200) == 7 and statuses[7:] == [429] * 5
    counts = TestClient(app).get("/api/arena").json()["counts"]
    assert counts["votes"] == 7 and counts["voters"] == 4  # 3 issued, 1 anonymous


def test_a_burst_of_battle_starts_is_limited_per_voter_and_per_address(
    make_app: AppFactory,
) -> None:
    app = make_app(battle_limits=BattleLimits(per_hour=3, client_per_hour=5))
    starts = [
        forged_client(app).post("/api/arena/battles", json={"prompt": f"Question {k}?"})
        for k in range(40)
    ]
    codes = [start.status_code for start in starts]
    assert codes == [201] * 3 + [429] * 37  # made-up cookies: one anonymous voter
    limited = starts[-1]
    assert limited.json()["error"] == "battle_limited"
    assert "limit of 3 battles an hour" in limited.json()["detail"]
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3600
    # Voters with identities of their own meet the address's limit of 5.
    browsers = [TestClient(app) for _ in range(4)]
    for browser in browsers:
        browser.get("/arena")
    more = [b.post("/api/arena/battles", json={"prompt": "Hi?"}) for b in browsers]
    assert [m.status_code for m in more] == [201, 201, 429, 429]
    assert "address limit of 5 battles" in more[-1].json()["detail"]
    assert TestClient(app).get("/api/arena").json()["counts"]["battles"] == N_BATTLES + 5


def test_a_full_answering_queue_answers_busy_with_retry_after(make_app: AppFactory) -> None:
    release = threading.Event()

    def slow(model: str, prompt: str) -> str:
        release.wait(20)
        return answer(model, prompt)

    limits = BattleLimits(per_hour=None, client_per_hour=None, answering=1, waiting=1)
    app = make_app(slow, battle_limits=limits, new_voters_per_hour=None)
    results: list[int] = []

    def start() -> None:
        response = TestClient(app).post("/api/arena/battles", json={"prompt": "Slow?"})
        results.append(response.status_code)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        _wait_for_admitted(app, 2)
        busy = TestClient(app).post("/api/arena/battles", json={"prompt": "One more?"})
        assert busy.status_code == 503 and busy.json()["error"] == "arena_busy"
        assert "retry in" in busy.json()["detail"]
        assert busy.headers["Retry-After"].isdigit()
        page = TestClient(app).post("/arena/battles", data={"prompt": "From the form?"})
        assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
        assert 'id="arena-retry"' in page.text and "busy" in page.text
        assert ">From the form?</textarea>" in page.text  # the prompt is kept
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    assert results == [201, 201]


def _wait_for_admitted(app: FastAPI, count: int) -> None:
    deadline = time.monotonic() + 10
    while TestClient(app).get("/api/arena").json()["battles_in_progress"] < count:
        assert time.monotonic() < deadline, "the battles were not admitted"
        time.sleep(0.02)


def test_a_voter_over_its_limit_keeps_the_blind_battle_and_learns_when_to_vote(
    make_app: AppFactory,
) -> None:
    app = make_app(limits=VoteLimits(per_minute=1, per_day=None), new_voters_per_hour=None)
    browser = TestClient(app)
    browser.get("/arena")
    first = browser.post("/arena/battles/b000/vote", data={"outcome": "A"}, follow_redirects=False)
    assert first.status_code == 303
    limited = browser.post("/arena/battles/b001/vote", data={"outcome": "B"})
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 61
    page = limited.text
    assert 'id="vote-retry"' in page and f"you may vote again in {wait} s" in page
    assert "Blue light scatters more." in page and "Rayleigh scattering" in page
    assert 'id="reveal"' not in page and "alpha/model" not in page  # still blind
    assert len(re.findall(r'action="/arena/battles/b001/vote"', page)) == 4
    assert browser.get("/api/arena/battles/b001").json()["decided"] is False
