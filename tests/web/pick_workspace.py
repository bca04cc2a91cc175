"""A workspace holding a real pick report: ``evalatlas pick`` run by the CLI on a small
multiple-choice file with two random baselines (different seeds) and a candidate that
does not exist, so the report has ranked, tied and failed candidates in seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QUESTIONS = [
    (f"Question: Which of these is number {i}?\nAnswer:", [str(i), str(i + 1), str(i + 2)])
    for i in range(10)
]


def fill_pick_workspace(root: Path) -> str:
    """Run a pick into ``root``; the report id."""
    root.mkdir(parents=True, exist_ok=True)
    examples = root.parent / "examples.jsonl"
    examples.write_text(
        "".join(
            json.dumps({"prompt": prompt, "choices": choices, "answer": choices[0]}) + "\n"
            for prompt, choices in QUESTIONS
        ),
        encoding="utf-8",
    )
    models = ["-m", "random", "-m", "random?seed=1", "-m", "bundled:no-such-model"]
    command = [sys.executable, "-m", "evalatlas", "pick", "-e", str(examples), *models]
    done = subprocess.run(
        [*command, "--json", "--workspace", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
        check=True,
    )
    report_id: str = json.loads(done.stdout)["report_id"]
    return report_id
