"""What the leaderboard page shows, computed in Python so the template only lays it out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from evalatlas.analysis.board_protocols import ProtocolChoice
from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard
from evalatlas.analysis.model_cards import is_random_baseline
from evalatlas.analysis.random_baseline import NOT_DISTINGUISHABLE
from evalatlas.web.arena_column import NO_ARENA, ArenaCellView, ArenaColumn, arena_cell_view
from evalatlas.web.board_export import measured_baseline, model_url
from evalatlas.web.board_memo import RowTexts, memoised
from evalatlas.web.board_protocols import unranked_views
from evalatlas.web.board_query import (
    MODEL_TYPES,
    SIZE_PRESETS,
    BoardQuery,
    BoardSelection,
    default_order,
)
from evalatlas.web.cells import (
    MISSING,
    NORMALISED,
    CellView,
    cell_view,
    format_parameters,
    format_score,
)

PAGE_PATH = "/"
FIXED_HEADERS = (
    ("rank", "Rank"),
    ("name", "Model"),
    ("type", "Type"),
    ("parameters", "Params"),
    ("quantisation", "Quant."),
    ("average", "Average"),
)
PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass(frozen=True)
class HeaderView:
    key: str
    label: str
    url: str
    aria_sort: str  # "ascending" | "descending" | "none"
    arrow: str
    protocol: str = ""  # a task column: the label of the protocol it ranks


@dataclass(frozen=True)
class FlagBadge:
    kind: str
    title: str  # the kind and the moderator's reason, shown on hover
    evidence_url: str | None  # None unless an http(s) link: nothing else becomes an href


@dataclass(frozen=True)
class RowView:
    card: ModelCard
    url: str
    rank: str
    rank_interval: str
    rank_title: str
    tie_band: str  # alternating class per tie group, so groups read as bands
    parameters: str
    average: CellView
    cells: tuple[CellView, ...]
    flags: tuple[FlagBadge, ...] = ()
    arena: ArenaCellView | None = None  # None: the arena column is not shown


def flag_badges(card: ModelCard) -> tuple[FlagBadge, ...]:
    return tuple(
        FlagBadge(
            kind=flag.kind,
            title=f"flagged {flag.kind}: {flag.reason}",
            evidence_url=flag.evidence_url
            if urlsplit(flag.evidence_url).scheme in ("http", "https")
            else None,
        )
        for flag in card.flags
    )


def header_views(
    query: BoardQuery, columns: tuple[str, ...], protocols: Mapping[str, ProtocolChoice]
) -> list[HeaderView]:
    views = []
    for key, label in (*FIXED_HEADERS, *((task, task) for task in columns)):
        current = key == query.sort
        order = default_order(key)
        if current:
            order = "asc" if query.order == "desc" else "desc"
        url = query.url(PAGE_PATH, sort=None if key == "average" else key, order=order, page=None)
        sort_state = {"asc": "ascending", "desc": "descending"}[query.order]
        arrow = {"asc": "▲", "desc": "▼"}[query.order] if current else ""
        chosen = protocols.get(key)
        views.append(
            HeaderView(
                key,
                label,
                url,
                sort_state if current else "none",
                arrow,
                chosen.label if chosen is not None else "",
            )
        )
    return views


def row_view(
    row: LeaderboardRow,
    columns: tuple[str, ...],
    arena: ArenaColumn = NO_ARENA,
    baselines: Mapping[str, float] | None = None,
) -> RowView:
    """The row as shown; ``baselines`` are the columns' raw random baselines."""
    baselines = baselines or {}
    interval = ""
    if row.rank_low is not None and row.rank_high is not None:
        interval = f"{row.rank_low}–{row.rank_high}"
    title = f"95% rank interval {interval or MISSING}"
    if row.tie_group is not None:
        title += f"; tie group {row.tie_group} (rank intervals overlap)"
    return RowView(
        card=row.card,
        url=model_url(row.card),
        rank=MISSING if row.rank is None else str(row.rank),
        rank_interval=interval,
        rank_title=title,
        tie_band=f"band-{(row.tie_group or 0) % 2}",
        parameters=format_parameters(row.card.parameters),
        average=cell_view(row.average),
        cells=tuple(cell_view(row.cells.get(task), baselines.get(task)) for task in columns),
        flags=flag_badges(row.card),
        arena=arena_cell_view(arena.rating_of(row.card)) if arena.shown else None,
    )


def baseline_cells(board: Leaderboard, columns: tuple[str, ...]) -> tuple[CellView, ...]:
    """Random guessing per column, on the scale the column shows (normalised: 0)."""
    normalised = memoised(
        board,
        "normalised columns",
        lambda: {
            task
            for row in board.rows
            for task, cell in row.cells.items()
            if cell.normalised is not None
        },
    )
    views = []
    for task in columns:
        raw = board.random_baseline.get(task)
        if raw is None:
            views.append(CellView(MISSING, "random baseline unknown", "", None))
        elif task in normalised:
            views.append(
                CellView(format_score(0.0, NORMALISED), f"raw {raw:.3f}", NORMALISED, None)
            )
        else:
            views.append(CellView(f"{raw:.3f}", "raw value of uniform guessing", "raw", None))
    return tuple(views)


RowRenderer = Callable[[RowView], str]  # the ``model_row`` macro of _macros.html


def rows_html(
    board: Leaderboard,
    rows: Sequence[LeaderboardRow],
    columns: tuple[str, ...],
    render_row: RowRenderer,
    arena: ArenaColumn = NO_ARENA,
) -> list[str]:
    """Each row's markup; with every column shown (the default), each row is rendered once
    per board and arena vote-state, so paging a large board renders nothing twice."""
    baselines = board.random_baseline
    if columns != board.columns:
        return [render_row(row_view(row, columns, arena, baselines)) for row in rows]
    written = memoised(board, "row html", RowTexts).at(arena.state)
    found = []
    for row in rows:
        html = written.get(row.card.key)
        if html is None:
            html = written[row.card.key] = render_row(row_view(row, columns, arena, baselines))
        found.append(html)
    return found


BASELINE_NOTE_MEASURED = (
    "Random baseline, measured: the random model (reference 'random') answered each "
    "multiple-choice task by picking one of every question's choices uniformly at random "
    "(it cannot generate: a generative task shows the computed value, marked so). "
    "Uniform guessing is 0 on the "
    "normalised scale; the measured score differs from 0 only by chance on these very "
    "questions, and its 95% interval shows by how much. It is the board's baseline, not a "
    "contender."
)
BASELINE_NOTE_ANALYTIC = (
    "Random baseline, computed: what picking one of each question's choices uniformly at "
    "random scores on average (1 / number of choices; 0 on the normalised scale), not "
    "measured. A dash: the task declares no fixed number of choices."
)


@dataclass(frozen=True)
class BaselineRow:
    """The board's one random-guessing row: the measured random model when the board has
    one (``row`` set), else the analytic value of each column (``cells``)."""

    row: RowView | None
    cells: tuple[CellView, ...]
    note: str
    computed: tuple[bool, ...] = ()  # per column: the computed value (not measured) is shown


def baseline_row(
    board: Leaderboard, columns: tuple[str, ...], arena: ArenaColumn = NO_ARENA
) -> BaselineRow:
    measured = measured_baseline(board)
    computed = baseline_cells(board, columns)
    if measured is None:
        return BaselineRow(None, computed, BASELINE_NOTE_ANALYTIC)
    view = row_view(measured, columns, arena, board.random_baseline)
    # A task the random model could not answer (generation) shows the computed value.
    unmeasured = tuple(task not in measured.cells for task in columns)
    cells = tuple(
        value if missing else shown
        for missing, shown, value in zip(unmeasured, view.cells, computed, strict=True)
    )
    return BaselineRow(view, cells, BASELINE_NOTE_MEASURED, unmeasured)


def near_random_names(rows: Sequence[LeaderboardRow]) -> list[str]:
    """Names of the rows (the baseline left out) whose average's interval includes random
    guessing."""
    found = []
    for row in rows:
        if row.average is None or is_random_baseline(row.card):
            continue
        if cell_view(row.average).near_random:
            found.append(row.card.name)
    return found


def leaderboard_context(
    board: Leaderboard,
    query: BoardQuery,
    selection: BoardSelection,
    render_row: RowRenderer,
    arena: ArenaColumn = NO_ARENA,
) -> dict[str, Any]:
    columns = query.shown_columns(board)
    baseline = baseline_row(board, columns, arena)
    # The measured baseline is pinned above the models, so it is not listed among them.
    listed = [row for row in selection.rows if not is_random_baseline(row.card)]
    previous_page = query.url(PAGE_PATH, page=query.page - 1) if query.page > 1 else None
    next_page = query.url(PAGE_PATH, page=query.page + 1) if query.page < selection.pages else None
    return {
        "title": "Leaderboard",
        "board": board,
        "query": query,
        "selection": selection,
        "columns": columns,
        "headers": header_views(query, columns, board.protocols),
        "protocol_rows": protocol_rows(board, query, columns),
        **_unranked_context(board, columns),
        "row_html": rows_html(board, listed, columns, render_row, arena),
        "arena_shown": arena.shown,
        "baseline": baseline,
        "baseline_listed": len(listed) != len(selection.rows),
        "near_random": near_random_names(listed),
        "not_distinguishable": NOT_DISTINGUISHABLE,
        "model_types": MODEL_TYPES,
        "size_presets": tuple(SIZE_PRESETS),
        "licences": memoised(
            board, "licences", lambda: _distinct(row.card.licence for row in board.rows)
        ),
        "quantisations": memoised(
            board, "quantisations", lambda: _distinct(row.card.quantisation for row in board.rows)
        ),
        "per_page_choices": PER_PAGE_CHOICES,
        "previous_page": previous_page,
        "next_page": next_page,
        "csv_url": query.url("/api/leaderboard.csv", page=None, per_page=None),
        "json_url": query.url("/api/leaderboard.json", page=None, per_page=None),
        "api_url": query.url("/api/leaderboard"),
        "show_flagged_url": query.url(PAGE_PATH, show_flagged=1, page=None),
    }


def _distinct(values: Any) -> list[str]:
    return sorted({value for value in values if value}, key=str.casefold)


@dataclass(frozen=True)
class ProtocolLink:
    label: str
    short_hash: str
    models: int
    url: str  # the board ranking this protocol in its column ("" for the one ranked now)


@dataclass(frozen=True)
class ProtocolRow:
    """A column's protocol and the others its task was measured under."""

    task: str
    ranked: ProtocolLink
    others: tuple[ProtocolLink, ...]


def protocol_rows(
    board: Leaderboard, query: BoardQuery, columns: tuple[str, ...]
) -> list[ProtocolRow]:
    """One row per shown column that has results under more than one protocol."""
    found = []
    for task in columns:
        choices = board.protocol_choices.get(task, ())
        ranked = board.protocols.get(task)
        if ranked is None or len(choices) < 2:
            continue
        others = tuple(
            _protocol_link(choice, _url_choosing(query, task, choice))
            for choice in choices
            if choice != ranked
        )
        found.append(ProtocolRow(task, _protocol_link(ranked, ""), others))
    return found


def _protocol_link(choice: ProtocolChoice, url: str) -> ProtocolLink:
    return ProtocolLink(choice.label, choice.short_hash, choice.models, url)


def _url_choosing(query: BoardQuery, task: str, choice: ProtocolChoice) -> str:
    kept = [value for value in query.protocols if value.rpartition(":")[0] != task]
    chosen = replace(query, protocols=(*kept, f"{task}:{choice.short_hash}"), page=1)
    return chosen.url(PAGE_PATH)


MAX_UNRANKED_SHOWN = 200  # the JSON twin lists every one


def _unranked_context(board: Leaderboard, columns: tuple[str, ...]) -> dict[str, Any]:
    views = unranked_views(board, columns)
    return {"unranked": views[:MAX_UNRANKED_SHOWN], "unranked_total": len(views)}
