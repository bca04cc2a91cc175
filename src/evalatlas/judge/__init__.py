"""Models as judges: pairwise verdicts and 1-10 grades, their biases, and win rates.

    from evalatlas.judge import PairwiseJudge, audit_judge, judge_votes
    from evalatlas.models import load_model

    judge = PairwiseJudge(load_model("bundled:smollm2-135m-instruct"))
    pairs = judge.judge(items)                  # each pair in both orders, reconciled
    audit = audit_judge(pairs)                  # position/length bias with 95% CIs
    battles, votes = judge_votes(pairs)         # store.arena().add_battles(battles, votes)
    for stored in stored_judges(store.arena().decided_battles()):
        audit = audit_judge(stored.pairs)       # the same audit, from the store alone

A judge is a ``Model`` plus a versioned template whose sha256 is its identity; its votes
carry ``judge:<model>@<template>:<hash8>``. Answers are fenced before the judge reads them
and the last verdict marker of the judge's output wins; output without one leaves the pair
unscored. With ``JudgeConfig(verdict="choice")`` the verdict is instead the judge's most
likely marker after its reasoning, scored by log-likelihood (``choice``), under a template
(and voter) of its own. ``mt_bench`` and ``arena_hard`` load those benchmarks;
``length_control`` gives win rates against a baseline with and without length control.
"""

import importlib
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from evalatlas.judge.calls import JudgeConfig, judge_identity
    from evalatlas.judge.choice import ChatText
    from evalatlas.judge.pairwise import PairwiseJudge
    from evalatlas.judge.single import SingleJudge, grade_summary

# The names that call models are imported on first use, so that reading stored verdicts
# and auditing them (the web pages do) never loads the model layer.
_CALLING_MODELS = {
    "JudgeConfig": "evalatlas.judge.calls",
    "judge_identity": "evalatlas.judge.calls",
    "ChatText": "evalatlas.judge.choice",
    "PairwiseJudge": "evalatlas.judge.pairwise",
    "SingleJudge": "evalatlas.judge.single",
    "grade_summary": "evalatlas.judge.single",
}


def __getattr__(name: str) -> object:
    module = _CALLING_MODELS.get(name)
    if module is None:
        raise AttributeError(f"module 'evalatlas.judge' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "PAIRWISE_TEMPLATES",
    "SINGLE_TEMPLATES",
    "AuditOptions",
    "BiasAudit",
    "ChatText",
    "Estimate",
    "GradedAnswer",
    "HumanVote",
    "InconsistentPolicy",
    "JudgeConfig",
    "JudgeTemplate",
    "JudgedPair",
    "Judgment",
    "LengthControlConfig",
    "PairEvidence",
    "PairOutcome",
    "PairwiseItem",
    "PairwiseJudge",
    "Preference",
    "PreferenceTable",
    "SingleItem",
    "SingleJudge",
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
    "grade_summary",
    "judge_battle_table",
    "judge_identity",
    "judge_votes",
    "length_controlled_win_rates",
    "parse_rating",
    "parse_verdict",
    "reconcile",
    "stored_judges",
    "vote_details",
]
