"""The leaderboard's model filters, reused by pages that show models another way (the
capability map, the plots): the same parameters, the same meaning, the same errors. As on
the leaderboard, models a moderator flagged are left out (before anything is computed)
unless ``show_flagged=1``."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.web.board_protocols import PROTOCOL, read_protocols
from evalatlas.web.board_query import PARAMETERS as LEADERBOARD_PARAMETERS
from evalatlas.web.board_query import BoardQuery, parse_board_query, select_rows, wants_flagged
from evalatlas.web.pages import web_state
from evalatlas.web.params import ParamReader

FILTER_NAMES = (
    "q",
    "type",
    "params",
    "params_min",
    "params_max",
    "licence",
    "quantisation",
    "show_flagged",
    PROTOCOL,
)
FILTER_PARAMETERS = {name: LEADERBOARD_PARAMETERS[name] for name in FILTER_NAMES}


def read_filters(
    request: Request, own: Iterable[str]
) -> tuple[Leaderboard, BoardQuery, ParamReader]:
    """The board (flagged models left out unless asked for), the filters as a
    ``BoardQuery`` (every row, leaderboard order) and a reader of the page's ``own``
    parameters; a parameter that is neither is refused, naming it."""
    own = tuple(own)
    pairs = request.query_params.multi_items()
    ParamReader(pairs, (*FILTER_NAMES, *own))  # refuses an unknown parameter
    filters = ParamReader([pair for pair in pairs if pair[0] in FILTER_NAMES], FILTER_NAMES)
    board = web_state(request).boards.get(
        hide_flagged=not wants_flagged(filters), protocols=read_protocols(filters)
    )
    query = parse_board_query(filters, board, per_page=None)
    return board, query, ParamReader([pair for pair in pairs if pair[0] in own], own)


def filtered_rows(board: Leaderboard, query: BoardQuery) -> tuple[LeaderboardRow, ...]:
    """The rows matching the filters, in leaderboard order (best average first)."""
    matching = {row.card.key for row in select_rows(board, query).rows}
    return tuple(row for row in board.rows if row.card.key in matching)
