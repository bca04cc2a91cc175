"""A rule-based English sentence splitter that needs no downloaded model data.

IFEval's reference checkers count sentences with NLTK's pre-trained ``punkt`` model. That
model has to be downloaded at run time, so EvalAtlas splits with fixed rules instead:

* A sentence ends at a run of ``.``, ``!``, ``?`` or ``…``, together with any closing
  quotes, brackets or markdown emphasis right after it (``."``, ``?)``, ``.**``), when
  whitespace or the end of the text follows. ``3.14``, ``example.com`` and ``U.S.A``
  inside a word therefore never split.
* ``!`` or ``?`` in the run always ends a sentence.
* A single ``.`` after a title or a Latin abbreviation (``Mr.``, ``Dr.``, ``St.``,
  ``e.g.``, ``i.e.``, ``vs.``, ``cf.``) never ends one.
* A single ``.`` after an abbreviation that may also close a sentence (``etc.``,
  ``Inc.``, ``No.``, ``Jan.``, any dotted acronym such as ``U.S.`` or ``a.m.``) or after
  a capital initial (``J. R. R. Tolkien``) ends one only when the next word is a
  capitalised common sentence opener (``The``, ``It``, ``However``...). This imitates
  punkt's orthographic heuristic with a fixed word list instead of learnt statistics.
* A number that opens its line followed by ``.`` (``1. Preheat the oven``) is a list
  marker, not a sentence.
* An ellipsis (``..``, ``...``, ``…``) ends a sentence only when the next word starts
  with a capital letter.
* A line break alone does not end a sentence, as in punkt: a heading or a bullet
  without terminal punctuation joins the sentence that follows it.

Where this may differ from punkt: punkt learnt its abbreviations, collocations and
sentence openers from a corpus, so rare abbreviations (``Gov.``, ``Sen.``) it knows
and this list does not will split here, a word after an initial or acronym that punkt
has seen capitalised mid-sentence may split differently, and punkt sometimes splits
after a list marker such as ``1.``, which this splitter never does.
"""

from __future__ import annotations

import re

# Titles and Latin abbreviations: a single period after them never ends a sentence
# (lower case, without the final period).
_NEVER_FINAL = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "rev", "hon", "gen", "col", "capt", "lt",
        "sgt", "st", "mt", "vs", "e.g", "i.e", "cf", "viz", "fig", "figs", "vol", "pp",
        "approx", "dept",
    }
)  # fmt: skip

# Abbreviations that also close sentences: they split only before a sentence opener.
_MAY_BE_FINAL = frozenset(
    {
        "etc", "inc", "ltd", "co", "corp", "al", "jr", "sr", "no", "nos", "ft", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

# Capitalised words that start a sentence far more often than they continue a name.
_SENTENCE_OPENERS = frozenset(
    {
        "a", "after", "all", "also", "an", "and", "as", "at", "but", "by", "during",
        "each", "for", "from", "he", "her", "here", "his", "how", "however", "i", "if",
        "in", "it", "its", "many", "most", "my", "no", "not", "now", "of", "on", "once",
        "our", "she", "since", "so", "some", "still", "that", "the", "their", "then",
        "there", "these", "they", "this", "those", "though", "thus", "to", "today",
        "we", "what", "when", "where", "which", "while", "who", "why", "with", "yet",
        "you", "your",
    }
)  # fmt: skip

# A run of terminal punctuation, the closers glued to it, and whitespace or the end.
_CANDIDATE = re.compile(r"(?P<stop>[.!?…]+)(?P<closers>[\"'”’)\]}»*_]*)(?=\s|$)")
_OPENERS_TO_STRIP = "\"'“‘([{*_`"
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_CAPITAL_INITIAL = re.compile(r"[A-Z]")
_NEXT_WORD = re.compile(r"\s*[\"'“‘(\[*_]*(?P<word>[^\W\d_][\w'-]*)?")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order; none for blank text."""
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if _ends_sentence(text, match):
            sentences.append(text[start : match.end()].strip())
            start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def count_sentences(text: str) -> int:
    """How many sentences ``split_sentences`` finds in ``text``."""
    return len(split_sentences(text))


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    stop = match.group("stop")
    if "!" in stop or "?" in stop or not text[match.end() :].strip():
        return True
    next_word = _next_word(text, match.end())
    if stop != ".":
        # An ellipsis trails off mid-sentence unless a capitalised word follows.
        return next_word[:1].isupper()
    return _period_ends_sentence(text, match.start(), next_word)


def _period_ends_sentence(text: str, period_at: int, next_word: str) -> bool:
    word = _word_before(text, period_at)
    lowered = word.lower()
    if lowered in _NEVER_FINAL:
        return False
    if word.isdigit() and _opens_line(text, period_at - len(word)):
        return False
    ambiguous = (
        lowered in _MAY_BE_FINAL
        or _DOTTED_ACRONYM.fullmatch(word) is not None
        or _CAPITAL_INITIAL.fullmatch(word) is not None
    )
    if ambiguous:
        return next_word[:1].isupper() and next_word.lower() in _SENTENCE_OPENERS
    return True


def _word_before(text: str, end: int) -> str:
    """The whitespace-delimited word ending at ``end``, without leading quotes/brackets."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS_TO_STRIP)


def _next_word(text: str, position: int) -> str:
    """The word that follows ``position``; '' when a digit or symbol comes first."""
    match = _NEXT_WORD.match(text, position)
    return (match.group("word") or "") if match else ""


def _opens_line(text: str, position: int) -> bool:
    """Whether only whitespace or markdown markers precede ``position`` on its line."""
    line_start = text.rfind("\n", 0, position) + 1
    return not text[line_start:position].strip(_OPENERS_TO_STRIP + " \t-#>")
