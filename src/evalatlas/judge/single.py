"""Single-answer grading: a judge rates one answer from 1 to 10 (``Rating: [[7]]``).

    grades = SingleJudge(judge_model).grade(items)
    for row in grade_summary(grades):
        print(row.group, row.score.value, row.score.ci_low, row.score.ci_high, row.score.n)

An item with reference answers (MT-Bench's math, reasoning and coding questions) is graded
with the reference-guided template; a multi-turn item's last turn is graded with the
earlier turns as context. A judge output without a valid rating leaves the answer
unscored: counted in ``n_unscored``, never given a guessed rating.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError
from evalatlas.judge.calls import (
    JudgeConfig,
    check_unique_ids,
    generate_all,
    judge_identity,
    judge_request,
)
from evalatlas.judge.fencing import fence, fenced_transcript
from evalatlas.judge.items import GradedAnswer, SingleItem
from evalatlas.judge.templates import SINGLE_TEMPLATES, JudgeTemplate, TemplateKind, TemplateSet
from evalatlas.judge.verdicts import VerdictMode, parse_rating
from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import RequestKind
from evalatlas.scoring import MetricValue
from evalatlas.scoring.stats import mean_metric


class SingleJudge:
    def __init__(
        self,
        model: Model,
        templates: TemplateSet = SINGLE_TEMPLATES,
        config: JudgeConfig | None = None,
    ) -> None:
        for template in templates.all():
            if template.kind is not TemplateKind.SINGLE:
                raise ConfigError(f"judge template {template.name!r} is not a grading template")
        self.config = config or JudgeConfig()
        if self.config.verdict is not VerdictMode.TEXT:
            raise ConfigError(
                "choice verdicts are for pairwise judges: a grading judge writes its rating"
            )
        model.check_kinds([RequestKind.GENERATE])
        self.model = model
        self.templates = templates

    def template_for(self, item: SingleItem) -> JudgeTemplate:
        return self.templates.choose(multi_turn=item.turn > 1, with_reference=bool(item.references))

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
        return [
            GradedAnswer(
                item,
                judge_identity(self.model, self.template_for(item)),
                generation.text,
                parse_rating(generation.text),
                generation.truncated,
                generation.finish_reason == "length",
            )
            for item, generation in zip(items, generations, strict=True)
        ]


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
