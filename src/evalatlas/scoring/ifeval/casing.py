"""Checkers on letter case and language: the ``change_case:*`` family and
``language:response_language``.

When ``langdetect`` cannot label a response (no letters in it) the language condition
counts as met, as in IFEval's reference checkers.
"""

from __future__ import annotations

from evalatlas.scoring.ifeval.arguments import Relation, compare
from evalatlas.scoring.ifeval.language import detect_language
from evalatlas.scoring.ifeval.words import word_tokens


def is_in_language(response: str, language: str) -> bool:
    """language:response_language — ``langdetect`` labels the response ``language``."""
    detected = detect_language(response)
    return detected is None or detected == language


def is_english_capitals(response: str) -> bool:
    """change_case:english_capital — English, and every cased character upper case."""
    return response.isupper() and is_in_language(response, "en")


def is_english_lowercase(response: str) -> bool:
    """change_case:english_lowercase — English, and every cased character lower case."""
    return response.islower() and is_in_language(response, "en")


def capital_word_frequency_holds(response: str, relation: Relation, frequency: int) -> bool:
    """change_case:capital_word_frequency — words in all capitals compare to ``frequency``.

    A word counts when it has a cased letter and all its cased letters are upper case
    (``NASA``, ``COVID-19``, and both halves of ``DON'T``; not ``I'm`` or ``2024``).
    """
    capital_words = sum(1 for token in word_tokens(response) if token.isupper())
    return compare(capital_words, relation, frequency)
