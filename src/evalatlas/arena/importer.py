"""Read battle logs: the public Chatbot Arena format and a simple CSV.

- JSON (an array of objects) or JSON Lines, one battle per object: ``model_a``,
  ``model_b``, ``winner`` ∈ {model_a, model_b, tie, tie (bothbad)}; optional ``turn``,
  ``language``, ``category``, ``judge`` (the voter), ``question_id`` and ``conv_metadata``
  (answer token counts and markdown counts, used for style control).
- CSV with a header naming ``left``, ``right``, ``winner`` ∈ {left, right, tie, both_bad}
  and optionally ``category`` and ``voter``.

The whole file is read and checked before anything is stored; the first bad row stops the
import with its line number. A battle's id is a hash of its row (and of how many identical
rows came before it), so importing a file again adds nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.errors import DataError
from evalatlas.store import BattleSource, NewBattle, VoteRequest, VoteSource

ARENA_WINNERS = {"model_a": "A", "model_b": "B", "tie": "TIE", "tie (bothbad)": "BOTH_BAD"}
CSV_WINNERS = {
    "left": "A",
    "right": "B",
    "tie": "TIE",
    "both_bad": "BOTH_BAD",
    "bothbad": "BOTH_BAD",
}
CSV_COLUMNS = ("left", "right", "winner")


@dataclass(frozen=True)
class ImportedBattles:
    battles: list[NewBattle]
    votes: list[VoteRequest]

    @property
    def models(self) -> set[str]:
        return {b.model_a for b in self.battles} | {b.model_b for b in self.battles}


def read_battle_log(path: Path) -> ImportedBattles:
    """Every battle of ``path`` with its vote; DataError naming the line of a bad row."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the battle log ({exc}); check the path") from exc
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _json_rows(path, text)
    seen: Counter[str] = Counter()
    battles: list[NewBattle] = []
    votes: list[VoteRequest] = []
    for line, row, is_csv in rows:
        battle, vote = (_csv_battle if is_csv else _arena_battle)(path, line, row, seen)
        battles.append(battle)
        votes.append(vote)
    if not battles:
        raise DataError(f"{path}: the file holds no battles; check that it is a battle log")
    imported = ImportedBattles(battles, votes)
    if len(imported.models) < 2:
        raise DataError(f"{path}: every battle names the same model; ratings need two or more")
    return imported


def _json_rows(path: Path, text: str) -> Iterator[tuple[int, Any, bool]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from ((line, row, False) for line, row in _array_items(path, text))
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            try:
                yield number, json.loads(raw), False
            except json.JSONDecodeError as exc:
                raise DataError(f"{path} line {number}: not valid JSON ({exc.msg})") from exc


def _array_items(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """The items of a top-level JSON array with the line each one starts on."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    # Lines are counted incrementally: counting from the start for every item would make
    # a large log quadratic.
    line, counted_to = 1, 0
    while True:
        position = _skip_space(text, position)
        line += text.count("\n", counted_to, position)
        counted_to = position
        if position < len(text) and text[position] == "]":
            return
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from exc
        yield line, item
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position += 1
        elif position >= len(text) or text[position] != "]":
            line += text.count("\n", counted_to, position)
            raise DataError(f"{path} line {line}: expected ',' or ']' between battles")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, Any, bool]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise DataError(
            f"{path} line 1: the header lacks {', '.join(missing)}; "
            "a CSV battle log needs the columns left,right,winner"
        )
    reader.fieldnames = header
    for row in reader:
        yield reader.line_num, row, True


def _arena_battle(
    path: Path, line: int, row: Any, seen: Counter[str]
) -> tuple[NewBattle, VoteRequest]:
    if not isinstance(row, Mapping):
        raise DataError(f"{path} line {line}: a battle must be a JSON object")
    model_a = _name(path, line, row, "model_a")
    model_b = _name(path, line, row, "model_b")
    winner = row.get("winner")
    if winner not in ARENA_WINNERS:
        raise DataError(
            f"{path} line {line}: field 'winner' is {winner!r}; "
            "use model_a, model_b, tie or tie (bothbad)"
        )
    voter = str(row.get("judge") or f"import:{path.name}")[:128]
    style_a, style_b = _conv_style(path, line, row.get("conv_metadata"))
    battle = NewBattle(
        id=_battle_id(row, seen),
        source=BattleSource.IMPORT,
        created_by=voter,
        prompt=str(row.get("prompt") or ""),
        model_a=model_a,
        model_b=model_b,
        category=_optional_text(path, line, row, "category", 128),
        language=_optional_text(path, line, row, "language", 64),
        turn=_optional_turn(path, line, row),
        style_a=style_a,
        style_b=style_b,
    )
    return battle, VoteRequest(battle.id, ARENA_WINNERS[winner], voter, VoteSource.HUMAN)


def _csv_battle(
    path: Path, line: int, row: dict[str, Any], seen: Counter[str]
) -> tuple[NewBattle, VoteRequest]:
    model_a = _name(path, line, row, "left")
    model_b = _name(path, line, row, "right")
    winner = str(row.get("winner") or "").strip().lower()
    if winner not in CSV_WINNERS:
        raise DataError(
            f"{path} line {line}: column 'winner' is {winner!r}; use left, right, tie or both_bad"
        )
    voter = str(row.get("voter") or f"import:{path.name}")[:128]
    battle = NewBattle(
        id=_battle_id(row, seen),
        source=BattleSource.IMPORT,
        created_by=voter,
        prompt="",
        model_a=model_a,
        model_b=model_b,
        category=_optional_text(path, line, row, "category", 128),
    )
    return battle, VoteRequest(battle.id, CSV_WINNERS[winner], voter, VoteSource.HUMAN)


def _name(path: Path, line: int, row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{path} line {line}: field {field!r} is missing or empty; name a model")
    name = value.strip()
    if len(name) > 1024:
        raise DataError(f"{path} line {line}: field {field!r} is longer than 1024 characters")
    other = {"model_a": "model_b", "left": "right"}.get(field)
    if other is not None and str(row.get(other) or "").strip() == name:
        raise DataError(f"{path} line {line}: model {name!r} battles itself; drop that row")
    return name


def _optional_text(
    path: Path, line: int, row: Mapping[str, Any], field: str, limit: int
) -> str | None:
    value = row.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise DataError(
            f"{path} line {line}: field {field!r} must be text of at most {limit} characters"
        )
    return value


def _optional_turn(path: Path, line: int, row: Mapping[str, Any]) -> int | None:
    value = row.get("turn")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"{path} line {line}: field 'turn' must be a positive whole number")
    return value


def _conv_style(
    path: Path, line: int, metadata: Any
) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """Style counts from Chatbot Arena's ``conv_metadata``, or (None, None) without it."""
    if metadata is None:
        return None, None
    try:
        return _side_style(metadata, "a"), _side_style(metadata, "b")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(
            f"{path} line {line}: field 'conv_metadata' lacks a usable {exc} count; "
            "fix it or drop conv_metadata"
        ) from exc


def _side_style(metadata: Mapping[str, Any], side: str) -> dict[str, float]:
    def total(field: str) -> float:
        value = metadata[f"{field}_{side}"]
        numbers = value.values() if isinstance(value, Mapping) else [value]
        result = sum(float(number) for number in numbers)
        if result < 0:
            raise ValueError(field)
        return result

    return {
        "length": _tokens(metadata, side),
        "headers": total("header_count"),
        "lists": total("list_count"),
        "bold": total("bold_count"),
    }


def _tokens(metadata: Mapping[str, Any], side: str) -> float:
    value = float(metadata[f"sum_assistant_{side}_tokens"])
    if value < 0:
        raise ValueError("sum_assistant_tokens")
    return value


def _battle_id(row: Mapping[str, Any], seen: Counter[str]) -> str:
    canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    seen[canonical] += 1
    digest = hashlib.sha256(f"{canonical}#{seen[canonical]}".encode()).hexdigest()
    return f"import-{digest[:40]}"
