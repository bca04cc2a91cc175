"""``evalatlas pick`` end to end: the bundled models and the random baseline answer small
example files written here, in a real workspace; the report is checked in JSON, Markdown
and the store. One workspace serves the module, so a model's answers computed by one test
are reused from the response cache by the next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.store.workspace import Store

from .test_bad_input import assert_one_line_error, run_cli

SMOLLM2 = "bundled:smollm2-135m-instruct"
GEMMA3 = "bundled:gemma3-270m"

# Easy questions the bundled instruction-tuned model answers (checked): 3 choices each.
MULTIPLE_CHOICE = [
    ("What color is the sky on a clear day?", ["blue", "green", "brown"], "blue"),
    ("What is the capital of France?", ["Berlin", "Paris", "Madrid"], "Paris"),
    ("How many legs does a dog have?", ["two", "four", "eight"], "four"),
    ("What do bees make?", ["milk", "honey", "glass"], "honey"),
    ("Which animal says meow?", ["cow", "cat", "duck"], "cat"),
    ("What is frozen water called?", ["steam", "ice", "sand"], "ice"),
    ("What is the opposite of hot?", ["cold", "loud", "tall"], "cold"),
    ("Which planet do we live on?", ["Mars", "Earth", "Jupiter"], "Earth"),
    ("What do you use to write on paper?", ["a pen", "a spoon", "a shoe"], "a pen"),
    ("How many days are in a week?", ["seven", "three", "twenty"], "seven"),
    ("What falls from clouds when it rains?", ["water", "rocks", "paper"], "water"),
    ("Which fruit is yellow and long?", ["banana", "grape", "cherry"], "banana"),
]
SUMS = [("2 + 2", "4"), ("3 + 5", "8"), ("10 + 10", "20"), ("7 - 2", "5")]


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pick-workspace")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pick-examples")
    choices = [
        {"prompt": f"Question: {q}\nAnswer:", "choices": c, "answer": a}
        for q, c, a in MULTIPLE_CHOICE
    ]
    sums = [{"prompt": f"Question: What is {q}?\nAnswer:", "answer": a} for q, a in SUMS]
    return {
        "choices": _write_jsonl(folder / "easy.jsonl", choices),
        "sums": _write_jsonl(folder / "sums.jsonl", sums),
    }


def _candidates(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in report["candidates"]}  # type: ignore[attr-defined,index]


@pytest.mark.llamacpp
@pytest.mark.slow
def test_a_model_clearly_better_than_random_is_recommended(
    workspace: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    markdown = tmp_path / "report.md"
    args = ["-e", str(files["choices"]), "-m", SMOLLM2, "-m", "random", "--json"]
    result = run_cli("pick", *args, "--markdown", str(markdown), workspace=workspace)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rec = report["recommendation"]
    assert rec["best"] == "smollm2-135m-instruct" and rec["tied_with_best"] == [rec["best"]]
    assert rec["sentence"].startswith("smollm2-135m-instruct is best: on the same 12 examples")
    model, baseline = _candidates(report).values()
    assert model["score"]["value"] >= 0.8 and model["score"]["n"] == 12  # type: ignore[index]
    assert model["parameters"] == 134_515_008 and model["requests_per_second"] > 0
    assert model["added_memory_bytes"] > 50 * 2**20  # a 98 MB model file, loaded
    assert baseline["at_chance"] and baseline["versus_best"]["p_adjusted"] < 0.05  # type: ignore[index]
    assert report["metric"] == "acc" and report["examples"]["mode"] == "multiple_choice"
    assert report["protocol"]["task_hash"] and report["recommendation"]["random_baseline"] == 1 / 3
    text = markdown.read_text(encoding="utf-8")
    assert report["examples"]["sha256"] in text and report["protocol_hash"] in text
    assert rec["sentence"] in text
    with Store.open(workspace) as store:
        stored = store.pick_reports().get(report["report_id"])
        assert stored.report["recommendation"] == rec
        runs = store.list_results(task=report["task"])
        assert {r.spec.model_reference for r in runs} == {SMOLLM2, "random"}


@pytest.mark.llamacpp
@pytest.mark.slow
def test_reference_answers_with_both_bundled_models_and_a_failing_candidate(
    workspace: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    markdown = tmp_path / "report.md"
    args = ["-e", str(files["sums"]), "--grading", "numeric", "--max-tokens", "6"]
    models = ["-m", SMOLLM2, "-m", GEMMA3, "-m", "random", "--markdown", str(markdown)]
    result = run_cli("pick", *args, *models, workspace=workspace)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "exact_match,numeric" in out and "n=4" in out
    # The random baseline cannot generate: shown as failed, and the others go on.
    rows = {line.split(" | ")[0]: line for line in markdown.read_text().splitlines()}
    assert "| failed |" in rows["| random baseline"]
    assert "cannot serve generate_until" in rows["| random baseline"]
    assert "| ran |" in rows["| smollm2-135m-instruct"] and "| ran |" in rows["| gemma3-270m"]
    # Four items cannot separate anything: McNemar's smallest p-value is 2 / 2^4.
    assert "With 4 examples, smollm2-135m-instruct and gemma3-270m cannot be told apart" in out
    assert "the smallest is smollm2-135m-instruct" in out
    assert "examples (about" in out and "to separate smollm2-135m-instruct from gemma3-270m" in out
    assert "tok/s" in out and "MiB" in out


@pytest.mark.llamacpp
@pytest.mark.slow
def test_constraints_say_why_each_candidate_is_in_or_out(
    workspace: Path, files: dict[str, Path]
) -> None:
    args = ["-e", str(files["sums"]), "--grading", "numeric", "--max-tokens", "6", "--json"]
    limits = ["--max-params", "200M", "--licence", "apache-2.0"]
    result = run_cli("pick", *args, "-m", SMOLLM2, "-m", GEMMA3, *limits, workspace=workspace)
    assert result.returncode == 0, result.stderr
    candidates = _candidates(json.loads(result.stdout))
    kept, left_out = candidates["smollm2-135m-instruct"], candidates["gemma3-270m"]
    assert kept["status"] == "ran"
    assert "135M parameters <= 200M" in kept["reasons"]
    assert "licence apache-2.0 allowed" in kept["reasons"]
    assert left_out["status"] == "excluded" and left_out["run_id"] is None
    assert left_out["reasons"] == ["268M parameters > 200M", "licence gemma not allowed"]

    none_left = run_cli("pick", *args, "-m", SMOLLM2, "--max-params", "100M", workspace=workspace)
    assert_one_line_error(none_left, "the constraints leave no candidate", "135M parameters > 100M")


def test_bad_examples_end_in_one_line(tmp_path: Path) -> None:
    mixed = _write_jsonl(
        tmp_path / "mixed.jsonl",
        [{"prompt": "a", "answer": "1"}, {"prompt": "b", "choices": ["x", "y"], "answer": "x"}],
    )
    result = run_cli("pick", "-e", str(mixed), "-m", "random", workspace=tmp_path)
    assert_one_line_error(result, "mixed.jsonl, line 2", "one file holds one kind")
    fine = _write_jsonl(tmp_path / "fine.jsonl", [{"prompt": "a", "answer": "1"}])
    bad_size = run_cli(
        "pick", "-e", str(fine), "-m", "random", "--max-params", "lots", workspace=tmp_path
    )
    assert_one_line_error(bad_size, "--max-params 'lots'")


def test_stored_results_filter_candidates_and_a_rerun_reuses_its_run(tmp_path: Path) -> None:
    rows = [
        {"prompt": f"Question: {q}\nAnswer:", "choices": c, "answer": a}
        for q, c, a in MULTIPLE_CHOICE
    ]
    examples = _write_jsonl(tmp_path / "easy.jsonl", rows)
    first = run_cli("pick", "-e", str(examples), "-m", "random", "--json", workspace=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    task = report["task"]
    assert task == "pick-" + report["examples"]["sha256"][:12]

    again = run_cli(
        "pick",
        "-e",
        str(examples),
        "-m",
        "random",
        "--min-score",
        f"{task}=0",
        "--json",
        workspace=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    (candidate,) = json.loads(again.stdout)["candidates"]
    assert candidate["status"] == "ran" and candidate["run_id"] == report["candidates"][0]["run_id"]
    assert candidate["reasons"][0].startswith(f"{task} acc ")
    assert ">= 0 (run " in candidate["reasons"][0]
    assert candidate["reasons"][1] == f"reused stored run {candidate['run_id'][:8]}"
    assert candidate["requests_per_second"] is None  # nothing was computed: no speed

    unknown = run_cli(
        "pick",
        "-e",
        str(examples),
        "-m",
        "random",
        "--min-score",
        "no_such_task=0.5",
        workspace=tmp_path,
    )
    assert_one_line_error(unknown, "the constraints leave no candidate", "no stored result on")


def test_a_candidate_without_a_chat_template_fails_and_says_so(tmp_path: Path) -> None:
    examples = _write_jsonl(
        tmp_path / "mc.jsonl", [{"prompt": "Sky?", "choices": ["blue", "red"], "answer": "blue"}]
    )
    args = ["-e", str(examples), "-m", "random", "--apply-chat-template"]
    result = run_cli("pick", *args, workspace=tmp_path)
    assert_one_line_error(result, "no candidate answered the examples", "has no chat template")
    assert "failed" in result.stdout and "No candidate answered" in result.stdout
