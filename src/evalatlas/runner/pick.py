"""Running a pick: every candidate loads, is checked against the constraints, and answers
the examples through ``evaluate`` (cached, resumable, stored), one candidate at a time.

A candidate that fails to load or to answer is recorded as failed with its message and the
others go on. Speed is what the backend computed (tokens generated, or requests answered
when the examples are multiple choice) over the seconds its batches took; answers that
came from the cache or a stored run are not timed, so a candidate answered entirely from
them has no speed. Memory is ``PeakMemory``'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from evalatlas.errors import AtlasError
from evalatlas.models import Model, load_model
from evalatlas.runner.evaluate import evaluate
from evalatlas.runner.model_cards import catalog_name, model_card_metadata
from evalatlas.runner.pick_constraints import Constraints, constraint_reasons
from evalatlas.runner.pick_memory import PeakMemory
from evalatlas.runner.plan import EvalConfig
from evalatlas.runner.progress import NullProgress, ProgressReporter
from evalatlas.store.protocol import Protocol
from evalatlas.store.records import MetricRecord
from evalatlas.store.workspace import Store
from evalatlas.tasks.task import Task

# What loading or running a real backend raises besides our own errors (a corrupt file,
# an out-of-memory allocation): the candidate fails, the pick goes on.
_CANDIDATE_FAILURES = (AtlasError, OSError, RuntimeError, ValueError, MemoryError)


class CandidateStatus(StrEnum):
    RAN = "ran"
    EXCLUDED = "excluded"
    FAILED = "failed"


@dataclass(frozen=True)
class Measured:
    seconds: float  # backend time of the batches it computed (cached answers take none)
    requests: int  # requests the backend computed
    generated_tokens: int  # tokens it generated (0 when the examples are multiple choice)
    peak_memory_bytes: int  # peak RSS of the process while loaded and answering
    added_memory_bytes: int  # that peak minus the RSS before loading

    @property
    def tokens_per_second(self) -> float | None:
        """Generated tokens per second (None without generation or timing)."""
        if not self.generated_tokens or self.seconds <= 0:
            return None
        return self.generated_tokens / self.seconds

    @property
    def requests_per_second(self) -> float | None:
        """Computed requests per second: a multiple-choice option scored is one request."""
        return self.requests / self.seconds if self.requests and self.seconds > 0 else None


@dataclass(frozen=True)
class CandidateRun:
    reference: str
    name: str
    status: CandidateStatus
    reasons: tuple[str, ...]
    parameters: int | None = None
    licence: str | None = None
    run_id: str | None = None
    metric: MetricRecord | None = None
    item_scores: dict[str, float] = field(default_factory=dict)
    measured: Measured | None = None
    protocol: Protocol | None = None


@dataclass(frozen=True)
class PickRun:
    """What a pick runs: the task, the metric it ranks by, the run settings."""

    task: Task
    metric: str
    config: EvalConfig
    constraints: Constraints = field(default_factory=Constraints)
    batch_size: int | None = None


def run_pick(
    references: Sequence[str],
    pick: PickRun,
    store: Store,
    progress: ProgressReporter | None = None,
) -> list[CandidateRun]:
    """Every candidate of ``references``, in the order given, ran, excluded or failed."""
    reporter = progress or NullProgress()
    runs = [_candidate(reference, pick, store, reporter) for reference in references]
    return _distinct_names(runs)


def _distinct_names(runs: list[CandidateRun]) -> list[CandidateRun]:
    """Names that tell candidates apart: a name two candidates share (the random baseline
    with two seeds) gets the reference added."""
    counts = Counter(run.name for run in runs)
    return [
        replace(run, name=f"{run.name} ({run.reference})") if counts[run.name] > 1 else run
        for run in runs
    ]


def _candidate(
    reference: str, pick: PickRun, store: Store, reporter: ProgressReporter
) -> CandidateRun:
    with PeakMemory() as memory:
        try:
            model = load_model(reference, batch_size=pick.batch_size)
        except _CANDIDATE_FAILURES as error:
            return CandidateRun(reference, reference, CandidateStatus.FAILED, (f"load: {error}",))
        try:
            return _checked_and_run(model, pick, store, reporter, memory)
        except _CANDIDATE_FAILURES as error:
            return CandidateRun(
                reference, _name(model), CandidateStatus.FAILED, (f"answering: {error}",)
            )
        finally:
            model.close()


def _checked_and_run(
    model: Model, pick: PickRun, store: Store, reporter: ProgressReporter, memory: PeakMemory
) -> CandidateRun:
    info = model.info
    card = model_card_metadata(info)
    parameters = card.get("parameters")
    licence = card.get("licence")
    known = CandidateRun(
        info.reference,
        _name(model),
        CandidateStatus.EXCLUDED,
        (),
        parameters if isinstance(parameters, int) else None,
        licence if isinstance(licence, str) else None,
    )
    kept, reasons = constraint_reasons(
        pick.constraints, card, (info.reference, info.fingerprint), store
    )
    if not kept:
        return replace(known, reasons=tuple(reasons))
    outcome = evaluate(model, [pick.task], pick.config, store, reporter)[0]
    result = outcome.result
    metric = next((m for m in result.metrics if m.name == pick.metric), None)
    scores = (
        store.sample_scores_by_id(result.details_path, pick.metric) if result.details_path else {}
    )
    usage = model.usage
    memory.sample_now()  # the model is still loaded: its memory counts
    measured = Measured(
        usage.seconds,
        usage.unique_requests - usage.cached,
        usage.generated_tokens,
        memory.peak_bytes,
        memory.added_bytes,
    )
    if outcome.reused:
        reasons.append(f"reused stored run {result.run_id[:8]}")
    return replace(
        known,
        status=CandidateStatus.RAN,
        reasons=tuple(reasons or ["no constraint given"]),
        run_id=result.run_id,
        metric=metric,
        item_scores=scores,
        measured=measured,
        protocol=Protocol.of(result.spec, result.n_samples),
    )


def _name(model: Model) -> str:
    return catalog_name(model.info.reference) or model.info.name
