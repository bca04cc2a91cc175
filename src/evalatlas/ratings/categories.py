"""Ratings per category of battles, beside the overall ratings.

`rate_by_category` returns {"all": overall, category: ratings, ...}: "all" rates every battle
(those without a category too), each category its own battles over the models that took part
in them (every battle pairs two distinct models, so each category has at least two). With an
anchor model set, a category where the anchor never battled cannot be placed on the anchored
scale: it is skipped and named in the overall table's warnings rather than raising.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypedDict, Unpack

import numpy as np

from evalatlas.errors import ConfigError
from evalatlas.ratings.battles import BattleTable
from evalatlas.ratings.bradley_terry import BradleyTerryConfig, IntervalMethod, rate_battles
from evalatlas.ratings.table import RatingTable

OVERALL = "all"


class RatingSettings(TypedDict, total=False):
    """The keyword arguments of `rate_battles` besides the seed (defaults: its own)."""

    n_rounds: int
    confidence: float
    config: BradleyTerryConfig | None
    method: IntervalMethod
    style_control: bool


def rate_by_category(
    battles: BattleTable,
    *,
    seed: int | np.random.Generator,
    **settings: Unpack[RatingSettings],
) -> dict[str, RatingTable]:
    """Overall ratings under "all", then one table per category in name order; `settings`
    are `rate_battles`'s, for every table.

    Every table is rated with the same `seed`, so with an int seed each equals the table
    `rate_battles` gives for the same battles.
    """
    names = sorted({category for category in battles.categories if category is not None})
    if OVERALL in names:
        raise ConfigError(
            f"ratings: a category is named {OVERALL!r}, the key of the overall ratings; "
            "rename that category"
        )
    config = settings["config"] = settings.get("config") or BradleyTerryConfig()

    def rate(table: BattleTable) -> RatingTable:
        return rate_battles(table, seed=seed, **settings)

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
