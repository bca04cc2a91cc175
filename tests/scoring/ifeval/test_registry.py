from __future__ import annotations

import pytest

from evalatlas.errors import ConfigError
from evalatlas.scoring.ifeval import build_checker


def test_unknown_id_is_named_with_a_suggestion() -> None:
    with pytest.raises(
        ConfigError, match=r"'keywords:existance'.*Did you mean 'keywords:existence'"
    ):
        build_checker("keywords:existance", {"keywords": ["a"]})


def test_missing_kwarg_is_named() -> None:
    with pytest.raises(ConfigError, match=r"'keywords:frequency': kwarg 'relation' is missing"):
        build_checker("keywords:frequency", {"keyword": "a", "frequency": 2})


def test_none_valued_kwargs_mean_absent() -> None:
    # The Hugging Face copy lists every kwarg name for every instruction, mostly None.
    checker = build_checker("punctuation:no_comma", {"num_words": None, "relation": None})
    assert checker("fine") is True
    with pytest.raises(ConfigError, match="'num_words' is missing"):
        build_checker(
            "length_constraints:number_words", {"relation": "at least", "num_words": None}
        )


def test_integral_floats_are_accepted_as_counts() -> None:
    checker = build_checker("detectable_content:number_placeholders", {"num_placeholders": 2.0})
    assert checker("[a] [b]") is True


@pytest.mark.parametrize(
    ("instruction_id", "kwargs", "message"),
    [
        ("keywords:frequency", {"keyword": "a", "relation": "at most", "frequency": 1},
         "'relation' must be one of 'less than', 'at least'"),
        ("length_constraints:number_words", {"relation": "at least", "num_words": "ten"},
         "'num_words' must be an integer"),
        ("length_constraints:number_words", {"relation": "at least", "num_words": True},
         "'num_words' must be an integer"),
        ("keywords:existence", {"keywords": "dog"}, "'keywords' must be a non-empty list"),
        ("keywords:letter_frequency", {"letter": "ab", "let_relation": "at least",
                                       "let_frequency": 1}, "'letter' must be one character"),
        ("language:response_language", {"language": "xx"}, "language 'xx' is not one"),
        ("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"}, "beyond num_paragraphs"),
        ("detectable_format:title", {"title": "x"}, "does not take kwarg 'title'"),
    ],
)  # fmt: skip
def test_malformed_kwargs_raise_one_line_config_errors(
    instruction_id: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        build_checker(instruction_id, kwargs)
    assert "\n" not in str(raised.value)
    assert instruction_id in str(raised.value)
