"""Style counts of arena answers: the ratings' own counter (``evalatlas.ratings``), so
arena battles, imported logs and judge battles are measured alike."""

from evalatlas.ratings.battles import STYLE_FEATURES
from evalatlas.ratings.style_counts import style_counts as answer_style

__all__ = ["STYLE_FEATURES", "answer_style"]
