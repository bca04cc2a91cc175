from __future__ import annotations

from collections.abc import Mapping

import pytest

from evalatlas.errors import ConfigError
from evalatlas.scoring.ifeval import (
    IFEvalVerdict,
    InstructionVerdict,
    follow_instructions,
    instruction_counts,
    instruction_level_accuracy,
    loose_variants,
    prompt_level_accuracy,
)

PROMPT = "Write a short note."


def grade(response: str, instruction_id: str, kwargs: Mapping[str, object]) -> InstructionVerdict:
    return follow_instructions(response, PROMPT, [instruction_id], [kwargs]).instructions[0]


def test_loose_variants_are_the_eight_of_the_paper() -> None:
    variants = loose_variants("Sure:\n*body*\nBye")
    assert variants == (
        "Sure:\n*body*\nBye",
        "*body*\nBye",
        "Sure:\n*body*",
        "*body*",
        "Sure:\nbody\nBye",
        "body\nBye",
        "Sure:\nbody",
        "body",
    )


def test_a_chatty_first_line_fails_strictly_but_passes_loosely() -> None:
    response = 'Sure, here it is:\n"The quick brown fox."'
    verdict = grade(response, "startend:quotation", {})
    assert (verdict.strict, verdict.loose) == (False, True)


def test_a_closing_remark_fails_strictly_but_passes_loosely() -> None:
    response = "Bright sun today.\nIs there anything else I can help with?\nHope this helps!"
    end = {"end_phrase": "Is there anything else I can help with?"}
    verdict = grade(response, "startend:end_checker", end)
    assert (verdict.strict, verdict.loose) == (False, True)


def test_markdown_emphasis_fails_strictly_but_passes_loosely() -> None:
    response = "My **answer** is yes."
    verdict = grade(response, "detectable_format:constrained_response", {})
    assert (verdict.strict, verdict.loose) == (False, True)


def test_a_broken_instruction_fails_both_ways() -> None:
    verdict = grade("Apples, pears.\nPlums, figs.\nDates, nuts.", "punctuation:no_comma", {})
    assert (verdict.strict, verdict.loose) == (False, False)


def test_a_blank_response_follows_nothing() -> None:
    # Without this, "no comma" or "less than N words" would pass on silence.
    verdict = grade("   \n", "punctuation:no_comma", {})
    assert (verdict.strict, verdict.loose) == (False, False)


def test_a_blank_variant_does_not_rescue_a_response() -> None:
    # Dropping the only line leaves nothing; that must not count as a loose pass.
    verdict = grade("One, two.", "punctuation:no_comma", {})
    assert verdict.loose is False


def test_verdict_keeps_instruction_order_and_counts() -> None:
    verdict = follow_instructions(
        "the weather is lovely today and we are going for a walk in the park",
        PROMPT,
        ["punctuation:no_comma", "change_case:english_lowercase", "startend:quotation"],
        [{}, None, {}],
    )
    assert [v.instruction_id for v in verdict.instructions] == [
        "punctuation:no_comma",
        "change_case:english_lowercase",
        "startend:quotation",
    ]
    assert instruction_counts(verdict) == (2, 3)
    assert (verdict.prompt_strict, verdict.prompt_loose) == (False, False)


def test_instruction_level_accuracy_pools_instructions_not_prompts() -> None:
    one_of_three = _verdict([True, False, False])
    one_of_one = _verdict([True])
    verdicts = [one_of_three, one_of_one]
    assert instruction_level_accuracy(verdicts) == pytest.approx(2 / 4)
    # A mean of per-prompt shares would give (1/3 + 1) / 2 = 2/3 instead.
    assert prompt_level_accuracy(verdicts) == pytest.approx(1 / 2)


def test_loose_metrics_use_loose_verdicts() -> None:
    verdicts = [_verdict([False, False], loose=[True, True]), _verdict([True], loose=[True])]
    assert prompt_level_accuracy(verdicts) == pytest.approx(0.5)
    assert prompt_level_accuracy(verdicts, loose=True) == pytest.approx(1.0)
    assert instruction_level_accuracy(verdicts, loose=True) == pytest.approx(1.0)
    assert instruction_counts(verdicts[0], loose=True) == (2, 2)


def test_metrics_refuse_empty_input() -> None:
    with pytest.raises(ValueError):
        prompt_level_accuracy([])
    with pytest.raises(ValueError):
        instruction_level_accuracy([])


def test_errors_name_the_prompt() -> None:
    with pytest.raises(ConfigError, match=r"IFEval prompt 'Write a short note\.'.*'nope:nope'"):
        follow_instructions("x", PROMPT, ["nope:nope"], [{}])


@pytest.mark.parametrize(
    ("ids", "kwargs_list", "message"),
    [
        ([], [], "has no instruction ids"),
        (["punctuation:no_comma"], [], "1 instruction ids but 0 kwargs entries"),
    ],
)
def test_malformed_instruction_lists_are_config_errors(
    ids: list[str], kwargs_list: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        follow_instructions("x", PROMPT, ids, kwargs_list)


def _verdict(strict: list[bool], loose: list[bool] | None = None) -> IFEvalVerdict:
    loose = strict if loose is None else loose
    return IFEvalVerdict(
        tuple(
            InstructionVerdict(f"id{index}", s, lo)
            for index, (s, lo) in enumerate(zip(strict, loose, strict=True))
        )
    )
