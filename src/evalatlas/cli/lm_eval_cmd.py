"""``evalatlas results import`` and ``results export --format lm-eval``: runs to and from
lm-evaluation-harness output."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evalatlas.cli.display import make_console, number
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.interop import ImportedRun, export_lm_eval, import_lm_eval
from evalatlas.store.records import EvalResult
from evalatlas.store.workspace import Store


def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="An lm-eval results_*.json, or the --output_path folder of a run made "
            "with --log_samples."
        ),
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Import lm-evaluation-harness results with their per-sample records (all or nothing)."""
    with open_store(workspace) as store:
        runs = import_lm_eval(store, path)
        root = store.root
    console = make_console()
    console.print(_imported_table(runs), highlight=False)
    for note in _chance_notes(runs):
        console.print(note, highlight=False, markup=False)
    console.print(
        f"{len(runs)} run(s) imported into {root}; they are marked as imported from "
        "lm-eval and were not run here, so they cannot be replayed here",
        highlight=False,
    )


def _imported_table(runs: Sequence[ImportedRun]) -> Table:
    table = Table(title="imported from lm-eval")
    for header in ("run", "model", "task", "n-shot", "limit", "metric", "value", "95% CI", "n"):
        table.add_column(header)
    for run in runs:
        spec = run.result.spec
        for metric in run.result.metrics:
            table.add_row(
                run.result.run_id[:12],
                spec.model_name,
                spec.task,
                str(spec.num_fewshot),
                "full split" if spec.limit is None else f"first {spec.limit}",
                metric.name,
                number(metric.value, 4),
                f"[{number(metric.ci_low, 4)}, {number(metric.ci_high, 4)}]",
                str(metric.n),
            )
    return table


def _chance_notes(runs: Sequence[ImportedRun]) -> list[str]:
    """A line for each metric whose interval includes what uniform guessing scores."""
    notes = []
    for run in runs:
        chance = run.result.random_baseline
        if chance is None:
            continue
        for metric in run.result.metrics:
            if metric.ci_low <= chance <= metric.ci_high:
                notes.append(
                    f"{run.result.spec.task} {metric.name}: the interval includes chance "
                    f"({number(chance, 4)}), n={metric.n}"
                )
    return notes


def export_runs(store: Store, runs: Sequence[EvalResult], folder: Path) -> None:
    """``results export --format lm-eval``: ``runs`` as lm-eval output under ``folder``."""
    if not runs:
        raise ConfigError(f"no results to export in {store.root}; check --run, --model, --task")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file; with --format lm-eval give a folder to write into")
    written = export_lm_eval(store, [r.run_id for r in runs], folder)
    make_console().print(
        f"{len(runs)} run(s) written as lm-eval output to {folder} ({len(written)} files)",
        highlight=False,
    )


def imported_notes(results: Sequence[EvalResult]) -> list[str]:
    """One line per imported run: where it came from, and that it was not run here."""
    notes = []
    for result in results:
        marker = result.spec.imported_from
        if marker:
            notes.append(
                f"run {result.run_id[:12]} ({result.spec.task}) was imported from "
                f"{marker.get('tool', '?')} {marker.get('version', '')}, not run here: "
                "it cannot be replayed here"
            )
    return notes
