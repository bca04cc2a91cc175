"""Errors a web request can cause, and how every ``AtlasError`` becomes a response.

A JSON route (``/api/...``) answers ``{"error": code, "detail": message}``; a page answers
the same status with an HTML error page. Bad query values and refused submissions are 422
naming the parameter, unknown models, runs and battles 404, admin calls without the right
token 403, an unusable workspace 503. Arena votes: a different vote on a decided battle 409,
a voter (or address) over its vote or battle limits 429, a server answering as many battles
as it allows 503 (both with ``Retry-After``), any other refused battle or vote 422.
Each error class declares its status (``http_status``); the tree is drawn in
``evalatlas.errors``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.exceptions import HTTPException

from evalatlas.errors import AtlasError, RetryLater
from evalatlas.web.jsonable import AtlasJSONResponse

API_PREFIX = "/api"


class InvalidParameter(AtlasError):
    """A query parameter has a value the page cannot use."""

    code = "invalid_parameter"
    http_status = 422

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class NotFound(AtlasError):
    code = "not_found"
    http_status = 404


class Forbidden(AtlasError):
    """An admin endpoint asked without the right token (or with admin disabled)."""

    code = "forbidden"
    http_status = 403


class Unavailable(AtlasError):
    """A feature this app was started without (e.g. submissions without a check)."""

    code = "unavailable"
    http_status = 503


def status_for(error: AtlasError) -> int:
    return error.http_status


def error_response(
    request: Request, environment: Environment, status: int, code: str, detail: str
) -> Response:
    """The error as JSON for API routes, else as the HTML error page."""
    if request.url.path.startswith(API_PREFIX):
        return AtlasJSONResponse({"error": code, "detail": detail}, status_code=status)
    page = environment.get_template("error.html").render(
        status=status, code=code, detail=detail, title=f"{status} {code.replace('_', ' ')}"
    )
    return HTMLResponse(page, status_code=status)


def install_error_handlers(app: FastAPI, environment: Environment) -> None:
    """Route every error through ``error_response`` so no request ends in a bare 500."""

    async def on_atlas_error(request: Request, exc: Exception) -> Response:
        error = exc if isinstance(exc, AtlasError) else AtlasError(str(exc))
        response = error_response(request, environment, status_for(error), error.code, str(error))
        if isinstance(error, RetryLater) and error.retry_after_s is not None:
            response.headers["Retry-After"] = str(error.retry_after_s)
        return response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = "not_found" if status == 404 else "http_error"
        detail = f"no page at {request.url.path}" if status == 404 else _http_detail(exc)
        return error_response(request, environment, status, code, detail)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        detail = "; ".join(_validation_message(error) for error in errors) or str(exc)
        return error_response(request, environment, 422, InvalidParameter.code, detail)

    app.add_exception_handler(AtlasError, on_atlas_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def _http_detail(exc: Exception) -> str:
    return str(getattr(exc, "detail", exc))


def _validation_message(error: Any) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
    return f"{'.'.join(location) or 'request'}: {error.get('msg', 'invalid value')}"
