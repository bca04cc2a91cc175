"""The 25 IFEval instruction ids and how each turns its kwargs into a checker.

``build_checker(instruction_id, kwargs)`` validates the kwargs once and returns a
``Checker``: a function from a response to whether it follows the instruction. Ids and
kwarg names are spelt as in IFEval's ``input_data.jsonl``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.scoring.ifeval import casing, composition, formats, keywords, length
from evalatlas.scoring.ifeval.arguments import InstructionArguments
from evalatlas.scoring.ifeval.language import supported_languages

Checker = Callable[[str], bool]
CheckerBuilder = Callable[[InstructionArguments], Checker]


def _frequency(args: InstructionArguments) -> Checker:
    return partial(
        keywords.keyword_frequency_holds,
        keyword=args.text("keyword"),
        relation=args.relation("relation"),
        frequency=args.integer("frequency"),
    )


def _letter_frequency(args: InstructionArguments) -> Checker:
    letter = args.text("letter")
    if len(letter) != 1:
        raise ConfigError(
            f"IFEval instruction {args.instruction_id!r}: kwarg 'letter' must be one "
            f"character, got {letter!r}"
        )
    return partial(
        keywords.letter_frequency_holds,
        letter=letter,
        relation=args.relation("let_relation"),
        frequency=args.integer("let_frequency"),
    )


def _response_language(args: InstructionArguments) -> Checker:
    language = args.text("language")
    if language not in supported_languages():
        known = sorted(supported_languages())
        raise ConfigError(
            f"IFEval instruction {args.instruction_id!r}: language {language!r} is not one "
            f"langdetect knows.{did_you_mean(language, known)}"
        )
    return partial(casing.is_in_language, language=language)


def _nth_paragraph_first_word(args: InstructionArguments) -> Checker:
    num_paragraphs = args.integer("num_paragraphs", minimum=1)
    nth_paragraph = args.integer("nth_paragraph", minimum=1)
    if nth_paragraph > num_paragraphs:
        raise ConfigError(
            f"IFEval instruction {args.instruction_id!r}: nth_paragraph {nth_paragraph} is "
            f"beyond num_paragraphs {num_paragraphs}"
        )
    return partial(
        length.nth_paragraph_starts_with,
        num_paragraphs=num_paragraphs,
        nth_paragraph=nth_paragraph,
        first_word=args.text("first_word"),
    )


BUILDERS: dict[str, CheckerBuilder] = {
    "keywords:existence": lambda a: partial(
        keywords.contains_keywords, keywords=a.texts("keywords")
    ),
    "keywords:frequency": _frequency,
    "keywords:forbidden_words": lambda a: partial(
        keywords.avoids_forbidden_words, forbidden_words=a.texts("forbidden_words")
    ),
    "keywords:letter_frequency": _letter_frequency,
    "language:response_language": _response_language,
    "length_constraints:number_sentences": lambda a: partial(
        length.sentence_count_holds,
        relation=a.relation("relation"),
        num_sentences=a.integer("num_sentences"),
    ),
    "length_constraints:number_paragraphs": lambda a: partial(
        length.has_divided_paragraphs, num_paragraphs=a.integer("num_paragraphs", minimum=1)
    ),
    "length_constraints:number_words": lambda a: partial(
        length.word_count_holds, relation=a.relation("relation"), num_words=a.integer("num_words")
    ),
    "length_constraints:nth_paragraph_first_word": _nth_paragraph_first_word,
    "detectable_content:number_placeholders": lambda a: partial(
        formats.has_placeholders, num_placeholders=a.integer("num_placeholders")
    ),
    "detectable_content:postscript": lambda a: partial(
        formats.has_postscript, postscript_marker=a.text("postscript_marker")
    ),
    "detectable_format:number_bullet_lists": lambda a: partial(
        formats.bullet_count_is, num_bullets=a.integer("num_bullets")
    ),
    "detectable_format:constrained_response": lambda a: formats.is_constrained_response,
    "detectable_format:number_highlighted_sections": lambda a: partial(
        formats.has_highlighted_sections, num_highlights=a.integer("num_highlights")
    ),
    "detectable_format:multiple_sections": lambda a: partial(
        formats.has_sections,
        section_spliter=a.text("section_spliter").strip(),
        num_sections=a.integer("num_sections"),
    ),
    "detectable_format:json_format": lambda a: formats.is_json,
    "detectable_format:title": lambda a: formats.has_title,
    "combination:two_responses": lambda a: composition.has_two_responses,
    "combination:repeat_prompt": lambda a: partial(
        composition.repeats_prompt, prompt_to_repeat=a.text("prompt_to_repeat")
    ),
    "startend:end_checker": lambda a: partial(
        composition.ends_with_phrase, end_phrase=a.text("end_phrase")
    ),
    "startend:quotation": lambda a: composition.is_wrapped_in_quotes,
    "change_case:capital_word_frequency": lambda a: partial(
        casing.capital_word_frequency_holds,
        relation=a.relation("capital_relation"),
        frequency=a.integer("capital_frequency"),
    ),
    "change_case:english_capital": lambda a: casing.is_english_capitals,
    "change_case:english_lowercase": lambda a: casing.is_english_lowercase,
    "punctuation:no_comma": lambda a: keywords.has_no_comma,
}

INSTRUCTION_IDS: tuple[str, ...] = tuple(sorted(BUILDERS))


def build_checker(instruction_id: str, kwargs: Mapping[str, object] | None = None) -> Checker:
    """The checker for one instruction; ``ConfigError`` for an unknown id or bad kwargs."""
    builder = BUILDERS.get(instruction_id)
    if builder is None:
        raise ConfigError(
            f"unknown IFEval instruction id {instruction_id!r}."
            f"{did_you_mean(instruction_id, INSTRUCTION_IDS)}"
        )
    arguments = InstructionArguments(instruction_id, kwargs)
    checker = builder(arguments)
    arguments.ensure_all_read()
    return checker
