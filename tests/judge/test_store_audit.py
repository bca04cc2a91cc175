"""What a stored audit compares a judge with: its family guessed from its name, and the
people's battles its verdicts can match."""

from __future__ import annotations

import pytest

from evalatlas.judge.store_audit import family_members, family_stem, people_on_judged_pairs
from evalatlas.store import DecidedBattle


@pytest.mark.parametrize(
    ("reference", "stem"),
    [
        ("judge:bundled:smollm2-135m-instruct", "smollm"),
        ("gpt-4", "gpt"),
        ("hf:Qwen/Qwen2.5-0.5B-Instruct", "qwen"),
        ("llamacpp:/models/gemma3-270m.gguf", "gemma"),
        ("openai:http://127.0.0.1:8080/v1#prometheus-7b", "prometheus"),
        ("bundled:smollm2-135m-instruct?n_threads=1", "smollm"),
        ("o1", None),  # too short a stem to name a family
    ],
)
def test_the_family_stem_is_the_leading_letters_of_the_base_name(
    reference: str, stem: str | None
) -> None:
    assert family_stem(reference) == stem


def test_family_members_share_the_stem() -> None:
    models = ["smollm2-360m", "SmolLM2-1.7B", "gemma3-1b", "smol"]
    assert family_members("smollm", models) == ("SmolLM2-1.7B", "smollm2-360m")
    assert family_members(None, models) == ()


def battle(battle_id: str, model_a: str, model_b: str, source: str) -> DecidedBattle:
    return DecidedBattle(battle_id, model_a, model_b, "A", "voter", source, None, None, None)


def test_only_people_on_pairs_a_judge_judged_can_match() -> None:
    battles = [
        battle("j1", "m1", "m2", "judge"),
        battle("h1", "m2", "m1", "human"),  # the same pair, the other way round
        battle("h2", "m1", "m3", "human"),  # a pair no judge saw
        battle("h3", "m1", "m2", "human"),
    ]
    assert [b.battle_id for b in people_on_judged_pairs(battles)] == ["h1", "h3"]
