"""The current shape of the workspace tables, as the queries see it.

``migrations.py`` is what creates and changes these tables; a test checks that applying
every migration yields exactly this shape. Column names match the fields of
``evalatlas.store.records``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from evalatlas.store.columns import NanFloat, PortableJSON, UTCDateTime

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(1024), nullable=False),
    Column("name", String(512), nullable=False),
    Column("fingerprint", String(256), nullable=False),
    Column("backend", String(64), nullable=False),
    Column("metadata", PortableJSON, nullable=False),
    Column("metadata_updated_at", UTCDateTime, nullable=True),
    UniqueConstraint("reference", "fingerprint", name="uq_models_reference_fingerprint"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("version", String(64), nullable=False),
    Column("task_hash", String(128), nullable=False),
    Column("group", String(256), nullable=True),
    UniqueConstraint("name", "version", "task_hash", name="uq_tasks_name_version_hash"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("spec_hash", String(64), nullable=False, index=True),
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
    Column("truncated_samples", Integer, nullable=False, server_default="0"),
    Column("context_length", Integer, nullable=True),
    Column("random_baseline", Double, nullable=True),
    # The run's protocol (``evalatlas.store.protocol``): what must match to rank together.
    Column("protocol_hash", String(64), nullable=True),
    Column("is_full_split", Boolean, nullable=True),
    Index("ix_runs_status_created_at", "status", "created_at"),
    Index("ix_runs_status_finished_at", "status", "finished_at"),
)

metrics = Table(
    "metrics",
    metadata,
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

response_cache = Table(
    "response_cache",
    metadata,
    Column("cache_key", String(128), primary_key=True),
    Column("model_fingerprint", String(256), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
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

model_flags = Table(
    "model_flags",
    metadata,
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

model_overrides = Table(
    "model_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_reference", String(1024), nullable=False),
    Column("model_fingerprint", String(256), nullable=False),
    Column("metadata", PortableJSON, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("model_reference", "model_fingerprint", name="uq_model_overrides_model"),
)

# Append-only: on SQLite, triggers refuse UPDATE and DELETE (see migration 7).
moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(1024), nullable=False),
    Column("details", PortableJSON, nullable=False),
)

# One row per battle: a prompt answered by two models, shown to a voter without their names
# (or imported from a battle log, or judged). ``identity_leak`` says why a vote on it cannot
# count (an answer names a model or its maker the prompt did not ask about); None: it can.
arena_battles = Table(
    "arena_battles",
    metadata,
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

# At most one vote per battle (the unique battle_id makes a repeated submission a no-op).
arena_votes = Table(
    "arena_votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("battle_id", String(64), ForeignKey("arena_battles.id"), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("voter", String(128), nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("excluded_reason", Text, nullable=True),
    Column("details", PortableJSON, nullable=True),
    Column("client", String(64), nullable=True),
    UniqueConstraint("battle_id", name="uq_arena_votes_battle"),
    Index("ix_arena_votes_voter_time", "voter", "created_at"),
    Index("ix_arena_votes_client_time", "client", "created_at"),
)

# Rankings imported from published tables; a model appears at most once per table.
published_rankings = Table(
    "published_rankings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("source", String(2048), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", name="uq_published_rankings_name"),
)

published_scores = Table(
    "published_scores",
    metadata,
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

# One row per replay of a stored result; the newest row of a run is its current verdict.
replays = Table(
    "replays",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), nullable=False),
    Column("replayed_at", UTCDateTime, nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", PortableJSON, nullable=False),
    Index("ix_replays_run_time", "run_id", "replayed_at"),
)

# Pick reports: a user's examples, the candidates that answered them and the recommendation.
pick_reports = Table(
    "pick_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", String(64), nullable=False),
    Column("examples_sha256", String(64), nullable=False),
    Column("task", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("report", PortableJSON, nullable=False),
    UniqueConstraint("report_id", name="uq_pick_reports_report_id"),
    Index("ix_pick_reports_created", "created_at"),
)
