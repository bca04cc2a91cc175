"""The bias audit of every judge in the store, against the people's votes in the same store.

    prompts = audit_prompts(store.arena(), battles)
    for report in audit_stored_judges(battles, prompts):
        print(report.judge.name, report.audit.position_consistency, report.family)

What a stored audit compares with, when nothing else is given:
- self-preference: the judge's family is the models whose name starts like the judge
  model's (``smollm2-135m-instruct`` judging ``smollm2-360m``; the stem is the leading
  letters of the model's base name, shown with the report so a reader can overrule it),
  and the reference is the people's votes on those models;
- agreement with people: people's votes on the same prompt, turn and pair of models.
Both are left out (None) when the store holds no such votes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from evalatlas.judge.audit import AuditOptions, BiasAudit, HumanVote, audit_judge
from evalatlas.judge.evidence import PairEvidence
from evalatlas.judge.stored import StoredJudge, stored_judges
from evalatlas.judge.verdicts import InconsistentPolicy
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import BattleTable
from evalatlas.store.arena import ArenaRecords, DecidedBattle

MIN_STEM = 3  # shorter stems ("gp", "o") would join unrelated models into one family
Prompts = Mapping[str, tuple[str, int | None]]  # battle id -> (prompt, turn)


@dataclass(frozen=True)
class StoredAudit:
    judge: StoredJudge
    audit: BiasAudit
    family_stem: str | None  # None: the judge's name gives no family
    family: tuple[str, ...]  # the stored models of that family


def family_stem(model: str) -> str | None:
    """The leading letters of a model reference's base name (a served model's name after
    ``#``), lower-cased: ``smollm`` for ``judge:bundled:smollm2-135m-instruct``, ``gpt``
    for ``gpt-4``, ``prometheus`` for ``openai:http://host/v1#prometheus-7b``."""
    reference = model.strip().partition("?")[0]  # options are not part of the name
    served = reference.rpartition("#")[2] if "#" in reference else None  # openai:URL#name
    base = (served or re.split(r"[:/\\]", reference)[-1]).lower()
    match = re.match(r"[a-z]+", base)
    if match is None or len(match.group()) < MIN_STEM:
        return None
    return match.group()


def family_members(stem: str | None, models: Iterable[str]) -> tuple[str, ...]:
    if stem is None:
        return ()
    return tuple(sorted({model for model in models if family_stem(model) == stem}))


@dataclass(frozen=True)
class AuditInput:
    """What one stored judge is audited on: its pairs (keyed by their battles' prompts,
    as people's votes are) and the options comparing it with people's votes."""

    judge: StoredJudge
    pairs: list[PairEvidence]
    options: AuditOptions
    family_stem: str | None
    family: tuple[str, ...]


def people_on_judged_pairs(battles: Sequence[DecidedBattle]) -> list[DecidedBattle]:
    """People's battles between two models that some judge battle also pits together:
    the only ones a judge's verdict can match (a large imported log has many others)."""
    judged = {frozenset((b.model_a, b.model_b)) for b in battles if b.source == VoteSource.JUDGE}
    return [
        b
        for b in battles
        if b.source == VoteSource.HUMAN and frozenset((b.model_a, b.model_b)) in judged
    ]


def audit_prompts(records: ArenaRecords, battles: Sequence[DecidedBattle]) -> Prompts:
    """The prompts a stored audit matches on: of the judge battles among ``battles`` and
    of people's battles on the same pairs of models; none when either kind is missing."""
    people = [b.battle_id for b in people_on_judged_pairs(battles)]
    judged = [b.battle_id for b in battles if b.source == VoteSource.JUDGE]
    return records.battle_prompts(people + judged) if people and judged else {}


def audit_inputs(
    battles: Sequence[DecidedBattle],
    prompts: Prompts,
    *,
    judge: str | None = None,
    policy: InconsistentPolicy = InconsistentPolicy.TIE,
    seed: int = 0,
    n_boot: int = 1000,
) -> list[AuditInput]:
    """One input per stored judge (or the one ``judge`` names), sorted by name."""
    people = [battle for battle in battles if battle.source == VoteSource.HUMAN]
    reference = _people_table(people)
    humans = _people_votes(people, prompts)
    models = {name for battle in battles for name in (battle.model_a, battle.model_b)}
    inputs = []
    for stored in stored_judges(battles, judge):
        stem = family_stem(stored.name.removeprefix("judge:"))
        family = family_members(stem, models)
        options = AuditOptions(
            policy=policy,
            family=family if reference is not None else (),
            reference=reference,
            humans=humans,
            seed=seed,
            n_boot=n_boot,
        )
        pairs = _keyed_by_prompt(stored, prompts)
        inputs.append(AuditInput(stored, pairs, options, stem, family))
    return inputs


def audit_stored_judges(
    battles: Sequence[DecidedBattle],
    prompts: Prompts,
    *,
    seed: int = 0,
    n_boot: int = 1000,
) -> list[StoredAudit]:
    """One audit per stored judge (model and verdict mode), sorted by name. ``prompts``
    covers the judge and people battles among ``battles`` (``audit_prompts``)."""
    return [
        StoredAudit(
            item.judge, audit_judge(item.pairs, item.options), item.family_stem, item.family
        )
        for item in audit_inputs(battles, prompts, seed=seed, n_boot=n_boot)
    ]


def _people_table(people: Sequence[DecidedBattle]) -> BattleTable | None:
    if not people:
        return None
    return BattleTable.from_records([(b.model_a, b.model_b, b.outcome) for b in people])


def _people_votes(people: Sequence[DecidedBattle], prompts: Prompts) -> tuple[HumanVote, ...]:
    votes = []
    for battle in people:
        if battle.battle_id in prompts:
            prompt, turn = prompts[battle.battle_id]
            votes.append(
                HumanVote(prompt, turn or 1, battle.model_a, battle.model_b, battle.outcome)
            )
    return tuple(votes)


def _keyed_by_prompt(judge: StoredJudge, prompts: Prompts) -> list[PairEvidence]:
    """The judge's pairs keyed, as people's votes are, by their battle's prompt and turn."""
    keyed = []
    for pair, battle_id in zip(judge.pairs, judge.battle_ids, strict=True):
        if battle_id in prompts:
            prompt, turn = prompts[battle_id]
            pair = replace(pair, question_id=prompt, turn=turn or 1)
        keyed.append(pair)
    return keyed
