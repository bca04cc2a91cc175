"""Protocols on real runs of the bundled model: no column mixes two of them."""

from __future__ import annotations

import pytest

from evalatlas.analysis import build_leaderboard
from evalatlas.store import Store

from .protocol_workspace import TASK, ProtocolWorkspace, fill_protocol_workspace

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> ProtocolWorkspace:
    base = tmp_path_factory.mktemp("protocols")
    return fill_protocol_workspace(base / "ws", base / "data")


def test_only_the_full_run_is_ranked_by_default(measured: ProtocolWorkspace) -> None:
    with Store.open(measured.root) as store:
        board = build_leaderboard(store, n_boot=20)
    assert board.protocols[TASK].label == "0-shot · full"
    [row] = board.rows
    assert row.cells[TASK].run_id == measured.full_run and row.cells[TASK].n == 25
    reasons = {r.run_id: r.reason for r in board.unranked}
    assert reasons == {
        measured.limited_run: "evaluated on 20 of 25 samples: not ranked against full runs",
        measured.one_shot_run: "evaluated on 5 of 25 samples: not ranked against full runs",
    }


def test_two_protocols_never_share_a_ranked_column(measured: ProtocolWorkspace) -> None:
    with Store.open(measured.root) as store:
        default = build_leaderboard(store, n_boot=20)
        choices = default.protocol_choices[TASK]
        boards = [
            build_leaderboard(store, n_boot=20, protocols={TASK: c.protocol_hash[:10]})
            for c in choices
        ]
        run_protocols = {
            run_id: protocol.protocol_hash()
            for run_id, protocol in store.protocols_of(
                [measured.full_run, measured.limited_run, measured.one_shot_run]
            ).items()
        }
    assert len(set(run_protocols.values())) == 3 == len(choices)
    labels = {board.protocols[TASK].label for board in boards}
    assert labels == {"0-shot · full", "0-shot · first 20", "1-shot · first 5"}
    for board in boards:
        ranked_hash = board.protocols[TASK].protocol_hash
        for row in board.rows:
            assert run_protocols[row.cells[TASK].run_id] == ranked_hash
        assert {r.protocol.protocol_hash for r in board.unranked}.isdisjoint({ranked_hash})
        assert len(board.rows) + len(board.unranked) == 3
