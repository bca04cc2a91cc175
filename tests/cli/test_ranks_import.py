"""``evalatlas ranks import``: a published table is matched to the workspace's models and
stored whole; every bad input is one line naming the file, line and column, and leaves
nothing stored. The workspace holds arena and judge votes on four models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.store import Store
from web.judge_workspace import fill_judged_workspace

from .test_bad_input import assert_one_line_error, run_cli


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ranks") / "workspace"
    fill_judged_workspace(root, n_battles=80)
    return root


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "board.csv"
    path.write_text(text, encoding="utf-8")
    return path


def stored_tables(root: Path) -> list[str]:
    with Store.open(root) as store:
        return [table.name for table in store.published_rankings().all()]


BAD_TABLES = [
    ("model,value\nphi-mini,1\n", ["line 1: no column 'score' (found: model, value)"]),
    ("", ["the file is empty"]),
    ("model,score\nphi-mini,0.4\nnobody,0.5\n",
     ["line 3, column model: 'nobody' matches no model", "--skip-unknown"]),
    ("model,score\nphi-mini,0.4\nqwen-0.5b,0.5\nphi-mini,0.6\n",
     ["line 4, column model: 'phi-mini' is the same model (phi-mini) as line 2"]),
    ("model,score\nphi-mini,high\n", ["line 2, column score: 'high' is not a number"]),
    ("model,score\nphi-mini,\n", ["line 2, column score: empty"]),
    ("model,score,ci_low,ci_high\nphi-mini,0.5,0.6,0.7\n",
     ["line 2, columns ci_low/ci_high: [0.6, 0.7] does not contain the score 0.5"]),
    ("model,score,ci_low\nphi-mini,0.5,0.4\n", ["line 1: give both ci_low and ci_high"]),
    ("model,score,n\nphi-mini,0.5,ten\n", ["line 2, column n: 'ten' is not a whole number"]),
    ("model,score\n", ["nothing to import: no rows"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "fragments"), BAD_TABLES)
def test_bad_table_is_one_line_and_stores_nothing(
    workspace: Path, tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = write(tmp_path, text)
    result = run_cli("ranks", "import", str(path), "--name", "public", workspace=workspace)
    assert_one_line_error(result, str(path), *fragments)
    assert stored_tables(workspace) == []


def test_missing_file_names_it(workspace: Path, tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"
    result = run_cli("ranks", "import", str(missing), "--name", "x", workspace=workspace)
    assert_one_line_error(result, str(missing), "cannot read it")


def test_import_matches_names_skips_unknown_and_shows_as_a_source(
    workspace: Path, tmp_path: Path
) -> None:
    # Display names, references and an unknown model; higher scores are better.
    path = write(
        tmp_path,
        "Model,Score,CI_low,CI_high,n,votes\n"
        "smollm2-360m,1300,1250,1350,900,x\n"
        "gemma3-1b,1200,1150,1250,800,x\n"
        "qwen-0.5b,1100,1050,1150,,\n"
        "phi-mini,990,960,1020,700,x\n"
        "gpt-huge,1500,1450,1550,5000,x\n",
    )
    result = run_cli(
        "ranks", "import", str(path), "--name", "public", "--skip-unknown", workspace=workspace
    )
    assert result.returncode == 0, result.stderr
    assert "Imported 'public': 4 models" in result.stdout and "gpt-huge" in result.stdout
    again = run_cli("ranks", "import", str(path), "--name", "public", workspace=workspace)
    assert_one_line_error(again, "'gpt-huge' matches no model")
    taken = run_cli(
        "ranks", "import", str(path), "--name", "public", "--skip-unknown", workspace=workspace
    )
    assert_one_line_error(taken, "'public' is already imported; pass --replace")

    shown = run_cli("ranks", "--json", "--bootstrap", "200", workspace=workspace)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert [s["name"] for s in report["sources"]][-1] == "public (published)"
    assert report["published"][0]["n_models"] == 4
    by_model = {m["model"]: m["by_source"]["public (published)"] for m in report["models"]}
    assert by_model["smollm2-360m"]["rank"] == 1 and by_model["phi-mini"]["rank"] == 4
    assert by_model["qwen-0.5b"]["n"] is None
    people = next(
        c for c in report["correlations"] if c["source_b"] == "public (published)"
        and c["source_a"] == "arena (people)"
    )  # fmt: skip
    assert people["n"] == 4 and people["estimated"]

    listed = run_cli("ranks", workspace=workspace)
    assert "public: 4 models from" in listed.stdout
    assert run_cli("ranks", "remove", "public", workspace=workspace).returncode == 0
    assert stored_tables(workspace) == []
    gone = run_cli("ranks", "remove", "public", workspace=workspace)
    assert_one_line_error(gone, "no published table named 'public' (imported: none)")
