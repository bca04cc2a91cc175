"""The workspace store: results in SQL, per-sample details in Parquet files.

A workspace is a directory holding ``evalatlas.db`` (SQLite) and ``details/``. Saving is
atomic from a reader's point of view: the details file is written first (temporary file,
fsync, rename), then the run and its metrics are inserted in one transaction; if that
fails the file is deleted. Only FINISHED runs are results; FAILED runs are kept for the
log. Timestamps are UTC and always time-zone aware.
"""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import URL, Connection, Engine, RowMapping
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from evalatlas.errors import StoreError
from evalatlas.store import board, queries
from evalatlas.store.arena import ArenaRecords
from evalatlas.store.board import LatestRun, ResultsState, StoredModel
from evalatlas.store.details import (
    details_relpath,
    first_line,
    read_details,
    read_scores,
    read_scores_by_id,
    write_details,
)
from evalatlas.store.engine import describe, describe_url, make_engine, write_transaction
from evalatlas.store.migrations import migrate
from evalatlas.store.moderation import Moderation
from evalatlas.store.pick_reports import PickReports
from evalatlas.store.protocol import Protocol
from evalatlas.store.published import PublishedRankings
from evalatlas.store.records import EvalResult, EvalSpec, SampleRecord
from evalatlas.store.replays import ReplayRecords
from evalatlas.store.response_cache import ResponseCache
from evalatlas.store.submissions import SubmissionQueue

DB_FILENAME = "evalatlas.db"
DETAILS_DIRNAME = "details"
HOME_VARIABLE = "EVALATLAS_HOME"
_RUN_ID = re.compile(r"[0-9a-f]{32}")
_HEX = re.compile(r"[0-9a-f]+")


def default_workspace() -> Path:
    """``$EVALATLAS_HOME`` when set, else ``~/.evalatlas``."""
    configured = os.environ.get(HOME_VARIABLE)
    return Path(configured).expanduser() if configured else Path.home() / ".evalatlas"


def new_run_id() -> str:
    """A fresh run id (32 lowercase hex digits)."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class FailedRun:
    """A run that raised instead of finishing, as recorded by ``Store.record_failure``."""

    run_id: str
    spec: EvalSpec
    created_at: datetime
    error: str


class Store:
    """Results and per-sample details of one workspace. Open with ``Store.open``."""

    def __init__(self, engine: Engine, root: Path, details_dir: Path) -> None:
        self._engine: Engine | None = engine
        self._where = describe(engine)
        self.root = root
        self.details_dir = details_dir

    @classmethod
    def open(cls, root: Path) -> Store:
        """Open the workspace directory ``root``, creating it and its database if new."""
        root = Path(root).expanduser()
        database = root / DB_FILENAME
        if root.exists() and not root.is_dir():
            raise StoreError(
                f"workspace {root} is a file, not a directory; pass the directory that "
                f"holds {DB_FILENAME} (or set {HOME_VARIABLE})"
            )
        if database.exists() and not database.is_file():
            raise StoreError(f"{database} is not a file; move it aside to use this workspace")
        _make_directory(root / DETAILS_DIRNAME)
        url = URL.create("sqlite", database=str(database))
        return cls._connect(url, root, root / DETAILS_DIRNAME)

    @classmethod
    def open_url(cls, url: str, details_dir: Path) -> Store:
        """Open the database at a SQLAlchemy ``url``; details go under ``details_dir``."""
        details_dir = Path(details_dir).expanduser()
        _make_directory(details_dir)
        return cls._connect(url, details_dir.parent, details_dir)

    @classmethod
    def _connect(cls, url: str | URL, root: Path, details_dir: Path) -> Store:
        try:
            engine = make_engine(url)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise StoreError(
                f"cannot use database URL {describe_url(url)}: {first_line(exc)}; "
                "check the URL (e.g. sqlite:///path/evalatlas.db) and that its database "
                "driver is installed"
            ) from exc
        try:
            migrate(engine)
        except StoreError:
            engine.dispose()
            raise
        except (SQLAlchemyError, sqlite3.Error) as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open workspace database {describe(engine)}: {_db_reason(exc)}; "
                "if it is not an EvalAtlas database, move it aside or choose another "
                f"workspace (set {HOME_VARIABLE})"
            ) from exc
        return cls(engine, root, details_dir)

    # -- connections ---------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._guard(), self._live_engine().connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._guard(), write_transaction(self._live_engine()) as conn:
            yield conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(
                f"workspace database {self._where} failed: {_db_reason(exc)}; "
                "nothing was changed by this call"
            ) from exc

    def _live_engine(self) -> Engine:
        if self._engine is None:
            raise StoreError(f"the store for {self._where} is closed; open it again")
        return self._engine

    # -- writing -------------------------------------------------------------------

    def save_result(self, result: EvalResult, samples: list[SampleRecord]) -> EvalResult:
        """Save a finished run: details file first, then run and metrics in one
        transaction. Returns ``result`` with ``details_path`` set (relative to root)."""
        return self.save_results([(result, samples)])[0]

    def save_results(
        self, items: Sequence[tuple[EvalResult, list[SampleRecord]]]
    ) -> list[EvalResult]:
        """Save several finished runs all or nothing: every details file first, then every
        run and its metrics in one transaction; on any failure no run is stored and the
        files written are removed. Returns the results with ``details_path`` set."""
        for result, _ in items:
            self._check_new_result(result)
        run_ids = [result.run_id for result, _ in items]
        if len(set(run_ids)) != len(run_ids):
            raise StoreError("two of the results to save share a run_id; give each a new_run_id()")
        written: list[Path] = []
        saved: list[EvalResult] = []
        try:
            for result, samples in items:
                relative = self.details_dir.relative_to(self.root) / details_relpath(
                    result.spec.model_name, result.spec.task, result.run_id
                )
                write_details(self.root / relative, samples, result.run_id)
                written.append(self.root / relative)
                update = {
                    "details_path": relative.as_posix(),
                    "created_at": result.created_at.astimezone(UTC),
                }
                saved.append(result.model_copy(update=update))
            with self._write() as conn:
                for result in saved:
                    queries.insert_finished(conn, result, finished_at=datetime.now(UTC))
        except BaseException:
            # The transaction rolled back: no row points at the files, so they must go too.
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return saved

    def _check_new_result(self, result: EvalResult) -> None:
        run = result.run_id
        if not _RUN_ID.fullmatch(run):
            raise StoreError(
                f"run_id {run!r} is not 32 lowercase hex digits; use new_run_id() to make one"
            )
        if result.created_at.tzinfo is None:
            raise StoreError(f"created_at of run {run} has no time zone; use datetime.now(UTC)")
        if result.spec_hash != result.spec.spec_hash():
            raise StoreError(
                f"spec_hash of run {run} does not match its spec; set it to spec.spec_hash()"
            )
        with self._read() as conn:
            if queries.run_exists(conn, run):
                raise StoreError(
                    f"run {run} already exists in {self._where}; give each run a new_run_id()"
                )

    def record_failure(self, spec: EvalSpec, error: str) -> str:
        """Record a FAILED run (never listed as a result); returns its run id."""
        run_id = new_run_id()
        with self._write() as conn:
            queries.insert_failed(conn, run_id, spec, error, datetime.now(UTC))
        return run_id

    def record_model_metadata(
        self, reference: str, fingerprint: str, metadata: dict[str, Any]
    ) -> bool:
        """Set the card metadata of the stored model (``reference``, ``fingerprint``).

        Returns True when it changed. A model without any stored run has no row yet and
        nothing is recorded (False): save its results first."""
        with self._write() as conn:
            return board.update_model_metadata(
                conn, reference, fingerprint, metadata, datetime.now(UTC)
            )

    def response_cache(self) -> ResponseCache:
        """The workspace's durable cache of model responses (valid while the store is open)."""
        return ResponseCache(self._read, self._write)

    def submissions(self) -> SubmissionQueue:
        """The workspace's queue of requested evaluations (valid while the store is open)."""
        return SubmissionQueue(self._read, self._write)

    def arena(self) -> ArenaRecords:
        """Arena battles and votes (valid while the store is open)."""
        return ArenaRecords(self._read, self._write)

    def published_rankings(self) -> PublishedRankings:
        """Rankings imported from published tables (valid while the store is open)."""
        return PublishedRankings(self._read, self._write)
    def replays(self) -> ReplayRecords:
        """Replay verdicts of stored results (valid while the store is open)."""
        return ReplayRecords(self._read, self._write)

    def pick_reports(self) -> PickReports:
        """Reports of ``evalatlas pick`` (valid while the store is open)."""
        return PickReports(self._read, self._write)

    def moderation(self) -> Moderation:
        """Model flags, card overrides and their log (valid while the store is open)."""
        return Moderation(self._read, self._write)

    # -- reading -------------------------------------------------------------------

    def find_finished(self, spec_hash: str) -> EvalResult | None:
        """The latest FINISHED run with this spec hash, or None."""
        with self._read() as conn:
            rows = queries.select_finished(conn, spec_hash=spec_hash)
            return self._results(conn, rows[-1:])[0] if rows else None

    def list_results(
        self, model: str | None = None, task: str | None = None, latest_only: bool = True
    ) -> list[EvalResult]:
        """FINISHED results, oldest first. ``model`` matches a reference or a name;
        ``latest_only`` keeps the newest run of each spec hash."""
        with self._read() as conn:
            rows = queries.select_finished(conn, model=model, task=task)
            if latest_only:
                rows = _latest_per_spec(rows)
            return self._results(conn, rows)

    def get_result(self, run_id_or_prefix: str) -> EvalResult:
        """The result whose run id is or starts with ``run_id_or_prefix`` (unique)."""
        with self._read() as conn:
            row = self._resolve(conn, run_id_or_prefix)
            return self._results(conn, [row])[0]

    def load_samples(self, run_id: str) -> list[SampleRecord]:
        """The per-sample records of a result (a unique run id prefix is enough)."""
        with self._read() as conn:
            row = self._resolve(conn, run_id)
        if row["details_path"] is None:
            raise StoreError(f"run {row['run_id']} has no details file recorded")
        return read_details(self.root / row["details_path"])

    def sample_scores(self, details_path: str, metric: str) -> list[float]:
        """One metric's per-sample scores of the run whose ``details_path`` (relative to the
        workspace, as results carry it) is given; NaN for unscored samples."""
        return read_scores(self.root / details_path, metric)

    def sample_scores_by_id(self, details_path: str, metric: str) -> dict[str, float]:
        """``sample_scores`` keyed by sample id, to join two runs of the same items."""
        return read_scores_by_id(self.root / details_path, metric)

    # -- reading for leaderboards ------------------------------------------------------

    def list_model_cards(self) -> list[StoredModel]:
        """Every stored model with its card metadata, in the order first stored."""
        with self._read() as conn:
            return board.select_models(conn)

    def latest_runs(self) -> list[LatestRun]:
        """The newest FINISHED run of every (model, task name, protocol) with its metrics:
        set-based, for large boards."""
        with self._read() as conn:
            return board.select_latest_runs(conn)

    def protocols_of(self, run_ids: Iterable[str]) -> dict[str, Protocol]:
        """The protocol of each stored run of ``run_ids``, by run id."""
        with self._read() as conn:
            return board.select_protocols(conn, run_ids)

    def results_state(self) -> ResultsState:
        """A cheap summary that changes whenever a result is saved or a model card changes."""
        with self._read() as conn:
            return board.select_results_state(conn)

    def list_failures(self) -> list[FailedRun]:
        """FAILED runs recorded by ``record_failure``, oldest first."""
        with self._read() as conn:
            rows = queries.select_failed(conn)
        return [
            FailedRun(
                run_id=row["run_id"],
                spec=EvalSpec.model_validate(row["spec"]),
                created_at=row["created_at"],
                error=row["error"] or "",
            )
            for row in rows
        ]

    def _results(self, conn: Connection, rows: list[RowMapping]) -> list[EvalResult]:
        found = queries.load_metrics(conn, [row["run_id"] for row in rows])
        return [queries.row_to_result(row, found[row["run_id"]]) for row in rows]

    def _resolve(self, conn: Connection, run_id_or_prefix: str) -> RowMapping:
        key = run_id_or_prefix.strip().lower()
        rows = queries.select_runs_by_prefix(conn, key) if _HEX.fullmatch(key) else []
        if not rows:
            raise StoreError(f"no run {run_id_or_prefix!r} in {self._where}" + _closest(conn, key))
        if len(rows) > 1:
            shown = ", ".join(row["run_id"][:12] for row in rows[:5])
            raise StoreError(
                f"run id prefix {key!r} matches {len(rows)} runs ({shown}…); give more digits"
            )
        row = rows[0]
        if row["status"] != queries.RunStatus.FINISHED:
            reason = (row["error"] or "").strip().split("\n")[0] or "no error recorded"
            raise StoreError(f"run {row['run_id']} is {row['status']}, not a result: {reason}")
        return row

    # -- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections; the store cannot be used afterwards."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _make_directory(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create workspace directory {directory}: {exc.strerror or exc}; "
            f"choose a writable location (set {HOME_VARIABLE})"
        ) from exc


def _db_reason(exc: BaseException) -> str:
    # SQLAlchemy wraps the driver's error; the driver's message is the informative part.
    original = getattr(exc, "orig", None)
    return first_line(original if isinstance(original, BaseException) else exc)


def _latest_per_spec(rows: list[RowMapping]) -> list[RowMapping]:
    """Keep the newest row of each spec hash; ``rows`` come oldest first."""
    newest = {row["spec_hash"]: index for index, row in enumerate(rows)}
    kept = set(newest.values())
    return [row for index, row in enumerate(rows) if index in kept]


def _closest(conn: Connection, key: str) -> str:
    known = queries.finished_run_ids(conn)
    if not known:
        return "; the workspace holds no results yet"

    def likeness(run_id: str) -> tuple[int, float]:
        return _shared_prefix(run_id, key), difflib.SequenceMatcher(
            None, key, run_id[: len(key)]
        ).ratio()

    closest = sorted(known, key=likeness, reverse=True)[:3]
    return "; closest run ids: " + ", ".join(closest)


def _shared_prefix(first: str, second: str) -> int:
    """How many leading characters two strings have in common."""
    length = min(len(first), len(second))
    return next((i for i in range(length) if first[i] != second[i]), length)
