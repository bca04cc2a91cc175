"""``evalatlas results card`` and ``evalatlas replay`` end to end: real runs of the bundled
model (llama.cpp, and its float32 ``hf`` copy) on a tiny task file with local data, real
SQLite workspaces, the CLI as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evalatlas.store import Store
from runner.replay_task import TinyTask, write_tiny_task

from .test_bad_input import assert_nothing_stored, assert_one_line_error, run_cli

pytestmark = [pytest.mark.slow]
MODEL = "bundled:smollm2-135m-instruct"


def _eval(model: str, task: TinyTask, workspace: Path, *extra: str) -> str:
    """Evaluate ``model`` on the tiny task (3 samples); the stored run's id."""
    ran = run_cli(
        "eval",
        "--model",
        model,
        "--tasks",
        str(task.task_file),
        "--data-dir",
        str(task.data_dir),
        "--limit",
        "3",
        *extra,
        workspace=workspace,
    )
    assert ran.returncode == 0, ran.stderr
    shown = run_cli("results", "show", "--json", workspace=workspace)
    return str(json.loads(shown.stdout)[-1]["run_id"])


def _last_verdict(workspace: Path, run_id: str) -> str:
    with Store.open(workspace) as store:
        return store.replays().latest([run_id])[run_id].verdict


@pytest.mark.llamacpp
def test_llamacpp_run_replays_identical_then_names_the_changed_data(tmp_path: Path) -> None:
    task = write_tiny_task(tmp_path / "task")
    workspace = tmp_path / "ws"
    run_id = _eval(MODEL, task, workspace, "--apply-chat-template", "--system-prompt", "Be brief.")

    card = json.loads(run_cli("results", "card", run_id[:8], workspace=workspace).stdout)
    spec = card["spec"]
    assert spec["system_prompt"] == "Be brief." and "<|im_start|>" in spec["chat_template"]
    assert spec["task_files"][str(task.task_file.resolve())].startswith("\ninclude:")
    assert len(spec["task_files"]) == 2  # the file and the template it includes
    assert set(spec["split_fingerprints"]) == {"evaluated", "few-shot pool"}
    assert spec["model_fingerprint"].startswith("sha256:")
    assert card["metrics"][0]["name"] == "acc" and card["samples"] is None

    replayed = run_cli("replay", run_id, workspace=workspace)
    assert replayed.returncode == 0, replayed.stderr
    assert ": identical" in replayed.stdout
    assert "3 of 3 bit-identical, 0 differ (0 changed predictions)" in replayed.stdout
    assert "largest |Δ log-prob| 0 nats" in replayed.stdout and "n = 3" in replayed.stdout
    assert _last_verdict(workspace, run_id) == "identical"

    text = task.data_file.read_text(encoding="utf-8")
    task.data_file.write_text(text.replace('"Paris"', '"Paris, France"', 1), encoding="utf-8")
    changed = run_cli("replay", run_id, workspace=workspace)
    assert changed.returncode == 10, changed.stdout + changed.stderr
    assert ": data changed" in changed.stdout
    assert "the evaluated rows" in changed.stdout and str(task.data_file) in changed.stdout
    assert "bit-identical" not in changed.stdout  # not compared: no drift is claimed
    assert _last_verdict(workspace, run_id) == "data_changed"


@pytest.mark.llamacpp
def test_card_moved_to_a_fresh_workspace_reproduces_the_result(tmp_path: Path) -> None:
    task = write_tiny_task(tmp_path / "task")
    home = tmp_path / "home"
    run_id = _eval(MODEL, task, home)
    card_file = tmp_path / "moved" / "card.json"
    card_file.parent.mkdir()
    exported = run_cli(
        "results", "card", run_id, "--with-samples", "-o", str(card_file), workspace=home
    )
    assert exported.returncode == 0 and "with 3 samples" in exported.stdout
    # The task file is gone: the card carries its definition.
    task.task_file.unlink()

    fresh = tmp_path / "fresh"
    replayed = run_cli("replay", str(card_file), workspace=fresh)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert ": identical" in replayed.stdout and "replayed result stored as run" in replayed.stdout
    original = json.loads(run_cli("results", "show", "--json", workspace=home).stdout)[0]
    reproduced = json.loads(run_cli("results", "show", "--json", workspace=fresh).stdout)[0]
    assert reproduced["spec_hash"] == original["spec_hash"]
    assert reproduced["metrics"] == original["metrics"]
    assert reproduced["run_id"] != run_id
    assert _last_verdict(fresh, reproduced["run_id"]) == "identical"
    with Store.open(fresh) as store:  # the model's card, as the board shows it
        assert store.list_model_cards()[0].metadata.get("parameters")


@pytest.mark.llamacpp
def test_bad_replay_input_is_one_line_and_stores_nothing(
    tmp_path: Path, smollm2_gguf: Path
) -> None:
    task = write_tiny_task(tmp_path / "task")
    home = tmp_path / "home"
    fresh = tmp_path / "fresh"
    assert run_cli("results", "show", "--json", workspace=fresh).returncode == 0

    unknown = run_cli("replay", "0123456789abcdef", workspace=fresh)
    assert_one_line_error(unknown, "no run '0123456789abcdef'")
    assert unknown.returncode == 5

    copy = tmp_path / "models" / "copy.gguf"
    copy.parent.mkdir()
    shutil.copyfile(smollm2_gguf, copy)
    run_id = _eval(f"llamacpp:{copy}", task, home)
    card_file = tmp_path / "card.json"
    run_cli("results", "card", run_id, "--with-samples", "-o", str(card_file), workspace=home)
    card = json.loads(card_file.read_text(encoding="utf-8"))

    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**card, "format_version": 99}), encoding="utf-8")
    refused = run_cli("replay", str(newer), workspace=fresh)
    assert_one_line_error(refused, str(newer), "card format version 99 is newer", "upgrade")
    assert refused.returncode == 2

    copy.unlink()
    missing = run_cli("replay", str(card_file), workspace=fresh)
    fingerprint = card["spec"]["model_fingerprint"]
    assert_one_line_error(missing, f"model file {copy} is absent", fingerprint)
    assert missing.returncode == 4
    assert_nothing_stored(fresh)
    with Store.open(fresh) as store:
        assert store.replays().latest([run_id]) == {}


@pytest.mark.hf
def test_float32_hf_run_replays_bit_identical(tmp_path: Path, smollm2_folder: Path) -> None:
    task = write_tiny_task(tmp_path / "task")
    workspace = tmp_path / "ws"
    # A fixed batch size, kept on the card: the replay's passes have the run's shapes.
    reference = f"hf:{smollm2_folder}?prefix_sharing=0"
    run_id = _eval(reference, task, workspace, "--batch-size", "4")
    card = json.loads(run_cli("results", "card", run_id, workspace=workspace).stdout)
    assert card["spec"]["batch_size"] == 4
    replayed = run_cli("replay", run_id, workspace=workspace)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert ": identical" in replayed.stdout and "3 of 3 bit-identical" in replayed.stdout


@pytest.mark.hf
def test_tree_scored_hf_run_passes_within_its_declared_tolerance(
    tmp_path: Path, smollm2_folder: Path
) -> None:
    task = write_tiny_task(tmp_path / "task")
    workspace = tmp_path / "ws"
    run_id = _eval(f"hf:{smollm2_folder}", task, workspace)  # prefix sharing on by default
    card = json.loads(run_cli("results", "card", run_id, workspace=workspace).stdout)
    assert card["spec"]["model_details"]["prefix_sharing"] == "on"
    replayed = run_cli("replay", run_id, workspace=workspace)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert ": identical" in replayed.stdout or ": within tolerance" in replayed.stdout
    assert "0 changed predictions" in replayed.stdout
