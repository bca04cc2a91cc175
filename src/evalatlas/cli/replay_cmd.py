"""``evalatlas replay RUN|CARD.json``: re-run an eval card from scratch and compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evalatlas.cli.display import number
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.runner.replay import ReplayOptions, ReplayReport, replay_card, replay_run
from evalatlas.runner.replay_compare import HeadlineShift
from evalatlas.store.cards import parse_card


def replay_command(
    target: Annotated[
        str, typer.Argument(help="A stored run id (or unique prefix), or a card's JSON file.")
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Read the data from this folder instead of the card's data folder."),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Requests per model batch (default: the card's, when the run fixed one)."
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Re-run RUN (or CARD.json) with no cache and no reuse; compare every sample.

    Exit code 0: identical, or within the backend's declared tolerance; 1: drifted;
    10: the data changed; 11: the task changed; 12: the model changed; 13: other settings.
    """
    options = ReplayOptions(data_dir=data_dir, batch_size=batch_size)
    card_file = _card_file(target)
    with open_store(workspace) as store:
        if card_file is not None:
            card = parse_card(_read(card_file), str(card_file))
            report = replay_card(store, card, options)
        else:
            report = replay_run(store, target, options)
    _print_report(report)
    if report.exit_code != 0:
        raise typer.Exit(report.exit_code)


def _card_file(target: str) -> Path | None:
    """``target`` as a card file when it names one (a run id never ends in .json)."""
    path = Path(target).expanduser()
    if target.endswith(".json") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"{path}: no such card file; write one with 'evalatlas results card'")
        return path
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the card ({error})") from None


def _print_report(report: ReplayReport) -> None:
    spec = report.card.spec
    typer.echo(
        f"replay of run {report.card.run_id[:12]} ({spec.task} on {spec.model_reference}): "
        f"{report.verdict.replace('_', ' ')}"
    )
    typer.echo(f"  {report.reason}")
    comparison = report.comparison
    if comparison is None:
        return
    typer.echo(
        f"  samples: {comparison.n_identical} of {comparison.n_compared} bit-identical, "
        f"{comparison.n_differ} differ ({comparison.changed_predictions} changed predictions), "
        f"largest |Δ log-prob| {comparison.max_abs_delta:.3g} nats"
        + (f", {comparison.n_missing} on one side only" if comparison.n_missing else "")
    )
    if comparison.headline is not None:
        typer.echo(f"  {_headline_line(comparison.headline)}")
    if report.stored_run_id and report.stored_run_id != report.card.run_id:
        typer.echo(f"  replayed result stored as run {report.stored_run_id}")


def _headline_line(shift: HeadlineShift) -> str:
    moved = "outside" if shift.outside_interval else "inside"
    return (
        f"{shift.metric}: {number(shift.before, 4)} stored "
        f"[{number(shift.ci_low, 4)}, {number(shift.ci_high, 4)}], {number(shift.after, 4)} "
        f"replayed ({moved} the stored interval); paired difference "
        f"{number(shift.difference, 4)} [{number(shift.diff_low, 4)}, "
        f"{number(shift.diff_high, 4)}], p = {number(shift.p_value, 3)}, n = {shift.n}"
    )
