"""``judge pairwise --battles``: the battles to judge, from the workspace or a file, and the
votes people already cast on them (for the judge's agreement with people)."""

from __future__ import annotations

from pathlib import Path

from evalatlas.cli.options import open_store
from evalatlas.errors import ConfigError
from evalatlas.judge.audit import HumanVote
from evalatlas.judge.items import PairwiseItem
from evalatlas.judge.run.battle_items import items_from_battles, read_battle_file
from evalatlas.outcomes import VoteSource

STORED = "store"


def battles_to_judge(
    spec: str, workspace: Path | None, limit: int | None
) -> tuple[list[PairwiseItem], tuple[HumanVote, ...]]:
    """``store``: the workspace's arena battles with both answers (and people's votes on
    them); otherwise a battles JSONL file (no votes)."""
    if spec != STORED:
        items = read_battle_file(Path(spec))
        return items[:limit] if limit is not None else items, ()
    with open_store(workspace) as store:
        root = store.root
        battles = store.arena().battles_with_answers(limit)
    if not battles:
        raise ConfigError(
            f"no arena battles with both answers stored in {root}: serve the arena and "
            "collect some, or give --battles FILE.jsonl"
        )
    humans = tuple(
        HumanVote(battle.id, 1, battle.model_a, battle.model_b, battle.vote.outcome)
        for battle in battles
        if battle.vote is not None
        and battle.vote.source == VoteSource.HUMAN
        and battle.vote.excluded_reason is None  # a vote the ratings leave out
    )
    return items_from_battles(battles), humans
