"""The judges page and its JSON twin over a store holding people's votes and a judge's
votes on the same prompts: the audit from the stored votes, and the ratings side by side."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalatlas.judge import audit_judge, stored_judges
from evalatlas.store import Store
from evalatlas.web import create_app

from .judge_workspace import JUDGE, JUDGE_NAME, N_BATTLES, STRENGTHS, fill_judged_workspace

SOURCE = f"{JUDGE_NAME} (text)"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("judges") / "workspace"
    fill_judged_workspace(root)
    return root


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    with TestClient(create_app(workspace)) as client:
        yield client


@pytest.fixture(scope="module")
def payload(client: TestClient) -> Any:
    response = client.get("/api/judges")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_audit_is_the_one_the_stored_votes_give(payload: Any, workspace: Path) -> None:
    [judge] = payload["judges"]
    assert (judge["judge"], judge["voters"], judge["votes"]) == (JUDGE_NAME, [JUDGE], N_BATTLES)
    with Store.open(workspace) as store:
        [stored] = stored_judges(store.arena().decided_battles())
    expected = audit_judge(stored.pairs)
    audit = judge["audit"]
    assert audit["pairs"] == N_BATTLES and audit["inconsistent"] == expected.inconsistent
    for name in ("position_consistency", "first_position_win_rate", "longer_answer_win_rate"):
        assert audit[name]["value"] == pytest.approx(getattr(expected, name).value)
        assert audit[name]["ci_low"] < audit[name]["value"] <= audit[name]["ci_high"]
    # The planted position bias shows: the first-shown answer wins well over half.
    first = audit["first_position_win_rate"]
    assert first["ci_low"] > 0.5 and first["n"] == 2 * N_BATTLES
    assert first["method"] == "wilson-clustered"


def test_self_preference_and_agreement_use_the_people_in_the_store(payload: Any) -> None:
    [judge] = payload["judges"]
    assert judge["family_stem"] == "smollm" and judge["family"] == ["smollm2-360m"]
    preference = judge["audit"]["self_preference"]
    assert preference["difference"]["n"] > 0
    assert preference["reference_win_rate"]["value"] > 0.5  # people: the strongest model
    agreement = judge["audit"]["agreement"]
    assert agreement["matched"] == N_BATTLES  # every judged prompt and pair has a vote
    assert agreement["accuracy"]["ci_low"] > 0.5  # both follow the same strengths


def test_ratings_of_people_and_the_judge_side_by_side(payload: Any) -> None:
    assert [source["name"] for source in payload["sources"]] == ["people", SOURCE]
    people, judge = payload["sources"]
    assert people["rank_agreement_with_people"] is None and judge["voters"] == [JUDGE]
    agreement = judge["rank_agreement_with_people"]
    assert agreement["n_models"] == len(STRENGTHS)
    assert agreement["ci_low"] <= agreement["spearman"] <= agreement["ci_high"]
    assert agreement["spearman"] > 0.5
    by_strength = sorted(STRENGTHS, key=STRENGTHS.__getitem__, reverse=True)
    assert [row["model"] for row in payload["ratings"]] == by_strength
    for row in payload["ratings"]:
        for rating in row["by_source"].values():
            assert rating["ci_low"] <= rating["rating"] <= rating["ci_high"] and rating["n"] > 0


def test_the_page_shows_the_audit_and_the_ratings(client: TestClient) -> None:
    page = client.get("/judges")
    assert page.status_code == 200
    text = page.text
    assert SOURCE in text and "first-position win rate" in text
    assert 'id="ratings-by-source"' in text and "Rank agreement with people" in text
    assert "ρ = " in text and "smollm2-360m" in text
    assert client.get("/").text.count('href="/judges"') == 1  # in the navigation


def test_an_empty_workspace_says_how_to_get_judge_votes(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "empty")) as client:
        data = client.get("/api/judges").json()
        assert data["empty"] is True and data["judges"] == [] and data["ratings"] == []
        page = client.get("/judges").text
        assert 'id="judges-empty"' in page and "evalatlas judge pairwise" in page


def test_unknown_query_parameters_are_refused(client: TestClient) -> None:
    assert client.get("/api/judges?bogus=1").status_code == 422


def test_the_web_app_reads_judge_votes_without_loading_models() -> None:
    code = (
        "import sys, evalatlas.web, evalatlas.web.judges.routes\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('evalatlas.models'))\n"
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def pairs(client: TestClient, query: str = "") -> Any:
    response = client.get(f"/api/judges/pairs?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_pair_by_pair_verdicts_in_terms_of_the_models(client: TestClient) -> None:
    first = pairs(client)
    assert (first["judge"], first["total"], first["pages"]) == (SOURCE, N_BATTLES, 5)
    assert len(first["rows"]) == 50
    for row in first["rows"]:
        assert row["prompt"].startswith("Question ") and row["turn"] == 1
        # The judge's verdicts are A>B or B>A in model terms, and its outcome follows them.
        if row["a_first"] == row["b_first"]:
            assert row["outcome"] == row["a_first"][0]
        else:
            assert row["outcome"] == "INCONSISTENT"
        assert row["people"] in ("A", "B")  # every prompt and pair has people's vote
    last = pairs(client, "page=5")
    assert last["page"] == 5 and len(last["rows"]) == N_BATTLES - 200
    ids = {row["battle_id"] for row in first["rows"]} | {row["battle_id"] for row in last["rows"]}
    assert len(ids) == 50 + N_BATTLES - 200  # no pair on two pages
    past = client.get("/api/judges/pairs?page=6")
    assert past.status_code == 404
    assert past.json()["detail"] == "page 6 is past the last page; there are pages 1 to 5"


def test_inconsistent_pairs_only(client: TestClient, payload: Any) -> None:
    only = pairs(client, "inconsistent_only=1&page=1")
    assert only["total"] == payload["judges"][0]["audit"]["inconsistent"]
    assert {row["outcome"] for row in only["rows"]} == {"INCONSISTENT"}
    page = client.get("/judges/pairs?inconsistent_only=1").text
    assert 'id="judge-pairs"' in page and "whose orders disagree" in page


def test_an_unknown_judge_is_refused_with_the_known_ones(client: TestClient) -> None:
    response = client.get("/api/judges/pairs?judge=judge:nobody")
    assert response.status_code == 422
    assert SOURCE in response.text


def test_the_judges_page_links_each_judge_to_its_pairs(client: TestClient) -> None:
    text = client.get("/judges").text
    assert 'class="pairs-link" href="/judges/pairs?judge=judge%3Abundled' in text


def test_without_people_the_judge_stands_alone(tmp_path: Path) -> None:
    fill_judged_workspace(tmp_path / "judge-only", n_battles=60, people=False)
    with TestClient(create_app(tmp_path / "judge-only")) as client:
        data = client.get("/api/judges").json()
    [judge] = data["judges"]
    assert judge["audit"]["agreement"] is None and judge["audit"]["self_preference"] is None
    assert [source["name"] for source in data["sources"]] == [SOURCE]
    assert data["sources"][0]["rank_agreement_with_people"] is None
    assert all(set(row["by_source"]) == {SOURCE} for row in data["ratings"])
