"""Ratings of people and of each judge side by side, and how alike they rank the models.

    groups = [("judge:m (text)", frozenset(voters_of_m))]
    sources = ratings_by_source(battles, groups, standings=arena.standings)
    for source in sources:
        print(source.name, source.agreement)      # Spearman's rho with people, with a CI

Each source is rated by the arena's own standings (Bradley-Terry, bootstrap intervals):
people's votes alone, then each judge's votes alone (a judge is a set of voters: one per
template it used). A judge's rank agreement with people is Spearman's rho over the models
both rated (``ratings.rank_agreement``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evalatlas.arena.standings import RatingOptions, Standings, battle_table, select_battles
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import RankAgreement, Rating, rank_agreement
from evalatlas.store import DecidedBattle

PEOPLE = "people"
DEFAULT_ROUNDS = 200
VoterGroup = tuple[str, frozenset[str]]  # a source's name and its voters


@dataclass(frozen=True)
class RatedSource:
    """One column of the side-by-side ratings: people's votes, or one judge's."""

    name: str
    options: RatingOptions
    ratings: dict[str, Rating]  # by model
    agreement: RankAgreement | None  # with people's ratings; None for people, or no people


def ratings_by_source(
    battles: Sequence[DecidedBattle],
    judges: Sequence[VoterGroup],
    standings: Callable[[RatingOptions], Standings],
    *,
    n_rounds: int = DEFAULT_ROUNDS,
    seed: int = 0,
) -> list[RatedSource]:
    """People's ratings (when any person voted), then each judge's, from the counted
    ``battles``; ``standings`` rates one set of options (``Arena.standings`` keeps them)."""
    people = RatingOptions(n_rounds=n_rounds, seed=seed, source=VoteSource.HUMAN)
    people_battles = select_battles(battles, people)
    sources = []
    if people_battles:
        sources.append(RatedSource(PEOPLE, people, _ratings(standings(people)), None))
    for name, voters in judges:
        options = RatingOptions(
            n_rounds=n_rounds, seed=seed, source=VoteSource.JUDGE, voters=voters
        )
        judged = select_battles(battles, options)
        if not judged:
            continue
        agreement = None
        if people_battles:
            agreement = rank_agreement(
                battle_table(people_battles, with_style=False),
                battle_table(judged, with_style=False),
                n_rounds=n_rounds,
                seed=seed,
            )
        sources.append(RatedSource(name, options, _ratings(standings(options)), agreement))
    return sources


def _ratings(standings: Standings) -> dict[str, Rating]:
    return {rating.model: rating for rating in standings.table.ratings}


def model_order(sources: Sequence[RatedSource]) -> list[str]:
    """Every rated model: by the first source's rating (people's when there are any), best
    first, then the models it did not rate, by name."""
    models = sorted({model for source in sources for model in source.ratings})
    if not sources:
        return models
    first = sources[0].ratings
    return sorted(models, key=lambda m: (m not in first, -first[m].score if m in first else 0.0))


def rating_text(rating: Rating | None) -> str:
    """``1085 [1040, 1130] · n 60``, or a dash for a model this source did not rate."""
    if rating is None:
        return "—"
    return f"{rating.score:.0f} [{rating.ci_low:.0f}, {rating.ci_high:.0f}] · n {rating.n}"


def agreement_text(agreement: RankAgreement | None) -> str:
    """``ρ = 0.80 [0.40, 1.00] · 4 models``; empty for no comparison."""
    if agreement is None:
        return ""
    if math.isnan(agreement.spearman):
        return f"ρ needs 3 shared models (n = {agreement.n_models})"
    return (
        f"ρ = {agreement.spearman:.2f} [{agreement.ci_low:.2f}, {agreement.ci_high:.2f}]"
        f" · {agreement.n_models} models"
    )
