"""Models as judges: pairwise verdicts and 1-10 grades, their biases, and win rates.

    from evalatlas.judge import PairwiseJudge, audit_judge, judge_votes
    from evalatlas.models import load_model

    judge = PairwiseJudge(load_model("bundled:smollm2-135m-instruct"))
    pairs = judge.judge(items)                  # each pair in both orders, reconciled
    audit = audit_judge(pairs)                  # position/length bias with 95% CIs
    battles, votes = judge_votes(pairs)         # store.arena().add_battles(battles, votes)

A judge is a ``Model`` plus a versioned template whose sha256 is its identity; its votes
carry ``judge:<model>@<template>:<hash8>``. Answers are fenced before the judge reads them
and the last verdict marker of the judge's output wins; output without one leaves the pair
unscored. ``mt_bench`` and ``arena_hard`` load those benchmarks; ``length_control`` gives
win rates against a baseline with and without length control.
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
from evalatlas.judge.calls import JudgeConfig, judge_identity
from evalatlas.judge.items import GradedAnswer, JudgedPair, Judgment, PairwiseItem, SingleItem
from evalatlas.judge.length_control import (
    LengthControlConfig,
    Preference,
    PreferenceTable,
    baseline_preferences,
    length_controlled_win_rates,
)
from evalatlas.judge.pairwise import PairwiseJudge
from evalatlas.judge.single import SingleJudge, grade_summary
from evalatlas.judge.templates import (
    PAIRWISE_TEMPLATES,
    SINGLE_TEMPLATES,
    JudgeTemplate,
    TemplateKind,
    TemplateSet,
)
from evalatlas.judge.verdicts import (
    InconsistentPolicy,
    PairOutcome,
    Verdict,
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
    "JudgeConfig",
    "JudgeTemplate",
    "JudgedPair",
    "Judgment",
    "LengthControlConfig",
    "PairOutcome",
    "PairwiseItem",
    "PairwiseJudge",
    "Preference",
    "PreferenceTable",
    "SingleItem",
    "SingleJudge",
    "TemplateKind",
    "TemplateSet",
    "Verdict",
    "answer_length",
    "audit_judge",
    "baseline_preferences",
    "cohen_kappa",
    "grade_summary",
    "judge_battle_table",
    "judge_identity",
    "judge_votes",
    "length_controlled_win_rates",
    "parse_rating",
    "parse_verdict",
    "reconcile",
]
