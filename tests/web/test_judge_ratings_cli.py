"""``evalatlas judge ratings`` over the workspace the judges page reads: the same sources,
the same ratings and rank agreement (both come from ``arena.by_source``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from evalatlas.web import create_app

from .judge_workspace import JUDGE, JUDGE_NAME, STRENGTHS, fill_judged_workspace


def run_cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVALATLAS_HOME": str(workspace)}
    return subprocess.run(
        [sys.executable, "-m", "evalatlas", *args], capture_output=True, text=True, env=env,
        timeout=300, check=False,
    )  # fmt: skip


def test_judge_ratings_match_the_judges_page(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    fill_judged_workspace(root, n_battles=120)
    result = run_cli("judge", "ratings", "--json", workspace=root)
    assert result.returncode == 0, result.stderr
    sources = json.loads(result.stdout)["sources"]
    assert [s["name"] for s in sources] == ["people", f"{JUDGE_NAME} (text)"]
    assert sources[1]["voters"] == [JUDGE] and sources[0]["rank_agreement_with_people"] is None
    with TestClient(create_app(root)) as client:
        page = client.get("/api/judges").json()
    for source in sources:
        shown = {row["model"]: row["by_source"][source["name"]] for row in page["ratings"]}
        for rating in source["ratings"]:
            assert rating["score"] == shown[rating["model"]]["rating"]
            assert (rating["ci_low"], rating["n"]) == (
                shown[rating["model"]]["ci_low"],
                shown[rating["model"]]["n"],
            )
    cli_agreement = sources[1]["rank_agreement_with_people"]
    web_agreement = page["sources"][1]["rank_agreement_with_people"]
    assert cli_agreement["spearman"] == web_agreement["spearman"]
    assert (cli_agreement["ci_low"], cli_agreement["n_models"]) == (
        web_agreement["ci_low"], len(STRENGTHS),
    )  # fmt: skip
    table = run_cli("judge", "ratings", "--bootstrap", "50", workspace=root)
    assert table.returncode == 0, table.stderr
    assert "rank agreement with people" in table.stdout and "ρ = " in table.stdout


def test_no_votes_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    result = run_cli("judge", "ratings", workspace=tmp_path / "empty")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: no counted votes in {tmp_path / 'empty'}: vote in the arena, import battles "
        "or run 'evalatlas judge pairwise'"
    ]
