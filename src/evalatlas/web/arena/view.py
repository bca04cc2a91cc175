"""What the battle pages and their JSON twins show, and the bodies they accept.

A battle is blind until it has a vote: before that, neither its page nor its JSON names
the two models (nor says why a vote on it would not count, since that reason quotes the
name an answer let slip). Once voted, both reveal who wrote A and who wrote B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from evalatlas.arena import Arena, PromptItem
from evalatlas.arena.service import MAX_PROMPT_CHARS
from evalatlas.outcomes import Outcome
from evalatlas.store import ArenaCounts, Battle, Vote
from evalatlas.web.errors import InvalidParameter

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.A: "A is better",
    Outcome.B: "B is better",
    Outcome.TIE: "Tie",
    Outcome.BOTH_BAD: "Both are bad",
}
MAX_CATEGORY_CHARS = 128
BATTLE_FIELDS = ("prompt", "category")
VOTE_FIELDS = ("outcome",)


class BattleBody(BaseModel):
    """A new battle: the prompt both contestants answer, and an optional category."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    category: str | None = Field(default=None, max_length=MAX_CATEGORY_CHARS)


class VoteBody(BaseModel):
    """A vote: which answer is better. Who votes comes from the voter cookie, never the
    body."""

    model_config = ConfigDict(extra="forbid")

    # The schema written out in place: a reference to a shared definition would not resolve
    # inside the request body that ``body_schema`` embeds in the OpenAPI document.
    outcome: Annotated[
        Outcome,
        WithJsonSchema({"enum": list(OUTCOME_LABELS), "title": "Outcome", "type": "string"}),
    ]


def battle_url(battle_id: str) -> str:
    return f"/arena/battles/{quote(battle_id, safe='')}"


def clean_category(text: str | None) -> str | None:
    """The category as stored: trimmed, None when empty; InvalidParameter when too long."""
    category = (text or "").strip()
    if len(category) > MAX_CATEGORY_CHARS:
        raise InvalidParameter("category", f"longer than {MAX_CATEGORY_CHARS} characters")
    return category or None


def vote_json(vote: Vote) -> dict[str, Any]:
    return {
        "id": vote.id,
        "battle_id": vote.battle_id,
        "outcome": vote.outcome,
        "source": vote.source.value,
        "created_at": vote.created_at.isoformat(),
        "counted": vote.excluded_reason is None,
        "excluded_reason": vote.excluded_reason,
    }


def models_json(battle: Battle) -> dict[str, str]:
    return {"a": battle.model_a, "b": battle.model_b}


def battle_json(battle: Battle) -> dict[str, Any]:
    """The battle; the models' names (and its vote) only once it has a vote."""
    decided = battle.vote is not None
    return {
        "id": battle.id,
        "url": battle_url(battle.id),
        "source": battle.source.value,
        "prompt": battle.prompt,
        "category": battle.category,
        "answer_a": battle.answer_a,
        "answer_b": battle.answer_b,
        "created_at": battle.created_at.isoformat(),
        "decided": decided,
        "vote": vote_json(battle.vote) if battle.vote is not None else None,
        "models": models_json(battle) if decided else None,
    }


def vote_answer(names: tuple[str, str], vote: Vote, repeated: bool) -> dict[str, Any]:
    """The answer to a vote: the stored vote, the revealed names (A, B), and whether the
    same vote had already been stored."""
    return {
        "vote": vote_json(vote),
        "models": {"a": names[0], "b": names[1]},
        "repeated": repeated,
    }


@dataclass(frozen=True)
class Reveal:
    """What the battle page says once the battle has a vote."""

    model_a: str
    model_b: str
    outcome: str
    winner: str | None  # the winning model; None for a tie or both bad
    excluded_reason: str | None


def reveal(battle: Battle) -> Reveal | None:
    if battle.vote is None:
        return None
    outcome = battle.vote.outcome
    winner = {Outcome.A: battle.model_a, Outcome.B: battle.model_b}.get(outcome)
    return Reveal(
        battle.model_a,
        battle.model_b,
        OUTCOME_LABELS.get(outcome, outcome),
        winner,
        battle.vote.excluded_reason,
    )


def battle_context(battle: Battle, retry: str | None = None) -> dict[str, Any]:
    """The battle page; ``retry``: why a vote was refused for now, and when to vote again."""
    return {
        "title": "Arena battle",
        "battle": battle,
        "retry": retry,
        "reveal": reveal(battle),
        "outcomes": OUTCOME_LABELS,
        "vote_url": battle_url(battle.id) + "/vote",
        "api_url": "/api" + battle_url(battle.id),
    }


def arena_json(arena: Arena, counts: ArenaCounts, drawn: PromptItem | None) -> dict[str, Any]:
    """What the arena page says: whether it can start battles, how many contestants it
    pairs (not which: a battle's pair stays hidden until its vote), the voter limits, how
    many battles are being answered or waiting, the prompt set's size, the counts, and a
    drawn prompt when asked for one."""
    return {
        "can_battle": arena.can_battle,
        "contestants": len(set(arena.config.contestants)),
        "pairing": arena.config.pairing.value,
        "limits": limits_json(arena),
        "battles_in_progress": arena.battles_in_progress,
        "prompt_set": len(arena.config.prompt_set),
        "counts": {
            "battles": counts.battles,
            "votes": counts.votes,
            "counted_votes": counts.counted_votes,
            "voters": counts.voters,
        },
        "drawn": None if drawn is None else {"prompt": drawn.prompt, "category": drawn.category},
    }


def limits_json(arena: Arena) -> dict[str, int | None]:
    """Every limit a voter meets (None: no limit): votes and battle starts per voter and
    per client address, new identities per address, and battles answered or waiting."""
    votes, battles = arena.config.limits, arena.config.battle_limits
    return {
        "votes_per_minute": votes.per_minute,
        "votes_per_day": votes.per_day,
        "address_votes_per_minute": votes.client_per_minute,
        "address_votes_per_day": votes.client_per_day,
        "battles_per_hour": battles.per_hour,
        "address_battles_per_hour": battles.client_per_hour,
        "new_voters_per_hour": arena.config.new_voters_per_hour,
        "battles_answering": battles.answering,
        "battles_waiting": battles.waiting,
    }


def arena_form_context(
    arena: Arena, values: dict[str, str], error: str | None, retry: str | None = None
) -> dict[str, Any]:
    """The prompt form; ``error``: why the prompt was refused, ``retry``: why the start
    was refused for now and when to try again."""
    return {
        "title": "Arena",
        "retry": retry,
        "can_battle": arena.can_battle,
        "contestants": len(set(arena.config.contestants)),
        "has_prompt_set": bool(arena.config.prompt_set),
        "values": values,
        "error": error,
        "max_prompt": MAX_PROMPT_CHARS,
        "max_category": MAX_CATEGORY_CHARS,
    }
