"""Word counting and word tokens, defined as IFEval's reference checkers define them.

Two different notions of "word" are used, as in the original:

* ``count_words`` (``length_constraints:number_words``) counts maximal runs of word
  characters (``\\w+``, Unicode letters, digits and ``_``). Punctuation separates words
  and is never one: ``don't`` is two words, ``3.14`` is two, ``state-of-the-art`` four,
  and an em dash between two words does not merge them.
* ``word_tokens`` (``change_case:capital_word_frequency``) approximates NLTK's
  Treebank ``word_tokenize``: whitespace-separated chunks with punctuation split off,
  English clitics split from their host (``DON'T`` → ``DO`` ``N'T``, ``I'M`` → ``I``
  ``'M``) and ``cannot``/``gonna``/``gotta``/``wanna``/``gimme``/``lemme`` split in
  two; hyphens, slashes and inner periods stay inside a token (``STATE-OF-THE-ART``,
  ``U.S.``). Only how letters group into tokens matters to the capital-word count, so
  quote conversions and the finer rules of the Treebank tokenizer are left out.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")

# Characters the Treebank tokenizer always splits off as tokens of their own; a comma or
# colon is split off unless a digit follows it (1,000 and 10:30 stay whole).
_ALWAYS_SPLIT = re.compile(r"\.\.\.|…|--|[?!;@#$%&()\[\]{}<>\"“”‘`]|[,:](?!\d)")
_EDGE_PUNCTUATION = "'.*_"
_CLITIC = re.compile(r"(?i)^(.+?)('s|'m|'d|'ll|'re|'ve|n't)$")
_FUSED = re.compile(r"(?i)^(can)(not)$|^(gon)(na)$|^(got)(ta)$|^(wan)(na)$|^(gim)(me)$|^(lem)(me)$")


def count_words(text: str) -> int:
    """The number of ``\\w+`` runs in ``text``."""
    return len(_WORD.findall(text))


def word_tokens(text: str) -> list[str]:
    """Treebank-like word tokens of ``text``; punctuation-only tokens are dropped."""
    tokens: list[str] = []
    for chunk in _ALWAYS_SPLIT.sub(" ", text).split():
        tokens.extend(_split_chunk(chunk.strip(_EDGE_PUNCTUATION)))
    return [token for token in tokens if any(character.isalnum() for character in token)]


def _split_chunk(chunk: str) -> list[str]:
    fused = _FUSED.match(chunk)
    if fused:
        return [part for part in fused.groups() if part]
    clitic = _CLITIC.match(chunk)
    if clitic:
        return [clitic.group(1), clitic.group(2)]
    return [chunk]
