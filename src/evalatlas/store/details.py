"""Per-sample details: one Parquet file per run, written atomically.

Layout: ``<details dir>/<model slug>/<task slug>/<run_id>.parquet``, one row per
``SampleRecord``. Columns:

    sample_id  string            prompt     string          choices  list<string>
    target     string            extracted  string (null)   scores   map<string, double>
    requests   string (JSON array of objects)
    responses  string (JSON array of objects)
    metadata   string (JSON object)

``scores`` is a real Arrow map so other tools can query it; NaN means "unscored". The
free-form request, response and metadata dictionaries are JSON text (non-finite floats
such as a ``-inf`` log-probability are written as ``-Infinity``, which Python's ``json``
reads back). The file's schema metadata carries ``evalatlas.details`` (format version)
and ``evalatlas.run_id``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import ValidationError

from evalatlas.atomic_files import write_atomic
from evalatlas.errors import StoreError
from evalatlas.jsonio import dumps
from evalatlas.store.records import SampleRecord

FORMAT_VERSION = "1"
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_SLUG = 100

DETAILS_SCHEMA = pa.schema(
    [
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("choices", pa.list_(pa.string()), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("requests", pa.string(), nullable=False),
        pa.field("responses", pa.string(), nullable=False),
        pa.field("extracted", pa.string(), nullable=True),
        pa.field("scores", pa.map_(pa.string(), pa.float64()), nullable=False),
        pa.field("metadata", pa.string(), nullable=False),
    ]
)
_JSON_COLUMNS = ("requests", "responses", "metadata")


def first_line(exc: BaseException) -> str:
    """An exception's message reduced to one line, for one-line errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def slugify(text: str) -> str:
    """A file-name-safe form of a model or task name ("org/Model 7B" -> "org-Model-7B")."""
    slug = _SLUG_UNSAFE.sub("-", text).strip("-.")[:_MAX_SLUG]
    return slug or "unnamed"


def details_relpath(model_name: str, task: str, run_id: str) -> Path:
    """Where a run's details go, relative to the details directory."""
    return Path(slugify(model_name)) / slugify(task) / f"{run_id}.parquet"


def _to_json(sample: SampleRecord, column: str) -> str:
    try:
        return dumps(getattr(sample, column), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"sample {sample.sample_id!r}: {column} holds a value JSON cannot encode ({exc}); "
            "keep requests, responses and metadata to plain JSON values"
        ) from exc


def samples_to_table(samples: Sequence[SampleRecord], run_id: str) -> pa.Table:
    """The Arrow table written for ``samples`` (one row each, in order)."""
    columns: dict[str, list[Any]] = {
        "sample_id": [s.sample_id for s in samples],
        "prompt": [s.prompt for s in samples],
        "choices": [list(s.choices) for s in samples],
        "target": [s.target for s in samples],
        "extracted": [s.extracted for s in samples],
        "scores": [list(s.scores.items()) for s in samples],
    }
    for column in _JSON_COLUMNS:
        columns[column] = [_to_json(s, column) for s in samples]
    table = pa.table(
        {field.name: columns[field.name] for field in DETAILS_SCHEMA}, schema=DETAILS_SCHEMA
    )
    return table.replace_schema_metadata(
        {"evalatlas.details": FORMAT_VERSION, "evalatlas.run_id": run_id}
    )


def write_details(path: Path, samples: Sequence[SampleRecord], run_id: str) -> None:
    """Write ``samples`` to ``path`` via a temporary file, fsync and rename.

    A reader sees either no file or the complete file, never a partial one.
    """
    table = samples_to_table(samples, run_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda handle: pq.write_table(table, handle, compression="zstd"))
    except OSError as exc:
        raise StoreError(
            f"could not write details file {path}: {exc.strerror or first_line(exc)}; "
            "check the workspace directory is writable and has free space"
        ) from exc


def read_details(path: Path) -> list[SampleRecord]:
    """Read back the samples written by ``write_details``."""
    if not path.is_file():
        raise StoreError(
            f"details file {path} is missing; it was moved or deleted, "
            "re-run the evaluation to recreate it"
        )
    try:
        rows = pq.read_table(path).to_pylist()
        return [_row_to_sample(row) for row in rows]
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as exc:
        # pydantic's ValidationError is a ValueError: a row that is no SampleRecord.
        reason = (
            "it holds no valid samples" if isinstance(exc, ValidationError) else first_line(exc)
        )
        raise StoreError(
            f"details file {path} is unreadable ({reason}); "
            "delete it and re-run the evaluation to recreate it"
        ) from exc


def read_scores(path: Path, metric: str) -> list[float]:
    """One metric's per-sample scores from ``path``, in sample order (NaN: unscored, or the
    sample has no such score). Reads only the ``scores`` column."""
    return _read_scores(path, metric, with_ids=False)[1]


def read_scores_by_id(path: Path, metric: str) -> dict[str, float]:
    """One metric's per-sample scores from ``path`` by sample id (NaN as in ``read_scores``);
    reads only the ``sample_id`` and ``scores`` columns."""
    ids, scores = _read_scores(path, metric, with_ids=True)
    return dict(zip(ids, scores, strict=True))


def _read_scores(path: Path, metric: str, *, with_ids: bool) -> tuple[list[str], list[float]]:
    if not path.is_file():
        raise StoreError(
            f"details file {path} is missing; it was moved or deleted, "
            "re-run the evaluation to recreate it"
        )
    try:
        columns = ["sample_id", "scores"] if with_ids else ["scores"]
        table = pq.read_table(path, columns=columns)
        found = pc.map_lookup(table.column("scores"), pa.scalar(metric, pa.string()), "first")
        scores = [math.nan if value is None else float(value) for value in found.to_pylist()]
        ids = table.column("sample_id").to_pylist() if with_ids else []
        return ids, scores
    except (pa.ArrowException, OSError, KeyError) as exc:
        raise StoreError(
            f"details file {path} is unreadable ({first_line(exc)}); "
            "delete it and re-run the evaluation to recreate it"
        ) from exc


def _row_to_sample(row: dict[str, Any]) -> SampleRecord:
    values = dict(row)
    for column in _JSON_COLUMNS:
        values[column] = json.loads(row[column])
    values["scores"] = dict(row["scores"])
    return SampleRecord.model_validate(values)
