"""How the judge commands report pairwise verdicts: the head-to-head result, the bias
audit with its intervals (tables or JSON), and where the votes were stored."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evalatlas.cli.display import number
from evalatlas.cli.judge_shared import (
    Loading,
    Shown,
    echo_json,
    estimate_cells,
    interval_text,
    run_judge,
)
from evalatlas.judge import (
    AuditOptions,
    BiasAudit,
    Estimate,
    InconsistentPolicy,
    JudgedPair,
    PairOutcome,
    PairwiseItem,
    VerdictMode,
    audit_judge,
)
from evalatlas.judge.evidence import AuditedPair, PairEvidence, as_evidence
from evalatlas.judge.run import JudgeConfig, PairwiseJudge
from evalatlas.judge.templates import PAIRWISE_TEMPLATES, TemplateSet
from evalatlas.judge.verdicts import counted_outcome
from evalatlas.outcomes import Outcome
from evalatlas.scoring.stats import mean_metric


def run_pairwise(
    shown: Shown,
    reference: str,
    items: Sequence[PairwiseItem],
    config: JudgeConfig,
    loading: Loading,
    templates: TemplateSet = PAIRWISE_TEMPLATES,
) -> list[JudgedPair]:
    return run_judge(
        shown,
        reference,
        loading,
        lambda model: PairwiseJudge(model, templates, config=config),
        items,
    )


def _head_to_head(
    pairs: Sequence[PairEvidence], policy: InconsistentPolicy
) -> list[dict[str, Any]]:
    """Per ordered pair of models: counted outcomes and model A's win rate (ties half)."""
    by_models: dict[tuple[str, str], list[Outcome]] = {}
    for pair in pairs:
        outcomes = by_models.setdefault((pair.model_a, pair.model_b), [])
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is not None:
            outcomes.append(outcome)
    rows = []
    for (model_a, model_b), outcomes in by_models.items():
        metric = mean_metric([{Outcome.A: 1.0, Outcome.B: 0.0}.get(o, 0.5) for o in outcomes])
        rows.append(
            {
                "model_a": model_a,
                "model_b": model_b,
                "n": metric.n,
                "wins_a": outcomes.count(Outcome.A),
                "ties": outcomes.count(Outcome.TIE),
                "wins_b": outcomes.count(Outcome.B),
                "win_rate_a": metric.value,
                "ci_low": metric.ci_low,
                "ci_high": metric.ci_high,
            }
        )
    return rows


def _audit_rows(audit: BiasAudit) -> list[tuple[str, Estimate]]:
    rows = [
        ("position consistency", audit.position_consistency),
        ("first-position win rate", audit.first_position_win_rate),
        ("P(longer answer wins), no ties", audit.longer_answer_win_rate),
        ("P(longer answer wins), per judgment", audit.longer_answer_judgment_win_rate),
    ]
    preference = audit.self_preference
    if preference is not None:
        rows.append(("family win rate (this judge)", preference.judge_win_rate))
        if preference.reference_win_rate is not None:
            rows.append(("family win rate (reference)", preference.reference_win_rate))
        if preference.difference is not None:
            rows.append(("self-preference (difference)", preference.difference))
    if audit.agreement is not None:
        rows.append(("human agreement, no ties", audit.agreement.accuracy))
        rows.append(("Cohen's kappa with humans", audit.agreement.kappa))
    return rows


_VERDICT_SOURCES = {
    "text": "the last verdict marker the judge wrote",
    "choice": "the judge's most likely of the five markers after its reasoning",
}


def _print_audit(
    console: Console, audit: BiasAudit, policy: InconsistentPolicy, *, stored: bool = False
) -> None:
    counted = "counted as ties" if policy is InconsistentPolicy.TIE else "dropped"
    if audit.verdict_source is not None:
        console.print(
            f"verdicts: {audit.verdict_source} ({_VERDICT_SOURCES[audit.verdict_source]})",
            highlight=False,
        )
    if stored:
        console.print(
            f"{audit.pairs} stored judge votes, each judged in both orders: "
            f"{audit.inconsistent} inconsistent ({counted}); pairs left unscored cast no "
            "vote and are not stored",
            highlight=False,
        )
    else:
        console.print(
            f"{audit.pairs} pairs judged in both orders: {audit.unscored} unscored (no "
            f"verdict in an order), {audit.inconsistent} inconsistent ({counted})",
            highlight=False,
        )
    if audit.at_token_limit and audit.verdict_source == VerdictMode.CHOICE:
        console.print(
            f"{audit.at_token_limit} of {2 * audit.pairs} judgments' reasoning stopped at the "
            "token limit (their verdicts were chosen after the cut reasoning)",
            highlight=False,
        )
    if audit.unparsed_at_token_limit:
        console.print(
            f"{audit.unparsed_at_token_limit} judgments without a verdict stopped at the "
            "token limit: raise --max-tokens",
            highlight=False,
        )
    table = Table(title="Judge biases")
    for header in ("statistic", "value", "95% CI", "n", "interval"):
        table.add_column(header, justify="left" if header == "statistic" else "right")
    for name, estimate in _audit_rows(audit):
        table.add_row(name, *estimate_cells(estimate), estimate.method)
    console.print(table)


def _print_head_to_head(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Head to head (ties count half)")
    for header in ("model A", "model B", "A wins", "ties", "B wins", "A win rate", "95% CI", "n"):
        table.add_column(header, justify="left" if header.startswith("model") else "right")
    for row in rows:
        table.add_row(
            row["model_a"],
            row["model_b"],
            str(row["wins_a"]),
            str(row["ties"]),
            str(row["wins_b"]),
            number(row["win_rate_a"], 3),
            interval_text((row["ci_low"], row["ci_high"])),
            str(row["n"]),
        )
    console.print(table)


def report_json(
    pairs: Sequence[AuditedPair], options: AuditOptions, judges: list[str]
) -> dict[str, Any]:
    evidence = as_evidence(pairs)
    audit = audit_judge(evidence, options)
    return {
        "judges": judges,
        "verdict_source": audit.verdict_source,
        "pairs": len(evidence),
        "outcomes": {o.value: sum(p.outcome is o for p in evidence) for o in PairOutcome},
        "inconsistent_policy": options.policy.value,
        "head_to_head": _head_to_head(evidence, options.policy),
        "audit": audit.as_json(),
    }


def print_report(
    console: Console,
    pairs: Sequence[AuditedPair],
    options: AuditOptions,
    judges: list[str],
    *,
    stored: bool = False,
) -> None:
    evidence = as_evidence(pairs)
    audit = audit_judge(evidence, options)
    for judge in judges:
        console.print(f"judge: {judge}", highlight=False, markup=False)
    _print_head_to_head(console, _head_to_head(evidence, options.policy))
    _print_audit(console, audit, options.policy, stored=stored)


def report_pairs(
    shown: Shown, pairs: Sequence[JudgedPair], options: AuditOptions, extra: dict[str, Any]
) -> None:
    judges = sorted({pair.judge for pair in pairs})
    if shown.as_json:
        echo_json(report_json(pairs, options, judges) | extra)
    else:
        print_report(shown.console, pairs, options, judges)


def print_stored(console: Console, stored: dict[str, Any] | None, output: Path | None) -> None:
    if stored is not None:
        console.print(
            f"{stored['added']} judge votes stored ({stored['skipped']} already stored) "
            f"in {stored['workspace']}",
            highlight=False,
        )
    if output is not None:
        console.print(f"judged pairs written to {output}", highlight=False)
