"""The side-by-side comparison as JSON-ready data and as short texts, so that the CLI and
the web page say the same thing in the same words.

Non-finite numbers are left as they are; the JSON policy (``evalatlas.jsonio``) writes
them as null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from evalatlas.analysis.ranks.correlation import FEW_MODELS, Estimate, RankCorrelation
from evalatlas.analysis.ranks.disagreement import Disagreement
from evalatlas.analysis.ranks.side_by_side import RankComparison
from evalatlas.analysis.ranks.sources import RankEntry
from evalatlas.store import PublishedRanking

DASH = "—"


def rank_text(entry: RankEntry | None) -> str:
    """``2 [1–3]``, ``2`` without an interval, or a dash for a model the source lacks."""
    if entry is None:
        return DASH
    if entry.rank_low is None or entry.rank_high is None:
        return str(entry.rank)
    return f"{entry.rank} [{entry.rank_low}–{entry.rank_high}]"


def score_text(entry: RankEntry | None) -> str:
    """``0.61 [0.52, 0.70] · n 120`` (as many parts as the source gives)."""
    if entry is None:
        return DASH
    text = number_text(entry.score)
    if entry.ci_low is not None and entry.ci_high is not None:
        text += f" [{number_text(entry.ci_low)}, {number_text(entry.ci_high)}]"
    if entry.n is not None:
        text += f" · n {entry.n}"
    return text


def number_text(value: float) -> str:
    """A score as wide as it needs: ratings in whole points, accuracies to three figures."""
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def estimate_text(symbol: str, estimate: Estimate | None) -> str:
    """``τ = 0.60 [0.20, 0.90]``, with a warning when the interval includes 0."""
    if estimate is None:
        return DASH
    text = f"{symbol} = {estimate.value:.2f} [{estimate.ci_low:.2f}, {estimate.ci_high:.2f}]"
    return text + " (includes 0)" if estimate.includes_zero else text


def correlation_note(pair: RankCorrelation) -> str:
    """Why a pair has no correlation, or how many resamples were left out."""
    if pair.reason:
        return f"not estimated: {pair.reason}"
    notes = []
    if pair.n < FEW_MODELS:
        notes.append(f"only {pair.n} models: a bootstrap over so few understates the uncertainty")
    if pair.degenerate:
        notes.append(f"{pair.degenerate} of {pair.n_boot} resamples left out (all scores alike)")
    return "; ".join(notes)


def disagreement_texts(found: Disagreement, names: Mapping[str, str]) -> tuple[str, str]:
    """What each source says of the pair: ``x (score) above y (score)`` for source A, then
    ``y (…) above x (…)`` for source B."""
    x = names.get(found.above_in_a, found.above_in_a)
    y = names.get(found.above_in_b, found.above_in_b)
    (ax, ay), (bx, by) = found.entries_a, found.entries_b
    return (
        f"{x} ({score_text(ax)}) above {y} ({score_text(ay)})",
        f"{y} ({score_text(by)}) above {x} ({score_text(bx)})",
    )


def comparison_json(
    comparison: RankComparison,
    names: Mapping[str, str],
    published: Sequence[PublishedRanking] = (),
) -> dict[str, Any]:
    """The comparison as JSON-ready data; ``names``: display names by reference."""
    sources = comparison.sources
    return {
        "n_boot": comparison.n_boot,
        "seed": comparison.seed,
        "notes": list(comparison.notes),
        "sources": [
            {"name": s.name, "kind": s.kind.value, "method": s.method, "n_models": len(s.entries)}
            for s in sources
        ],
        "models": [
            {
                "model": model,
                "name": names.get(model, model),
                "by_source": {s.name: _entry_json(s.entries.get(model)) for s in sources},
            }
            for model in comparison.models
        ],
        "correlations": [_correlation_json(pair) for pair in comparison.correlations],
        "disagreements": [_disagreement_json(d, names) for d in comparison.disagreements],
        "published": [published_json(ranking) for ranking in published],
    }


def published_json(ranking: PublishedRanking) -> dict[str, Any]:
    return {
        "name": ranking.name,
        "source": ranking.source,
        "imported_at": ranking.imported_at.isoformat(),
        "n_models": len(ranking.scores),
    }


def _entry_json(entry: RankEntry | None) -> dict[str, Any] | None:
    return None if entry is None else asdict(entry)


def _estimate_json(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return asdict(estimate) | {"includes_zero": estimate.includes_zero}


def _correlation_json(pair: RankCorrelation) -> dict[str, Any]:
    return {
        "source_a": pair.source_a,
        "source_b": pair.source_b,
        "n": pair.n,
        "estimated": pair.kendall is not None,
        "kendall_tau": _estimate_json(pair.kendall),
        "spearman_rho": _estimate_json(pair.spearman),
        "n_boot": pair.n_boot,
        "degenerate_resamples": pair.degenerate,
        "reason": pair.reason or None,
        "note": correlation_note(pair) or None,
    }


def _disagreement_json(found: Disagreement, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "source_a": found.source_a,
        "source_b": found.source_b,
        "above_in_a": found.above_in_a,
        "above_in_a_name": names.get(found.above_in_a, found.above_in_a),
        "above_in_b": found.above_in_b,
        "above_in_b_name": names.get(found.above_in_b, found.above_in_b),
        "in_a": [asdict(entry) for entry in found.entries_a],
        "in_b": [asdict(entry) for entry in found.entries_b],
    }
