"""IFEval's 541 real prompts: every instruction id and kwarg is accepted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalatlas.scoring.ifeval import INSTRUCTION_IDS, build_checkers, follow_instructions

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def prompts(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data / "ifeval" / "input_data.jsonl"
    if not path.is_file():
        pytest.skip(f"IFEval prompts not found at {path}")
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_every_real_prompt_builds_its_checkers(prompts: list[dict[str, Any]]) -> None:
    assert len(prompts) == 541
    seen: set[str] = set()
    for row in prompts:
        checkers = build_checkers(row["prompt"], row["instruction_id_list"], row["kwargs"])
        assert len(checkers) == len(row["instruction_id_list"])
        seen.update(row["instruction_id_list"])
    assert len(seen) == 25
    assert seen == set(INSTRUCTION_IDS)


def test_repeating_the_request_follows_repeat_prompt(prompts: list[dict[str, Any]]) -> None:
    rows = [row for row in prompts if "combination:repeat_prompt" in row["instruction_id_list"]]
    assert rows
    for row in rows:
        position = row["instruction_id_list"].index("combination:repeat_prompt")
        request = row["kwargs"][position]["prompt_to_repeat"]
        verdict = follow_instructions(
            f"{request}\n\nHere is my answer.", row["prompt"], row["instruction_id_list"],
            row["kwargs"],
        )  # fmt: skip
        assert verdict.instructions[position].strict is True
