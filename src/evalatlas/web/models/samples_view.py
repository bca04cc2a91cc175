"""The per-sample browser: what was asked, what the model answered, the gold answer and
the score, one page at a time.

"Wrong" means scored below 1 on the run's headline metric (the metric the leaderboard
shows for the task, else the run's first metric) or not scored at all.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from evalatlas.store import EvalResult, SampleRecord
from evalatlas.web.errors import InvalidParameter, NotFound
from evalatlas.web.params import ParamReader, check_page

SAMPLE_PARAMS = ("wrong", "metric", "page", "per_page")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class SampleQuery:
    metric: str | None
    wrong_only: bool
    page: int
    per_page: int


def find_run(runs: list[EvalResult], run_id: str, model_name: str) -> EvalResult:
    for run in runs:
        if run.run_id == run_id:
            return run
    raise NotFound(f"model {model_name!r} has no stored run {run_id!r}")


def run_metrics(result: EvalResult) -> list[str]:
    return [metric.name for metric in result.metrics]


def headline_metric(result: EvalResult, cited: dict[str, str]) -> str | None:
    """The metric the leaderboard shows for this run, else the run's first metric."""
    metrics = run_metrics(result)
    shown = cited.get(result.run_id)
    if shown in metrics:
        return shown
    return metrics[0] if metrics else None


def parse_sample_query(
    reader: ParamReader, result: EvalResult, headline: str | None
) -> SampleQuery:
    metrics = run_metrics(result)
    metric = reader.choice("metric", metrics, headline) if metrics else reader.text("metric")
    if metric is not None and metric not in metrics:
        raise InvalidParameter("metric", f"run {result.run_id} has no metric {metric!r}")
    wrong = reader.choice("wrong", ("0", "1"), "0")
    return SampleQuery(
        metric=metric,
        wrong_only=wrong == "1",
        page=reader.integer("page", 1, 1, MAX_PAGE),
        per_page=reader.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def is_wrong(record: SampleRecord, metric: str | None) -> bool:
    """Below 1 on ``metric``, or unscored there; without a metric, below 1 on any."""
    if metric is None:
        return any(not value >= 1.0 for value in record.scores.values())
    return not record.score(metric) >= 1.0  # NaN (unscored) is not right either


@dataclass(frozen=True)
class ChoiceView:
    text: str
    logprob: float | None
    is_greedy: bool | None
    picked: bool
    gold: bool


@dataclass(frozen=True)
class SampleView:
    sample_id: str
    prompt: str
    choices: tuple[ChoiceView, ...]
    generation: str | None
    logprobs: tuple[float | None, ...]  # rolling log-likelihoods (no choices, no text)
    extracted: str | None
    gold: str
    score: float | None
    scores: dict[str, float | None]
    explanation: str | None
    wrong: bool


def sample_view(record: SampleRecord, metric: str | None) -> SampleView:
    generation = _generation(record)
    choices = _choices(record) if generation is None else ()
    logprobs: tuple[float | None, ...] = ()
    if generation is None and not choices:
        logprobs = tuple(_number(response.get("logprob")) for response in record.responses)
    explanation = record.metadata.get("explanation")
    return SampleView(
        sample_id=record.sample_id,
        prompt=record.prompt,
        choices=choices,
        generation=generation,
        logprobs=logprobs,
        extracted=record.extracted,
        gold=record.target,
        score=_number(record.score(metric)) if metric else None,
        scores={name: _number(value) for name, value in record.scores.items()},
        explanation=explanation if isinstance(explanation, str) else None,
        wrong=is_wrong(record, metric),
    )


def _generation(record: SampleRecord) -> str | None:
    texts = [r.get("text") for r in record.responses if isinstance(r.get("text"), str)]
    return "\n".join(str(text) for text in texts) if texts else None


def _choices(record: SampleRecord) -> tuple[ChoiceView, ...]:
    """Each choice with its log-prob when the responses line up with the choices."""
    responses = record.responses if len(record.responses) == len(record.choices) else []
    views = []
    for index, text in enumerate(record.choices):
        response = responses[index] if responses else {}
        greedy = response.get("is_greedy")
        views.append(
            ChoiceView(
                text=text,
                logprob=_number(response.get("logprob")),
                is_greedy=greedy if isinstance(greedy, bool) else None,
                picked=record.extracted is not None and text.strip() == record.extracted.strip(),
                gold=text.strip() == record.target.strip(),
            )
        )
    return tuple(views)


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    return None


@dataclass(frozen=True)
class SamplePage:
    samples: tuple[SampleView, ...]
    total: int  # samples matching the filter
    stored: int  # samples in the run
    pages: int


def sample_page(records: list[SampleRecord], query: SampleQuery) -> SamplePage:
    chosen = [r for r in records if is_wrong(r, query.metric)] if query.wrong_only else records
    start = (query.page - 1) * query.per_page
    shown = chosen[start : start + query.per_page]
    pages = max(1, math.ceil(len(chosen) / query.per_page))
    check_page(query.page, pages)
    views = tuple(sample_view(record, query.metric) for record in shown)
    return SamplePage(views, len(chosen), len(records), pages)


def sample_json(view: SampleView) -> dict[str, Any]:
    return {
        "sample_id": view.sample_id,
        "prompt": view.prompt,
        "choices": [asdict(choice) for choice in view.choices],
        "generation": view.generation,
        "logprobs": list(view.logprobs),
        "extracted": view.extracted,
        "gold": view.gold,
        "score": view.score,
        "scores": view.scores,
        "explanation": view.explanation,
        "wrong": view.wrong,
    }
