"""Counted battles as a battle log that ``read_battle_log`` (and Chatbot Arena's own
tools) read back: a JSON array in the public Chatbot Arena layout, or the simple CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from evalatlas.jsonio import dumps
from evalatlas.outcomes import ARENA_WINNER_OF, Outcome
from evalatlas.store import DecidedBattle

# The "winner" column of the simple CSV layout.
CSV_WINNER_OF: dict[Outcome, str] = {
    Outcome.A: "left",
    Outcome.B: "right",
    Outcome.TIE: "tie",
    Outcome.BOTH_BAD: "both_bad",
}


def battle_log_text(battles: Iterable[DecidedBattle], *, as_csv: bool) -> tuple[str, int]:
    """The log of ``battles`` (CSV or JSON) and how many battles it holds."""
    rows = list(battles)
    return (_csv_text(rows) if as_csv else _json_text(rows)), len(rows)


def _json_text(battles: list[DecidedBattle]) -> str:
    items = [_arena_item(battle) for battle in battles]
    return dumps(items, indent=1) + "\n"


def _arena_item(battle: DecidedBattle) -> dict[str, Any]:
    item: dict[str, Any] = {
        "model_a": battle.model_a,
        "model_b": battle.model_b,
        "winner": ARENA_WINNER_OF[battle.outcome],
        "judge": battle.voter,
    }
    if battle.category is not None:
        item["category"] = battle.category
    if battle.style_a is not None and battle.style_b is not None:
        item["conv_metadata"] = {
            **_side_metadata(battle.style_a, "a"),
            **_side_metadata(battle.style_b, "b"),
        }
    return item


def _side_metadata(style: Mapping[str, float], side: str) -> dict[str, Any]:
    """One answer's style counts in Chatbot Arena's ``conv_metadata`` fields."""
    return {
        f"sum_assistant_{side}_tokens": style["length"],
        f"header_count_{side}": {"total": style["headers"]},
        f"list_count_{side}": {"total": style["lists"]},
        f"bold_count_{side}": {"total": style["bold"]},
    }


def _csv_text(battles: list[DecidedBattle]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["left", "right", "winner", "category", "voter"])
    for battle in battles:
        writer.writerow(
            [
                battle.model_a,
                battle.model_b,
                CSV_WINNER_OF[battle.outcome],
                battle.category or "",
                battle.voter,
            ]
        )
    return buffer.getvalue()
