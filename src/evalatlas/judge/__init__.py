"""Models as judges: pairwise verdicts and 1-10 grades, their biases, and win rates.

    from evalatlas.judge import audit_judge, judge_votes
    from evalatlas.judge.run import PairwiseJudge
    from evalatlas.models import load_model

    judge = PairwiseJudge(load_model("bundled:smollm2-135m-instruct"))
    pairs = judge.judge(items)                  # each pair in both orders, reconciled
    audit = audit_judge(pairs)                  # position/length bias with 95% CIs
    battles, votes = judge_votes(pairs)         # store.arena().add_battles(battles, votes)
    for stored in stored_judges(store.arena().decided_battles()):
        audit = audit_judge(stored.pairs)       # the same audit, from the store alone

A judge is a ``Model`` plus a versioned template whose sha256 is its identity; its votes
carry ``judge:<model>@<template>:<hash8>``. The last verdict marker of the judge's output
wins; output without one leaves the pair unscored. ``length_control`` gives win rates
against a baseline with and without length control.

This package is the read side: verdicts, stored judge votes, their audit and length
control, which never load a model (the web pages use them). What calls models (the
pairwise and grading judges, answering, the MT-Bench and Arena-Hard runs) is in
``evalatlas.judge.run``.
"""

from evalatlas.judge.audit import (
    AuditOptions,
    BiasAudit,
    Estimate,
    HumanVote,
    answer_length,
    audit_judge,
    cohen_kappa,
)
from evalatlas.judge.evidence import PairEvidence
from evalatlas.judge.items import GradedAnswer, JudgedPair, Judgment, PairwiseItem, SingleItem
from evalatlas.judge.length_control import (
    LengthControlConfig,
    Preference,
    PreferenceTable,
    baseline_preferences,
    length_controlled_win_rates,
)
from evalatlas.judge.stored import StoredJudge, stored_judges, vote_details
from evalatlas.judge.templates import (
    PAIRWISE_TEMPLATES,
    SINGLE_TEMPLATES,
    JudgeTemplate,
    TemplateKind,
    TemplateRef,
    TemplateSet,
)
from evalatlas.judge.verdicts import (
    InconsistentPolicy,
    PairOutcome,
    Verdict,
    VerdictMode,
    choose_verdict,
    parse_rating,
    parse_verdict,
    reconcile,
)
from evalatlas.judge.votes import judge_battle_table, judge_votes

__all__ = [
    "PAIRWISE_TEMPLATES",
    "SINGLE_TEMPLATES",
    "AuditOptions",
    "BiasAudit",
    "Estimate",
    "GradedAnswer",
    "HumanVote",
    "InconsistentPolicy",
    "JudgeTemplate",
    "JudgedPair",
    "Judgment",
    "LengthControlConfig",
    "PairEvidence",
    "PairOutcome",
    "PairwiseItem",
    "Preference",
    "PreferenceTable",
    "SingleItem",
    "StoredJudge",
    "TemplateKind",
    "TemplateRef",
    "TemplateSet",
    "Verdict",
    "VerdictMode",
    "answer_length",
    "audit_judge",
    "baseline_preferences",
    "choose_verdict",
    "cohen_kappa",
    "judge_battle_table",
    "judge_votes",
    "length_controlled_win_rates",
    "parse_rating",
    "parse_verdict",
    "reconcile",
    "stored_judges",
    "vote_details",
]
