"""Which models are linked by battles: ratings are comparable only within a linked group.

Bradley-Terry ratings compare two models through the battles on some path between them; two
groups of models with no battle between them can each be rated, but the distance between the
groups is set by nothing in the data (only by the fit's tiny penalty).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from evalatlas.ratings.battles import BattleTable

# How much of each group, and how many groups, a one-line warning names.
NAMES_PER_GROUP = 4
GROUPS_NAMED = 3


def disconnected_groups(battles: BattleTable) -> list[tuple[str, ...]]:
    """Connected components of the battle graph, largest first (ties by first name).

    A model in `battles.models` with no battle at all forms a group of its own.
    """
    matchups = battles.compress()
    return linked_groups(battles.models, matchups.model_a, matchups.model_b)


def linked_groups(
    models: tuple[str, ...], model_a: NDArray[np.int64], model_b: NDArray[np.int64]
) -> list[tuple[str, ...]]:
    """Connected components of the graph with an edge per (model_a[i], model_b[i])."""
    size = len(models)
    graph = sparse.coo_matrix((np.ones(model_a.shape[0]), (model_a, model_b)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    groups = [
        tuple(models[i] for i in np.flatnonzero(labels == label)) for label in np.unique(labels)
    ]
    return sorted(groups, key=lambda group: (-len(group), group[0]))


def disconnection_warning(groups: list[tuple[str, ...]]) -> str | None:
    """One line naming the groups when there is more than one, else None."""
    if len(groups) <= 1:
        return None
    named = "; ".join(_group_text(group) for group in groups[:GROUPS_NAMED])
    more = len(groups) - GROUPS_NAMED
    rest = f"; and {more} more group{'s' if more > 1 else ''}" if more > 0 else ""
    return (
        f"ratings: the battles form {len(groups)} groups with no battle between them, so "
        f"ratings are comparable only within a group: {named}{rest}"
    )


def _group_text(group: tuple[str, ...]) -> str:
    shown = ", ".join(group[:NAMES_PER_GROUP])
    hidden = len(group) - NAMES_PER_GROUP
    return "{" + shown + (f", +{hidden} more" if hidden > 0 else "") + "}"
