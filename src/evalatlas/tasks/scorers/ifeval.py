"""IFEval's grading of a generated response, strictly and loosely.

Four metrics come out:

- ``prompt_level_strict_acc`` / ``prompt_level_loose_acc``: the share of prompts whose
  instructions are all followed, a mean of 0/1 scores (Wilson interval);
- ``inst_level_strict_acc`` / ``inst_level_loose_acc``: the share of all instructions
  followed, pooled over prompts. The instructions of one prompt share one response, so
  they are not independent: the interval is clustered by prompt (``ratio_metric``).

Each sample's outcome lists every instruction with its strict and loose verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evalatlas.data import Sample
from evalatlas.errors import ConfigError, DataError
from evalatlas.scoring import IFEVAL_METRICS, higher_is_better, mean_metric, ratio_metric
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.ifeval import IFEvalVerdict, build_checkers, follow_instructions
from evalatlas.scoring.types import MetricValue
from evalatlas.tasks.scorers.generation import GenerationScorer
from evalatlas.tasks.task import SampleOutcome

# Keys of ``SampleOutcome.extra`` (and so of the record's ``metadata.outcome``).
INSTRUCTIONS_KEY = "instructions"
GIVEN_KEY = "instructions_given"
FOLLOWED_KEYS = {False: "followed_strict", True: "followed_loose"}


class IFEvalScorer(GenerationScorer):
    """Grades a response against the instructions of its row (``instruction_id_list``,
    ``kwargs``, ``prompt``)."""

    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of("ifeval", self.identity_settings())

    def metric_names(self) -> list[str]:
        return list(IFEVAL_METRICS)

    def higher_is_better(self, metric: str) -> bool:
        return higher_is_better(metric)

    def hash_extra(self) -> dict[str, Any]:
        # The name this grading was hashed under before scorers were objects: stored
        # results of IFEval keep their task hash.
        return {"metrics": list(IFEVAL_METRICS), "scorer": "evalatlas.scoring.ifeval"}

    def check_sample(self, sample: Sample, where: str) -> None:
        """A malformed instruction fails when the data is read, not after generation."""
        instruction_ids, kwargs_list = instruction_fields(sample.doc, where)
        try:
            build_checkers(sample.input, instruction_ids, kwargs_list)
        except ConfigError as error:
            raise DataError(f"{where}: {error}") from None

    def grade(self, text: str, sample: Sample) -> SampleOutcome:
        instruction_ids, kwargs_list = instruction_fields(sample.doc, f"sample {sample.id}")
        verdict = follow_instructions(text, str(sample.doc["prompt"]), instruction_ids, kwargs_list)
        return outcome_of(verdict)

    def aggregate(
        self, outcomes: Sequence[SampleOutcome], rng: np.random.Generator
    ) -> dict[str, MetricValue]:
        given = [_count(outcome, GIVEN_KEY) for outcome in outcomes]
        metrics: dict[str, MetricValue] = {}
        for loose in (False, True):
            kind = "loose" if loose else "strict"
            prompt_level = f"prompt_level_{kind}_acc"
            metrics[prompt_level] = mean_metric(
                [outcome.scores.get(prompt_level, math.nan) for outcome in outcomes]
            )
            followed = [_count(outcome, FOLLOWED_KEYS[loose]) for outcome in outcomes]
            metrics[f"inst_level_{kind}_acc"] = ratio_metric(followed, given, rng)
        return {name: metrics[name] for name in IFEVAL_METRICS}


def outcome_of(verdict: IFEvalVerdict) -> SampleOutcome:
    """Scores of one prompt, with every instruction's strict and loose verdict kept."""
    given = verdict.instruction_count
    scores = {
        "prompt_level_strict_acc": float(verdict.prompt_strict),
        "inst_level_strict_acc": verdict.followed_count() / given,
        "prompt_level_loose_acc": float(verdict.prompt_loose),
        "inst_level_loose_acc": verdict.followed_count(loose=True) / given,
    }
    extra = {
        INSTRUCTIONS_KEY: [
            {"instruction_id": item.instruction_id, "strict": item.strict, "loose": item.loose}
            for item in verdict.instructions
        ],
        GIVEN_KEY: given,
        FOLLOWED_KEYS[False]: verdict.followed_count(),
        FOLLOWED_KEYS[True]: verdict.followed_count(loose=True),
    }
    return SampleOutcome(scores, None, _explanation(verdict), extra)


def _explanation(verdict: IFEvalVerdict) -> str:
    """One line per instruction: ``<id>: strict pass|fail, loose pass|fail``."""

    def word(followed: bool) -> str:
        return "pass" if followed else "fail"

    return "\n".join(
        f"{item.instruction_id}: strict {word(item.strict)}, loose {word(item.loose)}"
        for item in verdict.instructions
    )


def _count(outcome: SampleOutcome, key: str) -> float:
    value = outcome.extra.get(key)
    return float(value) if isinstance(value, int | float) else math.nan


def instruction_fields(
    row: Mapping[str, object], where: str
) -> tuple[Sequence[str], Sequence[Mapping[str, object] | None]]:
    """``instruction_id_list`` and ``kwargs`` of a row, checked to be lists."""
    instruction_ids = row.get("instruction_id_list")
    kwargs_list = row.get("kwargs")
    if not isinstance(instruction_ids, list | tuple) or not all(
        isinstance(item, str) for item in instruction_ids
    ):
        raise DataError(
            f"{where}: field 'instruction_id_list' must be a list of instruction ids,"
            f" got {instruction_ids!r}"
        )
    if not isinstance(kwargs_list, list | tuple) or not all(
        item is None or isinstance(item, Mapping) for item in kwargs_list
    ):
        raise DataError(
            f"{where}: field 'kwargs' must be a list with one mapping per instruction,"
            f" got {kwargs_list!r}"
        )
    return instruction_ids, kwargs_list
