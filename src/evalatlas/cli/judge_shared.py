"""What the ``evalatlas judge`` commands share: their options, how a judge model is
loaded (with the workspace's response cache), where results are shown, and storing
judge votes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console

from evalatlas.cli.display import make_console, number
from evalatlas.cli.options import open_store
from evalatlas.cli.progress import RichProgress
from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.judge import Estimate, InconsistentPolicy, JudgedPair, VerdictMode, judge_votes
from evalatlas.judge.run.template_files import read_templates
from evalatlas.judge.templates import (
    PAIRWISE_TEMPLATES,
    SINGLE_TEMPLATES,
    TemplateKind,
    TemplateSet,
)
from evalatlas.models import Model, load_model
from evalatlas.models.facade import ProgressCallback
from evalatlas.runner.cache import StoreResponseCache

R = TypeVar("R")
Item = TypeVar("Item", contravariant=True)


class Judging(Protocol[Item, R]):
    """A judge as the commands run it: pairwise or grading."""

    @property
    def work(self) -> str: ...

    def planned_requests(self, items: Sequence[Item]) -> int: ...

    def run(self, items: Sequence[Item], progress: ProgressCallback | None = None) -> list[R]: ...


judge_app = typer.Typer(
    name="judge",
    help="Models as judges: pairwise verdicts, 1-10 grades, bias audits, win rates.",
    no_args_is_help=True,
    add_completion=False,
)


JudgeOption = Annotated[
    str, typer.Option("--judge", "-j", help="Model reference of the judge (any backend).")
]


LimitOption = Annotated[int | None, typer.Option(help="Judge only the first N questions.", min=1)]


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


MaxTokensOption = Annotated[
    int, typer.Option("--max-tokens", help="Tokens the judge may write (reasoning, then verdict).")
]


AnswerTokensOption = Annotated[int, typer.Option(help="Tokens the model may write per answer.")]


PolicyOption = Annotated[
    InconsistentPolicy,
    typer.Option(
        "--inconsistent",
        help="What a pair whose two orders disagree counts as: a tie, or nothing (drop).",
    ),
]


BatchOption = Annotated[
    int | None, typer.Option(help="Requests per model batch (default: what the backend prefers).")
]


SeedOption = Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")]


CacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Compute every answer and judgment anew; neither read nor write the cache.",
    ),
]


StoreOption = Annotated[
    bool,
    typer.Option("--store/--no-store", help="Store pairwise verdicts as judge votes."),
]


TemplateOption = Annotated[
    Path | None,
    typer.Option(
        "--template",
        help="Judge templates of your own (JSON, one object or a list): each replaces the "
        "built-in template of its shape; the verdict format stays the declared one.",
    ),
]
VerdictOption = Annotated[
    VerdictMode,
    typer.Option(
        "--verdict",
        help="text: the last verdict marker the judge writes; choice: after its reasoning, "
        "the judge's most likely of the five markers (scored by log-likelihood).",
    ),
]


@dataclass(frozen=True)
class Loading:
    """How models are loaded: batch size, and which workspace's response cache they use."""

    batch_size: int | None
    workspace: Path | None
    use_cache: bool


@contextmanager
def loaded(reference: str, loading: Loading) -> Iterator[Model]:
    """The model, answering from (and saving to) the workspace's response cache when
    ``use_cache``; closed afterwards."""
    model = load_model(reference, batch_size=loading.batch_size)
    try:
        if not loading.use_cache:
            yield model
            return
        with (
            open_store(loading.workspace) as store,
            model.using_cache(StoreResponseCache(store.response_cache(), model.info.fingerprint)),
        ):
            yield model
    finally:
        model.close()


@dataclass(frozen=True)
class Shown:
    """Where results go: tables or one JSON document on stdout; progress on stderr."""

    console: Console
    progress_console: Console
    as_json: bool

    @classmethod
    def make(cls, as_json: bool) -> Shown:
        return cls(make_console(), Console(stderr=True), as_json)

    def progress(self, description: str, total: int) -> RichProgress:
        progress = RichProgress(self.progress_console)
        progress.start(description, total)
        return progress

    def tracked(self, description: str, total: int, work: Callable[[ProgressCallback], R]) -> R:
        """``work(advance)`` under a progress bar of ``total`` steps, closed however it ends."""
        progress = self.progress(description, total)
        try:
            return work(progress.advance)
        finally:
            progress.finish()


def run_judge(
    shown: Shown,
    reference: str,
    loading: Loading,
    judge_of: Callable[[Model], Judging[Item, R]],
    items: Sequence[Item],
) -> list[R]:
    """The judge ``judge_of`` makes of the model ``reference`` run over ``items`` under a
    progress bar of every request it sends."""
    with loaded(reference, loading) as model:
        judge = judge_of(model)
        return shown.tracked(
            judge.work,
            judge.planned_requests(items),
            lambda advance: judge.run(items, progress=advance),
        )


def split_names(text: str | None, option: str) -> list[str]:
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if text is not None and not names:
        raise ConfigError(f"{option}: give comma-separated names")
    return names


def parse_turns(text: str) -> tuple[int, ...]:
    try:
        turns = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ConfigError(f"--turns {text!r}: give turn numbers such as 1,2") from None
    if not turns or turns[0] < 1:
        raise ConfigError(f"--turns {text!r}: turns are numbered from 1")
    return turns


def interval_text(bounds: tuple[float, float], digits: int = 3) -> str:
    return f"[{number(bounds[0], digits)}, {number(bounds[1], digits)}]"


def estimate_cells(estimate: Estimate) -> tuple[str, str, str]:
    interval = interval_text((estimate.ci_low, estimate.ci_high))
    return number(estimate.value, 3), interval, str(estimate.n)


def echo_json(payload: dict[str, Any]) -> None:
    typer.echo(dumps(payload, indent=2))


def store_votes(
    workspace: Path | None, pairs: Sequence[JudgedPair], policy: InconsistentPolicy
) -> dict[str, Any]:
    battles, votes = judge_votes(pairs, policy)
    with open_store(workspace) as store:
        added, skipped = store.arena().add_battles(battles, votes)
        root = str(store.root)
    return {"added": added, "skipped": skipped, "workspace": root}


def templates_from(path: Path | None, kind: TemplateKind) -> TemplateSet:
    """The built-in templates of ``kind``, with those of ``path`` in their place."""
    base = PAIRWISE_TEMPLATES if kind is TemplateKind.PAIRWISE else SINGLE_TEMPLATES
    return base if path is None else read_templates(path, base, kind)
