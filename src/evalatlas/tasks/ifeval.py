"""IFEval (Zhou et al. 2023) as the Open LLM Leaderboard v2 ran it (``leaderboard_ifeval``).

541 prompts, each carrying one to three verifiable instructions ("no commas", "at least
300 words"). The prompt is generated as it is, 0-shot, greedy, up to 1280 tokens, with
no stop string (a chat model stops at its end of turn). The response is graded by
``IFEvalScorer`` (``evalatlas.tasks.scorers.ifeval``), strictly and loosely, into four
metrics.

A sample's id is the data set's ``key``, so pre-generated answers keyed by it (or by the
exact prompt) score through the ``responses`` backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalatlas.data import Sample
from evalatlas.errors import DataError
from evalatlas.scoring import IFEVAL_METRICS
from evalatlas.tasks.config import parse_task_config
from evalatlas.tasks.scorers.generation import GenerationSettings
from evalatlas.tasks.scorers.ifeval import IFEvalScorer
from evalatlas.tasks.task import TaskData, first_duplicate_id
from evalatlas.tasks.yaml_task import YamlTask

TASK_NAME = "ifeval"
# lm-evaluation-harness's leaderboard_ifeval, but reading Google's own copy of the prompts.
IFEVAL_DEFINITION: dict[str, Any] = {
    "task": TASK_NAME,
    "dataset_path": "google/IFEval",
    "output_type": "generate_until",
    "test_split": "train",
    "num_fewshot": 0,
    "fewshot_config": {"sampler": "first_n"},
    "doc_to_text": "prompt",
    # Shown as the sample's "gold": the instructions the response is graded against.
    "doc_to_target": "{{ instruction_id_list | join(', ') }}",
    "generation_kwargs": {
        "until": [],
        "do_sample": False,
        "temperature": 0.0,
        "max_gen_toks": 1280,
    },
    "local_data": {"test": "ifeval/input_data.jsonl", "format": "jsonl"},
    "metadata": {
        "version": 2.0,
        "description": "IFEval: 541 prompts with verifiable instructions, generation graded by"
        " rule (prompt- and instruction-level, strict and loose)",
    },
}


class IFEvalTask(YamlTask):
    """The ``ifeval`` task: a task definition graded by ``IFEvalScorer``, its samples
    keyed by the data set's ``key``."""

    def __init__(self) -> None:
        origin = f"<built-in task {TASK_NAME}>"
        config = parse_task_config(IFEVAL_DEFINITION, origin)
        scorer = IFEvalScorer(GenerationSettings.from_config(config))
        super().__init__(config, origin=origin, scorer=scorer)

    def _hash_extra(self) -> dict[str, Any]:
        return {"metrics": list(IFEVAL_METRICS), "scorer": "evalatlas.scoring.ifeval"}

    # -- rows -> samples ----------------------------------------------------------------

    def load(self, data_dir: Path | None, limit: int | None) -> TaskData:
        data = super().load(data_dir, limit)
        for group in (data.samples, data.fewshot_pool):
            _check_unique_ids(group, data.source)
        return data

    def make_sample(self, row: Mapping[str, Any], sample_id: str) -> Sample:
        """A sample whose id is the row's ``key`` (its instructions are checked by the
        scorer as the sample is made)."""
        return super().make_sample(row, _row_key(row, sample_id))


def _row_key(row: Mapping[str, Any], position: str) -> str:
    key = row.get("key")
    if isinstance(key, bool) or not isinstance(key, int | str) or str(key).strip() == "":
        fields = ", ".join(map(str, row)) or "none"
        raise DataError(
            f"task {TASK_NAME}, row {position}: field 'key' must be an integer or a string"
            f" naming the prompt, got {key!r} (fields: {fields})"
        )
    return str(key)


def _check_unique_ids(samples: Sequence[Sample], source: str) -> None:
    duplicate = first_duplicate_id(samples)
    if duplicate is not None:
        raise DataError(
            f"task {TASK_NAME}: key {duplicate} names two prompts in {source};"
            " every prompt needs its own key"
        )
