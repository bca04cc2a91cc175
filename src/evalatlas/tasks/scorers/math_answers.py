r"""MATH answers: the answer read from a generated solution is checked for equivalence
with the sample's target, the gold answer (``evalatlas.scoring.math_answers``).

``exact_match`` is 1 for an equivalent answer and 0 otherwise, also when no answer is
found; each outcome records the answer read and how it matched.

The target a task definition reads is the problem's worked solution; the scorer compares
with its final answer (the last ``\boxed{}``), so a solution without one fails when the
data is read. A row marked ``WRITTEN_EXAMPLE`` (a few-shot example the definition writes
out) keeps its whole solution: the prompt shows it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from evalatlas.data import Sample
from evalatlas.errors import DataError
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.math_answers import gold_answer, score_math_answer
from evalatlas.tasks.scorers.generation import GenerationScorer
from evalatlas.tasks.task import SampleOutcome

METRIC = "exact_match"
WRITTEN_EXAMPLE = "few_shot"


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

    def ready(self, sample: Sample, where: str) -> Sample:
        """A problem whose target is its gold answer; a written example as it is."""
        if WRITTEN_EXAMPLE in sample.doc:
            return sample
        solution = sample.doc.get("solution")
        if not isinstance(solution, str):
            raise DataError(
                f"{where}: field 'solution' must be text, got {type(solution).__name__}"
            )
        try:
            answer = gold_answer(solution)
        except DataError as error:
            raise DataError(f"{where}: {error}") from None
        return dataclasses.replace(sample, target=answer)

    def hash_extra(self) -> dict[str, Any]:
        # The name this grading was hashed under before scorers were objects: stored
        # results of MATH-hard keep their task hash.
        return {"metrics": [METRIC], "scorer": "evalatlas.scoring.math_answers.score_math_answer"}
