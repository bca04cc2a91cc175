"""Schema migrations: an ordered list of plain functions, each applied once.

Migration N (1-based) is ``MIGRATIONS[N - 1]``. Each runs in its own transaction together
with the insert of its row in ``schema_migrations``, so a failed migration leaves the
schema exactly at the previous version. Never edit a released migration: append a new one
and update ``schema.py`` to the new shape.

A migration describes its tables itself instead of using ``schema.py`` because the current
shape moves on while what version 1 created must not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Double,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    column,
    insert,
    inspect,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError

from evalatlas.errors import StoreError
from evalatlas.store.columns import NanFloat, PortableJSON, UTCDateTime
from evalatlas.store.engine import describe, write_transaction
from evalatlas.store.protocol import Protocol
from evalatlas.store.schema import schema_migrations

Migration = Callable[[Connection], None]


def _models_and_tasks_v1(meta: MetaData) -> None:
    Table(
        "models",
        meta,
        Column("id", Integer, primary_key=True),
        Column("reference", String(1024), nullable=False),
        Column("name", String(512), nullable=False),
        Column("fingerprint", String(256), nullable=False),
        Column("backend", String(64), nullable=False),
        Column("metadata", PortableJSON, nullable=False),
        UniqueConstraint("reference", "fingerprint", name="uq_models_reference_fingerprint"),
    )
    Table(
        "tasks",
        meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(256), nullable=False),
        Column("version", String(64), nullable=False),
        Column("task_hash", String(128), nullable=False),
        Column("group", String(256), nullable=True),
        UniqueConstraint("name", "version", "task_hash", name="uq_tasks_name_version_hash"),
    )


def _runs_v1(meta: MetaData) -> None:
    Table(
        "runs",
        meta,
        Column("run_id", String(32), primary_key=True),
        Column("spec_hash", String(64), nullable=False),
        Column("spec", PortableJSON, nullable=False),
        Column("model_id", Integer, ForeignKey("models.id"), nullable=False),
        Column("task_id", Integer, ForeignKey("tasks.id"), nullable=False),
        Column("status", String(16), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("finished_at", UTCDateTime, nullable=True),
        Column("n_samples", Integer, nullable=False),
        Column("usage", PortableJSON, nullable=False),
        Column("details_path", String(1024), nullable=True),
        Column("error", Text, nullable=True),
        Column("group", String(256), nullable=True),
        Index("ix_runs_spec_hash", "spec_hash"),
    )


def _metrics_v1(meta: MetaData) -> None:
    Table(
        "metrics",
        meta,
        Column("id", Integer, primary_key=True),
        Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        Column("name", String(256), nullable=False),
        Column("value", NanFloat, nullable=True),
        Column("stderr", NanFloat, nullable=True),
        Column("ci_low", NanFloat, nullable=True),
        Column("ci_high", NanFloat, nullable=True),
        Column("n", Integer, nullable=False),
        Column("n_unscored", Integer, nullable=False),
        Column("higher_is_better", Boolean, nullable=False),
        UniqueConstraint("run_id", "name", name="uq_metrics_run_name"),
    )


def create_result_tables(conn: Connection) -> None:
    """Version 1: models, tasks, runs and metrics."""
    meta = MetaData()
    _models_and_tasks_v1(meta)
    _runs_v1(meta)
    _metrics_v1(meta)
    meta.create_all(conn)


def index_runs_by_status_and_time(conn: Connection) -> None:
    """Version 2: listing finished results in time order reads an index, not the table."""
    conn.exec_driver_sql("CREATE INDEX ix_runs_status_created_at ON runs (status, created_at)")


def create_response_cache(conn: Connection) -> None:
    """Version 3: model responses kept across runs, so a killed run resumes for free.

    ``payload`` is JSON text the store never parses; ``cache_key`` already names the model
    and the request, so the other columns are only for inspection and clean-up.
    """
    meta = MetaData()
    Table(
        "response_cache",
        meta,
        Column("cache_key", String(128), primary_key=True),
        Column("model_fingerprint", String(256), nullable=False),
        Column("kind", String(64), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    )
    meta.create_all(conn)


def record_truncation_in_runs(conn: Connection) -> None:
    """Version 4: how many samples of a run had their context cut from the left, and the
    context window they were cut to. Runs stored before it were not counted and read 0."""
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN truncated_samples INTEGER NOT NULL DEFAULT 0")
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN context_length INTEGER")


def record_baselines_and_model_cards(conn: Connection) -> None:
    """Version 5: each run's random baseline (what uniform guessing scores; NULL when
    unknown, as for every run stored before it), and when a model's card metadata last
    changed, so a cached leaderboard knows when to rebuild."""
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN random_baseline DOUBLE PRECISION")
    conn.exec_driver_sql(
        "ALTER TABLE models ADD COLUMN metadata_updated_at TIMESTAMP WITH TIME ZONE"
    )


def create_submission_queue(conn: Connection) -> None:
    """Version 6: evaluations requested through the queue and run by ``evalatlas worker``.

    A worker claims the oldest PENDING row with one conditional UPDATE; ``worker``,
    ``worker_host``, ``worker_pid`` and ``heartbeat_at`` tell whether it still runs."""
    meta = MetaData()
    Table(
        "submissions",
        meta,
        Column("id", Integer, primary_key=True),
        Column("model_reference", String(1024), nullable=False),
        Column("tasks", String(1024), nullable=False),
        Column("options", PortableJSON, nullable=False),
        Column("requested_by", String(128), nullable=False),
        Column("notes", PortableJSON, nullable=False),
        Column("status", String(16), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("started_at", UTCDateTime, nullable=True),
        Column("finished_at", UTCDateTime, nullable=True),
        Column("heartbeat_at", UTCDateTime, nullable=True),
        Column("worker", String(256), nullable=True),
        Column("worker_host", String(255), nullable=True),
        Column("worker_pid", Integer, nullable=True),
        Column("error", Text, nullable=True),
        Column("log", Text, nullable=False),
        Column("run_ids", PortableJSON, nullable=False),
        Column("model_fingerprint", String(256), nullable=True),
        Index("ix_submissions_status_id", "status", "id"),
    )
    meta.create_all(conn)


def create_moderation_tables(conn: Connection) -> None:
    """Version 7: moderation flags on models, admin overrides of model cards (kept apart
    from what the runner derived), and the append-only log of every moderation change."""
    meta = MetaData()
    Table(
        "model_flags",
        meta,
        Column("id", Integer, primary_key=True),
        Column("model_reference", String(1024), nullable=False),
        Column("model_fingerprint", String(256), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("evidence_url", String(2048), nullable=False),
        Column("reason", Text, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("created_by", String(128), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("removed_by", String(128), nullable=True),
        Column("removed_at", UTCDateTime, nullable=True),
        Column("removal_reason", Text, nullable=True),
        Index("ix_model_flags_model", "model_reference", "model_fingerprint"),
    )
    Table(
        "model_overrides",
        meta,
        Column("id", Integer, primary_key=True),
        Column("model_reference", String(1024), nullable=False),
        Column("model_fingerprint", String(256), nullable=False),
        Column("metadata", PortableJSON, nullable=False),
        Column("updated_by", String(128), nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        UniqueConstraint("model_reference", "model_fingerprint", name="uq_model_overrides_model"),
    )
    Table(
        "moderation_log",
        meta,
        Column("id", Integer, primary_key=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("actor", String(128), nullable=False),
        Column("action", String(64), nullable=False),
        Column("target", String(1024), nullable=False),
        Column("details", PortableJSON, nullable=False),
    )
    meta.create_all(conn)
    if conn.dialect.name == "sqlite":
        # The log is evidence: the database itself refuses to rewrite or delete it.
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER moderation_log_no_{verb.lower()} BEFORE {verb} "
                "ON moderation_log BEGIN "
                "SELECT RAISE(ABORT, 'moderation_log is append-only'); END"
            )


def index_runs_by_status_and_finish_time(conn: Connection) -> None:
    """Version 8: the newest finish time of the finished runs, which a cached leaderboard
    reads on every request to know whether to rebuild, is an index seek, not a scan of the
    whole runs table (tens of milliseconds at 100,000 runs)."""
    conn.exec_driver_sql("CREATE INDEX ix_runs_status_finished_at ON runs (status, finished_at)")


def create_arena_tables(conn: Connection) -> None:
    """Version 9: arena battles (two anonymous answers to one prompt) and their votes, at
    most one per battle; votes are looked up by voter and time for the rate limits."""
    meta = MetaData()
    Table(
        "arena_battles",
        meta,
        Column("id", String(64), primary_key=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("source", String(16), nullable=False),
        Column("created_by", String(128), nullable=False),
        Column("prompt", Text, nullable=False),
        Column("category", String(128), nullable=True),
        Column("language", String(64), nullable=True),
        Column("turn", Integer, nullable=True),
        Column("model_a", String(1024), nullable=False),
        Column("model_b", String(1024), nullable=False),
        Column("answer_a", Text, nullable=False),
        Column("answer_b", Text, nullable=False),
        Column("style_a", PortableJSON, nullable=True),
        Column("style_b", PortableJSON, nullable=True),
        Column("identity_leak", Text, nullable=True),
        Index("ix_arena_battles_category", "category"),
    )
    Table(
        "arena_votes",
        meta,
        Column("id", Integer, primary_key=True),
        Column("battle_id", String(64), ForeignKey("arena_battles.id"), nullable=False),
        Column("outcome", String(16), nullable=False),
        Column("voter", String(128), nullable=False),
        Column("source", String(16), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("excluded_reason", Text, nullable=True),
        UniqueConstraint("battle_id", name="uq_arena_votes_battle"),
        Index("ix_arena_votes_voter_time", "voter", "created_at"),
    )
    meta.create_all(conn)


def record_vote_details(conn: Connection) -> None:
    """Version 10: a vote's details (JSON), such as how a judge reached its verdict in
    each order, so its bias audit can be recomputed from the store. Votes stored before it
    have none (NULL)."""
    json_type = PortableJSON().compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE arena_votes ADD COLUMN details {json_type}")


def record_vote_clients(conn: Connection) -> None:
    """Version 11: the client address a vote came from, as an opaque key, indexed with
    the vote's time, so a client's votes are limited besides its voter's (a script that
    makes up a voter per vote stays within one address's limits). Votes stored before it
    and imported or judged votes have none (NULL)."""
    conn.exec_driver_sql("ALTER TABLE arena_votes ADD COLUMN client VARCHAR(64)")
    conn.exec_driver_sql(
        "CREATE INDEX ix_arena_votes_client_time ON arena_votes (client, created_at)"
    )


def record_run_protocols(conn: Connection) -> None:
    """Each run's protocol hash (what must match for two results to be ranked together,
    see ``evalatlas.store.protocol``) and whether it covers the whole split, so a board
    groups runs by protocol in SQL. Runs stored before it are backfilled from their spec.

    The backfill uses today's ``Protocol``; should its hash ever change, a later migration
    recomputes the column the same way."""
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN protocol_hash VARCHAR(64)")
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN is_full_split BOOLEAN")
    stored = table("runs", column("run_id"), column("spec", PortableJSON), column("n_samples"))
    target = table("runs", column("run_id"), column("protocol_hash"), column("is_full_split"))
    rows = conn.execute(select(stored.c.run_id, stored.c.spec, stored.c.n_samples)).all()
    values = []
    for run_id, spec, n_samples in rows:
        protocol = Protocol.of_stored(spec, n_samples, f"run {run_id}")
        values.append(
            {"id": run_id, "hash": protocol.protocol_hash(), "full": protocol.is_full_split}
        )
    if values:
        conn.execute(
            update(target)
            .where(target.c.run_id == bindparam("id"))
            .values(protocol_hash=bindparam("hash"), is_full_split=bindparam("full")),
            values,
        )
def create_published_rankings(conn: Connection) -> None:
    """Published rankings imported from a file (``evalatlas ranks import``): one row per
    table, named, and one per model it scores, at most once per model."""
    meta = MetaData()
    Table(
        "published_rankings",
        meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(256), nullable=False),
        Column("source", String(2048), nullable=False),
        Column("imported_at", UTCDateTime, nullable=False),
        UniqueConstraint("name", name="uq_published_rankings_name"),
    )
    Table(
        "published_scores",
        meta,
        Column("id", Integer, primary_key=True),
        Column("ranking_id", Integer, ForeignKey("published_rankings.id"), nullable=False),
        Column("model_reference", String(1024), nullable=False),
        Column("label", String(1024), nullable=False),
        Column("score", Double, nullable=False),
        Column("ci_low", Double, nullable=True),
        Column("ci_high", Double, nullable=True),
        Column("n", Integer, nullable=True),
        UniqueConstraint("ranking_id", "model_reference", name="uq_published_scores_model"),
    )
    meta.create_all(conn)


MIGRATIONS: tuple[Migration, ...] = (
    create_result_tables,
    index_runs_by_status_and_time,
    create_response_cache,
    record_truncation_in_runs,
    record_baselines_and_model_cards,
    create_submission_queue,
    create_moderation_tables,
    index_runs_by_status_and_finish_time,
    create_arena_tables,
    record_vote_details,
    record_vote_clients,
    record_run_protocols,
    create_published_rankings,
)
LATEST_VERSION = len(MIGRATIONS)


def applied_versions(conn: Connection) -> list[int]:
    """Versions recorded in ``schema_migrations``, ascending; [] for a fresh database."""
    if not inspect(conn).has_table(schema_migrations.name):
        return []
    rows = conn.execute(select(schema_migrations.c.version).order_by("version"))
    return [int(version) for version in rows.scalars()]


def _check_usable(conn: Connection, where: str) -> list[int]:
    versions = applied_versions(conn)
    # An empty schema_migrations is a workspace another process is creating right now.
    tables = set(inspect(conn).get_table_names())
    if tables and schema_migrations.name not in tables:
        raise StoreError(
            f"{where} holds tables but no EvalAtlas schema; "
            "point the workspace at an empty directory or an EvalAtlas database"
        )
    if versions and versions[-1] > LATEST_VERSION:
        raise StoreError(
            f"{where} has schema version {versions[-1]} but this EvalAtlas knows only up to "
            f"{LATEST_VERSION}; upgrade evalatlas to open it"
        )
    return versions


def migrate(engine: Engine, target: int = LATEST_VERSION) -> list[int]:
    """Bring the schema up to ``target``; return the versions applied now (none: no-op)."""
    where = describe(engine)
    with engine.connect() as conn:
        done = set(_check_usable(conn, where))
    with write_transaction(engine) as conn:
        schema_migrations.create(conn, checkfirst=True)
    applied: list[int] = []
    for version in range(1, target + 1):
        if version not in done and _apply(engine, version):
            applied.append(version)
    return applied


def _apply(engine: Engine, version: int) -> bool:
    """Apply one migration; False when another process applied it first."""
    try:
        with write_transaction(engine) as conn:
            # Claiming the version row first makes a concurrent opener skip this version.
            stamp = datetime.now(UTC)
            conn.execute(insert(schema_migrations).values(version=version, applied_at=stamp))
            MIGRATIONS[version - 1](conn)
    except IntegrityError:
        with engine.connect() as conn:
            if version in applied_versions(conn):
                return False
        raise
    return True
