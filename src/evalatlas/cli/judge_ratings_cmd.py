"""``evalatlas judge ratings``: people's and each stored judge's ratings side by side, with
each judge's rank agreement with people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from evalatlas.analysis.leaderboard import display_names_by_reference
from evalatlas.analysis.model_cards import contestant_display_name
from evalatlas.arena import RatingOptions, Standings, arena_standings
from evalatlas.arena.by_source import (
    DEFAULT_ROUNDS,
    RatedSource,
    agreement_text,
    model_order,
    rating_text,
    ratings_by_source,
)
from evalatlas.cli.display import make_console
from evalatlas.cli.judge_shared import echo_json
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.judge.stored import stored_judges
from evalatlas.store import ArenaRecords


def ratings_command(
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=1, help="Bootstrap rounds for every interval.")
    ] = DEFAULT_ROUNDS,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Ratings from people's votes and from each stored judge's votes side by side, each
    with its 95% interval and battle count, and each judge's rank agreement with people
    (Spearman's rho over the models both rated, with a bootstrap interval)."""
    with open_store(workspace) as store:
        root = str(store.root)
        names = display_names_by_reference(store)
        records = store.arena()
        sources = _sources(records, bootstrap, seed)
    if not sources:
        raise ConfigError(
            f"no counted votes in {root}: vote in the arena, import battles or run "
            "'evalatlas judge pairwise'"
        )
    if as_json:
        echo_json(_json(sources))  # NaN (no correlation with fewer than 3 models) -> null
        return
    make_console().print(_table(sources, root, names))


def _sources(records: ArenaRecords, n_rounds: int, seed: int) -> list[RatedSource]:
    battles = list(records.decided_battles())
    judges = [(judge.label, frozenset(judge.voters)) for judge in stored_judges(battles)]

    def standings(options: RatingOptions) -> Standings:
        return arena_standings(records, options)

    return ratings_by_source(battles, judges, standings, n_rounds=n_rounds, seed=seed)


def _table(sources: list[RatedSource], root: str, names: Mapping[str, str]) -> Table:
    table = Table(title=f"Ratings by source in {root} (95% CI, n battles)")
    table.add_column("model")
    for source in sources:
        table.add_column(source.name, justify="right")
    for model in model_order(sources):
        shown = contestant_display_name(model, names)
        table.add_row(shown, *(rating_text(source.ratings.get(model)) for source in sources))
    if any(source.agreement is not None for source in sources):
        table.add_section()
        table.add_row("rank agreement with people", *(agreement_text(s.agreement) for s in sources))
    return table


def _json(sources: list[RatedSource]) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": source.name,
                "voters": None if source.options.voters is None else sorted(source.options.voters),
                "n_rounds": source.options.n_rounds,
                "ratings": [asdict(rating) for rating in source.ratings.values()],
                "rank_agreement_with_people": None
                if source.agreement is None
                else asdict(source.agreement),
            }
            for source in sources
        ]
    }
