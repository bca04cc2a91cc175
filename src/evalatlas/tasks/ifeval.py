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

from typing import Any

from evalatlas.tasks.row_rules import RowIds, RowRules
from evalatlas.tasks.scorers.generation import GenerationSettings
from evalatlas.tasks.scorers.ifeval import IFEvalScorer
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
IFEVAL_ROWS = RowRules(
    ids=RowIds("key", "an integer or a string naming the prompt", "prompt", required=True)
)


def ifeval_task() -> YamlTask:
    """The ``ifeval`` task: its definition graded by ``IFEvalScorer``, its samples keyed
    by the data set's ``key``."""
    return YamlTask.builtin(
        IFEVAL_DEFINITION,
        lambda config: IFEvalScorer(GenerationSettings.from_config(config)),
        IFEVAL_ROWS,
    )
