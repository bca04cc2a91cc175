"""Style features of battles, as Chatbot Arena's style control defines them.

For each feature (answer length in tokens, markdown headers, list items, bold spans) the raw
counts of the two answers become the normalised difference (a - b) / (a + b), 0 when both
are 0, which is then standardised over the battles rated (mean 0, standard deviation 1; a
column that never varies stays 0). A positive coefficient on a feature means that, at equal
model strength, the answer with more of it tends to win.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evalatlas.errors import ConfigError
from evalatlas.ratings.battles import BattleTable


@dataclass(frozen=True)
class StyleCoefficient:
    """A fitted style coefficient, in logits per standard deviation of its feature."""

    name: str
    value: float
    ci_low: float
    ci_high: float


def normalised_differences(
    style_a: NDArray[np.float64], style_b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(a - b) / (a + b) per battle and feature; 0 where both counts are 0."""
    total = style_a + style_b
    safe = np.where(total > 0, total, 1.0)
    return np.asarray(np.where(total > 0, (style_a - style_b) / safe, 0.0), dtype=np.float64)


def standardised(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each column shifted to mean 0 and scaled to standard deviation 1 (constant: 0)."""
    if values.shape[0] == 0:
        return values.copy()
    centred = values - values.mean(axis=0)
    spread = values.std(axis=0)
    # A column that barely varies (rounding noise) carries no information: keep it at 0.
    varies = spread > 1e-12 * np.maximum(np.abs(values).max(axis=0), 1.0)
    return np.asarray(
        np.where(varies, centred / np.where(varies, spread, 1.0), 0.0), dtype=np.float64
    )


def style_features(battles: BattleTable) -> NDArray[np.float64]:
    """The standardised style features of every battle (battles x features)."""
    if battles.style_a is None or battles.style_b is None:
        raise ConfigError(
            "battles carry no style features; build the table with style counts "
            "(BattleTable.with_style or from_records(..., style=...)) or rate without "
            "style control"
        )
    return standardised(normalised_differences(battles.style_a, battles.style_b))
