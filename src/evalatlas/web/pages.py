"""What every route needs: the app's state, its query reader and page rendering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse

from evalatlas.web.params import ParamReader
from evalatlas.web.state import WebState

# A stored row's id (submission, flag) as a path parameter: beyond SQLite's 64-bit integers
# a number cannot name a row, and must be a 422, not a failed query.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def web_state(request: Request) -> WebState:
    state = request.app.state.web
    if not isinstance(state, WebState):
        raise TypeError("the app was not built by evalatlas.web.create_app")
    return state


def query_reader(request: Request, allowed: Iterable[str]) -> ParamReader:
    # Most requests have no query: skip parsing one (it shows in a small JSON answer's cost).
    pairs = request.query_params.multi_items() if request.scope.get("query_string") else ()
    return ParamReader(pairs, allowed)


def render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    """``template`` rendered with autoescaping on: data is always text, never markup."""
    page = web_state(request).templates.get_template(template)
    return HTMLResponse(page.render(request_path=request.url.path, **context))


def documented(
    parameters: dict[str, str], schemas: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """OpenAPI ``parameters`` for query parameters read by hand: a string unless ``schemas``
    gives the parameter a narrower JSON schema (an integer range, a set of values)."""
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": (schemas or {}).get(name, {"type": "string"}),
            }
            for name, description in parameters.items()
        ]
    }
