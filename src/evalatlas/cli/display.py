"""Tables of results: every value with its standard error, 95% CI and n."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

from evalatlas.jsonio import dumps
from evalatlas.runner.suite import SUITE_VERSION
from evalatlas.store.records import EvalResult, MetricRecord

# (reference, fingerprint) -> display name (``analysis.leaderboard.display_names``)
DisplayNames = Mapping[tuple[str, str], str]


def shown_name(result: EvalResult, names: DisplayNames | None = None) -> str:
    """The model's display name when known, else the name its backend reported."""
    spec = result.spec
    found = (names or {}).get((spec.model_reference, spec.model_fingerprint))
    return found or spec.model_name


def number(value: float, digits: int = 4) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def results_table(
    results: Sequence[EvalResult],
    *,
    title: str | None = None,
    show_members: bool = False,
    names: DisplayNames | None = None,
) -> Table:
    """One row per metric. Members of a group whose group result is present (the 57 MMLU
    subjects under ``mmlu``) are folded away unless ``show_members``."""
    shown = _shown(results, show_members)
    several_models = len({r.spec.model_reference for r in shown}) > 1
    shown_ids = {id(r) for r in shown}
    folded = [r for r in results if id(r) not in shown_ids and r.spec.task_version != SUITE_VERSION]
    table = Table(title=title, caption=_caption(len(folded)))
    headers = (["model"] if several_models else []) + [
        "task",
        "metric",
        "value",
        "± stderr",
        "95% CI",
        "n",
        "unscored",
        "run",
    ]
    for header in headers:
        table.add_column(
            header, justify="left" if header in ("model", "task", "metric") else "right"
        )
    for result in shown:
        for metric in result.metrics:
            row = _metric_row(result, metric)
            table.add_row(*([shown_name(result, names)] if several_models else []), *row)
    return table


def _shown(results: Sequence[EvalResult], show_members: bool) -> list[EvalResult]:
    """Results a table shows: a suite's scores have a table of their own (``suite_table``)
    and group members fold under their group."""
    present_groups = {r.spec.task for r in results if r.spec.task_version == "group"}
    return [
        r
        for r in results
        if r.spec.task_version != SUITE_VERSION and (show_members or r.group not in present_groups)
    ]


def truncation_notes(
    results: Sequence[EvalResult],
    *,
    show_members: bool = False,
    names: DisplayNames | None = None,
) -> list[str]:
    """One line per shown result that had samples whose context was cut from the left (a
    folded group member's cut samples are counted in its group's line)."""
    shown = _shown(results, show_members)
    several_models = len({r.spec.model_reference for r in shown}) > 1
    notes = []
    for result in shown:
        if result.truncated_samples == 0:
            continue
        label = (
            f"{shown_name(result, names)} {result.spec.task}"
            if several_models
            else result.spec.task
        )
        window = f"{result.context_length}-token" if result.context_length else "context"
        notes.append(
            f"{label}: {result.truncated_samples} of {result.n_samples} samples had their "
            f"context cut from the left to fit the model's {window} window"
        )
    return notes


def _caption(folded: int) -> str | None:
    return f"{folded} group member results folded (--members shows them)" if folded else None


def _metric_row(result: EvalResult, metric: MetricRecord) -> list[str]:
    arrow = "↑" if metric.higher_is_better else "↓"
    return [
        result.spec.task,
        f"{metric.name} {arrow}",
        number(metric.value),
        number(metric.stderr),
        f"[{number(metric.ci_low, 3)}, {number(metric.ci_high, 3)}]",
        str(metric.n),
        str(metric.n_unscored) if metric.n_unscored else "",
        result.run_id[:8],
    ]


def results_json(results: Sequence[EvalResult], names: DisplayNames | None = None) -> str:
    """Each result as stored, with ``model_display_name`` (the name every view shows)."""
    payload = [
        r.model_dump(mode="json", exclude={"samples"})
        | {"model_display_name": shown_name(r, names)}
        for r in results
    ]
    return dumps(payload, indent=2)


CSV_COLUMNS = (
    "run_id",
    "model",
    "model_reference",
    "task",
    "group",
    "metric",
    "value",
    "stderr",
    "ci_low",
    "ci_high",
    "n",
    "n_unscored",
    "higher_is_better",
    "created_at",
    "spec_hash",
    "truncated_samples",
)


def results_csv_rows(
    results: Sequence[EvalResult], names: DisplayNames | None = None
) -> list[list[str]]:
    rows = []
    for r in results:
        for m in r.metrics:
            rows.append(
                [
                    r.run_id,
                    shown_name(r, names),
                    r.spec.model_reference,
                    r.spec.task,
                    r.group or "",
                    m.name,
                    repr(m.value),
                    repr(m.stderr),
                    repr(m.ci_low),
                    repr(m.ci_high),
                    str(m.n),
                    str(m.n_unscored),
                    str(m.higher_is_better),
                    r.created_at.isoformat(),
                    r.spec_hash,
                    str(r.truncated_samples),
                ]
            )
    return rows


def make_console() -> Console:
    """A console that does not squeeze result tables to 80 columns when piped to a file."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 132))
    return console
