"""``/ranks`` over workspaces without votes: the runner-filled board (benchmark sources
only, several models) and an empty workspace (a page that says what to do, never a 500)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from evalatlas.analysis.leaderboard import build_leaderboard
from evalatlas.store import Store
from evalatlas.web import create_app


def walk_numbers(value: Any) -> None:
    if isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, dict):
        for item in value.values():
            walk_numbers(item)
    elif isinstance(value, list):
        for item in value:
            walk_numbers(item)


def test_benchmark_sources_rank_the_boards_models(
    client: TestClient, filled_workspace: Path
) -> None:
    payload = client.get("/api/ranks").json()
    walk_numbers(payload)
    with Store.open(filled_workspace) as store:
        board = build_leaderboard(store)
    names = [source["name"] for source in payload["sources"]]
    assert names == ["leaderboard average", *board.columns]
    ranked = {row.card.reference: row for row in board.rows if row.rank is not None}
    averages = {
        m["model"]: m["by_source"]["leaderboard average"]
        for m in payload["models"]
        if m["by_source"]["leaderboard average"] is not None
    }
    assert set(averages) == set(ranked)
    for reference, entry in averages.items():
        assert entry["rank"] == ranked[reference].rank
    for pair in payload["correlations"]:
        if pair["estimated"]:
            tau = pair["kendall_tau"]
            assert tau["ci_low"] <= tau["value"] <= tau["ci_high"] and pair["n"] >= 3
        else:
            assert pair["reason"]
    page = client.get("/ranks")
    assert page.status_code == 200 and "Rank correlation between sources" in page.text


def test_empty_workspace_says_what_to_do(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "empty")) as client:
        page = client.get("/ranks")
        assert page.status_code == 200 and 'id="ranks-empty"' in page.text
        payload = client.get("/api/ranks").json()
        assert payload["sources"] == [] and payload["correlations"] == []
        assert client.get("/api/ranks?seed=1").status_code == 422
