"""The leaderboard over real stored results: columns, cells, normalised scores, averages,
ranks with bootstrap intervals and tie groups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from evalatlas.analysis import build_leaderboard, leaderboard_fingerprint, model_card
from evalatlas.analysis.board_columns import headline_metric
from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.errors import ConfigError, StoreError
from evalatlas.models import Model
from evalatlas.runner import EvalConfig
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.suite import evaluate_suite
from evalatlas.scoring.normalised import mean_of_independent, normalise, normalise_metric
from evalatlas.scoring.types import MetricValue
from evalatlas.store import Store, StoredMetric
from evalatlas.tasks.suites import Benchmark, Suite

from .boards import Oracle, run, write_prose, write_quiz

RANDOMS = ("random?seed=1", "random?seed=2")


@dataclass(frozen=True)
class Workspace:
    root: Path
    data: Path
    quiz4: Path
    quiz2: Path


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """An oracle and two random baselines on a 4-choice and a 2-choice quiz."""
    base = tmp_path_factory.mktemp("board")
    data = base / "data"
    quiz4 = write_quiz(data, base / "tasks", 4, 60)
    quiz2 = write_quiz(data, base / "tasks", 2, 40)
    with Store.open(base / "ws") as store:
        run(store, Oracle(), [quiz4, quiz2], data)
        for reference in RANDOMS:
            run(store, reference, [quiz4, quiz2], data)
    return Workspace(base / "ws", data, quiz4, quiz2)


@pytest.fixture
def store(filled: Workspace) -> Iterator[Store]:
    with Store.open(filled.root) as opened:
        yield opened


@pytest.fixture
def board(store: Store) -> Leaderboard:
    return build_leaderboard(store, n_boot=300, seed=3)


def row_of(board: Leaderboard, reference: str) -> LeaderboardRow:
    return next(row for row in board.rows if row.card.reference == reference)


def test_one_column_per_task_with_the_stored_headline_metric(
    store: Store, board: Leaderboard
) -> None:
    assert board.columns == ("quiz2", "quiz4")
    assert len(board.rows) == 3
    stored = {(r.spec.model_reference, r.spec.task): r for r in store.list_results()}
    for row in board.rows:
        assert set(row.cells) == {"quiz2", "quiz4"}
        for task, cell in row.cells.items():
            result = stored[(row.card.reference, task)]
            acc = result.metric("acc")
            assert acc is not None
            assert (cell.task, cell.metric, cell.run_id) == (task, "acc", result.run_id)
            assert (cell.value, cell.ci_low, cell.ci_high, cell.stderr, cell.n) == (
                acc.value,
                acc.ci_low,
                acc.ci_high,
                acc.stderr,
                acc.n,
            )
    assert row_of(board, "oracle").cells["quiz4"].value == 1.0


def test_normalised_scores_rescale_against_the_random_baseline(board: Leaderboard) -> None:
    assert board.random_baseline == {"quiz2": 0.5, "quiz4": 0.25}
    assert board.normalised
    for row in board.rows:
        for task, cell in row.cells.items():
            chance = board.random_baseline[task]
            by_hand = max(0.0, (cell.value - chance) / (1 - chance)) * 100
            assert cell.normalised == pytest.approx(by_hand)
            assert cell.normalised_ci == pytest.approx(
                (normalise(cell.ci_low, chance), normalise(cell.ci_high, chance))
            )
    oracle = row_of(board, "oracle").cells["quiz4"]
    assert oracle.normalised == 100.0


def test_the_average_combines_the_cells_as_independent_errors(board: Leaderboard) -> None:
    for row in board.rows:
        assert row.average is not None
        parts = [
            normalise_metric(
                MetricValue(cell.value, cell.stderr, cell.ci_low, cell.ci_high, cell.n),
                board.random_baseline[task],
            )
            for task, cell in sorted(row.cells.items())
        ]
        expected = mean_of_independent(parts)
        average = row.average
        assert average.value == pytest.approx(expected.value)
        assert average.normalised == pytest.approx(expected.value)
        assert average.stderr == pytest.approx(expected.stderr)
        assert (average.ci_low, average.ci_high) == pytest.approx(
            (expected.ci_low, expected.ci_high)
        )
        assert average.n == expected.n == 100
    values = [row.average.value for row in board.rows if row.average is not None]
    assert values == sorted(values, reverse=True)


def test_a_clearly_better_model_ranks_first_and_chance_models_tie(board: Leaderboard) -> None:
    oracle = board.rows[0]
    assert oracle.card.reference == "oracle"
    assert (oracle.rank, oracle.rank_low, oracle.rank_high, oracle.tie_group) == (1, 1, 1, 1)
    guessers = [row_of(board, reference) for reference in RANDOMS]
    # Two guessers cannot be told apart: both may be second, and one of them may be third
    # (the other is then second or, both floored at 0, tied with it).
    assert [(row.rank, row.rank_low, row.tie_group) for row in guessers] == [(2, 2, 2)] * 2
    assert max(row.rank_high or 0 for row in guessers) == 3
    assert board.per_sample_cells == 6  # every cell was resampled from its stored samples
    for row in board.rows:  # a shown interval always contains the shown rank
        assert row.rank_low is not None and row.rank_high is not None
        assert row.rank_low <= (row.rank or 0) <= row.rank_high


def test_the_bootstrap_is_seeded(store: Store) -> None:
    first = build_leaderboard(store, n_boot=50, seed=11)
    again = build_leaderboard(store, n_boot=50, seed=11)
    assert first == again
    assert (first.n_boot, first.seed) == (50, 11)
    drawn = build_leaderboard(store, n_boot=50, seed=11, samples=False)
    assert drawn.per_sample_cells == 0
    # Cells and averages do not depend on how the bootstrap draws, only rank intervals may.
    assert [r.average for r in drawn.rows] == [r.average for r in first.rows]
    assert [r.rank for r in drawn.rows] == [r.rank for r in first.rows]
    assert (drawn.rows[0].rank_low, drawn.rows[0].rank_high) == (1, 1)
    with pytest.raises(ConfigError, match="n_boot must be at least 1"):
        build_leaderboard(store, n_boot=0)


def test_large_boards_draw_instead_of_reading_sample_files(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalatlas.analysis.leaderboard as leaderboard

    assert build_leaderboard(store, n_boot=10).per_sample_cells == 6
    monkeypatch.setattr(leaderboard, "PER_SAMPLE_CELL_LIMIT", 5)
    assert build_leaderboard(store, n_boot=10).per_sample_cells == 0
    assert build_leaderboard(store, n_boot=10, samples=True).per_sample_cells == 6


def test_model_cards_are_found_by_key(store: Store, board: Leaderboard) -> None:
    oracle = row_of(board, "oracle").card
    assert model_card(store, oracle.key) == oracle
    assert oracle.key.startswith("oracle-") and oracle.key.replace("-", "").isalnum()
    assert (oracle.architecture, oracle.parameters, oracle.quantisation) == ("llama", 1000, "F32")
    assert oracle.model_type == "pretrained"
    guesser = row_of(board, "random?seed=1").card
    assert guesser.key.startswith("random-seed-1-") and guesser.model_type == "unknown"
    assert len({row.card.key for row in board.rows}) == 3
    with pytest.raises(StoreError, match="no model with key 'nobody-0000000000'"):
        model_card(store, "nobody-0000000000")


def test_a_model_missing_a_column_has_no_average_and_no_rank(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz4 = write_quiz(data, tmp_path / "tasks", 4, 20)
    quiz2 = write_quiz(data, tmp_path / "tasks", 2, 20)
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), [quiz4, quiz2], data)
        run(store, "random", [quiz4], data)
        board = build_leaderboard(store, n_boot=20)
    assert board.columns == ("quiz2", "quiz4")
    ranked, unranked = board.rows
    assert ranked.card.reference == "oracle" and ranked.rank == 1 and ranked.average
    assert unranked.card.reference == "random" and set(unranked.cells) == {"quiz4"}
    assert unranked.average is None
    assert (unranked.rank, unranked.rank_low, unranked.rank_high, unranked.tie_group) == (
        None,
        None,
        None,
        None,
    )


def test_a_later_run_under_other_settings_does_not_replace_the_ranked_one(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    quiz4 = write_quiz(data, tmp_path / "tasks", 4, 20)
    with Store.open(tmp_path / "ws") as store:
        [zero_shot] = run(store, "random", [quiz4], data)
        [one_shot] = run(store, "random", [quiz4], data, num_fewshot=1)
        board = build_leaderboard(store, n_boot=20)
        chosen = build_leaderboard(
            store, n_boot=20, protocols={"quiz4": one_shot_hash(store, one_shot)}
        )
    [row] = board.rows
    [other] = board.unranked
    # One model per protocol and both full: the fixed tie rule picks one, never "the newest".
    ranked_run = row.cells["quiz4"].run_id
    assert ranked_run in {zero_shot.result.run_id, one_shot.result.run_id}
    assert other.run_id != ranked_run and "another protocol" in other.reason
    assert chosen.rows[0].cells["quiz4"].run_id == one_shot.result.run_id
    assert chosen.protocols["quiz4"].label == "1-shot · full"


def one_shot_hash(store: Store, outcome: TaskOutcome) -> str:
    [protocol] = store.protocols_of([outcome.result.run_id]).values()
    return protocol.protocol_hash()[:12]


def test_suites_and_lower_is_better_tasks_are_no_columns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz4 = write_quiz(data, tmp_path / "tasks", 4, 12)
    prose = write_prose(data, tmp_path / "tasks")
    quiz = Benchmark("quiz4", "Quiz", str(quiz4), 0, ("acc",), per_subtask=True)
    suite = Suite("mini", "", (quiz,), normalised=True)
    with Store.open(tmp_path / "ws") as store:
        evaluate_suite(Model(Oracle()), suite, EvalConfig(data_dir=data), store)
        run(store, Oracle(), [prose], data)
        tasks = {r.spec.task for r in store.list_results()}
        board = build_leaderboard(store, n_boot=20)
    assert tasks == {"quiz4", "mini", "prose"}
    assert board.columns == ("quiz4",)


def test_group_members_fold_into_their_group(shared_data: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), "mmlu", shared_data, limit=2)
        run(store, "random", "mmlu", shared_data, limit=2)
        board = build_leaderboard(store, n_boot=50)
        member_runs = [r for r in store.list_results() if r.group == "mmlu"]
    assert len(member_runs) == 2 * 57
    assert board.columns == ("mmlu",)
    assert board.protocols["mmlu"].label.endswith("first 2 of each member")
    assert board.random_baseline == {"mmlu": 0.25}
    for row in board.rows:
        assert row.cells["mmlu"].n == 114 and row.cells["mmlu"].metric == "acc"
    # The group cells were resampled from their members' pooled per-sample scores.
    assert board.per_sample_cells == 2


def test_the_fingerprint_follows_results_and_model_cards(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz2 = write_quiz(data, tmp_path / "tasks", 2, 10)
    with Store.open(tmp_path / "ws") as store:
        empty = leaderboard_fingerprint(store)
        assert build_leaderboard(store).rows == ()
        run(store, "random", [quiz2], data)
        one = leaderboard_fingerprint(store)
        assert one != empty and leaderboard_fingerprint(store) == one
        assert build_leaderboard(store, n_boot=5).fingerprint == one
        [stored] = store.list_model_cards()
        assert not store.record_model_metadata(
            stored.reference, stored.fingerprint, stored.metadata
        )
        assert leaderboard_fingerprint(store) == one
        card = {**stored.metadata, "licence": "mit"}
        assert store.record_model_metadata(stored.reference, stored.fingerprint, card)
        relabelled = leaderboard_fingerprint(store)
        assert relabelled != one
        run(store, "random?seed=5", [quiz2], data)
        assert leaderboard_fingerprint(store) != relabelled


def test_headline_metric_preference() -> None:
    def metrics(*names: str) -> list[StoredMetric]:
        return [StoredMetric(name, 0.5, 0.1, 0.3, 0.7, 10, True) for name in names]

    assert headline_metric([metrics("acc", "acc_norm")]) == "acc_norm"
    assert headline_metric([metrics("mc2")]) == "mc2"
    gsm8k = metrics("exact_match,strict-match", "exact_match,flexible-extract")
    assert headline_metric([gsm8k]) == "exact_match,strict-match"
    ifeval = metrics("inst_level_strict_acc", "prompt_level_strict_acc")
    assert headline_metric([ifeval]) == "prompt_level_strict_acc"
    assert headline_metric([metrics("exact_match,last-number")]) == "exact_match,last-number"
    # A metric every result reports beats a preferred one only some report.
    assert headline_metric([metrics("acc", "acc_norm"), metrics("acc")]) == "acc"
    assert headline_metric([metrics("acc_norm"), metrics("acc")]) == "acc_norm"
    assert headline_metric([[]]) is None
