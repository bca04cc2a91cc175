"""Single-answer grading: a judge rates one answer from 1 to 10 (``Rating: [[7]]``).

    grades = SingleJudge(judge_model).grade(items)
    for row in grade_summary(grades):
        print(row.group, row.score.value, row.score.ci_low, row.score.ci_high, row.score.n)

An item with reference answers (MT-Bench's math, reasoning and coding questions) is graded
with the reference-guided template; a multi-turn item's last turn is graded with the
earlier turns as context. A judge output without a valid rating leaves the answer
unscored: counted in ``n_unscored``, never given a guessed rating.

With ``JudgeConfig(verdict="choice")`` the rating is instead the judge's choice (see
``choice``): after its reasoning (cut before the first ``[[``, and without a trailing
``Rating:`` label, which the cue repeats) comes ``"\\n\\nRating: [["`` and the ten
continuations ``1]]`` ... ``10]]`` are scored by log-likelihood; the most likely one is the
rating, recorded with its ten log-probabilities. The judge needs log-likelihood scoring
and its chat as text (its backend's rendering unless ``chat_text`` is given), and grades
under the ``-choice`` templates (a voter of its own):

    grader = SingleJudge(model, config=JudgeConfig(verdict="choice"))
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evalatlas.judge.items import GradedAnswer, SingleItem
from evalatlas.judge.run.calls import (
    check_unique_ids,
    generate_all,
    judge_request,
)
from evalatlas.judge.run.choice import (
    RATING_CONTINUATIONS,
    ChoiceScore,
    choose_rating,
    reasoning_before_verdict,
)
from evalatlas.judge.run.fencing import fence, fenced_transcript
from evalatlas.judge.run.judge_base import JudgeBase, JudgeRole
from evalatlas.judge.templates import (
    SINGLE_TEMPLATES,
)
from evalatlas.judge.verdicts import VerdictMode, parse_rating
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import GenerateRequest, Generation
from evalatlas.scoring import MetricValue
from evalatlas.scoring.stats import mean_metric

# The label a judge writes before its marker ("... Rating: [[7]]"); dropped from the
# reasoning in choice mode, so the scored text does not read "Rating:\n\nRating: [[".
_RATING_LABEL = re.compile(r"[\s*#]*rating[\s*]*:?[\s*]*$", re.IGNORECASE)


_ROLE = JudgeRole("grading", SINGLE_TEMPLATES, "grading", "ten ratings", RATING_CONTINUATIONS, 1)


class SingleJudge(JudgeBase):
    """Rates one answer from 1 to 10."""

    ROLE = _ROLE

    def grade(
        self, items: Sequence[SingleItem], progress: ProgressCallback | None = None
    ) -> list[GradedAnswer]:
        """Rate every item's last answer; one result per item, in order."""
        check_unique_ids([item.item_id for item in items])
        requests = [
            judge_request(item.item_id, self.template_for(item), single_fields(item), self.config)
            for item in items
        ]
        generations = generate_all(self.model, requests, self.config, progress)
        if self.choosing:
            return self._chosen(items, requests, generations, progress)
        return [
            GradedAnswer(
                item,
                self.identity(item),
                generation.text,
                parse_rating(generation.text),
                generation.truncated,
                generation.finish_reason == "length",
            )
            for item, generation in zip(items, generations, strict=True)
        ]

    run = grade  # the name every judge answers to

    def _chosen(
        self,
        items: Sequence[SingleItem],
        requests: Sequence[GenerateRequest],
        generations: Sequence[Generation],
        progress: ProgressCallback | None,
    ) -> list[GradedAnswer]:
        """Every item's rating as the judge's most likely of the ten after its reasoning."""
        reasonings = [rating_reasoning(generation.text) for generation in generations]
        scores = self.choice_scores(requests, reasonings, items, progress)
        return [
            _chosen_grade(item, self.identity(item), generation, score)
            for item, generation, score in zip(items, generations, scores, strict=True)
        ]


def rating_reasoning(text: str) -> str:
    """A grading judge's reasoning before its rating: cut before the first ``[[`` it wrote,
    without the ``Rating:`` label that led up to it."""
    return _RATING_LABEL.sub("", reasoning_before_verdict(text))


def _chosen_grade(
    item: SingleItem, judge: str, generation: Generation, score: ChoiceScore
) -> GradedAnswer:
    return GradedAnswer(
        item,
        judge,
        generation.text,
        choose_rating(score.logprobs),
        generation.truncated or score.truncated,
        generation.finish_reason == "length",
        VerdictMode.CHOICE,
        score.logprobs,
    )


def single_fields(item: SingleItem) -> dict[str, str]:
    """Fenced texts for a grading template."""
    fields = {"question": fence("User Question", item.questions[-1])}
    if item.turn > 1:
        fields["answer"] = fenced_transcript(
            "Assistant's Conversation with User", item.questions, item.answers, "Assistant"
        )
        if item.references:
            fields["reference"] = fenced_transcript(
                "Reference Answer", item.questions, item.references, "Reference answer"
            )
        return fields
    fields["answer"] = fence("Assistant's Answer", item.answers[-1])
    if item.references:
        fields["reference"] = fence("Reference Answer", item.references[-1])
    return fields


@dataclass(frozen=True)
class GradeSummary:
    """Mean rating of one group of graded answers (``group``: "all", "turn 1", a category)
    with its t interval; unscored answers are counted in ``score.n_unscored``."""

    model: str
    group: str
    score: MetricValue


def grade_summary(
    grades: Sequence[GradedAnswer], *, confidence: float = 0.95
) -> list[GradeSummary]:
    """Per model: the overall mean rating, then per turn, then per category (sorted)."""
    rows: list[GradeSummary] = []
    for model in sorted({grade.item.model for grade in grades}):
        own = [grade for grade in grades if grade.item.model == model]
        groups: dict[str, list[GradedAnswer]] = {"all": own}
        for grade in sorted(own, key=lambda g: g.item.turn):
            groups.setdefault(f"turn {grade.item.turn}", []).append(grade)
        for grade in sorted(own, key=lambda g: g.item.category or ""):
            if grade.item.category:
                groups.setdefault(grade.item.category, []).append(grade)
        for name, members in groups.items():
            values = [math.nan if g.rating is None else g.rating for g in members]
            rows.append(GradeSummary(model, name, mean_metric(values, confidence=confidence)))
    return rows


def graded_answer_json(grade: GradedAnswer) -> dict[str, Any]:
    """A JSON-ready summary of one grade (the judge's text left out): which answer, its
    rating and how it was read; for a chosen rating, the ten log-probabilities by rating
    (a NaN is JSON's null)."""
    row: dict[str, Any] = {
        "item_id": grade.item.item_id,
        "model": grade.item.model,
        "question_id": grade.item.question_id,
        "turn": grade.item.turn,
        "category": grade.item.category,
        "judge": grade.judge,
        "rating": grade.rating,
        "verdict_source": grade.verdict_source.value,
        "truncated": grade.truncated,
        "hit_token_limit": grade.hit_token_limit,
    }
    if grade.verdict_source is VerdictMode.CHOICE:
        row["choice_logprobs"] = {
            continuation.removesuffix("]]"): None if math.isnan(value) else value
            for continuation, value in zip(RATING_CONTINUATIONS, grade.choice_logprobs, strict=True)
        }
    return row
