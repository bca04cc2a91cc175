"""A pick's report: the JSON document stored and printed by ``--json``, its Markdown
export, and the table the terminal shows. All three are built from the one document, so
they never disagree (the cells and the Markdown are ``evalatlas.analysis.pick.report``'s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from rich.table import Table

from evalatlas.analysis.pick import Ranked, Recommendation
from evalatlas.analysis.pick.report import COLUMNS, report_rows
from evalatlas.runner.pick import CandidateRun
from evalatlas.runner.pick_constraints import Constraints
from evalatlas.tasks.pick_examples import Examples

REPORT_VERSION = 1


def report_document(
    examples: Examples,
    task_name: str,
    metric: str,
    constraints: Constraints,
    runs: Sequence[CandidateRun],
    recommendation: Recommendation | None,
) -> dict[str, Any]:
    """The whole report as plain JSON values."""
    ranked = {r.candidate.name: r for r in recommendation.ranked} if recommendation else {}
    protocols = {run.protocol.protocol_hash(): run.protocol for run in runs if run.protocol}
    protocol = next(iter(protocols.values()), None)
    return {
        "report_version": REPORT_VERSION,
        "examples": {
            "file": examples.path.name,
            "sha256": examples.sha256,
            "mode": examples.mode.value,
            "n": examples.n,
        },
        "task": task_name,
        "metric": metric,
        "protocol_hash": next(iter(protocols), None),
        "protocol": protocol.model_dump(mode="json") if protocol else None,
        "constraints": constraints.describe(),
        "candidates": [_candidate(run, ranked.get(run.name)) for run in runs],
        "recommendation": _recommendation(recommendation),
    }


def _candidate(run: CandidateRun, ranked: Ranked | None) -> dict[str, Any]:
    measured = run.measured
    entry: dict[str, Any] = {
        "name": run.name,
        "reference": run.reference,
        "status": run.status.value,
        "reasons": list(run.reasons),
        "parameters": run.parameters,
        "licence": run.licence,
        "run_id": run.run_id,
        "tokens_per_second": measured.tokens_per_second if measured else None,
        "requests_per_second": measured.requests_per_second if measured else None,
        "backend_seconds": measured.seconds if measured else None,
        "peak_memory_bytes": measured.peak_memory_bytes if measured else None,
        "added_memory_bytes": measured.added_memory_bytes if measured else None,
    }
    if ranked is not None:
        score = ranked.score
        entry["score"] = {
            "value": score.value,
            "ci_low": score.ci_low,
            "ci_high": score.ci_high,
            "n": score.n,
            "n_unscored": score.n_unscored,
        }
        entry["at_chance"] = ranked.at_chance
        entry["tied_with_best"] = ranked.tied_with_best
        versus = ranked.versus_best
        entry["versus_best"] = None if versus is None else asdict(versus)
    return entry


def _recommendation(rec: Recommendation | None) -> dict[str, Any] | None:
    if rec is None:
        return None
    needed = rec.needed
    return {
        "n_items": rec.n_items,
        "random_baseline": rec.baseline,
        "best": rec.best,
        "tied_with_best": list(rec.tied),
        "choice": rec.choice,
        "choice_by": rec.choice_by,
        "all_at_chance": rec.all_at_chance,
        "examples_needed": None
        if needed is None
        else {
            "total": needed.total,
            "more": needed.more,
            "observed_difference": needed.observed_difference,
        },
        "sentence": rec.sentence,
    }


def report_table(document: Mapping[str, Any]) -> Table:
    title = f"{document['task']} · {document['metric']} · {document['examples']['n']} examples"
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in report_rows(document):
        table.add_row(*row)
    return table
