"""The arena service with the two bundled models answering through llama.cpp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalatlas.arena import Arena, ArenaConfig, PromptItem
from evalatlas.arena.answers import ModelAnswerer
from evalatlas.arena.style import STYLE_FEATURES
from evalatlas.errors import ArenaError, BattleDecided, ModelError
from evalatlas.store import Store

SMOL = "bundled:smollm2-135m-instruct"
GEMMA = "bundled:gemma3-270m"


@pytest.fixture(scope="module")
def answerer(smollm2_gguf: Path, gemma3_gguf: Path) -> Iterator[ModelAnswerer]:
    pytest.importorskip("llama_cpp", reason="needs llama-cpp-python")
    del smollm2_gguf, gemma3_gguf  # present: the bundled references resolve to them
    models = ModelAnswerer([SMOL, GEMMA], max_tokens=16)
    yield models
    models.close()


@pytest.mark.llamacpp
@pytest.mark.slow
def test_a_battle_between_the_bundled_models_and_its_vote(
    store: Store, answerer: ModelAnswerer
) -> None:
    arena = Arena(store, ArenaConfig(contestants=(SMOL, GEMMA), seed=4), answerer)
    try:
        battle = arena.start_battle("  What is the capital of France?  ", voter="ann")
        assert {battle.model_a, battle.model_b} == {SMOL, GEMMA}
        assert battle.prompt == "What is the capital of France?"
        assert battle.answer_a.strip() and battle.answer_b.strip()
        assert battle.answer_a == battle.answer_a.strip()
        assert battle.source == "arena" and battle.created_by == "ann" and battle.vote is None
        assert battle.style_a is not None and tuple(battle.style_a) == STYLE_FEATURES
        assert battle.style_a["length"] > 0
        vote = arena.vote(battle.id, "B", voter="ann")
        assert (vote.outcome, vote.voter, vote.battle_id) == ("B", "ann", battle.id)
        stored = store.arena().get_battle(battle.id)
        assert stored.vote == vote and stored.answer_a == battle.answer_a
        counted = list(store.arena().decided_battles())
        assert len(counted) == (0 if stored.identity_leak else 1)
        with pytest.raises(BattleDecided):
            arena.vote(battle.id, "A", voter="ann")
    finally:
        arena.close()


def test_no_answerer_or_one_contestant_cannot_battle(store: Store) -> None:
    arena = Arena(store, ArenaConfig(contestants=(SMOL,), prompt_set=(PromptItem("Hi"),)), None)
    try:
        assert not arena.can_battle
        with pytest.raises(ArenaError, match="--arena-model"):
            arena.start_battle("Hello", voter="ann")
        with pytest.raises(ArenaError, match="prompt is empty"):
            arena.start_battle("   ", voter="ann")
        assert arena.draw_prompt() == PromptItem("Hi")
    finally:
        arena.close()
    assert store.arena().counts().battles == 0


def test_the_answerer_refuses_a_model_that_is_not_a_contestant() -> None:
    answerer = ModelAnswerer([SMOL, GEMMA], max_tokens=4)
    with pytest.raises(ModelError, match="not a contestant"):
        answerer("bundled:other", "Hello")
