"""Judge verdicts as arena battles and votes, so the same ratings code rates them.

    battles, votes = judge_votes(judged_pairs)
    store.arena().add_battles(battles, votes)      # idempotent: ids are content hashes
    table = judge_battle_table(judged_pairs)       # or rate straight away
    ratings = rate_battles(table, seed=0)

A counted pair becomes one battle (source JUDGE, its judged turn's prompt and answers,
and their style counts for style-controlled ratings) and one vote (source JUDGE, voter
``judge:<model>@<template>:<hash8>``, and how the verdict was reached in its details, see
``stored``): strong and plain wins both vote A or B. Unscored pairs are not votes;
inconsistent pairs vote TIE or are left out, as the ``InconsistentPolicy`` says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from evalatlas.judge.items import JudgedPair
from evalatlas.judge.stored import vote_details
from evalatlas.judge.verdicts import InconsistentPolicy, counted_outcome
from evalatlas.outcomes import BattleSource, Outcome, VoteSource
from evalatlas.ratings import BattleTable
from evalatlas.ratings.style_counts import style_counts
from evalatlas.store.arena import NewBattle, VoteRequest


def judge_battle_id(pair: JudgedPair) -> str:
    """A content hash of the judge and what it judged: judging the same pair again with
    the same judge gives the same id, which the store skips."""
    item = pair.item
    content = [
        pair.judge,
        item.pair_id,
        item.model_a,
        item.model_b,
        list(item.questions),
        list(item.answers_a),
        list(item.answers_b),
    ]
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8"))
    return "judge-" + digest.hexdigest()[:40]


def judge_votes(
    pairs: Sequence[JudgedPair], policy: InconsistentPolicy = InconsistentPolicy.TIE
) -> tuple[list[NewBattle], list[VoteRequest]]:
    """Battles and their votes for every counted pair, in order."""
    battles: list[NewBattle] = []
    votes: list[VoteRequest] = []
    for pair in pairs:
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is None:
            continue
        item = pair.item
        battle = NewBattle(
            id=judge_battle_id(pair),
            source=BattleSource.JUDGE,
            created_by=pair.judge,
            prompt=item.prompt,
            model_a=item.model_a,
            model_b=item.model_b,
            answer_a=item.answer_a,
            answer_b=item.answer_b,
            category=item.category,
            turn=item.turn,
            style_a=style_counts(item.answer_a),
            style_b=style_counts(item.answer_b),
        )
        battles.append(battle)
        votes.append(
            VoteRequest(battle.id, outcome, pair.judge, VoteSource.JUDGE, vote_details(pair))
        )
    return battles, votes


def judge_battle_table(
    pairs: Sequence[JudgedPair], policy: InconsistentPolicy = InconsistentPolicy.TIE
) -> BattleTable:
    """The counted pairs as a ratings ``BattleTable`` (model A, model B, outcome, category)."""
    records: list[tuple[str, str, Outcome, str | None]] = []
    for pair in pairs:
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is not None:
            records.append((pair.item.model_a, pair.item.model_b, outcome, pair.item.category))
    return BattleTable.from_records(records)
