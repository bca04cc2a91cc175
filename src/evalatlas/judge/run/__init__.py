"""Judging runs: what calls models, built on the read side of ``evalatlas.judge``.

    from evalatlas.judge.run import PairwiseJudge, SingleJudge, grade_summary

    pairs = PairwiseJudge(judge_model).judge(items)     # both orders, reconciled
    grades = SingleJudge(judge_model).grade(answers)    # 1-10, unscored when unreadable

Answers are fenced before the judge reads them. With ``JudgeConfig(verdict="choice")`` the
verdict is instead the judge's most likely marker after its reasoning, scored by
log-likelihood (``choice``), under a template (and voter) of its own. ``answering``
generates a model's answers to multi-turn questions; ``mt_bench`` and ``arena_hard`` load
those benchmarks' questions and stored answers and build the items to judge.
"""

from evalatlas.judge.run.calls import JudgeConfig, judge_identity
from evalatlas.judge.run.choice import ChatText
from evalatlas.judge.run.pairwise import PairwiseJudge
from evalatlas.judge.run.single import SingleJudge, grade_summary

__all__ = [
    "ChatText",
    "JudgeConfig",
    "PairwiseJudge",
    "SingleJudge",
    "grade_summary",
    "judge_identity",
]
