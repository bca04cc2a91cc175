from __future__ import annotations

import numpy as np
import pytest

from evalatlas.errors import ConfigError
from evalatlas.ratings import BattleTable, BradleyTerryConfig, rate_battles, rate_by_category

from .synthetic import draw_battles


def categorised(n_battles: int, seed: int) -> BattleTable:
    battles = draw_battles(n_battles, seed)
    names = np.array(["code", "math", None], dtype=object)
    labels = tuple(names[np.arange(n_battles) % 3])
    return BattleTable(battles.models, battles.model_a, battles.model_b, battles.outcome, labels)


def test_overall_and_one_table_per_category() -> None:
    battles = categorised(1500, seed=4)
    tables = rate_by_category(battles, seed=3, n_rounds=30)
    assert list(tables) == ["all", "code", "math"]
    assert tables["all"] == rate_battles(battles, seed=3, n_rounds=30)
    code = battles.for_category("code")
    assert tables["code"] == rate_battles(code, seed=3, n_rounds=30)
    assert sum(rating.n for rating in tables["code"].ratings) == 2 * len(code)


def test_a_category_without_the_anchor_model_is_listed_not_raised() -> None:
    records = [("x", "y", "A", "chat"), ("y", "x", "B", "chat"), ("x", "z", "A", "code")]
    records += [("y", "z", "TIE", "code"), ("z", "w", "A", "math")]
    battles = BattleTable.from_records(records)
    tables = rate_by_category(battles, seed=0, n_rounds=5, config=BradleyTerryConfig(anchor="x"))
    assert list(tables) == ["all", "chat", "code"]
    assert set(tables["chat"].models) == {"x", "y"}  # only the models of its battles
    (note,) = tables["all"].warnings
    assert note == ("ratings: categories not rated: 'math' (no battles of the anchor model 'x')")


def test_a_category_named_all_is_a_config_error() -> None:
    battles = BattleTable.from_records([("x", "y", "A", "all"), ("x", "y", "B")])
    with pytest.raises(ConfigError, match="category is named 'all'"):
        rate_by_category(battles, seed=0, n_rounds=5)
