"""A user's examples file: the three kinds told from the columns, and every bad input
refused in one line naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.tasks.pick_examples import ExampleMode, read_examples
from evalatlas.tasks.pick_task import Grading, GradingOptions, pick_task, primary_metric
from evalatlas.tasks.task import PromptOptions


def _jsonl(tmp_path: Path, rows: list[dict[str, object]], name: str = "ex.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_kind_is_told_from_the_columns(tmp_path: Path) -> None:
    reference = _jsonl(tmp_path, [{"prompt": "2+2=", "answer": 4}], "ref.jsonl")
    assert read_examples(reference).mode == ExampleMode.REFERENCE
    choices = _jsonl(
        tmp_path, [{"prompt": "Sky?", "choices": ["blue", "red"], "answer": "blue"}], "mc.jsonl"
    )
    read = read_examples(choices)
    assert read.mode == ExampleMode.MULTIPLE_CHOICE and read.rows[0]["label"] == 0
    prompts = _jsonl(tmp_path, [{"prompt": "Write a haiku"}], "open.jsonl")
    assert read_examples(prompts).mode == ExampleMode.PREFERENCE
    with pytest.raises(ConfigError, match="preference, which pick does not run yet"):
        pick_task(read_examples(prompts), GradingOptions())


def test_csv_choices_as_a_list_or_separated(tmp_path: Path) -> None:
    path = tmp_path / "mc.csv"
    path.write_text(
        'prompt,choices,answer\nSky?,blue | red,red\nGrass?,"[""green"", ""pink""]",green\n',
        encoding="utf-8",
    )
    read = read_examples(path)
    assert [row["choices"] for row in read.rows] == [["blue", "red"], ["green", "pink"]]
    assert [row["label"] for row in read.rows] == [1, 0]


def test_a_multiple_choice_task_is_built_and_hashed_by_its_examples(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"prompt": "Sky?", "choices": ["blue", "red"], "answer": "blue"},
        {"prompt": "Grass?", "choices": ["green", "pink"], "answer": "green"},
    ]
    task = pick_task(read_examples(_jsonl(tmp_path, rows)), GradingOptions())
    prepared = task.prepare(task.load(None, None), PromptOptions())
    assert len(prepared) == 2 and len(prepared[0].requests) == 2
    assert task.random_baseline() == 0.5
    assert primary_metric(task.examples, GradingOptions()) == "acc"
    rows[1]["answer"] = "pink"
    changed = pick_task(read_examples(_jsonl(tmp_path, rows, "b.jsonl")), GradingOptions())
    assert changed.content_hash() != task.content_hash() and changed.name != task.name


@pytest.mark.parametrize(
    ("grading", "answer", "text", "right"),
    [
        (Grading.NUMERIC, "1,200", "It is 1200.", True),
        (Grading.NUMERIC, "12", "12 or 13? 13", False),
        (Grading.NORMALISED, "The Eiffel Tower", "eiffel tower.", True),
        (Grading.EXACT, "Paris", "paris", False),
        (Grading.REGEX, "B", "The answer is (B).", True),
    ],
)
def test_reference_answers_are_graded_as_asked(
    tmp_path: Path, grading: Grading, answer: str, text: str, right: bool
) -> None:
    path = _jsonl(tmp_path, [{"prompt": "Q?", "answer": answer}])
    regex = r"\(([A-D])\)" if grading == Grading.REGEX else None
    task = pick_task(read_examples(path), GradingOptions(grading, regex))
    sample = task.load(None, None).samples[0]
    outcome = task.scorer.grade(text, sample)  # type: ignore[attr-defined]
    assert outcome.scores[f"exact_match,{grading.value}"] == (1.0 if right else 0.0)


BAD = [
    (
        [{"prompt": "a", "answer": "1"}, {"prompt": "b", "choices": ["x", "y"], "answer": "x"}],
        "line 2: a multiple_choice example, but line 1 is a reference example",
    ),
    ([{"prompt": "a", "answer": "1"}, {"prompt": "b"}], "line 2: a preference example"),
    ([{"prompt": "  ", "answer": "1"}], "line 1: empty prompt"),
    (
        [{"prompt": "Same  thing", "answer": "1"}, {"prompt": "Same thing", "answer": "2"}],
        "line 2: the same prompt as line 1",
    ),
    ([{"prompt": "a", "choices": ["x", "y"], "answer": "z"}], "line 1: answer 'z' is not one"),
    ([{"prompt": "a", "choices": ["x", "x"], "answer": "x"}], "the same choice twice"),
    ([{"prompt": "a", "choices": ["x", "y"]}], "choices without an answer"),
    ([{"prompt": "a", "label": "1"}], "unknown column 'label'"),
    ([{"answer": "1"}], "line 1: no prompt"),
]


@pytest.mark.parametrize(("rows", "message"), BAD)
def test_bad_examples_are_refused_naming_the_line(
    tmp_path: Path, rows: list[dict[str, object]], message: str
) -> None:
    path = _jsonl(tmp_path, rows)
    with pytest.raises(DataError, match=message) as raised:
        read_examples(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_non_utf8_too_many_and_wrong_format_are_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"prompt": "ok", "answer": "1"}\n{"prompt": "caf\xe9", "answer": "2"}\n')
    with pytest.raises(DataError, match="line 2: not UTF-8 text"):
        read_examples(latin)
    many = _jsonl(tmp_path, [{"prompt": f"q{i}", "answer": "1"} for i in range(5)])
    with pytest.raises(DataError, match="5 examples, more than the limit of 4"):
        read_examples(many, max_examples=4)
    text = tmp_path / "ex.txt"
    text.write_text("prompt\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"must be a \.jsonl or \.csv file"):
        read_examples(text)
    with pytest.raises(DataError, match="no such examples file"):
        read_examples(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.csv"
    empty.write_text("prompt,answer\n", encoding="utf-8")
    with pytest.raises(DataError, match="no examples"):
        read_examples(empty)
