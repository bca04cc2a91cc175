"""Bad lm-eval output: one clear line each, and nothing stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.interop import import_lm_eval
from evalatlas.store import Store

pytestmark = [pytest.mark.shared_data, pytest.mark.hf, pytest.mark.slow]


@pytest.fixture
def copied(lm_eval_output: Path, tmp_path: Path) -> Path:
    """A private copy of the real run's folder (results + samples), to damage."""
    [folder] = [p for p in lm_eval_output.iterdir() if p.is_dir()]
    target = tmp_path / "run" / folder.name
    shutil.copytree(folder, target)
    return target


def _results(folder: Path) -> Path:
    [found] = folder.glob("results_*.json")
    return found


def _samples(folder: Path) -> Path:
    [found] = folder.glob("samples_*.jsonl")
    return found


def _stored(workspace: Path) -> int:
    with Store.open(workspace) as store:
        return len(store.list_results())


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalatlas", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
        check=False,
    )


def test_a_folder_without_results_names_what_to_give(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with Store.open(tmp_path / "ws") as store, pytest.raises(DataError, match="no results_"):
        import_lm_eval(store, tmp_path / "empty")
    assert _stored(tmp_path / "ws") == 0


def test_malformed_results_json_names_the_file(copied: Path, tmp_path: Path) -> None:
    path = _results(copied)
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    with Store.open(tmp_path / "ws") as store, pytest.raises(DataError) as caught:
        import_lm_eval(store, copied)
    assert path.name in str(caught.value) and "not valid JSON" in str(caught.value)
    assert _stored(tmp_path / "ws") == 0


def test_samples_of_a_task_not_in_the_results_are_refused(copied: Path, tmp_path: Path) -> None:
    samples = _samples(copied)
    stranger = samples.with_name(samples.name.replace("arc_challenge_local", "hellaswag"))
    shutil.copy(samples, stranger)
    with Store.open(tmp_path / "ws") as store, pytest.raises(DataError) as caught:
        import_lm_eval(store, copied)
    assert "'hellaswag'" in str(caught.value) and stranger.name in str(caught.value)
    assert _stored(tmp_path / "ws") == 0


def test_a_second_import_of_the_same_files_is_refused(copied: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        [first] = import_lm_eval(store, copied)
        refusal = f"already imported as run {first.result.run_id[:12]}"
        with pytest.raises(ConfigError, match=refusal):
            import_lm_eval(store, copied)
    assert _stored(tmp_path / "ws") == 1


def test_samples_that_disagree_with_the_results_store_nothing(copied: Path, tmp_path: Path) -> None:
    """A valid run beside a damaged one: the whole import is refused, the valid run too."""
    second = copied.parent / "second"
    shutil.copytree(copied, second)
    samples = _samples(second)
    lines = [json.loads(line) for line in samples.read_text(encoding="utf-8").splitlines()]
    lines[0]["acc"] = 1.0 - lines[0]["acc"]  # the mean no longer matches results' acc
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with Store.open(tmp_path / "ws") as store, pytest.raises(DataError) as caught:
        import_lm_eval(store, copied.parent)
    assert "not from the same run" in str(caught.value)
    assert _stored(tmp_path / "ws") == 0
    assert not list((tmp_path / "ws" / "details").rglob("*.parquet"))


def test_the_cli_imports_and_shows_the_marker(copied: Path, tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    done = _run_cli("results", "import", str(copied), "-w", workspace)
    assert done.returncode == 0, done.stderr
    assert "1 run(s) imported" in done.stdout
    with Store.open(tmp_path / "ws") as store:
        [result] = store.list_results()
    for metric in result.metrics:  # guessing scores 0.25 on these four-choice items
        note = f"arc_challenge_local {metric.name}: the interval includes chance (0.2500), n=10"
        assert (note in done.stdout) is (metric.ci_low <= 0.25 <= metric.ci_high)
    shown = _run_cli("results", "show", "-w", workspace)
    assert "imported from lm-eval 0.4.13, not run here" in shown.stdout
    again = _run_cli("results", "import", str(copied), "-w", workspace)
    assert again.returncode != 0 and "Traceback" not in again.stderr
    [line] = [text for text in again.stderr.splitlines() if text.strip()]
    assert line.startswith("error:") and "already imported" in line
    missing = _run_cli("results", "import", str(tmp_path / "nowhere"), "-w", workspace)
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    exported = _run_cli(
        "results", "export", "--format", "lm-eval", "-o", str(tmp_path / "out"), "-w", workspace
    )
    assert exported.returncode == 0, exported.stderr
    assert len(list((tmp_path / "out").rglob("samples_arc_challenge_local_*.jsonl"))) == 1


def test_the_same_files_twice_in_one_folder_store_nothing(copied: Path, tmp_path: Path) -> None:
    shutil.copytree(copied, copied.parent / "copy")
    with Store.open(tmp_path / "ws") as store, pytest.raises(ConfigError, match="same files twice"):
        import_lm_eval(store, copied.parent)
    assert _stored(tmp_path / "ws") == 0
