"""What the MT-Bench and Arena-Hard data sets share: questions in order, and the stored
answers of every model in the directory's ``model_answer/`` folder."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import ClassVar

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.judge.run.answer_files import Question, read_answers

Answers = dict[str, tuple[str, ...]]  # question id -> one answer per turn


class BenchData:
    """Methods over a benchmark's ``questions`` and its models' ``answers`` (the dataclass
    that mixes this in holds them and names the benchmark in ``BENCH_NAME``)."""

    BENCH_NAME: ClassVar[str]
    directory: Path
    questions: tuple[Question, ...]
    answers: dict[str, Answers]

    def first(self, limit: int | None) -> tuple[Question, ...]:
        """The first ``limit`` questions (all when None)."""
        if limit is not None and limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {limit}")
        return self.questions if limit is None else self.questions[:limit]

    def answers_of(self, model: str) -> Answers:
        if model not in self.answers:
            known = sorted(self.answers)
            raise ConfigError(
                f"{self.BENCH_NAME}: no answers of {model!r} in {self.directory / 'model_answer'}."
                f"{did_you_mean(model, known)} Known: {', '.join(known) or 'none'}"
            )
        return self.answers[model]


def read_model_answers(
    directory: Path, models: Collection[str] | None = None
) -> dict[str, Answers]:
    """The answers in ``directory/model_answer/<model>.jsonl``, by model (only ``models``'
    when given); none when the folder is missing."""
    return {
        path.stem: read_answers(path, path.stem).answers
        for path in sorted((directory / "model_answer").glob("*.jsonl"))
        if models is None or path.stem in models
    }
