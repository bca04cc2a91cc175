"""Arena-Hard v0.1: 500 hard prompts, each model judged against a baseline's answers.

    bench = load_arena_hard(Path("arena-hard-auto/data/arena-hard-v0.1"))
    items = baseline_items(bench, "gpt-4-0613", bench.answers_of("gpt-4-0613"), limit=50)
    pairs = PairwiseJudge(judge).judge(items)
    result = length_controlled_win_rates(
        PreferenceTable.from_records(baseline_preferences(pairs, bench.baseline)), seed=0
    )

The directory holds ``question.jsonl`` and ``model_answer/<model>.jsonl``; the baseline
of v0.1 is gpt-4-0314. Answers of any ``Model`` come from ``answering.generate_answers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.items import PairwiseItem
from evalatlas.judge.run.answer_files import Question, read_questions
from evalatlas.judge.run.bench_data import Answers, BenchData, read_model_answers

BASELINE = "gpt-4-0314"


@dataclass(frozen=True)
class ArenaHard(BenchData):
    BENCH_NAME = "Arena-Hard"

    directory: Path
    questions: tuple[Question, ...]
    answers: dict[str, Answers] = field(default_factory=dict)
    baseline: str = BASELINE


def load_arena_hard(directory: Path, baseline: str = BASELINE) -> ArenaHard:
    """Read an Arena-Hard data directory; the baseline's answers must be in it."""
    questions_file = directory / "question.jsonl"
    if not questions_file.is_file():
        raise ConfigError(
            f"Arena-Hard data not found at {directory}: pass --data-dir with arena-hard-auto's "
            "data/arena-hard-v0.1 folder (question.jsonl, model_answer/)"
        )
    answers = read_model_answers(directory)
    bench = ArenaHard(directory, tuple(read_questions(questions_file)), answers, baseline)
    bench.answers_of(baseline)
    return bench


def baseline_items(
    bench: ArenaHard, model: str, answers: Answers, *, limit: int | None = None
) -> list[PairwiseItem]:
    """Items pitting ``model`` (as model A) against the baseline on the first ``limit``
    questions; questions the model did not answer are an error, not silently skipped."""
    if model == bench.baseline:
        raise ConfigError(f"Arena-Hard: {model!r} is the baseline; judge another model")
    baseline = bench.answers_of(bench.baseline)
    items = []
    for question in bench.first(limit):
        qid = question.question_id
        if qid not in answers or qid not in baseline:
            who = model if qid not in answers else bench.baseline
            raise DataError(f"Arena-Hard: {who!r} has no answer to question {qid}")
        items.append(
            PairwiseItem(
                pair_id=f"arena_hard:{qid}:{model}|{bench.baseline}",
                model_a=model,
                model_b=bench.baseline,
                questions=question.turns[:1],
                answers_a=answers[qid][:1],
                answers_b=baseline[qid][:1],
                category=question.category,
                question_id=qid,
            )
        )
    return items
