"""The arena ratings and voters pages and their JSON twins over a stored battle log drawn
from known strengths, and the leaderboard's arena column."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalatlas.store import Store, VoteRequest, VoteSource
from evalatlas.web import create_app
from evalatlas.web.arena.voter import voter_label
from evalatlas.web.arena_state import COLUMN_CHECK_S

from .arena_workspace import (
    CATEGORIES,
    CONTRARIAN,
    LOG_BATTLES,
    STRENGTHS,
    fill_battle_log,
    undecided_battle,
)

BY_STRENGTH = sorted(STRENGTHS, key=STRENGTHS.__getitem__, reverse=True)


@pytest.fixture(scope="module")
def rated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int]]:
    root = tmp_path_factory.mktemp("arena-ratings") / "workspace"
    contrarian = fill_battle_log(root)
    with TestClient(create_app(root)) as client:
        yield client, contrarian


@pytest.fixture
def client(rated: tuple[TestClient, int]) -> TestClient:
    return rated[0]


def ratings(client: TestClient, query: str = "") -> Any:
    response = client.get(f"/api/arena/ratings?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_ratings_recover_the_order_of_the_true_strengths(client: TestClient) -> None:
    payload = ratings(client)
    assert payload["empty"] is False
    assert [row["model"] for row in payload["ratings"]] == BY_STRENGTH
    assert payload["counts"] == {
        "battles": LOG_BATTLES, "votes": LOG_BATTLES, "counted_votes": LOG_BATTLES, "voters": 12,
    }  # fmt: skip
    assert payload["battles_rated"] == LOG_BATTLES
    assert sum(row["n"] for row in payload["ratings"]) == 2 * LOG_BATTLES
    for row in payload["ratings"]:
        assert row["ci_low"] <= row["rating"] <= row["ci_high"]
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
    assert payload["n_rounds"] == 200 and payload["warnings"] == []
    assert payload["style_coefficients"] == []
    matrices = payload["matrices"]
    top, bottom = (matrices["models"].index(m) for m in (BY_STRENGTH[0], BY_STRENGTH[-1]))
    assert matrices["win_fraction"][top][bottom] > 0.5
    assert matrices["battle_count"][top][bottom] == matrices["battle_count"][bottom][top] > 0
    assert matrices["battle_count"][top][top] == 0


def test_style_control_adds_the_style_coefficients(client: TestClient) -> None:
    payload = ratings(client, "style_control=1&bootstrap=20")
    names = [item["name"] for item in payload["style_coefficients"]]
    assert names == ["length", "headers", "lists", "bold"]
    for item in payload["style_coefficients"]:
        assert item["ci_low"] <= item["value"] <= item["ci_high"]
    page = client.get("/arena/ratings?style_control=1&bootstrap=20").text
    assert 'id="style-coefficients"' in page and '<td class="name">length</td>' in page


def test_a_category_rates_its_battles_only(client: TestClient) -> None:
    payload = ratings(client, f"category={CATEGORIES[0]}&bootstrap=0")
    assert payload["battles_rated"] == LOG_BATTLES // 2
    assert payload["categories"] == list(CATEGORIES)
    assert payload["n_rounds"] == 0


def test_flagged_voters_are_left_out_when_asked(rated: tuple[TestClient, int]) -> None:
    client, contrarian = rated
    voters = client.get("/api/arena/voters").json()
    flagged = [row["voter"] for row in voters["voters"] if row["flagged"]]
    assert flagged == [voter_label(CONTRARIAN)]
    assert CONTRARIAN not in str(voters)  # voters are shown as hashes only
    payload = ratings(client, "exclude_flagged_voters=1&bootstrap=20")
    assert payload["excluded_voters"] == 1
    assert payload["battles_rated"] == LOG_BATTLES - contrarian
    page = client.get("/arena/voters").text
    assert 'id="arena-voters"' in page and voter_label(CONTRARIAN) in page
    assert CONTRARIAN not in page


@pytest.mark.parametrize(
    ("parameter", "query"),
    [
        ("bootstrap", "bootstrap=2001"),
        ("bootstrap", "bootstrap=-1"),
        ("category", "category=cooking"),
        ("style_control", "style_control=yes"),
        ("colour", "colour=red"),
    ],
)
def test_a_bad_option_is_a_422_naming_it(client: TestClient, parameter: str, query: str) -> None:
    response = client.get(f"/api/arena/ratings?{query}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{parameter}: ")


def test_the_ratings_page_shows_the_table_and_both_charts(client: TestClient) -> None:
    page = client.get("/arena/ratings")
    assert page.status_code == 200
    text = page.text
    assert text.count('<tr class="rating-row') == len(STRENGTHS)
    assert 'id="rating-whiskers"' in text and 'id="win-matrix"' in text
    assert f'id="count-votes">{LOG_BATTLES}<' in text
    # Each met pair's cell names both models and its number of battles.
    assert "battles (ties count half)</title>" in text
    assert text.index(BY_STRENGTH[0]) < text.index(BY_STRENGTH[-1])


def test_models_that_never_met_others_get_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    fill_battle_log(root, {"p/one": 0.5, "p/two": 0.0}, n_battles=60, seed=1)
    # A second island: q/* battled each other only.
    battles = [undecided_battle(f"island-{k}", "q/three", "q/four") for k in range(20)]
    votes = [VoteRequest(b.id, "A" if k % 3 else "B", "v") for k, b in enumerate(battles)]
    with Store.open(root) as store:
        store.arena().add_battles(battles, votes)
    with TestClient(create_app(root)) as client:
        payload = ratings(client, "bootstrap=20")
        assert len(payload["ratings"]) == 4
        assert payload["warnings"], payload
        page = client.get("/arena/ratings?bootstrap=20").text
        assert 'class="note tie warning"' in page


def test_without_votes_the_pages_say_there_is_nothing_to_rate(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "workspace")) as client:
        payload = ratings(client)
        assert payload["empty"] is True and payload["ratings"] == []
        page = client.get("/arena/ratings").text
        assert 'id="ratings-empty"' in page and "nothing to rate" in page
        assert 'id="voters-empty"' in client.get("/arena/voters").text
        assert client.get("/api/arena/voters").json()["voters"] == []


def test_the_leaderboard_shows_arena_ratings_of_models_that_fought(
    filled_workspace: Path, tmp_path: Path
) -> None:
    """Leaderboard models whose reference names an arena model get its rating; others
    a blank, in the page, its JSON twin and the CSV."""
    root = tmp_path / "workspace"
    shutil.copytree(filled_workspace, root)
    with TestClient(create_app(root)) as client:
        assert 'class="col-arena"' not in client.get("/").text  # no votes: no column
        assert all(row["arena"] is None for row in client.get("/api/leaderboard").json()["rows"])
        fill_battle_log(root)  # as `evalatlas arena import` would, from another process
        time.sleep(COLUMN_CHECK_S)  # the board looks at the votes at most once a second
        rows = client.get("/api/leaderboard").json()["rows"]
        arena = {row["model"]["reference"]: row["arena"] for row in rows}
        table = {row["model"]: row for row in ratings(client)["ratings"]}
        for reference, cell in arena.items():
            if reference in table:
                expected = table[reference]
                keys = ("rating", "ci_low", "ci_high", "rank", "n")
                assert cell == {key: expected[key] for key in keys}
            else:
                assert cell is None
        assert sum(cell is not None for cell in arena.values()) == 3
        page = client.get("/").text
        # Every model row has an arena cell; the pinned random-baseline row has none.
        assert 'class="col-arena"' in page and page.count('class="score arena"') == len(rows) - 1
        lines = list(csv.DictReader(io.StringIO(client.get("/api/leaderboard.csv").text)))
        for line in lines:
            expected_cell = arena[line["reference"]]
            if expected_cell is None:
                assert line["arena"] == ""
            else:
                assert float(line["arena"]) == pytest.approx(expected_cell["rating"])
                assert int(line["arena_n"]) == expected_cell["n"]


def test_human_and_judge_votes_are_rated_apart(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    fill_battle_log(root, n_battles=200)
    judged = [undecided_battle(f"judged-{i}", "judge-pick", "other-pick") for i in range(30)]
    verdicts = [
        VoteRequest(
            b.id, "A" if i % 3 else "B", "judge:bundled:m@pairwise:0123abcd", VoteSource.JUDGE
        )
        for i, b in enumerate(judged)
    ]
    with Store.open(root) as store:
        store.arena().add_battles(judged, verdicts)
    with TestClient(create_app(root)) as client:
        judges = ratings(client, "source=judge&bootstrap=10")
        people = ratings(client, "source=human&bootstrap=10")
        both = ratings(client, "bootstrap=10")
        page = client.get("/arena/ratings?source=judge&bootstrap=10")
    assert [row["model"] for row in judges["ratings"]] == ["judge-pick", "other-pick"]
    assert judges["battles_rated"] == 30 and people["battles_rated"] == 200
    assert "judge-pick" not in [row["model"] for row in people["ratings"]]
    assert both["battles_rated"] == 230
    assert page.status_code == 200 and 'value="judge" selected' in page.text
