"""A real workspace (SQLite file) and builders of battles for the arena tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalatlas.store import BattleSource, NewBattle, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "workspace") as opened:
        yield opened


def new_battle(
    battle_id: str,
    model_a: str = "alpha",
    model_b: str = "beta",
    *,
    leak: str | None = None,
    category: str | None = None,
) -> NewBattle:
    return NewBattle(
        id=battle_id,
        source=BattleSource.ARENA,
        created_by="v0",
        prompt=f"prompt of {battle_id}",
        model_a=model_a,
        model_b=model_b,
        answer_a="first answer",
        answer_b="second answer",
        category=category,
        style_a={"length": 2.0, "headers": 0.0, "lists": 0.0, "bold": 0.0},
        style_b={"length": 2.0, "headers": 0.0, "lists": 1.0, "bold": 0.0},
        identity_leak=leak,
    )
