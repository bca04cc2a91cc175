"""A model's page: its card, its leaderboard cells and every stored run behind them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.errors import did_you_mean
from evalatlas.jsonio import dumps
from evalatlas.store import EvalResult, Store
from evalatlas.store.records import CARD_FIELDS
from evalatlas.store.replays import ReplayVerdict
from evalatlas.web.board_export import card_json, model_url
from evalatlas.web.cells import CellView, cell_json, cell_view
from evalatlas.web.errors import NotFound
from evalatlas.web.models.card_view import card_url, replay_json
from evalatlas.web.public_paths import public_reference, public_source, public_text


def find_row(board: Leaderboard, key: str) -> LeaderboardRow:
    for row in board.rows:
        if row.card.key == key:
            return row
    known = [row.card.key for row in board.rows]
    raise NotFound(f"no model {key!r} on the leaderboard.{did_you_mean(key, known)}".rstrip("."))


def model_runs(store: Store, row: LeaderboardRow) -> list[EvalResult]:
    """Every stored run of this model, oldest first.

    Runs are matched by reference and, when the board cites any run of the model, by the
    weights' fingerprint too: a reference re-pointed at other weights is another model.
    """
    runs = [
        result
        for result in store.list_results(model=row.card.reference, latest_only=False)
        if result.spec.model_reference == row.card.reference
    ]
    cited = {cell.run_id for cell in row.cells.values()}
    fingerprints = {r.spec.model_fingerprint for r in runs if r.run_id in cited}
    return [r for r in runs if not fingerprints or r.spec.model_fingerprint in fingerprints]


def latest_runs(runs: list[EvalResult], cited: set[str]) -> list[EvalResult]:
    """The newest run of each spec, plus any older run the leaderboard still cites."""
    newest = {run.spec_hash: run.run_id for run in runs}
    kept = set(newest.values()) | cited
    return sorted((run for run in runs if run.run_id in kept), key=lambda run: run.spec.task)


def samples_url(key: str, run_id: str) -> str:
    return f"/models/{quote(key, safe='')}/runs/{quote(run_id, safe='')}/samples"


@dataclass(frozen=True)
class ScoreLine:
    task: str
    metric: str
    cell: CellView
    n: int
    samples_url: str


def score_lines(row: LeaderboardRow, columns: tuple[str, ...]) -> list[ScoreLine]:
    tasks = [task for task in columns if task in row.cells]
    tasks += sorted(set(row.cells) - set(tasks))
    return [
        ScoreLine(
            task,
            row.cells[task].metric,
            cell_view(row.cells[task]),
            row.cells[task].n,
            samples_url(row.card.key, row.cells[task].run_id),
        )
        for task in tasks
    ]


def result_json(
    result: EvalResult, key: str, cited: set[str], replay: ReplayVerdict | None = None
) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "task": result.spec.task,
        "group": result.group,
        "created_at": result.created_at.isoformat(),
        "n_samples": result.n_samples,
        "truncated_samples": result.truncated_samples,
        "context_length": result.context_length,
        "metrics": [metric.model_dump() for metric in result.metrics],
        "eval_card": public_spec(result),
        "spec_hash": result.spec_hash,
        "on_leaderboard": result.run_id in cited,
        "samples_url": samples_url(key, result.run_id),
        "card_url": card_url(key, result.run_id),
        "last_replay": replay_json(replay),
    }


def public_spec(result: EvalResult) -> dict[str, Any]:
    """The eval card without the server's paths: a local model by its file name (its
    fingerprint, the file's hash, stays), any other path by its last part. The card's
    full texts (``CARD_FIELDS``) are left to the card itself (``card_url``)."""
    shown = result.spec.model_dump_json(exclude=set(CARD_FIELDS))
    spec: dict[str, Any] = json.loads(public_text(shown))
    spec["model_reference"] = public_reference(result.spec.model_reference)
    return spec


def public_card(row: LeaderboardRow) -> dict[str, Any]:
    card = card_json(row.card)
    card["reference"] = public_reference(row.card.reference)
    card["source"] = public_source(row.card.source)
    return card


def model_json(
    row: LeaderboardRow, runs: list[EvalResult], replays: dict[str, ReplayVerdict]
) -> dict[str, Any]:
    cited = {cell.run_id for cell in row.cells.values()}
    return {
        "model": public_card(row),
        "rank": row.rank,
        "rank_low": row.rank_low,
        "rank_high": row.rank_high,
        "tie_group": row.tie_group,
        "average": cell_json(row.average),
        "scores": {task: cell_json(cell) for task, cell in sorted(row.cells.items())},
        "results": [result_json(run, row.card.key, cited, replays.get(run.run_id)) for run in runs],
        "url": model_url(row.card),
    }


def eval_card_lines(result: EvalResult) -> list[tuple[str, str]]:
    """The stored EvalSpec as (field, value) lines, then its hash."""
    lines = []
    for name, value in public_spec(result).items():
        shown = value if isinstance(value, str) else dumps(value)
        lines.append((name, shown))
    lines.append(("spec_hash", result.spec_hash))
    return lines
