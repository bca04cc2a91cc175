"""Tables and JSON of arena ratings and voter reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from rich.table import Table
from rich.text import Text

from evalatlas.analysis.model_cards import contestant_display_name
from evalatlas.arena import Standings, VoterReport
from evalatlas.arena.elo_standings import SPREAD, EloStandings
from evalatlas.cli.display import number
from evalatlas.jsonio import dumps


def ratings_table(standings: Standings, names: Mapping[str, str] | None = None) -> Table:
    """One row per model, best first: rating with its interval, rank interval, tier, n.
    Models are shown by display name (``names``: stored models' by reference)."""
    table = standings.table
    shown = Table(title="arena ratings")
    for header in ("rank", "model", "rating", f"{table.confidence:.0%} CI", "rank range"):
        shown.add_column(header, justify="left" if header == "model" else "right")
    shown.add_column("tier", justify="right")
    shown.add_column("n", justify="right")
    for rating in table.ratings:
        shown.add_row(
            str(rating.rank),
            Text(contestant_display_name(rating.model, names or {})),
            number(rating.score, 1),
            f"[{number(rating.ci_low, 1)}, {number(rating.ci_high, 1)}]",
            f"{rating.rank_low}–{rating.rank_high}",
            str(rating.tier),
            str(rating.n),
        )
    return shown


def style_table(standings: Standings) -> Table | None:
    """The style coefficients (logits per standardised feature) with their intervals."""
    coefficients = standings.table.style_coefficients
    if not coefficients:
        return None
    shown = Table(title="style coefficients")
    for header in ("feature", "coefficient", f"{standings.table.confidence:.0%} CI"):
        shown.add_column(header, justify="left" if header == "feature" else "right")
    for coefficient in coefficients:
        shown.add_row(
            coefficient.name,
            number(coefficient.value, 3),
            f"[{number(coefficient.ci_low, 3)}, {number(coefficient.ci_high, 3)}]",
        )
    return shown


def method_line(standings: Standings) -> str:
    """How the ratings were computed, over how many battles."""
    table = standings.table
    if table.method == "bootstrap":
        label = f"Bradley-Terry, {table.n_rounds} bootstrap rounds"
    else:
        label = f"Bradley-Terry, {table.method} intervals"
    if standings.options.style_control:
        label += ", style-controlled (a positive coefficient: voters prefer more of it)"
    return f"{label}; {standings.battles} battles"


def ratings_json(standings: Standings, excluded_voters: list[str]) -> str:
    """Everything the table shows, plus the options that produced it."""
    table = standings.table
    options = standings.options
    payload = {
        "method": table.method,
        "battles": standings.battles,
        "confidence": table.confidence,
        "n_rounds": table.n_rounds,
        "options": {
            "n_rounds": options.n_rounds,
            "seed": options.seed,
            "method": options.method,
            "style_control": options.style_control,
            "category": options.category,
            "source": options.source,
            "exclude_voters": sorted(options.exclude_voters),
        },
        "excluded_voters": excluded_voters,
        "ratings": [asdict(rating) for rating in table.ratings],
        "style_coefficients": [asdict(c) for c in table.style_coefficients],
        "warnings": list(table.warnings),
    }
    return dumps(payload, indent=2)


def elo_table(standings: EloStandings, names: Mapping[str, str] | None = None) -> Table:
    """One row per model, highest online Elo first, with its spread over shuffled orders."""
    shown = Table(title="arena online Elo (vote order)")
    spread = f"order spread ({SPREAD[0]:g}–{SPREAD[1]:g}%)"
    for header in ("rank", "model", "elo", spread, "n"):
        shown.add_column(header, justify="left" if header == "model" else "right")
    for rating in standings.ratings:
        shown.add_row(
            str(rating.rank),
            Text(contestant_display_name(rating.model, names or {})),
            number(rating.score, 1),
            f"[{number(rating.order_low, 1)}, {number(rating.order_high, 1)}]",
            str(rating.n),
        )
    return shown


def elo_notes(standings: EloStandings, excluded_voters: list[str]) -> list[str]:
    """What the Elo table is and is not: it depends on the vote order and has no interval."""
    config = standings.config
    notes = [
        f"online Elo (k={config.k:g}, start {config.initial:g}) over {standings.battles} "
        "battles, oldest vote first; it depends on the order of the votes and has no "
        "confidence interval",
        f"order spread: each rating over {standings.shuffles} shuffled orders of the same "
        "votes (seed " + str(standings.options.seed) + "); it shows how much the order "
        "alone moves a rating, not how sure the rating is: Bradley-Terry (the default "
        "method) gives intervals",
    ]
    if standings.options.category is not None:
        notes.append(f"category: {standings.options.category}")
    if standings.options.source is not None:
        notes.append(f"votes from: {standings.options.source}")
    if excluded_voters:
        notes.append(
            f"left out {len(excluded_voters)} flagged voters: {', '.join(excluded_voters)}"
        )
    return notes


def elo_json(standings: EloStandings, excluded_voters: list[str]) -> str:
    """The Elo table with the options that produced it and what it cannot claim."""
    options = standings.options
    payload = {
        "method": "elo",
        "order": "oldest vote first",
        "interval": None,
        "note": "online Elo depends on the vote order and has no confidence interval; "
        "order_low/order_high are percentiles over shuffled orders of the same votes",
        "battles": standings.battles,
        "shuffles": standings.shuffles,
        "spread_percentiles": list(SPREAD),
        "elo": asdict(standings.config),
        "options": {
            "seed": options.seed,
            "category": options.category,
            "source": options.source,
            "exclude_voters": sorted(options.exclude_voters),
        },
        "excluded_voters": excluded_voters,
        "ratings": [asdict(rating) for rating in standings.ratings],
    }
    return dumps(payload, indent=2)


def voters_table(reports: list[VoterReport]) -> Table:
    shown = Table(title="voter consistency (most suspect first)")
    headers = ("voter", "votes", "agreement", "expected", "z", "p", "p (Holm)", "flagged")
    for header in headers:
        shown.add_column(header, justify="left" if header == "voter" else "right")
    for report in reports:
        shown.add_row(
            Text(report.voter),
            str(report.votes),
            number(report.agreement, 3),
            number(report.expected_agreement, 3),
            number(report.z, 2),
            f"{report.p_value:.2g}",
            f"{report.p_adjusted:.2g}",
            Text("yes", style="bold red") if report.flagged else "",
        )
    return shown


def voters_json(reports: list[VoterReport], min_votes: int, alpha: float) -> str:
    payload = {
        "min_votes": min_votes,
        "alpha": alpha,
        "tested": len(reports),
        "flagged": [report.voter for report in reports if report.flagged],
        "voters": [asdict(report) for report in reports],
    }
    return dumps(payload, indent=2)
