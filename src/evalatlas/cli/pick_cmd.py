"""``evalatlas pick``: the user's examples, answered by every candidate, ranked with
intervals and paired tests, and the smallest model that is as good as the best."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evalatlas.analysis.pick import CandidateScores, Recommendation, recommend
from evalatlas.analysis.pick.report import report_markdown
from evalatlas.cli.display import make_console
from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.cli.pick_report import report_document, report_table
from evalatlas.cli.progress import RichProgress
from evalatlas.errors import ConfigError, ModelError
from evalatlas.jsonio import dumps
from evalatlas.runner import EvalConfig
from evalatlas.runner.pick import CandidateRun, CandidateStatus, PickRun, run_pick
from evalatlas.runner.pick_constraints import Constraints, parse_min_score, parse_parameters
from evalatlas.tasks.pick_examples import DEFAULT_MAX_EXAMPLES, read_examples
from evalatlas.tasks.pick_task import Grading, GradingOptions, pick_task, primary_metric


def pick_command(
    examples: Annotated[
        Path,
        typer.Option(
            "--examples",
            "-e",
            help="JSONL or CSV: prompt+answer, prompt+choices+answer, or prompt per line.",
        ),
    ],
    models: Annotated[
        list[str],
        typer.Option(
            "--model",
            "-m",
            help="A candidate (repeat): bundled:NAME, a GGUF file, an HF folder, an endpoint,"
            " or random.",
        ),
    ],
    grading: Annotated[
        Grading, typer.Option(help="How reference answers are graded.")
    ] = Grading.NORMALISED,
    answer_regex: Annotated[
        str | None, typer.Option(help="With --grading regex: the pattern that extracts the answer.")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="Tokens generated per answer at most.")] = 32,
    max_examples: Annotated[
        int, typer.Option(help="Refuse files with more examples than this.")
    ] = DEFAULT_MAX_EXAMPLES,
    max_params: Annotated[
        str | None, typer.Option(help="Keep candidates with at most this many parameters (2B).")
    ] = None,
    licence: Annotated[
        list[str] | None, typer.Option(help="Keep candidates with this licence (repeat).")
    ] = None,
    min_score: Annotated[
        list[str] | None,
        typer.Option(help="TASK=SCORE: keep candidates whose stored TASK score is at least it."),
    ] = None,
    apply_chat_template: Annotated[
        bool,
        typer.Option(
            "--apply-chat-template",
            help="Wrap prompts in each candidate's chat template (one without fails).",
        ),
    ] = False,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt (with --apply-chat-template: a system turn).")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Requests per model batch.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the report as Markdown to this file.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Rank candidate models on your own examples and recommend the smallest good one."""
    console = make_console()
    if markdown is not None and (markdown.is_dir() or not markdown.parent.exists()):
        raise ConfigError(f"--markdown {markdown}: give a file path in an existing folder")
    read = read_examples(examples, max_examples)
    options = GradingOptions(grading, answer_regex, max_tokens)
    task = pick_task(read, options)
    constraints = Constraints(
        parse_parameters(max_params) if max_params is not None else None,
        tuple(licence or ()),
        tuple(parse_min_score(text) for text in min_score or ()),
    )
    metric = primary_metric(read, options)
    config = EvalConfig(apply_chat_template=apply_chat_template, system_prompt=system_prompt)
    pick = PickRun(task, metric, config, constraints, batch_size)
    # With --json, stdout holds only the document: progress goes to stderr.
    progress = RichProgress(Console(stderr=True) if as_json else console)
    with open_store(workspace) as store:
        runs = run_pick(_unique(models), pick, store, progress)
        recommendation = _recommendation(runs, task.random_baseline())
        document = report_document(read, task.name, metric, constraints, runs, recommendation)
        saved = store.pick_reports().save(read.sha256, task.name, document)
    document = {"report_id": saved.report_id, **document}
    if as_json:
        typer.echo(dumps(document, indent=2))
    else:
        console.print(report_table(document))
        sentence = document["recommendation"]["sentence"] if recommendation else None
        console.print(sentence or "No candidate answered: no recommendation.", highlight=False)
        console.print(f"report {saved.report_id[:12]} stored", highlight=False)
    if markdown is not None:
        write_text_atomic(markdown, report_markdown(document, saved.report_id))
    _fail_when_none_ran(runs)


def _unique(models: list[str]) -> list[str]:
    if not models:
        raise ConfigError("give at least one --model")
    return list(dict.fromkeys(models))


def _recommendation(runs: list[CandidateRun], baseline: float | None) -> Recommendation | None:
    ran = [
        CandidateScores(
            run.name,
            run.item_scores,
            run.parameters,
            (run.measured.tokens_per_second or run.measured.requests_per_second)
            if run.measured
            else None,
        )
        for run in runs
        if run.status == CandidateStatus.RAN and run.item_scores
    ]
    return recommend(ran, baseline) if ran else None


def _fail_when_none_ran(runs: list[CandidateRun]) -> None:
    """After the report is shown: one line and a non-zero exit when nobody answered."""
    if any(run.status == CandidateStatus.RAN for run in runs):
        return
    if all(run.status == CandidateStatus.EXCLUDED for run in runs):
        why = "; ".join(f"{run.name}: {', '.join(run.reasons)}" for run in runs)
        raise ConfigError(f"the constraints leave no candidate ({why}); relax them")
    failed = "; ".join(f"{run.name}: {' '.join(run.reasons)}" for run in runs)
    raise ModelError(f"no candidate answered the examples ({failed})")
