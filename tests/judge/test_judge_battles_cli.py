"""``evalatlas judge pairwise --battles``: a judge judges the arena battles people voted on
(or a battle file), and its audit, from the run or from the store, reads its agreement
with those people. The judge is a replay of recorded outputs (``responses:``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.store import BattleSource, NewBattle, Store, VoteRequest, VoteSource

from .cli_helpers import invoke, write_jsonl


def arena_battle(battle_id: str, answer_b: str = "Blue light scatters most.") -> NewBattle:
    return NewBattle(
        id=battle_id, source=BattleSource.ARENA, created_by="test",
        prompt=f"Why is the sky blue? ({battle_id})", model_a="smollm2-360m",
        model_b="gemma3-1b", answer_a="It is.", answer_b=answer_b,
    )  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Three battles with both answers (people voted B on two), one without answers."""
    root = tmp_path / "workspace"
    with Store.open(root) as store:
        store.arena().add_battles(
            [arena_battle("b1"), arena_battle("b2"), arena_battle("b3"), arena_battle("b4", "")],
            [
                VoteRequest("b1", "B", "person-1", VoteSource.HUMAN),
                VoteRequest("b2", "B", "person-2", VoteSource.HUMAN),
            ],
        )
    return root


@pytest.fixture
def judge(tmp_path: Path) -> str:
    """b1: B in both orders (agrees with people); b2: the first position both times
    (inconsistent, a tie); b3: A in both orders."""
    outputs = {
        "b1": ("[[B>A]]", "[[A>B]]"),
        "b2": ("[[A>B]]", "[[A>B]]"),
        "b3": ("[[A>>B]]", "[[B>>A]]"),
    }
    rows = [
        {"sample_id": f"{battle}:{order}", "response": text}
        for battle, texts in outputs.items()
        for order, text in zip(("forward", "backward"), texts, strict=True)
    ]
    return f"responses:{write_jsonl(tmp_path / 'judge.jsonl', rows)}"


def test_the_stored_battles_are_judged_against_the_people(workspace: Path, judge: str) -> None:
    args = ["pairwise", "--judge", judge, "--battles", "store", "-w", str(workspace), "--json"]
    report = json.loads(invoke(*args).stdout)
    assert report["pairs"] == 3
    assert report["outcomes"] == {"A": 1, "B": 1, "TIE": 0, "INCONSISTENT": 1, "UNSCORED": 0}
    agreement = report["audit"]["agreement"]
    assert agreement["matched"] == 2  # b1 and b2 have people's votes; b3 none
    assert (agreement["accuracy"]["value"], agreement["accuracy"]["n"]) == (1.0, 1)

    stored = json.loads(invoke("audit", "--from-store", "-w", str(workspace), "--json").stdout)
    [audited] = stored["judges"]
    assert audited["audit"]["agreement"]["matched"] == 2
    assert audited["audit"]["agreement"]["accuracy"]["value"] == 1.0
    # The judge model is a replay file: its name gives no family among the contestants.
    assert audited["family"] == []
    # Given a comparison of their own, the user's options replace the store's people.
    family = ["audit", "--from-store", "--family", "gemma3-1b", "-w", str(workspace), "--json"]
    [own] = json.loads(invoke(*family).stdout)["judges"]
    assert own["audit"]["agreement"] is None and own["family"] == ["gemma3-1b"]

    again = json.loads(invoke(*args).stdout)
    assert again["stored"]["added"] == 0  # the same battles judged again add nothing


def test_the_first_n_battles_and_a_battle_file(workspace: Path, judge: str, tmp_path: Path) -> None:
    first = ["pairwise", "--judge", judge, "--battles", "store", "--limit", "1", "--no-store"]
    report = json.loads(invoke(*first, "-w", str(workspace), "--json").stdout)
    assert report["pairs"] == 1 and report["outcomes"]["B"] == 1
    rows = [
        {"id": "b3", "prompt": "Why?", "model_a": "m1", "model_b": "m2", "answer_a": "A",
         "answer_b": "B"},
    ]  # fmt: skip
    battles = write_jsonl(tmp_path / "battles.jsonl", rows)
    from_file = ["pairwise", "--judge", judge, "--battles", str(battles), "--no-store", "--json"]
    report = json.loads(invoke(*from_file, "-w", str(workspace)).stdout)
    assert report["pairs"] == 1 and report["outcomes"]["A"] == 1
    assert report["audit"]["agreement"] is None  # a file brings no votes


def test_nothing_to_judge_is_a_one_line_error(tmp_path: Path, judge: str) -> None:
    empty = tmp_path / "empty"
    with pytest.raises(ConfigError, match="no arena battles with both answers stored in"):
        invoke("pairwise", "--judge", judge, "--battles", "store", "-w", str(empty))
    with pytest.raises(DataError, match="file not found"):
        invoke("pairwise", "--judge", judge, "--battles", str(tmp_path / "nope.jsonl"))
    with pytest.raises(ConfigError, match="give one of --answers"):
        invoke("pairwise", "--judge", judge, "--battles", "store", "--mt-bench", str(tmp_path))
