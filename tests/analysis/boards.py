"""Workspaces for the leaderboard tests, filled by the real runner on small task files.

``quiz<N>`` is an N-choice multiple-choice task whose right answer is always the shortest
option, so the scripted backend (which prefers the shortest continuation) knows every
answer while the random baseline guesses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evalatlas.models import Model, RetryPolicy, load_model
from evalatlas.models.base import ModelInfo
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.store import Store
from evalatlas.tasks.registry import resolve_tasks
from runner.scripted import ScriptedBackend

QUIZ = """\
task: NAME
dataset_path: local/NAME
output_type: multiple_choice
test_split: test
doc_to_text: "Q: {{question}}\\nA:"
doc_to_choice: "{{options}}"
doc_to_target: "{{gold}}"
metric_list: [{metric: acc}]
metadata: {version: 1, n_choices: CHOICES}
"""
PERPLEXITY = """\
task: prose
dataset_path: local/prose
output_type: loglikelihood_rolling
test_split: test
doc_to_target: "{{text}}"
metric_list: [{metric: word_perplexity, aggregation: weighted_perplexity}]
"""


@dataclass
class Oracle(ScriptedBackend):
    """The scripted backend under its own reference: right on every quiz question."""

    reference: str = "oracle"

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            reference=self.reference,
            backend="scripted",
            name=self.reference.title(),
            fingerprint=f"scripted:{self.reference}",
            metadata={"architecture": "llama", "parameters": "1000", "quantisation": "F32"},
        )


def write_quiz(data_dir: Path, tasks_dir: Path, n_choices: int, n_questions: int) -> Path:
    """The task file of ``quiz<n_choices>`` and its rows under ``data_dir``."""
    name = f"quiz{n_choices}"
    rows = []
    for index in range(n_questions):
        options = ["x" * (k + 2) for k in range(n_choices)]
        gold = index % n_choices
        options[gold] = "x"  # the shortest option is the right one
        rows.append({"question": f"question {index}?", "options": options, "gold": gold})
    folder = data_dir / "local" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    tasks_dir.mkdir(parents=True, exist_ok=True)
    path = tasks_dir / f"{name}.yaml"
    path.write_text(QUIZ.replace("NAME", name).replace("CHOICES", str(n_choices)))
    return path


def write_prose(data_dir: Path, tasks_dir: Path) -> Path:
    """A perplexity task (lower is better) over three short documents."""
    folder = data_dir / "local" / "prose"
    folder.mkdir(parents=True, exist_ok=True)
    texts = ["one two three", "four five", "six seven eight nine"]
    (folder / "test.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    path = tasks_dir / "prose.yaml"
    path.write_text(PERPLEXITY)
    return path


def run(
    store: Store,
    model: str | ScriptedBackend,
    tasks: list[Path] | str,
    data_dir: Path,
    *,
    limit: int | None = None,
    num_fewshot: int | None = None,
) -> list[TaskOutcome]:
    """Evaluate ``model`` (a reference or a scripted backend) on ``tasks`` into ``store``."""
    loaded = (
        load_model(model)
        if isinstance(model, str)
        else Model(model, retry=RetryPolicy(max_retries=0))
    )
    names = tasks if isinstance(tasks, str) else [str(path) for path in tasks]
    config = EvalConfig(data_dir=data_dir, limit=limit, num_fewshot=num_fewshot)
    return evaluate(loaded, resolve_tasks(names), config, store)
