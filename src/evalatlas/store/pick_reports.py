"""Pick reports: what ``evalatlas pick`` found, kept whole so it can be shown again.

A report is one JSON document (examples' sha256, protocol, candidates, results, intervals,
recommendation) written in one statement; it is read back as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import RowMapping, insert, select

from evalatlas.errors import StoreError
from evalatlas.store.schema import pick_reports
from evalatlas.store.sections import StoreSection


@dataclass(frozen=True)
class PickReport:
    report_id: str
    examples_sha256: str
    task: str
    created_at: datetime
    report: dict[str, Any]


class PickReports(StoreSection):
    """The pick reports of one workspace (from ``Store.pick_reports``)."""

    def save(self, examples_sha256: str, task: str, report: dict[str, Any]) -> PickReport:
        saved = PickReport(uuid4().hex, examples_sha256, task, datetime.now(UTC), report)
        with self._write() as conn:
            conn.execute(
                insert(pick_reports).values(
                    report_id=saved.report_id,
                    examples_sha256=examples_sha256,
                    task=task,
                    created_at=saved.created_at,
                    report=report,
                )
            )
        return saved

    def newest_first(self) -> list[PickReport]:
        """Every report, newest first."""
        query = select(pick_reports).order_by(pick_reports.c.created_at.desc())
        with self._read() as conn:
            return [_report(row) for row in conn.execute(query).mappings()]

    def get(self, report_id: str) -> PickReport:
        """The report whose id is or starts with ``report_id`` (unique)."""
        query = select(pick_reports).where(pick_reports.c.report_id.startswith(report_id))
        with self._read() as conn:
            rows = list(conn.execute(query.limit(2)).mappings())
        if len(rows) != 1:
            found = "no pick report" if not rows else "more than one pick report"
            raise StoreError(f"{found} has id {report_id!r}; 'evalatlas pick --list' lists them")
        return _report(rows[0])


def _report(row: RowMapping) -> PickReport:
    return PickReport(
        row["report_id"], row["examples_sha256"], row["task"], row["created_at"], row["report"]
    )
