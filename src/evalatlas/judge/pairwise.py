"""Pairwise judging: a model and a template set decide which of two answers is better.

    judge = PairwiseJudge(load_model("bundled:smollm2-135m-instruct"))
    judged = judge.judge(items)             # both orders, reconciled
    for pair in judged:
        print(pair.item.pair_id, pair.outcome, pair.forward.verdict, pair.backward.verdict)

Every item is judged twice: forward (model A shown first) and backward (model B first).
All forward judgments go to the model in one ``Model.run`` call, then all backward ones,
so the backend batches them. A multi-turn item uses the multi-turn template and judges
its last turn with the earlier turns as context; an item with reference answers uses the
reference-guided template.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalatlas.errors import ConfigError
from evalatlas.judge.calls import (
    JudgeConfig,
    check_unique_ids,
    generate_all,
    judge_identity,
    judge_request,
)
from evalatlas.judge.fencing import fence, fenced_transcript
from evalatlas.judge.items import JudgedPair, Judgment, PairwiseItem
from evalatlas.judge.templates import PAIRWISE_TEMPLATES, JudgeTemplate, TemplateKind, TemplateSet
from evalatlas.judge.verdicts import parse_verdict
from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import GenerateRequest, Generation, RequestKind


class PairwiseJudge:
    def __init__(
        self,
        model: Model,
        templates: TemplateSet = PAIRWISE_TEMPLATES,
        config: JudgeConfig | None = None,
    ) -> None:
        for template in templates.all():
            if template.kind is not TemplateKind.PAIRWISE:
                raise ConfigError(f"judge template {template.name!r} is not a pairwise template")
        model.check_kinds([RequestKind.GENERATE])
        self.model = model
        self.templates = templates
        self.config = config or JudgeConfig()

    def template_for(self, item: PairwiseItem) -> JudgeTemplate:
        return self.templates.choose(multi_turn=item.turn > 1, with_reference=bool(item.references))

    def identity(self, item: PairwiseItem) -> str:
        """The voter name this judge gives the item's verdict."""
        return judge_identity(self.model, self.template_for(item))

    def judge(
        self, items: Sequence[PairwiseItem], progress: ProgressCallback | None = None
    ) -> list[JudgedPair]:
        """Judge every item in both orders; one result per item, in order."""
        check_unique_ids([item.pair_id for item in items])
        forward = generate_all(
            self.model,
            [self._request(item, swapped=False) for item in items],
            self.config,
            progress,
        )
        backward = generate_all(
            self.model,
            [self._request(item, swapped=True) for item in items],
            self.config,
            progress,
        )
        return [
            JudgedPair(item, self.identity(item), _judgment(ahead), _judgment(behind))
            for item, ahead, behind in zip(items, forward, backward, strict=True)
        ]

    def _request(self, item: PairwiseItem, *, swapped: bool) -> GenerateRequest:
        order = "backward" if swapped else "forward"
        fields = pairwise_fields(item, swapped=swapped)
        return judge_request(
            f"{item.pair_id}:{order}", self.template_for(item), fields, self.config
        )


def pairwise_fields(item: PairwiseItem, *, swapped: bool) -> dict[str, str]:
    """Fenced texts for a pairwise template; ``swapped`` shows model B's answer as A."""
    first, second = (
        (item.answers_b, item.answers_a) if swapped else (item.answers_a, item.answers_b)
    )
    if item.turn > 1:
        fields = {
            "answer_a": fenced_transcript(
                "Assistant A's Conversation with User", item.questions, first, "Assistant A"
            ),
            "answer_b": fenced_transcript(
                "Assistant B's Conversation with User", item.questions, second, "Assistant B"
            ),
        }
        if item.references:
            fields["reference"] = fenced_transcript(
                "Reference Answer", item.questions, item.references, "Reference answer"
            )
        fields["question"] = fence("User Question", item.prompt)
        return fields
    fields = {
        "question": fence("User Question", item.prompt),
        "answer_a": fence("Assistant A's Answer", first[-1]),
        "answer_b": fence("Assistant B's Answer", second[-1]),
    }
    if item.references:
        fields["reference"] = fence("Reference Answer", item.references[-1])
    return fields


def _judgment(generation: Generation) -> Judgment:
    return Judgment(
        generation.text,
        parse_verdict(generation.text),
        generation.truncated,
        generation.finish_reason == "length",
    )
