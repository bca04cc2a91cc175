"""The arena's battle and vote endpoints, pages and JSON twins, over a real workspace.

Battles to vote on are stored beforehand (as the arena stores them); new battles are
answered by a deterministic answerer, since what is tested here is the web flow (the
model side is tested with real models in tests/arena)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evalatlas.arena import ArenaConfig, PromptItem
from evalatlas.store import Store, VoteLimits
from evalatlas.web import create_app
from evalatlas.web.arena.voter import COOKIE

from .arena_workspace import add_undecided, undecided_battle

CONTESTANTS = ("north/model-one", "south/model-two", "west/model-three")
PER_MINUTE = 4
PROMPTS = (PromptItem("Name three prime numbers.", "maths"), PromptItem("Write a haiku."))
N_BATTLES = 40


def deterministic_answer(model: str, prompt: str) -> str:
    """A different answer per model, naming neither the model nor its maker."""
    number = CONTESTANTS.index(model) + 1
    return f"Answer number {number} to: {prompt}\n  (indented line)\n<b>not bold</b>"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("arena-api") / "workspace"
    battles = [undecided_battle(f"b{index:03d}") for index in range(N_BATTLES)]
    leaking = undecided_battle("leaky", answer_a="As Gemma, made by Google, I think so.")
    leaking = leaking.model_copy(update={"identity_leak": "answer A mentions 'Gemma'"})
    add_undecided(root, [*battles, leaking])
    return root


@pytest.fixture(scope="module")
def app(workspace: Path) -> Iterator[FastAPI]:
    # Every client here comes from the test client's one address: only the voters'
    # limits are tested here (the addresses' in test_arena_abuse.py).
    config = ArenaConfig(
        contestants=CONTESTANTS,
        limits=VoteLimits(
            per_minute=PER_MINUTE, per_day=None, client_per_minute=None, client_per_day=None
        ),
        prompt_set=PROMPTS,
        seed=3,
        new_voters_per_hour=None,
    )
    built = create_app(workspace, arena_config=config, answerer=deterministic_answer)
    with TestClient(built):  # start-up and shut-down (the vote writer)
        yield built


def voter_client(app: FastAPI) -> TestClient:
    """A client with its own voter cookie, issued by an arena page (a browser of its own)."""
    client = TestClient(app)
    client.get("/arena")
    assert client.cookies.get(COOKIE) is not None
    return client


def vote(client: TestClient, battle_id: str, outcome: str) -> Any:
    return client.post(f"/api/arena/battles/{battle_id}/vote", json={"outcome": outcome})


def test_a_battle_hides_its_models_until_it_has_a_vote(app: FastAPI) -> None:
    client = voter_client(app)
    blind = client.get("/api/arena/battles/b000")
    assert blind.status_code == 200
    payload = blind.json()
    assert payload["decided"] is False and payload["models"] is None and payload["vote"] is None
    assert payload["answer_a"] == "Blue light scatters more."
    assert "alpha/model" not in blind.text and "beta/model" not in blind.text
    page = client.get("/arena/battles/b000")
    assert page.status_code == 200
    assert "alpha/model" not in page.text and "beta/model" not in page.text
    assert len(re.findall(r'<form method="post" action="/arena/battles/b000/vote"', page.text)) == 4

    answer = vote(client, "b000", "B")
    assert answer.status_code == 200
    body = answer.json()
    assert body["models"] == {"a": "alpha/model", "b": "beta/model"}
    assert body["vote"]["outcome"] == "B" and body["vote"]["counted"] is True
    assert body["repeated"] is False
    revealed = client.get("/api/arena/battles/b000").json()
    assert revealed["models"] == {"a": "alpha/model", "b": "beta/model"}
    assert revealed["vote"] == body["vote"]
    shown = client.get("/arena/battles/b000").text
    assert 'id="model-a">alpha/model<' in shown and 'id="model-b">beta/model<' in shown
    assert 'id="vote"' not in shown  # no buttons once decided


def test_the_same_vote_again_returns_the_stored_vote(app: FastAPI) -> None:
    client = voter_client(app)
    first = vote(client, "b001", "TIE")
    again = vote(client, "b001", "TIE")
    assert first.status_code == again.status_code == 200
    assert again.json()["vote"] == first.json()["vote"]
    assert again.json()["repeated"] is True


def test_a_different_vote_on_a_decided_battle_is_a_409(app: FastAPI) -> None:
    client = voter_client(app)
    assert vote(client, "b002", "A").status_code == 200
    changed = vote(client, "b002", "B")
    assert changed.status_code == 409
    assert changed.json()["error"] == "battle_decided"
    # Another voter casting the same vote is not a repeat either.
    assert vote(voter_client(app), "b002", "A").status_code == 409


def test_an_unknown_battle_is_a_404(app: FastAPI) -> None:
    client = voter_client(app)
    for response in (
        client.get("/api/arena/battles/no-such-battle"),
        vote(client, "no-such-battle", "A"),
        client.get("/arena/battles/no-such-battle"),
    ):
        assert response.status_code == 404
    assert vote(client, "no-such-battle", "A").json()["error"] == "unknown_battle"


def test_a_voter_over_the_rate_limit_is_a_429(app: FastAPI) -> None:
    client = voter_client(app)
    for index in range(PER_MINUTE):
        assert vote(client, f"b{10 + index:03d}", "A").status_code == 200
    limited = vote(client, "b020", "A")
    assert limited.status_code == 429
    assert limited.json()["error"] == "vote_limited"
    assert client.get("/api/arena/battles/b020").json()["decided"] is False
    # The limit is the voter's: another browser still votes.
    assert vote(voter_client(app), "b020", "A").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"outcome": "C"}, {"outcome": "a"}, {}, {"outcome": "A", "voter": "someone-else"}],
)
def test_a_bad_vote_body_is_a_422(app: FastAPI, body: dict[str, str]) -> None:
    response = voter_client(app).post("/api/arena/battles/b021/vote", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_parameter"


def test_the_voter_comes_from_the_signed_cookie_or_the_address_never_the_body(
    app: FastAPI, workspace: Path
) -> None:
    with_cookie = voter_client(app)
    token = with_cookie.cookies[COOKIE]
    assert vote(with_cookie, "b022", "A").status_code == 200
    assert vote(TestClient(app), "b023", "B").status_code == 200  # no cookie at all
    made_up = TestClient(app, cookies={COOKIE: "made-up-voter-token-000001"})
    assert vote(made_up, "b025", "B").status_code == 200
    with Store.open(workspace) as store:
        records = store.arena()
        by_cookie = records.get_battle("b022").vote
        by_address = records.get_battle("b023").vote
        by_made_up = records.get_battle("b025").vote
    assert by_cookie is not None and by_address is not None and by_made_up is not None
    identity = token.split(".")[0]
    assert by_cookie.voter == "c-" + hashlib.sha256(identity.encode()).hexdigest()[:24]
    assert token not in by_cookie.voter
    assert by_address.voter.startswith("a-") and "testclient" not in by_address.voter
    # A cookie the server did not sign is the address's anonymous voter, nobody new.
    assert by_made_up.voter == by_address.voter == by_address.client


def test_a_vote_on_a_battle_that_named_its_model_is_kept_but_not_counted(app: FastAPI) -> None:
    client = voter_client(app)
    blind = client.get("/api/arena/battles/leaky").json()
    assert "Gemma" in blind["answer_a"]  # the answer as written
    assert "identity" not in str(blind)  # the reason would quote the name: hidden too
    answer = vote(client, "leaky", "A").json()
    assert answer["vote"]["counted"] is False
    assert "Gemma" in answer["vote"]["excluded_reason"]
    page = client.get("/arena/battles/leaky").text
    assert 'id="excluded"' in page and "does not count in the ratings" in page


def test_a_battle_started_through_the_api_is_answered_by_two_contestants(app: FastAPI) -> None:
    client = voter_client(app)
    prompt = "Why do cats purr?"
    created = client.post("/api/arena/battles", json={"prompt": prompt, "category": "animals"})
    assert created.status_code == 201
    battle = created.json()
    assert battle["models"] is None and battle["category"] == "animals"
    assert not any(name in created.text for name in CONTESTANTS)
    assert battle["answer_a"] != battle["answer_b"]
    revealed = vote(client, battle["id"], "A").json()["models"]
    assert revealed["a"] != revealed["b"] and {revealed["a"], revealed["b"]} <= set(CONTESTANTS)
    assert battle["answer_a"] == deterministic_answer(revealed["a"], prompt)
    assert battle["answer_b"] == deterministic_answer(revealed["b"], prompt)


@pytest.mark.parametrize("body", [{"prompt": ""}, {"prompt": "x" * 9000}, {"question": "hi"}])
def test_a_bad_battle_body_is_a_422(app: FastAPI, body: dict[str, str]) -> None:
    response = voter_client(app).post("/api/arena/battles", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_parameter"


def test_the_forms_start_a_battle_and_vote_without_scripts(app: FastAPI) -> None:
    browser = TestClient(app)  # keeps cookies, as a browser does
    form = browser.get("/arena")
    assert form.status_code == 200 and 'id="arena-form"' in form.text
    cookie = form.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    started = browser.post(
        "/arena/battles", data={"prompt": "  What is 2 + 2?  ", "category": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303
    location = started.headers["location"]
    assert re.fullmatch(r"/arena/battles/[0-9a-f]{32}", location)
    page = browser.get(location).text
    assert "Answer number" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert not any(name in page for name in CONTESTANTS)
    voted = browser.post(location + "/vote", data={"outcome": "BOTH_BAD"}, follow_redirects=False)
    assert voted.status_code == 303 and voted.headers["location"] == location
    page = browser.get(location).text
    assert 'id="reveal"' in page and "Both are bad" in page
    assert sum(name in page for name in CONTESTANTS) == 2
    battle = browser.get("/api" + location).json()
    assert battle["prompt"] == "What is 2 + 2?" and battle["category"] is None


def test_an_empty_prompt_re_renders_the_form_with_the_message(app: FastAPI) -> None:
    response = TestClient(app).post("/arena/battles", data={"prompt": "   ", "category": "x"})
    assert response.status_code == 422
    assert 'id="prompt-error"' in response.text and "the prompt is empty" in response.text
    assert 'value="x"' in response.text
    long = TestClient(app).post("/arena/battles", data={"prompt": "Hi", "category": "c" * 129})
    assert long.status_code == 422 and "category: longer than 128" in long.text


def test_a_form_posted_from_another_site_is_refused(app: FastAPI) -> None:
    response = voter_client(app).post(
        "/arena/battles/b024/vote",
        data={"outcome": "A"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 403


def test_drawing_a_prompt_fills_the_form_from_the_prompt_set(app: FastAPI) -> None:
    page = TestClient(app).get("/arena")
    assert 'id="draw-prompt" href="/arena?draw=1"' in page.text
    drawn = TestClient(app).get("/arena?draw=1").text
    assert any(f">{item.prompt}</textarea>" in drawn for item in PROMPTS)
    twin = TestClient(app).get("/api/arena?draw=1").json()
    assert twin["drawn"] in [{"prompt": p.prompt, "category": p.category} for p in PROMPTS]
    assert twin["can_battle"] is True and twin["contestants"] == len(CONTESTANTS)
    assert twin["prompt_set"] == len(PROMPTS)
    assert twin["limits"] == {
        "votes_per_minute": PER_MINUTE,
        "votes_per_day": None,
        "address_votes_per_minute": None,
        "address_votes_per_day": None,
        "battles_per_hour": 20,
        "address_battles_per_hour": 60,
        "new_voters_per_hour": None,
        "battles_answering": 2,
        "battles_waiting": 4,
    }
    assert twin["battles_in_progress"] == 0
    assert not any(name in str(twin) for name in CONTESTANTS)


def test_an_app_without_contestants_says_how_to_start_the_arena(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "workspace")) as client:
        page = client.get("/arena")
        assert page.status_code == 200
        assert 'id="arena-off"' in page.text and 'id="arena-form"' not in page.text
        assert "evalatlas serve --arena-model REF --arena-model REF" in page.text
        assert client.get("/api/arena").json()["can_battle"] is False
        assert client.get("/api/arena?draw=1").status_code == 422  # no prompt set
        refused = client.post("/api/arena/battles", json={"prompt": "hello"})
        assert refused.status_code == 422
        assert "--arena-model" in refused.json()["detail"]
