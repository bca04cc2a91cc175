"""Pairwise judging: a model and a template set decide which of two answers is better.

    judge = PairwiseJudge(load_model("bundled:smollm2-135m-instruct"))
    judged = judge.judge(items)             # both orders, reconciled
    for pair in judged:
        print(pair.item.pair_id, pair.outcome, pair.forward.verdict, pair.backward.verdict)

Every item is judged twice: forward (model A shown first) and backward (model B first).
All forward judgments go to the model in one ``Model.run`` call, then all backward ones,
so the backend batches them. With ``JudgeConfig(verdict="choice")`` the verdicts are then
scored as the judge's choice among the five markers after its reasoning (``choice``), in
one more call; the judge needs log-likelihood scoring and its chat as text: its backend's
own rendering (``Model.chat_renderer``) unless a ``chat_text`` function is given:

    judge = PairwiseJudge(model, config=JudgeConfig(verdict="choice"))
 A multi-turn item uses the multi-turn template and judges
its last turn with the earlier turns as context; an item with reference answers uses the
reference-guided template.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalatlas.judge.items import JudgedPair, Judgment, PairwiseItem
from evalatlas.judge.run.calls import (
    check_unique_ids,
    generate_all,
    judge_request,
)
from evalatlas.judge.run.choice import (
    CONTINUATIONS,
    ChoiceScore,
)
from evalatlas.judge.run.fencing import fence, fenced_transcript
from evalatlas.judge.run.judge_base import JudgeBase, JudgeRole
from evalatlas.judge.templates import (
    PAIRWISE_TEMPLATES,
)
from evalatlas.judge.verdicts import VerdictMode, choose_verdict, parse_verdict
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import GenerateRequest, Generation

_ROLE = JudgeRole(
    "pairwise", PAIRWISE_TEMPLATES, "judging (both orders)", "five verdicts", CONTINUATIONS, 2
)


class PairwiseJudge(JudgeBase):
    """Decides which of two answers is better, judging each item in both orders."""

    ROLE = _ROLE

    def judge(
        self, items: Sequence[PairwiseItem], progress: ProgressCallback | None = None
    ) -> list[JudgedPair]:
        """Judge every item in both orders; one result per item, in order."""
        check_unique_ids([item.pair_id for item in items])
        requests = [self._request(item, swapped=False) for item in items]
        requests += [self._request(item, swapped=True) for item in items]
        generations = generate_all(self.model, requests[: len(items)], self.config, progress)
        generations += generate_all(self.model, requests[len(items) :], self.config, progress)
        if self.choosing:
            judgments = self._choices(items, requests, generations, progress)
        else:
            judgments = [_judgment(generation) for generation in generations]
        return [
            JudgedPair(
                item,
                self.identity(item),
                judgments[index],
                judgments[len(items) + index],
                self.template_for(item).ref,
            )
            for index, item in enumerate(items)
        ]

    def _choices(
        self,
        items: Sequence[PairwiseItem],
        requests: Sequence[GenerateRequest],
        generations: Sequence[Generation],
        progress: ProgressCallback | None,
    ) -> list[Judgment]:
        """Choice judgments of every generation (forward ones, then backward ones)."""
        reasonings = [generation.text for generation in generations]
        scores = self.choice_scores(requests, reasonings, [*items, *items], progress)
        return [
            _choice_judgment(generation, score)
            for generation, score in zip(generations, scores, strict=True)
        ]

    run = judge  # the name every judge answers to

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


def _choice_judgment(generation: Generation, score: ChoiceScore) -> Judgment:
    return Judgment(
        generation.text,
        choose_verdict(score.logprobs),
        generation.truncated or score.truncated,
        generation.finish_reason == "length",
        VerdictMode.CHOICE,
        score.logprobs,
    )


def _judgment(generation: Generation) -> Judgment:
    return Judgment(
        generation.text,
        parse_verdict(generation.text),
        generation.truncated,
        generation.finish_reason == "length",
    )
