"""What the pairwise and the grading judge share: a model that generates, a set of
templates of one kind (their choice-mode twins when verdicts are chosen), the requests a
run plans, how a choice is scored after the judge's reasoning, and the voter name that a
template gives the judge. A ``JudgeRole`` holds what sets each kind apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from evalatlas.errors import ConfigError
from evalatlas.judge.run.calls import JudgeConfig, judge_identity
from evalatlas.judge.run.choice import (
    ChatText,
    ChoiceScore,
    check_choice_support,
    choice_context,
    score_choices,
)
from evalatlas.judge.templates import JudgeTemplate, TemplateSet
from evalatlas.judge.verdicts import VerdictMode
from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import GenerateRequest, RequestKind


class TurnItem(Protocol):
    """What picks an item's template: its judged turn and whether it has references."""

    @property
    def turn(self) -> int: ...

    @property
    def references(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class JudgeRole:
    """What sets one kind of judge apart: how a refused template of another kind is
    described, its default templates, what a progress bar says it does, what choice mode
    chooses among (e.g. "five verdicts") and the choices as scored continuations, and how
    many generations it asks per item."""

    name: str
    templates: TemplateSet
    work: str
    choices: str
    continuations: tuple[str, ...]
    generations: int


class JudgeBase:
    """A judge: ``model`` with ``templates`` of the kind of its role's templates (those
    when None). In choice mode the judge needs log-likelihood
    scoring and its chat as text: ``chat_text``, else its backend's own rendering."""

    ROLE: ClassVar[JudgeRole]

    def __init__(
        self,
        model: Model,
        templates: TemplateSet | None = None,
        config: JudgeConfig | None = None,
        chat_text: ChatText | None = None,
    ) -> None:
        templates = self.ROLE.templates if templates is None else templates
        for template in templates.all():
            if template.kind is not self.ROLE.templates.plain.kind:
                raise ConfigError(
                    f"judge template {template.name!r} is not a {self.ROLE.name} template"
                )
        self.config = config or JudgeConfig()
        model.check_kinds([RequestKind.GENERATE])
        if self.choosing:
            chat_text = chat_text or model.chat_renderer()
            check_choice_support(model, chat_text)
            templates = templates.as_choice()
        self.model = model
        self.templates = templates
        self.chat_text = chat_text

    @property
    def choosing(self) -> bool:
        """True when verdicts are the judge's choice among the possible markers (scored
        after its reasoning), not the marker it wrote."""
        return self.config.verdict is VerdictMode.CHOICE

    def planned_requests(self, items: Sequence[object]) -> int:
        """Requests a run over ``items`` sends (what a progress bar counts): the role's
        generations per item, and in choice mode each scored for every choice."""
        scorings = len(self.ROLE.continuations) if self.choosing else 0
        return self.ROLE.generations * (1 + scorings) * len(items)

    @property
    def work(self) -> str:
        """What the judge does, as a progress bar says it."""
        if self.choosing:
            return f"{self.ROLE.work}, then scoring the {self.ROLE.choices}"
        return self.ROLE.work

    def choice_scores(
        self,
        requests: Sequence[GenerateRequest],
        reasonings: Sequence[str],
        items: Sequence[TurnItem],
        progress: ProgressCallback | None,
    ) -> list[ChoiceScore]:
        """The log-probability of each choice after each request's conversation, the
        judge's reasoning in answer to it and the cue of the item's template."""
        chat_text = self.chat_text
        if chat_text is None:  # __init__ refused a choosing judge without it
            raise ConfigError(
                f"choice {self.ROLE.choices.split()[-1]} need the judge's chat as text"
            )
        contexts = [
            (
                request.sample_id,
                choice_context(request, reasoning, self.template_for(item).choice_cue, chat_text),
            )
            for request, reasoning, item in zip(requests, reasonings, items, strict=True)
        ]
        return score_choices(
            self.model, contexts, self.config, progress, continuations=self.ROLE.continuations
        )

    def template_for(self, item: TurnItem) -> JudgeTemplate:
        return self.templates.choose(multi_turn=item.turn > 1, with_reference=bool(item.references))

    def identity(self, item: TurnItem) -> str:
        """The voter name this judge gives its verdict on the item (the mode is part of
        it, through the template)."""
        return judge_identity(self.model, self.template_for(item))
