"""Read battle logs: the public Chatbot Arena format and a simple CSV.

- JSON (an array of objects) or JSON Lines, one battle per object: ``model_a``,
  ``model_b``, ``winner`` ∈ {model_a, model_b, tie, tie (bothbad)}; optional ``turn``,
  ``language``, ``category``, ``judge`` (the voter), ``question_id`` and ``conv_metadata``
  (answer token counts and markdown counts, used for style control).
- CSV with a header naming ``left``, ``right``, ``winner`` ∈ {left, right, tie, both_bad}
  and optionally ``category`` and ``voter``.

Files are streamed, never read whole: a JSON array is decoded item by item from a buffer
that is refilled in chunks, JSON Lines line by line, CSV row by row. An import
(``import_battle_log``) reads the file twice: a first pass checks every row (the first bad
row stops it with its line number, before anything is stored), a second stores the
battles in chunks inside one transaction. Memory stays bounded by a chunk of battles and
the count of each distinct row seen. A battle's id is a hash of its row (and of how many
identical rows came before it), so importing a file again adds nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from evalatlas.arena.exporter import CSV_WINNER_OF
from evalatlas.errors import DataError
from evalatlas.outcomes import OUTCOME_OF_ARENA_WINNER, BattleSource, Outcome, VoteSource
from evalatlas.store import ArenaRecords, NewBattle, VoteRequest

# The CSV layout's winners, and "bothbad" as some logs spell it.
CSV_WINNERS: dict[str, Outcome] = {winner: outcome for outcome, winner in CSV_WINNER_OF.items()}
CSV_WINNERS["bothbad"] = Outcome.BOTH_BAD
CSV_COLUMNS = ("left", "right", "winner")
_OTHER_SIDE = {"model_a": "model_b", "left": "right"}
READ_SIZE = 1 << 20  # characters read at a time from a JSON array
CHUNK_BATTLES = 5_000  # battles stored per chunk
# A JSON item that is still undecodable with this much text after its start is bad, not
# cut at the buffer's end: no battle is this long, and memory stays bounded.
MAX_ITEM_CHARS = 64 << 20
# A decode error this close to the buffer's end may be an item cut there (a literal, an
# escape or a number split in two): read more before calling it bad.
CUT_SLACK = 16
LINES_PER_REPORT = 4_096
_SPACE = re.compile(r"[ \t\r\n]*")

# (style feature, conv_metadata key, what an error calls it) for each answer: a key holds a
# count, or a mapping of counts that are summed (e.g. headers by level).
_STYLE_KEYS = {
    side: (
        ("length", f"sum_assistant_{side}_tokens", "sum_assistant_tokens"),
        ("headers", f"header_count_{side}", "header_count"),
        ("lists", f"list_count_{side}", "list_count"),
        ("bold", f"bold_count_{side}", "bold_count"),
    )
    for side in ("a", "b")
}

# What json.dumps(row, sort_keys=True, ensure_ascii=False, default=str) uses, made once
# (json.dumps makes a new encoder per call with these options): the text battle ids hash.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)

ReadProgress = Callable[[int], None]
"""Told the number of bytes of the file read so far, now and then."""


@dataclass(frozen=True)
class ImportedBattles:
    battles: list[NewBattle]
    votes: list[VoteRequest]

    @property
    def models(self) -> set[str]:
        return {b.model_a for b in self.battles} | {b.model_b for b in self.battles}


@dataclass(frozen=True)
class CheckedLog:
    """What the checking pass keeps of a battle log."""

    battles: int
    models: frozenset[str]


@dataclass(frozen=True)
class ImportSummary:
    added: int
    present: int
    models: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Fields:
    """The checked fields of one row: everything a battle and its vote are built from."""

    model_a: str
    model_b: str
    outcome: Outcome
    voter: str
    prompt: str = ""
    category: str | None = None
    language: str | None = None
    turn: int | None = None
    style_a: dict[str, float] | None = None
    style_b: dict[str, float] | None = None


def import_battle_log(
    path: Path,
    records: ArenaRecords,
    *,
    chunk_size: int = CHUNK_BATTLES,
    read_size: int = READ_SIZE,
    checking: ReadProgress | None = None,
    storing: ReadProgress | None = None,
) -> ImportSummary:
    """Check every row of ``path``, then store its battles and votes in one transaction;
    battles already stored are skipped. A bad row raises DataError and stores nothing."""
    checked = check_battle_log(path, read_size=read_size, progress=checking)
    chunks = battle_chunks(path, chunk_size=chunk_size, read_size=read_size, progress=storing)
    added, present = records.add_battle_chunks(chunks)
    return ImportSummary(added, present, checked.models)


def read_battle_log(path: Path, *, read_size: int = READ_SIZE) -> ImportedBattles:
    """Every battle of ``path`` with its vote, in lists; DataError naming the line of a
    bad row."""
    battles: list[NewBattle] = []
    votes: list[VoteRequest] = []
    for battle, vote in iter_battles(path, read_size=read_size):
        battles.append(battle)
        votes.append(vote)
    imported = ImportedBattles(battles, votes)
    _require_battles(path, len(battles), imported.models)
    return imported


def check_battle_log(
    path: Path, *, read_size: int = READ_SIZE, progress: ReadProgress | None = None
) -> CheckedLog:
    """Check every row of ``path`` keeping only the count and the model names;
    DataError naming the line of the first bad row."""
    count = 0
    models: set[str] = set()
    for line, row, is_csv in _rows(path, read_size, progress):
        fields = _csv_fields(path, line, row) if is_csv else _arena_fields(path, line, row)
        models.add(fields.model_a)
        models.add(fields.model_b)
        count += 1
    _require_battles(path, count, models)
    return CheckedLog(count, frozenset(models))


def iter_battles(
    path: Path, *, read_size: int = READ_SIZE, progress: ReadProgress | None = None
) -> Iterator[tuple[NewBattle, VoteRequest]]:
    """Each battle of ``path`` with its vote, in file order, read as they are needed."""
    seen: dict[bytes, int] = {}
    for line, row, is_csv in _rows(path, read_size, progress):
        fields = _csv_fields(path, line, row) if is_csv else _arena_fields(path, line, row)
        yield _battle_and_vote(fields, _battle_id(row, seen))


def battle_chunks(
    path: Path,
    *,
    chunk_size: int = CHUNK_BATTLES,
    read_size: int = READ_SIZE,
    progress: ReadProgress | None = None,
) -> Iterator[tuple[list[NewBattle], list[VoteRequest]]]:
    """The battles of ``path`` with their votes, ``chunk_size`` at a time."""
    battles: list[NewBattle] = []
    votes: list[VoteRequest] = []
    for battle, vote in iter_battles(path, read_size=read_size, progress=progress):
        battles.append(battle)
        votes.append(vote)
        if len(battles) >= chunk_size:
            yield battles, votes
            battles, votes = [], []
    if battles:
        yield battles, votes


def _require_battles(path: Path, count: int, models: Iterable[str]) -> None:
    if count == 0:
        raise DataError(f"{path}: the file holds no battles; check that it is a battle log")
    if len(set(models)) < 2:
        raise DataError(f"{path}: every battle names the same model; ratings need two or more")


def _rows(
    path: Path, read_size: int, progress: ReadProgress | None
) -> Iterator[tuple[int, Any, bool]]:
    """(line, row, is CSV) of each row of the file, read as they are needed."""
    report = progress or (lambda _: None)
    is_csv = path.suffix.lower() == ".csv"
    try:
        with path.open("rb") as binary:
            # Universal newlines for JSON (line numbers as a text editor counts them); the
            # csv module wants the newlines untouched.
            text = io.TextIOWrapper(binary, encoding="utf-8", newline="" if is_csv else None)

            def tell() -> None:
                report(binary.tell())

            if is_csv:
                yield from ((line, row, True) for line, row in _csv_rows(path, text, tell))
            else:
                items = _json_rows(path, text, read_size, tell)
                yield from ((line, row, False) for line, row in items)
            tell()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the battle log ({exc}); check the path") from exc


def _json_rows(
    path: Path, text: IO[str], read_size: int, tell: Callable[[], None]
) -> Iterator[tuple[int, Any]]:
    start = _first_text(text, read_size)
    if start.lstrip().startswith("["):
        yield from _ArrayItems(path, text, start, read_size, tell)
        return
    text.seek(0)
    for number, raw in enumerate(text, start=1):
        if number % LINES_PER_REPORT == 0:
            tell()
        if raw.strip():
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path} line {number}: not valid JSON ({exc.msg})") from exc


def _first_text(text: IO[str], read_size: int) -> str:
    """The file's first reads, up to the one holding a character that is not a space."""
    start = ""
    while not start.strip():
        chunk = text.read(read_size)
        if not chunk:
            break
        start += chunk
    return start


class _ArrayItems:
    """The items of a top-level JSON array with the line each one starts on, decoded from a
    buffer refilled from the file: an item cut at the buffer's end is completed by the next
    read, and is an error only at the end of the file."""

    def __init__(
        self, path: Path, text: IO[str], start: str, read_size: int, tell: Callable[[], None]
    ) -> None:
        self._path, self._text, self._tell = path, text, tell
        self._read_size = read_size
        self._decoder = json.JSONDecoder()
        self._buffer = start
        self._position = start.index("[") + 1
        # Lines are counted incrementally (up to _counted_to): counting from the start for
        # every item would make a large log quadratic.
        self._line, self._counted_to = 1, 0
        self._eof = False

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        while True:
            if self._next_char() == "]":
                return
            line = self._line_at(self._position)
            yield line, self._decode()
            char = self._next_char()
            if char == ",":
                self._position += 1
            elif char != "]":
                line = self._line_at(self._position)
                raise DataError(f"{self._path} line {line}: expected ',' or ']' between battles")

    def _decode(self) -> Any:
        while True:
            try:
                item, end = self._decoder.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError as exc:
                if self._may_be_cut(exc) and self._fill():
                    continue
                line = self._line_at(exc.pos)
                raise DataError(f"{self._path} line {line}: not valid JSON ({exc.msg})") from exc
            # A number ending at the buffer's end may go on in the next read.
            if end == len(self._buffer) and self._fill():
                continue
            self._position = end
            return item

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        if len(self._buffer) - self._position > MAX_ITEM_CHARS:
            return False
        near_end = exc.pos >= len(self._buffer) - CUT_SLACK
        return near_end or exc.msg.startswith("Unterminated string")

    def _next_char(self) -> str:
        """The next character that is not a space ("" at the end of the file)."""
        while True:
            end = _SPACE.match(self._buffer, self._position)
            self._position = end.end() if end else self._position
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._fill():
                return ""

    def _line_at(self, position: int) -> int:
        self._line += self._buffer.count("\n", self._counted_to, position)
        self._counted_to = position
        return self._line

    def _fill(self) -> bool:
        """Drop what was decoded and append the next read; False at the end of the file."""
        if self._eof:
            return False
        chunk = self._text.read(self._read_size)
        self._tell()
        if not chunk:
            self._eof = True
            return False
        self._line_at(self._position)
        self._buffer = self._buffer[self._position :] + chunk
        self._position = self._counted_to = 0
        return True


def _csv_rows(
    path: Path, text: IO[str], tell: Callable[[], None]
) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(_reported_lines(text, tell))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise DataError(
            f"{path} line 1: the header lacks {', '.join(missing)}; "
            "a CSV battle log needs the columns left,right,winner"
        )
    reader.fieldnames = header
    for row in reader:
        yield reader.line_num, row


def _reported_lines(text: IO[str], tell: Callable[[], None]) -> Iterator[str]:
    for number, line in enumerate(text, start=1):
        if number % LINES_PER_REPORT == 0:
            tell()
        yield line


def _arena_fields(path: Path, line: int, row: Any) -> _Fields:
    if not isinstance(row, dict):  # what JSON decodes an object to (and fast to check)
        raise DataError(f"{path} line {line}: a battle must be a JSON object")
    model_a = _name(path, line, row, "model_a")
    model_b = _name(path, line, row, "model_b")
    winner = row.get("winner")
    if winner not in OUTCOME_OF_ARENA_WINNER:
        raise DataError(
            f"{path} line {line}: field 'winner' is {winner!r}; "
            "use model_a, model_b, tie or tie (bothbad)"
        )
    style_a, style_b = _conv_style(path, line, row.get("conv_metadata"))
    return _Fields(
        model_a=model_a,
        model_b=model_b,
        outcome=OUTCOME_OF_ARENA_WINNER[winner],
        voter=str(row.get("judge") or f"import:{path.name}")[:128],
        prompt=str(row.get("prompt") or ""),
        category=_optional_text(path, line, row, "category", 128),
        language=_optional_text(path, line, row, "language", 64),
        turn=_optional_turn(path, line, row),
        style_a=style_a,
        style_b=style_b,
    )


def _csv_fields(path: Path, line: int, row: dict[str, Any]) -> _Fields:
    model_a = _name(path, line, row, "left")
    model_b = _name(path, line, row, "right")
    winner = str(row.get("winner") or "").strip().lower()
    if winner not in CSV_WINNERS:
        raise DataError(
            f"{path} line {line}: column 'winner' is {winner!r}; use left, right, tie or both_bad"
        )
    return _Fields(
        model_a=model_a,
        model_b=model_b,
        outcome=CSV_WINNERS[winner],
        voter=str(row.get("voter") or f"import:{path.name}")[:128],
        category=_optional_text(path, line, row, "category", 128),
    )


def _battle_and_vote(fields: _Fields, battle_id: str) -> tuple[NewBattle, VoteRequest]:
    # Validated although every field was checked: pydantic's validation costs less than
    # its model_construct, and it guards the checks.
    battle = NewBattle(
        id=battle_id,
        source=BattleSource.IMPORT,
        created_by=fields.voter,
        prompt=fields.prompt,
        model_a=fields.model_a,
        model_b=fields.model_b,
        category=fields.category,
        language=fields.language,
        turn=fields.turn,
        style_a=fields.style_a,
        style_b=fields.style_b,
    )
    return battle, VoteRequest(battle_id, fields.outcome, fields.voter, VoteSource.HUMAN)


def _name(path: Path, line: int, row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{path} line {line}: field {field!r} is missing or empty; name a model")
    name = value.strip()
    if len(name) > 1024:
        raise DataError(f"{path} line {line}: field {field!r} is longer than 1024 characters")
    other = _OTHER_SIDE.get(field)
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
    style: dict[str, float] = {}
    # One loop, no helper calls: this runs for both answers of every battle, twice.
    for name, key, field in _STYLE_KEYS[side]:
        value = metadata[key]
        numbers = value.values() if isinstance(value, dict) else (value,)
        total = float(sum(map(float, numbers)))
        if not 0.0 <= total < math.inf:  # also refuses NaN
            raise ValueError(field)
        style[name] = total
    return style


def _battle_id(row: Mapping[str, Any], seen: dict[bytes, int]) -> str:
    text = _CANONICAL.encode(row)
    canonical = text.encode("utf-8", "surrogatepass")
    # Identical rows are counted by a short digest of the row, not the row itself, so a
    # log of long rows costs little memory here.
    key = hashlib.blake2b(canonical, digest_size=16).digest()
    seen[key] = occurrence = seen.get(key, 0) + 1
    digest = hashlib.sha256(canonical + f"#{occurrence}".encode()).hexdigest()
    return f"import-{digest[:40]}"
