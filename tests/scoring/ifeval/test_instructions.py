"""Every IFEval instruction type: a response that follows it and one that does not."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from evalatlas.scoring.ifeval import INSTRUCTION_IDS, build_checker


class Case(NamedTuple):
    instruction_id: str
    kwargs: dict[str, object]
    follows: str
    breaks: str


ENGLISH = "The quick brown fox jumps over the lazy dog and runs into the forest today."
GERMAN = "Der schnelle braune Fuchs springt über den faulen Hund und läuft in den Wald."

CASES = [
    Case("keywords:existence", {"keywords": ["dog", "Park"]},
         "My DOGS love the park.", "My dogs love the beach."),
    Case("keywords:frequency", {"keyword": "fiesta", "relation": "at least", "frequency": 2},
         "Fiesta time! The fiesta never ends.", "One fiesta only."),
    Case("keywords:frequency", {"keyword": "fiesta", "relation": "less than", "frequency": 2},
         "One fiesta only.", "Fiesta time! The fiesta never ends."),
    Case("keywords:forbidden_words", {"forbidden_words": ["run", "bark"]},
         "The dog was running and barking.", "Watch the dog RUN away."),
    Case("keywords:letter_frequency", {"letter": "q", "let_relation": "at least",
                                       "let_frequency": 2},
         "Quick quiet queens.", "Only one q here."),
    Case("keywords:letter_frequency", {"letter": "!", "let_relation": "at least",
                                       "let_frequency": 3},
         "Wow! Great! Yes!", "Wow! Great."),
    Case("keywords:letter_frequency", {"letter": "e", "let_relation": "less than",
                                       "let_frequency": 2},
         "A cat sat on a mat.", "Three eels."),
    Case("language:response_language", {"language": "de"}, GERMAN, ENGLISH),
    Case("length_constraints:number_sentences", {"relation": "less than", "num_sentences": 3},
         "Mr. Smith arrived at 3.14 p.m. today. He left.", "One. Two. Three."),
    Case("length_constraints:number_sentences", {"relation": "at least", "num_sentences": 3},
         "One. Two! Three?", "One. Two."),
    Case("length_constraints:number_paragraphs", {"num_paragraphs": 3},
         "First part.\n***\nSecond part.\n***\nThird part.",
         "First part.\n***\n***\nThird part."),
    Case("length_constraints:number_words", {"relation": "at least", "num_words": 5},
         "Don't stop me now, ok", "Just four words here."),
    Case("length_constraints:number_words", {"relation": "less than", "num_words": 5},
         "Just four words here.", "There are five words here."),
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "president"},
         "Intro.\n\n\"President, sir,\" he said.\n\nOutro.",
         "Intro.\n\nThe president spoke.\n\nOutro."),
    Case("detectable_content:number_placeholders", {"num_placeholders": 2},
         "Dear [name], you live at [address].", "Dear [name], hello."),
    Case("detectable_content:postscript", {"postscript_marker": "P.S."},
         "Thanks for reading.\n\nP.S. See you soon.", "Thanks for reading.\n\nPS see you."),
    Case("detectable_content:postscript", {"postscript_marker": "P.P.S"},
         "Bye.\nP.P.S. One more thing.", "Bye.\nP.S. One more thing."),
    Case("detectable_format:number_bullet_lists", {"num_bullets": 2},
         "Here:\n* apples\n- pears\n", "Here:\n* apples\n* pears\n* plums"),
    Case("detectable_format:constrained_response", {},
         "My answer is maybe.", "My answer is probably."),
    Case("detectable_format:number_highlighted_sections", {"num_highlights": 2},
         "This is *important* and **also this**.", "Only *one* here, and ** ** blank."),
    Case("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
         "SECTION 1\nHello.\nSECTION 2\nWorld.", "SECTION 1\nHello.\nSection 2\nWorld."),
    Case("detectable_format:json_format", {},
         '```json\n{"a": [1, 2]}\n```', '{"a": [1, 2],}'),
    Case("detectable_format:title", {},
         "<<Poem of Joy>>\nLa la la.", "<< >>\nPoem of Joy"),
    Case("combination:two_responses", {},
         "Answer one.\n******\nAnswer two.", "Answer one.\n******\nAnswer one."),
    Case("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem about cats."},
         "write a poem about cats. Cats are soft...", "Sure! Write a poem about cats."),
    Case("startend:end_checker", {"end_phrase": "Is there anything else I can help with?"},
         "Done. is there anything else I can help with?\"  ",
         "Is there anything else I can help with? Bye."),
    Case("startend:quotation", {}, '  "Hello, world."\n', "Hello, \"world\""),
    Case("change_case:capital_word_frequency", {"capital_relation": "at least",
                                                "capital_frequency": 3},
         "I DON'T like NASA.", "I do not like NASA or Nasa."),
    Case("change_case:capital_word_frequency", {"capital_relation": "less than",
                                                "capital_frequency": 2},
         "Only NASA is shouted here.", "NASA and ESA both shout."),
    Case("change_case:english_capital", {}, ENGLISH.upper(), ENGLISH),
    Case("change_case:english_lowercase", {}, ENGLISH.lower(), GERMAN.lower()),
    Case("punctuation:no_comma", {}, "No commas here at all.", "One, comma."),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.instruction_id)
def test_a_following_response_passes(case: Case) -> None:
    assert build_checker(case.instruction_id, case.kwargs)(case.follows) is True


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.instruction_id)
def test_a_breaking_response_fails(case: Case) -> None:
    assert build_checker(case.instruction_id, case.kwargs)(case.breaks) is False


def test_every_instruction_type_has_a_case() -> None:
    assert {case.instruction_id for case in CASES} == set(INSTRUCTION_IDS)
    assert len(INSTRUCTION_IDS) == 25


def test_english_lowercase_needs_every_letter_lower() -> None:
    checker = build_checker("change_case:english_lowercase")
    assert checker(ENGLISH) is False


def test_language_checks_pass_text_with_no_letters_to_judge() -> None:
    # langdetect has nothing to judge; the reference counts the language as matched.
    assert build_checker("language:response_language", {"language": "ko"})("12345 !!!") is True


def test_language_detection_is_repeatable() -> None:
    checker = build_checker("language:response_language", {"language": "pt"})
    mixed = "Olá amigo, the meeting é amanhã at noon, obrigado"
    assert len({checker(mixed) for _ in range(20)}) == 1


def test_forbidden_words_match_whole_words_only() -> None:
    checker = build_checker("keywords:forbidden_words", {"forbidden_words": ["die"]})
    assert checker("The diet is strict, and the dies were cast.") is True
    assert checker("Do or DIE.") is False


def test_keywords_are_literal_text_not_patterns() -> None:
    checker = build_checker("keywords:existence", {"keywords": ["c++"]})
    assert checker("I write C++ daily.") is True
    assert checker("I write ccc daily.") is False


def test_nth_paragraph_counts_blank_pieces_as_the_reference_does() -> None:
    checker = build_checker(
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "second"},
    )
    assert checker("First.\n\nSecond paragraph.") is True
    # Four newlines leave an empty piece where paragraph 2 is looked for.
    assert checker("First.\n\n\n\nSecond paragraph.") is False
    # Three paragraphs where two were asked for.
    assert checker("First.\n\nSecond.\n\nThird.") is False


def test_divided_paragraphs_ignore_a_leading_or_trailing_divider() -> None:
    checker = build_checker("length_constraints:number_paragraphs", {"num_paragraphs": 2})
    assert checker("***\nOne.\n***\nTwo.\n***") is True
    assert checker("One.\n***\nTwo.\n***\nThree.") is False


def test_two_responses_reject_a_blank_middle_part() -> None:
    checker = build_checker("combination:two_responses")
    assert checker("******\nA.\n******\nB.\n******") is True
    assert checker("A.\n******\n******\nB.") is False


def test_a_dash_rule_counts_as_a_bullet_as_in_the_reference() -> None:
    checker = build_checker("detectable_format:number_bullet_lists", {"num_bullets": 1})
    assert checker("Title\n---\nText") is True
