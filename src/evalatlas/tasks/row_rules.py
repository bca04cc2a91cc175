"""What a built-in task says about its rows beyond what a task file can: which row field
is a sample's id, and which rows of a shared local file are the task's.

IFEval keys its samples by the data set's ``key`` (answers generated elsewhere are keyed by
it); MATH-hard by the problem's ``idx`` where a row has one, and its seven subjects read
their Level 5 rows from one local copy of the whole MATH test set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalatlas.data import DataSource, Sample
from evalatlas.data.files import Row
from evalatlas.errors import DataError
from evalatlas.tasks.task import first_duplicate_id


@dataclass(frozen=True)
class RowIds:
    """A sample's id is the row's ``field``, which must be ``meaning`` (said in an error);
    one row is one ``item`` ("prompt", "problem"). A row without a field that is not
    ``required`` keeps its position as its id."""

    field: str
    meaning: str
    item: str
    required: bool = True

    def sample_id(self, row: Mapping[str, Any], position: str, task: str) -> str:
        value = row.get(self.field)
        if value is None and not self.required:
            return position
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
            said = (
                f"task {task}, row {position}: field {self.field!r} must be {self.meaning},"
                f" got {value!r}"
            )
            if not self.required:
                raise DataError(f"{said}; fix it or leave the field out")
            fields = ", ".join(map(str, row)) or "none"
            raise DataError(f"{said} (fields: {fields})")
        return str(value)

    def check_unique(self, samples: Sequence[Sample], source: str, task: str) -> None:
        """An answer keyed by id must name exactly one sample."""
        duplicate = first_duplicate_id(samples)
        if duplicate is not None:
            raise DataError(
                f"task {task}: {self.field} {duplicate} names two {self.item}s in {source};"
                f" every {self.item} needs its own {self.field}"
            )


@dataclass(frozen=True)
class LocalRows:
    """The rows of a local file that are the task's: those whose text fields have the
    given values (``values``: field and value pairs, e.g. level and type); ``label``
    names the selection where the data's source is described."""

    values: tuple[tuple[str, str], ...]
    label: str

    def select(self, rows: Sequence[Row], source: DataSource) -> list[Row]:
        return [
            row for number, row in enumerate(rows, start=1) if self._is_member(row, source, number)
        ]

    def _is_member(self, row: Row, source: DataSource, number: int) -> bool:
        for name, _ in self.values:
            if not isinstance(row.get(name), str):
                fields = ", ".join(map(str, row)) or "none"
                examples = " or ".join(repr(value) for _, value in self.values)
                raise DataError(
                    f"{source.file}: row {number}: field {name!r} must be text such as"
                    f" {examples} (fields: {fields})"
                )
        return all(row[name] == value for name, value in self.values)


@dataclass(frozen=True)
class RowRules:
    """A task's row rules: where sample ids come from (None: the row's position) and which
    rows of a local file it keeps (None: all of them)."""

    ids: RowIds | None = None
    local: LocalRows | None = None

    def hash_extra(self) -> dict[str, Any]:
        """What the rules add to the task's content hash: the local selection, which
        changes the samples without changing the task definition."""
        return {} if self.local is None else {"local_rows": dict(self.local.values)}
