"""Ratings per category of battles, beside the overall ratings.

`rate_by_category` returns {"all": overall, category: ratings, ...}: "all" rates every battle
(those without a category too), each category its own battles over the models that took part
in them (every battle pairs two distinct models, so each category has at least two). With an
anchor model set, a category where the anchor never battled cannot be placed on the anchored
scale: it is skipped and named in the overall table's warnings rather than raising.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from evalatlas.errors import ConfigError
from evalatlas.ratings.battles import BattleTable
from evalatlas.ratings.bradley_terry import BradleyTerryConfig, IntervalMethod, rate_battles
from evalatlas.ratings.table import RatingTable

OVERALL = "all"


def rate_by_category(
    battles: BattleTable,
    *,
    seed: int | np.random.Generator,
    n_rounds: int = 100,
    confidence: float = 0.95,
    config: BradleyTerryConfig | None = None,
    method: IntervalMethod = IntervalMethod.BOOTSTRAP,
    style_control: bool = False,
) -> dict[str, RatingTable]:
    """Overall ratings under "all", then one table per category in name order.

    Every table is rated with the same `seed`, so with an int seed each equals the table
    `rate_battles` gives for the same battles.
    """
    names = sorted({category for category in battles.categories if category is not None})
    if OVERALL in names:
        raise ConfigError(
            f"ratings: a category is named {OVERALL!r}, the key of the overall ratings; "
            "rename that category"
        )
    config = config or BradleyTerryConfig()

    def rate(table: BattleTable) -> RatingTable:
        return rate_battles(
            table,
            seed=seed,
            n_rounds=n_rounds,
            confidence=confidence,
            config=config,
            method=method,
            style_control=style_control,
        )

    overall = rate(battles)
    tables: dict[str, RatingTable] = {}
    skipped: list[str] = []
    for name in names:
        subset = battles.for_category(name).without_idle_models()
        reason = _unratable(subset, config)
        if reason:
            skipped.append(f"{name!r} ({reason})")
        else:
            tables[name] = rate(subset)
    if skipped:
        note = "ratings: categories not rated: " + "; ".join(skipped)
        overall = replace(overall, warnings=(*overall.warnings, note))
    return {OVERALL: overall, **tables}


def _unratable(battles: BattleTable, config: BradleyTerryConfig) -> str | None:
    if config.anchor is not None and config.anchor not in battles.models:
        return f"no battles of the anchor model {config.anchor!r}"
    return None
