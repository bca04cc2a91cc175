"""Battles as judge items: from a workspace's stored arena battles, or from a JSONL file."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.errors import DataError
from evalatlas.judge.run.battle_items import items_from_battles, read_battle_file
from evalatlas.store import BattleSource, NewBattle, Store, VoteRequest, VoteSource

from .cli_helpers import write_jsonl


def battle(battle_id: str, source: BattleSource, answer_b: str = "Rayleigh.") -> NewBattle:
    return NewBattle(
        id=battle_id, source=source, created_by="test", prompt=f"Why? ({battle_id})",
        model_a="m1", model_b="m2", answer_a="Because.", answer_b=answer_b, category="stem",
    )  # fmt: skip


def test_stored_battles_with_both_answers_become_items(tmp_path: Path) -> None:
    battles = [
        battle("a-voted", BattleSource.ARENA),
        battle("b-open", BattleSource.ARENA),
        battle("no-answer", BattleSource.IMPORT, answer_b=""),  # a log without text
        battle("judged", BattleSource.JUDGE),  # a judge's own battle
    ]
    with Store.open(tmp_path / "ws") as store:
        records = store.arena()
        records.add_battles(battles, [VoteRequest("a-voted", "A", "person", VoteSource.HUMAN)])
        stored = records.battles_with_answers()
        assert [b.id for b in records.battles_with_answers(limit=1)] == ["a-voted"]
    assert [b.id for b in stored] == ["a-voted", "b-open"]
    assert stored[0].vote is not None and stored[0].vote.outcome == "A"
    items = items_from_battles(stored)
    assert [item.pair_id for item in items] == ["a-voted", "b-open"]
    assert (items[0].prompt, items[0].answer_a, items[0].answer_b) == (
        "Why? (a-voted)", "Because.", "Rayleigh.",
    )  # fmt: skip
    assert items[0].turn == 1 and items[0].category == "stem"


ROW = {"prompt": "Why?", "model_a": "m1", "model_b": "m2", "answer_a": "A.", "answer_b": "B."}


def test_a_battle_file_is_read_with_ids(tmp_path: Path) -> None:
    rows = [ROW | {"id": "b1", "category": "stem"}, ROW | {"prompt": "How?"}]
    items = read_battle_file(write_jsonl(tmp_path / "battles.jsonl", rows))
    assert items[0].pair_id == "b1" and items[0].category == "stem"
    assert items[1].pair_id.startswith("battle-") and items[1].prompt == "How?"
    again = read_battle_file(write_jsonl(tmp_path / "again.jsonl", [ROW | {"prompt": "How?"}]))
    assert again[0].pair_id == items[1].pair_id  # the same battle, the same id


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [ROW, ROW | {"answer_b": ""}],
            "battles.jsonl:2: a battle needs non-empty text in answer_b",
        ),
        ([ROW | {"model_b": "m1"}], "battles.jsonl:1: judge item"),
        ([ROW, ROW], "battles.jsonl:2: battle id"),
        ([ROW | {"category": 3}], "battles.jsonl:1: 'category' must be text"),
        ([], "no battles in the file"),
    ],
)
def test_a_bad_battle_file_names_its_line(tmp_path: Path, rows: list[object], message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        read_battle_file(write_jsonl(tmp_path / "battles.jsonl", rows))
