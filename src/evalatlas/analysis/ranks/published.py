"""Reading a published ranking table (CSV text) into rows the store keeps.

Columns: ``model`` and ``score`` (higher is better), optionally ``ci_low`` and ``ci_high``
(both or neither, around the score) and ``n``; other columns are ignored. A row's model is
matched to a model of the workspace by its reference, else its display name, else its
model key (the id in the web app's URLs); a name shared by two models is refused, so that
nothing is matched by guess. Every problem is one line naming the file, the row (as the
file counts lines, the header being line 1) and the column; nothing is kept from a table
with any problem, except that ``skip_unknown`` leaves out (and lists) rows whose model
is not in the workspace.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evalatlas.errors import DataError
from evalatlas.store import PublishedScore

REQUIRED = ("model", "score")
OPTIONAL = ("ci_low", "ci_high", "n")
COLUMNS_TEXT = "model, score and optionally ci_low, ci_high, n"


@dataclass(frozen=True)
class KnownModels:
    """The workspace's models: every reference, and names that point at references."""

    references: frozenset[str]
    aliases: Mapping[str, frozenset[str]]  # display name or model key -> references

    @classmethod
    def of(cls, aliases: Iterable[tuple[str, str]], others: Iterable[str] = ()) -> KnownModels:
        """From (reference, display name or model key) pairs, and other references (arena
        contestants) known by reference only."""
        by_alias: dict[str, set[str]] = {}
        references = set(others)
        for reference, alias in aliases:
            by_alias.setdefault(alias, set()).add(reference)
            references.add(reference)
        return cls(frozenset(references), {a: frozenset(r) for a, r in by_alias.items()})

    def resolve(self, name: str) -> tuple[str | None, str]:
        """(reference, "") for a name that matches one model; (None, why) otherwise."""
        if name in self.references:
            return name, ""
        matches = self.aliases.get(name, frozenset())
        if len(matches) == 1:
            return next(iter(matches)), ""
        if matches:
            return (
                None,
                f"matches {len(matches)} models ({', '.join(sorted(matches))}); "
                "name it by reference",
            )
        return None, "matches no model of this workspace by reference, display name or key"


@dataclass(frozen=True)
class PublishedTable:
    scores: list[PublishedScore]
    skipped: list[str]  # models left out as unknown (``skip_unknown``), as the file names them


def read_published(
    text: str, where: str, known: KnownModels, *, skip_unknown: bool = False
) -> PublishedTable:
    """The rows of the CSV ``text`` read from ``where`` (a path, for messages)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise DataError(
            f"{where}: the file is empty; its first line must name the columns: {COLUMNS_TEXT}"
        )
    columns = _columns(header, where)
    table = PublishedTable([], [])
    first_line: dict[str, int] = {}
    for cells in reader:
        if any(cell.strip() for cell in cells):
            row = _RowReader(cells, columns, where, reader.line_num)
            _add_row(table, row, known, first_line, skip_unknown)
    if not table.scores:
        found = f"none of its {len(table.skipped)} models is in this workspace"
        raise DataError(f"{where}: nothing to import: {found if table.skipped else 'no rows'}")
    return table


def _add_row(
    table: PublishedTable,
    row: _RowReader,
    known: KnownModels,
    first_line: dict[str, int],
    skip_unknown: bool,
) -> None:
    """Add ``row`` to ``table`` (or to its skipped models); ``first_line`` remembers the
    line of each model seen, to name both lines of a duplicate."""
    label = row.text("model")
    reference, why = known.resolve(label)
    if reference is None:
        if not skip_unknown:
            raise DataError(
                f"{row.where}, column model: {label!r} {why}; fix the name, or pass "
                "--skip-unknown to leave such rows out"
            )
        table.skipped.append(label)
        return
    if reference in first_line:
        raise DataError(
            f"{row.where}, column model: {label!r} is the same model ({reference}) as line "
            f"{first_line[reference]}; a table names each model once"
        )
    first_line[reference] = row.line
    table.scores.append(row.score(reference, label))


def _columns(header: list[str], where: str) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    for name in REQUIRED:
        if name not in names:
            raise DataError(
                f"{where} line 1: no column {name!r} (found: {', '.join(names)}); "
                f"the columns are {COLUMNS_TEXT}"
            )
    wanted = [name for name in (*REQUIRED, *OPTIONAL) if name in names]
    for name in wanted:
        if names.count(name) > 1:
            raise DataError(
                f"{where} line 1: column {name!r} appears {names.count(name)} times; "
                "name each column once"
            )
    if ("ci_low" in names) != ("ci_high" in names):
        raise DataError(f"{where} line 1: give both ci_low and ci_high, or neither")
    return {name: names.index(name) for name in wanted}


class _RowReader:
    """One data row's cells by column name, with the row's place for messages."""

    def __init__(self, cells: list[str], columns: Mapping[str, int], path: str, line: int) -> None:
        self.cells, self.columns, self.line = cells, columns, line
        self.where = f"{path} line {line}"

    def text(self, column: str) -> str:
        index = self.columns.get(column)
        value = self.cells[index].strip() if index is not None and index < len(self.cells) else ""
        if column in REQUIRED and not value:
            raise DataError(f"{self.where}, column {column}: empty; every row needs a {column}")
        return value

    def number(self, column: str) -> float | None:
        value = self.text(column)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise DataError(f"{self.where}, column {column}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise DataError(f"{self.where}, column {column}: {value!r} is not a finite number")
        return number

    def count(self) -> int | None:
        value = self.text("n")
        if not value:
            return None
        if not value.isdigit():
            raise DataError(
                f"{self.where}, column n: {value!r} is not a whole number of samples or votes"
            )
        return int(value)

    def score(self, reference: str, label: str) -> PublishedScore:
        score = self.number("score")
        if score is None:  # text() already refuses an empty score; this names it for mypy
            raise DataError(f"{self.where}, column score: empty; every row needs a score")
        low, high = self.number("ci_low"), self.number("ci_high")
        if (low is None) != (high is None):
            raise DataError(f"{self.where}: give both ci_low and ci_high, or leave both empty")
        if low is not None and high is not None and not low <= score <= high:
            raise DataError(
                f"{self.where}, columns ci_low/ci_high: [{low:g}, {high:g}] does not "
                f"contain the score {score:g}"
            )
        return PublishedScore(reference, label, score, low, high, self.count())
