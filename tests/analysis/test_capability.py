"""The capability map and discovery: on hand-made boards for exact numbers, and on a
store the real runner filled with models of planted skills."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from evalatlas.analysis import build_leaderboard
from evalatlas.analysis.capability import (
    TASK_CATEGORIES,
    Candidate,
    CapabilityMap,
    Category,
    DiscoveryQuery,
    capability_map,
    category_of,
    discover,
)
from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard, ScoreCell
from evalatlas.scoring.normalised import mean_of_independent
from evalatlas.scoring.types import MetricValue
from evalatlas.store import Store
from evalatlas.tasks.registry import list_tasks, task_groups

from .skilled_workspace import HOSTILE_NAME, OUTLIER_NAME, TWINS, fill_skilled_workspace

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"
B = 10**9


@pytest.mark.parametrize(
    ("task", "category"),
    [
        ("arc_challenge", Category.REASONING),
        ("arc_easy", Category.REASONING),
        ("bbh", Category.REASONING),
        ("bbh_navigate", Category.REASONING),
        ("musr_team_allocation", Category.REASONING),
        ("winogrande", Category.REASONING),
        ("mmlu", Category.KNOWLEDGE),
        ("mmlu_anatomy", Category.KNOWLEDGE),
        ("mmlu_pro", Category.KNOWLEDGE),
        ("gpqa_diamond", Category.KNOWLEDGE),
        ("gsm8k", Category.MATH),
        ("math_hard_geometry", Category.MATH),
        ("arithmetic_gen", Category.MATH),
        ("ifeval", Category.INSTRUCTION_FOLLOWING),
        ("truthfulqa_mc2", Category.TRUTHFULNESS),
        ("quiz4", Category.OTHER),
        ("gsm8k_extra", Category.OTHER),  # patterns match whole names, not prefixes
        ("MMLU", Category.OTHER),  # and are case-sensitive, as task names are
    ],
)
def test_a_column_maps_to_the_first_matching_category(task: str, category: Category) -> None:
    assert category_of(task) is category


def test_every_built_in_task_and_group_has_a_category() -> None:
    # "offline" pairs a multiple-choice and a generative task: they share no metric, so the
    # group never has a result of its own and never becomes a column.
    names = [summary.name for summary in list_tasks()]
    names += [group for group in task_groups() if group != "offline"]
    uncategorised = [name for name in names if category_of(name) is Category.OTHER]
    assert uncategorised == []


def test_the_documented_mapping_is_the_mapping() -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Capability categories", 1)[1]
    section = section.split("\n## ", 1)[0]
    documented = {
        (pattern, category)
        for patterns, category in re.findall(r"^\| ([^|]+) \| `(\w+)` \|$", section, re.M)
        for pattern in re.findall(r"`([^`]+)`", patterns)
    }
    assert documented == {(pattern, category.value) for pattern, category in TASK_CATEGORIES}


# Hand-made boards: exact numbers.


def card(name: str, parameters: int | None = None, licence: str | None = None) -> ModelCard:
    kind = "instruction-tuned" if name.endswith("chat") else "pretrained"
    return ModelCard(
        key=name.lower().replace(" ", "-"),
        reference=f"local/{name}",
        name=name,
        parameters=parameters,
        licence=licence,
        model_type=kind,
    )


def cell(
    task: str, value: float, stderr: float, baseline: float | None = None, n: int = 100
) -> ScoreCell:
    low, high = value - 1.96 * stderr, value + 1.96 * stderr
    if baseline is None:
        return ScoreCell(task, "acc", value, low, high, stderr, n, None, None, "r")

    def scaled(x: float) -> float:
        return max(0.0, (x - baseline) / (1 - baseline)) * 100

    return ScoreCell(
        task, "acc", value, low, high, stderr, n, scaled(value), (scaled(low), scaled(high)), "r"
    )


def row(model: ModelCard, *cells: ScoreCell, rank: int | None = None) -> LeaderboardRow:
    return LeaderboardRow(model, {c.task: c for c in cells}, None, rank, rank, rank, rank)


BASELINES = {"mmlu": 0.25, "gsm8k": 0.0, "math_hard": 0.0}


def board(*rows: LeaderboardRow) -> Leaderboard:
    columns = sorted({task for r in rows for task in r.cells})
    baselines = {task: b for task, b in BASELINES.items() if task in columns}
    return Leaderboard(tuple(columns), rows, baselines, "f" * 16)


def test_a_category_score_is_the_mean_of_normalised_parts_with_independent_errors() -> None:
    model = card("m")
    built = capability_map(
        board(
            row(
                model,
                cell("gsm8k", 0.6, 0.04, baseline=0.0, n=100),
                cell("math_hard", 0.2, 0.03, baseline=0.0, n=50),
                cell("mmlu", 0.7, 0.02, baseline=0.25, n=1000),
                cell("quiz", 0.9, 0.05, n=20),  # no baseline: raw x 100
            )
        )
    )
    assert built.categories == (Category.KNOWLEDGE, Category.MATH, Category.OTHER)
    assert built.tasks[Category.MATH] == ("gsm8k", "math_hard")
    scores = built.rows[0].scores
    expected = mean_of_independent(
        [
            MetricValue(60.0, 4.0, 60 - 1.96 * 4, 60 + 1.96 * 4, 100),
            MetricValue(20.0, 3.0, 20 - 1.96 * 3, 20 + 1.96 * 3, 50),
        ]
    )
    math_score = scores[Category.MATH]
    assert math_score.value == pytest.approx(40.0)
    assert (math_score.ci_low, math_score.ci_high) == pytest.approx(
        (expected.ci_low, expected.ci_high)
    )
    # (The cells' intervals use 1.96, a hair wider than 1.95996 x stderr: rel=1e-4.)
    assert math_score.stderr == pytest.approx(math.sqrt(4.0**2 + 3.0**2) / 2, rel=1e-4)
    assert (math_score.n, math_score.tasks, math_score.complete) == (
        150,
        ("gsm8k", "math_hard"),
        True,
    )
    # MMLU: normalised with its baseline; the stderr scales by 100 / (1 - 0.25).
    knowledge = scores[Category.KNOWLEDGE]
    assert knowledge.value == pytest.approx(60.0)
    assert knowledge.stderr == pytest.approx(0.02 * 100 / 0.75, rel=1e-4)
    assert scores[Category.OTHER].value == pytest.approx(90.0)
    assert scores[Category.OTHER].stderr == pytest.approx(5.0, rel=1e-4)


def test_a_model_missing_some_of_a_category_has_a_partial_score() -> None:
    full, part = card("full"), card("part")
    built = capability_map(
        board(
            row(full, cell("gsm8k", 0.5, 0.05, 0.0), cell("math_hard", 0.1, 0.02, 0.0)),
            row(part, cell("gsm8k", 0.9, 0.03, 0.0)),
        )
    )
    partial = built.rows[1].scores[Category.MATH]
    assert (partial.tasks, partial.of_tasks, partial.complete) == (("gsm8k",), 2, False)
    assert partial.value == pytest.approx(90.0)
    assert Category.KNOWLEDGE not in built.rows[0].scores


def three_models() -> CapabilityMap:
    return capability_map(
        board(
            row(card("Alpha", 7 * B, "Apache-2.0"), cell("gsm8k", 0.70, 0.02, 0.0)),
            row(card("Beta chat", 3 * B, "apache-2.0"), cell("gsm8k", 0.68, 0.02, 0.0)),
            row(card("Gamma", 1 * B, "mit"), cell("gsm8k", 0.30, 0.02, 0.0)),
            row(card("Huge", 70 * B, "apache-2.0"), cell("gsm8k", 0.95, 0.01, 0.0)),
            row(card("Unsized", None, "apache-2.0"), cell("gsm8k", 0.99, 0.01, 0.0)),
        )
    )


def names(candidates: Sequence[Candidate]) -> list[str]:
    return [c.card.name for c in candidates]


def test_discovery_filters_by_size_licence_and_type_and_ranks_by_category_score() -> None:
    capabilities = three_models()
    found = discover(capabilities, DiscoveryQuery(Category.MATH, params_max=8 * B))
    # Unknown sizes never match a size limit; Huge is too large.
    assert names(found.ranked) == ["Alpha", "Beta chat", "Gamma"]
    assert [c.rank for c in found.ranked] == [1, 1, 3]  # Alpha and Beta overlap
    licensed = discover(capabilities, DiscoveryQuery(Category.MATH, licences=("APACHE-2.0",)))
    assert names(licensed.ranked) == ["Unsized", "Huge", "Alpha", "Beta chat"]
    typed = discover(capabilities, DiscoveryQuery(Category.MATH, types=("instruction-tuned",)))
    assert names(typed.ranked) == ["Beta chat"] and typed.tie is None
    assert discover(capabilities, DiscoveryQuery(Category.KNOWLEDGE)).ranked == ()


def test_the_tie_note_names_the_models_whose_interval_overlaps_the_leaders() -> None:
    found = discover(three_models(), DiscoveryQuery(Category.MATH, params_max=8 * B))
    assert found.tie is not None
    assert found.tie.leader.name == "Alpha"
    assert [c.name for c in found.tie.tied_with] == ["Beta chat"]
    assert "Beta chat" in found.tie.text and "Gamma" not in found.tie.text
    assert found.tie.text.startswith("Statistically tied at the top")


def test_no_tie_note_for_a_clear_leader_or_a_single_model() -> None:
    capabilities = three_models()
    clear = discover(capabilities, DiscoveryQuery(Category.MATH, licences=("mit", "apache-2.0")))
    assert names(clear.ranked)[:2] == ["Unsized", "Huge"]
    assert clear.tie is None  # 99 ± 2 and 95 ± 2 do not overlap
    assert clear.lead == "Unsized leads: its 95% interval overlaps no other model's."
    alone = discover(capabilities, DiscoveryQuery(Category.MATH, licences=("mit",)))
    assert names(alone.ranked) == ["Gamma"] and alone.tie is None and alone.lead is None


def near_random_models() -> CapabilityMap:
    """Two models whose MMLU intervals overlap near the top, both reaching down to random
    guessing (0.25), and one clearly below them that also does."""
    return capability_map(
        board(
            row(card("Lucky"), cell("mmlu", 0.30, 0.04, 0.25)),
            row(card("Guesser"), cell("mmlu", 0.27, 0.04, 0.25)),
            row(card("Worse"), cell("mmlu", 0.24, 0.03, 0.25)),
        )
    )


def test_models_indistinguishable_from_random_are_never_tied_at_the_top() -> None:
    found = discover(near_random_models(), DiscoveryQuery(Category.KNOWLEDGE))
    assert [c.score.near_random for c in found.ranked] == [True, True, True]
    assert found.tie is None and found.lead is None  # guessing is no lead to be tied for
    assert found.random_note is not None
    assert [c.name for c in found.random_note.models] == ["Lucky", "Guesser", "Worse"]
    assert "not distinguishable from random guessing" in found.random_note.text
    assert "No model here is shown to do better than guessing" in found.random_note.text


def test_a_real_leader_is_not_tied_with_a_model_at_random_level() -> None:
    capabilities = capability_map(
        board(
            row(card("Strong"), cell("mmlu", 0.40, 0.05, 0.25)),
            row(card("Guesser"), cell("mmlu", 0.30, 0.03, 0.25)),
        )
    )
    found = discover(capabilities, DiscoveryQuery(Category.KNOWLEDGE))
    strong, guesser = found.ranked
    assert not strong.score.near_random and guesser.score.near_random
    # The intervals overlap (40 ± 13 vs 7 ± 8 normalised) but the guesser takes no tie,
    # and the leader is not said to lead clear of it either.
    assert found.tie is None
    assert found.lead is not None and "overlaps those of Guesser" in found.lead
    assert "do not separate it from them" in found.lead
    assert found.random_note is not None and [c.name for c in found.random_note.models] == [
        "Guesser"
    ]
    # A raw score (no baseline known) claims nothing either way.
    raw = capability_map(board(row(card("Raw"), cell("quiz", 0.01, 0.01))))
    assert raw.rows[0].scores[Category.OTHER].versus_random is None


def test_partial_models_are_listed_apart_and_unranked() -> None:
    built = capability_map(
        board(
            row(card("full"), cell("gsm8k", 0.5, 0.05, 0.0), cell("math_hard", 0.1, 0.02, 0.0)),
            row(card("part"), cell("gsm8k", 0.9, 0.03, 0.0)),
        )
    )
    found = discover(built, DiscoveryQuery(Category.MATH))
    assert names(found.ranked) == ["full"] and found.ranked[0].rank == 1
    assert names(found.partial) == ["part"] and found.partial[0].rank is None
    assert found.tasks == ("gsm8k", "math_hard") and found.tie is None


# A store filled by the real runner.


@pytest.fixture(scope="module")
def skilled_board(tmp_path_factory: pytest.TempPathFactory) -> Leaderboard:
    base = tmp_path_factory.mktemp("skilled")
    fill_skilled_workspace(base / "ws", base / "data")
    with Store.open(base / "ws") as store:
        return build_leaderboard(store, n_boot=50, seed=1)


def test_the_stored_built_in_tasks_fall_into_their_categories(skilled_board: Leaderboard) -> None:
    built = capability_map(skilled_board)
    assert built.fingerprint == skilled_board.fingerprint
    assert dict(built.tasks) == {
        Category.KNOWLEDGE: ("mmlu_anatomy",),
        Category.REASONING: ("arc_challenge",),
        Category.MATH: ("arithmetic_gen", "arithmetic_mc"),
        Category.TRUTHFULNESS: ("truthfulqa_mc1",),
    }
    assert [r.card.key for r in built.rows] == [r.card.key for r in skilled_board.rows]
    for capability_row, board_row in zip(built.rows, skilled_board.rows, strict=True):
        if capability_row.card.name == "random baseline":  # it cannot generate
            assert not capability_row.scores[Category.MATH].complete
            continue
        gen, mc = board_row.cells["arithmetic_gen"], board_row.cells["arithmetic_mc"]
        assert gen.normalised is not None and mc.normalised is not None
        math_score = capability_row.scores[Category.MATH]
        assert math_score.value == pytest.approx((gen.normalised + mc.normalised) / 2)
        assert math_score.ci_low <= math_score.value <= math_score.ci_high
        assert math_score.n == gen.n + mc.n
        arc = board_row.cells["arc_challenge"]  # no recorded baseline: raw x 100
        assert capability_row.scores[Category.REASONING].value == pytest.approx(arc.value * 100)


def test_discovery_over_the_store_reports_the_planted_tie(skilled_board: Leaderboard) -> None:
    capabilities = capability_map(skilled_board)
    query = DiscoveryQuery(Category.REASONING, params_max=8 * B, licences=("apache-2.0",))
    found = discover(capabilities, query)
    assert names(found.ranked)[:2] == list(TWINS)
    assert found.tie is not None and found.tie.leader.name == TWINS[0]
    assert TWINS[1] in [c.name for c in found.tie.tied_with]
    mit = discover(capabilities, DiscoveryQuery(Category.MATH, 8 * B, licences=("mit",)))
    assert names(mit.ranked) == [OUTLIER_NAME, HOSTILE_NAME] and mit.tie is None


def test_the_random_note_names_a_few_and_counts_the_rest() -> None:
    guessers = [row(card(f"Guesser {i}"), cell("mmlu", 0.25, 0.03, 0.25)) for i in range(8)]
    found = discover(capability_map(board(*guessers)), DiscoveryQuery(Category.KNOWLEDGE))
    assert found.random_note is not None
    assert len(found.random_note.models) == 8
    assert (
        found.random_note.text.count("Guesser") == 5
        and " and 3 more are " in found.random_note.text
    )
