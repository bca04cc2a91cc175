"""A user's own examples (JSONL or CSV) read, checked and classified for ``pick``.

One file holds one kind of example, told by its columns:

- ``prompt`` + ``answer``: a reference answer, graded on the generated text;
- ``prompt`` + ``choices`` + ``answer``: multiple choice (``answer`` is the text of one
  choice), scored by log-likelihood;
- ``prompt`` alone: open prompts, compared by preference.

Every problem is reported with the file and line it is on: a mix of kinds, an empty
prompt, a prompt given twice, text that is not UTF-8, more rows than allowed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from evalatlas.data.files import jsonl_rows
from evalatlas.errors import ConfigError, DataError

DEFAULT_MAX_EXAMPLES = 2000
KNOWN_COLUMNS = ("prompt", "answer", "choices")
# In a CSV cell, choices are a JSON list or texts separated by this.
CSV_CHOICE_SEPARATOR = " | "


class ExampleMode(StrEnum):
    REFERENCE = "reference"
    MULTIPLE_CHOICE = "multiple_choice"
    PREFERENCE = "preference"


@dataclass(frozen=True)
class Examples:
    """Checked examples: their kind, rows (``prompt``, and ``answer``/``choices`` as the
    kind has them), and the sha256 of the rows as read (what identifies the task)."""

    path: Path
    mode: ExampleMode
    rows: tuple[Mapping[str, Any], ...]
    sha256: str

    @property
    def n(self) -> int:
        return len(self.rows)


def read_examples(path: Path, max_examples: int = DEFAULT_MAX_EXAMPLES) -> Examples:
    """The examples in ``path`` (``.jsonl`` or ``.csv``); DataError names what is wrong."""
    if max_examples < 1:
        raise ConfigError(f"--max-examples must be at least 1, got {max_examples}")
    text = _utf8_text(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        lines = jsonl_rows(text, path)
    elif suffix == ".csv":
        lines = _csv_rows(path, text)
    else:
        raise DataError(f"{path}: examples must be a .jsonl or .csv file, got {suffix or 'none'!r}")
    if not lines:
        raise DataError(f"{path}: no examples; give one example per line")
    if len(lines) > max_examples:
        raise DataError(
            f"{path}: {len(lines)} examples, more than the limit of {max_examples};"
            " use fewer or raise --max-examples"
        )
    mode = _mode(path, lines)
    rows = tuple(_checked_row(path, line, row, mode) for line, row in lines)
    _check_unique_prompts(path, [(line, row) for (line, _), row in zip(lines, rows, strict=True)])
    canonical = json.dumps([dict(row) for row in rows], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Examples(path, mode, rows, digest)


def _utf8_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such examples file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read the examples ({error.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: not UTF-8 text (byte {raw[error.start]:#04x});"
            " save the file as UTF-8"
        ) from None


Numbered = list[tuple[int, dict[str, Any]]]


def _csv_rows(path: Path, text: str) -> Numbered:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return []
    rows: Numbered = []
    for row in reader:
        # A cell left empty is a column this row does not have.
        present = {key: value for key, value in row.items() if key and value not in ("", None)}
        if present:
            rows.append((reader.line_num, present))
    return rows


def _mode(path: Path, lines: Numbered) -> ExampleMode:
    first_line, first = lines[0]
    _check_columns(path, first_line, first)
    mode = _mode_of(path, first_line, first)
    for line, row in lines[1:]:
        _check_columns(path, line, row)
        other = _mode_of(path, line, row)
        if other != mode:
            raise DataError(
                f"{path}, line {line}: a {other} example, but line {first_line} is a {mode}"
                " example; one file holds one kind (prompt+answer, prompt+choices+answer,"
                " or prompt only)"
            )
    return mode


def _check_columns(path: Path, line: int, row: Mapping[str, Any]) -> None:
    unknown = [key for key in row if key not in KNOWN_COLUMNS]
    if unknown:
        raise DataError(
            f"{path}, line {line}: unknown column {unknown[0]!r}; columns are"
            f" {', '.join(KNOWN_COLUMNS)}"
        )
    if "prompt" not in row:
        raise DataError(f"{path}, line {line}: no prompt; every example needs a 'prompt'")


def _mode_of(path: Path, line: int, row: Mapping[str, Any]) -> ExampleMode:
    if "choices" in row:
        if "answer" not in row:
            raise DataError(f"{path}, line {line}: choices without an answer; add 'answer'")
        return ExampleMode.MULTIPLE_CHOICE
    return ExampleMode.REFERENCE if "answer" in row else ExampleMode.PREFERENCE


def _checked_row(
    path: Path, line: int, row: Mapping[str, Any], mode: ExampleMode
) -> dict[str, Any]:
    where = f"{path}, line {line}"
    prompt = row["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        raise DataError(f"{where}: empty prompt; every example needs prompt text")
    checked: dict[str, Any] = {"prompt": prompt}
    if mode == ExampleMode.REFERENCE:
        checked["answer"] = _answer_text(where, row["answer"])
    elif mode == ExampleMode.MULTIPLE_CHOICE:
        choices = _choices(where, row["choices"])
        answer = _answer_text(where, row["answer"])
        if answer not in choices:
            raise DataError(
                f"{where}: answer {answer!r} is not one of the choices; give the text of the"
                " right choice"
            )
        checked.update(choices=choices, label=choices.index(answer))
    return checked


def _answer_text(where: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DataError(f"{where}: answer must be text or a number, got {type(value).__name__}")
    text = str(value)
    if not text.strip():
        raise DataError(f"{where}: empty answer")
    return text


def _choices(where: str, value: Any) -> list[str]:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                raise DataError(f"{where}: choices are not a valid JSON list") from None
        else:
            value = [part.strip() for part in value.split(CSV_CHOICE_SEPARATOR.strip())]
    if not isinstance(value, list) or len(value) < 2:
        raise DataError(f"{where}: choices must be a list of at least two texts")
    choices = [str(choice) for choice in value]
    if any(not choice.strip() for choice in choices):
        raise DataError(f"{where}: an empty choice; every choice needs text")
    if len(set(choices)) != len(choices):
        raise DataError(f"{where}: the same choice twice; choices must differ")
    return choices


def _check_unique_prompts(path: Path, rows: list[tuple[int, Mapping[str, Any]]]) -> None:
    seen: dict[str, int] = {}
    for line, row in rows:
        key = " ".join(str(row["prompt"]).split())
        if key in seen:
            raise DataError(
                f"{path}, line {line}: the same prompt as line {seen[key]};"
                " each example must ask something different"
            )
        seen[key] = line
