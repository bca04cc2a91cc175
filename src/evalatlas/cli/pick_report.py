"""A pick's report: the JSON document stored and printed by ``--json``, its Markdown
export, and the table the terminal shows. All three are built from the one document, so
they never disagree."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from rich.table import Table

from evalatlas.analysis.pick import Ranked, Recommendation
from evalatlas.runner.pick import CandidateRun, CandidateStatus
from evalatlas.runner.pick_constraints import Constraints, format_parameters
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


def _score_cell(candidate: Mapping[str, Any]) -> str:
    score = candidate.get("score")
    if candidate["status"] != CandidateStatus.RAN.value:
        return "—"
    if not score or score["value"] is None:
        return "not scored"
    low, high = score["ci_low"], score["ci_high"]
    interval = "" if low is None else f" [{low:.3f}, {high:.3f}]"
    chance = " (chance)" if candidate.get("at_chance") else ""
    return f"{score['value']:.3f}{interval} n={score['n']}{chance}"


def _versus_cell(candidate: Mapping[str, Any]) -> str:
    versus = candidate.get("versus_best")
    if "score" not in candidate:
        return ""
    if versus is None:
        return "best"
    tie = "tied" if candidate["tied_with_best"] else "worse"
    p = versus["p_adjusted"]
    shown = "n/a" if p is None or math.isnan(p) else f"{p:.3g}"
    return f"{versus['difference']:+.3f}, p={shown} ({tie})"


def _speed_cell(candidate: Mapping[str, Any]) -> str:
    tokens, requests = candidate["tokens_per_second"], candidate["requests_per_second"]
    if tokens is not None:
        return f"{tokens:,.1f} tok/s"
    return "—" if requests is None else f"{requests:,.2f} req/s"


def _memory_cell(value: int | None) -> str:
    return "—" if value is None else f"+{value / 2**20:,.0f} MiB"


def _size_cell(value: int | None) -> str:
    return "?" if value is None else format_parameters(value)


def _rows(document: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for c in document["candidates"]:
        rows.append(
            [
                c["name"],
                c["status"],
                _score_cell(c),
                _versus_cell(c),
                _size_cell(c["parameters"]),
                _speed_cell(c),
                _memory_cell(c["added_memory_bytes"]),
                "; ".join(c["reasons"]),
            ]
        )
    return rows


COLUMNS = ("candidate", "status", "score [95% CI] n", "vs best", "size", "speed", "memory", "why")


def report_table(document: Mapping[str, Any]) -> Table:
    title = f"{document['task']} · {document['metric']} · {document['examples']['n']} examples"
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in _rows(document):
        table.add_row(*row)
    return table


def report_markdown(document: Mapping[str, Any], report_id: str) -> str:
    examples = document["examples"]
    lines = [
        f"# Pick report {report_id[:12]}",
        "",
        f"- examples: `{examples['file']}`, {examples['n']} {examples['mode']} examples,"
        f" sha256 `{examples['sha256']}`",
        f"- task: `{document['task']}`, metric `{document['metric']}`",
        f"- protocol: `{document['protocol_hash']}`",
        f"- constraints: {', '.join(document['constraints']) or 'none'}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines.extend(
        "| " + " | ".join(_escaped(cell) for cell in row) + " |" for row in _rows(document)
    )
    recommendation = document["recommendation"]
    lines += ["", recommendation["sentence"] if recommendation else "No recommendation.", ""]
    lines += [
        "Speed: tokens generated (or, for multiple choice, options scored) per second of the"
        " backend's batches on the machine that ran the pick; memory: peak resident memory"
        " added while the candidate loaded and answered.",
        "",
    ]
    return "\n".join(lines)


def _escaped(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")
