"""Turn prepared samples, responses and outcomes into stored ``SampleRecord``s."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from evalatlas.jsonio import dumps
from evalatlas.requests import AnyRequest, AnyResponse, Generation, LoglikelihoodResult
from evalatlas.scoring.types import MetricValue
from evalatlas.store.records import MetricRecord, SampleRecord
from evalatlas.tasks.task import PreparedSample, SampleOutcome

TRUNCATED_KEY = "truncated_requests"
"""Metadata key of a sample record: how many of its requests had their context cut."""


def sample_record(
    prepared: PreparedSample, responses: list[AnyResponse], outcome: SampleOutcome
) -> SampleRecord:
    sample = prepared.sample
    return SampleRecord(
        sample_id=sample.id,
        prompt=prepared.prompt,
        choices=list(sample.choices),
        target=_target_text(sample.target, sample.choices),
        requests=[_request_dict(r) for r in prepared.requests],
        responses=[_json_safe(asdict(r)) for r in responses],
        extracted=outcome.extracted,
        scores={name: float(value) for name, value in outcome.scores.items()},
        metadata=_json_safe(_metadata(sample.metadata, outcome, truncated_requests(responses))),
    )


def truncated_requests(responses: list[AnyResponse]) -> int:
    """How many of a sample's requests had their context cut from the left to fit."""
    return sum(
        1 for r in responses if isinstance(r, LoglikelihoodResult | Generation) and r.truncated
    )


def _metadata(
    sample_metadata: Mapping[str, Any], outcome: SampleOutcome, truncated: int
) -> dict[str, Any]:
    # Per-sample numbers that are not scores (e.g. a document's log-likelihood, words and
    # bytes behind corpus perplexity) are kept so aggregates can be recomputed from records.
    metadata = dict(sample_metadata)
    if outcome.extra:
        metadata["outcome"] = dict(outcome.extra)
    if outcome.explanation:
        metadata["explanation"] = outcome.explanation
    if truncated:
        metadata[TRUNCATED_KEY] = truncated
    return metadata


def _request_dict(request: AnyRequest) -> dict[str, Any]:
    data: dict[str, Any] = _json_safe(asdict(request))
    data["kind"] = str(request.kind)
    return data


def _target_text(target: object, choices: tuple[str, ...]) -> str:
    if isinstance(target, int) and 0 <= target < len(choices):
        return choices[target]
    if isinstance(target, tuple):
        return " | ".join(choices[i] for i in target if 0 <= i < len(choices))
    return str(target)


def _json_safe(value: Any) -> Any:
    """``value`` as its stored JSON reads back: the project's JSON policy (a non-finite
    number is null, tuples are lists) and any other object as its text."""
    return json.loads(dumps(value, default=str))


def metric_record(name: str, value: MetricValue, *, higher_is_better: bool = True) -> MetricRecord:
    """The stored form of an aggregated metric: its value's fields, named and directed."""
    return MetricRecord(name=name, higher_is_better=higher_is_better, **asdict(value))
