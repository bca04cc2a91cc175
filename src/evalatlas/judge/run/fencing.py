"""Fence untrusted text (questions, answers, references) before a judge reads it.

An answer is text written by the model under test: it may contain a verdict marker
(``[[A>>B]]``, ``Rating: [[10]]``) or a fake end-of-answer marker followed by instructions
to the judge. Two rules keep such text inert:

- every fence marker contains ``<|`` and ``|>``, and fenced text never does (``<|``
  becomes ``< |``), so an answer cannot close its own fence or open another;
- double brackets in fenced text are broken apart (``[[`` becomes ``[ [``), after folding
  look-alike brackets (fullwidth, mathematical white brackets) to ASCII, so no verdict
  marker survives inside an answer, and a judge that merely echoes an answer gives no
  parseable verdict.

The verdict parser (``verdicts``) reads only the judge's own output and takes its last
marker, so the judge's final word wins over anything it quotes earlier.
"""

from __future__ import annotations

import re

# Brackets a model could use to imitate ``[[``/``]]``: fullwidth, white square, tortoise.
_LOOKALIKES = str.maketrans(
    {
        "［": "[",
        "］": "]",
        "⟦": "[[",
        "⟧": "]]",
        "〚": "[[",
        "〛": "]]",
        "⁅": "[",
        "⁆": "]",
        "﹇": "[",
        "﹈": "]",
        "｜": "|",
        "＜": "<",
        "＞": ">",
    }
)
_DOUBLE_OPEN = re.compile(r"\[(?=\s*\[)")
_DOUBLE_CLOSE = re.compile(r"\](?=\s*\])")
_FENCE_OPEN = re.compile(r"<\s*\|")
_FENCE_CLOSE = re.compile(r"\|\s*>")


def neutralise(text: str) -> str:
    """``text`` with no verdict marker, rating marker or fence marker left in it."""
    folded = text.translate(_LOOKALIKES)
    broken = _DOUBLE_OPEN.sub("[ ", folded)
    broken = _DOUBLE_CLOSE.sub("] ", broken)
    broken = _FENCE_OPEN.sub("< |", broken)
    return _FENCE_CLOSE.sub("| >", broken)


def fence(label: str, text: str) -> str:
    """``text``, neutralised, between start and end markers naming ``label``."""
    return f"<|The Start of {label}|>\n{neutralise(text)}\n<|The End of {label}|>"


def transcript(questions: tuple[str, ...], answers: tuple[str, ...], speaker: str) -> str:
    """A multi-turn conversation as alternating ``### User`` / ``### <speaker>`` blocks
    (each text neutralised; the caller fences the whole transcript)."""
    blocks = []
    for question, answer in zip(questions, answers, strict=True):
        blocks.append(f"### User:\n{neutralise(question)}")
        blocks.append(f"### {speaker}:\n{neutralise(answer)}")
    return "\n\n".join(blocks)


def fenced_transcript(
    label: str, questions: tuple[str, ...], answers: tuple[str, ...], speaker: str
) -> str:
    """A transcript between start and end markers (its texts are already neutralised)."""
    body = transcript(questions, answers, speaker)
    return f"<|The Start of {label}|>\n\n{body}\n\n<|The End of {label}|>"
