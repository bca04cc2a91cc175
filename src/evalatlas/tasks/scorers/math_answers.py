r"""MATH answers: the answer read from a generated solution is checked for equivalence
with the sample's target, the gold answer (``evalatlas.scoring.math_answers``).

``exact_match`` is 1 for an equivalent answer and 0 otherwise, also when no answer is
found; each outcome records the answer read and how it matched.
"""

from __future__ import annotations

from evalatlas.data import Sample
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.math_answers import score_math_answer
from evalatlas.tasks.scorers.generation import GenerationScorer
from evalatlas.tasks.task import SampleOutcome

METRIC = "exact_match"


class MathAnswerScorer(GenerationScorer):
    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of("math_answer_equivalence", self.identity_settings())

    def metric_names(self) -> list[str]:
        return [METRIC]

    def higher_is_better(self, metric: str) -> bool:
        return True

    def grade(self, text: str, sample: Sample) -> SampleOutcome:
        graded = score_math_answer(text, str(sample.target))
        return SampleOutcome({METRIC: graded.value}, graded.extracted, graded.explanation)
