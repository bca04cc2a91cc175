"""Battles as judge items: the arena battles stored in a workspace, or a battle file.

A judge that judges the very battles people voted on is stored with the same prompt,
turn and pair of models, so its audit reads its agreement with those people straight
from the store (``store_audit``).

A battle file is JSON Lines, one battle a line::

    {"prompt": "...", "model_a": "m1", "model_b": "m2", "answer_a": "...", "answer_b": "...",
     "id": "optional", "category": "optional"}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.items import PairwiseItem
from evalatlas.judge.run.answer_files import read_jsonl
from evalatlas.store.arena import Battle

REQUIRED = ("prompt", "model_a", "model_b", "answer_a", "answer_b")


def items_from_battles(battles: Sequence[Battle]) -> list[PairwiseItem]:
    """One single-turn pair per stored battle, keyed by the battle's id."""
    return [
        PairwiseItem(
            pair_id=battle.id,
            model_a=battle.model_a,
            model_b=battle.model_b,
            questions=(battle.prompt,),
            answers_a=(battle.answer_a,),
            answers_b=(battle.answer_b,),
            category=battle.category,
            question_id=battle.id,
        )
        for battle in battles
    ]


def read_battle_file(path: Path) -> list[PairwiseItem]:
    """The battles of a JSONL file; DataError naming the line of the first bad one."""
    items = []
    seen: set[str] = set()
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}:{number}"
        item = _battle_item(row, where)
        if item.pair_id in seen:
            raise DataError(f"{where}: battle id {item.pair_id!r} appears twice; give each its own")
        seen.add(item.pair_id)
        items.append(item)
    if not items:
        raise DataError(f"{path}: no battles in the file")
    return items


def _battle_item(row: dict[str, Any], where: str) -> PairwiseItem:
    missing = [name for name in REQUIRED if not isinstance(row.get(name), str) or not row[name]]
    if missing:
        raise DataError(f"{where}: a battle needs non-empty text in {', '.join(missing)}")
    category = row.get("category")
    if category is not None and not isinstance(category, str):
        raise DataError(f"{where}: 'category' must be text")
    battle_id = str(row.get("id") or _content_id(row))
    try:
        return PairwiseItem(
            pair_id=battle_id,
            model_a=row["model_a"],
            model_b=row["model_b"],
            questions=(row["prompt"],),
            answers_a=(row["answer_a"],),
            answers_b=(row["answer_b"],),
            category=category,
            question_id=battle_id,
        )
    except ConfigError as error:
        raise DataError(f"{where}: {error}") from None


def _content_id(row: dict[str, Any]) -> str:
    """An id for a battle without one: the same battle in another file gets the same id."""
    content = [row[name] for name in REQUIRED]
    return "battle-" + hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()[:24]
