"""Checkers on length and layout: the ``length_constraints:*`` family.

Two paragraph conventions coexist, as in IFEval's prompts: ``number_paragraphs`` asks
for paragraphs separated by the markdown divider ``***``, ``nth_paragraph_first_word``
for paragraphs separated by a blank line (``\\n\\n``).
"""

from __future__ import annotations

import re

from evalatlas.scoring.ifeval.arguments import Relation, compare
from evalatlas.scoring.ifeval.sentences import count_sentences
from evalatlas.scoring.ifeval.words import count_words

_DIVIDER = re.compile(r"\s?\*\*\*\s?")
# Characters that end the first word of a paragraph (its trailing punctuation).
_WORD_END = re.compile(r"[.,?!'\"]")


def sentence_count_holds(response: str, relation: Relation, num_sentences: int) -> bool:
    """length_constraints:number_sentences — see ``sentences`` for what a sentence is."""
    return compare(count_sentences(response), relation, num_sentences)


def word_count_holds(response: str, relation: Relation, num_words: int) -> bool:
    """length_constraints:number_words — see ``words.count_words``."""
    return compare(count_words(response), relation, num_words)


def has_divided_paragraphs(response: str, num_paragraphs: int) -> bool:
    """length_constraints:number_paragraphs — exactly ``num_paragraphs`` parts between
    ``***`` dividers. An empty part before the first or after the last divider is
    ignored; an empty part between two dividers fails the instruction."""
    parts = _DIVIDER.split(response)
    for index, part in enumerate(parts):
        if not part.strip() and 0 < index < len(parts) - 1:
            return False
    return sum(1 for part in parts if part.strip()) == num_paragraphs


def nth_paragraph_starts_with(
    response: str, num_paragraphs: int, nth_paragraph: int, first_word: str
) -> bool:
    """length_constraints:nth_paragraph_first_word — exactly ``num_paragraphs``
    non-blank paragraphs between blank lines, and paragraph ``nth_paragraph`` opens with
    ``first_word`` (case-insensitive, leading quotes and trailing punctuation dropped).

    As in the reference, paragraph ``n`` is the ``n``-th piece between ``\\n\\n``
    separators, blank pieces included: a blank piece before it (from three or more
    blank lines in a row) shifts the count, so the intended paragraph is not found.
    """
    pieces = response.split("\n\n")
    if sum(1 for piece in pieces if piece.strip()) != num_paragraphs:
        return False
    if nth_paragraph > num_paragraphs:
        return False
    paragraph = pieces[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].lstrip("'").lstrip('"')
    return _WORD_END.split(word, maxsplit=1)[0].lower() == first_word.lower()
