"""Persistence: the only package that writes SQL or detail files.

    from evalatlas.store import Store, default_workspace

    with Store.open(default_workspace()) as store:
        saved = store.save_result(result, samples)
        for result in store.list_results(task="arc_easy"):
            ...

A workspace directory holds ``evalatlas.db`` (SQLite; any SQLAlchemy URL through
``Store.open_url``) and ``details/`` with one Parquet file of per-sample records per run.
It also holds the queue of requested evaluations (``store.submissions()``) and model
moderation: flags, card overrides and their append-only log (``store.moderation()``), and
arena battles and votes (``store.arena()``), and rankings imported from published tables
(``store.published_rankings()``).
"""

from evalatlas.outcomes import BattleSource, VoteSource  # the store's public names too
from evalatlas.store.arena import (
    ArenaCounts,
    ArenaRecords,
    Battle,
    DecidedBattle,
    NewBattle,
    Vote,
    VoteLimits,
    VoteRequest,
    VoteResult,
)
from evalatlas.store.board import LatestRun, ResultsState, StoredMetric, StoredModel
from evalatlas.store.moderation import (
    FlagKind,
    ModelFlag,
    ModelIdentity,
    Moderation,
    ModerationAction,
    ModerationEntry,
)
from evalatlas.store.protocol import Protocol
from evalatlas.store.published import PublishedRanking, PublishedRankings, PublishedScore
from evalatlas.store.records import EvalResult, EvalSpec, MetricRecord, SampleRecord
from evalatlas.store.response_cache import ResponseCache
from evalatlas.store.submissions import (
    Submission,
    SubmissionOptions,
    SubmissionQueue,
    SubmissionRequest,
    SubmissionStatus,
    WorkerIdentity,
)
from evalatlas.store.workspace import FailedRun, Store, default_workspace, new_run_id

__all__ = [
    "ArenaCounts",
    "ArenaRecords",
    "Battle",
    "BattleSource",
    "DecidedBattle",
    "EvalResult",
    "EvalSpec",
    "FailedRun",
    "FlagKind",
    "LatestRun",
    "MetricRecord",
    "ModelFlag",
    "ModelIdentity",
    "Moderation",
    "ModerationAction",
    "ModerationEntry",
    "NewBattle",
    "Protocol",
    "PublishedRanking",
    "PublishedRankings",
    "PublishedScore",
    "ResponseCache",
    "ResultsState",
    "SampleRecord",
    "Store",
    "StoredMetric",
    "StoredModel",
    "Submission",
    "SubmissionOptions",
    "SubmissionQueue",
    "SubmissionRequest",
    "SubmissionStatus",
    "Vote",
    "VoteLimits",
    "VoteRequest",
    "VoteResult",
    "VoteSource",
    "WorkerIdentity",
    "default_workspace",
    "new_run_id",
]
