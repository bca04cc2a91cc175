"""``evalatlas ranks``: every ranking source of the workspace side by side (the benchmark
leaderboard, each benchmark, the arena, each judge, published tables), their rank
correlations and the pairs of models they clearly disagree on; ``ranks import`` and
``ranks remove`` manage published tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evalatlas.analysis.leaderboard import build_leaderboard, moderated_cards
from evalatlas.analysis.model_cards import contestant_display_name
from evalatlas.analysis.ranks import (
    DEFAULT_BOOT,
    KnownModels,
    RankComparison,
    VotedRatings,
    compare_sources,
    comparison_json,
    gather_sources,
    read_published,
)
from evalatlas.analysis.ranks.report import (
    correlation_note,
    disagreement_texts,
    estimate_text,
    rank_text,
    score_text,
)
from evalatlas.arena import RatingOptions, Standings, arena_standings
from evalatlas.arena.by_source import PEOPLE, ratings_by_source
from evalatlas.cli.display import make_console
from evalatlas.cli.judge_shared import echo_json
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.stored import stored_judges
from evalatlas.store import PublishedRanking, Store

app = typer.Typer(invoke_without_command=True)
SHOWN_DISAGREEMENTS = 20
MAX_NAME = 256


@app.callback()
def ranks_command(
    ctx: typer.Context,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", min=1, help="Bootstrap resamples of models per correlation."),
    ] = DEFAULT_BOOT,
    seed: Annotated[int, typer.Option(help="Seed of every bootstrap and draw.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Every ranking source side by side, with rank correlations; published tables.

    For the models they share: the leaderboard rank, the rank on each benchmark, the arena
    rank and each judge's rank (each with its 95% interval), the rank correlation of every
    pair of sources (Kendall's tau and Spearman's rho, bootstrap intervals over models,
    n), the pairs of models two sources clearly disagree on, and the published tables
    imported with 'evalatlas ranks import'."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(workspace) as store:
        root = str(store.root)
        comparison, names, published = workspace_comparison(store, bootstrap, seed)
    if not comparison.sources:
        raise ConfigError(
            f"nothing to rank in {root}: evaluate models ('evalatlas eval'), vote in the "
            "arena, or import a published table ('evalatlas ranks import FILE.csv --name NAME')"
        )
    if as_json:
        echo_json(comparison_json(comparison, names, published))
        return
    print_comparison(make_console(), comparison, names, published, root)


def workspace_comparison(
    store: Store, n_boot: int, seed: int
) -> tuple[RankComparison, dict[str, str], list[PublishedRanking]]:
    """The comparison of every source in ``store``, display names by reference, and the
    published tables."""
    board = build_leaderboard(store, seed=seed)
    records = store.arena()
    battles = list(records.decided_battles())
    judges = [(judge.label, frozenset(judge.voters)) for judge in stored_judges(battles)]

    def standings(options: RatingOptions) -> Standings:
        return arena_standings(records, options)

    rated = ratings_by_source(battles, judges, standings, seed=seed)
    voted = [VotedRatings(s.name, s.name == PEOPLE, s.ratings.values()) for s in rated]
    published = store.published_rankings().all()
    sources, notes = gather_sources(board, voted, published, seed=seed)
    comparison = compare_sources(sources, n_boot=n_boot, seed=seed, notes=notes)
    stored = {card.reference: card.name for card in moderated_cards(store).values()}
    names = {model: contestant_display_name(model, stored) for model in comparison.models}
    return comparison, names, published


def print_comparison(
    console: Console,
    comparison: RankComparison,
    names: dict[str, str],
    published: list[PublishedRanking],
    root: str,
) -> None:
    console.print(_ranks_table(comparison, names, root))
    for source in comparison.sources:
        count = len(source.entries)
        console.print(f"  {source.name}: {source.method} ({count} models)", highlight=False)
    console.print(_correlation_table(comparison))
    _print_disagreements(console, comparison, names)
    _print_published(console, published)
    for note in comparison.notes:
        console.print(f"note: {note}")


def _ranks_table(comparison: RankComparison, names: dict[str, str], root: str) -> Table:
    table = Table(title=f"Ranks by source in {root}: rank [95% rank interval], score [95% CI] · n")
    table.add_column("model")
    for source in comparison.sources:
        table.add_column(source.name, justify="right")
    for model in comparison.models:
        cells = []
        for source in comparison.sources:
            entry = source.entries.get(model)
            cells.append(
                rank_text(entry) if entry is None else f"{rank_text(entry)}\n{score_text(entry)}"
            )
        table.add_row(names.get(model, model), *cells)
    return table


def _correlation_table(comparison: RankComparison) -> Table:
    table = Table(
        title="Rank correlation on shared models (95% bootstrap interval over models, "
        f"{comparison.n_boot} resamples)"
    )
    for column in ("source", "source", "n"):
        table.add_column(column, justify="right" if column == "n" else "left")
    table.add_column("Kendall's τ", justify="right")
    table.add_column("Spearman's ρ", justify="right")
    table.add_column("note")
    for pair in comparison.correlations:
        table.add_row(
            pair.source_a,
            pair.source_b,
            str(pair.n),
            estimate_text("τ", pair.kendall),
            estimate_text("ρ", pair.spearman),
            correlation_note(pair),
        )
    return table


def _print_disagreements(
    console: Console, comparison: RankComparison, names: dict[str, str]
) -> None:
    found = comparison.disagreements
    if not found:
        console.print(
            "Clear disagreements: none (no two sources order a pair of models oppositely "
            "with non-overlapping 95% intervals in both)."
        )
        return
    console.print(
        f"Clear disagreements (non-overlapping 95% intervals in both sources): {len(found)}"
    )
    for d in found[:SHOWN_DISAGREEMENTS]:
        in_a, in_b = disagreement_texts(d, names)
        console.print(f"  {d.source_a} puts {in_a}; {d.source_b} puts {in_b}", highlight=False)
    if len(found) > SHOWN_DISAGREEMENTS:
        console.print(f"  … and {len(found) - SHOWN_DISAGREEMENTS} more (--json lists all)")


def _print_published(console: Console, published: list[PublishedRanking]) -> None:
    if not published:
        console.print(
            "Published tables: none imported ('evalatlas ranks import FILE.csv --name NAME')."
        )
        return
    console.print("Published tables:")
    for ranking in published:
        when = ranking.imported_at.strftime("%Y-%m-%d %H:%M UTC")
        console.print(
            f"  {ranking.name}: {len(ranking.scores)} models from {ranking.source}, "
            f"imported {when}",
            highlight=False,
        )


@app.command("import")
def import_command(
    path: Annotated[
        Path, typer.Argument(help="CSV with columns model, score[, ci_low, ci_high, n].")
    ],
    name: Annotated[str, typer.Option("--name", help="The table's name among the sources.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a table of that name.")
    ] = False,
    skip_unknown: Annotated[
        bool,
        typer.Option("--skip-unknown", help="Leave out rows whose model is not in the workspace."),
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a published ranking table (higher scores are better) to hold it against this
    workspace's rankings. Each row's model is matched by reference, display name or
    model key; the whole table is stored, or nothing."""
    label = name.strip()
    if not label or len(label) > MAX_NAME:
        raise ConfigError(f"--name must be 1 to {MAX_NAME} characters, got {len(label)}")
    text = _read_csv(path)
    with open_store(workspace) as store:
        table = read_published(text, str(path), _known_models(store), skip_unknown=skip_unknown)
        store.published_rankings().save(label, str(path), table.scores, replace=replace)
        root = str(store.root)
    typer.echo(f"Imported {label!r}: {len(table.scores)} models from {path} into {root}")
    if table.skipped:
        typer.echo(
            f"Left out {len(table.skipped)} rows with models not in the workspace: "
            + ", ".join(table.skipped)
        )


@app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="The published table's name.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Remove an imported published table."""
    with open_store(workspace) as store:
        rankings = store.published_rankings()
        if not rankings.remove(name):
            known = ", ".join(r.name for r in rankings.all()) or "none"
            raise ConfigError(f"no published table named {name!r} (imported: {known})")
    typer.echo(f"Removed {name!r}")


def _read_csv(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the table as UTF-8 CSV") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror or exc}); check the path") from None


def _known_models(store: Store) -> KnownModels:
    cards = moderated_cards(store).values()
    aliases = [(card.reference, card.name) for card in cards]
    aliases += [(card.reference, card.key) for card in cards]
    contestants = {m for b in store.arena().decided_battles() for m in (b.model_a, b.model_b)}
    return KnownModels.of(aliases, contestants)
