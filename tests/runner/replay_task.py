"""A tiny multiple-choice task file (with an ``include``) and its local data, for replays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = """
output_type: multiple_choice
test_split: test
doc_to_text: "Question: What is the capital of {{country}}?\\nAnswer:"
doc_to_choice: "{{choices}}"
doc_to_target: "{{answer}}"
metric_list: [{metric: acc}]
"""

TASK = """
include: _capitals_template.yaml
task: replay_capitals
dataset_path: capitals
"""

ROWS = [
    ("France", ["Paris", "Lyon", "Nice"], 0),
    ("Japan", ["Osaka", "Tokyo", "Kyoto"], 1),
    ("Italy", ["Milan", "Naples", "Rome"], 2),
    ("Spain", ["Madrid", "Seville", "Valencia"], 0),
]


@dataclass(frozen=True)
class TinyTask:
    task_file: Path
    data_dir: Path
    data_file: Path


def write_tiny_task(folder: Path) -> TinyTask:
    """The task file, its template and ``data/capitals/test.jsonl`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_capitals_template.yaml").write_text(TEMPLATE, encoding="utf-8")
    task_file = folder / "capitals.yaml"
    task_file.write_text(TASK, encoding="utf-8")
    data_file = folder / "data" / "capitals" / "test.jsonl"
    data_file.parent.mkdir(parents=True)
    lines = [json.dumps({"country": c, "choices": ch, "answer": a}) for c, ch, a in ROWS]
    data_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TinyTask(task_file, folder / "data", data_file)
