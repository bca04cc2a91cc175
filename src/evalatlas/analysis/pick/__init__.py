"""Picking a model for a task from the user's own examples: candidates ranked on the same
items with intervals and paired tests, the set tied with the best, the smallest of them,
and how many more examples would separate them.

    from evalatlas.analysis.pick import CandidateScores, recommend

Pure over per-item scores read from the store; ``evalatlas pick`` runs the candidates
(``evalatlas.runner.pick``) and shows the recommendation.
"""

from evalatlas.analysis.pick.power import ExamplesNeeded, examples_needed, paired_sample_size
from evalatlas.analysis.pick.ranking import CandidateScores, Ranked, VersusBest, rank_candidates
from evalatlas.analysis.pick.recommend import Recommendation, recommend, recommendation_sentence

__all__ = [
    "CandidateScores",
    "ExamplesNeeded",
    "Ranked",
    "Recommendation",
    "VersusBest",
    "examples_needed",
    "paired_sample_size",
    "rank_candidates",
    "recommend",
    "recommendation_sentence",
]
