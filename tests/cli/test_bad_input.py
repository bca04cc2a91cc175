"""Every user mistake ends in one line naming what is wrong, a non-zero exit, no traceback,
and nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import takewhile
from pathlib import Path

import pytest


def run_cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVALATLAS_HOME": str(workspace), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "evalatlas", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_nothing_stored(workspace: Path) -> None:
    shown = run_cli("results", "show", "--json", workspace=workspace)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == []


def test_unknown_task_suggests_a_close_name(tmp_path: Path) -> None:
    result = run_cli("eval", "--model", "random", "--tasks", "arc_challange", workspace=tmp_path)
    assert_one_line_error(result, "arc_challange", "arc_challenge")


def test_unknown_model_scheme_suggests_a_close_one(tmp_path: Path) -> None:
    result = run_cli(
        "eval",
        "--model",
        "bundle:smollm2-135m-instruct",
        "--tasks",
        "arithmetic_mc",
        workspace=tmp_path,
    )
    assert_one_line_error(result, "bundle", "bundled")


def test_unknown_bundled_model(tmp_path: Path) -> None:
    result = run_cli(
        "eval", "--model", "bundled:smollm3", "--tasks", "arithmetic_mc", workspace=tmp_path
    )
    assert_one_line_error(result, "smollm3")


def test_missing_task_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run_cli("eval", "--model", "random", "--tasks", str(missing), workspace=tmp_path)
    assert_one_line_error(result, str(missing))


def test_malformed_task_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: broken\ndoc_to_text: [unclosed\n", encoding="utf-8")
    result = run_cli("eval", "--model", "random", "--tasks", str(bad), workspace=tmp_path)
    assert_one_line_error(result, str(bad))


def test_task_yaml_that_would_run_python(tmp_path: Path) -> None:
    bad = tmp_path / "code.yaml"
    bad.write_text(
        "task: code\ndataset_path: x\noutput_type: multiple_choice\n"
        "process_docs: !function utils.process_docs\n",
        encoding="utf-8",
    )
    result = run_cli("eval", "--model", "random", "--tasks", str(bad), workspace=tmp_path)
    assert_one_line_error(result, str(bad), "!function")


def test_data_row_missing_a_field(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "mini").mkdir(parents=True)
    (data / "mini" / "test.jsonl").write_text(
        json.dumps({"question": "2+2?", "choices": ["3", "4"], "answer": 1})
        + "\n"
        + json.dumps({"question": "3+3?", "answer": 0})
        + "\n",
        encoding="utf-8",
    )
    task = tmp_path / "mini.yaml"
    task.write_text(
        "task: mini\ndataset_path: mini\ntest_split: test\noutput_type: multiple_choice\n"
        "doc_to_text: '{{question}}'\ndoc_to_choice: '{{choices}}'\ndoc_to_target: answer\n"
        "metric_list:\n  - metric: acc\n",
        encoding="utf-8",
    )
    result = run_cli(
        "eval",
        "--model",
        "random",
        "--tasks",
        str(task),
        "--data-dir",
        str(data),
        workspace=tmp_path / "ws",
    )
    assert_one_line_error(result, "choices")
    assert_nothing_stored(tmp_path / "ws")


def test_missing_data_dir(tmp_path: Path) -> None:
    result = run_cli(
        "eval",
        "--model",
        "random",
        "--tasks",
        "arc_challenge",
        "--data-dir",
        str(tmp_path / "absent"),
        workspace=tmp_path,
    )
    assert_one_line_error(result, "absent")


def test_not_a_gguf_file(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("this is not a model\n", encoding="utf-8")
    result = run_cli(
        "eval", "--model", f"llamacpp:{fake}", "--tasks", "arithmetic_mc", workspace=tmp_path
    )
    assert_one_line_error(result, str(fake))


@pytest.mark.llamacpp
def test_truncated_gguf_file(tmp_path: Path, smollm2_gguf: Path) -> None:
    truncated = tmp_path / "truncated.gguf"
    with smollm2_gguf.open("rb") as source:
        truncated.write_bytes(source.read(1_000_000))
    result = run_cli(
        "eval",
        "--model",
        f"llamacpp:{truncated}",
        "--tasks",
        "arithmetic_mc",
        workspace=tmp_path / "ws",
    )
    assert_one_line_error(result, str(truncated))
    assert_nothing_stored(tmp_path / "ws")


def test_unreachable_server(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/v1"
    result = run_cli(
        "eval",
        "--model",
        f"openai:{url}#some-model",
        "--tasks",
        "arithmetic_gen",
        workspace=tmp_path,
    )
    assert_one_line_error(result, "127.0.0.1:9")


def test_generation_task_on_the_random_baseline_fails_at_plan_time(tmp_path: Path) -> None:
    result = run_cli(
        "eval", "--model", "random", "--tasks", "arithmetic_gen", workspace=tmp_path / "ws"
    )
    assert_one_line_error(result, "generate_until")
    assert_nothing_stored(tmp_path / "ws")


def test_negative_limit(tmp_path: Path) -> None:
    result = run_cli(
        "eval", "--model", "random", "--tasks", "arithmetic_mc", "--limit", "0", workspace=tmp_path
    )
    assert_one_line_error(result, "--limit")


def test_unknown_run_id(tmp_path: Path) -> None:
    result = run_cli("results", "show", "deadbeef", workspace=tmp_path)
    assert_one_line_error(result, "deadbeef")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("eval", "-m", "random", "-t", "arithmetic_mc", "--limit", "abc"), "--limit"),
        (("eval", "-m", "random", "-t", "arithmetic_mc", "--batch-size", "2.5"), "--batch-size"),
        (("arena", "ratings", "--bootstrap", "many"), "--bootstrap"),
        (("judge", "ratings", "--bootstrap", "0"), "--bootstrap"),
        (("worker", "--once", "--poll-seconds", "soon"), "--poll-seconds"),
        (("serve", "--port", "http"), "--port"),
    ],
)
def test_a_bad_number_is_one_line_naming_the_option(
    tmp_path: Path, args: tuple[str, ...], option: str
) -> None:
    result = run_cli(*args, workspace=tmp_path / "ws")
    assert result.returncode == 2
    command = " ".join(takewhile(lambda arg: not arg.startswith("-"), args))
    assert_one_line_error(result, f"'{option}'", f"evalatlas {command} --help'")
    assert result.stdout == ""
    assert not (tmp_path / "ws").exists()  # refused before the command opened anything


def test_missing_and_unknown_options_are_one_line_too(tmp_path: Path) -> None:
    missing = run_cli("eval", "--model", "random", workspace=tmp_path)
    assert missing.returncode == 2
    assert_one_line_error(missing, "'--tasks'", "evalatlas eval --help'")
    unknown = run_cli(
        "eval", "-m", "random", "-t", "arithmetic_mc", "--limt", "5", workspace=tmp_path
    )
    assert unknown.returncode == 2
    assert_one_line_error(unknown, "--limt", "evalatlas eval --help'")


def test_a_group_without_a_command_still_shows_its_help(tmp_path: Path) -> None:
    shown = run_cli("results", workspace=tmp_path)
    assert shown.returncode == 2
    assert "evalatlas results [OPTIONS] COMMAND" in shown.stdout
    assert "error:" not in shown.stderr
