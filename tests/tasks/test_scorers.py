"""Scorers: a task's output type picks one when the task is built, and the task delegates."""

from __future__ import annotations

from typing import Any

import pytest

from evalatlas.errors import ConfigError
from evalatlas.requests import RequestKind
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.tasks import ConfigTask, YamlTask, parse_task_config, resolve_tasks
from evalatlas.tasks.scorers import (
    ChoiceLoglikelihoodScorer,
    ExactMatchScorer,
    IFEvalScorer,
    MathAnswerScorer,
    PerplexityScorer,
    Scorer,
    scorer_for,
)


def _task(name: str) -> ConfigTask:
    [task] = resolve_tasks(name)
    assert isinstance(task, ConfigTask)
    return task


@pytest.mark.parametrize(
    ("name", "scorer_class", "kind"),
    [
        ("arithmetic_mc", ChoiceLoglikelihoodScorer, RequestKind.LOGLIKELIHOOD),
        ("arithmetic_gen", ExactMatchScorer, RequestKind.GENERATE),
        ("ifeval", IFEvalScorer, RequestKind.GENERATE),
        ("math_hard_algebra", MathAnswerScorer, RequestKind.GENERATE),
    ],
)
def test_a_task_delegates_to_the_scorer_of_its_output_type(
    name: str, scorer_class: type[Scorer], kind: RequestKind
) -> None:
    task = _task(name)
    assert type(task.scorer) is scorer_class
    assert task.output_type == kind == task.scorer.kind
    assert task.metric_names() == task.scorer.metric_names()
    assert task.scorer_identity() == task.scorer.identity


def test_rolling_log_likelihood_picks_the_perplexity_scorer() -> None:
    config = parse_task_config(
        {
            "task": "tiny_ppl",
            "output_type": "loglikelihood_rolling",
            "doc_to_target": "text",
            "metric_list": [{"metric": "bits_per_byte"}],
        },
        "<test>",
    )
    scorer = scorer_for(config)
    assert isinstance(scorer, PerplexityScorer)
    assert scorer.metric_names() == ["bits_per_byte"]
    assert not scorer.higher_is_better("bits_per_byte")
    assert scorer.random_baseline(None) is None


def test_identities_are_equal_exactly_when_the_settings_are() -> None:
    first, again = _task("arithmetic_mc"), _task("arithmetic_mc")
    assert first.scorer_identity() == again.scorer_identity()
    assert len({first.scorer_identity(), again.scorer_identity()}) == 1  # hashable
    # Two subjects graded alike share an identity; another grading does not.
    algebra = _task("math_hard_algebra").scorer_identity()
    assert algebra == _task("math_hard_geometry").scorer_identity()
    assert algebra.name == "math_answer_equivalence"
    assert algebra != _task("arithmetic_gen").scorer_identity()
    generated = _task("arithmetic_gen").scorer_identity()
    assert generated.name == "exact_match"
    assert generated.settings["generation"] == {
        "until": ["\n", "Question:"],
        "max_tokens": 16,
        "temperature": 0.0,
    }
    assert [entry["name"] for entry in generated.settings["filters"]] == ["last-number"]


def test_an_identity_records_its_settings_whatever_their_order() -> None:
    settings: dict[str, Any] = {"b": [1, 2], "a": {"k": "v"}}
    identity = ScorerIdentity.of("letters", settings)
    assert identity == ScorerIdentity.of("letters", dict(reversed(list(settings.items()))))
    assert identity != ScorerIdentity.of("letters", {"b": [1, 2]})
    assert identity.as_record() == {"name": "letters", "settings": settings}


def test_metric_changes_change_the_choice_scorer_identity() -> None:
    def identity(metrics: list[dict[str, Any]]) -> ScorerIdentity:
        raw = {
            "task": "mc",
            "output_type": "multiple_choice",
            "doc_to_text": "q",
            "doc_to_target": "label",
            "doc_to_choice": "choices",
            "metric_list": metrics,
        }
        return scorer_for(parse_task_config(raw, "<test>")).identity

    assert identity([{"metric": "acc"}]) == identity([{"metric": "acc"}])
    assert identity([{"metric": "acc"}]) != identity([{"metric": "acc"}, {"metric": "acc_norm"}])


def test_a_scorer_of_another_output_type_is_refused() -> None:
    raw = {
        "task": "gen",
        "dataset_path": "local/gen",
        "test_split": "test",
        "output_type": "generate_until",
        "doc_to_text": "q",
        "doc_to_target": "a",
    }
    config = parse_task_config(raw, "<test>")
    wrong = ChoiceLoglikelihoodScorer(config.metrics(), " ")
    with pytest.raises(ConfigError, match="answers multiple_choice, but the task's output_type"):
        YamlTask(config, origin="<test>", scorer=wrong)
