"""Importing a real lm-evaluation-harness run (SmolLM2 f32 on ARC items, ``--log_samples``):
every per-sample number kept exactly, the protocol read from the recorded config, and an
export that lm-eval's own shapes round-trip through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalatlas.interop import export_lm_eval, import_lm_eval
from evalatlas.store import Store

pytestmark = [pytest.mark.shared_data, pytest.mark.hf, pytest.mark.slow]


def _only(folder: Path, pattern: str) -> Path:
    [found] = sorted(folder.rglob(pattern))
    return found


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def recorded(lm_eval_output: Path) -> dict[str, Any]:
    return dict(json.loads(_only(lm_eval_output, "results_*.json").read_text(encoding="utf-8")))


@pytest.fixture
def logged(lm_eval_output: Path) -> list[dict[str, Any]]:
    return _lines(_only(lm_eval_output, "samples_*.jsonl"))


def test_every_logprob_and_metric_is_stored_exactly(
    lm_eval_output: Path, logged: list[dict[str, Any]], tmp_path: Path
) -> None:
    with Store.open(tmp_path / "ws") as store:
        [run] = import_lm_eval(store, lm_eval_output)
        records = store.load_samples(run.result.run_id)  # read back from the details file
    assert [r.sample_id for r in records] == [str(line["doc_id"]) for line in logged]
    assert len(records) == 10
    for record, line in zip(records, logged, strict=True):
        arguments = [line["arguments"][f"gen_args_{i}"] for i in range(len(line["arguments"]))]
        assert [(r["context"], r["continuation"]) for r in record.requests] == [
            (a["arg_0"], a["arg_1"]) for a in arguments
        ]
        # lm-eval logs each log-prob as str(float), which reads back to the same float.
        assert [r["logprob"] for r in record.responses] == [float(x[0][0]) for x in line["resps"]]
        assert [r["is_greedy"] for r in record.responses] == [
            x[0][1] == "True" for x in line["resps"]
        ]
        assert record.scores == {"acc": line["acc"], "acc_norm": line["acc_norm"]}
        assert record.choices[int(line["target"])] == record.target


def test_protocol_and_metrics_come_from_the_recorded_config(
    lm_eval_output: Path, recorded: dict[str, Any], tmp_path: Path
) -> None:
    with Store.open(tmp_path / "ws") as store:
        [run] = import_lm_eval(store, lm_eval_output)
        [stored] = store.list_results()
    task = "arc_challenge_local"
    spec = stored.spec
    assert spec.num_fewshot == recorded["n-shot"][task] == 0
    assert spec.fewshot_seed == recorded["config"]["fewshot_seed"]
    assert spec.limit == recorded["n-samples"][task]["effective"] == 10
    assert spec.apply_chat_template is (recorded["chat_template"] is not None)
    assert spec.chat_template_hash == recorded["chat_template_sha"]
    assert spec.system_prompt_hash == recorded["system_instruction_sha"]
    assert spec.task_hash == recorded["task_hashes"][task]
    assert spec.task_version == str(recorded["versions"][task])
    assert spec.model_name == recorded["model_name"]
    assert spec.backend == "lm-eval/hf"
    assert spec.imported_from is not None
    assert spec.imported_from["tool"] == "lm-eval"
    assert spec.imported_from["version"] == recorded["lm_eval_version"] == "0.4.13"
    assert spec.backend_settings["lm_eval_config"] == recorded["config"]
    metrics = {m.name: m for m in stored.metrics}
    for name in ("acc", "acc_norm"):
        assert metrics[name].value == pytest.approx(recorded["results"][task][f"{name},none"])
        stderr = recorded["results"][task][f"{name}_stderr,none"]
        assert metrics[name].stderr == pytest.approx(stderr, rel=1e-12)
        assert metrics[name].n == 10
        assert metrics[name].ci_low <= metrics[name].value <= metrics[name].ci_high
    assert stored.random_baseline == pytest.approx(0.25)  # every item here has 4 choices
    assert run.result.spec_hash == stored.spec_hash


def test_export_writes_the_same_lines_and_reimports_to_the_same_records(
    lm_eval_output: Path,
    recorded: dict[str, Any],
    logged: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "ws") as store:
        [run] = import_lm_eval(store, lm_eval_output)
        original = store.load_samples(run.result.run_id)
        export_lm_eval(store, [run.result.run_id], tmp_path / "out")
    assert _lines(_only(tmp_path / "out", "samples_arc_challenge_local_*.jsonl")) == logged
    written = json.loads(_only(tmp_path / "out", "results_*.json").read_text(encoding="utf-8"))
    for key in ("configs", "versions", "n-shot", "n-samples", "task_hashes", "config"):
        assert written[key] == recorded[key], key
    assert written["results"] == recorded["results"]
    with Store.open(tmp_path / "again") as store:
        [again] = import_lm_eval(store, tmp_path / "out")
        reread = store.load_samples(again.result.run_id)
    assert [r.model_dump() for r in reread] == [r.model_dump() for r in original]
    assert again.result.metrics == run.result.metrics
    assert again.result.spec.model_dump(exclude={"imported_from"}) == run.result.spec.model_dump(
        exclude={"imported_from"}
    )


def test_the_model_page_shows_the_run_as_imported(lm_eval_output: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from evalatlas.web import create_app

    with Store.open(tmp_path / "ws") as store:
        import_lm_eval(store, lm_eval_output)
    with TestClient(create_app(tmp_path / "ws")) as client:
        [row] = client.get("/api/leaderboard").json()["rows"]
        key = row["model"]["key"]
        [result] = client.get(f"/api/models/{key}").json()["results"]
        page = client.get(f"/models/{key}")
    assert result["eval_card"]["imported_from"]["tool"] == "lm-eval"
    assert result["eval_card"]["backend"] == "lm-eval/hf"
    assert page.status_code == 200
    assert "imported_from" in page.text and "lm-eval/hf" in page.text


def test_an_imported_run_is_refused_by_replay_in_one_line(
    lm_eval_output: Path, tmp_path: Path
) -> None:
    from cli.test_bad_input import assert_one_line_error, run_cli

    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        [run] = import_lm_eval(store, lm_eval_output)
    replayed = run_cli("replay", run.result.run_id, workspace=workspace)
    assert_one_line_error(replayed, "imported from lm-eval", "cannot be replayed")
    with Store.open(workspace) as store:
        assert store.replays().latest([run.result.run_id]) == {}
