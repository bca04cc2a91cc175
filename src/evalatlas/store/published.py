"""Published rankings: score tables imported from a file (a public leaderboard, say), kept
by name so that they can be held against this workspace's own rankings.

A table is written whole in one transaction, with all its rows, or not at all; importing
under a name already taken is refused unless the caller asks to replace it, and then the
old table goes in the same transaction as the new one arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from evalatlas.errors import ConfigError
from evalatlas.store.schema import published_rankings, published_scores
from evalatlas.store.sections import StoreSection


@dataclass(frozen=True)
class PublishedScore:
    """One model's score in a published table; ``label`` is the name the file gave it."""

    model_reference: str
    label: str
    score: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None


@dataclass(frozen=True)
class PublishedRanking:
    name: str
    source: str  # where it was imported from (the file's path, as given)
    imported_at: datetime
    scores: tuple[PublishedScore, ...]  # in the file's order


class PublishedRankings(StoreSection):
    """The published rankings of one workspace (from ``Store.published_rankings``)."""

    def save(
        self, name: str, source: str, scores: list[PublishedScore], *, replace: bool = False
    ) -> PublishedRanking:
        """Store the table ``name`` with all its ``scores`` in one transaction; ConfigError
        when the name is taken and ``replace`` is false."""
        now = datetime.now(UTC)
        with self._write() as conn:
            existing = _ranking_id(conn, name)
            if existing is not None and not replace:
                raise ConfigError(
                    f"a published ranking named {name!r} is already imported; pass "
                    "--replace to replace it, or choose another --name"
                )
            if existing is not None:
                _delete(conn, existing)
            created = conn.execute(
                insert(published_rankings)
                .values(name=name, source=source, imported_at=now)
                .returning(published_rankings.c.id)
            )
            ranking_id = int(created.scalar_one())
            if scores:
                conn.execute(
                    insert(published_scores),
                    [{"ranking_id": ranking_id} | _row(score) for score in scores],
                )
        return PublishedRanking(name, source, now, tuple(scores))

    def remove(self, name: str) -> bool:
        """Delete the table ``name`` and its rows; False when there is none."""
        with self._write() as conn:
            existing = _ranking_id(conn, name)
            if existing is None:
                return False
            _delete(conn, existing)
            return True

    def all(self) -> list[PublishedRanking]:
        """Every published ranking, by name, each with its rows in the file's order."""
        with self._read() as conn:
            tables = conn.execute(
                select(published_rankings).order_by(published_rankings.c.name)
            ).mappings()
            rows = conn.execute(select(published_scores).order_by(published_scores.c.id)).mappings()
            by_table: dict[int, list[PublishedScore]] = {}
            for row in rows:
                by_table.setdefault(int(row["ranking_id"]), []).append(_score(row))
            return [
                PublishedRanking(
                    t["name"], t["source"], t["imported_at"], tuple(by_table.get(t["id"], ()))
                )
                for t in tables
            ]

    def state(self) -> tuple[int, int]:
        """(tables, largest row id): changes whenever a table is imported or removed."""
        with self._read() as conn:
            tables = conn.execute(select(func.count()).select_from(published_rankings))
            newest = conn.execute(select(func.max(published_scores.c.id)))
            return int(tables.scalar_one()), int(newest.scalar_one() or 0)


def _ranking_id(conn: Connection, name: str) -> int | None:
    found = conn.execute(
        select(published_rankings.c.id).where(published_rankings.c.name == name)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _delete(conn: Connection, ranking_id: int) -> None:
    conn.execute(delete(published_scores).where(published_scores.c.ranking_id == ranking_id))
    conn.execute(delete(published_rankings).where(published_rankings.c.id == ranking_id))


def _row(score: PublishedScore) -> dict[str, object]:
    return {
        "model_reference": score.model_reference,
        "label": score.label,
        "score": score.score,
        "ci_low": score.ci_low,
        "ci_high": score.ci_high,
        "n": score.n,
    }


def _score(row: RowMapping) -> PublishedScore:
    return PublishedScore(
        model_reference=row["model_reference"],
        label=row["label"],
        score=float(row["score"]),
        ci_low=None if row["ci_low"] is None else float(row["ci_low"]),
        ci_high=None if row["ci_high"] is None else float(row["ci_high"]),
        n=None if row["n"] is None else int(row["n"]),
    )
