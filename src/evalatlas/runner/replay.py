"""Replay: re-run an eval card from scratch and say whether the result reproduces.

Nothing is reused: no stored result, no cached response. The replay's per-sample records
are compared with the stored ones (``replay_compare``), and the verdict is kept in the
store. A replay that cannot be compared says why instead of calling it a drift: the data
changed (a part's fingerprint differs), the task changed (its hash), or the model did.

The backend declares how exact it is (``declared_tolerance``): llama.cpp, and float32
``hf`` scoring every request on its own in the run's own batches, are bit-exact; ``hf``
with prefix sharing (tree attention), or in batches of other shapes, agrees to
``TREE_TOLERANCE`` nats, so a replay within it passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from evalatlas.errors import ConfigError, StoreError
from evalatlas.jsonio import json_ready
from evalatlas.models import Model, load_model
from evalatlas.models.backends.hf import TREE_TOLERANCE
from evalatlas.models.base import ModelInfo
from evalatlas.runner.evaluate import evaluate_planned
from evalatlas.runner.groups import GROUP_VERSION
from evalatlas.runner.model_cards import model_card_metadata
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.plan import EvalConfig, PlannedTask, check_config, plan_task, prompt_options
from evalatlas.runner.replay_compare import SampleComparison, compare_samples
from evalatlas.runner.replay_inputs import (
    check_complete,
    check_model_file,
    rebuild_task,
    replay_data_dir,
)
from evalatlas.runner.suite import SUITE_VERSION
from evalatlas.store.cards import Card, card_of
from evalatlas.store.records import CARD_FIELDS, EvalResult, EvalSpec, SampleRecord
from evalatlas.store.replays import ReplayVerdict
from evalatlas.store.workspace import Store
from evalatlas.tasks.task import Task


class Verdict(StrEnum):
    IDENTICAL = "identical"
    WITHIN_TOLERANCE = "within_tolerance"
    DRIFTED = "drifted"
    DATA_CHANGED = "data_changed"
    TASK_CHANGED = "task_changed"
    MODEL_CHANGED = "model_changed"
    SPEC_CHANGED = "spec_changed"


# 0 lets a release through; a drift and each reason a replay could not compare differ,
# so a script can tell them apart (1-6 are the error kinds of ``evalatlas.errors``).
EXIT_CODES: dict[Verdict, int] = {
    Verdict.IDENTICAL: 0,
    Verdict.WITHIN_TOLERANCE: 0,
    Verdict.DRIFTED: 1,
    Verdict.DATA_CHANGED: 10,
    Verdict.TASK_CHANGED: 11,
    Verdict.MODEL_CHANGED: 12,
    Verdict.SPEC_CHANGED: 13,
}


@dataclass(frozen=True)
class ReplayOptions:
    data_dir: Path | None = None  # instead of the card's data folder
    batch_size: int | None = None


@dataclass(frozen=True)
class ReplayReport:
    card: Card
    verdict: Verdict
    reason: str
    tolerance: float = 0.0
    comparison: SampleComparison | None = None
    stored_run_id: str | None = None  # the run the verdict is kept for

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]


def replay_run(store: Store, run_id: str, options: ReplayOptions) -> ReplayReport:
    """Replay the stored run ``run_id`` (a unique prefix is enough) and keep the verdict."""
    result = store.get_result(run_id)
    card = card_of(result, store.load_samples(result.run_id))
    return replay_card(store, card, options)


def replay_card(store: Store, card: Card, options: ReplayOptions) -> ReplayReport:
    """Replay ``card`` and keep the verdict in ``store``.

    Its per-sample records come from the card, else from the same run in ``store``. When
    the run is not in ``store`` (a card from another installation), the replayed result is
    stored, and the verdict kept for it.
    """
    in_store = _stored(store, card.run_id)
    reference = card.samples if card.samples is not None else _stored_samples(store, in_store)
    if reference is None:
        raise ConfigError(
            f"card of run {card.run_id} carries no per-sample records and the run is not in "
            f"{store.root}; export it with 'evalatlas results card RUN --with-samples'"
        )
    report, outcome, info = _replay(card, reference, options)
    kept_for = card.run_id
    if outcome is not None and in_store is None:
        saved = store.save_result(outcome.result, list(outcome.samples))
        kept_for = saved.run_id
        if info is not None:  # the model's card on the board, as 'evalatlas eval' keeps it
            store.record_model_metadata(info.reference, info.fingerprint, model_card_metadata(info))
    report = ReplayReport(
        card, report.verdict, report.reason, report.tolerance, report.comparison, kept_for
    )
    store.replays().add(_verdict_row(report))
    return report


def _stored(store: Store, run_id: str) -> EvalResult | None:
    try:
        return store.get_result(run_id)
    except StoreError:
        return None  # a card from another workspace


def _stored_samples(store: Store, result: EvalResult | None) -> list[SampleRecord] | None:
    return store.load_samples(result.run_id) if result is not None else None


def _replay(
    card: Card, reference: list[SampleRecord], options: ReplayOptions
) -> tuple[ReplayReport, TaskOutcome | None, ModelInfo | None]:
    """The report, and when the card was replayed, the replay and the model that ran it."""
    spec = card.spec
    if spec.task_version in (GROUP_VERSION, SUITE_VERSION):
        raise ConfigError(
            f"run {card.run_id} is the aggregate of {spec.task_version} {spec.task!r}: "
            "replay its member runs ('evalatlas results show --members' lists them)"
        )
    check_complete(spec)
    task = rebuild_task(spec)
    if isinstance(task, str):
        return ReplayReport(card, Verdict.TASK_CHANGED, task), None, None
    check_model_file(spec)
    config = replay_config(spec, options)
    batch_size = options.batch_size or spec.batch_size
    model = load_model(spec.model_reference, batch_size=batch_size)
    try:
        plan = _plan(model, task, config)
        changed = spec_change(spec, plan.spec)
        if changed is not None:
            return ReplayReport(card, changed[0], changed[1]), None, None
        outcome = evaluate_planned(model, [plan], config)[0]
        same_batches = spec.batch_size is not None and batch_size == spec.batch_size
        tolerance = declared_tolerance(model.info, same_batches=same_batches)
    finally:
        model.close()
    return _judge(card, reference, outcome, tolerance), outcome, model.info


def replay_config(spec: EvalSpec, options: ReplayOptions) -> EvalConfig:
    """The card's run settings; ``force`` and no cache: everything is computed anew."""
    return EvalConfig(
        limit=spec.limit,
        num_fewshot=spec.num_fewshot,
        fewshot_seed=spec.fewshot_seed,
        apply_chat_template=spec.apply_chat_template,
        system_prompt=spec.system_prompt,
        fewshot_as_multiturn=spec.fewshot_as_multiturn,
        data_dir=replay_data_dir(spec, options.data_dir),
        force=True,
        use_cache=False,
    )


def _plan(model: Model, task: Task, config: EvalConfig) -> PlannedTask:
    check_config(config)
    plan = plan_task(model, task, config, prompt_options(model, config))
    model.check_kinds({r.kind for s in plan.prepared for r in s.requests})
    return plan


def spec_change(stored: EvalSpec, replayed: EvalSpec) -> tuple[Verdict, str] | None:
    """Why the replay is not the card's run (None: same spec hash, it is)."""
    if stored.spec_hash() == replayed.spec_hash():
        return None
    if stored.model_fingerprint != replayed.model_fingerprint:
        return Verdict.MODEL_CHANGED, (
            f"model {stored.model_reference} changed: its weights hash to "
            f"{replayed.model_fingerprint}, the card's to {stored.model_fingerprint}"
        )
    if stored.data_fingerprint != replayed.data_fingerprint:
        return Verdict.DATA_CHANGED, _data_change(stored, replayed)
    if stored.task_hash != replayed.task_hash:
        return Verdict.TASK_CHANGED, f"task {stored.task!r} changed (content hash differs)"
    recorded_only = {"versions", "scorer", *CARD_FIELDS}
    before = stored.model_dump(exclude=recorded_only)
    after = replayed.model_dump(exclude=recorded_only)
    fields = sorted(k for k in before if before[k] != after[k])
    return Verdict.SPEC_CHANGED, f"the run's settings differ here: {', '.join(fields)}"


def _data_change(stored: EvalSpec, replayed: EvalSpec) -> str:
    parts = [
        part
        for part, fingerprint in stored.split_fingerprints.items()
        if replayed.split_fingerprints.get(part) != fingerprint
    ]
    which = " and ".join(f"the {part} rows" for part in parts) or "the rows"
    return (
        f"data changed: {which} of task {stored.task!r} differ from the card's "
        f"(read from {replayed.data_source or stored.data_source}); restore the data, "
        "or evaluate anew"
    )


def declared_tolerance(info: ModelInfo, *, same_batches: bool) -> float:
    """How far (nats) a replay's log-probs may move for this backend and still pass.

    ``same_batches``: the replay's batches are the run's (a batch size fixed by the run and
    kept on its card). ``hf`` sums a pass in an order that follows its shape, so float32
    rounding is exact only then and without tree scoring; otherwise it stays within
    ``TREE_TOLERANCE``. llama.cpp scores each sequence on its own: exact.
    """
    if info.backend != "hf":
        return 0.0
    if info.metadata.get("prefix_sharing") == "on" or not same_batches:
        return TREE_TOLERANCE
    return 0.0


def _judge(
    card: Card, reference: list[SampleRecord], outcome: TaskOutcome, tolerance: float
) -> ReplayReport:
    headline_before = card.metrics[0] if card.metrics else None
    headline_after = outcome.result.metric(headline_before.name) if headline_before else None
    pair = (headline_before, headline_after) if headline_before and headline_after else None
    comparison = compare_samples(reference, outcome.samples, pair)
    if comparison.n_missing == 0 and comparison.n_identical == comparison.n_compared:
        verdict, reason = Verdict.IDENTICAL, "every sample is bit-identical"
    elif comparison.within(tolerance):
        verdict = Verdict.WITHIN_TOLERANCE
        reason = (
            f"log-probs moved by at most {comparison.max_abs_delta:.3g} nats, within the "
            f"backend's declared tolerance of {tolerance:g}"
        )
    else:
        verdict = Verdict.DRIFTED
        reason = (
            f"{comparison.n_differ} of {comparison.n_compared} samples differ "
            f"({comparison.changed_predictions} changed predictions, largest |Δ log-prob| "
            f"{comparison.max_abs_delta:.3g} nats; tolerance {tolerance:g})"
        )
    return ReplayReport(card, verdict, reason, tolerance, comparison)


def _verdict_row(report: ReplayReport) -> ReplayVerdict:
    details = report.comparison.as_details() if report.comparison is not None else {}
    details["tolerance"] = report.tolerance
    details["card_run_id"] = report.card.run_id
    return ReplayVerdict(
        run_id=report.stored_run_id or report.card.run_id,
        replayed_at=datetime.now(UTC),
        verdict=str(report.verdict),
        reason=report.reason,
        details=json_ready(details),
    )
