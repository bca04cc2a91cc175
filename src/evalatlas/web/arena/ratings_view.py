"""What the arena ratings and voters pages show, and their JSON twins.

Options come from the query: style control on or off, one category, the number of
bootstrap rounds, and whether voters the consistency test flags are left out. Ratings are
Bradley-Terry on the Elo scale with bootstrap 95% intervals (``evalatlas.arena``); a
model's rank is 1 + the number of models whose interval lies wholly above its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from evalatlas.arena import RatingOptions, Standings, VoterReport
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import Rating, RatingTable
from evalatlas.store import ArenaCounts
from evalatlas.web.arena.charts import HeatChart, RatingInput, rating_chart, win_heatmap
from evalatlas.web.arena.voter import voter_label
from evalatlas.web.arena_column import ShownNames, shown_name
from evalatlas.web.arena_state import ArenaSnapshot
from evalatlas.web.cells import finite
from evalatlas.web.params import ParamReader

DEFAULT_ROUNDS = 200
MAX_MATRIX_MODELS = 40
VOTE_SOURCES: tuple[str, ...] = tuple(source.value for source in VoteSource)
MAX_ROUNDS = 2000
RATINGS_PATH = "/arena/ratings"
RATING_PARAMETERS = {
    "style_control": "1: control for answer style (length, markdown headers, lists, bold) "
    "and show the style coefficients.",
    "category": "Only battles of this category (the answer lists the categories).",
    "bootstrap": f"Bootstrap rounds for the intervals, 0-{MAX_ROUNDS} (default {DEFAULT_ROUNDS}).",
    "exclude_flagged_voters": "1: leave out voters the consistency test flags.",
    "source": "Only votes of people (human) or of judge models (judge); both when absent.",
}
RATING_SCHEMAS: dict[str, dict[str, Any]] = {
    "style_control": {"type": "string", "enum": ["0", "1"]},
    "bootstrap": {"type": "integer", "minimum": 0, "maximum": MAX_ROUNDS},
    "exclude_flagged_voters": {"type": "string", "enum": ["0", "1"]},
    "source": {"type": "string", "enum": list(VOTE_SOURCES)},
}


@dataclass(frozen=True)
class RatingQuery:
    """The ratings page's options as the query gave them."""

    style_control: bool
    category: str | None
    bootstrap: int
    exclude_flagged_voters: bool
    source: VoteSource | None = None

    def url(self, path: str = RATINGS_PATH) -> str:
        parts = []
        if self.style_control:
            parts.append("style_control=1")
        if self.category is not None:
            parts.append(f"category={quote(self.category, safe='')}")
        if self.bootstrap != DEFAULT_ROUNDS:
            parts.append(f"bootstrap={self.bootstrap}")
        if self.exclude_flagged_voters:
            parts.append("exclude_flagged_voters=1")
        if self.source is not None:
            parts.append(f"source={self.source}")
        return path + ("?" + "&".join(parts) if parts else "")


def read_rating_query(reader: ParamReader, categories: list[str]) -> RatingQuery:
    return RatingQuery(
        style_control=reader.choice("style_control", ("0", "1"), "0") == "1",
        category=reader.choice("category", categories, None),
        bootstrap=reader.integer("bootstrap", DEFAULT_ROUNDS, 0, MAX_ROUNDS),
        exclude_flagged_voters=reader.choice("exclude_flagged_voters", ("0", "1"), "0") == "1",
        source=_vote_source(reader.choice("source", VOTE_SOURCES, None)),
    )


def _vote_source(value: str | None) -> VoteSource | None:
    return None if value is None else VoteSource(value)


def rating_options(query: RatingQuery, snapshot: ArenaSnapshot) -> RatingOptions:
    excluded = snapshot.flagged_voters if query.exclude_flagged_voters else frozenset()
    return RatingOptions(
        n_rounds=query.bootstrap,
        style_control=query.style_control,
        category=query.category,
        exclude_voters=excluded,
        source=query.source,
    )


def counts_json(counts: ArenaCounts) -> dict[str, int]:
    return {
        "battles": counts.battles,
        "votes": counts.votes,
        "counted_votes": counts.counted_votes,
        "voters": counts.voters,
    }


def rating_json(rating: Rating, names: ShownNames | None = None) -> dict[str, Any]:
    """The rating; ``model`` is the contestant as battles name it, ``name`` the display
    name every page shows (the same unless it is a stored model with a better one)."""
    return {
        "rank": rating.rank,
        "model": rating.model,
        "name": shown_name(rating.model, names),
        "rating": finite(rating.score),
        "ci_low": finite(rating.ci_low),
        "ci_high": finite(rating.ci_high),
        "rank_low": rating.rank_low,
        "rank_high": rating.rank_high,
        "tier": rating.tier,
        "n": rating.n,
    }


@dataclass(frozen=True)
class Coefficient:
    """One style feature's coefficient with its 95% interval."""

    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None


def style_coefficients(table: RatingTable) -> list[Coefficient]:
    return [
        Coefficient(item.name, finite(item.value), finite(item.ci_low), finite(item.ci_high))
        for item in table.style_coefficients
    ]


def matrices_json(standings: Standings) -> dict[str, Any]:
    matrices = standings.matrices
    return {
        "models": list(matrices.models),
        "battle_count": [[int(n) for n in row] for row in matrices.battle_count],
        "win_fraction": [[finite(float(f)) for f in row] for row in matrices.win_fraction],
        "predicted_win_rate": [
            [finite(float(p)) for p in row] for row in matrices.predicted_win_rate
        ],
    }


def standings_json(standings: Standings, names: ShownNames | None = None) -> dict[str, Any]:
    table = standings.table
    return {
        "method": table.method,
        "confidence": table.confidence,
        "n_rounds": table.n_rounds,
        "battles_rated": standings.battles,
        "warnings": list(table.warnings),
        "ratings": [rating_json(rating, names) for rating in table.ratings],
        "style_coefficients": [vars(c) for c in style_coefficients(table)],
        "matrices": matrices_json(standings),
    }


@dataclass(frozen=True)
class Rated:
    """What the ratings page shows: the vote snapshot, the query and the options it asks
    for, the standings under them (None when no counted vote matches: the page's empty
    state) and the contestants' shown names."""

    snapshot: ArenaSnapshot
    query: RatingQuery
    options: RatingOptions
    standings: Standings | None
    names: ShownNames | None = None


def ratings_json(rated: Rated) -> dict[str, Any]:
    """The ratings page as JSON; ``standings`` None when no counted vote matches."""
    snapshot, query, standings = rated.snapshot, rated.query, rated.standings
    payload: dict[str, Any] = {
        "options": {
            "style_control": query.style_control,
            "category": query.category,
            "bootstrap": query.bootstrap,
            "exclude_flagged_voters": query.exclude_flagged_voters,
        },
        "counts": counts_json(snapshot.counts),
        "categories": snapshot.categories,
        "excluded_voters": len(rated.options.exclude_voters),
        "empty": standings is None,
    }
    if standings is None:
        return payload | {"battles_rated": 0, "ratings": [], "warnings": [], "matrices": None}
    return payload | standings_json(standings, rated.names)


def rating_title(rating: Rating, names: ShownNames | None = None) -> str:
    name = shown_name(rating.model, names)
    contestant = f" ({rating.model})" if name != rating.model else ""
    return (
        f"{name}{contestant}: rating {rating.score:.0f}, 95% CI {rating.ci_low:.0f}–"
        f"{rating.ci_high:.0f}, rank {rating.rank} ({rating.rank_low}–{rating.rank_high}), "
        f"n = {rating.n} battles"
    )


def ratings_context(rated: Rated) -> dict[str, Any]:
    snapshot, query, standings, names = rated.snapshot, rated.query, rated.standings, rated.names
    context: dict[str, Any] = {
        "title": "Arena ratings",
        "query": query,
        "counts": snapshot.counts,
        "categories": snapshot.categories,
        "excluded_voters": len(rated.options.exclude_voters),
        "standings": standings,
        "api_url": query.url("/api/arena/ratings"),
        "max_rounds": MAX_ROUNDS,
        "rating_chart": None,
        "win_chart": None,
        "coefficients": [],
        "names": names or {},
    }
    if standings is None:
        return context
    table = standings.table
    inputs = [
        RatingInput(
            shown_name(r.model, names), r.score, r.ci_low, r.ci_high, rating_title(r, names)
        )
        for r in table.ratings
    ]
    return context | {
        "rating_chart": rating_chart(inputs),
        "win_chart": _win_chart(standings, names),
        "matrix_models": min(len(standings.matrices.models), MAX_MATRIX_MODELS),
        "rated_models": len(standings.matrices.models),
        "coefficients": style_coefficients(table) if query.style_control else [],
    }


def _win_chart(standings: Standings, names: ShownNames | None) -> HeatChart | None:
    """The win matrix with its rows and columns in rating order, best first (the first
    ``MAX_MATRIX_MODELS``: a larger grid is no longer readable; the JSON has it all)."""
    matrices = standings.matrices
    position = {model: index for index, model in enumerate(matrices.models)}
    order = [position[model] for model in standings.table.models if model in position]
    order = order[:MAX_MATRIX_MODELS]
    return win_heatmap(
        [shown_name(matrices.models[i], names) for i in order],
        [[float(matrices.win_fraction[i][j]) for j in order] for i in order],
        [[int(matrices.battle_count[i][j]) for j in order] for i in order],
    )


def voter_json(report: VoterReport) -> dict[str, Any]:
    return {
        "voter": voter_label(report.voter),
        "votes": report.votes,
        "agreement": finite(report.agreement),
        "expected_agreement": finite(report.expected_agreement),
        "z": finite(report.z),
        "p_value": finite(report.p_value),
        "p_adjusted": finite(report.p_adjusted),
        "flagged": report.flagged,
    }


def voters_json(snapshot: ArenaSnapshot) -> dict[str, Any]:
    reports = snapshot.voter_reports
    return {
        "counts": counts_json(snapshot.counts),
        "tested": len(reports),
        "flagged": sum(1 for report in reports if report.flagged),
        "voters": [voter_json(report) for report in reports],
    }
