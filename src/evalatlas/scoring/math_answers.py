r"""Answers to MATH problems (Hendrycks et al. 2021): extraction, normalisation, equivalence.

Extraction (``extract_final_answer``) reads a generation written after the Minerva prompt
("Final Answer: The final answer is $X$. I hope it is correct."):

1. the text after the first "The final answer is", up to "I hope it is correct" or the end
   of that line, without one trailing period;
2. else, unless ``boxed_fallback=False``, the content of the last ``\boxed{...}``
   (balanced braces), ``\fbox{...}`` or ``\boxed X``;
3. else no answer: ``score_math_answer`` grades that 0.0 (wrong, not unscored), as the
   Open LLM Leaderboard grades an answer it cannot find.

The reference answer is the last ``\boxed{}`` of a MATH ``solution`` (``gold_answer``).

Normalisation (``normalise_math_answer``) follows the description in the Minerva paper
(Lewkowycz et al. 2022, appendix): keep the boxed or ``$...$`` part; drop ``\left``,
``\right``, spacing commands, ``\$``, ``^\circ``, ``\%``, unit words (inside ``\text{}``
or after a number), ``\text{}`` wrappers; ``\dfrac``/``\tfrac`` -> ``\frac``;
``\frac12`` -> ``\frac{1}{2}`` and ``\sqrt2`` -> ``\sqrt{2}``; "x = 5" -> "5" when the
other side is one variable; all spaces; thousands commas (``1,000``, ``10,\!000``);
insignificant decimal zeros (``5.0`` -> ``5``). Unit words are removed as whole words
only, so ``\left`` or ``\sqrt`` never lose letters.

Equivalence (``math_answers_equivalent``): equal normalised strings match ("string");
else both are parsed with ``evalatlas.scoring.math_latex`` and compared element-wise
(tuples, intervals, matrices in order), exactly when rational and otherwise by
``sympy.simplify(a - b) == 0`` in a child process that is ended after ``timeout_s``
("symbolic"). Text outside that LaTeX subset is compared as strings only ("none").
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from evalatlas.errors import DataError
from evalatlas.scoring.math_latex import (
    GREEK_LETTERS,
    UnsupportedLatex,
    compare_answers,
    exact_equal,
    parse_answer,
)
from evalatlas.scoring.types import Score

DEFAULT_TIMEOUT_S = 5.0
WORKER_STARTUP_TIMEOUT_S = 120.0

ExtractionSource = Literal["final_answer", "boxed", "none"]
MatchMethod = Literal["string", "symbolic", "none"]


@dataclass(frozen=True, slots=True)
class ExtractedAnswer:
    """``text`` is None exactly when ``source`` is ``"none"``."""

    text: str | None
    source: ExtractionSource


@dataclass(frozen=True, slots=True)
class Equivalence:
    """How a prediction compared with a reference; ``method`` is ``"none"`` when they are
    not equivalent, and ``detail`` says why (parse failure, time limit, values differ)."""

    equivalent: bool
    method: MatchMethod
    prediction: str
    reference: str
    detail: str


# --- extraction -------------------------------------------------------------------------

_FINAL_ANSWER = re.compile(r"the final answer is", re.IGNORECASE)
_HOPE = re.compile(r"\s*I hope it is correct", re.IGNORECASE)
_BOX_COMMAND = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


def extract_final_answer(generation: str, *, boxed_fallback: bool = True) -> ExtractedAnswer:
    sentence = _final_answer_sentence(generation)
    if sentence:
        return ExtractedAnswer(sentence, "final_answer")
    if boxed_fallback:
        boxed = last_boxed_content(generation)
        if boxed is not None and boxed.strip():
            return ExtractedAnswer(boxed.strip(), "boxed")
    return ExtractedAnswer(None, "none")


def _final_answer_sentence(generation: str) -> str | None:
    match = _FINAL_ANSWER.search(generation)
    if match is None:
        return None
    line = generation[match.end() :].split("\n", 1)[0]
    hope = _HOPE.search(line)
    answer = (line[: hope.start()] if hope else line).strip().lstrip(":").strip()
    return answer.removesuffix(".").strip() or None


def last_boxed_content(text: str) -> str | None:
    r"""The content of the last ``\boxed{...}``/``\fbox{...}`` (balanced braces) or of
    ``\boxed X`` (up to the next ``$`` or line end); None when there is none or its
    braces never close."""
    boxes = list(_BOX_COMMAND.finditer(text))
    if not boxes:
        return None
    start = boxes[-1].end()
    rest = text[start:]
    stripped = rest.lstrip(" ")
    if stripped.startswith("{"):
        opening = start + len(rest) - len(stripped)
        closing = _closing_brace(text, opening)
        return None if closing is None else text[opening + 1 : closing]
    if rest.startswith(" "):
        return re.split(r"[$\n]", stripped, maxsplit=1)[0].strip() or None
    return None


def _closing_brace(text: str, opening: int) -> int | None:
    """Index of the ``}`` matching the ``{`` at ``opening``; escaped braces do not count."""
    depth = 0
    index = opening
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def gold_answer(solution: str) -> str:
    """The reference answer of a MATH record: the last ``\\boxed{}`` of its solution."""
    answer = last_boxed_content(solution)
    if answer is None or not answer.strip():
        excerpt = solution[-80:].replace("\n", " ")
        raise DataError(
            f"MATH field 'solution' has no \\boxed{{}} answer (ends: {excerpt!r}); "
            "check the data set"
        )
    return answer.strip()


# --- normalisation ----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UNIT_WORDS = _words(
    "unit square sq cubic cm mm km m meter metre centimeter centimetre millimeter kilometer "
    "in inch ft feet foot yd yard mile mph kph g gm gram kg kilogram lb pound oz ounce ton "
    "second sec minute min hour hr day week month year dollar cent degree point way integer "
    "digit edge student meal ticket people person child children multiple page liter litre "
    "ml gallon quart cup th st nd rd"
)
_RENAMED_TO_TEXT = re.compile(
    r"\\(?:mbox|textrm|textnormal|textup|textit|textsf|textbf|mathrm|mathbf|mathit|operatorname)"
    r"(?![A-Za-z])"
)
_ORDINAL_SUFFIX = re.compile(r"\^\s*\{?\s*\\text\s*\{\s*(?:st|nd|rd|th)\s*\}\s*\}?")
_DEGREES = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ(?![A-Za-z])|°")
_SIZING = re.compile(r"\\(?:left|right|[Bb]igg?[lr]?|displaystyle)(?![A-Za-z])")
_SPACING = re.compile(r"\\[,;: ]|\\q?quad(?![A-Za-z])|~")
_TEXT_GROUP = re.compile(r"\\text\s*\{")
_TEXT_POWER = re.compile(r"\s*\^\s*\{?[23]\}?")
_TRAILING_WORD = re.compile(r"(?:^|(?<=\s))(?P<word>[A-Za-z]+)(?:\^\{?[23]\}?)?\.?$")
_SIDE_VARIABLE = re.compile(
    r"\s*(?:[A-Za-z]|\\(?:" + "|".join(sorted(GREEK_LETTERS)) + r"))"
    r"(?:_\{?[A-Za-z0-9]+\}?)?'?(?:\([A-Za-z]\))?\s*"
)
_COMMAND_THEN_LETTER = re.compile(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])")
_GROUPED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])")
_BARE_DECIMAL = re.compile(r"(?<![\d.])\.(?=\d)")
_CHOICE_LETTER = re.compile(r"\(([A-E])\)")


def normalise_math_answer(answer: str) -> str:
    """The canonical string of an answer (see the module docstring); idempotent."""
    text = answer.strip()
    boxed = last_boxed_content(text)
    if boxed is not None:
        text = boxed
    text = _math_span(text)
    text = _drop_layout(text)
    text = _canonical_commands(text)
    text = _replace_text_groups(text)
    text = _drop_trailing_unit_words(text)
    text = _right_hand_side(text)
    text = _brace_shorthand(text)
    text = _remove_spaces(text).rstrip(".")
    return _canonical_numbers(text)


def _math_span(text: str) -> str:
    """``\\$`` is currency and goes; then the first ``$...$`` span, if any, is the answer."""
    text = text.replace("\\$", "").replace("$$", "$")
    parts = text.split("$")
    if len(parts) >= 3:
        return parts[1].strip()
    return text.replace("$", "").strip()


def _drop_layout(text: str) -> str:
    # ",\!" and "{,}" are how MATH writes thousands separators: 10,\!000 is ten thousand.
    text = text.replace(",\\!", "").replace("{,}", "").replace("\\!", "")
    text = _SIZING.sub("", text)
    # A row break "\\" is kept whole before the single-backslash spacing commands go.
    return "\\\\".join(_SPACING.sub(" ", part) for part in text.split("\\\\"))


def _canonical_commands(text: str) -> str:
    text = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", text)
    for long_form, short_form in (("leq", "le"), ("geq", "ge"), ("neq", "ne")):
        text = re.sub(rf"\\{long_form}(?![A-Za-z])", rf"\\{short_form}", text)
    text = _RENAMED_TO_TEXT.sub(r"\\text", text)
    text = _ORDINAL_SUFFIX.sub("", text)
    text = _DEGREES.sub("", text)
    return text.replace("\\%", "").replace("%", "")


def _replace_text_groups(text: str) -> str:
    r"""``\text{ cm}`` and ``\text{units}^2`` go, ``\text{ and }`` is a comma, any other
    ``\text{X}`` is X."""
    pieces: list[str] = []
    position = 0
    while (match := _TEXT_GROUP.search(text, position)) is not None:
        opening = match.end() - 1
        closing = _closing_brace(text, opening)
        if closing is None:
            break
        content = text[opening + 1 : closing]
        before = text[position : match.start()]
        pieces.append(before)
        end = closing + 1
        if content.strip() in ("and", ",and", ", and"):
            pieces.append(",")
        elif _is_unit_annotation(content, preceded=bool("".join(pieces).strip())):
            power = _TEXT_POWER.match(text, end)
            end = power.end() if power else end
        else:
            pieces.append(content)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _is_unit_annotation(content: str, *, preceded: bool) -> bool:
    """Units are known unit words, or any words set off by a leading space after a value
    (``5\\text{ apples}``), the way MATH solutions write them."""
    words = content.replace(".", " ").split()
    if not words or not all(word.isalpha() for word in words):
        return False
    if all(_is_unit_word(word) for word in words):
        return True
    return preceded and content[:1].isspace()


def _is_unit_word(word: str) -> bool:
    lower = word.lower()
    return any(
        candidate in _UNIT_WORDS
        for candidate in (lower, lower.removesuffix("s"), lower.removesuffix("es"))
    )


def _drop_trailing_unit_words(text: str) -> str:
    """``5 square units`` -> ``5``; only words of two letters or more after a value, so a
    trailing variable (``2 m``) is never taken for a unit."""
    remainder = text.rstrip()
    while (match := _TRAILING_WORD.search(remainder)) and (
        len(match["word"]) > 1 and _is_unit_word(match["word"])
    ):
        remainder = remainder[: match.start()].rstrip()
    if remainder != text.rstrip() and remainder[-1:] in tuple("0123456789})"):
        return remainder
    return text


def _right_hand_side(text: str) -> str:
    """``x = 5`` -> ``5`` and ``5 = x`` -> ``5`` when the other side is one variable."""
    sides = text.split("=")
    if len(sides) < 2:
        return text
    if all(_SIDE_VARIABLE.fullmatch(side) for side in sides[:-1]):
        return sides[-1].strip()
    if len(sides) == 2 and _SIDE_VARIABLE.fullmatch(sides[1]):
        return sides[0].strip()
    return text


def _brace_shorthand(text: str) -> str:
    r"""``\frac12`` -> ``\frac{1}{2}``, ``\frac\pi4`` -> ``\frac{\pi}{4}``,
    ``\sqrt2`` -> ``\sqrt{2}``; braced arguments are kept and rewritten inside."""
    out: list[str] = []
    index = 0
    while index < len(text):
        command = re.match(r"\\(frac|sqrt)(?![A-Za-z])", text[index:])
        if text.startswith("\\", index) and command is None:
            name = re.match(r"\\(?:[A-Za-z]+|.)", text[index:])
            step = len(name.group(0)) if name else 1
            out.append(text[index : index + step])
            index += step
        elif command is not None:
            out.append(command.group(0))
            index += len(command.group(0))
            index = _brace_arguments(text, index, command.group(1), out)
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _brace_arguments(text: str, index: int, command: str, out: list[str]) -> int:
    if command == "sqrt" and text[index:].lstrip().startswith("["):
        index = text.index("[", index)
        bracket = text.find("]", index)
        if bracket == -1:
            return index
        out.append(text[index : bracket + 1])
        index = bracket + 1
    for _ in range(2 if command == "frac" else 1):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        if text[index] == "{":
            closing = _closing_brace(text, index)
            if closing is None:
                break
            out.append("{" + _brace_shorthand(text[index + 1 : closing]) + "}")
            index = closing + 1
        else:
            argument = re.match(r"\\[A-Za-z]+|\\.|.", text[index:], re.DOTALL)
            assert argument is not None  # "." matches any remaining character
            out.append("{" + argument.group(0) + "}")
            index += len(argument.group(0))
    return index


def _remove_spaces(text: str) -> str:
    r"""Every space goes except one between a command and a letter (``\pi r``)."""
    marked = _COMMAND_THEN_LETTER.sub(lambda match: match.group(1) + "\0", text)
    return re.sub(r"\s+", "", marked).replace("\0", " ")


def _canonical_numbers(text: str) -> str:
    if _GROUPED_THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    text = _TRAILING_ZEROS.sub(
        lambda match: match.group(1) + ("." + match.group(2) if match.group(2) else ""), text
    )
    text = _BARE_DECIMAL.sub("0.", text)
    choice = _CHOICE_LETTER.fullmatch(text)
    return choice.group(1) if choice else text


# --- equivalence ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Verdict:
    equal: bool | None  # None: no answer (time limit, failure)
    detail: str


class SymbolicChecker:
    """Compares answers with sympy in a child process, ended when a comparison runs past
    its time limit: a signal cannot stop work inside the big-integer library, and a thread
    cannot be stopped at all. The child starts on first use and again after a kill."""

    def __init__(self, *, startup_timeout_s: float = WORKER_STARTUP_TIMEOUT_S) -> None:
        self.startup_timeout_s = startup_timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._unavailable: str | None = None

    def compare(self, first: str, second: str, timeout_s: float) -> _Verdict:
        with self._lock:
            if self._unavailable is not None:
                return _Verdict(None, self._unavailable)
            process = self._process or self._start()
            if process is None:
                return _Verdict(None, self._unavailable or "symbolic checker unavailable")
            assert process.stdin is not None
            request = json.dumps({"first": first, "second": second})
            try:
                process.stdin.write(request + "\n")
                process.stdin.flush()
                line = self._replies.get(timeout=timeout_s)
            except queue.Empty:
                self._stop()
                return _Verdict(None, f"sympy did not finish within {timeout_s:g} s")
            except OSError as error:
                self._stop()
                return _Verdict(None, f"symbolic checker failed: {error}")
            return self._read_reply(line)

    def _read_reply(self, line: str | None) -> _Verdict:
        if line is None:
            self._stop()
            return _Verdict(None, "symbolic checker exited during a comparison")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            self._stop()
            return _Verdict(None, f"symbolic checker answered {line[:80]!r}")
        if "error" in reply:
            return _Verdict(None, f"not compared symbolically: {reply['error']}")
        equal = bool(reply["equal"])
        return _Verdict(equal, "simplify(a - b) == 0" if equal else "values differ")

    def _start(self) -> subprocess.Popen[str] | None:
        source_root = str(Path(__file__).resolve().parents[2])
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [source_root, environment.get("PYTHONPATH")])
        )
        # One thread is plenty for sympy; numeric libraries imported on the way need no more.
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[variable] = "1"
        process = subprocess.Popen(
            [sys.executable, "-m", "evalatlas.scoring.math_latex"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
        self._replies = queue.Queue()
        assert process.stdout is not None
        threading.Thread(
            target=_forward_lines, args=(process.stdout, self._replies), daemon=True
        ).start()
        try:
            ready = self._replies.get(timeout=self.startup_timeout_s)
        except queue.Empty:
            ready = None
        if ready != "ready":
            process.kill()
            process.wait()
            self._unavailable = "symbolic checker did not start (is sympy installed?)"
            return None
        self._process = process
        return process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.stdin is not None:
                self._process.stdin.close()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
                self._process = None


def _forward_lines(stream: IO[str], replies: queue.Queue[str | None]) -> None:
    for line in stream:
        replies.put(line.strip())
    replies.put(None)


_DEFAULT_CHECKER = SymbolicChecker()
atexit.register(_DEFAULT_CHECKER.close)


def math_answers_equivalent(
    prediction: str,
    reference: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    checker: SymbolicChecker | None = None,
) -> Equivalence:
    """Whether two answers are the same (see the module docstring for how)."""
    predicted, expected = normalise_math_answer(prediction), normalise_math_answer(reference)

    def result(equivalent: bool, method: MatchMethod, detail: str) -> Equivalence:
        return Equivalence(equivalent, method, predicted, expected, detail)

    if predicted == expected:
        return result(True, "string", "equal after normalisation")
    try:
        exact = compare_answers(parse_answer(predicted), parse_answer(expected), exact_equal)
    except UnsupportedLatex as error:
        return result(False, "none", f"not compared symbolically: {error}")
    if exact is not None:
        return result(exact, "symbolic" if exact else "none", "exact rational values")
    verdict = (checker or _DEFAULT_CHECKER).compare(predicted, expected, timeout_s)
    if verdict.equal:
        return result(True, "symbolic", verdict.detail)
    return result(False, "none", verdict.detail)


def score_math_answer(
    generation: str,
    reference: str,
    *,
    boxed_fallback: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    checker: SymbolicChecker | None = None,
) -> Score:
    """1.0 when the answer extracted from ``generation`` is equivalent to ``reference``
    (a gold answer, see ``gold_answer``); 0.0 otherwise, also when no answer is found."""
    extracted = extract_final_answer(generation, boxed_fallback=boxed_fallback)
    if extracted.text is None:
        return Score(0.0, None, "no final answer found: graded wrong")
    match = math_answers_equivalent(extracted.text, reference, timeout_s=timeout_s, checker=checker)
    value = 1.0 if match.equivalent else 0.0
    explanation = f"{match.method} match" if match.equivalent else "no match"
    return Score(value, extracted.text, f"{explanation} ({extracted.source}): {match.detail}")
