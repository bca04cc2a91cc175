"""``/arena/ratings``: arena ratings with intervals, ranks and tiers, the rating chart and
the win matrix; ``/arena/voters``: the voter consistency test. JSON twins under ``/api``.

Everything here is computed from the stored votes once per vote-state (``arena_state``):
paging through options re-rates only for options not asked before since the last vote.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.arena.voters import ALPHA, MIN_VOTES
from evalatlas.web.arena.ratings_view import (
    RATING_PARAMETERS,
    RATING_SCHEMAS,
    Rated,
    rating_options,
    ratings_context,
    ratings_json,
    read_rating_query,
    voter_json,
    voters_json,
)
from evalatlas.web.arena_column import names_by_reference
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.pages import documented, query_reader, render, web_state

router = APIRouter()


def _rate(request: Request) -> Rated:
    """The options the query asks for and the standings under them (None: no counted
    vote matches, the page's empty state)."""
    state = web_state(request)
    reader = query_reader(request, RATING_PARAMETERS)
    snapshot = state.arena_views.snapshot()
    query = read_rating_query(reader, snapshot.categories)
    options = rating_options(query, snapshot)
    counted = snapshot.battles_counted(options) > 0
    standings = state.arena.standings(options) if counted else None
    names = names_by_reference(state.boards.get())
    return Rated(snapshot, query, options, standings, names)


@router.get("/arena/ratings", response_class=HTMLResponse, include_in_schema=False)
def ratings_page(request: Request) -> HTMLResponse:
    return render(request, "arena_ratings.html", ratings_context(_rate(request)))


@router.get("/api/arena/ratings", openapi_extra=documented(RATING_PARAMETERS, RATING_SCHEMAS))
def ratings_api(request: Request) -> AtlasJSONResponse:
    """Arena ratings (Bradley-Terry, Elo scale) with 95% bootstrap intervals, rank
    intervals, tiers and battle counts; warnings (e.g. a battle graph in pieces); style
    coefficients when style-controlled; the pairwise win and battle-count matrices; and
    the battle, vote and voter counts. ``empty`` is true when no counted vote matches."""
    return json_response(ratings_json(_rate(request)))


@router.get("/arena/voters", response_class=HTMLResponse, include_in_schema=False)
def voters_page(request: Request) -> HTMLResponse:
    query_reader(request, ())
    snapshot = web_state(request).arena_views.snapshot()
    context = {
        "title": "Arena voters",
        "counts": snapshot.counts,
        "voters": [voter_json(report) for report in snapshot.voter_reports],
        "min_votes": MIN_VOTES,
        "alpha": ALPHA,
    }
    return render(request, "arena_voters.html", context)


@router.get("/api/arena/voters")
def voters_api(request: Request) -> AtlasJSONResponse:
    """The voter consistency test: for each voter with enough decisive votes, how often
    they agreed with the crowd's favourite against how often they would by chance, the
    test's z and Holm-adjusted p-value, and whether they are flagged. Voters are shown as
    short hashes: they are anonymous."""
    query_reader(request, ())
    return json_response(voters_json(web_state(request).arena_views.snapshot()))
