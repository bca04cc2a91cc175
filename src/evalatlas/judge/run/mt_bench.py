"""MT-Bench: 80 two-turn questions in 8 categories, judged by a model.

    bench = load_mt_bench(Path("fastchat/llm_judge/data/mt_bench"))
    sampling = AnswerConfig(temperatures=AnswerTemperatures.MT_BENCH)  # FastChat's table
    answers = generate_answers(model, bench.questions[:3], sampling)  # or bench.answers["gpt-4"]
    grades = SingleJudge(judge).grade(single_items(bench, "my-model", answers))
    pairs = PairwiseJudge(judge).judge(pairwise_items(bench, "gpt-4", "vicuna-13b-v1.3"))

The directory has FastChat's layout: ``question.jsonl``, ``reference_answer/gpt-4.jsonl``
and ``model_answer/<model>.jsonl`` (flattened names such as ``mt_bench__question.jsonl``
are read too). As in MT-Bench, math, reasoning and coding questions are judged against
GPT-4's reference answers; turn 2 is judged with turn 1 as context. Answers generated for
comparison with published MT-Bench scores are sampled at FastChat's per-category
temperatures (``answering.AnswerTemperatures.MT_BENCH``), each question with its own seed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.items import PairwiseItem, SingleItem
from evalatlas.judge.run.answer_files import Question, read_answers, read_questions
from evalatlas.judge.run.bench_data import Answers, BenchData, read_model_answers

NEEDS_REFERENCE = frozenset({"math", "reasoning", "coding"})
REFERENCE_MODEL = "gpt-4"
_QUESTION_FILES = ("question.jsonl", "mt_bench__question.jsonl")
_REFERENCE_FILES = (
    f"reference_answer/{REFERENCE_MODEL}.jsonl",
    f"mt_bench__reference_answer__{REFERENCE_MODEL}.jsonl",
)


@dataclass(frozen=True)
class MtBench(BenchData):
    """Questions, reference answers (for the categories that use them) and the stored
    answers of every model in ``model_answer/``."""

    BENCH_NAME = "MT-Bench"

    directory: Path
    questions: tuple[Question, ...]
    references: Answers = field(default_factory=dict)
    answers: dict[str, Answers] = field(default_factory=dict)

    def references_for(self, question: Question) -> tuple[str, ...]:
        """GPT-4's reference answers when the question's category is judged against them."""
        if question.category not in NEEDS_REFERENCE:
            return ()
        return self.references.get(question.question_id, ())


def load_mt_bench(directory: Path, models: Sequence[str] | None = None) -> MtBench:
    """Read an MT-Bench directory; ``models`` limits which answer files are read."""
    if not directory.is_dir():
        raise ConfigError(
            f"MT-Bench data not found at {directory}: pass --data-dir with FastChat's "
            "llm_judge/data/mt_bench folder (question.jsonl, reference_answer/, model_answer/)"
        )
    questions = read_questions(_first_file(directory, _QUESTION_FILES))
    references: Answers = {}
    reference_file = _optional_file(directory, _REFERENCE_FILES)
    if reference_file is not None:
        references = read_answers(reference_file, REFERENCE_MODEL).answers
    answers = read_model_answers(directory, models)
    return MtBench(directory, tuple(questions), references, answers)


def _first_file(directory: Path, names: Sequence[str]) -> Path:
    found = _optional_file(directory, names)
    if found is None:
        raise DataError(f"{directory}: none of {', '.join(names)} found")
    return found


def _optional_file(directory: Path, names: Sequence[str]) -> Path | None:
    return next((directory / n for n in names if (directory / n).is_file()), None)


def _check_answered(model: str, answers: Answers, question: Question) -> tuple[str, ...]:
    given = answers.get(question.question_id)
    if given is None or len(given) < len(question.turns):
        raise DataError(
            f"MT-Bench: {model!r} has no answer to every turn of question {question.question_id}"
        )
    return given


@dataclass(frozen=True)
class _JudgedTurn:
    """One asked turn of a question, with its reference answers up to that turn (none when
    the references do not reach it) and each judged model's answers up to it."""

    question: Question
    turn: int
    references: tuple[str, ...]
    given: tuple[tuple[str, ...], ...]

    def item_id(self, models: str) -> str:
        return f"mt_bench:{self.question.question_id}:turn{self.turn}:{models}"

    @property
    def questions(self) -> tuple[str, ...]:
        return self.question.turns[: self.turn]


def _judged_turns(
    bench: MtBench,
    answers: Sequence[tuple[str, Answers]],
    turns: Sequence[int],
    limit: int | None,
) -> Iterator[_JudgedTurn]:
    """The asked turns of the first ``limit`` questions, once every model answered each
    turn of the question."""
    for question in bench.first(limit):
        given = [_check_answered(name, answered, question) for name, answered in answers]
        references = bench.references_for(question)
        for turn in turns:
            if turn <= len(question.turns):
                reached = references[:turn] if len(references) >= turn else ()
                upto = tuple(answer[:turn] for answer in given)
                yield _JudgedTurn(question, turn, reached, upto)


def pairwise_items(
    bench: MtBench,
    models: tuple[tuple[str, Answers], tuple[str, Answers]],
    *,
    turns: Sequence[int] = (1, 2),
    limit: int | None = None,
) -> list[PairwiseItem]:
    """Items comparing two models' answers on the first ``limit`` questions, per turn."""
    (name_a, _), (name_b, _) = models
    return [
        PairwiseItem(
            pair_id=judged.item_id(f"{name_a}|{name_b}"),
            model_a=name_a,
            model_b=name_b,
            questions=judged.questions,
            answers_a=judged.given[0],
            answers_b=judged.given[1],
            references=judged.references,
            category=judged.question.category,
            question_id=judged.question.question_id,
        )
        for judged in _judged_turns(bench, models, turns, limit)
    ]


def single_items(
    bench: MtBench,
    model: str,
    answers: Answers,
    *,
    turns: Sequence[int] = (1, 2),
    limit: int | None = None,
) -> list[SingleItem]:
    """Items grading one model's answers on the first ``limit`` questions, per turn."""
    return [
        SingleItem(
            item_id=judged.item_id(model),
            model=model,
            questions=judged.questions,
            answers=judged.given[0],
            references=judged.references,
            category=judged.question.category,
            question_id=judged.question.question_id,
        )
        for judged in _judged_turns(bench, [(model, answers)], turns, limit)
    ]
