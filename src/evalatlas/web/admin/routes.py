"""Admin endpoints under ``/api/admin``: flag a model, remove a flag, correct a model's card,
read the moderation log. Each needs the admin token (see ``evalatlas.web.admin.access``) and the
admin's name; each change is logged, with its author and time, in the same transaction."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from evalatlas.analysis.leaderboard import moderated_cards
from evalatlas.analysis.model_cards import CardOverrides, ModelCard
from evalatlas.errors import did_you_mean
from evalatlas.store import FlagKind, ModelFlag, Store
from evalatlas.web.admin.access import actor
from evalatlas.web.board_export import card_json
from evalatlas.web.bodies import body_schema, read_json, web_link
from evalatlas.web.errors import NotFound
from evalatlas.web.jsonable import AtlasJSONResponse
from evalatlas.web.pages import RowId, documented, query_reader, web_state

router = APIRouter(prefix="/api/admin", tags=["admin"])
MAX_LOG_ENTRIES = 1000


class FlagBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["contaminated", "merged-without-tag", "other"]
    evidence_url: str = Field(min_length=1, max_length=2048)
    reason: str = Field(min_length=1, max_length=2000)
    by: str | None = Field(default=None, description="who flags (or the X-Admin-Name header)")


class UnflagBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)
    by: str | None = None


class MetadataBody(CardOverrides):
    """The card fields to override (all others keep what the runner read); ``{}`` clears
    every override."""

    by: str | None = None


def find_card(store: Store, key: str) -> ModelCard:
    cards = {card.key: card for card in moderated_cards(store).values()}
    if key not in cards:
        hint = did_you_mean(key, list(cards))
        raise NotFound(f"no model {key!r} in this workspace.{hint}".rstrip("."))
    return cards[key]


def flag_json(flag: ModelFlag) -> dict[str, Any]:
    return flag.model_dump(mode="json")


@router.post("/models/{key}/flags", status_code=201, openapi_extra=body_schema(FlagBody))
async def add_flag(request: Request, key: str) -> AtlasJSONResponse:
    """Flag a model (contaminated, merged-without-tag, other) with an evidence link and a
    reason; flagged models leave the default leaderboard. Needs ``Authorization: Bearer
    $EVALATLAS_ADMIN_TOKEN`` and the admin's name (``X-Admin-Name`` or ``by``)."""
    state = web_state(request)
    state.admin.check(request)
    body = await read_json(request, FlagBody)
    who = actor(request, body.by)
    evidence = web_link(body.evidence_url, "evidence_url")
    card = await run_in_threadpool(find_card, state.store, key)
    flag = await run_in_threadpool(
        state.store.moderation().add_flag,
        (card.reference, card.fingerprint),
        FlagKind(body.kind),
        evidence,
        body.reason.strip(),
        who,
    )
    return AtlasJSONResponse({"model": key, "flag": flag_json(flag)}, status_code=201)


@router.delete("/flags/{flag_id}", openapi_extra=body_schema(UnflagBody, required=False))
async def remove_flag(request: Request, flag_id: RowId) -> AtlasJSONResponse:
    """Remove an active flag (it stays on record, and in the log). Needs the admin token
    and name."""
    state = web_state(request)
    state.admin.check(request)
    body = await read_json(request, UnflagBody, optional=True)
    who = actor(request, body.by)
    moderation = state.store.moderation()
    flag = await run_in_threadpool(moderation.remove_flag, flag_id, who, body.reason.strip())
    if flag is None:
        raise NotFound(f"no active flag {flag_id}; see GET /api/admin/log")
    return AtlasJSONResponse({"flag": flag_json(flag)})


@router.put("/models/{key}/metadata", openapi_extra=body_schema(MetadataBody))
async def set_metadata(request: Request, key: str) -> AtlasJSONResponse:
    """Set the card fields an admin overrides (they win over what the runner read; ``{}``
    clears them). Needs the admin token and name."""
    state = web_state(request)
    state.admin.check(request)
    body = await read_json(request, MetadataBody)
    who = actor(request, body.by)
    card = await run_in_threadpool(find_card, state.store, key)
    overrides = CardOverrides.model_validate(body.model_dump(exclude={"by"})).fields()
    moderation = state.store.moderation()
    previous = await run_in_threadpool(
        moderation.set_overrides, (card.reference, card.fingerprint), overrides, who
    )
    updated = await run_in_threadpool(find_card, state.store, key)
    payload = {"model": key, "overrides": overrides, "previous": previous}
    return AtlasJSONResponse(payload | {"card": card_json(updated)})


@router.get(
    "/log",
    openapi_extra=documented({"limit": f"Entries, newest first: 1-{MAX_LOG_ENTRIES} (100)."}),
)
def moderation_log(request: Request) -> AtlasJSONResponse:
    """Every moderation change, newest first: who, when, what, on which model. Needs the
    admin token."""
    state = web_state(request)
    state.admin.check(request)
    limit = query_reader(request, ("limit",)).integer("limit", 100, 1, MAX_LOG_ENTRIES)
    entries = state.store.moderation().log(limit)
    return AtlasJSONResponse({"entries": [e.model_dump(mode="json") for e in entries]})
