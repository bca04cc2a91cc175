"""``Arena``: battles answered by two anonymous contestants, votes, and live ratings.

    arena = Arena(store, ArenaConfig(contestants=("m1", "m2")), answerer)
    battle = arena.start_battle("Why is the sky blue?", voter="v1")
    vote = arena.vote(battle.id, "A", voter="v1")

Answers come from an ``Answerer`` the caller hands in (``evalatlas.arena.answers`` builds
one over the model layer), so this module and the web app never load models themselves.
Votes go through the one ``VoteWriter``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from evalatlas.arena.guards import BattleGuard, BattleLimits
from evalatlas.arena.identity import battle_identity_leak
from evalatlas.arena.pairing import PairingMode, choose_pair
from evalatlas.arena.standings import RatingOptions, Standings, arena_standings
from evalatlas.arena.style import answer_style
from evalatlas.arena.writer import VoteWriter
from evalatlas.errors import ArenaError
from evalatlas.outcomes import BattleSource, Outcome, VoteSource
from evalatlas.store import (
    ArenaRecords,
    Battle,
    NewBattle,
    Store,
    Vote,
    VoteLimits,
    VoteRequest,
    VoteResult,
)

Answerer = Callable[[str, str], str]
"""(model, prompt) → answer text; raises ``ModelError`` when the model cannot answer."""

MAX_PROMPT_CHARS = 8_000
MAX_VOTER_CHARS = 128
STANDINGS_KEPT = 16


@dataclass(frozen=True)
class PromptItem:
    prompt: str
    category: str | None = None


@dataclass(frozen=True)
class ArenaConfig:
    """Who competes, how pairs are drawn, the voters' limits (votes, battle starts, and
    ``new_voters_per_hour``: identities issued to one client address in any hour, None:
    no limit) and the prompt set to draw from (may be empty); ``seed`` None draws pairs
    from fresh entropy."""

    contestants: tuple[str, ...] = ()
    pairing: PairingMode = PairingMode.UNIFORM
    limits: VoteLimits = field(default_factory=VoteLimits)
    prompt_set: tuple[PromptItem, ...] = ()
    seed: int | None = None
    battle_limits: BattleLimits = field(default_factory=BattleLimits)
    new_voters_per_hour: int | None = 10


class Arena:
    """The arena of one workspace; ``close()`` stops its vote writer."""

    def __init__(self, store: Store, config: ArenaConfig, answerer: Answerer | None) -> None:
        self.config = config
        self._records = store.arena()
        self._answerer = answerer
        self._writer = VoteWriter(self._records)
        self._guard = BattleGuard(config.battle_limits)
        self._rng = np.random.default_rng(config.seed)
        self._rng_lock = threading.Lock()
        self._standings: dict[tuple[tuple[int, int], RatingOptions], Standings] = {}
        self._standings_lock = threading.Lock()

    @property
    def records(self) -> ArenaRecords:
        return self._records

    @property
    def can_battle(self) -> bool:
        """True when new battles can be answered (an answerer and two contestants)."""
        return self._answerer is not None and len(set(self.config.contestants)) >= 2

    @property
    def battles_in_progress(self) -> int:
        """Battles being answered or waiting for their turn now."""
        return self._guard.admitted

    def draw_prompt(self) -> PromptItem:
        """A prompt from the configured prompt set, uniformly at random."""
        if not self.config.prompt_set:
            raise ArenaError("arena: no prompt set was given; type a prompt instead")
        with self._rng_lock:
            index = int(self._rng.integers(len(self.config.prompt_set)))
        return self.config.prompt_set[index]

    def start_battle(
        self, prompt: str, voter: str, category: str | None = None, client: str | None = None
    ) -> Battle:
        """Pair two contestants, let both answer ``prompt``, store and return the battle.

        The start counts against ``voter``'s and ``client``'s (an opaque key of the
        address it came from) battle limits, and waits for a turn to be answered:
        ``BattleLimited`` or ``ArenaBusy`` when it may not start now."""
        text = _checked_prompt(prompt)
        if self._answerer is None or not self.can_battle:
            raise ArenaError(
                "arena: no contestants to answer; start the server with two or more "
                "--arena-model options"
            )
        with self._guard.start(_checked_voter(voter), client):
            model_a, model_b = self._pair()
            answer_a = self._answerer(model_a, text)
            answer_b = self._answerer(model_b, text)
        battle = NewBattle(
            id=uuid.uuid4().hex,
            source=BattleSource.ARENA,
            created_by=_checked_voter(voter),
            prompt=text,
            model_a=model_a,
            model_b=model_b,
            answer_a=answer_a,
            answer_b=answer_b,
            category=category,
            style_a=answer_style(answer_a),
            style_b=answer_style(answer_b),
            identity_leak=battle_identity_leak(text, answer_a, answer_b, model_a, model_b),
        )
        self._records.add_battles([battle])
        return self._records.get_battle(battle.id)

    def battle(self, battle_id: str) -> Battle:
        return self._records.get_battle(battle_id)

    def submit_vote(
        self,
        battle_id: str,
        outcome: Outcome,
        voter: str,
        source: VoteSource = VoteSource.HUMAN,
        client: str | None = None,
    ) -> Future[VoteResult]:
        """Queue a vote with the one writer; await the future (or use ``vote``). The vote
        counts against ``voter``'s limits and, when given, ``client``'s (the address it
        came from)."""
        request = VoteRequest(battle_id, outcome, _checked_voter(voter), source, client=client)
        return self._writer.submit(request, self.config.limits)

    def vote(self, battle_id: str, outcome: Outcome, voter: str) -> Vote:
        """Record a vote and wait for it; raises the error that refused it."""
        return vote_or_raise(self.submit_vote(battle_id, outcome, voter).result())

    def standings(self, options: RatingOptions) -> Standings:
        """Ratings of the counted votes, recomputed only when votes were added."""
        key = (self._records.state(), options)
        with self._standings_lock:
            if key not in self._standings:
                if len(self._standings) >= STANDINGS_KEPT:
                    self._standings.clear()
                self._standings[key] = arena_standings(self._records, options)
            return self._standings[key]

    def close(self) -> None:
        self._writer.close()

    def _pair(self) -> tuple[str, str]:
        ratings = None
        if self.config.pairing == PairingMode.UNCERTAIN:
            try:
                ratings = self.standings(RatingOptions(n_rounds=50)).table
            except ArenaError:
                ratings = None  # no votes yet: every pair is equally uncertain
        with self._rng_lock:
            return choose_pair(self.config.contestants, self._rng, self.config.pairing, ratings)


def vote_or_raise(result: VoteResult) -> Vote:
    if result.error is not None:
        raise result.error
    if result.vote is None:
        raise ArenaError("arena: the vote was not recorded; try again")
    return result.vote


def _checked_prompt(prompt: str) -> str:
    text = prompt.strip()
    if not text:
        raise ArenaError("arena: the prompt is empty; type a question or draw one")
    if len(text) > MAX_PROMPT_CHARS:
        raise ArenaError(
            f"arena: the prompt has {len(text)} characters, more than {MAX_PROMPT_CHARS}; "
            "shorten it"
        )
    return text


def _checked_voter(voter: str) -> str:
    if not voter or len(voter) > MAX_VOTER_CHARS:
        raise ArenaError(f"arena: a voter id must have 1 to {MAX_VOTER_CHARS} characters")
    return voter
