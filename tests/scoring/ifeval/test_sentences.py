from __future__ import annotations

import pytest

from evalatlas.scoring.ifeval.sentences import count_sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at 3.14 p.m. in St. Louis. They talked.",
            ["Mr. Smith met Dr. Jones at 3.14 p.m. in St. Louis.", "They talked."],
        ),
        (
            "Fruit, e.g. apples, i.e. the red ones. Good vs. bad.",
            ["Fruit, e.g. apples, i.e. the red ones.", "Good vs. bad."],
        ),
        # A dotted acronym ends a sentence only before a common sentence opener.
        (
            "I live in the U.S. It is big. The U.S. Army is large.",
            ["I live in the U.S.", "It is big.", "The U.S. Army is large."],
        ),
        (
            "We bought pens, paper, etc. The shop closed.",
            ["We bought pens, paper, etc.", "The shop closed."],
        ),
        ("We bought pens, etc. and left.", ["We bought pens, etc. and left."]),
        (
            "J. R. R. Tolkien wrote it. Plan B. The rest.",
            ["J. R. R. Tolkien wrote it.", "Plan B.", "The rest."],
        ),
        (
            "Pi is 3.14159 roughly. See example.com now.",
            ["Pi is 3.14159 roughly.", "See example.com now."],
        ),
        # Ellipses trail off unless a capitalised word follows.
        ("Wait... what? Well… Fine.", ["Wait... what?", "Well…", "Fine."]),
        # Closing quotes and brackets stay with the sentence they close.
        (
            'He said "Stop." Then he left. (See above.) Next!',
            ['He said "Stop."', "Then he left.", "(See above.)", "Next!"],
        ),
        ("**Note.** Read this.", ["**Note.**", "Read this."]),
        ("Hello!!! How are you?! Fine", ["Hello!!!", "How are you?!", "Fine"]),
        # Line breaks alone do not split; terminal punctuation before them does.
        (
            "A heading\nThe body text.\nAnother line.",
            ["A heading\nThe body text.", "Another line."],
        ),
        # A number opening its line is a list marker.
        ("Steps:\n1. Mix the flour.\n2. Bake it.", ["Steps:\n1. Mix the flour.", "2. Bake it."]),
        ("It cost 2. Then it rose.", ["It cost 2.", "Then it rose."]),
        ("The answer is no. It is not.", ["The answer is no.", "It is not."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "count"), [("", 0), ("  \n ", 0), ("no stop at all", 1), ("!", 1)]
)
def test_count_sentences_edge_cases(text: str, count: int) -> None:
    assert count_sentences(text) == count
