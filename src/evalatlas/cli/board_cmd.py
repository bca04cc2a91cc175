"""``evalatlas results board``: the leaderboard in the terminal, one protocol per column,
and ``results show``'s protocol lines."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evalatlas.analysis.board_protocols import UnrankedResult, parse_selection
from evalatlas.analysis.leaderboard import Leaderboard, ScoreCell, build_leaderboard
from evalatlas.analysis.random_baseline import (
    NOT_DISTINGUISHABLE,
    VersusRandom,
    cell_versus_random,
)
from evalatlas.cli.display import make_console
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.store import EvalResult, Protocol

ProtocolOption = Annotated[
    list[str] | None,
    typer.Option(
        "--protocol",
        help="TASK:HASH (a prefix of the protocol hash is enough): rank this protocol's "
        "results in the task's column. Repeatable.",
    ),
]


def board_command(
    protocol: ProtocolOption = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap replicates of rank intervals.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstraps.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """The leaderboard: each column ranks one protocol; other protocols' results are
    listed with the reason they are not ranked."""
    selection = parse_protocols(protocol or [])
    with open_store(workspace) as store:
        board = build_leaderboard(store, n_boot=n_boot, seed=seed, protocols=selection)
    if as_json:
        typer.echo(dumps(board_payload(board), indent=2))
        return
    console = make_console()
    if not board.rows and not board.unranked:
        console.print("no ranked results in this workspace; run 'evalatlas eval' first")
        return
    console.print(board_table(board))
    for line in [*random_lines(board), *unranked_lines(board.unranked)]:
        console.print(line, highlight=False, markup=False)


def parse_protocols(values: list[str]) -> dict[str, str]:
    try:
        return parse_selection(values)
    except ConfigError as exc:
        raise ConfigError(f"--protocol {exc}") from exc


def board_table(board: Leaderboard) -> Table:
    table = Table(title="leaderboard (95% intervals; n = samples)")
    table.add_column("rank")
    table.add_column("model")
    table.add_column("average")
    for task in board.columns:
        protocol = board.protocols.get(task)
        table.add_column(f"{task}\n{protocol.label}" if protocol else task)
    for row in board.rows:
        rank = "—" if row.rank is None else f"{row.rank} ({row.rank_low}–{row.rank_high})"
        cells = [_cell_text(row.cells.get(task), board, task) for task in board.columns]
        table.add_row(rank, row.card.name, _cell_text(row.average, board), *cells)
    return table


def _versus_random(cell: ScoreCell, board: Leaderboard, task: str | None) -> VersusRandom | None:
    return cell_versus_random(cell, board.random_baseline.get(task) if task else None)


def _cell_text(cell: ScoreCell | None, board: Leaderboard, task: str | None = None) -> str:
    if cell is None or math.isnan(cell.value):
        return "—"
    if cell.normalised is not None and cell.normalised_ci is not None:
        low, high = cell.normalised_ci
        text = f"{cell.normalised:.1f} [{low:.1f}, {high:.1f}] n={cell.n:,}"
    else:
        text = f"{cell.value:.3f} [{cell.ci_low:.3f}, {cell.ci_high:.3f}] n={cell.n:,}"
    marks = {VersusRandom.INDISTINGUISHABLE: " *", VersusRandom.BELOW: " **"}
    verdict = _versus_random(cell, board, task)
    return text + (marks.get(verdict, "") if verdict else "")


def random_lines(board: Leaderboard) -> list[str]:
    """The footnotes of the marks ``_cell_text`` puts on scores near random guessing."""
    verdicts = {
        _versus_random(cell, board, task)
        for row in board.rows
        for task, cell in [(None, row.average), *row.cells.items()]
        if cell is not None
    }
    lines = []
    if VersusRandom.INDISTINGUISHABLE in verdicts:
        lines.append(f"* {NOT_DISTINGUISHABLE}: its 95% interval includes the random baseline")
    if VersusRandom.BELOW in verdicts:
        lines.append("** below random guessing: its whole 95% interval lies under the baseline")
    return lines


def unranked_lines(results: tuple[UnrankedResult, ...]) -> list[str]:
    if not results:
        return []
    lines = ["not ranked:"]
    for result in sorted(results, key=lambda r: (r.task, r.model_name, r.run_id)):
        lines.append(
            f"  {result.model_name or result.model_reference} on {result.task} "
            f"({result.protocol.label}, protocol {result.protocol.short_hash}, run "
            f"{result.run_id[:8]}): {result.reason}"
        )
    return lines


def board_payload(board: Leaderboard) -> dict[str, Any]:
    return {
        "columns": list(board.columns),
        "protocols": {task: _protocols_record(board, task) for task in board.columns},
        "rows": [
            {
                "model": row.card.name,
                "key": row.card.key,
                "rank": row.rank,
                "rank_low": row.rank_low,
                "rank_high": row.rank_high,
                "average": row.average.value if row.average else None,
                "average_versus_random": (
                    _versus_random(row.average, board, None) if row.average else None
                ),
                "scores": {
                    task: _cell_payload(cell, _versus_random(cell, board, task))
                    for task, cell in row.cells.items()
                },
            }
            for row in board.rows
        ],
        "unranked": [
            {
                "model": r.model_name,
                "key": r.model_key,
                "task": r.task,
                "run_id": r.run_id,
                "protocol": r.protocol.as_record(),
                "n_samples": r.n_samples,
                "reason": r.reason,
            }
            for r in board.unranked
        ],
    }


def _protocols_record(board: Leaderboard, task: str) -> dict[str, Any]:
    ranked = board.protocols[task]
    others = [c.as_record() for c in board.protocol_choices[task] if c != ranked]
    return {"ranked": ranked.as_record(), "others": others}


def _cell_payload(cell: ScoreCell, verdict: VersusRandom | None) -> dict[str, Any]:
    return {
        "versus_random": verdict,
        "metric": cell.metric,
        "value": cell.value,
        "ci_low": cell.ci_low,
        "ci_high": cell.ci_high,
        "n": cell.n,
        "run_id": cell.run_id,
    }


def protocol_lines(result: EvalResult) -> list[str]:
    """What ``results show RUN`` prints about the result's protocol."""
    protocol = Protocol.of(result.spec, result.n_samples)
    split = (
        "the whole split"
        if protocol.is_full_split
        else (f"a subset: the first {protocol.subset_limit:,} samples")
    )
    return [
        f"protocol: {protocol.label()} ({protocol.protocol_hash()[:12]}), covering {split}",
    ]


def protocol_payload(result: EvalResult) -> dict[str, Any]:
    protocol = Protocol.of(result.spec, result.n_samples)
    return {
        **protocol.model_dump(mode="json"),
        "protocol_hash": protocol.protocol_hash(),
        "label": protocol.label(),
        "is_full_split": protocol.is_full_split,
    }


def print_protocol(console: Console, result: EvalResult) -> None:
    for line in protocol_lines(result):
        console.print(line, highlight=False, markup=False)
