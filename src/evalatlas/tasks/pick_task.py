"""The task a user's examples become: a ``ConfigTask`` over rows read from their file.

Its name and content hash carry the sha256 of the examples, so the same file is the same
task (cached and reused), and any edit to it is a new one. Reference answers are graded on
the generated text in one of the ways ``Grading`` names; multiple choice is scored by
log-likelihood like every other multiple-choice task.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError
from evalatlas.tasks.config import parse_task_config
from evalatlas.tasks.configured import ConfigTask
from evalatlas.tasks.pick_examples import ExampleMode, Examples
from evalatlas.tasks.task import TaskData

GROUP = "pick"
# The last number in the answer, with an optional sign, thousands commas and decimals.
NUMBER_PATTERN = r"-?\d[\d,]*(?:\.\d+)?"


class Grading(StrEnum):
    EXACT = "exact"  # the first line of the answer, as written
    NORMALISED = "normalised"  # case, punctuation, articles and spacing ignored
    NUMERIC = "numeric"  # the last number in the answer, compared as a number
    REGEX = "regex"  # what the user's pattern extracts (first match, group 1 if any)


@dataclass(frozen=True)
class GradingOptions:
    grading: Grading = Grading.NORMALISED
    answer_regex: str | None = None
    max_tokens: int = 32


def primary_metric(examples: Examples, options: GradingOptions) -> str:
    """The metric a pick ranks by."""
    if examples.mode == ExampleMode.MULTIPLE_CHOICE:
        return "acc"
    return f"exact_match,{options.grading.value}"


class PickTask(ConfigTask):
    """A task built from checked examples; ``load`` returns them whatever the data dir."""

    def __init__(self, examples: Examples, options: GradingOptions) -> None:
        origin = str(examples.path)
        definition = _definition(examples, options)
        super().__init__(parse_task_config(definition, origin), origin=origin)
        self.examples = examples

    def _hash_extra(self) -> dict[str, Any]:
        return {**super()._hash_extra(), "examples_sha256": self.examples.sha256}

    def load(self, data_dir: Path | None, limit: int | None) -> TaskData:
        if limit is not None and limit < 0:
            raise ConfigError(f"task {self.name}: limit must be >= 0, got {limit}")
        source = f"examples:{self.examples.path.name} (sha256 {self.examples.sha256[:12]})"
        return self.build_task_data(list(self.examples.rows), limit, [], source)


def pick_task(examples: Examples, options: GradingOptions) -> PickTask:
    """The task of ``examples``; ConfigError when they need what pick cannot grade yet."""
    if examples.mode == ExampleMode.PREFERENCE:
        raise ConfigError(
            f"{examples.path}: prompts without answers are compared by preference, which"
            " pick does not run yet; add an 'answer' (or 'choices' and 'answer') to each line"
        )
    if options.grading == Grading.REGEX and not options.answer_regex:
        raise ConfigError("--grading regex needs --answer-regex PATTERN")
    if options.answer_regex and options.grading != Grading.REGEX:
        raise ConfigError("--answer-regex is used only with --grading regex")
    if options.max_tokens < 1:
        raise ConfigError(f"--max-tokens must be at least 1, got {options.max_tokens}")
    return PickTask(examples, options)


def _definition(examples: Examples, options: GradingOptions) -> dict[str, Any]:
    common: dict[str, Any] = {
        "task": f"pick-{examples.sha256[:12]}",
        "group": GROUP,
        "doc_to_text": "prompt",
        "num_fewshot": 0,
    }
    description = f"{examples.n} examples from {examples.path.name}"
    if examples.mode == ExampleMode.MULTIPLE_CHOICE:
        sizes = {len(row["choices"]) for row in examples.rows}
        metadata: dict[str, Any] = {"version": 1, "description": description}
        if len(sizes) == 1:
            metadata["n_choices"] = sizes.pop()
        return {
            **common,
            "output_type": "multiple_choice",
            "doc_to_choice": "choices",
            "doc_to_target": "label",
            "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}],
            "metadata": metadata,
        }
    return {
        **common,
        "output_type": "generate_until",
        "doc_to_target": "answer",
        "generation_kwargs": {"until": ["\n"], "max_gen_toks": options.max_tokens},
        "filter_list": [{"name": options.grading.value, "filter": _filter(options)}],
        "metric_list": [_metric(options.grading)],
        "metadata": {"version": 1, "description": description},
    }


def _filter(options: GradingOptions) -> list[dict[str, Any]]:
    if options.grading == Grading.NUMERIC:
        step = {"function": "regex", "regex_pattern": NUMBER_PATTERN, "group_select": -1}
        return [step, {"function": "take_first"}]
    if options.grading == Grading.REGEX:
        return [{"function": "regex", "regex_pattern": options.answer_regex}]
    return [{"function": "take_first"}]


def _metric(grading: Grading) -> dict[str, Any]:
    if grading == Grading.NUMERIC:
        return {"metric": "exact_match", "normalisers": ["number"]}
    if grading == Grading.NORMALISED:
        return {
            "metric": "exact_match",
            "ignore_case": True,
            "ignore_punctuation": True,
            "normalisers": ["remove_articles", "collapse_whitespace", "strip"],
        }
    if grading == Grading.REGEX:
        return {"metric": "exact_match", "ignore_case": True, "normalisers": ["strip"]}
    return {"metric": "exact_match", "normalisers": ["strip"]}
