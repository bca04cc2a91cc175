"""``evalatlas arena``: import battle logs, rate the models, and check the voters."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from evalatlas.analysis.leaderboard import display_names_by_reference
from evalatlas.arena import (
    RatingOptions,
    Standings,
    arena_standings,
    voter_reports,
)
from evalatlas.arena.elo_standings import EloStandings, arena_elo
from evalatlas.arena.exporter import battle_log_text
from evalatlas.arena.importer import ReadProgress, battle_chunks, check_battle_log
from evalatlas.arena.standings import DEFAULT_ROUNDS
from evalatlas.arena.voters import ALPHA, MIN_VOTES
from evalatlas.cli.arena_display import (
    elo_json,
    elo_notes,
    elo_table,
    method_line,
    ratings_json,
    ratings_table,
    style_table,
    voters_json,
    voters_table,
)
from evalatlas.cli.display import make_console
from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import IntervalMethod
from evalatlas.store import ArenaRecords

app = typer.Typer(
    help="Arena battles and votes: import battle logs, rate the models, check the voters.",
    no_args_is_help=True,
)

# Below this many battle-rounds (battles × bootstrap rounds) the ratings come back before
# a spinner would be seen.
SPINNER_WORK = 2_000_000
MODELS_LISTED = 12


class RatingMethod(StrEnum):
    BRADLEY_TERRY = "bradley-terry"
    ELO = "elo"


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A Chatbot Arena battle log (JSON array or JSON Lines) or a CSV with "
            "left,right,winner columns.",
            show_default=False,
        ),
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Store the battles and votes of a battle log; battles already stored are skipped."""
    progress = _file_progress(file)
    with progress:
        # Every row is checked before the store is opened: a bad row stores nothing.
        checking = _progress_task(progress, "checking", file)
        checked = check_battle_log(file, progress=checking)
        with open_store(workspace) as store:
            records = store.arena()
            storing = _progress_task(progress, "storing", file)
            # One transaction: a failure stores nothing. Imported votes bypass voter limits.
            added, present = records.add_battle_chunks(battle_chunks(file, progress=storing))
            counts = records.counts()
    console = make_console()
    models = sorted(checked.models)
    console.print(
        f"{file}: {added} battles added with their votes, {present} already present",
        highlight=False,
        markup=False,
    )
    listed = ", ".join(models[:MODELS_LISTED])
    more = f", and {len(models) - MODELS_LISTED} more" if len(models) > MODELS_LISTED else ""
    console.print(Text(f"models ({len(models)}): {listed}{more}"), highlight=False)
    console.print(
        f"the workspace now holds {counts.votes} votes ({counts.counted_votes} counted) "
        f"on {counts.battles} battles",
        highlight=False,
    )


def _file_progress(file: Path) -> Progress:
    """Bars of bytes read on stderr, for the two passes over a battle log; shown only on
    a terminal, so a captured error stays one line."""
    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _progress_task(progress: Progress, description: str, file: Path) -> ReadProgress:
    try:
        total = file.stat().st_size
    except OSError:
        total = 0  # the importer names the unreadable file
    task = progress.add_task(f"{description} {file.name}", total=total)
    return lambda done: progress.update(task, completed=done)


@app.command("export")
def export_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Where to write: a .csv file gets left,right,winner,category,voter columns; "
            "any other name a Chatbot Arena JSON array.",
            show_default=False,
        ),
    ],
    category: Annotated[
        str | None, typer.Option(help="Only the battles of this category.", show_default=False)
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the counted battles as a battle log that ``arena import`` reads back."""
    with open_store(workspace) as store:
        records = store.arena()
        _check_category(records, category)
        text, written = battle_log_text(
            records.decided_battles(category=category), as_csv=file.suffix.lower() == ".csv"
        )
    write_text_atomic(file, text)
    make_console().print(f"{file}: {written} counted battles written", highlight=False)


@app.command("ratings")
def ratings_command(
    method: Annotated[
        RatingMethod,
        typer.Option(
            "--method",
            help="bradley-terry: ratings with 95% intervals; elo: online Elo in vote order "
            "(depends on that order, has no interval; shows its spread over --bootstrap "
            "shuffled orders).",
        ),
    ] = RatingMethod.BRADLEY_TERRY,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap",
            min=1,
            help="Bootstrap rounds for the intervals and rank ranges (with --sandwich: "
            "draws for the rank ranges; with --method elo: shuffled orders).",
        ),
    ] = DEFAULT_ROUNDS,
    sandwich: Annotated[
        bool,
        typer.Option(
            "--sandwich", help="Intervals from the sandwich (robust) covariance, not bootstrap."
        ),
    ] = False,
    style_control: Annotated[
        bool,
        typer.Option(
            "--style-control",
            help="Control for answer length and markdown (needs style counts on every battle).",
        ),
    ] = False,
    category: Annotated[str | None, typer.Option(help="Only battles of this category.")] = None,
    source: Annotated[VoteSource | None, typer.Option(help="Only votes from this source.")] = None,
    exclude_flagged_voters: Annotated[
        bool,
        typer.Option(
            "--exclude-flagged-voters",
            help="Leave out voters the consistency test flags ('evalatlas arena voters').",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Bradley-Terry ratings of the counted votes with 95% intervals, ranks and tiers (or,
    with --method elo, online Elo in vote order)."""
    elo = method == RatingMethod.ELO
    if elo and (sandwich or style_control):
        flag = "--sandwich" if sandwich else "--style-control"
        raise ConfigError(f"{flag} applies to Bradley-Terry ratings, not to --method elo")
    with open_store(workspace) as store:
        names = display_names_by_reference(store)
        records = store.arena()
        _check_category(records, category)
        excluded = _flagged_voters(records) if exclude_flagged_voters else []
        options = RatingOptions(
            n_rounds=bootstrap,
            seed=seed,
            style_control=style_control,
            category=category,
            exclude_voters=frozenset(excluded),
            source=source,
            method=IntervalMethod.SANDWICH if sandwich else IntervalMethod.BOOTSTRAP,
        )
        if elo:
            _show_elo(_rate_elo(records, options), excluded, as_json, names)
            return
        standings = _rate(records, options)
    if as_json:
        typer.echo(ratings_json(standings, excluded))
        return
    _print_standings(make_console(), standings, excluded, names)


def _check_category(records: ArenaRecords, category: str | None) -> None:
    if category is None:
        return
    known = records.categories()
    if category not in known:
        listed = ", ".join(known) if known else "none: no voted battle has a category"
        raise ConfigError(
            f"arena: no counted votes in category {category!r}."
            f"{did_you_mean(category, known)} Known categories: {listed}"
        )


def _flagged_voters(records: ArenaRecords) -> list[str]:
    """Voters the consistency test flags over every counted vote (as 'arena voters' shows)."""
    return sorted(r.voter for r in voter_reports(list(records.decided_battles())) if r.flagged)


def _rate(records: ArenaRecords, options: RatingOptions) -> Standings:
    """The standings; a spinner on the terminal while a long bootstrap runs."""
    # All counted votes bound the battles rated (a category or source takes fewer).
    battles = records.counts().counted_votes
    rounds = options.n_rounds if options.method == "bootstrap" else 1
    if battles * rounds < SPINNER_WORK:
        return arena_standings(records, options)
    status = Console(stderr=True).status(f"rating with {rounds} bootstrap rounds…")
    with status:
        return arena_standings(records, options)


def _rate_elo(records: ArenaRecords, options: RatingOptions) -> EloStandings:
    """Online Elo; a spinner on the terminal while many shuffled orders are rated."""
    battles = records.counts().counted_votes
    if battles * options.n_rounds < SPINNER_WORK:
        return arena_elo(records, options, shuffles=options.n_rounds)
    with Console(stderr=True).status(f"rating {options.n_rounds} shuffled vote orders…"):
        return arena_elo(records, options, shuffles=options.n_rounds)


def _show_elo(
    standings: EloStandings, excluded: list[str], as_json: bool, names: Mapping[str, str]
) -> None:
    if as_json:
        typer.echo(elo_json(standings, excluded))
        return
    console = make_console()
    console.print(elo_table(standings, names))
    for note in elo_notes(standings, excluded):
        console.print(note, highlight=False, markup=False)


def _print_standings(
    console: Console, standings: Standings, excluded: list[str], names: Mapping[str, str]
) -> None:
    console.print(ratings_table(standings, names))
    notes = [method_line(standings)]
    if standings.options.category is not None:
        notes.append(f"category: {standings.options.category}")
    if standings.options.source is not None:
        notes.append(f"votes from: {standings.options.source}")
    if excluded:
        notes.append(f"left out {len(excluded)} flagged voters: {', '.join(excluded)}")
    for note in notes:
        console.print(note, highlight=False, markup=False)
    coefficients = style_table(standings)
    if coefficients is not None:
        console.print(coefficients)
    for warning in standings.table.warnings:
        console.print(Text.assemble(("warning: ", "bold yellow"), warning))


@app.command("voters")
def voters_command(
    min_votes: Annotated[
        int, typer.Option(min=1, help="Test only voters with at least this many A/B votes.")
    ] = MIN_VOTES,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Which voters vote unlike the crowd (random clicks, or for the weaker answer)."""
    with open_store(workspace) as store:
        battles = list(store.arena().decided_battles())
    reports = voter_reports(battles, min_votes=min_votes, alpha=ALPHA)
    if as_json:
        typer.echo(voters_json(reports, min_votes, ALPHA))
        return
    console = make_console()
    if not reports:
        console.print(
            f"no voter has {min_votes} or more A/B votes among {len(battles)} counted votes; "
            "lower --min-votes to test voters with fewer",
            highlight=False,
        )
        return
    console.print(voters_table(reports))
    flagged = sum(report.flagged for report in reports)
    console.print(
        f"{flagged} of {len(reports)} voters flagged (Holm-adjusted p < {ALPHA}); "
        "'evalatlas arena ratings --exclude-flagged-voters' leaves them out",
        highlight=False,
    )
