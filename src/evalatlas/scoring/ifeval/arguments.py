"""Typed access to one instruction's kwargs, with one-line errors that name them.

In IFEval's data a kwarg whose value is ``None`` means "not given" (the Hugging Face
copy of the prompts lists every kwarg name for every instruction, mostly ``None``).
Every kwarg an instruction needs is required here: the reference implementation draws a
random value for a missing one, which would make a score depend on chance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from evalatlas.errors import ConfigError

Relation = Literal["less than", "at least"]
RELATIONS: tuple[str, ...] = get_args(Relation)


def compare(count: int, relation: Relation, threshold: int) -> bool:
    """``count < threshold`` for "less than", ``count >= threshold`` for "at least"."""
    return count < threshold if relation == "less than" else count >= threshold


class InstructionArguments:
    """The non-``None`` kwargs of one instruction; remembers which ones were read."""

    def __init__(self, instruction_id: str, kwargs: Mapping[str, object] | None) -> None:
        self.instruction_id = instruction_id
        self._values = {name: value for name, value in (kwargs or {}).items() if value is not None}
        self._read: set[str] = set()

    def integer(self, name: str, *, minimum: int = 0) -> int:
        value = self._take(name)
        # JSON readers may give 3.0 for 3; a bool is never a count.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self._error(name, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def text(self, name: str) -> str:
        value = self._take(name)
        if not isinstance(value, str) or not value.strip():
            raise self._error(name, f"must be a non-empty string, got {value!r}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self._take(name)
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            raise self._error(name, f"must be a non-empty list of strings, got {value!r}")
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise self._error(name, f"must hold only non-empty strings, got {value!r}")
        return tuple(str(item) for item in value)

    def relation(self, name: str) -> Relation:
        value = self._take(name)
        if value == "less than":
            return "less than"
        if value == "at least":
            return "at least"
        raise self._error(name, f"must be one of {', '.join(map(repr, RELATIONS))}, got {value!r}")

    def ensure_all_read(self) -> None:
        """Raise for a kwarg this instruction does not take (a misspelt name, most likely)."""
        unexpected = sorted(set(self._values) - self._read)
        if unexpected:
            raise ConfigError(
                f"IFEval instruction {self.instruction_id!r} does not take kwarg "
                f"{unexpected[0]!r}; remove it or fix its name"
            )

    def _take(self, name: str) -> object:
        if name not in self._values:
            raise self._error(name, "is missing; give it in the instruction's kwargs")
        self._read.add(name)
        return self._values[name]

    def _error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(f"IFEval instruction {self.instruction_id!r}: kwarg {name!r} {problem}")
