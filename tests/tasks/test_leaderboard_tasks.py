"""BBH and MMLU-Pro as the Open LLM Leaderboard v2 scores them, on the real local data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evalatlas.errors import DataError
from evalatlas.requests import LoglikelihoodRequest
from evalatlas.tasks import PromptOptions, resolve_tasks
from evalatlas.tasks.configured import ConfigTask

BBH_SUBTASKS = [
    "boolean_expressions",
    "causal_judgement",
    "date_understanding",
    "disambiguation_qa",
    "formal_fallacies",
    "geometric_shapes",
    "hyperbaton",
    "logical_deduction_five_objects",
    "logical_deduction_seven_objects",
    "logical_deduction_three_objects",
    "movie_recommendation",
    "navigate",
    "object_counting",
    "penguins_in_a_table",
    "reasoning_about_colored_objects",
    "ruin_names",
    "salient_translation_error_detection",
    "snarks",
    "sports_understanding",
    "temporal_sequences",
    "tracking_shuffled_objects_five_objects",
    "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects",
    "web_of_lies",
]
# BIG-Bench Hard's free-form tasks: the leaderboard's log-likelihood variant has none of them.
FREE_FORM = {"dyck_languages", "multistep_arithmetic_two", "word_sorting"}
# Questions of the original BBH files whose target is not one of their options.
TARGETS_OUTSIDE_CHOICES = {
    ("bbh_movie_recommendation", "163"): "Monsters, Inc",
    ("bbh_ruin_names", "99"): "dearth, wind, & fire",
    ("bbh_ruin_names", "144"): "rita, sue and bob poo",
}


def config_task(name: str) -> ConfigTask:
    (task,) = resolve_tasks(name)
    assert isinstance(task, ConfigTask)
    return task


def cot_prompt(shared_data: Path, name: str) -> tuple[str, list[tuple[str, str]]]:
    """The header of BBH's cot-prompts/<name>.txt after its "-----" line, and its questions
    with the answer each chain of thought ends with, read line by line (the adapter splits
    the text another way)."""
    lines = (shared_data / "bbh" / "cot-prompts" / f"{name}.txt").read_text().splitlines()
    first_question = next(i for i, line in enumerate(lines) if line.startswith("Q: "))
    header = "\n".join(lines[lines.index("-----") + 1 : first_question - 1])
    examples: list[tuple[str, str]] = []
    question: list[str] = []
    for line in lines[first_question:]:
        if line.startswith("Q: "):
            question = [line.removeprefix("Q: ")]
            continue
        if line.startswith("A: Let's think step by step."):
            examples.append(("\n".join(question), ""))
            question = []
        elif question:
            question.append(line)
            continue
        final = line.rsplit("So the answer is ", 1)
        if len(final) == 2:
            examples[-1] = (examples[-1][0], final[1].removesuffix("."))
    return header, examples


def bbh_questions(shared_data: Path, name: str) -> list[dict[str, str]]:
    path = shared_data / "bbh" / "bbh" / f"{name}.json"
    examples: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["examples"]
    return examples


def test_bbh_group_is_the_leaderboards_24_subtasks() -> None:
    tasks = resolve_tasks("bbh")
    assert [task.name for task in tasks] == [f"bbh_{name}" for name in BBH_SUBTASKS]
    for task in tasks:
        assert isinstance(task, ConfigTask)
        assert task.group == "bbh"
        assert task.default_num_fewshot == 3
        assert task.metric_names() == ["acc_norm"]
        assert task.config.target_delimiter == ""
        assert isinstance(task.config.doc_to_choice, tuple)
        assert task.n_choices == len(task.config.doc_to_choice)
    n_choices = {task.name.removeprefix("bbh_"): task.n_choices for task in tasks}
    assert n_choices["boolean_expressions"] == 2
    assert n_choices["object_counting"] == 19
    assert n_choices["geometric_shapes"] == 11
    assert n_choices["reasoning_about_colored_objects"] == 18


@pytest.mark.shared_data
def test_every_bbh_subtask_loads_with_golds_among_its_choices(shared_data: Path) -> None:
    on_disk = {path.stem for path in (shared_data / "bbh" / "bbh").glob("*.json")}
    assert on_disk - set(BBH_SUBTASKS) == FREE_FORM
    outside: dict[tuple[str, str], str] = {}
    total = 0
    for task in resolve_tasks("bbh"):
        data = task.load(shared_data, limit=None)
        name = task.name.removeprefix("bbh_")
        prompts = shared_data / "bbh" / "cot-prompts" / f"{name}.txt"
        assert data.source.endswith(f"few-shot pool: local:{prompts} (adapter bbh_cot_prompt)")
        assert [s.id for s in data.fewshot_pool] == ["fewshot-0", "fewshot-1", "fewshot-2"]
        total += len(data.samples)
        for sample in [*data.samples, *data.fewshot_pool]:
            if isinstance(sample.target, int) and 0 <= sample.target < len(sample.choices):
                continue
            outside[(task.name, sample.id)] = str(sample.target)
    assert total == 5761  # 6,511 BBH questions less the 750 of the free-form tasks
    assert outside == TARGETS_OUTSIDE_CHOICES


@pytest.mark.shared_data
def test_bbh_examples_are_the_cot_prompts_answered_directly(shared_data: Path) -> None:
    """The examples are BBH's own few-shot questions, each with the answer its chain of
    thought ends with, read from the prompt file (the task files hold none), and the
    description is the prompt's first part (for snarks, which the leaderboard follows with
    a blank line, both paragraphs)."""
    for name in BBH_SUBTASKS:
        header, examples = cot_prompt(shared_data, name)
        assert len(examples) == 3 and all(answer for _, answer in examples), name
        task = config_task(f"bbh_{name}")
        assert task.config.fewshot_config.samples is None
        pool = task.load(shared_data, limit=1).fewshot_pool
        assert [(s.doc["input"], s.doc["target"]) for s in pool] == examples, name
        golds = [s.choices[s.target] for s in pool if isinstance(s.target, int)]
        assert golds == [answer for _, answer in examples], name
        ending = "\n\n" if name == "snarks" else "\n"
        assert task.config.description == header + ending, name


def test_without_a_data_dir_bbh_runs_0_shot_and_refuses_examples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hub data set has only BBH's test split; the examples are in the prompt files. A
    stand-in for the hub client serves two made-up questions, so no network is needed."""
    import datasets

    asked: list[tuple[str, str | None, str]] = []

    def hub(path: str, name: str | None, *, split: str, **options: Any) -> list[dict[str, str]]:
        asked.append((path, name, split))
        return [{"input": f"made-up question {i} is", "target": "True"} for i in range(2)]

    monkeypatch.setattr(datasets, "load_dataset", hub)
    task = config_task("bbh_boolean_expressions")
    data = task.load(None, limit=2)
    assert asked == [("SaylorTwift/bbh", "boolean_expressions", "test[:2]")]  # no other split
    assert data.fewshot_pool == ()
    assert [p.prompt.count("Q: ") for p in task.prepare(data, PromptOptions(num_fewshot=0))] == [
        1,
        1,
    ]
    with pytest.raises(DataError) as refused:
        task.prepare(data, PromptOptions())
    assert str(refused.value) == (
        "bbh_boolean_expressions: the 3 few-shot examples come from BIG-Bench-Hard's"
        " cot-prompts/boolean_expressions.txt (github.com/suzgunmirac/BIG-Bench-Hard); pass a"
        " --data-dir holding bbh/cot-prompts/boolean_expressions.txt, or --num-fewshot 0"
    )


@pytest.mark.shared_data
def test_bbh_three_shot_prompt(shared_data: Path) -> None:
    """The exact prompt, its examples and question read from BBH's files."""
    task = config_task("bbh_boolean_expressions")
    data = task.load(shared_data, limit=1)
    (prepared,) = task.prepare(data, PromptOptions())
    _, examples = cot_prompt(shared_data, "boolean_expressions")
    question = bbh_questions(shared_data, "boolean_expressions")[0]
    assert [answer for _, answer in examples] == ["False", "False", "True"]
    assert prepared.prompt == (
        "Evaluate the result of a random Boolean expression.\n"
        + "".join(f"Q: {example}\nA:{answer}\n\n" for example, answer in examples)
        + f"Q: {question['input']}\nA:"
    )
    requests = [r for r in prepared.requests if isinstance(r, LoglikelihoodRequest)]
    # No delimiter: the choice follows "A:" directly, as in the leaderboard's requests.
    assert [(r.context, r.continuation) for r in requests] == [
        (prepared.prompt, "False"),
        (prepared.prompt, "True"),
    ]
    assert prepared.sample.target == ["False", "True"].index(question["target"])

    counting = config_task("bbh_object_counting")
    (first,) = counting.prepare(counting.load(shared_data, limit=1), PromptOptions())
    # A target of digits is an index, as in lm-evaluation-harness: "7" is the choice "7".
    assert isinstance(first.sample.target, int)
    assert first.sample.choices[first.sample.target] == first.sample.doc["target"]
    (example, answer), *_ = cot_prompt(shared_data, "object_counting")[1]
    assert answer.isdigit()
    assert first.prompt.startswith(
        "Questions that involve enumerating objects and asking the model to count them.\n"
        f"Q: {example}\nA:{answer}\n\n"
    )


@pytest.mark.shared_data
def test_mmlu_pro_loads_every_question(shared_data: Path) -> None:
    task = config_task("mmlu_pro")
    assert task.n_choices == 10
    assert task.metric_names() == ["acc"]
    assert task.default_num_fewshot == 5
    data = task.load(shared_data, limit=None)
    assert len(data.samples) == 12032
    assert data.fewshot_pool == ()  # the local copy has no validation split
    categories = set()
    for sample in data.samples:
        options = sample.doc["options"]
        assert 1 <= len(options) <= 10
        assert sample.choices == tuple("ABCDEFGHIJ"[: len(options)])
        assert sample.target == sample.doc["answer_index"]
        assert sample.metadata == {"category": sample.doc["category"]}
        categories.add(sample.doc["category"])
    assert len(categories) == 14


@pytest.mark.shared_data
def test_mmlu_pro_prompt_and_its_few_shot_pool(shared_data: Path, tmp_path: Path) -> None:
    task = config_task("mmlu_pro")
    data = task.load(shared_data, limit=1)
    (zero,) = task.prepare(data, PromptOptions(num_fewshot=0))
    assert zero.prompt == (
        "Typical advertising regulatory bodies suggest, for example that adverts must not:"
        " encourage _________, cause unnecessary ________ or _____, and must not cause"
        " _______ offence.\n"
        "A. Safe practices, Fear, Jealousy, Trivial\n"
        "B. Unsafe practices, Distress, Joy, Trivial\n"
        "C. Safe practices, Wants, Jealousy, Trivial\n"
        "D. Safe practices, Distress, Fear, Trivial\n"
        "E. Unsafe practices, Wants, Jealousy, Serious\n"
        "F. Safe practices, Distress, Jealousy, Serious\n"
        "G. Safe practices, Wants, Fear, Serious\n"
        "H. Unsafe practices, Wants, Fear, Trivial\n"
        "I. Unsafe practices, Distress, Fear, Serious\n"
        "Answer:"
    )
    assert [r.continuation for r in zero.requests if isinstance(r, LoglikelihoodRequest)] == list(
        "ABCDEFGHI"
    )
    assert zero.sample.target == 8
    # The leaderboard's 5 shots come from the validation split, which is not in the local
    # copy: a few-shot run says so instead of taking examples from elsewhere.
    with pytest.raises(DataError, match=r"5-shot needs a few-shot pool.*validation\.jsonl"):
        task.prepare(data, PromptOptions())

    # With a validation file beside the test file, its first five questions are the shots.
    local = tmp_path / "data" / "mmlu_pro"
    local.mkdir(parents=True)
    (local / "test.jsonl").symlink_to(shared_data / "mmlu_pro" / "test.jsonl")
    shot = {"options": ["no", "yes"], "answer": "B", "answer_index": 1, "category": "other"}
    shots = [{"question": f"Shot {i}?", **shot} for i in range(6)]
    (local / "validation.jsonl").write_text("".join(json.dumps(row) + "\n" for row in shots))
    (five,) = task.prepare(task.load(tmp_path / "data", limit=1), PromptOptions())
    examples = "".join(f"Shot {i}?\nA. no\nB. yes\nAnswer:B\n\n" for i in range(5))
    assert five.prompt == examples + zero.prompt


@pytest.mark.shared_data
def test_eval_on_the_random_baseline_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    """Two BBH questions (3-shot) and two MMLU-Pro questions (0-shot: no local shots)
    through `evalatlas eval`, stored and read back."""
    env = {**os.environ, "EVALATLAS_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "evalatlas", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    common = ["--model", "random", "--limit", "2", "--data-dir", str(shared_data)]
    results = []
    for tasks, extra in (("bbh_date_understanding", []), ("mmlu_pro", ["--num-fewshot", "0"])):
        out = tmp_path / f"{tasks}.json"
        run = cli("eval", "--tasks", tasks, *common, *extra, "--output", str(out))
        assert run.returncode == 0, run.stderr
        results += json.loads(out.read_text(encoding="utf-8"))
    assert [(r["spec"]["task"], r["spec"]["num_fewshot"]) for r in results] == [
        ("bbh_date_understanding", 3),
        ("mmlu_pro", 0),
    ]
    assert [[m["name"] for m in r["metrics"]] for r in results] == [["acc_norm"], ["acc"]]
    assert all(r["metrics"][0]["n"] == 2 for r in results)

    shown = cli("results", "show", results[0]["run_id"][:8], "--json")
    detail = json.loads(shown.stdout)
    first = detail["samples"][0]
    (example, _), *_ = cot_prompt(shared_data, "date_understanding")[1]
    assert first["prompt"].startswith(f"Infer the date from context.\nQ: {example}\nA:(")
    assert first["prompt"].endswith("\nA:")
    assert first["prompt"].count("\nA:(") == 3  # the three answered examples
    assert first["choices"] == ["(A)", "(B)", "(C)", "(D)", "(E)", "(F)"]
    assert len(first["responses"]) == 6

    refused = cli("eval", "--tasks", "mmlu_pro", *common)
    assert refused.returncode != 0
    assert "validation.jsonl" in refused.stderr
    assert "Traceback" not in refused.stderr
