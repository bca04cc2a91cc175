"""Every JSON response of the web app, written by the project's one JSON policy
(``evalatlas.jsonio``): strict JSON, a non-finite number is null."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from evalatlas.jsonio import dumps


class AtlasJSONResponse(JSONResponse):
    """The one JSON response class: routes build it, and it is the app's default."""

    def render(self, content: Any) -> bytes:
        return json_text(content).encode("utf-8")


class SerialisedJSONResponse(AtlasJSONResponse):
    """A JSON response whose body was already written (by ``json_text``)."""

    def render(self, content: Any) -> bytes:
        return content.encode("utf-8") if isinstance(content, str) else super().render(content)


def json_response(
    payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> AtlasJSONResponse:
    return AtlasJSONResponse(payload, headers=dict(headers or {}))


def json_text(value: Any) -> str:
    """``value`` as a response body: compact, UTF-8 as is, non-finite numbers as null."""
    return dumps(value, compact=True)
