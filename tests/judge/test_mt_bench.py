"""MT-Bench and Arena-Hard loaders on the real data; answering and grading bookkeeping."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge import SingleItem
from evalatlas.judge.run import SingleJudge, grade_summary
from evalatlas.judge.run.answer_files import Question, read_answers
from evalatlas.judge.run.answering import AnswerConfig, generate_answers
from evalatlas.judge.run.arena_hard import BASELINE, baseline_items, load_arena_hard
from evalatlas.judge.run.mt_bench import MtBench, load_mt_bench, pairwise_items

from .scripted import always, scripted_model

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def bench(shared_data: Path) -> MtBench:
    return load_mt_bench(shared_data / "mt_bench", models=["gpt-4", "alpaca-13b"])


def test_mt_bench_loads_80_two_turn_questions_with_references(bench: MtBench) -> None:
    assert len(bench.questions) == 80
    assert {len(q.turns) for q in bench.questions} == {2}
    categories = {q.category for q in bench.questions}
    assert categories == {
        "writing",
        "roleplay",
        "reasoning",
        "math",
        "coding",
        "extraction",
        "stem",
        "humanities",
    }
    assert sorted(bench.answers) == ["alpaca-13b", "gpt-4"]
    assert len(bench.references) == 30
    with_reference = {q.category for q in bench.questions if bench.references_for(q)}
    assert with_reference == {"math", "reasoning", "coding"}


def test_pairwise_items_judge_turn_two_with_turn_one(bench: MtBench) -> None:
    models = (("gpt-4", bench.answers_of("gpt-4")), ("alpaca-13b", bench.answers_of("alpaca-13b")))
    items = pairwise_items(bench, models, limit=3)
    assert len(items) == 6 and [i.turn for i in items] == [1, 2] * 3
    second = items[1]
    assert second.question_id == "81" and second.category == "writing"
    assert second.questions[0].startswith(
        "Compose an engaging travel blog post about a recent trip"
    )
    assert second.answers_a == bench.answers["gpt-4"]["81"]
    assert second.references == ()
    math_item = pairwise_items(bench, models, turns=(2,))[30]
    assert math_item.category == "math" and len(math_item.references) == 2


def test_unknown_model_names_the_known_ones(bench: MtBench) -> None:
    with pytest.raises(ConfigError, match="Did you mean 'gpt-4'"):
        bench.answers_of("gpt-4o")


def test_missing_directory_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--data-dir"):
        load_mt_bench(tmp_path / "absent")


def test_arena_hard_loads_500_questions_against_the_baseline(shared_data: Path) -> None:
    arena = load_arena_hard(shared_data / "arena_hard" / "data" / "arena-hard-v0.1")
    assert len(arena.questions) == 500 and arena.baseline == BASELINE == "gpt-4-0314"
    assert sorted(arena.answers) == ["gpt-3.5-turbo-0125", "gpt-4-0314", "gpt-4-0613"]
    items = baseline_items(arena, "gpt-4-0613", arena.answers_of("gpt-4-0613"), limit=4)
    assert [(i.model_a, i.model_b) for i in items] == [("gpt-4-0613", "gpt-4-0314")] * 4
    first = items[0]
    assert first.answer_b == arena.answers["gpt-4-0314"][str(first.question_id)][0]
    with pytest.raises(ConfigError, match="is the baseline"):
        baseline_items(arena, BASELINE, arena.answers_of(BASELINE))


def test_turn_two_is_asked_with_turn_one_as_chat() -> None:
    model, backend = scripted_model(lambda prompt: f"answer to: {prompt}")
    questions = [
        Question("1", "math", ("What is 2+2?", "Double it.")),
        Question("2", None, ("Hi",)),
    ]
    answers = generate_answers(model, questions, AnswerConfig(max_tokens=32))
    assert answers == {
        "1": ("answer to: What is 2+2?", "answer to: Double it."),
        "2": ("answer to: Hi",),
    }
    first_turns, second_turns = backend.batches
    assert len(first_turns) == 2 and len(second_turns) == 1
    roles = [(m.role, m.content) for m in second_turns[0].messages or ()]
    assert roles == [
        ("user", "What is 2+2?"),
        ("assistant", "answer to: What is 2+2?"),
        ("user", "Double it."),
    ]


def test_grades_are_summarised_with_unscored_answers_counted() -> None:
    said = {"eight": "Fine. Rating: [[8]]", "six": "Rating: [[6]]", "four": "Rating: [[4]]"}
    model, _ = scripted_model(
        lambda prompt: next((v for k, v in said.items() if k in prompt), "No rating here.")
    )
    items = [
        SingleItem(f"i{n}", "mine", questions, answers, category=category)
        for n, (questions, answers, category) in enumerate(
            [
                (("q1",), ("eight",), "math"),
                (("q2",), ("six",), "math"),
                (("q3", "q3b"), ("a3", "a3b"), "writing"),
                (("q4",), ("four",), "writing"),
            ]
        )
    ]
    grades = SingleJudge(model).grade(items)
    assert [g.rating for g in grades] == [8.0, 6.0, None, 4.0]
    summary = {row.group: row.score for row in grade_summary(grades)}
    assert list(summary) == ["all", "turn 1", "turn 2", "math", "writing"]
    assert (summary["all"].value, summary["all"].n, summary["all"].n_unscored) == (6.0, 3, 1)
    assert summary["math"].value == 7.0 and summary["math"].ci_low < 7.0 < summary["math"].ci_high
    assert summary["turn 2"].n == 0 and math.isnan(summary["turn 2"].value)


def test_single_judge_grades_reference_categories_against_the_reference() -> None:
    model, backend = scripted_model(always("Rating: [[5]]"))
    item = SingleItem("x", "mine", ("What is 2+2?",), ("5",), references=("4",))
    SingleJudge(model).grade([item])
    message = backend.batches[0][0].messages[-1].content  # type: ignore[index]
    assert "<|The Start of Reference Answer|>\n4\n<|The End of Reference Answer|>" in message


def test_answer_files_in_the_plain_layout(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text('{"question_id": 7, "answer": "Yes.", "prompt": "Is it?"}\n')
    answers = read_answers(path)
    assert (answers.model, answers.answers, answers.prompts) == (
        "mine",
        {"7": ("Yes.",)},
        {"7": ("Is it?",)},
    )
    path.write_text('{"question_id": 7, "answer": "Yes."}\nnot json\n')
    with pytest.raises(DataError, match=r"mine\.jsonl:2: not JSON"):
        read_answers(path)
    path.write_text('{"question_id": 7}\n')
    with pytest.raises(DataError, match=r"mine\.jsonl:1: an answer needs"):
        read_answers(path)
