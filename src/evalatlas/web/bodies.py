"""Reading request bodies strictly: JSON into a pydantic model, HTML forms into fields.

Bodies are read by hand (not as FastAPI body parameters) so that a route checks who is
asking before it reads what they sent: an admin call without the token is a 403 whatever
its body. Every bad value is an ``InvalidParameter`` naming the field (422).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from pydantic import BaseModel, ValidationError

from evalatlas.jsonio import dumps
from evalatlas.web.errors import InvalidParameter

MAX_BODY_BYTES = 64 * 1024
MAX_URL_LENGTH = 2048
Body = TypeVar("Body", bound=BaseModel)


async def read_json(request: Request, model: type[Body], *, optional: bool = False) -> Body:
    """The body as ``model``; an empty body is ``model()`` when ``optional``."""
    raw = await _raw_body(request)
    if not raw.strip() and optional:
        raw = b"{}"
    try:
        # Strict: a JSON true is not a number, nor "5" a number, nor "yes" a boolean. A
        # client sending those has a bug that lax coercion would hide.
        return model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        raise invalid(error) from None


async def read_form(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body: one value per known field."""
    raw = await _raw_body(request)
    known = frozenset(allowed)
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise InvalidParameter("body", "the form is not UTF-8 text") from None
    for name, value in pairs:
        if name not in known:
            raise InvalidParameter(name, "unknown field; this form has " + ", ".join(sorted(known)))
        if name in fields:
            raise InvalidParameter(name, "give it once")
        fields[name] = value
    return fields


async def _raw_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidParameter("body", f"larger than {MAX_BODY_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidParameter("body", f"larger than {MAX_BODY_BYTES} bytes")
    return raw


def invalid(error: ValidationError) -> InvalidParameter:
    """The first problem of a pydantic error as an ``InvalidParameter``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    message = str(first["msg"])
    given = first.get("input")
    if isinstance(given, bool | int | float | str) and len(dumps(given)) <= 40:
        message += f" (got {dumps(given)})"
    return InvalidParameter(where, message)


def web_link(url: str, field: str) -> str:
    """``url`` if it is an absolute http(s) link a page can show, else InvalidParameter:
    ``javascript:`` and friends would run in the reader's browser when clicked."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        len(url) > MAX_URL_LENGTH
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() or not c.isprintable() for c in url)
    ):
        raise InvalidParameter(
            field, f"give an http(s):// link of at most {MAX_URL_LENGTH} characters"
        )
    return url


def body_schema(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a body read by hand (``read_json``)."""
    schema = json.loads(json.dumps(model.model_json_schema()))
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": schema}},
        }
    }
