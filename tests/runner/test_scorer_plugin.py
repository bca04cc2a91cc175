"""A new way of scoring is one scorer class handed to a task: the runner runs it as it is,
records its identity on the eval card, and keeps stored results reusable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evalatlas.data import Sample
from evalatlas.models import Model, RetryPolicy
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.groups import shared_scorer
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.store.records import EvalSpec
from evalatlas.store.workspace import Store
from evalatlas.tasks import SampleOutcome, YamlTask, parse_task_config
from evalatlas.tasks.scorers import GenerationScorer, GenerationSettings

from .scripted import ScriptedBackend

LETTERS = "ABCD"


class LetterScorer(GenerationScorer):
    """Letters by generation: the first letter A-D the model writes names its choice."""

    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of("letters_by_generation", self.identity_settings())

    def metric_names(self) -> list[str]:
        return ["acc_letter"]

    def higher_is_better(self, metric: str) -> bool:
        return True

    def random_baseline(self, n_choices: int | None) -> float | None:
        return 1.0 / n_choices if n_choices else None

    def target(self, value: Any, choices: tuple[str, ...], where: str) -> Any:
        return value  # the index of the correct choice, compared as a letter

    def grade(self, text: str, sample: Sample) -> SampleOutcome:
        found = re.search(r"\b([A-D])\b", text)
        letter = found.group(1) if found else None
        gold = LETTERS[int(sample.target)] if isinstance(sample.target, int) else None
        return SampleOutcome({"acc_letter": float(letter == gold)}, letter)


DEFINITION: dict[str, Any] = {
    "task": "letters",
    "dataset_path": "local/letters",
    "test_split": "test",
    "output_type": "generate_until",
    "doc_to_text": "{{question}}",
    "doc_to_choice": "choices",
    "doc_to_target": "label",
    "generation_kwargs": {"until": ["\n"], "max_gen_toks": 4},
    "metadata": {"version": 1, "n_choices": 4},
}


def _letters_task(data_dir: Path) -> YamlTask:
    folder = data_dir / "local/letters"
    folder.mkdir(parents=True)
    rows = [
        {"question": f"Question {i}?", "choices": ["w", "x", "y", "z"], "label": label}
        for i, label in enumerate((1, 1, 0, 2))
    ]
    (folder / "test.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    config = parse_task_config(DEFINITION, "<letters>")
    scorer = LetterScorer(GenerationSettings.from_config(config))
    return YamlTask(config, origin="<letters>", scorer=scorer)


def test_a_new_scorer_runs_through_the_runner_and_is_on_the_card(tmp_path: Path) -> None:
    task = _letters_task(tmp_path)
    model = Model(ScriptedBackend(generation="B) since"), retry=RetryPolicy(max_retries=0))
    config = EvalConfig(data_dir=tmp_path)
    with Store.open(tmp_path / "ws") as store:
        [outcome] = evaluate(model, [task], config, store)
        result = outcome.result
        assert [metric.name for metric in result.metrics] == ["acc_letter"]
        assert result.metric("acc_letter").value == pytest.approx(0.5)  # type: ignore[union-attr]
        assert result.random_baseline == pytest.approx(0.25)
        assert [record.extracted for record in outcome.samples] == ["B"] * 4
        card = result.spec.scorer
        assert card == {
            "name": "letters_by_generation",
            "settings": {"generation": {"until": ["\n"], "max_tokens": 4, "temperature": 0.0}},
        }
        [again] = evaluate(model, [task], config, store)
        assert again.reused and again.result.spec.scorer == card


def _spec() -> EvalSpec:
    return EvalSpec(
        model_reference="m",
        model_name="m",
        model_fingerprint="f",
        backend="scripted",
        task="t",
        task_version="1",
        task_hash="h",
        data_fingerprint="d",
        num_fewshot=0,
        fewshot_seed=1234,
    )


def test_the_scorer_is_recorded_but_not_hashed() -> None:
    spec = _spec()
    scored = spec.model_copy(update={"scorer": {"name": "exact_match", "settings": {}}})
    # A result stored before scorers were recorded has the same hash, so it is reused.
    assert scored.spec_hash() == spec.spec_hash()
    stored = json.loads(spec.model_dump_json())
    del stored["scorer"]
    assert EvalSpec.model_validate(stored).spec_hash() == scored.spec_hash()


def test_a_group_names_its_members_scorer_only_when_they_share_one() -> None:
    exact = {"name": "exact_match", "settings": {}}
    math = {"name": "math_answer_equivalence", "settings": {}}
    alike = [_spec().model_copy(update={"scorer": exact}) for _ in range(2)]
    assert shared_scorer(alike) == exact
    assert shared_scorer([*alike, _spec().model_copy(update={"scorer": math})]) is None
