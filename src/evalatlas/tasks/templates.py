"""``doc_to_*`` fields: a constant, a column name, or a Jinja template over the row.

Templates render in jinja2's ``ImmutableSandboxedEnvironment`` (no attribute tricks, no
mutation) with ``StrictUndefined``, so a template naming a field the row lacks is a
``DataError`` naming the task, the sample and the field rather than an empty string.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evalatlas.errors import ConfigError, DataError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _regex_replace(text: str, pattern: str, replacement: str = "", count: int = 0) -> str:
    # lm-evaluation-harness templates use this filter to tidy dataset text.
    return re.sub(pattern, replacement, text, count=count)


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["regex_replace"] = _regex_replace
    return env


_ENV = _environment()


@dataclass(frozen=True)
class DocField:
    """One compiled ``doc_to_*`` setting of a task.

    ``spec`` is what the file said: a string that is a bare identifier (``answer``) takes
    that column of the row, any other string is a template, anything else is a constant.
    """

    key: str
    spec: Any
    template: Template | None
    origin: str

    @classmethod
    def compile(cls, key: str, spec: Any, origin: str) -> DocField:
        if not isinstance(spec, str):
            return cls(key, spec, None, origin)
        try:
            template = _ENV.from_string(spec)
        except TemplateSyntaxError as error:
            raise ConfigError(
                f"{origin}: {key}: invalid template ({error.message}, template line {error.lineno})"
            ) from None
        return cls(key, spec, template, origin)

    @property
    def is_column(self) -> bool:
        """A bare identifier names a column; a constant text is written ``{{ 'text' }}``."""
        return isinstance(self.spec, str) and bool(_IDENTIFIER.match(self.spec))

    def value(self, doc: Mapping[str, Any], where: str) -> Any:
        """The raw value for one row: a constant, the column's value, or the rendered text."""
        if self.template is None:
            return self.spec
        if self.is_column:
            if self.spec not in doc:
                fields = ", ".join(map(str, doc)) or "none"
                raise DataError(
                    f"{where}: {self.key}: the row has no field {self.spec!r} (fields: {fields})"
                )
            return doc[self.spec]
        return self.render(doc, where)

    def render(self, doc: Mapping[str, Any], where: str) -> str:
        if self.template is None:
            return str(self.spec)
        try:
            return self.template.render(doc)
        except UndefinedError as error:
            name = _undefined_name(error)
            fields = ", ".join(map(str, doc)) or "none"
            raise DataError(
                f"{where}: {self.key} uses field {name!r}, which the row lacks (fields: {fields})"
            ) from None
        except SecurityError as error:
            raise ConfigError(
                f"{self.origin}: {self.key}: not allowed in a task ({error})"
            ) from None
        except (TemplateError, TypeError, ValueError, LookupError, ArithmeticError) as error:
            raise DataError(
                f"{where}: {self.key} failed to render ({type(error).__name__}: {error})"
            ) from None


def _undefined_name(error: UndefinedError) -> str:
    match = _UNDEFINED_NAME.search(error.message or "")
    if match is None:
        return error.message or "?"
    return match.group(1) or match.group(2)


def as_choices(value: Any, field: DocField, where: str) -> tuple[str, ...]:
    """``doc_to_choice``'s value as a tuple of strings.

    A list stays a list, a mapping gives its values (as lm-evaluation-harness does), and a
    rendered template must be a Python list literal, read with ``ast.literal_eval`` (which
    builds plain values only; nothing is evaluated).
    """
    if isinstance(value, str):
        value = _literal(value, field, where)
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list | tuple) or not value:
        raise DataError(
            f"{where}: {field.key} must give a non-empty list of choices, got {value!r}"
        )
    return tuple(str(choice) for choice in value)


def _literal(text: str, field: DocField, where: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise DataError(
            f"{where}: {field.key} rendered {shown!r}, which is not a Python list literal"
        ) from None


def as_target(value: Any, *, has_choices: bool) -> Any:
    """``doc_to_target``'s value with lm-evaluation-harness's conversions of rendered text.

    Rendered digits become an index when the task has choices; rendered ``[...]`` becomes a
    list (labels or several answers) when it is a valid literal.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if has_choices and text.isdecimal():
        return int(text)
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return value
    return value
