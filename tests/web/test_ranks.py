"""Every ranking source side by side on a workspace with real benchmark runs of the
bundled models, people's arena votes and a judge's verdicts: ``evalatlas ranks`` and the
``/ranks`` page (and its JSON twin) show the same ranks, correlations and disagreements,
and those equal what the leaderboard, the judges page and scipy say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from scipy.stats import kendalltau, spearmanr

from evalatlas.analysis.leaderboard import build_leaderboard
from evalatlas.store import Store
from evalatlas.web import create_app

from .ranks_workspace import JUDGE_SOURCE, MODELS, RANDOM, SMOLLM2, TASK, fill_ranks_workspace
from .test_judge_ratings_cli import run_cli

pytest.importorskip("llama_cpp", reason="the bundled models run on llama-cpp-python")
pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]
SOURCES = ["leaderboard average", TASK, "arena (people)", JUDGE_SOURCE]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ranks") / "workspace"
    fill_ranks_workspace(root)
    return root


@pytest.fixture(scope="module")
def cli_report(workspace: Path) -> dict[str, Any]:
    result = run_cli("ranks", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    with TestClient(create_app(workspace)) as test_client:
        yield test_client


def scores(report: dict[str, Any], source: str, models: list[str]) -> list[float]:
    by_model = {m["model"]: m["by_source"][source] for m in report["models"]}
    return [by_model[model]["score"] for model in models]


def test_all_three_sources_side_by_side_with_intervals(
    cli_report: dict[str, Any], workspace: Path
) -> None:
    assert [s["name"] for s in cli_report["sources"]] == SOURCES
    assert {m["model"] for m in cli_report["models"]} == set(MODELS)
    for model in cli_report["models"]:
        for source in SOURCES:
            entry = model["by_source"][source]
            assert entry["rank_low"] <= entry["rank"] <= entry["rank_high"]
            assert entry["ci_low"] <= entry["score"] <= entry["ci_high"] and entry["n"] > 0
    with Store.open(workspace) as store:
        board = build_leaderboard(store)
    shown = {m["model"]: m["by_source"]["leaderboard average"] for m in cli_report["models"]}
    for row in board.rows:
        entry = shown[row.card.reference]
        assert (entry["rank"], entry["rank_low"], entry["rank_high"]) == (
            row.rank,
            row.rank_low,
            row.rank_high,
        )


def test_correlations_are_scipys_on_the_shared_models(cli_report: dict[str, Any]) -> None:
    pairs = {(c["source_a"], c["source_b"]): c for c in cli_report["correlations"]}
    assert len(pairs) == 6
    models = sorted(MODELS)
    for (a, b), pair in pairs.items():
        assert pair["n"] == 3 and pair["n_boot"] == 1000
        if not pair["estimated"]:
            assert pair["reason"] == "one source scores every shared model alike"
            continue
        x, y = scores(cli_report, a, models), scores(cli_report, b, models)
        tau, rho = pair["kendall_tau"], pair["spearman_rho"]
        assert tau["value"] == pytest.approx(kendalltau(x, y).statistic)
        assert rho["value"] == pytest.approx(spearmanr(x, y).statistic)
        assert tau["ci_low"] <= tau["value"] <= tau["ci_high"]
        assert "only 3 models" in pair["note"]
    arena_judge = pairs[("arena (people)", JUDGE_SOURCE)]
    assert arena_judge["kendall_tau"]["value"] == pytest.approx(-1.0)


def test_clear_disagreement_between_people_and_the_judge(cli_report: dict[str, Any]) -> None:
    found = {
        (d["source_a"], d["source_b"], d["above_in_a"], d["above_in_b"])
        for d in cli_report["disagreements"]
    }
    assert ("arena (people)", JUDGE_SOURCE, SMOLLM2, RANDOM) in found
    for d in cli_report["disagreements"]:
        (a_x, a_y), (b_x, b_y) = d["in_a"], d["in_b"]
        assert a_x["ci_low"] > a_y["ci_high"] and b_y["ci_low"] > b_x["ci_high"]


def test_web_page_and_json_twin_say_what_the_cli_says(
    client: TestClient, cli_report: dict[str, Any]
) -> None:
    twin = client.get("/api/ranks")
    assert twin.status_code == 200
    payload = twin.json()
    assert payload["sources"] == cli_report["sources"]
    assert payload["correlations"] == cli_report["correlations"]
    assert payload["models"] == cli_report["models"]
    assert payload["disagreements"] == cli_report["disagreements"]
    page = client.get("/ranks")
    assert page.status_code == 200
    for source in SOURCES:
        assert source in page.text
    assert "Kendall" in page.text and "τ = " in page.text and "only 3 models" in page.text
    assert 'href="/ranks"' in client.get("/").text
    assert client.get("/ranks?bootstrap=5").status_code == 422


def test_table_output(workspace: Path) -> None:
    result = run_cli("ranks", "--bootstrap", "200", workspace=workspace)
    assert result.returncode == 0, result.stderr
    for text in (
        "Ranks by source",
        "arena (people)",
        "Kendall's τ",
        "Clear disagreements",
        "Published tables: none",
    ):
        assert text in result.stdout
