"""What the runner records for a leaderboard: each result's random baseline and the
model's card."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalatlas.models import Model, RetryPolicy, load_model
from evalatlas.models.base import ModelInfo
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.groups import _common_baseline
from evalatlas.runner.model_cards import model_card_metadata, model_type
from evalatlas.store.workspace import Store
from evalatlas.tasks.registry import resolve_tasks

from .scripted import ScriptedBackend


def info(**facts: str) -> ModelInfo:
    template = facts.pop("chat_template", None)
    return ModelInfo("m", "llamacpp", "m", "sha256:0", chat_template=template, metadata=facts)


def test_model_type_rules() -> None:
    # Quantisation is a property, not a type: a Q4 chat model is instruction-tuned.
    assert model_type(info(architecture="llama", quantisation="Q4_1")) == "pretrained"
    assert model_type(info(architecture="llama", quantisation="Q4_K_M", chat_template="t")) == (
        "instruction-tuned"
    )
    assert model_type(info(architecture="llama", quantisation="F16", chat_template="t")) == (
        "instruction-tuned"
    )
    assert model_type(info(architecture="llama", quantisation="ALL_F32")) == "pretrained"
    assert model_type(info(architecture="llama", dtype="bfloat16")) == "pretrained"
    assert model_type(info(architecture="llama", dtype="int8")) == "pretrained"
    assert model_type(info(architecture="llama", base_models="2", quantisation="Q8_0")) == "merge"
    assert model_type(info(architecture="llama", base_models="1")) == "pretrained"
    assert model_type(info(quantisation="file type 99")) == "unknown"
    assert model_type(info()) == "unknown"


def test_card_keeps_known_facts_and_the_backend_report() -> None:
    card = model_card_metadata(
        info(
            architecture="llama",
            quantisation="Q4_1",
            parameters="134515008",
            licence="apache-2.0",
            base_model="SmolLM2 135M",
            path="/models/smol.gguf",
            chat_template="{{ x }}",
        )
    )
    assert card == {
        "parameters": 134515008,
        "architecture": "llama",
        "quantisation": "Q4_1",
        "licence": "apache-2.0",
        "base_model": "SmolLM2 135M",
        "source": "/models/smol.gguf",
        "has_chat_template": True,
        "model_type": "instruction-tuned",
        "backend_metadata": {
            "architecture": "llama",
            "quantisation": "Q4_1",
            "parameters": "134515008",
            "licence": "apache-2.0",
            "base_model": "SmolLM2 135M",
            "path": "/models/smol.gguf",
        },
    }
    hub = ModelInfo("hf:org/m@main", "hf", "org/m", "hf:org/m@0123abcd", metadata={})
    assert model_card_metadata(hub)["source"] == "org/m@0123abcd"
    folder = ModelInfo("hf:/models/m?gguf_file=m.gguf", "hf", "m", "sha256:1", metadata={})
    assert model_card_metadata(folder)["source"] == "/models/m/m.gguf"
    assert "display_name" not in card  # only the catalog names a model better than itself


def test_a_bundled_model_is_recorded_under_its_catalog_name() -> None:
    gguf_name = "Smollm2 135M 8k Lc100K Mix1 Ep2"  # the GGUF's general.name
    bundled = ModelInfo(
        "bundled:smollm2-135m-instruct?n_threads=1", "llamacpp", gguf_name, "sha256:2",
        chat_template="t", metadata={"architecture": "llama", "quantisation": "Q4_1"},
    )  # fmt: skip
    card = model_card_metadata(bundled)
    assert card["display_name"] == "smollm2-135m-instruct"
    assert (card["model_type"], card["quantisation"]) == ("instruction-tuned", "Q4_1")
    served = ModelInfo("openai:http://127.0.0.1:8080/v1#smol", "openai", "smol", "openai:x")
    assert model_card_metadata(served)["source"] == "http://127.0.0.1:8080/v1"


def test_results_record_their_random_baseline(tmp_path: Path) -> None:
    tasks = resolve_tasks("arithmetic_mc,arithmetic_gen")
    with Store.open(tmp_path / "ws") as store:
        mc, gen = evaluate(Model(ScriptedBackend()), tasks, EvalConfig(limit=3), store)
        stored = {r.spec.task: r.random_baseline for r in store.list_results()}
    assert (mc.result.random_baseline, gen.result.random_baseline) == (0.25, 0.0)
    assert stored == {"arithmetic_mc": 0.25, "arithmetic_gen": 0.0}


def test_an_undeclared_number_of_choices_leaves_the_baseline_unknown(shared_data: Path) -> None:
    # TruthfulQA's questions have varying numbers of choices: unknown, never guessed.
    [outcome] = evaluate(
        Model(ScriptedBackend()),
        resolve_tasks("truthfulqa_mc1"),
        EvalConfig(limit=2, data_dir=shared_data),
    )
    assert outcome.result.random_baseline is None


def test_a_group_result_has_its_members_common_baseline(shared_data: Path) -> None:
    outcomes = evaluate(
        Model(ScriptedBackend()), resolve_tasks("mmlu"), EvalConfig(limit=1, data_dir=shared_data)
    )
    assert {o.result.random_baseline for o in outcomes} == {0.25}
    assert outcomes[-1].result.spec.task == "mmlu"
    assert _common_baseline([0.25, 0.25]) == 0.25
    assert _common_baseline([0.5, 0.25]) is None
    assert _common_baseline([0.25, None]) is None


@dataclass
class CardedBackend(ScriptedBackend):
    quantisation: str = "Q4_1"

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            reference="scripted",
            backend="scripted",
            name="scripted",
            fingerprint="scripted:1",
            metadata={"architecture": "llama", "quantisation": self.quantisation},
        )


def test_the_card_is_stored_with_the_run_and_kept_current(tmp_path: Path) -> None:
    tasks = resolve_tasks("arithmetic_gen")
    no_retry = RetryPolicy(max_retries=0)
    with Store.open(tmp_path / "ws") as store:
        evaluate(Model(CardedBackend(), retry=no_retry), tasks, EvalConfig(limit=2), store)
        [first] = store.list_model_cards()
        # A rerun reuses the stored result and still brings the card up to date.
        requantised = Model(CardedBackend(quantisation="F16"), retry=no_retry)
        [reused] = evaluate(requantised, tasks, EvalConfig(limit=2), store)
        [second] = store.list_model_cards()
        evaluate(load_model("random"), resolve_tasks("arithmetic_mc"), EvalConfig(limit=2), store)
        guesser = store.list_model_cards()[1]
    assert reused.reused
    assert (first.metadata["quantisation"], first.metadata["model_type"]) == ("Q4_1", "pretrained")
    assert (second.metadata["quantisation"], second.metadata["model_type"]) == ("F16", "pretrained")
    assert guesser.metadata == {
        "has_chat_template": False,
        "model_type": "unknown",
        "backend_metadata": {"seed": "0"},
    }
