"""Model cards filled from a real GGUF model evaluated by the real runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.analysis import build_leaderboard, model_card
from evalatlas.analysis.model_cards import (
    MODEL_TYPES,
    card_from_stored,
    display_name,
    is_random_baseline,
    model_key,
    stored_model_type,
)
from evalatlas.models import load_model
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.store import Store, StoredModel
from evalatlas.tasks.registry import resolve_tasks

from .boards import write_quiz


@pytest.mark.llamacpp
@pytest.mark.slow
def test_a_gguf_run_fills_the_card(tmp_path: Path, smollm2_gguf: Path) -> None:
    pytest.importorskip("llama_cpp", reason="pip install 'evalatlas[llamacpp]'")
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 3)
    model = load_model("bundled:smollm2-135m-instruct?n_threads=1&n_ctx=512")
    try:
        with Store.open(tmp_path / "ws") as store:
            evaluate(model, resolve_tasks(str(quiz)), EvalConfig(data_dir=data), store)
            [stored] = store.list_model_cards()
            board = build_leaderboard(store, n_boot=20)
            card = model_card(store, board.rows[0].card.key)
    finally:
        model.close()
    assert stored.metadata["backend_metadata"]["path"] == str(smollm2_gguf)
    assert stored.metadata["has_chat_template"] is True
    assert card == board.rows[0].card
    assert card.reference == "bundled:smollm2-135m-instruct?n_threads=1&n_ctx=512"
    assert (card.architecture, card.quantisation, card.licence) == ("llama", "Q4_1", "apache-2.0")
    assert card.parameters == 134_515_008
    # Q4_1 weights with a chat template: quantisation is a property, the type is its tuning.
    assert card.model_type == "instruction-tuned"
    assert card.source == str(smollm2_gguf)
    assert card.base_model is None  # this GGUF names no base model
    # The GGUF's internal name is recorded, but the catalog's name is the one shown.
    assert stored.name == "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert card.name == "smollm2-135m-instruct"
    assert board.random_baseline == {"quiz4": 0.25}


def test_cards_of_models_stored_without_metadata_are_unknowns() -> None:
    old = StoredModel("gguf:old", "old-model", "sha256:00", "llamacpp", {})
    card = card_from_stored(old)
    assert card.key == model_key("gguf:old", "sha256:00") and card.key.startswith("gguf-old-")
    assert card.model_type == "unknown" and card.flags == ()
    assert (card.parameters, card.architecture, card.quantisation, card.source) == (None,) * 4
    garbled = StoredModel("m", "m", "f", "hf", {"parameters": "many", "model_type": "huge"})
    assert card_from_stored(garbled).parameters is None
    assert card_from_stored(garbled).model_type == "unknown"
    assert model_key("m", "f") != model_key("m", "g")


GGUF_NAME = "Smollm2 135M 8k Lc100K Mix1 Ep2"


def test_the_display_name_prefers_what_the_catalog_and_the_card_know() -> None:
    # Cards stored before the runner recorded a display name: the reference names the
    # catalog entry, so its name wins over the GGUF's internal one.
    bundled = "bundled:smollm2-135m-instruct?n_threads=1"
    assert display_name(bundled, GGUF_NAME, {}) == "smollm2-135m-instruct"
    assert display_name(bundled, GGUF_NAME, {"display_name": "SmolLM2 135M"}) == "SmolLM2 135M"
    assert display_name("llamacpp:/m/x.gguf", "X 7B", {}) == "X 7B"
    assert display_name("hf:org/m", "  ", {}) == "hf:org/m"
    stored = StoredModel(bundled, GGUF_NAME, "sha256:1", "llamacpp", {})
    assert card_from_stored(stored).name == "smollm2-135m-instruct"
    # An admin's name still wins over every rule.
    assert card_from_stored(stored, {"name": "Smol chat"}).name == "Smol chat"


def test_a_stored_quantised_type_is_read_as_the_models_tuning() -> None:
    legacy = {"quantisation": "Q4_1", "architecture": "llama", "model_type": "quantised"}
    chat = StoredModel("chat", "chat", "f", "llamacpp", {**legacy, "has_chat_template": True})
    base = StoredModel("base", "base", "f", "llamacpp", {**legacy, "has_chat_template": False})
    merged = {**legacy, "backend_metadata": {"base_models": "2"}}
    assert card_from_stored(chat).model_type == "instruction-tuned"
    assert card_from_stored(chat).quantisation == "Q4_1"  # still shown, as a property
    assert card_from_stored(base).model_type == "pretrained"
    assert stored_model_type(merged) == "merge"
    assert stored_model_type({"model_type": "quantised"}) == "unknown"
    assert "quantised" not in MODEL_TYPES
    # An override stored when "quantised" was a type no longer applies.
    assert card_from_stored(chat, {"model_type": "quantised"}).model_type == "instruction-tuned"


def test_the_measured_random_baseline_is_recognised() -> None:
    guesser = card_from_stored(StoredModel("random", "random baseline", "random:0", "random", {}))
    other = card_from_stored(StoredModel("hf:random/x", "x", "f", "hf", {}))
    assert is_random_baseline(guesser) and not is_random_baseline(other)
