"""What the judges page shows, and its JSON twin: each stored judge's bias audit, and the
ratings of people and of each judge side by side with how alike they rank the models.

Everything comes from the stored votes (a judge vote keeps both orders' verdicts), once
per vote-state: the audits and rank agreements are kept on the arena snapshot, and the
ratings are the arena's own (``Arena.standings``) for one source or one judge's voters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from evalatlas.arena import Arena
from evalatlas.arena.by_source import (
    RatedSource,
    agreement_text,
    model_order,
    rating_text,
    ratings_by_source,
)
from evalatlas.judge.audit import Estimate
from evalatlas.judge.store_audit import StoredAudit, audit_prompts, audit_stored_judges
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import RankAgreement
from evalatlas.store import ArenaRecords
from evalatlas.web.arena.ratings_view import counts_json, rating_json
from evalatlas.web.arena_column import ShownNames, shown_name
from evalatlas.web.arena_state import ArenaSnapshot
from evalatlas.web.cells import finite


@dataclass(frozen=True)
class JudgesPage:
    audits: list[StoredAudit]
    sources: list[RatedSource]
    models: list[str]  # every rated model, by people's rating first, then by name


def judges_page(snapshot: ArenaSnapshot, arena: Arena) -> JudgesPage:
    """The judges page at this vote-state (computed on first use, then kept)."""
    audits = stored_audits(snapshot, arena.records)
    groups = [(report.judge.label, frozenset(report.judge.voters)) for report in audits]
    sources = snapshot.derived(
        "judge-sources", lambda: ratings_by_source(snapshot.counted, groups, arena.standings)
    )
    return JudgesPage(audits, sources, model_order(sources))


def stored_audits(snapshot: ArenaSnapshot, records: ArenaRecords) -> list[StoredAudit]:
    """The audit of every stored judge at this vote-state (computed once, then kept)."""
    return snapshot.derived("judge-audits", lambda: _audits(snapshot, records))


def _audits(snapshot: ArenaSnapshot, records: ArenaRecords) -> list[StoredAudit]:
    if not any(b.source == VoteSource.JUDGE for b in snapshot.counted):
        return []
    return audit_stored_judges(snapshot.counted, audit_prompts(records, snapshot.counted))


def estimate_json(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {
        "value": finite(estimate.value),
        "ci_low": finite(estimate.ci_low),
        "ci_high": finite(estimate.ci_high),
        "n": estimate.n,
        "method": estimate.method,
    }


def agreement_json(agreement: RankAgreement | None) -> dict[str, Any] | None:
    if agreement is None:
        return None
    return {
        "spearman": finite(agreement.spearman),
        "ci_low": finite(agreement.ci_low),
        "ci_high": finite(agreement.ci_high),
        "n_models": agreement.n_models,
        "n_rounds": agreement.n_rounds,
    }


def audit_json(report: StoredAudit) -> dict[str, Any]:
    judge = report.judge
    return {
        "judge": judge.name,
        "source": report.judge.label,
        "verdict_source": judge.verdict_source.value,
        "voters": list(judge.voters),
        "votes": judge.votes,
        "without_details": judge.without_details,
        "family_stem": report.family_stem,
        "family": list(report.family),
        "audit": report.audit.as_json(),
    }


def judges_json(
    snapshot: ArenaSnapshot, page: JudgesPage, names: ShownNames | None = None
) -> dict[str, Any]:
    """The judges page as JSON; ``names``: display names of stored models by reference."""
    return {
        "counts": counts_json(snapshot.counts),
        "empty": not page.audits,
        "judges": [audit_json(report) for report in page.audits],
        "sources": [
            {
                "name": source.name,
                "voters": None if source.options.voters is None else sorted(source.options.voters),
                "rank_agreement_with_people": agreement_json(source.agreement),
            }
            for source in page.sources
        ],
        "ratings": [
            {
                "model": model,
                "name": shown_name(model, names),
                "by_source": {
                    source.name: rating_json(source.ratings[model], names)
                    if model in source.ratings
                    else None
                    for source in page.sources
                },
            }
            for model in page.models
        ],
    }


AuditRow = tuple[str, str, Estimate | None]


def audit_rows(report: StoredAudit) -> list[AuditRow]:
    """(statistic, what 0.5 or 0 would mean, estimate) rows of one judge's audit table."""
    audit = report.audit
    rows: list[AuditRow] = [
        ("position consistency", "1 when both orders agree", audit.position_consistency),
        ("first-position win rate", "0.5 without position bias", audit.first_position_win_rate),
        ("P(longer answer wins), pairs", "0.5 without length bias", audit.longer_answer_win_rate),
        (
            "P(longer answer wins), judgments",
            "0.5 without length bias",
            audit.longer_answer_judgment_win_rate,
        ),
    ]
    preference = audit.self_preference
    if preference is not None and preference.difference is not None:
        rows.append(("self-preference (judge − people)", "0 without it", preference.difference))
    if audit.agreement is not None and audit.agreement.matched:
        rows.append(("accuracy against people", "without ties", audit.agreement.accuracy))
        rows.append(("Cohen's kappa with people", "1 full, 0 chance", audit.agreement.kappa))
    return rows


def interval_text(estimate: Estimate | None, digits: int = 3) -> tuple[str, str, str]:
    """(value, "[low, high]", n) as shown in a table; a dash for what is not known."""
    if estimate is None or finite(estimate.value) is None:
        return "—", "—", "0" if estimate is None else str(estimate.n)
    low, high = finite(estimate.ci_low), finite(estimate.ci_high)
    interval = "—" if low is None or high is None else f"[{low:.{digits}f}, {high:.{digits}f}]"
    return f"{estimate.value:.{digits}f}", interval, str(estimate.n)


def judges_context(
    snapshot: ArenaSnapshot, page: JudgesPage, names: ShownNames | None = None
) -> dict[str, Any]:
    judges = [
        {
            "report": report,
            "source": report.judge.label,
            "templates": [voter.rpartition("@")[2] for voter in report.judge.voters],
            "pairs_url": "/judges/pairs?" + urlencode({"judge": report.judge.label}),
            "rows": [
                (name, reading, *interval_text(estimate))
                for name, reading, estimate in audit_rows(report)
            ],
        }
        for report in page.audits
    ]
    return {
        "title": "Judges",
        "counts": snapshot.counts,
        "judges": judges,
        "sources": page.sources,
        "rating_rows": [
            (
                shown_name(model, names),
                [rating_text(source.ratings.get(model)) for source in page.sources],
            )
            for model in page.models
        ],
        "agreements": [agreement_text(source.agreement) for source in page.sources],
    }
