from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalatlas.errors import DataError
from evalatlas.scoring.math_answers import (
    SymbolicChecker,
    extract_final_answer,
    gold_answer,
    last_boxed_content,
    math_answers_equivalent,
    normalise_math_answer,
    score_math_answer,
)

MINERVA_ENDING = "Final Answer: The final answer is {answer}. I hope it is correct."


@pytest.fixture(scope="module")
def checker() -> Iterator[SymbolicChecker]:
    own = SymbolicChecker()
    yield own
    own.close()


@pytest.mark.parametrize(
    ("generation", "answer", "source"),
    [
        (
            "We add the two.\n" + MINERVA_ENDING.format(answer=r"$\frac{1}{2}$"),
            r"$\frac{1}{2}$",
            "final_answer",
        ),
        # Only the sentence-final period goes, not the decimal point.
        ("Final Answer: The final answer is 3.5.", "3.5", "final_answer"),
        # Without "I hope it is correct" the answer ends with its line.
        ("The final answer is $7$.\nProblem: next one", "$7$", "final_answer"),
        # The first sentence is the answer; later ones belong to a made-up next problem.
        (
            MINERVA_ENDING.format(answer="$4$") + "\n" + MINERVA_ENDING.format(answer="$9$"),
            "$4$",
            "final_answer",
        ),
        # Both present: the sentence wins over the box.
        (
            r"So $x = \boxed{3}$." + "\n" + MINERVA_ENDING.format(answer="$4$"),
            "$4$",
            "final_answer",
        ),
        (r"Hence $\boxed{\frac{\sqrt{3}}{2}}$.", r"\frac{\sqrt{3}}{2}", "boxed"),
        (r"First $\boxed{1}$, then $\boxed{\{1, 2\}}$ in the end.", r"\{1, 2\}", "boxed"),
        (r"The area is $\boxed 12$ square units.", "12", "boxed"),
        (r"Therefore $\fbox{-5}$", "-5", "boxed"),
        # An empty sentence falls back to the box.
        (r"$\boxed{6}$. The final answer is . I hope it is correct.", "6", "boxed"),
        ("I am not sure how to solve this.", None, "none"),
        (r"It is $\boxed{12", None, "none"),
    ],
)
def test_extract_final_answer(generation: str, answer: str | None, source: str) -> None:
    extracted = extract_final_answer(generation)
    assert extracted.text == answer
    assert extracted.source == source


def test_boxed_fallback_can_be_turned_off() -> None:
    extracted = extract_final_answer(r"so $\boxed{5}$", boxed_fallback=False)
    assert extracted.text is None
    assert extracted.source == "none"


def test_gold_answer_is_the_last_box_of_the_solution() -> None:
    solution = r"First $\boxed{2}$ is wrong; the answer is $\boxed{\dfrac{9}{7}}$."
    assert gold_answer(solution) == r"\dfrac{9}{7}"
    assert last_boxed_content(r"no box here") is None
    with pytest.raises(DataError, match="'solution' has no"):
        gold_answer("The answer is 5.")


@pytest.mark.parametrize(
    ("answer", "normalised"),
    [
        (r"\dfrac{1}{2}", r"\frac{1}{2}"),
        (r"\tfrac{10}{3}", r"\frac{10}{3}"),
        (r"\frac12", r"\frac{1}{2}"),
        (r"\frac 1{72}", r"\frac{1}{72}"),
        (r"\frac \pi4 + 2 - \sqrt2", r"\frac{\pi}{4}+2-\sqrt{2}"),
        (r"\frac{\sqrt3}{2}", r"\frac{\sqrt{3}}{2}"),
        (r"\sqrt[3]2", r"\sqrt[3]{2}"),
        (r"10\%", "10"),
        ("1,000", "1000"),
        (r"10,\!000", "10000"),
        (r"\$16,\!386.16", "16386.16"),
        ("x = 5", "5"),
        (r"\theta = \frac{\pi}{3}", r"\frac{\pi}{3}"),
        ("y = x^2 + 2", "x^2+2"),
        ("5 = a", "5"),
        (r"5\text{ cm}", "5"),
        (r"24\text{ cm}^2", "24"),
        (r"\$5\mbox{ dollars}", "5"),
        ("3 square units", "3"),
        (r"5\text{ apples}", "5"),
        (r"47^\circ", "47"),
        (r"120^{\circ}", "120"),
        (r"\left( 3, \frac{\pi}{2} \right)", r"(3,\frac{\pi}{2})"),
        ("(1, 2)", "(1,2)"),
        (r"12\text{ and }13", "12,13"),
        (r"\text{Devon}", "Devon"),
        (r"\text{(C)}", "C"),
        ("5.0", "5"),
        ("-0.50", "-0.5"),
        (".5", "0.5"),
        (r"$\boxed{2\pi r}$.", r"2\pi r"),
        ("The answer $x=3$", "3"),
        (r"\begin{pmatrix} 1 \\ -2 \end{pmatrix}", r"\begin{pmatrix}1\\-2\end{pmatrix}"),
        # A unit needs a value before it, and one-letter words may be variables.
        ("2 m", "2m"),
        ("feet", "feet"),
    ],
)
def test_normalise_math_answer(answer: str, normalised: str) -> None:
    assert normalise_math_answer(answer) == normalised
    assert normalise_math_answer(normalised) == normalised


@pytest.mark.parametrize(
    ("prediction", "reference", "method"),
    [
        (r"\dfrac{1}{2}", "0.5", "symbolic"),
        (r"\frac12", r"\frac{1}{2}", "string"),
        (r"10\%", "10", "string"),
        ("1,000", "1000", "string"),
        ("x=5", "5", "string"),
        (r"5\text{ cm}", "5", "string"),
        (r"2\sqrt{2}", r"\sqrt{8}", "symbolic"),
        ("(1,2)", "(1, 2)", "string"),
        (r"\pi/2", r"\frac{\pi}{2}", "symbolic"),
        (r"11 \frac{2}{3}", r"\frac{35}{3}", "symbolic"),
        ("x^23", "3x^2", "symbolic"),
        ("116 - 75i", "-75i + 116", "symbolic"),
        (r"\frac{1+\sqrt5}{2}", r"\frac{\sqrt{5}+1}{2}", "symbolic"),
        ("4(3-x)(3+x)", "36-4x^2", "symbolic"),
        (r"\sqrt{2}+\sqrt{3}", r"\sqrt{5+2\sqrt{6}}", "symbolic"),
        (r"(-\infty, \frac12]", r"\left(-\infty, 0.5\right]", "symbolic"),
        (
            r"\begin{pmatrix} 1/5 \\ -18/5 \end{pmatrix}",
            r"\begin{pmatrix} 0.2 \\ -3.6 \end{pmatrix}",
            "symbolic",
        ),
        ("5!", "120", "symbolic"),
    ],
)
def test_equivalent_answers(
    prediction: str, reference: str, method: str, checker: SymbolicChecker
) -> None:
    match = math_answers_equivalent(prediction, reference, checker=checker)
    assert match.equivalent, match.detail
    assert match.method == method


@pytest.mark.parametrize(
    ("prediction", "reference"),
    [
        ("1/2", "2"),
        (r"\sqrt{2}", "2"),
        ("(1,2)", "(2,1)"),
        ("[1,2]", "(1,2)"),
        ("(1,2)", "1,2"),
        ("0.333", r"\frac{1}{3}"),
        ("2x", "2y"),
        (r"\infty", r"-\infty"),
        # Read as products of letters, a word would equal its anagrams.
        (r"\text{even}", r"\text{vene}"),
        ("10", "0.1"),
    ],
)
def test_different_answers_stay_different(
    prediction: str, reference: str, checker: SymbolicChecker
) -> None:
    match = math_answers_equivalent(prediction, reference, checker=checker)
    assert not match.equivalent
    assert match.method == "none"


def test_unparseable_answers_fall_back_to_strings(checker: SymbolicChecker) -> None:
    match = math_answers_equivalent(r"0.\overline{3}", r"\frac{1}{3}", checker=checker)
    assert not match.equivalent
    assert "not compared symbolically" in match.detail
    same = math_answers_equivalent(r"0.\overline{3}", r"$0.\overline{3}$", checker=checker)
    assert same.equivalent
    assert same.method == "string"


def test_slow_simplification_is_stopped_and_the_checker_recovers() -> None:
    own = SymbolicChecker()
    try:
        assert math_answers_equivalent(r"\sqrt{8}", r"2\sqrt{2}", checker=own).equivalent
        # sympy needs about half a minute to decide this on a laptop core.
        started = time.monotonic()
        slow = math_answers_equivalent("(x+y+z+1)^{40}", "(x+y+z)^{40}", timeout_s=1.0, checker=own)
        elapsed = time.monotonic() - started
        assert not slow.equivalent
        assert slow.method == "none"
        assert "did not finish within 1 s" in slow.detail
        assert elapsed < 10.0
        assert math_answers_equivalent(r"\sqrt{12}", r"2\sqrt{3}", checker=own).equivalent
    finally:
        own.close()


def test_huge_powers_are_refused_not_computed(checker: SymbolicChecker) -> None:
    started = time.monotonic()
    match = math_answers_equivalent("9^{9^{9}}", "2", checker=checker)
    assert not match.equivalent
    assert "exponent larger than" in match.detail
    assert time.monotonic() - started < 5.0


def test_score_math_answer() -> None:
    right = score_math_answer(MINERVA_ENDING.format(answer=r"$\dfrac{1}{2}$"), "0.5")
    assert right.value == 1.0
    assert right.extracted == r"$\dfrac{1}{2}$"
    assert right.explanation is not None and right.explanation.startswith("symbolic match")
    wrong = score_math_answer(MINERVA_ENDING.format(answer="$3$"), "4")
    assert wrong.value == 0.0
    missing = score_math_answer("I give up.", "4")
    assert missing.is_scored
    assert missing.value == 0.0
    assert missing.extracted is None
    assert missing.explanation == "no final answer found: graded wrong"


@pytest.mark.shared_data
def test_level_5_gold_answers(shared_data: Path) -> None:
    path = shared_data / "math" / "math_test_5000.jsonl"
    if not path.is_file():
        pytest.skip(f"MATH test split not found at {path}")
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    level_5 = [record for record in records if record["level"] == "Level 5"]
    assert len(level_5) == 1324
    answers = [last_boxed_content(record["solution"]) for record in level_5]
    found = [answer.strip() for answer in answers if answer and answer.strip()]
    assert len(found) / len(level_5) >= 0.99, f"extracted {len(found)} of {len(level_5)}"
    for gold in found:
        assert math_answers_equivalent(normalise_math_answer(gold), gold).equivalent, gold
        # The answer written in the Minerva sentence is read back as the same answer.
        generation = "Solution: ...\n" + MINERVA_ENDING.format(answer=f"${gold}$")
        assert score_math_answer(generation, gold).value == 1.0, gold
