r"""The LaTeX subset final answers to MATH problems are written in, parsed to a small tree.

Covered: integers and decimals, ``\frac{a}{b}`` and ``a/b``, ``\sqrt{x}`` and
``\sqrt[n]{x}``, ``\pi``, ``i`` (the imaginary unit), ``\infty``, powers, products
(``\cdot``, ``\times``, ``*`` or juxtaposition), ``\div``, signs, ``n!``, one-letter and
Greek variables with subscripts, parentheses and braces for grouping, tuples and intervals
(``(1,2]``), unions of intervals (``\cup``), bare comma lists and ``pmatrix``/``bmatrix``
matrices. Anything else raises ``UnsupportedLatex``; callers then compare strings only.

Readings that are conventions rather than plain LaTeX:

- an integer written directly before a fraction of two integers is a mixed number, as MATH
  writes them: ``11\frac{2}{3}`` is 35/3, not 22/3;
- ``x^23`` is ``x^2 \cdot 3``: an exponent without braces is one character, as in TeX;
- ``a/bc`` is ``(a/b) \cdot c``: division and products associate left to right.

Values are compared exactly where they are rational (``exact_equal``, pure Python with
bounded sizes) and with sympy otherwise (``sympy_equal``). Run as
``python -m evalatlas.scoring.math_latex`` the module answers comparisons read from stdin
(one JSON object a line), so a caller can stop a sympy simplification that runs too long by
ending the process.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

MAX_ANSWER_CHARS = 400
MAX_NESTING = 40
# Integer powers and factorials are computed exactly, so their size is bounded: a tower
# such as 9^{9^{9}} would otherwise run for hours inside the big-integer library.
MAX_EXPONENT = 10_000
MAX_POWER_BITS = 100_000
MAX_FACTORIAL = 1_000


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREEK_LETTERS = _words(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma "
    "Upsilon Phi Psi Omega"
)
_MATRIX_ENVIRONMENTS = frozenset({"pmatrix", "bmatrix", "matrix"})
_TOKEN = re.compile(
    r"\s*(\d+(?:\.\d+)?|\.\d+|\\[A-Za-z]+|\\\\|\\[{}|]|[A-Za-z]|[-+*/^_()\[\]{},!=<>|&'])"
)
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{[A-Za-z]*\}")
_MULTIPLY = frozenset({"*", r"\cdot", r"\times"})
_DIVIDE = frozenset({"/", r"\div"})
_CONSTANTS = {r"\pi": "pi", r"\infty": "infty", "i": "i"}


class UnsupportedLatex(ValueError):
    """The text is outside the LaTeX subset this module reads."""


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Variable:
    name: str


@dataclass(frozen=True, slots=True)
class Constant:
    name: str  # "pi", "i" or "infty"


@dataclass(frozen=True, slots=True)
class Operation:
    """``op`` is one of + - * / ^ neg sqrt root factorial; ``root`` is (radicand, index)."""

    op: str
    args: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """Several values: ``kind`` is the brackets (``"(]"``), ``list``, ``cup``, ``matrix``
    or ``row``; two collections compare equal only with the same kind and length."""

    kind: str
    items: tuple[Answer, ...]


Expression = Number | Variable | Constant | Operation
Answer = Expression | Collection


def tokenise(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].isspace():
                break
            raise UnsupportedLatex(f"unexpected character {text[position]!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def parse_answer(text: str) -> Answer:
    """The tree of a normalised answer; raises ``UnsupportedLatex`` outside the subset."""
    if len(text) > MAX_ANSWER_CHARS:
        raise UnsupportedLatex(f"answer longer than {MAX_ANSWER_CHARS} characters")
    if not text.strip():
        raise UnsupportedLatex("empty answer")
    if (word := _WORD.search(_ENVIRONMENT.sub("", text))) is not None:
        # Read as letters multiplied together, "even" would equal its anagram "vene".
        raise UnsupportedLatex(f"{word.group(0)!r} is a word, not a product of variables")
    parser = _Parser(tokenise(text))
    answer = parser.answer()
    if parser.peek() is not None:
        raise UnsupportedLatex(f"unexpected {parser.peek()!r}")
    return answer


def _scalar(node: Answer) -> Expression:
    if isinstance(node, Collection):
        raise UnsupportedLatex("arithmetic on a tuple, interval or matrix")
    return node


class _Parser:
    """Recursive descent over the tokens; each method is one rule of the grammar."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise UnsupportedLatex("answer ends too early")
        self.index += 1
        return token

    def expect(self, token: str) -> None:
        if self.take() != token:
            raise UnsupportedLatex(f"expected {token!r}")

    def answer(self) -> Answer:
        items = [self.union()]
        while self.peek() == ",":
            self.take()
            items.append(self.union())
        return items[0] if len(items) == 1 else Collection("list", tuple(items))

    def union(self) -> Answer:
        parts = [self.expression()]
        while self.peek() == r"\cup":
            self.take()
            parts.append(self.expression())
        return parts[0] if len(parts) == 1 else Collection("cup", tuple(parts))

    def expression(self) -> Answer:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise UnsupportedLatex(f"nested deeper than {MAX_NESTING} levels")
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            left = Operation(op, (_scalar(left), _scalar(self.term())))
        self.depth -= 1
        return left

    def term(self) -> Answer:
        left = self.factor()
        while (token := self.peek()) is not None:
            if token in _MULTIPLY or token in _DIVIDE:
                self.take()
                op = "*" if token in _MULTIPLY else "/"
                left = Operation(op, (_scalar(left), _scalar(self.factor())))
            elif _starts_operand(token):
                left = Operation("*", (_scalar(left), _scalar(self.postfix())))
            else:
                break
        return left

    def factor(self) -> Answer:
        if self.peek() in ("+", "-"):
            sign = self.take()
            operand = _scalar(self.factor())
            return Operation("neg", (operand,)) if sign == "-" else operand
        return self.postfix()

    def postfix(self) -> Answer:
        base = self.primary()
        while self.peek() in ("^", "!"):
            if self.take() == "!":
                base = Operation("factorial", (_scalar(base),))
            else:
                base = Operation("^", (_scalar(base), self.exponent()))
        return base

    def exponent(self) -> Expression:
        token = self.peek()
        if token is not None and token[0].isdigit():
            # TeX reads one character after ^ without braces: x^23 is x^2 times 3.
            if len(token) > 1:
                self.tokens[self.index] = token[1:]
            else:
                self.take()
            return Number(Fraction(token[0]))
        if token == "{":
            return _scalar(self.group())
        if token is not None and (
            token in _CONSTANTS or token.isalpha() or token.lstrip("\\") in GREEK_LETTERS
        ):
            return _scalar(self.primary())
        raise UnsupportedLatex("exponent without a value")

    def group(self) -> Answer:
        self.expect("{")
        inner = self.answer()
        self.expect("}")
        return inner

    def primary(self) -> Answer:
        token = self.peek()
        if token is None:
            raise UnsupportedLatex("answer ends too early")
        if token[0].isdigit() or token[0] == ".":
            return self.number()
        if token in _CONSTANTS:
            self.take()
            return Constant(_CONSTANTS[token])
        if token.isalpha() or token.lstrip("\\") in GREEK_LETTERS:
            return self.variable()
        if token in ("(", "["):
            return self.bracketed()
        if token == "{":
            return self.group()
        if token in (r"\frac", r"\dfrac", r"\tfrac"):
            self.take()
            numerator = _scalar(self.group())
            return Operation("/", (numerator, _scalar(self.group())))
        if token == r"\sqrt":
            return self.square_root()
        if token == r"\begin":
            return self.matrix()
        raise UnsupportedLatex(f"unsupported {token!r}")

    def number(self) -> Expression:
        value = Fraction(self.take())
        if value.denominator == 1 and self.peek() in (r"\frac", r"\dfrac", r"\tfrac"):
            fraction = self.mixed_fraction_part()
            if fraction is not None:
                return Number(value + fraction)
        return Number(value)

    def mixed_fraction_part(self) -> Fraction | None:
        """The p/q of ``n\\frac{p}{q}`` when p and q are integers, else None (no tokens used)."""
        start = self.index
        fraction = _scalar(self.primary())
        if (
            isinstance(fraction, Operation)
            and all(isinstance(arg, Number) and arg.value.denominator == 1 for arg in fraction.args)
            and fraction.args[1] != Number(Fraction(0))
        ):
            numerator, denominator = (arg.value for arg in fraction.args if isinstance(arg, Number))
            return numerator / denominator
        self.index = start
        return None

    def variable(self) -> Expression:
        name = self.take().lstrip("\\")
        if self.peek() == "_":
            self.take()
            subscript = self.subscript()
            name = f"{name}_{subscript}"
        return Variable(name)

    def subscript(self) -> str:
        if self.peek() != "{":
            token = self.take()
            if token[0].isdigit() and len(token) > 1:
                self.index -= 1
                self.tokens[self.index] = token[1:]
                return token[0]
            return token
        self.take()
        parts: list[str] = []
        while self.peek() != "}":
            parts.append(self.take())
        self.take()
        return "".join(parts)

    def bracketed(self) -> Answer:
        opening = self.take()
        items = [self.union()]
        while self.peek() == ",":
            self.take()
            items.append(self.union())
        closing = self.take()
        if closing not in (")", "]"):
            raise UnsupportedLatex(f"expected ')' or ']', found {closing!r}")
        if len(items) == 1 and opening + closing in ("()", "[]"):
            return items[0]
        return Collection(opening + closing, tuple(items))

    def square_root(self) -> Expression:
        self.take()
        index: Expression | None = None
        if self.peek() == "[":
            self.take()
            index = _scalar(self.expression())
            self.expect("]")
        radicand = _scalar(self.group())
        return (
            Operation("sqrt", (radicand,))
            if index is None
            else Operation("root", (radicand, index))
        )

    def matrix(self) -> Collection:
        self.take()
        environment = self.environment_name()
        rows: list[Answer] = []
        cells: list[Answer] = []
        while True:
            cells.append(_scalar(self.expression()))
            separator = self.take()
            if separator == "&":
                continue
            rows.append(Collection("row", tuple(cells)))
            cells = []
            if separator == r"\end":
                break
            if separator != "\\\\":
                raise UnsupportedLatex(f"unexpected {separator!r} in a matrix")
        if self.environment_name() != environment:
            raise UnsupportedLatex(f"\\begin{{{environment}}} closed by another environment")
        return Collection("matrix", tuple(rows))

    def environment_name(self) -> str:
        self.expect("{")
        name = ""
        while self.peek() not in ("}", None):
            name += self.take()
        self.expect("}")
        if name not in _MATRIX_ENVIRONMENTS:
            raise UnsupportedLatex(f"unsupported environment {name!r}")
        return name


def _starts_operand(token: str) -> bool:
    """Whether ``token`` can begin a factor written right after another (``2\\sqrt{3}``)."""
    return (
        token[0].isdigit()
        or token.isalpha()
        or token in _CONSTANTS
        or token.lstrip("\\") in GREEK_LETTERS
        or token in ("(", "{", r"\frac", r"\dfrac", r"\tfrac", r"\sqrt")
    )


def exact_value(node: Expression) -> Fraction | None:
    """The value of an expression built from rational numbers, or None when it has
    variables, constants, roots or sizes past the bounds above."""
    if isinstance(node, Number):
        return node.value
    if not isinstance(node, Operation):
        return None
    values = [exact_value(arg) for arg in node.args]
    if any(value is None for value in values):
        return None
    known = [value for value in values if value is not None]
    return _exact_operation(node.op, known)


def _exact_operation(op: str, values: list[Fraction]) -> Fraction | None:
    if op == "+":
        return values[0] + values[1]
    if op == "-":
        return values[0] - values[1]
    if op == "*":
        return values[0] * values[1]
    if op == "/":
        return None if values[1] == 0 else values[0] / values[1]
    if op == "neg":
        return -values[0]
    if op == "^":
        return _exact_power(values[0], values[1])
    if op == "factorial":
        value = values[0]
        if value.denominator == 1 and 0 <= value <= MAX_FACTORIAL:
            return Fraction(math.factorial(int(value)))
    return None


def _exact_power(base: Fraction, exponent: Fraction) -> Fraction | None:
    if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT or (base == 0 and exponent < 0):
        return None
    bits = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
    if bits * abs(exponent) > MAX_POWER_BITS:
        return None
    return base ** int(exponent)


ScalarCheck = Callable[[Expression, Expression], bool | None]


def compare_answers(first: Answer, second: Answer, scalar_equal: ScalarCheck) -> bool | None:
    """Element-wise equality; None when some element pair is undecided by ``scalar_equal``
    and no other pair already differs."""
    if isinstance(first, Collection) or isinstance(second, Collection):
        if not (isinstance(first, Collection) and isinstance(second, Collection)):
            return False
        if first.kind != second.kind or len(first.items) != len(second.items):
            return False
        verdicts = _element_verdicts(first, second, scalar_equal)
        undecided = False
        for verdict in verdicts:
            if verdict is False:
                return False
            undecided = undecided or verdict is None
        return None if undecided else True
    return scalar_equal(first, second)


def _element_verdicts(
    first: Collection, second: Collection, scalar_equal: ScalarCheck
) -> Iterator[bool | None]:
    for left, right in zip(first.items, second.items, strict=True):
        yield compare_answers(left, right, scalar_equal)


def exact_equal(first: Expression, second: Expression) -> bool | None:
    """Equality of two rational values; None unless both are rational."""
    left, right = exact_value(first), exact_value(second)
    if left is None or right is None:
        return None
    return left == right


def to_sympy(node: Expression) -> Any:
    """The sympy expression of a tree (sympy is imported here, not with the module)."""
    import sympy

    if isinstance(node, Number):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Variable):
        return sympy.Symbol(node.name)
    if isinstance(node, Constant):
        return {"pi": sympy.pi, "i": sympy.I, "infty": sympy.oo}[node.name]
    args = [to_sympy(arg) for arg in node.args]
    return _sympy_operation(sympy, node.op, args)


def _sympy_operation(sympy: Any, op: str, args: list[Any]) -> Any:
    if op == "^" and args[0].is_number and args[1].is_Integer and abs(args[1]) > MAX_EXPONENT:
        raise UnsupportedLatex(f"exponent larger than {MAX_EXPONENT}")
    if op == "factorial" and args[0].is_Integer and args[0] > MAX_FACTORIAL:
        raise UnsupportedLatex(f"factorial of more than {MAX_FACTORIAL}")
    operations: dict[str, Callable[..., Any]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "^": lambda a, b: a**b,
        "neg": lambda a: -a,
        "sqrt": sympy.sqrt,
        "root": sympy.root,
        "factorial": sympy.factorial,
    }
    return operations[op](*args)


def sympy_equal(first: Expression, second: Expression) -> bool:
    """Exact rational equality where it applies, else ``simplify(a - b) == 0``."""
    exact = exact_equal(first, second)
    if exact is not None:
        return exact
    import sympy

    left, right = to_sympy(first), to_sympy(second)
    unbounded = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)
    if any(value.has(*unbounded) for value in (left, right)):
        # a - b is undefined with an infinity in it; infinities are equal only as written.
        return bool(left == right)
    return bool(sympy.simplify(left - right) == 0)


def symbolic_equal(first: str, second: str) -> bool:
    """Whether two normalised answers are equal, using sympy where needed (no time limit)."""
    verdict = compare_answers(parse_answer(first), parse_answer(second), sympy_equal)
    return bool(verdict)


def serve() -> None:
    """Answer ``{"first": ..., "second": ...}`` lines with ``{"equal": bool}`` or
    ``{"error": message}`` lines; ``ready`` first, once sympy is loaded."""
    import sympy  # noqa: F401  (loaded before "ready" so the first answer is not slowed)

    print("ready", flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply: dict[str, object] = {
                "equal": symbolic_equal(request["first"], request["second"])
            }
        except Exception as error:  # every failure is reported back, the loop goes on
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    serve()
