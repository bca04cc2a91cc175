"""Checkers on how the response opens, ends and is put together: the ``startend:*`` and
``combination:*`` families, as IFEval's reference checkers define them.
"""

from __future__ import annotations

RESPONSE_SEPARATOR = "******"


def ends_with_phrase(response: str, end_phrase: str) -> bool:
    """startend:end_checker — the response, outer spaces and double quotes removed,
    ends with the phrase (case-insensitive)."""
    return response.strip().strip('"').lower().endswith(end_phrase.strip().lower())


def is_wrapped_in_quotes(response: str) -> bool:
    """startend:quotation — the whole response is wrapped in ASCII double quotes."""
    stripped = response.strip()
    return len(stripped) > 1 and stripped[0] == '"' and stripped[-1] == '"'


def has_two_responses(response: str) -> bool:
    """combination:two_responses — exactly two different, non-blank responses separated
    by six asterisks; a blank part is allowed only before the first or after the last
    separator."""
    parts = response.split(RESPONSE_SEPARATOR)
    answers: list[str] = []
    for index, part in enumerate(parts):
        if part.strip():
            answers.append(part.strip())
        elif 0 < index < len(parts) - 1:
            return False
    return len(answers) == 2 and answers[0] != answers[1]


def repeats_prompt(response: str, prompt_to_repeat: str) -> bool:
    """combination:repeat_prompt — the response opens with the request, repeated word
    for word (case and outer whitespace ignored)."""
    return response.strip().lower().startswith(prompt_to_repeat.strip().lower())
