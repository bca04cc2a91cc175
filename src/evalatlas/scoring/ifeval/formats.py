"""Checkers for markdown and structured formats: the ``detectable_format:*`` and
``detectable_content:*`` families, matched as in IFEval's reference checkers.
"""

from __future__ import annotations

import json
import re

CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")

_STAR_BULLET = re.compile(r"^\s*\*[^*].*$", re.MULTILINE)
# Any line opening with "-" counts, a "---" rule included, as in the reference.
_DASH_BULLET = re.compile(r"^\s*-.*$", re.MULTILINE)
_SINGLE_HIGHLIGHT = re.compile(r"\*[^\n*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n*]*\*\*")
_TITLE = re.compile(r"<<[^\n]+>>")
_PLACEHOLDER = re.compile(r"\[.*?\]")
_JSON_FENCE = re.compile(r"^```(?:json)?", re.IGNORECASE)


def bullet_count_is(response: str, num_bullets: int) -> bool:
    """detectable_format:number_bullet_lists — exactly ``num_bullets`` lines opening
    with a markdown bullet (``* `` or ``-``)."""
    bullets = len(_STAR_BULLET.findall(response)) + len(_DASH_BULLET.findall(response))
    return bullets == num_bullets


def is_constrained_response(response: str) -> bool:
    """detectable_format:constrained_response — one of the allowed answers appears."""
    return any(answer in response for answer in CONSTRAINED_RESPONSES)


def has_highlighted_sections(response: str, num_highlights: int) -> bool:
    """detectable_format:number_highlighted_sections — at least ``num_highlights``
    non-blank ``*spans*`` or ``**spans**`` on one line; a ``**bold**`` span counts once
    (the single-star pattern only sees its blank ``**`` ends)."""
    singles = [span for span in _SINGLE_HIGHLIGHT.findall(response) if span.strip("*").strip()]
    doubles = [span for span in _DOUBLE_HIGHLIGHT.findall(response) if span[2:-2].strip()]
    return len(singles) + len(doubles) >= num_highlights


def has_sections(response: str, section_spliter: str, num_sections: int) -> bool:
    """detectable_format:multiple_sections — at least ``num_sections`` headers made of
    the splitter word and a number (``SECTION 1``), matched case-sensitively."""
    header = re.compile(rf"\s?{re.escape(section_spliter)}\s?\d+\s?")
    return len(header.split(response)) - 1 >= num_sections


def is_json(response: str) -> bool:
    """detectable_format:json_format — the response, without a markdown code fence,
    parses as JSON (any JSON value, as in the reference)."""
    body = _JSON_FENCE.sub("", response.strip(), count=1).removesuffix("```").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def has_title(response: str) -> bool:
    """detectable_format:title — a non-blank ``<<title>>`` on one line."""
    return any(title.lstrip("<").rstrip(">").strip() for title in _TITLE.findall(response))


def has_placeholders(response: str, num_placeholders: int) -> bool:
    """detectable_content:number_placeholders — at least ``num_placeholders``
    ``[bracketed]`` placeholders (``[]`` counts, as in the reference)."""
    return len(_PLACEHOLDER.findall(response)) >= num_placeholders


def has_postscript(response: str, postscript_marker: str) -> bool:
    """detectable_content:postscript — the marker occurs, case-insensitively, anywhere.

    As in the reference the marker is not required to open a line or close the
    response, and "P.S." / "P.P.S" also match with a space after a period ("P. S.").
    """
    if postscript_marker == "P.P.S":
        pattern = r"p\.\s?p\.\s?s"
    elif postscript_marker == "P.S.":
        pattern = r"p\.\s?s\."
    else:
        pattern = re.escape(postscript_marker.lower())
    return re.search(pattern, response.lower()) is not None
