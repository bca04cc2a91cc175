"""The leaderboard as data: the JSON twin of the page, and the CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import quote

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard, ScoreCell
from evalatlas.analysis.model_cards import is_random_baseline
from evalatlas.web.arena_column import (
    CSV_COLUMNS as ARENA_CSV_COLUMNS,
)
from evalatlas.web.arena_column import (
    NO_ARENA,
    ArenaColumn,
    arena_csv_fields,
    arena_json,
)
from evalatlas.web.board_memo import RowTexts, memoised
from evalatlas.web.board_protocols import protocols_json, unranked_json, unranked_views
from evalatlas.web.board_query import BoardQuery, BoardSelection
from evalatlas.web.cells import cell_json, shown_interval, shown_value
from evalatlas.web.jsonable import json_text
from evalatlas.web.public_paths import public_reference, public_source

CARD_COLUMNS = ("key", "name", "reference", "model_type", "parameters", "quantisation", "licence")
RANK_COLUMNS = ("rank", "rank_low", "rank_high", "tie_group")
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def model_url(card: ModelCard) -> str:
    return f"/models/{quote(card.key, safe='')}"


def _public_field(card: ModelCard, name: str) -> object:
    value = getattr(card, name)
    return public_reference(value) if name == "reference" else value


def card_json(card: ModelCard) -> dict[str, Any]:
    payload = asdict(card)
    payload["flags"] = [
        {**asdict(flag), "flagged_at": flag.flagged_at.isoformat()} for flag in card.flags
    ]
    payload["overridden"] = list(card.overridden)
    payload["reference"] = public_reference(card.reference)
    payload["source"] = public_source(card.source)
    payload["url"] = model_url(card)
    payload["is_random_baseline"] = is_random_baseline(card)
    return payload


def row_json(
    row: LeaderboardRow,
    columns: tuple[str, ...],
    arena: ArenaColumn = NO_ARENA,
    baselines: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The row; ``arena`` is its arena rating (null when it has none); ``baselines`` (the
    columns' raw random baselines) say where each score lies against random guessing."""
    baselines = baselines or {}
    return {
        "rank": row.rank,
        "rank_low": row.rank_low,
        "rank_high": row.rank_high,
        "tie_group": row.tie_group,
        "model": card_json(row.card),
        "average": cell_json(row.average),
        "scores": {task: cell_json(row.cells.get(task), baselines.get(task)) for task in columns},
        "arena": arena_json(arena.rating_of(row.card)),
    }


def board_json(
    board: Leaderboard,
    query: BoardQuery,
    selection: BoardSelection,
    arena: ArenaColumn = NO_ARENA,
) -> dict[str, Any]:
    columns = query.shown_columns(board)
    return {
        "fingerprint": board.fingerprint,
        "columns": list(columns),
        "all_columns": list(board.columns),
        "query": asdict(query),
        "total": selection.total,
        "page": query.page if query.per_page is not None else 1,
        "per_page": query.per_page,
        "pages": selection.pages,
        "random_baseline": {task: board.random_baseline.get(task) for task in columns},
        "random_baseline_model": _measured_baseline_json(board, columns),
        "hidden_flagged": board.hidden_flagged,
        "protocols": protocols_json(board, columns),
        "unranked": unranked_json(unranked_views(board, columns)),
        "rows": [row_json(row, columns, arena, board.random_baseline) for row in selection.rows],
    }


def board_json_text(
    board: Leaderboard,
    query: BoardQuery,
    selection: BoardSelection,
    arena: ArenaColumn = NO_ARENA,
) -> str:
    """``board_json`` as JSON text, each row written once per board and arena vote-state
    when every column is shown (the default): a page of a 10,000-model board then costs no
    serialising of rows."""
    columns = query.shown_columns(board)
    head = json_text(board_json(board, query, replace(selection, rows=()), arena))
    if columns != board.columns or not head.endswith(_NO_ROWS):
        return json_text(board_json(board, query, selection, arena))
    written = memoised(board, "row json", RowTexts).at(arena.state)
    rows = []
    for row in selection.rows:
        text = written.get(row.card.key)
        if text is None:
            row_payload = row_json(row, columns, arena, board.random_baseline)
            text = written[row.card.key] = json_text(row_payload)
        rows.append(text)
    return f"{head.removesuffix(_NO_ROWS)}{_NO_ROWS[:-2]}{','.join(rows)}]}}"


_NO_ROWS = '"rows":[]}'  # how board_json's last key reads without rows


def measured_baseline(board: Leaderboard) -> LeaderboardRow | None:
    """The measured random baseline's row, when the random model was evaluated."""
    return memoised(
        board,
        "measured baseline",
        lambda: next((row for row in board.rows if is_random_baseline(row.card)), None),
    )


def _measured_baseline_json(board: Leaderboard, columns: tuple[str, ...]) -> dict[str, Any] | None:
    """The measured random baseline (the random model's row, whatever the filters), or
    null when it was not evaluated: then ``random_baseline`` holds the computed values."""
    measured = measured_baseline(board)
    if measured is None:
        return None
    return row_json(measured, columns, NO_ARENA, board.random_baseline)


def csv_header(columns: tuple[str, ...]) -> list[str]:
    header = [*RANK_COLUMNS, *CARD_COLUMNS, "flags"]
    for name in ("average", *columns):
        header += [name, f"{name}_ci_low", f"{name}_ci_high", f"{name}_n"]
        if name != "average":
            header += [f"{name}_protocol_hash", f"{name}_protocol"]
    return [*header, *ARENA_CSV_COLUMNS]


def board_csv(
    board: Leaderboard,
    query: BoardQuery,
    selection: BoardSelection,
    arena: ArenaColumn = NO_ARENA,
) -> str:
    """One line per model: rank, card, its flags' kinds, then each shown score with its
    interval and n, then its arena rating with its interval and n (blank without one)."""
    columns = query.shown_columns(board)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header(columns))
    for row in selection.rows:
        line: list[object] = [getattr(row, name) for name in RANK_COLUMNS]
        line += [_inert(_public_field(row.card, name)) for name in CARD_COLUMNS]
        line.append(";".join(flag.kind for flag in row.card.flags))
        line += _cell_fields(row.average)
        for task in columns:
            line += _cell_fields(row.cells.get(task))
            line += _protocol_fields(board, task, row.cells.get(task))
        line += arena_csv_fields(arena.rating_of(row.card))
        writer.writerow(["" if value is None else value for value in line])
    return buffer.getvalue()


def _cell_fields(cell: ScoreCell | None) -> list[object]:
    if cell is None:
        return [None, None, None, None]
    low, high = shown_interval(cell)
    return [shown_value(cell), low, high, cell.n]


def _protocol_fields(board: Leaderboard, task: str, cell: ScoreCell | None) -> list[object]:
    """The protocol of a cell: the column's, as a cell holds only that protocol's result."""
    protocol = board.protocols.get(task)
    if cell is None or protocol is None:
        return [None, None]
    return [protocol.protocol_hash, protocol.label]


def _inert(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
