"""Rows from local files: JSONL, JSON (a list of objects), CSV (with a header) and Parquet.

A JSON file may also keep its list of rows under one key of a top-level object
(``{"examples": [...]}``); the reader is then told that key (``rows_key``). A text file
(format ``text``) has no rows of its own: ``read_document`` returns its text for a text
adapter (``evalatlas.data.adapters``) to parse.

Every reader returns plain ``dict`` rows and turns a malformed file into a ``DataError``
that names the file and, where the format has lines, the line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalatlas.errors import DataError

Row = dict[str, Any]

FORMAT_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# The formats that hold rows; a text file needs an adapter that parses it.
FILE_FORMATS = ("jsonl", "json", "csv", "parquet")
TEXT_FORMAT = "text"


def format_of(path: Path) -> str:
    """The file format implied by the extension (``.jsonl``, ``.json``, ``.csv``, ``.parquet``)."""
    found = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(FORMAT_BY_SUFFIX))
        raise DataError(f"{path}: unknown data file extension; use one of {known}")
    return found


def read_rows(
    path: Path, file_format: str | None = None, *, rows_key: str | None = None
) -> list[Row]:
    """Read every row of ``path``; ``file_format`` overrides the extension.

    ``rows_key``: the rows are the list under this key of a JSON file's top-level object.
    """
    chosen = file_format or format_of(path)
    if chosen == TEXT_FORMAT:
        raise DataError(
            f"{path}: a text file has no rows of its own; name an adapter that parses it"
            " (local_data adapter)"
        )
    reader = _READERS.get(chosen)
    if reader is None:
        raise DataError(f"{path}: unknown data format {chosen!r}; use one of {FILE_FORMATS}")
    if rows_key is not None and chosen != "json":
        raise DataError(
            f"{path}: rows under the key {rows_key!r} need a JSON file, but this is {chosen}"
        )
    if not path.is_file():
        raise DataError(f"{path}: no such data file")
    if rows_key is not None:
        return read_json(path, rows_key=rows_key)
    return reader(path)


def read_document(path: Path, file_format: str | None = None) -> str:
    """The whole text of a text file, for a text adapter to parse into rows.

    Any extension will do: the adapter, not the extension, says the file is text.
    """
    if file_format not in (None, TEXT_FORMAT):
        raise DataError(
            f"{path}: its adapter reads a text file (format {TEXT_FORMAT}), not {file_format}"
        )
    if not path.is_file():
        raise DataError(f"{path}: no such data file")
    return _read_text(path)


def _read_text(path: Path) -> str:
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read ({error})") from None


def read_jsonl(path: Path) -> list[Row]:
    return [row for _, row in jsonl_rows(_read_text(path), path)]


def jsonl_rows(text: str, where: Path) -> list[tuple[int, Row]]:
    """Each non-blank line of JSONL ``text`` as (line number, object); DataError names
    ``where`` and the line when a line is not a JSON object."""
    rows: list[tuple[int, Row]] = []
    # split("\n"), not splitlines(): JSON strings may hold U+0085 or U+2028 unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}:{number}: invalid JSON ({error.msg})") from None
        if not isinstance(value, dict):
            kind = type(value).__name__
            raise DataError(f"{where}:{number}: expected a JSON object per line, found {kind}")
        rows.append((number, value))
    return rows


def read_json(path: Path, *, rows_key: str | None = None) -> list[Row]:
    try:
        value = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise DataError(f"{path}:{error.lineno}: invalid JSON ({error.msg})") from None
    if rows_key is not None:
        if not isinstance(value, dict) or rows_key not in value:
            raise DataError(f"{path}: expected a JSON object holding its rows under {rows_key!r}")
        value = value[rows_key]
    if not isinstance(value, list):
        kind = type(value).__name__
        raise DataError(f"{path}: expected a JSON list of objects, found {kind}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            kind = type(item).__name__
            raise DataError(f"{path}: item {index} is {kind}, expected a JSON object")
    return value


def read_csv(path: Path) -> list[Row]:
    # newline="": csv handles line ends itself, so U+0085 inside a field stays text.
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{path}: empty CSV file (a header row is required)") from None
    except csv.Error as error:
        raise DataError(f"{path}:1: malformed CSV header ({error})") from None
    if len(set(header)) != len(header) or not all(name.strip() for name in header):
        raise DataError(f"{path}:1: the CSV header needs unique, non-empty column names")
    rows: list[Row] = []
    try:
        for fields in reader:
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataError(
                    f"{path}:{reader.line_num}: expected {len(header)} fields "
                    f"({','.join(header)}), found {len(fields)}"
                )
            rows.append(dict(zip(header, fields, strict=True)))
    except csv.Error as error:
        raise DataError(f"{path}:{reader.line_num}: malformed CSV ({error})") from None
    return rows


def read_parquet(path: Path) -> list[Row]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as error:  # pyarrow.ArrowInvalid is a ValueError
        raise DataError(f"{path}: cannot read Parquet ({error})") from None
    rows: list[Row] = table.to_pylist()
    return rows


_READERS: dict[str, Callable[[Path], list[Row]]] = {
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "parquet": read_parquet,
}
