"""Checkers for what the response must or must not contain: the ``keywords:*`` family
and ``punctuation:no_comma``.

Keywords match as in IFEval's reference checkers: case-insensitively and as substrings
(``keywords:existence`` finds "dog" in "dogs", ``keywords:frequency`` counts it there),
except forbidden words, which must not appear as whole words. The reference passes
keywords to ``re`` unescaped; here they are always literal text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalatlas.scoring.ifeval.arguments import Relation, compare


def contains_keywords(response: str, keywords: Sequence[str]) -> bool:
    """keywords:existence — every keyword occurs somewhere in the response."""
    return all(re.search(re.escape(keyword), response, re.IGNORECASE) for keyword in keywords)


def keyword_frequency_holds(
    response: str, keyword: str, relation: Relation, frequency: int
) -> bool:
    """keywords:frequency — the keyword's occurrences compare to ``frequency``."""
    occurrences = len(re.findall(re.escape(keyword), response, re.IGNORECASE))
    return compare(occurrences, relation, frequency)


def avoids_forbidden_words(response: str, forbidden_words: Sequence[str]) -> bool:
    """keywords:forbidden_words — no forbidden word occurs as a whole word."""
    return not any(
        re.search(rf"\b{re.escape(word)}\b", response, re.IGNORECASE) for word in forbidden_words
    )


def letter_frequency_holds(response: str, letter: str, relation: Relation, frequency: int) -> bool:
    """keywords:letter_frequency — the character's case-insensitive count compares.

    The data also asks for "!" and "#"; the reference replaces any non-letter with a
    random letter (its validation expects a-z), here the given character is counted.
    """
    return compare(response.lower().count(letter.lower()), relation, frequency)


def has_no_comma(response: str) -> bool:
    """punctuation:no_comma — no ASCII comma anywhere."""
    return "," not in response
