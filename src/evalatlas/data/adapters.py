"""Named adapters: plain Python that turns a local file layout into the hub's layout.

Task files refer to an adapter by name (``local_data: {adapter: mmlu_csv}``) so a task
reads the same fields whether its rows came from the hub or from a local copy. Task files
never carry code; new layouts get a new adapter here.

A row adapter converts each row a file format gives (JSONL, JSON, CSV, Parquet); a text
adapter parses a whole text file (``format: text``), which has no rows of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.data.fields import field_value, text_field
from evalatlas.data.files import read_document, read_rows
from evalatlas.errors import ConfigError, DataError, did_you_mean

Row = dict[str, Any]
Convert = Callable[[Mapping[str, Any], Path], Row]
Parse = Callable[[str, Path], list[Row]]


@dataclass(frozen=True)
class RowAdapter:
    """``convert`` turns each row into the hub's fields; ``rows_key`` names the key of a
    JSON file's top-level object that holds the rows (None: the file is a plain list)."""

    convert: Convert
    rows_key: str | None = None


@dataclass(frozen=True)
class TextAdapter:
    """``parse`` turns the whole text of a file into rows with the hub's fields; it raises
    ``ValueError`` naming the part of the text it cannot read."""

    parse: Parse


Adapter = RowAdapter | TextAdapter

_SPLIT_SUFFIX = re.compile(r"_(test|dev|val|validation|train)$")
_MMLU_LETTERS = "ABCD"
_MMLU_PRO_LETTERS = "ABCDEFGHIJ"


def mmlu_csv(row: Mapping[str, Any], source: Path) -> Row:
    """``question,choice0..choice3,answer`` (answer 0-3 or A-D) -> ``cais/mmlu`` fields.

    The subject comes from the file name: ``abstract_algebra_test.csv`` -> ``abstract_algebra``.
    """
    choices = [str(field_value(row, f"choice{index}")) for index in range(4)]
    return {
        "question": str(field_value(row, "question")),
        "subject": _SPLIT_SUFFIX.sub("", source.stem),
        "choices": choices,
        "answer": _mmlu_answer(field_value(row, "answer")),
    }


def _mmlu_answer(value: Any) -> int:
    text = str(value).strip()
    if len(text) == 1 and text in _MMLU_LETTERS:
        return _MMLU_LETTERS.index(text)
    if text.isdecimal() and int(text) < len(_MMLU_LETTERS):
        return int(text)
    raise ValueError(f"answer {value!r} is neither 0-3 nor A-D")


def truthfulqa_mc_json(row: Mapping[str, Any], source: Path) -> Row:
    """The original ``mc_task.json`` item -> HF ``truthful_qa`` ``multiple_choice`` fields.

    The original maps each answer text to its label (``{text: 1 or 0}``); the hub layout keeps
    two parallel lists. Dict order is the file's order, which puts the correct mc1 answer
    first, as on the hub.
    """
    return {
        "question": str(field_value(row, "question")),
        "mc1_targets": _choices_and_labels(field_value(row, "mc1_targets"), "mc1_targets"),
        "mc2_targets": _choices_and_labels(field_value(row, "mc2_targets"), "mc2_targets"),
    }


def _choices_and_labels(targets: Any, name: str) -> dict[str, list[Any]]:
    if not isinstance(targets, Mapping) or not targets:
        raise ValueError(f"{name} must be a non-empty object mapping answer text to 0 or 1")
    labels = [int(label) for label in targets.values()]
    if any(label not in (0, 1) for label in labels):
        raise ValueError(f"{name} labels must be 0 or 1")
    return {"choices": [str(text) for text in targets], "labels": labels}


def bbh_json(row: Mapping[str, Any], source: Path) -> Row:
    """One item of BIG-Bench Hard's ``<task>.json`` (rows under ``examples``) -> the fields
    of ``SaylorTwift/bbh``: ``input`` and ``target``, both text."""
    return {"input": text_field(row, "input"), "target": text_field(row, "target")}


# A BBH chain-of-thought prompt: a header (canary line, "-----", the task's description),
# then blocks "Q: <question>\nA: Let's think step by step. ... So the answer is X.", each
# after a blank line.
_COT_BLOCK_START = "\n\nQ: "
_COT_ANSWER_START = "\nA: "
_COT_FINAL_ANSWER = re.compile(r"So the answer is ([^\n]+?)\.\s*\Z")


def bbh_cot_prompt(text: str, source: Path) -> list[Row]:
    """BIG-Bench Hard's ``cot-prompts/<task>.txt`` -> its few-shot questions as rows of
    ``SaylorTwift/bbh`` (``input``, ``target``), each answered directly with the answer its
    chain of thought ends with (``So the answer is (D).`` -> ``(D)``), as the Open LLM
    Leaderboard's examples are."""
    header, *blocks = text.split(_COT_BLOCK_START)
    if not blocks:
        raise ValueError("no question block ('Q: ...' after a blank line) follows the header")
    line = header.count("\n") + 3  # the header's lines, a blank line, then "Q:"
    rows: list[Row] = []
    for number, block in enumerate(blocks, start=1):
        rows.append(_cot_question(block, f"block {number} (line {line})"))
        line += block.count("\n") + 2
    return rows


def _cot_question(block: str, where: str) -> Row:
    question, separator, reasoning = block.partition(_COT_ANSWER_START)
    if not separator:
        raise ValueError(f"{where} has no answer line ('A: ...')")
    final = _COT_FINAL_ANSWER.search(reasoning)
    if final is None:
        raise ValueError(f"{where} has no final answer: its answer must end 'So the answer is X.'")
    return {"input": question, "target": final.group(1)}


def mmlu_pro_jsonl(row: Mapping[str, Any], source: Path) -> Row:
    """An MMLU-Pro question, checked: up to 10 ``options``, ``answer_index`` within them and
    ``answer`` its letter. The layout is the hub's (``TIGER-Lab/MMLU-Pro``); every field is
    kept."""
    options = field_value(row, "options")
    if not isinstance(options, list) or not 1 <= len(options) <= len(_MMLU_PRO_LETTERS):
        raise ValueError(f"options must be a list of 1 to {len(_MMLU_PRO_LETTERS)} answers")
    index = field_value(row, "answer_index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(options):
        raise ValueError(f"answer_index {index!r} is not an index into the {len(options)} options")
    letter = _MMLU_PRO_LETTERS[index]
    if field_value(row, "answer") != letter:
        raise ValueError(f"answer {row['answer']!r} is not {letter!r}, the letter of answer_index")
    return {
        **row,
        "question": text_field(row, "question"),
        "options": [str(option) for option in options],
        "category": text_field(row, "category"),
    }


ADAPTERS: dict[str, Adapter] = {
    "mmlu_csv": RowAdapter(mmlu_csv),
    "truthfulqa_mc_json": RowAdapter(truthfulqa_mc_json),
    "bbh_json": RowAdapter(bbh_json, rows_key="examples"),
    "bbh_cot_prompt": TextAdapter(bbh_cot_prompt),
    "mmlu_pro_jsonl": RowAdapter(mmlu_pro_jsonl),
}


def get_adapter(name: str) -> Adapter:
    adapter = ADAPTERS.get(name)
    if adapter is None:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(
            f"unknown adapter {name!r} (known: {known}).{did_you_mean(name, list(ADAPTERS))}"
        )
    return adapter


def read_adapted(path: Path, file_format: str | None, name: str) -> list[Row]:
    """The rows of ``path`` read through the adapter ``name``, whichever kind it is."""
    adapter = get_adapter(name)
    if isinstance(adapter, TextAdapter):
        return parse_text(name, read_document(path, file_format), path)
    return apply_adapter(name, read_rows(path, file_format, rows_key=adapter.rows_key), path)


def parse_text(name: str, text: str, source: Path) -> list[Row]:
    """Parse a text file with the text adapter ``name``; what it cannot read is a
    ``DataError`` naming the file."""
    adapter = get_adapter(name)
    if not isinstance(adapter, TextAdapter):
        raise ConfigError(f"adapter {name} converts rows; it cannot parse a text file")
    try:
        return adapter.parse(text, source)
    except ValueError as error:
        raise DataError(f"{source}: adapter {name}: {error}") from None


def apply_adapter(name: str, rows: list[Row], source: Path) -> list[Row]:
    """Convert every row; a row the adapter cannot read is a ``DataError`` naming it."""
    adapter = get_adapter(name)
    if not isinstance(adapter, RowAdapter):
        raise ConfigError(f"adapter {name} parses a whole text file; it cannot convert rows")
    converted: list[Row] = []
    for index, row in enumerate(rows):
        try:
            converted.append(adapter.convert(row, source))
        except (ValueError, TypeError) as error:
            raise DataError(f"{source}: row {index + 1}: adapter {name}: {error}") from None
    return converted
