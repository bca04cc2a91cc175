"""A stored pick report as text: the cells every view shows (terminal table, web page,
Markdown export), built from the report document alone so that they never disagree."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

COLUMNS = ("candidate", "status", "score [95% CI] n", "vs best", "size", "speed", "memory", "why")


def parameters_text(count: int) -> str:
    """``134515008`` -> ``"135M"``."""
    for suffix, scale in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= scale:
            return f"{count / scale:.3g}{suffix}"
    return str(count)


def _score_cell(candidate: Mapping[str, Any]) -> str:
    score = candidate.get("score")
    if candidate["status"] != "ran":
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
    return "?" if value is None else parameters_text(value)


def report_rows(document: Mapping[str, Any]) -> list[list[str]]:
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
        "| " + " | ".join(_escaped(cell) for cell in row) + " |" for row in report_rows(document)
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
