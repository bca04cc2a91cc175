"""What a leaderboard reads from the store, in a few set-based queries.

A board of 10,000 models x 10 tasks is 100,000 runs: reading them as full ``EvalResult``s
(each spec validated, each metric a pydantic record) takes far too long for a page, so a
leaderboard reads lean rows instead: the newest finished run of each (model, task) with
its metrics, every model's card metadata, and a summary that changes whenever either does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Double, Select, func, select, type_coerce, update

from evalatlas.store.columns import json_safe
from evalatlas.store.protocol import Protocol
from evalatlas.store.queries import RunStatus
from evalatlas.store.schema import metrics, models, moderation_log, runs, tasks


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A model as stored: identity (reference and fingerprint) and its card metadata.

    ``metadata`` is what the runner recorded about the model (see
    ``evalatlas.runner.model_cards``); ``{}`` for models stored before it did."""

    reference: str
    name: str
    fingerprint: str
    backend: str
    metadata: dict[str, Any]


class StoredMetric(NamedTuple):
    """A ``MetricRecord`` as the board reads it, without the unscored count it never shows:
    a plain tuple, as the board reads one per run and metric (10^5 and more), and making
    a pydantic record costs about ten times as much even without validation."""

    name: str
    value: float
    stderr: float
    ci_low: float
    ci_high: float
    n: int
    higher_is_better: bool


class LatestRun(NamedTuple):
    """The newest finished run of one (model, task, protocol), with its metrics in saved
    order."""

    run_id: str
    model_reference: str
    model_fingerprint: str
    task: str
    task_version: str
    group: str | None
    n_samples: int
    random_baseline: float | None
    details_path: str | None
    protocol_hash: str
    is_full_split: bool
    metrics: tuple[StoredMetric, ...]


@dataclass(frozen=True, slots=True)
class ResultsState:
    """Counts and newest times of finished runs and model metadata, and the newest
    moderation change: any new result, changed model card, flag or override changes at
    least one of them."""

    finished_runs: int
    last_created_at: datetime | None
    last_finished_at: datetime | None
    models: int
    last_model_update: datetime | None
    # The newest moderation log entry: every flag or card override writes one.
    last_moderation: int | None = None


def select_models(conn: Connection) -> list[StoredModel]:
    query = select(
        models.c.reference, models.c.name, models.c.fingerprint, models.c.backend, models.c.metadata
    ).order_by(models.c.id)
    return [
        StoredModel(row.reference, row.name, row.fingerprint, row.backend, dict(row.metadata))
        for row in conn.execute(query)
    ]


def update_model_metadata(
    conn: Connection, reference: str, fingerprint: str, metadata: dict[str, Any], when: datetime
) -> bool:
    """Replace a stored model's metadata; False when the model has no row or it is unchanged
    (so an unchanged card leaves ``metadata_updated_at``, and cached boards, alone)."""
    identity = (models.c.reference == reference, models.c.fingerprint == fingerprint)
    current = conn.execute(select(models.c.metadata).where(*identity)).scalar_one_or_none()
    wanted = json_safe(metadata)
    if current is None or current == wanted:
        return False
    conn.execute(update(models).where(*identity).values(metadata=wanted, metadata_updated_at=when))
    return True


def select_latest_runs(conn: Connection) -> list[LatestRun]:
    """The newest finished run of every (model, task name, protocol), with metrics: two
    queries. Runs of different protocols are different measurements, so none replaces
    another; which protocol a view ranks is its own choice.

    Finished runs are read oldest first and the newest of each (model, task, protocol) kept, in
    Python: on SQLite this is several times cheaper than a window function, and a board
    reads every run anyway. Rows are fetched all at once and kept as tuples: 10^5 of them
    fetched one by one, or built into dataclasses, would take seconds.
    """
    newest: dict[tuple[str, str, str, str], tuple[Any, ...]] = {}
    for row in conn.execute(_finished_runs_oldest_first()).all():
        newest[(row[1], row[2], row[3], row[9])] = tuple(row)
    found = _metrics_of(conn, {row[0] for row in newest.values()})
    return [LatestRun._make((*row, tuple(found.get(row[0], ())))) for row in newest.values()]


def _finished_runs_oldest_first() -> Select[Any]:
    return (
        select(
            runs.c.run_id,
            models.c.reference,
            models.c.fingerprint,
            tasks.c.name,
            tasks.c.version,
            runs.c.group,
            runs.c.n_samples,
            runs.c.random_baseline,
            runs.c.details_path,
            runs.c.protocol_hash,
            runs.c.is_full_split,
        )
        .join_from(runs, models, models.c.id == runs.c.model_id)
        .join(tasks, tasks.c.id == runs.c.task_id)
        .where(runs.c.status == RunStatus.FINISHED.value)
        .order_by(runs.c.created_at, runs.c.finished_at, runs.c.run_id)
    )


def select_protocols(conn: Connection, run_ids: Iterable[str]) -> dict[str, Protocol]:
    """The protocol of each of ``run_ids`` (derived from its stored spec), by run id: a
    view reads one run per protocol it names, not every spec on the board."""
    wanted = sorted(set(run_ids))
    found: dict[str, Protocol] = {}
    for start in range(0, len(wanted), _IN_LIST_SIZE):
        chunk = wanted[start : start + _IN_LIST_SIZE]
        query = select(runs.c.run_id, runs.c.spec, runs.c.n_samples).where(runs.c.run_id.in_(chunk))
        for run_id, spec, n_samples in conn.execute(query).all():
            found[run_id] = Protocol.of_stored(spec, n_samples, f"run {run_id}")
    return found


_IN_LIST_SIZE = 500  # run ids per IN (...) list: well under every database's limit


def _metrics_of(conn: Connection, run_ids: set[str]) -> dict[str, list[StoredMetric]]:
    """Metrics of ``run_ids`` in saved order. Every metric is read and the superseded
    runs' skipped here: one scan beats thousands of ``IN (...)`` lists."""
    # Plain doubles: NULL ("could not compute") becomes NaN below, cheaper than NanFloat's
    # per-value conversion over 10^5 rows.
    query = select(
        metrics.c.run_id,
        metrics.c.name,
        type_coerce(metrics.c.value, Double),
        type_coerce(metrics.c.stderr, Double),
        type_coerce(metrics.c.ci_low, Double),
        type_coerce(metrics.c.ci_high, Double),
        metrics.c.n,
        metrics.c.higher_is_better,
    ).order_by(metrics.c.id)
    nan = math.nan
    found: dict[str, list[StoredMetric]] = {}
    for run_id, name, value, stderr, low, high, n, higher in conn.execute(query).all():
        if run_id in run_ids:
            found.setdefault(run_id, []).append(
                StoredMetric(
                    name,
                    nan if value is None else value,
                    nan if stderr is None else stderr,
                    nan if low is None else low,
                    nan if high is None else high,
                    n,
                    higher,
                )
            )
    return found


def select_results_state(conn: Connection) -> ResultsState:
    # One aggregate per statement: SQLite answers a lone max() over an index's
    # (status, time) by one seek, but a query with several aggregates reads every row.
    is_finished = runs.c.status == RunStatus.FINISHED.value
    finished = [
        conn.execute(select(aggregate).where(is_finished)).scalar_one()
        for aggregate in (func.count(), func.max(runs.c.created_at), func.max(runs.c.finished_at))
    ]
    model_rows = conn.execute(select(func.count(), func.max(models.c.metadata_updated_at))).one()
    moderated = conn.execute(select(func.max(moderation_log.c.id))).scalar_one_or_none()
    return ResultsState(
        finished_runs=int(finished[0]),
        last_created_at=finished[1],
        last_finished_at=finished[2],
        models=int(model_rows[0]),
        last_model_update=model_rows[1],
        last_moderation=None if moderated is None else int(moderated),
    )
