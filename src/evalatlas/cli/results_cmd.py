"""``evalatlas results``: stored results, their eval cards and per-sample records."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from evalatlas.analysis.leaderboard import display_names
from evalatlas.cli import board_cmd
from evalatlas.cli.display import (
    CSV_COLUMNS,
    DisplayNames,
    make_console,
    number,
    results_csv_rows,
    results_json,
    results_table,
    shown_name,
    truncation_notes,
)
from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.lm_eval_cmd import export_runs, import_command, imported_notes
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.cli.suite_display import suite_table
from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.runner.suite import SUITE_VERSION
from evalatlas.store.records import CARD_FIELDS, EvalResult, SampleRecord
from evalatlas.tasks.suites import SUITES

app = typer.Typer(help="Show, import and export stored results.", no_args_is_help=True)
app.command("board")(board_cmd.board_command)
app.command("import")(import_command)


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    LM_EVAL = "lm-eval"


@app.command("show")
def show_command(
    run_id: Annotated[
        str | None,
        typer.Argument(help="A run id (or unique prefix) for one result's card and samples."),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Only results of this model (reference or name).")
    ] = None,
    task: Annotated[str | None, typer.Option(help="Only results of this task.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    samples: Annotated[
        int, typer.Option(help="With RUN_ID: show this many per-sample records.")
    ] = 5,
    wrong_only: Annotated[
        bool, typer.Option("--wrong", help="With RUN_ID: only samples scored below 1.")
    ] = False,
    members: Annotated[
        bool, typer.Option("--members", help="Also list each group member (e.g. MMLU subjects).")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the latest result per spec, or one run in detail."""
    console = make_console()
    with open_store(workspace) as store:
        names = display_names(store)
        if run_id is None:
            results = store.list_results(model=model, task=task)
            if as_json:
                typer.echo(results_json(results, names))
            elif not results:
                console.print(
                    f"no results in {store.root}; run 'evalatlas eval' first", highlight=False
                )
            else:
                console.print(results_table(results, show_members=members, names=names))
                _print_notes(console, truncation_notes(results, show_members=members, names=names))
                _print_notes(console, imported_notes(results))
                _print_suites(console, results, members, names)
            return
        result = store.get_result(run_id)
        records = store.load_samples(result.run_id)
    if as_json:
        payload = result.model_dump(mode="json")
        payload["protocol"] = board_cmd.protocol_payload(result)
        payload["samples"] = [
            r.model_dump(mode="json") for r in _filter(records, wrong_only)[:samples]
        ]
        typer.echo(dumps(payload, indent=2))
        return
    board_cmd.print_protocol(console, result)
    _print_card(console, result, names)
    _print_samples(console, _filter(records, wrong_only)[:samples], len(records))


def _filter(records: list[SampleRecord], wrong_only: bool) -> list[SampleRecord]:
    if not wrong_only:
        return records
    return [r for r in records if any(v < 1.0 for v in r.scores.values())]


def _print_notes(console: Console, notes: list[str]) -> None:
    for note in notes:
        console.print(note, highlight=False, markup=False)


def _print_card(console: Console, result: EvalResult, names: DisplayNames) -> None:
    title = f"run {result.run_id}: {shown_name(result, names)}"
    console.print(results_table([result], title=title, names=names))
    _print_notes(console, truncation_notes([result]))
    _print_notes(console, imported_notes([result]))
    card = Table(title="eval card (spec)", show_header=False)
    # The full texts (task files, chat template) are the complete card's, printed apart.
    for key, value in result.spec.model_dump(exclude=set(CARD_FIELDS)).items():
        card.add_row(key, dumps(value) if isinstance(value, dict) else str(value))
    card.add_row("spec_hash", result.spec_hash)
    card.add_row("complete card", f"evalatlas results card {result.run_id[:12]}")
    card.add_row("details", result.details_path or "")
    console.print(card)


def _print_samples(console: Console, records: list[SampleRecord], total: int) -> None:
    table = Table(title=f"samples (showing {len(records)} of {total})", show_lines=True)
    for header in ("id", "prompt (end)", "answer", "gold", "scores"):
        table.add_column(header, overflow="fold")
    for record in records:
        scores = ", ".join(f"{k}={number(v, 3)}" for k, v in record.scores.items())
        # Text cells: brackets in prompts and answers ("[name]") are content, not markup.
        table.add_row(
            record.sample_id,
            Text(record.prompt[-160:]),
            _answer_cell(record),
            Text(record.target),
            scores,
        )
    console.print(table)


def _answer_cell(record: SampleRecord) -> Text:
    """The extracted answer, then the scorer's explanation (IFEval: every instruction's
    strict and loose verdict), which says why a sample scored below 1."""
    cell = Text(record.extracted or "")
    explanation = record.metadata.get("explanation")
    if isinstance(explanation, str) and explanation:
        cell.append(("\n" if cell else "") + explanation, style="dim")
    return cell


@app.command("export")
def export_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (a folder for lm-eval).")
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="json, csv, or lm-eval (results + samples).")
    ] = ExportFormat.JSON,
    model: Annotated[str | None, typer.Option(help="Only results of this model.")] = None,
    task: Annotated[str | None, typer.Option(help="Only results of this task.")] = None,
    runs: Annotated[
        list[str] | None,
        typer.Option("--run", help="With --format lm-eval: this run id (repeatable)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export the latest results (metrics with CIs and n) as JSON or CSV, or runs with their
    per-sample records as lm-evaluation-harness output (results JSON + samples JSONL)."""
    with open_store(workspace) as store:
        if fmt is ExportFormat.LM_EVAL:
            chosen = [store.get_result(run) for run in runs or []]
            export_runs(store, chosen or store.list_results(model=model, task=task), output)
            return
        if runs:
            raise ConfigError("--run selects runs for --format lm-eval only; use --model/--task")
        results = store.list_results(model=model, task=task)
        names = display_names(store)
    if fmt is ExportFormat.JSON:
        text = results_json(results, names) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(results_csv_rows(results, names))
        text = buffer.getvalue()
    write_text_atomic(output, text)
    Console().print(f"{len(results)} results written to {output}", highlight=False)


def _print_suites(
    console: Console, results: list[EvalResult], show_members: bool, names: DisplayNames
) -> None:
    """Each stored suite result as its own table (model by model)."""
    for result in results:
        suite = SUITES.get(result.spec.task) if result.spec.task_version == SUITE_VERSION else None
        if suite is not None:
            table = suite_table(suite, result, show_members=show_members)
            table.title = f"{shown_name(result, names)}: {table.title}"
            console.print(table)
