"""Style counts of one answer, the features of style-controlled ratings (pure text counting).

Chatbot Arena's style control uses the answer length in tokens and the number of markdown
headers, list items and bold spans. Tokens here are words and punctuation marks (a
tokenizer-free count, so every model's answers are measured alike).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]")
_HEADER = re.compile(r"^ {0,3}#{1,6}\s+\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_CODE_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def style_counts(answer: str) -> dict[str, float]:
    """Length in tokens and counts of markdown headers, list items and bold spans; code
    blocks count for length but their lines are not read as markdown."""
    prose = _CODE_FENCE.sub("", answer)
    return {
        "length": float(len(_TOKEN.findall(answer))),
        "headers": float(len(_HEADER.findall(prose))),
        "lists": float(len(_LIST_ITEM.findall(prose))),
        "bold": float(len(_BOLD.findall(prose))),
    }
