"""Pairs of models on which two sources disagree significantly: source A puts x above y
with x's 95% interval wholly above y's, and source B puts y above x the same way.

Non-overlapping 95% intervals is a conservative test (two scores can differ
significantly while their intervals overlap), so every pair listed is a clear
disagreement, and some real ones may be missed. A source without intervals (a published
table that gives none) never disagrees significantly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.analysis.ranks.sources import RankEntry, RankSource


@dataclass(frozen=True)
class Disagreement:
    source_a: str
    source_b: str
    above_in_a: str  # the model source A puts clearly above…
    above_in_b: str  # …the model source B puts clearly above it
    entries_a: tuple[RankEntry, RankEntry]  # (above_in_a, above_in_b) in source A
    entries_b: tuple[RankEntry, RankEntry]  # (above_in_a, above_in_b) in source B


def disagreements(a: RankSource, b: RankSource) -> list[Disagreement]:
    """Every pair of shared models that ``a`` and ``b`` order oppositely, each clearly."""
    shared = sorted(set(a.entries) & set(b.entries))
    found = []
    for x in shared:
        for y in shared:
            if x == y:
                continue
            ax, ay, bx, by = a.entries[x], a.entries[y], b.entries[x], b.entries[y]
            if ax.clearly_above(ay) and by.clearly_above(bx):
                found.append(Disagreement(a.name, b.name, x, y, (ax, ay), (bx, by)))
    return found


def all_disagreements(sources: Sequence[RankSource]) -> list[Disagreement]:
    """The disagreements of every pair of ``sources``, in their order."""
    return [
        found
        for i, a in enumerate(sources)
        for b in sources[i + 1 :]
        for found in disagreements(a, b)
    ]
