"""The ``protocol`` query parameter every ranking page shares, and how a board's protocols
and its unranked results are shown.

Each board column ranks the results of one protocol (see
``evalatlas.analysis.board_protocols``); ``protocol=TASK:HASH`` (repeatable, a prefix of
the hash is enough) picks another one for that column on the leaderboard, the capability
map, discovery, the plots and compare alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalatlas.analysis.board_protocols import parse_selection
from evalatlas.analysis.leaderboard import Leaderboard
from evalatlas.errors import ConfigError
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.params import ParamReader

PROTOCOL = "protocol"
PROTOCOL_PARAMETER = (
    "Protocol a column ranks, repeatable: TASK:HASH (the protocol hash, or a prefix of it, "
    "as the board lists it). Default: the protocol most models of the column have."
)


def read_protocols(reader: ParamReader) -> dict[str, str]:
    """``{task: hash prefix}`` from ``protocol=TASK:HASH`` values."""
    try:
        return parse_selection(reader.many(PROTOCOL))
    except ConfigError as exc:
        raise InvalidParameter(PROTOCOL, str(exc)) from exc


def protocols_json(board: Leaderboard, columns: tuple[str, ...]) -> dict[str, Any]:
    """Per column: the protocol it ranks and every other protocol of its task."""
    return {
        column: {
            "ranked": board.protocols[column].as_record(),
            "others": [
                c.as_record()
                for c in board.protocol_choices.get(column, ())
                if c != board.protocols[column]
            ],
        }
        for column in columns
        if column in board.protocols
    }


@dataclass(frozen=True)
class UnrankedView:
    """A result the board shows but does not rank, and why."""

    model: str
    model_key: str
    task: str
    run_id: str
    protocol_label: str
    protocol_hash: str
    selector: str  # the ``protocol`` value that ranks this result's protocol instead
    reason: str


def unranked_views(board: Leaderboard, columns: tuple[str, ...]) -> list[UnrankedView]:
    """The shown columns' unranked results, by task then model name."""
    shown = set(columns)
    views = [
        UnrankedView(
            model=result.model_name or result.model_reference,
            model_key=result.model_key,
            task=result.task,
            run_id=result.run_id,
            protocol_label=result.protocol.label,
            protocol_hash=result.protocol.short_hash,
            selector=f"{result.task}:{result.protocol.short_hash}",
            reason=result.reason,
        )
        for result in board.unranked
        if result.task in shown
    ]
    return sorted(views, key=lambda v: (v.task, v.model.casefold(), v.run_id))


def unranked_json(views: list[UnrankedView]) -> list[dict[str, Any]]:
    return [
        {
            "model": v.model,
            "key": v.model_key,
            "task": v.task,
            "run_id": v.run_id,
            "protocol": {"hash": v.protocol_hash, "label": v.protocol_label},
            "reason": v.reason,
        }
        for v in views
    ]
