"""A board column ranks the results of one protocol; the rest are listed with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.analysis import build_leaderboard
from evalatlas.analysis.capability import capability_map
from evalatlas.errors import ConfigError
from evalatlas.store import Store
from evalatlas.store.protocol import Protocol

from .boards import Oracle, run, write_quiz


def test_a_limited_run_is_not_ranked_against_a_full_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 25)
    with Store.open(tmp_path / "ws") as store:
        [full] = run(store, Oracle(), [quiz], data)
        [partial] = run(store, "random", [quiz], data, limit=20)
        board = build_leaderboard(store, n_boot=20)
    assert board.protocols["quiz4"].label == "0-shot · full"
    [ranked] = [row for row in board.rows if row.rank is not None]
    assert ranked.card.reference == "oracle"
    assert ranked.cells["quiz4"].run_id == full.result.run_id
    # The limited run's model is listed, without a rank or a cell.
    assert [(row.card.reference, dict(row.cells)) for row in board.rows][1] == ("random", {})
    [left_out] = board.unranked
    assert left_out.run_id == partial.result.run_id
    assert left_out.reason == "evaluated on 20 of 25 samples: not ranked against full runs"
    assert left_out.protocol.label == "0-shot · first 20"
    # The capability map reads the same columns: the unranked model has no category score.
    capabilities = {row.card.reference: row for row in capability_map(board).rows}
    assert capabilities["random"].scores == {} and capabilities["random"].leaderboard_rank is None
    assert capabilities["oracle"].scores and capabilities["oracle"].leaderboard_rank == 1


def test_the_protocol_most_models_have_is_the_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 25)
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), [quiz], data, limit=10)
        run(store, "random", [quiz], data, limit=10)
        [full] = run(store, Oracle(reference="sage"), [quiz], data)
        board = build_leaderboard(store, n_boot=20)
        full_hash = board.protocol_choices["quiz4"][1].protocol_hash
        chosen = build_leaderboard(store, n_boot=20, protocols={"quiz4": full_hash[:8]})
    assert board.protocols["quiz4"].label == "0-shot · first 10"
    assert board.protocols["quiz4"].models == 2
    assert {row.card.reference for row in board.rows if row.rank} == {"oracle", "random"}
    [left_out] = board.unranked
    assert left_out.run_id == full.result.run_id
    assert left_out.reason.startswith("measured under another protocol (0-shot · full")
    assert [row.card.reference for row in chosen.rows if row.rank] == ["sage"]
    assert len(chosen.unranked) == 2
    assert all("10 of 25 samples" in r.reason for r in chosen.unranked)


def test_a_limit_that_cuts_nothing_is_the_whole_split(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 12)
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), [quiz], data, limit=50)
        run(store, "random", [quiz], data)
        board = build_leaderboard(store, n_boot=20)
    assert board.protocols["quiz4"].label == "0-shot · full"
    assert board.protocols["quiz4"].models == 2 and not board.unranked


def test_a_chosen_protocol_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 12)
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), [quiz], data)
        with pytest.raises(ConfigError, match=r"protocol 'ffff' of quiz4 matches no protocol"):
            build_leaderboard(store, n_boot=5, protocols={"quiz4": "ffff"})
        with pytest.raises(ConfigError, match="arc_easy, which has no column"):
            build_leaderboard(store, n_boot=5, protocols={"arc_easy": "ab"})


def test_settings_that_change_nothing_leave_the_protocol_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 12)
    with Store.open(tmp_path / "ws") as store:
        [outcome] = run(store, Oracle(), [quiz], data)
    spec = outcome.result.spec
    base = Protocol.of(spec, 12)
    # A 0-shot run draws no examples: its seed changes nothing.
    assert Protocol.of(spec.model_copy(update={"fewshot_seed": 7}), 12) == base
    # The model (and its own chat template) is not part of the protocol.
    other_model = spec.model_copy(update={"model_reference": "x", "chat_template_hash": "ab"})
    assert Protocol.of(other_model, 12).protocol_hash() == base.protocol_hash()
    changed = {
        "num_fewshot": 1,
        "apply_chat_template": True,
        "system_prompt_hash": "cafe",
        "generation_kwargs": {"max_tokens": 5},
        "data_fingerprint": "other",
        "task_hash": "other",
    }
    for field, value in changed.items():
        other = Protocol.of(spec.model_copy(update={field: value}), 12)
        assert other.protocol_hash() != base.protocol_hash(), field
    assert Protocol.of(spec.model_copy(update={"limit": 5}), 5).label() == "0-shot · first 5"
    chat = Protocol.of(spec.model_copy(update={"apply_chat_template": True, "num_fewshot": 5}), 12)
    assert chat.label() == "5-shot · chat · full"
