"""SQL statements of the store, each on a connection the caller's transaction owns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, insert, or_, select

from evalatlas.store.columns import json_safe
from evalatlas.store.protocol import Protocol
from evalatlas.store.records import EvalResult, EvalSpec, MetricRecord
from evalatlas.store.schema import metrics, models, runs, tasks

# Bound parameters per IN (...) list; SQLite's limit on parameters is 32766 or less.
_CHUNK = 500


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


def get_or_create_model(conn: Connection, spec: EvalSpec) -> int:
    """The id of the model row for ``spec`` (same reference and fingerprint), made if new."""
    found = conn.execute(
        select(models.c.id).where(
            models.c.reference == spec.model_reference,
            models.c.fingerprint == spec.model_fingerprint,
        )
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    created = conn.execute(
        insert(models)
        .values(
            reference=spec.model_reference,
            name=spec.model_name,
            fingerprint=spec.model_fingerprint,
            backend=spec.backend,
            metadata={},
        )
        .returning(models.c.id)
    )
    return int(created.scalar_one())


def get_or_create_task(conn: Connection, spec: EvalSpec, group: str | None) -> int:
    """The id of the task row for ``spec`` (same name, version and hash), made if new."""
    found = conn.execute(
        select(tasks.c.id).where(
            tasks.c.name == spec.task,
            tasks.c.version == spec.task_version,
            tasks.c.task_hash == spec.task_hash,
        )
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    created = conn.execute(
        insert(tasks)
        .values(name=spec.task, version=spec.task_version, task_hash=spec.task_hash, group=group)
        .returning(tasks.c.id)
    )
    return int(created.scalar_one())


def _run_values(conn: Connection, spec: EvalSpec, group: str | None) -> dict[str, Any]:
    return {
        "spec_hash": spec.spec_hash(),
        "spec": json_safe(spec.model_dump(mode="json")),
        "model_id": get_or_create_model(conn, spec),
        "task_id": get_or_create_task(conn, spec, group),
        "group": group,
    }


def _protocol_values(spec: EvalSpec, n_samples: int) -> dict[str, Any]:
    protocol = Protocol.of(spec, n_samples)
    return {"protocol_hash": protocol.protocol_hash(), "is_full_split": protocol.is_full_split}


def insert_finished(conn: Connection, result: EvalResult, finished_at: datetime) -> None:
    """Insert ``result`` as a FINISHED run with its metrics (in the caller's transaction)."""
    values = _run_values(conn, result.spec, result.group)
    values["spec_hash"] = result.spec_hash
    conn.execute(
        insert(runs).values(
            run_id=result.run_id,
            status=RunStatus.FINISHED.value,
            created_at=result.created_at,
            finished_at=finished_at,
            n_samples=result.n_samples,
            usage=json_safe(result.usage),
            details_path=result.details_path,
            error=None,
            truncated_samples=result.truncated_samples,
            context_length=result.context_length,
            random_baseline=result.random_baseline,
            **_protocol_values(result.spec, result.n_samples),
            **values,
        )
    )
    if result.metrics:
        rows = [{"run_id": result.run_id, **m.model_dump()} for m in result.metrics]
        conn.execute(insert(metrics), rows)


def insert_failed(
    conn: Connection, run_id: str, spec: EvalSpec, error: str, when: datetime
) -> None:
    """Insert a FAILED run: kept for the log, never listed as a result."""
    conn.execute(
        insert(runs).values(
            run_id=run_id,
            status=RunStatus.FAILED.value,
            created_at=when,
            finished_at=when,
            n_samples=0,
            usage={},
            details_path=None,
            error=error,
            **_protocol_values(spec, 0),
            **_run_values(conn, spec, None),
        )
    )


def _finished_runs() -> Select[Any]:
    return (
        select(runs)
        .join(models, models.c.id == runs.c.model_id)
        .join(tasks, tasks.c.id == runs.c.task_id)
        .where(runs.c.status == RunStatus.FINISHED.value)
        .order_by(runs.c.created_at, runs.c.finished_at, runs.c.run_id)
    )


def select_finished(
    conn: Connection,
    *,
    spec_hash: str | None = None,
    model: str | None = None,
    task: str | None = None,
) -> list[RowMapping]:
    """FINISHED run rows, oldest first; ``model`` matches a reference or a name."""
    query = _finished_runs()
    if spec_hash is not None:
        query = query.where(runs.c.spec_hash == spec_hash)
    if model is not None:
        query = query.where(or_(models.c.reference == model, models.c.name == model))
    if task is not None:
        query = query.where(tasks.c.name == task)
    return [row._mapping for row in conn.execute(query)]


def select_runs_by_prefix(conn: Connection, prefix: str) -> list[RowMapping]:
    """Runs of any status whose id starts with ``prefix``."""
    query = select(runs).where(runs.c.run_id.startswith(prefix, autoescape=True))
    return [row._mapping for row in conn.execute(query.order_by(runs.c.run_id))]


def select_failed(conn: Connection) -> list[RowMapping]:
    """FAILED run rows, oldest first."""
    query = select(runs).where(runs.c.status == RunStatus.FAILED.value)
    return [row._mapping for row in conn.execute(query.order_by(runs.c.created_at))]


def finished_run_ids(conn: Connection) -> list[str]:
    query = select(runs.c.run_id).where(runs.c.status == RunStatus.FINISHED.value)
    return [str(run_id) for run_id in conn.execute(query).scalars()]


def run_exists(conn: Connection, run_id: str) -> bool:
    query = select(runs.c.run_id).where(runs.c.run_id == run_id)
    return conn.execute(query).first() is not None


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def load_metrics(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[MetricRecord]]:
    """Metrics of each run, in the order they were saved."""
    found: dict[str, list[MetricRecord]] = {run_id: [] for run_id in run_ids}
    fields = list(MetricRecord.model_fields)
    for chunk in _chunks(run_ids):
        query = select(metrics).where(metrics.c.run_id.in_(chunk)).order_by(metrics.c.id)
        for row in conn.execute(query):
            values = row._mapping
            record = MetricRecord(**{name: values[name] for name in fields})
            found[values["run_id"]].append(record)
    return found


def row_to_result(row: RowMapping, metric_records: list[MetricRecord]) -> EvalResult:
    """An ``EvalResult`` (without samples) from a ``runs`` row and its metrics."""
    return EvalResult(
        run_id=row["run_id"],
        spec=EvalSpec.model_validate(row["spec"]),
        spec_hash=row["spec_hash"],
        metrics=metric_records,
        created_at=row["created_at"],
        n_samples=row["n_samples"],
        usage=row["usage"],
        group=row["group"],
        details_path=row["details_path"],
        truncated_samples=row["truncated_samples"],
        context_length=row["context_length"],
        random_baseline=row["random_baseline"],
    )
