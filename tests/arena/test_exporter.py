"""Exported battle logs read back into the same battles, votes and ratings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.arena import RatingOptions, arena_standings, read_battle_log
from evalatlas.arena.exporter import battle_log_text
from evalatlas.store import Store

LOG = [
    {"model_a": "alpha", "model_b": "beta", "winner": "model_a", "category": "math"},
    {"model_a": "beta", "model_b": "gamma", "winner": "tie", "judge": "voter-7"},
    {"model_a": "gamma", "model_b": "alpha", "winner": "tie (bothbad)"},
    {"model_a": "alpha", "model_b": "gamma", "winner": "model_b", "category": "math"},
    {"model_a": "beta", "model_b": "alpha", "winner": "model_b"},
]


def _stored(root: Path, log: Path) -> Store:
    store = Store.open(root)
    imported = read_battle_log(log)
    store.arena().add_battles(imported.battles, imported.votes)
    return store


@pytest.mark.parametrize("name", ["again.json", "again.csv"])
def test_an_exported_log_imports_into_the_same_ratings(tmp_path: Path, name: str) -> None:
    source = tmp_path / "log.json"
    source.write_text(json.dumps(LOG), encoding="utf-8")
    with _stored(tmp_path / "first", source) as first:
        exported = tmp_path / name
        text, written = battle_log_text(
            first.arena().decided_battles(), as_csv=name.endswith("csv")
        )
        assert written == len(LOG)
        exported.write_text(text, encoding="utf-8")
        before = arena_standings(first.arena(), RatingOptions(n_rounds=20))
        outcomes = [b.outcome for b in first.arena().decided_battles()]
    with _stored(tmp_path / "second", exported) as second:
        after = arena_standings(second.arena(), RatingOptions(n_rounds=20))
        assert [b.outcome for b in second.arena().decided_battles()] == outcomes
        assert second.arena().categories() == ["math"]
    assert [(r.model, round(r.score, 9)) for r in after.table.ratings] == [
        (r.model, round(r.score, 9)) for r in before.table.ratings
    ]


def test_style_counts_survive_the_json_round_trip(tmp_path: Path) -> None:
    style = {
        "sum_assistant_a_tokens": 120,
        "sum_assistant_b_tokens": 40,
        "header_count_a": {"h1": 1, "h2": 2},
        "header_count_b": {"h1": 0},
        "list_count_a": {"ordered": 3, "unordered": 1},
        "list_count_b": {"ordered": 0, "unordered": 0},
        "bold_count_a": {"**": 2, "__": 0},
        "bold_count_b": {"**": 0, "__": 1},
    }
    source = tmp_path / "log.jsonl"
    rows = [{**row, "conv_metadata": style} for row in LOG]
    source.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    with _stored(tmp_path / "first", source) as first:
        text, _ = battle_log_text(first.arena().decided_battles(), as_csv=False)
        (tmp_path / "out.json").write_text(text, encoding="utf-8")
    battle = read_battle_log(tmp_path / "out.json").battles[0]
    assert battle.style_a == {"length": 120.0, "headers": 3.0, "lists": 4.0, "bold": 2.0}
    assert battle.style_b == {"length": 40.0, "headers": 0.0, "lists": 0.0, "bold": 1.0}
