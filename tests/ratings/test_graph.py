from __future__ import annotations

import numpy as np

from evalatlas.ratings import BattleTable, disconnected_groups, rate_battles


def test_groups_of_linked_models_largest_first() -> None:
    battles = BattleTable.from_records(
        [("a", "b", "A"), ("b", "c", "B"), ("d", "e", "TIE"), ("f", "g", "A"), ("g", "h", "A")]
    )
    assert disconnected_groups(battles) == [("a", "b", "c"), ("f", "g", "h"), ("d", "e")]
    linked = BattleTable.from_records([("a", "b", "A"), ("b", "c", "A")])
    assert disconnected_groups(linked) == [("a", "b", "c")]


def test_a_model_without_battles_is_a_group_of_its_own() -> None:
    battles = BattleTable.from_records([("a", "b", "A"), ("b", "c", "A", "code")])
    assert disconnected_groups(battles.for_category("code")) == [("b", "c"), ("a",)]


def test_rating_disconnected_battles_warns_and_names_the_groups() -> None:
    battles = BattleTable.from_records([("a", "b", "A"), ("b", "a", "TIE"), ("c", "d", "B")])
    table = rate_battles(battles, seed=0, n_rounds=20)
    assert len(table.warnings) == 1
    (warning,) = table.warnings
    assert "2 groups with no battle between them" in warning
    assert "{a, b}; {c, d}" in warning and "\n" not in warning
    assert np.isfinite([rating.score for rating in table.ratings]).all()
    sandwich = rate_battles(battles, seed=0, n_rounds=20, method="sandwich")
    assert sandwich.warnings == table.warnings
    connected = rate_battles(BattleTable.from_records([("a", "b", "A")]), seed=0, n_rounds=5)
    assert connected.warnings == ()


def test_many_groups_are_truncated_in_the_warning() -> None:
    records = [(f"m{i}", f"n{i}", "A") for i in range(6)]
    records += [("big0", f"big{i}", "A") for i in range(1, 7)]
    table = rate_battles(BattleTable.from_records(records), seed=0, n_rounds=0)
    (warning,) = table.warnings
    assert "7 groups" in warning
    assert "{big0, big1, big2, big3, +3 more}" in warning
    assert warning.endswith("and 4 more groups")
