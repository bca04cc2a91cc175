"""The error answers of the JSON API, written into its OpenAPI schema.

Every ``/api`` route answers an error as ``{"error": code, "detail": message}``
(``ErrorBody``; see ``errors.py``), never as FastAPI's default validation body, so the
schema says so for each operation:

- 422 ``invalid_parameter`` (or a refused submission): any operation, since each refuses
  parameters it does not know;
- 404 ``not_found``: operations with a path parameter, and those that declare it (a model
  key given as a query parameter);
- 403 ``forbidden``: the admin operations (``/api/admin/...``) without the admin token;
- 503: any operation, when the workspace cannot be read.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from evalatlas.web.errors import API_PREFIX

ADMIN_PREFIX = f"{API_PREFIX}/admin/"
ERROR_SCHEMA = "ErrorBody"
ERROR_REF = f"#/components/schemas/{ERROR_SCHEMA}"
# For paged operations without a path parameter: their only 404.
PAST_LAST_PAGE: dict[int | str, dict[str, Any]] = {
    404: {"description": "not_found: the page is past the last one"}
}
ERROR_DESCRIPTIONS = {
    "403": "forbidden: an admin operation without the right admin token",
    "404": "not_found: no such model, run or record, or a page past the last one",
    "422": "invalid_parameter: a parameter the operation does not know, or a value it "
    "cannot use (the detail names the parameter)",
    "503": "the workspace cannot be read, or the feature is off in this server",
}


class ErrorBody(BaseModel):
    """How every ``/api`` error reads."""

    error: str = Field(description="Machine-readable code, e.g. invalid_parameter.")
    detail: str = Field(description="One line for a person: what is wrong, what to do.")


def document_error_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` list each operation's error answers (module docstring)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with_error_responses(generate())  # ``generate`` caches what it returns
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def with_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (changed in place) with the error answers of every ``/api`` operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorBody.model_json_schema()
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, responses):
                entry = responses.setdefault(status, {})
                if entry.get("description") in (None, "", "Validation Error"):  # FastAPI's
                    entry["description"] = ERROR_DESCRIPTIONS[status]
                entry["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    _drop_unused_validation_schemas(schema)
    return schema


def _error_statuses(path: str, responses: dict[str, Any]) -> list[str]:
    statuses = ["422", "503"]
    if "{" in path or "404" in responses:
        statuses.append("404")
    if path.startswith(ADMIN_PREFIX):
        statuses.append("403")
    return statuses


def _drop_unused_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI's validation-error bodies, once no operation answers with them."""
    if "#/components/schemas/HTTPValidationError" not in repr(schema.get("paths", {})):
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
