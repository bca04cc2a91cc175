"""Judge votes in the store, and the audit inputs rebuilt from them.

Each judge vote keeps in its ``details`` how it was reached (``vote_details``): both
orders' verdicts as written (or null), how they were read (``verdict_source``), whether
each order's reasoning ran out of tokens, the template's name, version and sha256, and the
two answers' lengths. ``stored_judges`` groups the stored judge votes by judge model and
verdict mode (one judge writes one voter per template: plain, multi-turn, reference...)
and rebuilds each group's ``PairEvidence``, so the bias audit of a past run can be
recomputed from the store alone:

    with Store.open(workspace) as store:
        for judge in stored_judges(store.arena().decided_battles()):
            audit = audit_judge(judge.pairs)

Only counted pairs are stored: a pair left unscored casts no vote, and with
``InconsistentPolicy.DROP`` an inconsistent pair casts none either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from evalatlas.errors import DataError
from evalatlas.judge.evidence import PairEvidence, evidence_of
from evalatlas.judge.items import JudgedPair, Judgment, choice_logprobs_from, choice_logprobs_json
from evalatlas.judge.templates import CHOICE_SUFFIX
from evalatlas.judge.verdicts import (
    InconsistentPolicy,
    Verdict,
    VerdictMode,
    choose_verdict,
    counted_outcome,
)
from evalatlas.outcomes import VoteSource
from evalatlas.store.arena import DecidedBattle

DETAILS_FORMAT = "judge-pair/1"


def vote_details(pair: JudgedPair) -> dict[str, Any]:
    """What a judge vote keeps of the pair it decides (JSON-ready)."""
    evidence = evidence_of(pair)
    return {
        "format": DETAILS_FORMAT,
        "verdict_source": pair.verdict_source.value,
        "forward": _order_details(pair.forward),
        "backward": _order_details(pair.backward),
        "template": None if pair.template is None else asdict(pair.template),
        "answer_lengths": [evidence.length_a, evidence.length_b],
        "pair_id": pair.item.pair_id,
        "question_id": pair.item.question_id,
        "turn": pair.item.turn,
    }


def _order_details(judgment: Judgment) -> dict[str, Any]:
    details: dict[str, Any] = {
        "verdict": None if judgment.verdict is None else judgment.verdict.value,
        "hit_token_limit": judgment.hit_token_limit,
        "truncated": judgment.truncated,
    }
    if judgment.verdict_source is VerdictMode.CHOICE:
        details["choice_logprobs"] = choice_logprobs_json(judgment.choice_logprobs)
    return details


def judge_name(voter: str) -> str:
    """``judge:<model reference>`` of a voter ``judge:<model reference>@<template>:<hash8>``."""
    return voter.rpartition("@")[0] or voter


def voter_verdict_mode(voter: str) -> VerdictMode:
    """How a judge voter's verdicts are read, by its template's name (``-choice``): for
    votes stored without details, which would say it."""
    template = voter.rpartition("@")[2].rpartition(":")[0]
    return VerdictMode.CHOICE if template.endswith(CHOICE_SUFFIX) else VerdictMode.TEXT


@dataclass
class StoredJudge:
    """The stored votes of one judge model in one verdict mode, as audit inputs."""

    name: str  # judge:<model reference>
    verdict_source: VerdictMode
    voters: list[str] = field(default_factory=list)  # one per template used
    pairs: list[PairEvidence] = field(default_factory=list)
    battle_ids: list[str] = field(default_factory=list)  # the battle of each of ``pairs``
    without_details: int = 0  # votes stored before details were kept: not in ``pairs``

    @property
    def votes(self) -> int:
        return len(self.pairs) + self.without_details

    @property
    def label(self) -> str:
        """The judge's name with its verdict mode: ``judge:<reference> (text)``."""
        return f"{self.name} ({self.verdict_source.value})"


def stored_judges(battles: Iterable[DecidedBattle], judge: str | None = None) -> list[StoredJudge]:
    """Judge votes grouped by judge model and verdict mode, sorted by name. ``judge``
    keeps only one voter (its full name) or one judge (``judge:<reference>`` or the
    model reference alone)."""
    groups: dict[tuple[str, VerdictMode], StoredJudge] = {}
    for battle in battles:
        if battle.source != VoteSource.JUDGE or not _chosen(battle.voter, judge):
            continue
        evidence = None
        mode = voter_verdict_mode(battle.voter)
        if battle.details is not None and battle.details.get("format") == DETAILS_FORMAT:
            evidence = stored_evidence(battle)
            mode = evidence.verdict_source
        name = judge_name(battle.voter)
        group = groups.setdefault((name, mode), StoredJudge(name, mode))
        if battle.voter not in group.voters:
            group.voters.append(battle.voter)
        if evidence is None:
            group.without_details += 1
        else:
            group.pairs.append(evidence)
            group.battle_ids.append(battle.battle_id)
    return [groups[key] for key in sorted(groups)]


def _chosen(voter: str, judge: str | None) -> bool:
    if judge is None:
        return True
    return judge in (voter, judge_name(voter), judge_name(voter).removeprefix("judge:"))


def stored_evidence(battle: DecidedBattle) -> PairEvidence:
    """The audit input of one stored judge vote; DataError when its details are not what
    ``vote_details`` writes or contradict the vote they came with."""
    details = battle.details or {}
    where = f"store: judge vote on battle {battle.battle_id!r}"
    try:
        mode = VerdictMode(details["verdict_source"])
        length_a, length_b = (int(length) for length in details["answer_lengths"])
        forward, forward_limit = _order_from(details["forward"], mode)
        backward, backward_limit = _order_from(details["backward"], mode)
        evidence = PairEvidence(
            model_a=battle.model_a,
            model_b=battle.model_b,
            forward=forward,
            backward=backward,
            length_a=length_a,
            length_b=length_b,
            forward_at_token_limit=forward_limit,
            backward_at_token_limit=backward_limit,
            question_id=details.get("question_id"),
            turn=int(details.get("turn", 1)),
            verdict_source=mode,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(f"{where}: unreadable details ({type(error).__name__}: {error})") from None
    # A stored pair was counted with inconsistent pairs as ties (unscored ones are not stored).
    if counted_outcome(evidence.outcome, InconsistentPolicy.TIE) != battle.outcome:
        raise DataError(
            f"{where}: the vote is {battle.outcome} but its details give {evidence.outcome}"
        )
    return evidence


def _order_from(order: dict[str, Any], mode: VerdictMode) -> tuple[Verdict | None, bool]:
    verdict = None if order["verdict"] is None else Verdict(order["verdict"])
    if (
        mode is VerdictMode.CHOICE
        and choose_verdict(choice_logprobs_from(order.get("choice_logprobs"))) is not verdict
    ):
        raise ValueError(f"choice verdict {verdict} is not the most likely of its scores")
    return verdict, bool(order["hit_token_limit"])
