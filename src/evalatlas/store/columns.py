"""Column types that behave the same on SQLite and PostgreSQL.

SQLite turns a float NaN into NULL and forgets time zones; PostgreSQL's JSON rejects NaN
and infinities. These types hide the differences so a value reads back as it was written.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Double
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from evalatlas.jsonio import replace_non_finite


class NanFloat(TypeDecorator[float]):
    """A double where NaN ("could not compute") is stored as NULL and read back as NaN."""

    impl = Double
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> float | None:
        if value is None or math.isnan(value):
            return None
        return float(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> float | None:
        return math.nan if value is None else float(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back time-zone aware (UTC).

    Naive datetimes are refused by the store before they reach this type, because their
    time zone cannot be known.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.astimezone(UTC)
        # SQLite keeps no offset; storing naive UTC keeps string order equal to time order.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.fromisoformat(str(value))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_safe(value: Any) -> Any:
    """Replace non-finite floats by the strings "NaN", "Infinity", "-Infinity".

    This is how the database keeps them, not how EvalAtlas writes JSON (``jsonio``: null):
    PostgreSQL's JSON has no NaN, and pydantic float fields accept these strings back, so
    float-typed values such as ``usage`` read back exactly as they were saved.
    """
    return replace_non_finite(value, _as_text)


def _as_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


class PortableJSON(TypeDecorator[Any]):
    """JSON that stores non-finite floats as strings so every backend accepts it."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return json_safe(value)
