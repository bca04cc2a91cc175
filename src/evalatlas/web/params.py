"""Reading query parameters strictly: every bad value is an ``InvalidParameter`` naming it.

An empty value (``?q=``, what an untouched form field sends) counts as absent; a parameter
the page does not know, or a single-valued one given twice, is an error rather than being
silently ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from evalatlas.web.errors import InvalidParameter, NotFound

MAX_TEXT_LENGTH = 200
_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?(?:e\d+)?)\s*(?P<unit>[kmbt]?)", re.IGNORECASE)
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
# No model comes near a quadrillion parameters; anything above is a typo or a probe, and
# refusing it keeps every later comparison and rounding on finite integers.
MAX_PARAMETER_COUNT = 10**15


def unknown_parameter_message(known: Iterable[str]) -> str:
    """What to say of a parameter the page does not take: the ones it does, or that it
    takes none (a bare "accepts" with nothing after it tells the reader nothing)."""
    names = sorted(known)
    if not names:
        return "unknown parameter; this page takes no query parameters"
    return "unknown parameter; this page accepts " + ", ".join(names)


class ParamReader:
    """Typed access to one request's query parameters (pairs in the order given)."""

    def __init__(self, pairs: Iterable[tuple[str, str]], allowed: Iterable[str]) -> None:
        self._values: dict[str, list[str]] = {}
        known = frozenset(allowed)
        for name, value in pairs:
            if name not in known:
                raise InvalidParameter(name, unknown_parameter_message(known))
            if value.strip():
                self._values.setdefault(name, []).append(value.strip())

    def text(self, name: str) -> str | None:
        """One value or None; a second value is an error."""
        values = self._values.get(name, [])
        if len(values) > 1:
            raise InvalidParameter(name, f"give it once, not {len(values)} times")
        if not values:
            return None
        self._check_length(name, values[0])
        return values[0]

    @staticmethod
    def _check_length(name: str, value: str) -> None:
        if len(value) > MAX_TEXT_LENGTH:
            raise InvalidParameter(name, f"longer than {MAX_TEXT_LENGTH} characters")

    def many(self, name: str) -> tuple[str, ...]:
        """Every value, repeated (``type=a&type=b``) or comma-separated (``type=a,b``)."""
        found: list[str] = []
        for value in self._values.get(name, []):
            self._check_length(name, value)
            found += [part.strip() for part in value.split(",") if part.strip()]
        return tuple(dict.fromkeys(found))

    def choice(self, name: str, options: Sequence[str], default: str | None) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in options:
            raise InvalidParameter(name, f"{value!r} is not one of: {', '.join(options)}")
        return value

    def choices(self, name: str, options: Sequence[str]) -> tuple[str, ...]:
        values = self.many(name)
        for value in values:
            if value not in options:
                raise InvalidParameter(name, f"{value!r} is not one of: {', '.join(options)}")
        return values

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        if not (value.isascii() and value.isdigit()):
            raise InvalidParameter(name, f"{value!r} is not a whole number")
        number = int(value)
        if not minimum <= number <= maximum:
            raise InvalidParameter(name, f"{number} is outside {minimum}..{maximum}")
        return number

    def size(self, name: str) -> int | None:
        """A parameter count such as ``135M``, ``7B``, ``1.5b`` or ``8000000000``."""
        value = self.text(name)
        if value is None:
            return None
        match = _SIZE.fullmatch(value)
        if match is None:
            raise InvalidParameter(
                name, f"{value!r} is not a parameter count; write e.g. 135M, 7B or 1.5B"
            )
        count = float(match["number"]) * _UNITS[match["unit"].lower()]
        if not math.isfinite(count) or count > MAX_PARAMETER_COUNT:
            raise InvalidParameter(
                name, f"{value!r} is larger than any model; give at most 1000T (1e15)"
            )
        return round(count)


def check_page(page: int, pages: int) -> None:
    """Refuse a page past the last one (404): a client paging until it is refused stops,
    where a silently clamped page would be served again and again."""
    if page > pages:
        last = "there is only page 1" if pages == 1 else f"there are pages 1 to {pages}"
        raise NotFound(f"page {page} is past the last page; {last}")
