"""Scorers: how a task's samples are asked and graded, one class per way of answering.

A task file's ``output_type`` picks its scorer once, when the task is built
(``scorer_for``); a built-in task with grading of its own passes its scorer to the task
instead. Adding a way of scoring is one new ``Scorer`` subclass (for generated answers,
a ``GenerationScorer`` with a ``grade`` method) handed to a task: the runner only ever
talks to the task.
"""

from collections.abc import Callable

from evalatlas.tasks.config import TaskConfig
from evalatlas.tasks.scorers.base import Scorer
from evalatlas.tasks.scorers.choices import ChoiceLoglikelihoodScorer
from evalatlas.tasks.scorers.generation import (
    ExactMatchScorer,
    GenerationScorer,
    GenerationSettings,
)
from evalatlas.tasks.scorers.ifeval import IFEvalScorer
from evalatlas.tasks.scorers.math_answers import MathAnswerScorer
from evalatlas.tasks.scorers.perplexity import PerplexityScorer


def _choices(config: TaskConfig) -> Scorer:
    return ChoiceLoglikelihoodScorer(config.metrics(), config.target_delimiter)


def _exact_match(config: TaskConfig) -> Scorer:
    settings = GenerationSettings.from_config(config)
    return ExactMatchScorer(settings, config.filters(), config.metrics())


def _perplexity(config: TaskConfig) -> Scorer:
    return PerplexityScorer(config.metrics())


SCORERS_BY_OUTPUT_TYPE: dict[str, Callable[[TaskConfig], Scorer]] = {
    ChoiceLoglikelihoodScorer.output_type: _choices,
    ExactMatchScorer.output_type: _exact_match,
    PerplexityScorer.output_type: _perplexity,
}


def scorer_for(config: TaskConfig) -> Scorer:
    """The scorer a task file's ``output_type`` and metrics describe."""
    return SCORERS_BY_OUTPUT_TYPE[config.output_type](config)


__all__ = [
    "SCORERS_BY_OUTPUT_TYPE",
    "ChoiceLoglikelihoodScorer",
    "ExactMatchScorer",
    "GenerationScorer",
    "GenerationSettings",
    "IFEvalScorer",
    "MathAnswerScorer",
    "PerplexityScorer",
    "Scorer",
    "scorer_for",
]
