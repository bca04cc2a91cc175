"""Reading the JSONL files judges work on: questions, model answers, human votes.

Layouts read (those FastChat's llm_judge and Arena-Hard publish, plus a plain one):

- questions: ``{"question_id", "category"?, "cluster"?, "turns": [str | {"content": str}]}``;
- answers: ``{"question_id", "model_id", "choices": [{"turns": [str | {"content"}]}]}``, or
  plain ``{"question_id", "model"?, "answer": str | "turns": [...], "prompt"?: str}``;
- human votes (MT-Bench human judgments, arena logs): ``{"question_id", "turn"?,
  "model_a", "model_b", "winner": "model_a" | "model_b" | "tie" | "tie (bothbad)"}``.

Question ids are kept as strings (MT-Bench numbers them, Arena-Hard uses hex ids).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.errors import DataError
from evalatlas.judge.audit import HumanVote
from evalatlas.outcomes import OUTCOME_OF_ARENA_WINNER


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSONL file; DataError naming the file and line otherwise."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def turn_texts(turns: Any, where: str) -> tuple[str, ...]:
    """Turns as strings, from a list of strings or of ``{"content": str}`` objects."""
    if not isinstance(turns, list) or not turns:
        raise DataError(f"{where}: 'turns' must be a non-empty list")
    texts = []
    for turn in turns:
        text = turn.get("content") if isinstance(turn, dict) else turn
        if not isinstance(text, str):
            raise DataError(f"{where}: each turn must be a string or {{'content': string}}")
        texts.append(text)
    return tuple(texts)


@dataclass(frozen=True)
class Question:
    question_id: str
    category: str | None
    turns: tuple[str, ...]


def read_questions(path: Path) -> list[Question]:
    questions = []
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}:{number}"
        if "question_id" not in row:
            raise DataError(f"{where}: a question needs 'question_id'")
        category = row.get("category")
        questions.append(
            Question(
                str(row["question_id"]),
                None if category is None else str(category),
                turn_texts(row.get("turns"), where),
            )
        )
    return questions


@dataclass(frozen=True)
class AnswerSet:
    """One model's answers (one text per turn) and, when the file holds them, the prompts."""

    model: str
    answers: dict[str, tuple[str, ...]]
    prompts: dict[str, tuple[str, ...]]


def read_answers(path: Path, model: str | None = None) -> AnswerSet:
    """A model's answer file; the model is named by ``model``, the rows' ``model_id`` or
    ``model`` field, or else the file name."""
    answers: dict[str, tuple[str, ...]] = {}
    prompts: dict[str, tuple[str, ...]] = {}
    names: set[str] = set()
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}:{number}"
        if "question_id" not in row:
            raise DataError(f"{where}: an answer needs 'question_id'")
        question_id = str(row["question_id"])
        answers[question_id] = _answer_turns(row, where)
        if isinstance(row.get("prompt"), str):
            prompts[question_id] = (row["prompt"],)
        name = row.get("model_id", row.get("model"))
        if isinstance(name, str):
            names.add(name)
    if model is None and len(names) > 1:
        raise DataError(f"{path}: answers of several models ({', '.join(sorted(names))})")
    chosen = model or (names.pop() if names else path.stem)
    return AnswerSet(chosen, answers, prompts)


def _answer_turns(row: dict[str, Any], where: str) -> tuple[str, ...]:
    if "choices" in row:
        choices = row["choices"]
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise DataError(f"{where}: 'choices' must be a list of {{'turns': [...]}}")
        return turn_texts(choices[0].get("turns"), where)
    if isinstance(row.get("answer"), str):
        return (row["answer"],)
    if "turns" in row:
        return turn_texts(row["turns"], where)
    raise DataError(f"{where}: an answer needs 'choices', 'answer' or 'turns'")


def read_human_votes(path: Path) -> list[HumanVote]:
    votes = []
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}:{number}"
        winner = row.get("winner")
        if winner not in OUTCOME_OF_ARENA_WINNER:
            raise DataError(
                f"{where}: 'winner' must be one of {', '.join(OUTCOME_OF_ARENA_WINNER)}"
            )
        try:
            votes.append(
                HumanVote(
                    str(row["question_id"]),
                    int(row.get("turn", 1)),
                    str(row["model_a"]),
                    str(row["model_b"]),
                    OUTCOME_OF_ARENA_WINNER[winner],
                )
            )
        except (KeyError, TypeError, ValueError):
            raise DataError(
                f"{where}: a human vote needs question_id, model_a, model_b and an integer turn"
            ) from None
    return votes
