"""``evalatlas eval``: run tasks on a model, print scores with CIs, store everything."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evalatlas.analysis.leaderboard import display_names
from evalatlas.cli.display import make_console, results_json, results_table, truncation_notes
from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.cli.progress import RichProgress
from evalatlas.cli.suite_display import suite_notes, suite_table
from evalatlas.errors import ConfigError
from evalatlas.models import Model, load_model
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.executors import open_executor
from evalatlas.runner.suite import SuiteOutcome, evaluate_suite
from evalatlas.store.records import EvalResult
from evalatlas.store.workspace import Store
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.tasks.suites import Suite, suite_in
from evalatlas.tasks.task import Task


def eval_command(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="Model reference, e.g. bundled:smollm2-135m-instruct ('evalatlas models list').",
        ),
    ],
    tasks: Annotated[
        str,
        typer.Option(
            "--tasks",
            "-t",
            help="Comma-separated task or group names, or paths to task YAML files.",
        ),
    ],
    limit: Annotated[
        int | None, typer.Option(help="Evaluate only the first N samples of each task.")
    ] = None,
    num_fewshot: Annotated[
        int | None, typer.Option(help="Few-shot examples per prompt (default: the task's).")
    ] = None,
    fewshot_seed: Annotated[int, typer.Option(help="Seed of the few-shot draw.")] = 1234,
    apply_chat_template: Annotated[
        bool,
        typer.Option("--apply-chat-template", help="Wrap prompts in the model's chat template."),
    ] = False,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt (with --apply-chat-template: a system turn).")
    ] = None,
    fewshot_as_multiturn: Annotated[
        bool,
        typer.Option("--fewshot-as-multiturn", help="Few-shot examples as alternating chat turns."),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Read data from this local directory instead of the Hugging Face hub."),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Requests per model batch, exactly (default: batches of about 5 seconds, "
            "up to what the backend prefers, each cached and shown as it finishes)."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Re-run even when an identical spec already has a stored result."
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Compute every response anew; neither read nor write the response cache.",
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option(help="Also write the results as JSON to this file.")
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="Where the requests run: 'local' (this process), 'ray' (a local Ray "
            "instance, or $RAY_ADDRESS's) or 'ray://HOST:PORT', with ?actors=N&cpus=C&gpus=G; "
            "the result is the same.",
        ),
    ] = "local",
    members: Annotated[
        bool,
        typer.Option("--members", help="Also list each group member (e.g. every MMLU subject)."),
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Evaluate MODEL on TASKS; per-sample records go to the workspace store."""
    console = make_console()
    suite = suite_in(tasks)
    task_list = [] if suite is not None else resolve_tasks(tasks)
    config = EvalConfig(
        limit=limit,
        num_fewshot=num_fewshot,
        fewshot_seed=fewshot_seed,
        apply_chat_template=apply_chat_template,
        system_prompt=system_prompt,
        fewshot_as_multiturn=fewshot_as_multiturn,
        data_dir=data_dir,
        force=force,
        use_cache=not no_cache,
    )
    if output is not None and (output.is_dir() or not output.parent.exists()):
        raise ConfigError(f"--output {output}: give a file path in an existing folder")
    with closing(open_executor(executor, batch_size)) as runner:
        loaded = load_model(model, batch_size=batch_size)
        try:
            with open_store(workspace) as store:
                run = _RunRequest(task_list, suite, replace(config, executor=runner), members)
                results = _run_and_report(console, loaded, store, run)
                root = store.root
        finally:
            loaded.close()
    usage = loaded.usage
    console.print(
        f"{usage.requests} requests ({usage.unique_requests} unique, {usage.cached} cached) "
        f"in {usage.seconds:.1f} s; stored in {root}",
        highlight=False,
    )
    if output is not None:
        write_text_atomic(output, results_json(results) + "\n")
        console.print(f"results written to {output}", highlight=False)


@dataclass(frozen=True)
class _RunRequest:
    tasks: list[Task]
    suite: Suite | None
    config: EvalConfig
    show_members: bool


def _run_and_report(
    console: Console, model: Model, store: Store, run: _RunRequest
) -> list[EvalResult]:
    """Evaluate, print the results (and a suite's scores and notes); the results shown."""
    progress = RichProgress(console)
    suite_outcome: SuiteOutcome | None = None
    if run.suite is not None:
        suite_outcome = evaluate_suite(model, run.suite, run.config, store, progress)
        outcomes = suite_outcome.outcomes
    else:
        outcomes = evaluate(model, run.tasks, run.config, store, progress)
    results = [o.result for o in outcomes]
    # The name every page shows (the catalog's for a bundled model), not the file's own.
    names = display_names(store)
    shown = names.get((model.info.reference, model.info.fingerprint), model.info.name)
    title = f"{shown} ({model.info.reference})"
    if results:
        table = results_table(results, title=title, show_members=run.show_members, names=names)
        console.print(table)
    for note in truncation_notes(results, show_members=run.show_members):
        console.print(note, highlight=False, markup=False)
    if suite_outcome is not None:
        _print_suite(console, suite_outcome, run.show_members)
        if suite_outcome.result is not None:
            results.append(suite_outcome.result)
    return results


def _print_suite(console: Console, outcome: SuiteOutcome, show_members: bool) -> None:
    if outcome.result is not None:
        console.print(suite_table(outcome.suite, outcome.result, show_members=show_members))
    skipped = [(s.benchmark, s.reason) for s in outcome.skipped]
    for note in suite_notes(outcome.suite, outcome.result, skipped, outcome.deviations):
        console.print(note, highlight=False, markup=False)
