"""A workspace of one tiny task (25 two-choice questions) measured by the bundled real
model (llama.cpp) under three protocols: the whole split 0-shot, the first 20 questions
0-shot (``--limit 20``), and the first 5 questions 1-shot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalatlas.store import Store

from .boards import run, write_quiz

MODEL = "bundled:smollm2-135m-instruct"
TASK = "quiz2"
QUESTIONS = 25


@dataclass(frozen=True)
class ProtocolWorkspace:
    root: Path
    full_run: str
    limited_run: str
    one_shot_run: str


def fill_protocol_workspace(root: Path, data: Path) -> ProtocolWorkspace:
    quiz = write_quiz(data, data.parent / "tasks", 2, QUESTIONS)
    with Store.open(root) as store:
        [full] = run(store, MODEL, [quiz], data)
        [limited] = run(store, MODEL, [quiz], data, limit=20)
        [one_shot] = run(store, MODEL, [quiz], data, limit=5, num_fewshot=1)
    return ProtocolWorkspace(
        root, full.result.run_id, limited.result.run_id, one_shot.result.run_id
    )
