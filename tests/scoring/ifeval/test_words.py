from __future__ import annotations

import pytest

from evalatlas.scoring.ifeval.words import count_words, word_tokens


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("one two  three\nfour", 4),
        ("don't", 2),
        ("3.14 is pi", 4),
        ("state-of-the-art", 4),
        ("word—word , ; ...", 2),
        ("naïve café über", 3),
    ],
)
def test_count_words_counts_word_character_runs(text: str, count: int) -> None:
    assert count_words(text) == count


def test_word_tokens_split_punctuation_and_clitics() -> None:
    assert word_tokens("I DON'T know, HELLO,WORLD! (NASA) cannot") == [
        "I", "DO", "N'T", "know", "HELLO", "WORLD", "NASA", "can", "not",
    ]  # fmt: skip


def test_word_tokens_keep_hyphens_slashes_and_inner_periods() -> None:
    assert word_tokens("STATE-OF-THE-ART and/or U.S. 1,000 10:30 ...") == [
        "STATE-OF-THE-ART", "and/or", "U.S", "1,000", "10:30",
    ]  # fmt: skip
