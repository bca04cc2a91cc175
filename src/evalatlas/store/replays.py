"""Replay verdicts: what the last ``evalatlas replay`` of a stored result concluded.

The store keeps every verdict (one row per replay); pages show the newest of each run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select

from evalatlas.store.schema import replays
from evalatlas.store.sections import StoreSection

# SQLite allows 32766 bound parameters per statement (999 before 3.32); stay well below.
_RUNS_PER_QUERY = 500


class ReplayVerdict(BaseModel):
    """One replay's conclusion about run ``run_id``.

    ``verdict`` is one of the runner's ``Verdict`` values (identical, within_tolerance,
    drifted, data_changed, task_changed, model_changed); ``reason`` is its one line;
    ``details`` the counts and the headline comparison behind it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    replayed_at: datetime
    verdict: str
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class ReplayRecords(StoreSection):
    """Replay verdicts of one workspace (from ``Store.replays``)."""

    def add(self, verdict: ReplayVerdict) -> None:
        """Keep ``verdict`` (one row, one transaction)."""
        with self._write() as conn:
            conn.execute(insert(replays).values(**verdict.model_dump()))

    def latest(self, run_ids: Sequence[str]) -> dict[str, ReplayVerdict]:
        """The newest verdict of each of ``run_ids`` that was replayed."""
        found: dict[str, ReplayVerdict] = {}
        unique = sorted(set(run_ids))
        with self._read() as conn:
            for start in range(0, len(unique), _RUNS_PER_QUERY):
                chunk = unique[start : start + _RUNS_PER_QUERY]
                newest = (
                    select(func.max(replays.c.id).label("id"))
                    .where(replays.c.run_id.in_(chunk))
                    .group_by(replays.c.run_id)
                    .subquery()
                )
                rows = conn.execute(
                    select(replays).where(replays.c.id.in_(select(newest.c.id)))
                ).mappings()
                for row in rows:
                    found[row["run_id"]] = ReplayVerdict(
                        run_id=row["run_id"],
                        replayed_at=row["replayed_at"],
                        verdict=row["verdict"],
                        reason=row["reason"],
                        details=dict(row["details"]),
                    )
        return found
