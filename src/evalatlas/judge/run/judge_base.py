"""What the pairwise and the grading judge share: a model that generates, a set of
templates of one kind (their choice-mode twins when verdicts are chosen), and the voter
name that a template gives the judge."""

from __future__ import annotations

from typing import ClassVar, Protocol

from evalatlas.errors import ConfigError
from evalatlas.judge.run.calls import JudgeConfig, judge_identity
from evalatlas.judge.run.choice import ChatText, check_choice_support
from evalatlas.judge.templates import JudgeTemplate, TemplateKind, TemplateSet
from evalatlas.judge.verdicts import VerdictMode
from evalatlas.models import Model
from evalatlas.requests import RequestKind


class TurnItem(Protocol):
    """What picks an item's template: its judged turn and whether it has references."""

    @property
    def turn(self) -> int: ...

    @property
    def references(self) -> tuple[str, ...]: ...


class JudgeBase:
    """A judge: ``model`` with ``templates`` of the subclass's ``KIND`` (its
    ``DEFAULT_TEMPLATES`` when None). In choice mode the judge needs log-likelihood
    scoring and its chat as text: ``chat_text``, else its backend's own rendering."""

    KIND: ClassVar[TemplateKind]
    KIND_NAME: ClassVar[str]  # how a refused template of another kind is described
    DEFAULT_TEMPLATES: ClassVar[TemplateSet]

    def __init__(
        self,
        model: Model,
        templates: TemplateSet | None = None,
        config: JudgeConfig | None = None,
        chat_text: ChatText | None = None,
    ) -> None:
        templates = self.DEFAULT_TEMPLATES if templates is None else templates
        for template in templates.all():
            if template.kind is not self.KIND:
                raise ConfigError(
                    f"judge template {template.name!r} is not a {self.KIND_NAME} template"
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

    def chat_as_text(self, choices: str) -> ChatText:
        """The chat renderer that choice mode scores with (``__init__`` refused a judge
        without one; checked again for the type checker); ``choices`` names what is
        chosen, for the message."""
        if self.chat_text is None:
            raise ConfigError(f"choice {choices} need the judge's chat as text")
        return self.chat_text

    def template_for(self, item: TurnItem) -> JudgeTemplate:
        return self.templates.choose(multi_turn=item.turn > 1, with_reference=bool(item.references))

    def identity(self, item: TurnItem) -> str:
        """The voter name this judge gives its verdict on the item (the mode is part of
        it, through the template)."""
        return judge_identity(self.model, self.template_for(item))
