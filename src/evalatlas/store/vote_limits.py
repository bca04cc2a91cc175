"""Vote limits, checked inside the transaction that records a batch of votes.

Each vote counts against two keys: its voter and, when the request names one, its client
(an opaque key of the address the vote came from). A voter is over its limits after
``per_minute`` votes in the last 60 seconds or ``per_day`` since the start of the UTC day;
a client likewise after ``client_per_minute`` / ``client_per_day``. The client's limits
apply in addition to the voter's, so a script that makes up a new voter for every vote is
still held to its address's allowance.

A refusal says when voting may succeed again: when the oldest vote of the last minute
leaves the window, or at the next UTC midnight for a daily cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, func, select

from evalatlas.errors import VoteLimited
from evalatlas.store.schema import arena_votes

MINUTE = timedelta(seconds=60)
# Keys per IN (...) list: well under SQLite's limit on bound parameters.
KEY_CHUNK = 500


@dataclass(frozen=True, slots=True)
class VoteLimits:
    """Votes allowed per voter (``per_minute`` in any 60 seconds, ``per_day`` per UTC day)
    and per client address (``client_per_minute``, ``client_per_day``); None: no limit
    (imports and judges pass None everywhere, and their votes name no client)."""

    per_minute: int | None = 30
    per_day: int | None = 1_000
    client_per_minute: int | None = 60
    client_per_day: int | None = 2_000

    @property
    def checks_voters(self) -> bool:
        return self.per_minute is not None or self.per_day is not None

    @property
    def checks_clients(self) -> bool:
        return self.client_per_minute is not None or self.client_per_day is not None


@dataclass(slots=True)
class Recent:
    """Votes of one key in the last minute and since the UTC day began, and when the
    oldest of the last minute was cast (None: none in the last minute)."""

    minute: int = 0
    day: int = 0
    oldest_in_minute: datetime | None = None

    def add(self, moment: datetime) -> None:
        self.minute += 1
        self.day += 1
        if self.oldest_in_minute is None:
            self.oldest_in_minute = moment


class RecentVotes:
    """The recent vote counts of the voters and clients of one batch, kept up to date as
    the batch accepts votes (an earlier vote of the batch counts for the later ones)."""

    def __init__(
        self,
        conn: Connection,
        limits: VoteLimits,
        keys: tuple[Sequence[str], Sequence[str]],
        now: datetime,
    ) -> None:
        voters, clients = keys
        self._limits, self._now = limits, now
        self._day_since = now.replace(hour=0, minute=0, second=0, microsecond=0)
        since = (now - MINUTE, self._day_since)
        self._voters = (
            _recent(conn, arena_votes.c.voter, voters, since) if limits.checks_voters else {}
        )
        self._clients = (
            _recent(conn, arena_votes.c.client, clients, since) if limits.checks_clients else {}
        )

    def refusal(self, voter: str, client: str | None) -> VoteLimited | None:
        """Why a vote of ``voter`` from ``client`` is refused now, or None."""
        limits = self._limits
        checks = [(self._voters.get(voter, Recent()), limits.per_minute, limits.per_day, "")]
        if client is not None:
            recent = self._clients.get(client, Recent())
            checks.append((recent, limits.client_per_minute, limits.client_per_day, "address "))
        for recent, per_minute, per_day, whose in checks:
            refused = self._over(recent, per_minute, per_day, whose)
            if refused is not None:
                return refused
        return None

    def accept(self, voter: str, client: str | None) -> None:
        self._voters.setdefault(voter, Recent()).add(self._now)
        if client is not None:
            self._clients.setdefault(client, Recent()).add(self._now)

    def _over(
        self, recent: Recent, per_minute: int | None, per_day: int | None, whose: str
    ) -> VoteLimited | None:
        if per_minute is not None and recent.minute >= per_minute:
            oldest = recent.oldest_in_minute or self._now
            # A vote exactly 60 seconds old still counts: the window frees just after.
            wait = math.floor((oldest + MINUTE - self._now).total_seconds()) + 1
            unit = f"{per_minute} votes a minute"
        elif per_day is not None and recent.day >= per_day:
            midnight = self._day_since + timedelta(days=1)
            wait = max(1, math.ceil((midnight - self._now).total_seconds()))
            unit = f"{per_day} votes a day"
        else:
            return None
        return VoteLimited(
            f"arena: {whose}voter limit of {unit} reached; you may vote again in {wait} s",
            retry_after_s=wait,
        )


def _recent(
    conn: Connection,
    column: Column[str] | Column[str | None],
    keys: Sequence[str],
    since: tuple[datetime, datetime],
) -> dict[str, Recent]:
    """``Recent`` counts of each key among ``keys`` in ``column`` (voter or client)."""
    minute_since, day_since = since
    created = arena_votes.c.created_at
    counts: dict[str, Recent] = {}
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = list(keys[start : start + KEY_CHUNK])
        query = (
            select(
                column,
                func.count().filter(created >= minute_since),
                func.count().filter(created >= day_since),
                func.min(created).filter(created >= minute_since),
            )
            .where(column.in_(chunk), created >= min(minute_since, day_since))
            .group_by(column)
        )
        for key, minute, day, oldest in conn.execute(query):
            counts[key] = Recent(int(minute), int(day), oldest)
    return counts
