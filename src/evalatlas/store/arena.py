"""Arena battles and votes, as rows of the workspace database.

A battle is a prompt answered by two models; a vote decides it (A, B, TIE or BOTH_BAD).
Each battle has at most one vote (a unique key on ``battle_id``): submitting the same vote
again returns the stored one, a different vote on a decided battle is refused. Votes are
written in batches (``record_votes``) by the arena's one writer, each batch in one
transaction, and every vote is checked against the voter's (and its client address's) rate
limit and daily cap inside that transaction, so concurrent requests cannot slip past them
together (see ``vote_limits.py``). A vote may carry
``details`` (JSON): a judge's vote keeps there how it was reached (both orders' verdicts,
the template, the answers' lengths), so its bias audit can be recomputed from the store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, insert, select

from evalatlas.errors import ArenaError, BattleDecided, UnknownBattle
from evalatlas.outcomes import BattleSource, Outcome, VoteSource
from evalatlas.store.schema import arena_battles, arena_votes
from evalatlas.store.sections import StoreSection
from evalatlas.store.vote_limits import RecentVotes
from evalatlas.store.vote_limits import VoteLimits as VoteLimits  # first defined here

# Stored values to members: a dict lookup, since reading votes runs once per stored vote.
_OUTCOME_OF: dict[str, Outcome] = {outcome.value: outcome for outcome in Outcome}
_SOURCE_OF: dict[str, VoteSource] = {source.value: source for source in VoteSource}
INSERT_CHUNK = 2_000
INSERT_CACHE_KIB = 131_072  # SQLite page cache while battles are inserted (128 MiB at most)
# Ids per IN (...) list: well under SQLite's limit on bound parameters.
ID_CHUNK = 500


class NewBattle(BaseModel):
    """A battle to store; ``style_a``/``style_b`` are per-answer style counts (length,
    markdown headers, list items, bold spans) used by style-controlled ratings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    source: BattleSource
    created_by: str = Field(min_length=1, max_length=128)
    prompt: str
    model_a: str = Field(min_length=1, max_length=1024)
    model_b: str = Field(min_length=1, max_length=1024)
    answer_a: str = ""
    answer_b: str = ""
    category: str | None = Field(default=None, max_length=128)
    language: str | None = Field(default=None, max_length=64)
    turn: int | None = None
    style_a: dict[str, float] | None = None
    style_b: dict[str, float] | None = None
    identity_leak: str | None = None


_BATTLE_FIELDS = tuple(NewBattle.model_fields)


class Battle(NewBattle):
    """A stored battle with its vote, if it has one."""

    created_at: datetime
    vote: Vote | None = None


class Vote(BaseModel):
    """A stored vote; ``excluded_reason`` set: it is kept but does not count in ratings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    battle_id: str
    outcome: Outcome
    voter: str
    source: VoteSource
    created_at: datetime
    excluded_reason: str | None = None
    details: dict[str, Any] | None = None
    client: str | None = None  # an opaque key of the address it came from, if any


Battle.model_rebuild()


@dataclass(frozen=True, slots=True)
class VoteRequest:
    """One vote to record."""

    battle_id: str
    outcome: Outcome
    voter: str
    source: VoteSource = VoteSource.HUMAN
    details: dict[str, Any] | None = None  # how the vote was reached (judge votes)
    client: str | None = None  # an opaque key of the address it came from (arena votes)


@dataclass(frozen=True, slots=True)
class VoteResult:
    """What became of one vote request: the stored vote (``repeated`` when it was
    already stored), or the error that refused it."""

    vote: Vote | None
    error: ArenaError | None = None
    repeated: bool = False
    model_a: str | None = None
    model_b: str | None = None


@dataclass(frozen=True, slots=True)
class DecidedBattle:
    """One counted vote with the fields ratings need."""

    battle_id: str
    model_a: str
    model_b: str
    outcome: Outcome
    voter: str
    source: VoteSource
    category: str | None
    style_a: dict[str, float] | None
    style_b: dict[str, float] | None
    details: dict[str, Any] | None = None  # the vote's details


@dataclass(frozen=True, slots=True)
class ArenaCounts:
    battles: int
    votes: int
    counted_votes: int
    voters: int


class ArenaRecords(StoreSection):
    """Battles and votes of one workspace (from ``Store.arena``)."""

    def add_battles(
        self, battles: Sequence[NewBattle], votes: Sequence[VoteRequest] = ()
    ) -> tuple[int, int]:
        """Store battles (and votes on them, for imports) in one transaction; a battle
        whose id is already stored is skipped with its vote. Returns (added, skipped)."""
        return self.add_battle_chunks([(battles, votes)])

    def add_battle_chunks(
        self, chunks: Iterable[tuple[Sequence[NewBattle], Sequence[VoteRequest]]]
    ) -> tuple[int, int]:
        """``add_battles`` for battles that come a chunk at a time (a large import read as
        it is stored): every chunk in one transaction, so an error while the chunks are
        made or stored leaves nothing stored. Returns (added, skipped) over all chunks."""
        now = datetime.now(UTC)
        added = skipped = 0
        with self._write() as conn, _large_page_cache(conn):
            for battles, votes in chunks:
                fresh = _insert_battles(conn, battles, votes, now)
                added += fresh
                skipped += len(battles) - fresh
        return added, skipped

    def get_battle(self, battle_id: str) -> Battle:
        """The battle with this id and its vote; UnknownBattle when there is none."""
        with self._read() as conn:
            row = (
                conn.execute(select(arena_battles).where(arena_battles.c.id == battle_id))
                .mappings()
                .first()
            )
            if row is None:
                raise UnknownBattle(f"arena: no battle has id {battle_id!r}; start a new battle")
            vote = _votes_of(conn, [battle_id]).get(battle_id)
        return Battle(**dict(row), vote=vote)

    def battle_prompts(self, battle_ids: Collection[str]) -> dict[str, tuple[str, int | None]]:
        """The prompt and turn of each stored battle among ``battle_ids``: what a judge's
        votes and people's votes are matched on."""
        ids = sorted(set(battle_ids))
        columns = (arena_battles.c.id, arena_battles.c.prompt, arena_battles.c.turn)
        prompts: dict[str, tuple[str, int | None]] = {}
        with self._read() as conn:
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ids[start : start + ID_CHUNK]
                for battle_id, prompt, turn in conn.execute(
                    select(*columns).where(arena_battles.c.id.in_(chunk))
                ):
                    prompts[battle_id] = (prompt, turn)
        return prompts

    def battles_with_answers(self, limit: int | None = None) -> list[Battle]:
        """Battles people or imports brought (not a judge's own) whose two answers are both
        stored, oldest first (then by id), each with its vote if it has one: what a judge
        can judge."""
        query = (
            select(arena_battles)
            .where(
                arena_battles.c.source != BattleSource.JUDGE.value,
                arena_battles.c.answer_a != "",
                arena_battles.c.answer_b != "",
            )
            .order_by(arena_battles.c.created_at, arena_battles.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
            votes = _votes_of(conn, [row["id"] for row in rows])
        return [Battle(**row, vote=votes.get(row["id"])) for row in rows]

    def record_votes(
        self, requests: Sequence[VoteRequest], limits: VoteLimits, now: datetime | None = None
    ) -> list[VoteResult]:
        """Record a batch of votes in one transaction, each checked in order: the battle
        exists, it is undecided (the same vote again is not an error), the voter is within
        its limits. One result per request, in order."""
        moment = now or datetime.now(UTC)
        with self._write() as conn:
            batch = _VoteBatch(conn, requests, limits, moment)
            results = [batch.decide(request) for request in requests]
            return batch.insert(results)

    def decided_battles(
        self, *, category: str | None = None, include_excluded: bool = False
    ) -> Iterator[DecidedBattle]:
        """Every voted battle (optionally of one category), oldest vote first; votes with
        an ``excluded_reason`` only when ``include_excluded``."""
        query = (
            select(
                arena_battles.c.id,
                arena_battles.c.model_a,
                arena_battles.c.model_b,
                arena_votes.c.outcome,
                arena_votes.c.voter,
                arena_votes.c.source,
                arena_battles.c.category,
                arena_battles.c.style_a,
                arena_battles.c.style_b,
                arena_votes.c.details,
            )
            .join(arena_votes, arena_votes.c.battle_id == arena_battles.c.id)
            .order_by(arena_votes.c.id)
        )
        if category is not None:
            query = query.where(arena_battles.c.category == category)
        if not include_excluded:
            query = query.where(arena_votes.c.excluded_reason.is_(None))
        with self._read() as conn:
            rows = conn.execute(query).all()
        for battle_id, model_a, model_b, outcome, voter, source, *rest in rows:
            # The fields in the order selected (plain values: this runs once per vote).
            yield DecidedBattle(
                battle_id, model_a, model_b, _OUTCOME_OF[outcome], voter, _SOURCE_OF[source], *rest
            )

    def categories(self) -> list[str]:
        """Categories of voted battles, sorted."""
        query = (
            select(arena_battles.c.category)
            .join(arena_votes, arena_votes.c.battle_id == arena_battles.c.id)
            .where(arena_battles.c.category.is_not(None))
            .distinct()
        )
        with self._read() as conn:
            return sorted(str(value) for value in conn.execute(query).scalars())

    def counts(self) -> ArenaCounts:
        with self._read() as conn:
            battles = conn.execute(select(func.count()).select_from(arena_battles)).scalar_one()
            votes, counted, voters = conn.execute(
                select(
                    func.count(),
                    func.count().filter(arena_votes.c.excluded_reason.is_(None)),
                    func.count(arena_votes.c.voter.distinct()),
                )
            ).one()
        return ArenaCounts(int(battles), int(votes), int(counted), int(voters))

    def state(self) -> tuple[int, int]:
        """(number of votes, newest vote id): changes whenever a vote is added."""
        with self._read() as conn:
            count, newest = conn.execute(
                select(func.count(), func.coalesce(func.max(arena_votes.c.id), 0))
            ).one()
        return int(count), int(newest)


class _VoteBatch:
    """Checks a batch of votes with a few set-based reads (the battles, their votes, the
    voters' recent counts) and inserts the accepted ones in one statement; votes earlier
    in the batch count for the checks of later ones, exactly as one-by-one recording."""

    def __init__(
        self, conn: Connection, requests: Sequence[VoteRequest], limits: VoteLimits, now: datetime
    ) -> None:
        self._conn, self._now = conn, now
        ids = list(dict.fromkeys(request.battle_id for request in requests))
        self._battles = _battle_facts(conn, ids)
        self._votes = _votes_of(conn, ids)
        voters = list(dict.fromkeys(request.voter for request in requests))
        clients = list(dict.fromkeys(r.client for r in requests if r.client is not None))
        self._recent = RecentVotes(conn, limits, (voters, clients), now)
        self._pending: list[dict[str, Any]] = []

    def decide(self, request: VoteRequest) -> VoteResult:
        """The result of one request; accepted votes are queued for ``insert``."""
        # A library caller may pass any string: the dataclass does not check its fields.
        if request.outcome not in _OUTCOME_OF:
            message = f"arena: outcome {request.outcome!r} is not one of {', '.join(Outcome)}"
            return VoteResult(None, ArenaError(message))
        facts = self._battles.get(request.battle_id)
        if facts is None:
            message = f"arena: no battle has id {request.battle_id!r}; start a new battle"
            return VoteResult(None, UnknownBattle(message))
        leak, model_a, model_b = facts
        existing = self._votes.get(request.battle_id)
        if existing is not None:
            return _repeat_or_refuse(existing, request, model_a, model_b)
        refusal = self._recent.refusal(request.voter, request.client)
        if refusal is not None:
            return VoteResult(None, refusal)
        row = _vote_row(request, self._now, leak)
        self._pending.append(row)
        self._recent.accept(request.voter, request.client)
        # A placeholder id until the insert; a repeat later in this batch sees this vote.
        self._votes[request.battle_id] = Vote(id=0, **row)
        return VoteResult(self._votes[request.battle_id], model_a=model_a, model_b=model_b)

    def insert(self, results: list[VoteResult]) -> list[VoteResult]:
        """Insert the accepted votes and give every result its stored vote id."""
        if not self._pending:
            return results
        inserted = self._conn.execute(
            insert(arena_votes).returning(arena_votes.c.id, sort_by_parameter_order=True),
            self._pending,
        )
        stored = {
            row["battle_id"]: Vote(id=int(vote_id), **row)
            for row, vote_id in zip(self._pending, inserted.scalars(), strict=True)
        }
        return [_with_stored_vote(result, stored) for result in results]


def _with_stored_vote(result: VoteResult, stored: dict[str, Vote]) -> VoteResult:
    if result.vote is None or result.vote.id != 0:
        return result
    vote = stored[result.vote.battle_id]
    return VoteResult(vote, result.error, result.repeated, result.model_a, result.model_b)


def _battle_facts(conn: Connection, ids: list[str]) -> dict[str, tuple[str | None, str, str]]:
    """(identity leak, model a, model b) of each stored battle among ``ids``."""
    facts: dict[str, tuple[str | None, str, str]] = {}
    columns = (
        arena_battles.c.id,
        arena_battles.c.identity_leak,
        arena_battles.c.model_a,
        arena_battles.c.model_b,
    )
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        for battle_id, leak, model_a, model_b in conn.execute(
            select(*columns).where(arena_battles.c.id.in_(chunk))
        ):
            facts[battle_id] = (leak, model_a, model_b)
    return facts


def _votes_of(conn: Connection, ids: list[str]) -> dict[str, Vote]:
    votes: dict[str, Vote] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        rows = conn.execute(select(arena_votes).where(arena_votes.c.battle_id.in_(chunk)))
        for row in rows.mappings():
            votes[row["battle_id"]] = Vote(**row)
    return votes


def _repeat_or_refuse(
    existing: Vote, request: VoteRequest, model_a: str, model_b: str
) -> VoteResult:
    if existing.outcome == request.outcome and existing.voter == request.voter:
        return VoteResult(existing, repeated=True, model_a=model_a, model_b=model_b)
    return VoteResult(
        None,
        BattleDecided(
            f"arena: battle {request.battle_id!r} was already decided; start a new battle"
        ),
    )


def _existing_ids(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        rows = conn.execute(select(arena_battles.c.id).where(arena_battles.c.id.in_(chunk)))
        found.update(str(value) for value in rows.scalars())
    return found


@contextmanager
def _large_page_cache(conn: Connection) -> Iterator[None]:
    """SQLite's page cache raised while battles are inserted: the indexes on random ids
    of a large import outgrow the default 2 MiB, and every insert would then read and
    spill pages. Restored after, so the connection returns to the pool as it was."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{INSERT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _insert_battles(
    conn: Connection, battles: Sequence[NewBattle], votes: Sequence[VoteRequest], now: datetime
) -> int:
    """Insert the battles not yet stored, and the votes on them; returns how many."""
    present = _existing_ids(conn, [battle.id for battle in battles])
    fresh = [battle for battle in battles if battle.id not in present]
    fresh_ids = {battle.id for battle in fresh}
    leaks = {battle.id: battle.identity_leak for battle in fresh}
    battle_rows = [_battle_row(battle, now) for battle in fresh]
    vote_rows = [
        _vote_row(vote, now, leaks[vote.battle_id]) for vote in votes if vote.battle_id in fresh_ids
    ]
    for start in range(0, len(battle_rows), INSERT_CHUNK):
        conn.execute(insert(arena_battles), battle_rows[start : start + INSERT_CHUNK])
    for start in range(0, len(vote_rows), INSERT_CHUNK):
        conn.execute(insert(arena_votes), vote_rows[start : start + INSERT_CHUNK])
    return len(fresh)


def _battle_row(battle: NewBattle, now: datetime) -> dict[str, Any]:
    # The fields as they are (a large import stores millions): pydantic's model_dump
    # costs more than the rest of the row's work, and the column types serialize.
    values = battle.__dict__  # pydantic keeps the field values here
    row = {name: values[name] for name in _BATTLE_FIELDS}
    row["source"] = str(battle.source)
    row["created_at"] = now
    return row


def _vote_row(request: VoteRequest, now: datetime, leak: str | None) -> dict[str, Any]:
    return {
        "battle_id": request.battle_id,
        "outcome": str(request.outcome),
        "voter": request.voter,
        "source": request.source.value,
        "created_at": now,
        "excluded_reason": None if leak is None else f"identity revealed: {leak}",
        "details": request.details,
        "client": request.client,
    }
