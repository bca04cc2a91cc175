"""The leaderboard's query: parsed and validated from the URL, then applied to the board.

Filters keep a row when every given filter matches; sorting puts rows without a value last
in either order; paging comes after both. Parameter-count presets are half-open bins:
edge < 1B <= consumer < 8B <= mid < 40B <= large. ``params_min``/``params_max`` are
inclusive; a model of unknown size matches no size filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from numpy.typing import NDArray

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.analysis.model_cards import MODEL_TYPES as MODEL_TYPES  # the filter's choices
from evalatlas.web.board_filter import Filters, FilterTable
from evalatlas.web.board_memo import memoised
from evalatlas.web.board_protocols import PROTOCOL, PROTOCOL_PARAMETER
from evalatlas.web.cells import shown_value
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.params import ParamReader, check_page

SIZE_PRESETS: dict[str, tuple[int | None, int | None]] = {
    "edge": (None, 10**9),
    "consumer": (10**9, 8 * 10**9),
    "mid": (8 * 10**9, 40 * 10**9),
    "large": (40 * 10**9, None),
}
# The board's query parameters as the API documents them (the model filters reuse them).
PARAMETERS = {
    "sort": "Column to sort by: rank, name, type, parameters, quantisation, licence, "
    "average or a task name (default average).",
    "order": "asc or desc (default: desc for scores and sizes, asc for text and rank).",
    "q": "Text searched in model names and references (case-insensitive).",
    "type": "Model type, repeatable: pretrained, instruction-tuned, merge, unknown "
    "(quantisation is a property of its own: see quantisation).",
    "params": "Size preset: edge (<1B), consumer (1B-8B), mid (8B-40B), large (>=40B).",
    "params_min": "Smallest parameter count, inclusive (e.g. 500M, 1.5B).",
    "params_max": "Largest parameter count, inclusive (e.g. 8B).",
    "licence": "Licence, repeatable (case-insensitive).",
    "quantisation": "Quantisation, repeatable (e.g. Q4_1, F32).",
    "columns": "Task columns to show, repeatable or comma-separated (default all).",
    "page": "Page number, from 1.",
    "per_page": "Rows per page, 1-200 (default 50; downloads default to every row).",
    "show_flagged": "1: also show models flagged by a moderator (hidden and unranked by default).",
    PROTOCOL: PROTOCOL_PARAMETER,
}
FIXED_COLUMNS = ("rank", "name", "type", "parameters", "quantisation", "licence", "average")
TEXT_COLUMNS = frozenset({"name", "type", "quantisation", "licence"})
ASCENDING_BY_DEFAULT = TEXT_COLUMNS | {"rank"}
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000

SortValue = float | str | None


@dataclass(frozen=True)
class BoardQuery:
    sort: str = "average"
    order: str = "desc"
    text: str | None = None
    types: tuple[str, ...] = ()
    size_preset: str | None = None
    params_min: int | None = None
    params_max: int | None = None
    licences: tuple[str, ...] = ()
    quantisations: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # task columns shown; empty: all of them
    page: int = 1
    per_page: int | None = DEFAULT_PER_PAGE  # None: every row (downloads)
    show_flagged: bool = False  # flagged models are hidden (and unranked) unless asked for
    protocols: tuple[str, ...] = ()  # chosen column protocols, as ``TASK:HASH`` values

    def shown_columns(self, board: Leaderboard) -> tuple[str, ...]:
        chosen = set(self.columns)
        return tuple(c for c in board.columns if c in chosen) if chosen else board.columns

    def params(self, **changes: str | int | None) -> list[tuple[str, str]]:
        """This query as URL parameters (defaults left out), with ``changes`` applied."""
        pairs: dict[str, list[str]] = {
            "q": [self.text] if self.text else [],
            "type": list(self.types),
            "params": [self.size_preset] if self.size_preset else [],
            "params_min": [str(self.params_min)] if self.params_min is not None else [],
            "params_max": [str(self.params_max)] if self.params_max is not None else [],
            "licence": list(self.licences),
            "quantisation": list(self.quantisations),
            "columns": list(self.columns),
            "sort": [self.sort] if self.sort != "average" else [],
            "order": [self.order] if self.order != default_order(self.sort) else [],
            "page": [str(self.page)] if self.page != 1 else [],
            "per_page": [str(self.per_page)]
            if self.per_page not in (None, DEFAULT_PER_PAGE)
            else [],
            "show_flagged": ["1"] if self.show_flagged else [],
            PROTOCOL: list(self.protocols),
        }
        for name, value in changes.items():
            pairs[name] = [] if value is None else [str(value)]
        return [(name, value) for name, values in pairs.items() for value in values]

    def url(self, path: str, **changes: str | int | None) -> str:
        encoded = urlencode(self.params(**changes))
        return f"{path}?{encoded}" if encoded else path


def default_order(sort: str) -> str:
    return "asc" if sort in ASCENDING_BY_DEFAULT else "desc"


def parse_board_query(
    reader: ParamReader, board: Leaderboard, *, per_page: int | None = DEFAULT_PER_PAGE
) -> BoardQuery:
    """The validated query; ``per_page`` is the default page size (None: all rows)."""
    sort = reader.choice("sort", FIXED_COLUMNS + board.columns, "average") or "average"
    preset = reader.choice("params", tuple(SIZE_PRESETS), None)
    params_min, params_max = reader.size("params_min"), reader.size("params_max")
    if preset is not None and (params_min is not None or params_max is not None):
        raise InvalidParameter("params", "use a preset or params_min/params_max, not both")
    if params_min is not None and params_max is not None and params_min > params_max:
        raise InvalidParameter("params_min", f"{params_min} is above params_max {params_max}")
    page = reader.integer("page", 1, 1, MAX_PAGE)
    if reader.text("per_page") is not None or page > 1:
        # A download that names a page gets pages of the default size, not every row.
        per_page = reader.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return BoardQuery(
        sort=sort,
        order=reader.choice("order", ("asc", "desc"), default_order(sort)) or "desc",
        text=reader.text("q"),
        types=reader.choices("type", MODEL_TYPES),
        size_preset=preset,
        params_min=params_min,
        params_max=params_max,
        licences=reader.many("licence"),
        quantisations=reader.many("quantisation"),
        columns=reader.choices("columns", board.columns),
        page=page,
        per_page=per_page,
        show_flagged=wants_flagged(reader),
        protocols=tuple(f"{task}:{wanted}" for task, wanted in board.selection.items()),
    )


def wants_flagged(reader: ParamReader) -> bool:
    """``show_flagged=1``: show flagged models too (the board is then ranked with them)."""
    return reader.choice("show_flagged", ("0", "1"), "0") == "1"


@dataclass(frozen=True)
class BoardSelection:
    rows: tuple[LeaderboardRow, ...]  # this page's rows
    total: int  # rows matching the filters, over all pages
    pages: int


def select_rows(board: Leaderboard, query: BoardQuery) -> BoardSelection:
    """The page of rows matching ``query``'s filters in its order. Every row is sorted once
    per board and order, and the filters are masks over a table built once per board
    (``board_filter``): a 10,000-model board answers in milliseconds."""
    positions = memoised(
        board,
        ("sorted", query.sort, query.order),
        lambda: _sorted_positions(board, query.sort, query.order),
    )
    filters = board_filters(query)
    if not filters.filters_nothing():
        table = memoised(board, "filter table", lambda: FilterTable.of(board))
        positions = positions[table.mask(filters)[positions]]
    total = int(positions.size)
    if query.per_page is None:
        return BoardSelection(tuple(board.rows[i] for i in positions), total, 1)
    start = (query.page - 1) * query.per_page
    pages = max(1, math.ceil(total / query.per_page))
    check_page(query.page, pages)
    shown = positions[start : start + query.per_page]
    return BoardSelection(tuple(board.rows[i] for i in shown), total, pages)


def board_filters(query: BoardQuery) -> Filters:
    """The query's filters; a size preset is a half-open range, min and max are inclusive."""
    low, below = SIZE_PRESETS[query.size_preset] if query.size_preset else (None, None)
    return Filters(
        text=query.text,
        types=query.types,
        licences=query.licences,
        quantisations=query.quantisations,
        size_at_least=low if query.size_preset else query.params_min,
        size_below=below,
        size_at_most=query.params_max,
    )


def _sorted_positions(board: Leaderboard, sort: str, order: str) -> NDArray[np.intp]:
    """Indices into ``board.rows`` in the order of ``sort_rows``."""
    index = {id(row): i for i, row in enumerate(board.rows)}
    ordered = sort_rows(list(board.rows), sort, order)
    return np.array([index[id(row)] for row in ordered], dtype=np.intp)


def sort_rows(rows: list[LeaderboardRow], sort: str, order: str) -> list[LeaderboardRow]:
    """Rows by the ``sort`` column (ties by name); rows without a value last either way."""
    key = sort_key(sort)
    by_name = sorted(rows, key=lambda row: row.card.name.casefold())
    present = [row for row in by_name if key(row) is not None]
    absent = [row for row in by_name if key(row) is None]
    # sorted() is stable, so equal values keep the name order in both directions.
    present.sort(key=lambda row: _comparable(key(row)), reverse=order == "desc")
    return present + absent


def _comparable(value: SortValue) -> float | str:
    return "" if value is None else value


def sort_key(sort: str) -> Callable[[LeaderboardRow], SortValue]:
    fixed: dict[str, Callable[[LeaderboardRow], SortValue]] = {
        "rank": lambda row: row.rank,
        "name": lambda row: row.card.name.casefold(),
        "type": lambda row: row.card.model_type,
        "parameters": lambda row: row.card.parameters,
        "quantisation": lambda row: _folded(row.card.quantisation),
        "licence": lambda row: _folded(row.card.licence),
        "average": lambda row: shown_value(row.average),
    }
    return fixed.get(sort, lambda row: shown_value(row.cells.get(sort)))


def _folded(text: str | None) -> str | None:
    return text.casefold() if text else None
