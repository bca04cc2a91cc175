"""``/arena``: type (or draw) a prompt, read two anonymous answers, vote for the better one.

Pages: ``GET /arena`` (the prompt form), ``POST /arena/battles`` (start a battle, then go to
it), ``GET /arena/battles/{id}`` (the answers side by side and the vote buttons, or, once
voted, who wrote which), ``POST /arena/battles/{id}/vote``. JSON twins: ``POST
/api/arena/battles``, ``GET /api/arena/battles/{id}``, ``POST /api/arena/battles/{id}/vote``.

Every form works without scripts (POST, then a redirect to the battle page). Voters are
anonymous: see ``voter.py`` for how a request's voter is told apart. A start or vote
refused for now (a limit, or a busy server) answers 429 or 503 with ``Retry-After``; the
forms then show the message in place: the prompt form keeps the prompt, the battle page
keeps the answers (still blind) and says when voting may succeed again.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from evalatlas.arena import PromptItem, vote_or_raise
from evalatlas.errors import ArenaError, ModelError, RetryLater
from evalatlas.outcomes import Outcome
from evalatlas.store import Battle
from evalatlas.web.arena.view import (
    BATTLE_FIELDS,
    OUTCOME_LABELS,
    VOTE_FIELDS,
    BattleBody,
    VoteBody,
    arena_form_context,
    arena_json,
    battle_context,
    battle_json,
    battle_url,
    clean_category,
    vote_answer,
)
from evalatlas.web.arena.voter import RequestVoter, set_cookie
from evalatlas.web.bodies import body_schema, read_form, read_json
from evalatlas.web.errors import Forbidden, InvalidParameter, Unavailable, status_for
from evalatlas.web.jsonable import AtlasJSONResponse
from evalatlas.web.openapi_doc import ErrorBody
from evalatlas.web.pages import documented, query_reader, render, web_state
from evalatlas.web.state import WebState

router = APIRouter()
ResponseT = TypeVar("ResponseT", bound=Response)

BattleId = Annotated[str, Path(min_length=1, max_length=64, description="The battle's id.")]
VOTE_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "battle_decided: a different vote was stored"},
    429: {
        "model": ErrorBody,
        "description": "vote_limited: the voter's or its address's rate limit or daily cap "
        "(Retry-After: seconds until a vote may succeed)",
    },
}
START_ERRORS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "battle_limited: the voter or its address started its battles of the "
        "hour (Retry-After: seconds until it may start another)",
    },
    503: {
        "model": ErrorBody,
        "description": "arena_busy: as many battles are being answered and waiting as the "
        "server allows (Retry-After: an estimate), or a contestant could not answer",
    },
}
NO_ARENA = (
    "the arena has no contestants; start the server with two or more models: "
    "evalatlas serve --arena-model REF --arena-model REF"
)


DRAW = {"draw": "1: draw a prompt from the server's prompt set (422 when it has none)."}
DRAW_SCHEMA: dict[str, dict[str, Any]] = {"draw": {"type": "string", "enum": ["0", "1"]}}


def _drawn(request: Request) -> PromptItem | None:
    reader = query_reader(request, DRAW)
    if reader.choice("draw", ("0", "1"), "0") == "1":
        return web_state(request).arena.draw_prompt()
    return None


@router.get("/arena", response_class=HTMLResponse, include_in_schema=False)
def arena_page(request: Request) -> HTMLResponse:
    """The prompt form; ``?draw=1`` fills it with a prompt from the configured set."""
    drawn = _drawn(request)
    values = {} if drawn is None else {"prompt": drawn.prompt, "category": drawn.category or ""}
    return _arena_form(request, values, None)


@router.get("/api/arena", openapi_extra=documented(DRAW, DRAW_SCHEMA))
def arena_api(request: Request) -> AtlasJSONResponse:
    """The arena page as JSON: whether this server starts battles, how many contestants
    it pairs, the voter and address limits, the battles being answered or waiting, the
    prompt set's size, the battle, vote and voter counts, and (``draw=1``) a prompt drawn
    from the set."""
    drawn = _drawn(request)
    state = web_state(request)
    return AtlasJSONResponse(arena_json(state.arena, state.arena.records.counts(), drawn))


def _arena_form(
    request: Request,
    values: dict[str, str],
    error: str | None,
    status: int = 200,
    retry: RetryLater | None = None,
    who: RequestVoter | None = None,
) -> HTMLResponse:
    state = web_state(request)
    context = arena_form_context(state.arena, values, error, None if retry is None else str(retry))
    context["categories"] = state.arena_views.snapshot().categories
    return _page(request, render(request, "arena.html", context), status, retry, who)


@router.post("/arena/battles", include_in_schema=False)
async def start_battle_form(request: Request) -> Response:
    """Start a battle from the form and go to it; a refused prompt re-renders the form
    with the message (422), a start refused for now with when to retry (429 or 503)."""
    query_reader(request, ())
    _check_same_origin(request)
    fields = await read_form(request, BATTLE_FIELDS)
    values = {name: fields.get(name, "") for name in BATTLE_FIELDS}
    who = web_state(request).voters.of(request, issue=True)
    try:
        battle = await _start(web_state(request), values["prompt"], values["category"], who)
    except RetryLater as refused:
        return _arena_form(request, values, None, status_for(refused), refused, who)
    except (ArenaError, InvalidParameter) as error:
        return _arena_form(request, values, str(error), 422, who=who)
    return _with_issued(RedirectResponse(battle_url(battle.id), status_code=303), who)


async def _start(state: WebState, prompt: str, category: str | None, who: RequestVoter) -> Battle:
    """A new battle; a model that cannot answer makes the arena unavailable for now (503).
    A server without contestants refuses the request (422, like every ``ArenaError``);
    a start over a limit or beyond the answering queue is refused (``RetryLater``)."""
    if not state.arena.can_battle:
        raise ArenaError(NO_ARENA)
    category = clean_category(category)
    start = state.arena.start_battle
    try:
        battle = await run_in_threadpool(start, prompt, who.voter, category, who.client)
    except ModelError as error:
        raise Unavailable(f"a contestant could not answer: {error}") from error
    return battle


@router.get("/arena/battles/{battle_id}", response_class=HTMLResponse, include_in_schema=False)
def battle_page(request: Request, battle_id: BattleId) -> HTMLResponse:
    query_reader(request, ())
    state = web_state(request)
    battle = state.arena.battle(battle_id)
    return _page(request, render(request, "arena_battle.html", battle_context(battle)))


@router.post("/arena/battles/{battle_id}/vote", include_in_schema=False)
async def vote_form(request: Request, battle_id: BattleId) -> Response:
    """Record the form's vote and show the battle again, now with its names; a voter over
    its limits sees the battle as it was (still blind) and when it may vote again (429)."""
    query_reader(request, ())
    _check_same_origin(request)
    fields = await read_form(request, VOTE_FIELDS)
    outcome = fields.get("outcome", "")
    if outcome not in OUTCOME_LABELS:
        raise InvalidParameter("outcome", "choose one of " + ", ".join(OUTCOME_LABELS))
    state = web_state(request)
    who = state.voters.of(request, issue=True)
    future = state.arena.submit_vote(battle_id, Outcome(outcome), who.voter, client=who.client)
    try:
        vote_or_raise(await asyncio.wrap_future(future))
    except RetryLater as refused:
        context = battle_context(state.arena.battle(battle_id), str(refused))
        page = render(request, "arena_battle.html", context)
        return _page(request, page, status_for(refused), refused, who)
    return _with_issued(RedirectResponse(battle_url(battle_id), status_code=303), who)


@router.post(
    "/api/arena/battles",
    status_code=201,
    openapi_extra=body_schema(BattleBody),
    responses=START_ERRORS,
)
async def start_battle_api(request: Request) -> AtlasJSONResponse:
    """Start a battle: two contestants answer the prompt. 201 with the battle, its
    answers as A and B, without the models' names (they come with the vote); 422 when
    the server runs no arena, 429 when the voter or its address started its battles of
    the hour, 503 when the server is busy answering others or a contestant could not
    answer (429 and 503 say when to retry in ``Retry-After``)."""
    query_reader(request, ())
    body = await read_json(request, BattleBody)
    state = web_state(request)
    battle = await _start(state, body.prompt, body.category, state.voters.of(request))
    return AtlasJSONResponse(battle_json(battle), status_code=201)


@router.get("/api/arena/battles/{battle_id}")
def battle_api(request: Request, battle_id: BattleId) -> AtlasJSONResponse:
    """One battle: prompt and both answers; once voted, its vote and who wrote A and B."""
    query_reader(request, ())
    state = web_state(request)
    return AtlasJSONResponse(battle_json(state.arena.battle(battle_id)))


@router.post(
    "/api/arena/battles/{battle_id}/vote",
    openapi_extra=body_schema(VoteBody),
    responses=VOTE_ERRORS,
)
async def vote_api(request: Request, battle_id: BattleId) -> AtlasJSONResponse:
    """Vote on a battle (A, B, TIE or BOTH_BAD) as the signed cookie's voter (else the
    client address's): the stored vote and who wrote A and B. The same vote again answers
    the same stored vote (``repeated``); a different one is a 409, a voter or address over
    its limits a 429 with ``Retry-After``."""
    query_reader(request, ())
    body = await read_json(request, VoteBody)
    state = web_state(request)
    who = state.voters.of(request)
    future = state.arena.submit_vote(battle_id, body.outcome, who.voter, client=who.client)
    result = await asyncio.wrap_future(future)
    vote = vote_or_raise(result)
    # The store's batch read the battle's names with its checks: no second read here.
    names = (result.model_a or "", result.model_b or "")
    return AtlasJSONResponse(vote_answer(names, vote, result.repeated))


def _page(
    request: Request,
    response: HTMLResponse,
    status: int = 200,
    retry: RetryLater | None = None,
    who: RequestVoter | None = None,
) -> HTMLResponse:
    """A page with its status, ``Retry-After`` when refused for now, and a newly issued
    voter cookie when the request had no signed one (and its address may have one);
    ``who``: the request's voter when already known (so no second identity is issued)."""
    response.status_code = status
    if retry is not None and retry.retry_after_s is not None:
        response.headers["Retry-After"] = str(retry.retry_after_s)
    return _with_issued(response, who or web_state(request).voters.of(request, issue=True))


def _with_issued(response: ResponseT, who: RequestVoter) -> ResponseT:
    if who.new_token is not None:
        set_cookie(response, who.new_token)
    return response


def _check_same_origin(request: Request) -> None:
    """Refuse a form posted from another site: it would vote with this browser's votes."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden(f"a form from {origin} cannot post to this arena")
