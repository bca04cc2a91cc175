"""Where a data set's rows come from: a Hugging Face hub data set or a local file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.data.adapters import read_adapted
from evalatlas.data.files import Row, read_rows
from evalatlas.errors import DataError

_REASON_LIMIT = 200


@dataclass(frozen=True)
class DataSource:
    """One split of a hub data set, or one local file (optionally through a row adapter).

    Build it with ``DataSource.hub(...)`` or ``DataSource.local(...)``.
    ``hub_options`` holds extra ``datasets.load_dataset`` keywords (``data_files``,
    ``data_dir``) as sorted pairs so the value stays hashable.
    """

    dataset_path: str | None = None
    dataset_name: str | None = None
    split: str | None = None
    revision: str | None = None
    hub_options: tuple[tuple[str, Any], ...] = ()
    file: Path | None = None
    file_format: str | None = None
    adapter: str | None = None

    def __post_init__(self) -> None:
        if (self.dataset_path is None) == (self.file is None):
            raise ValueError("DataSource needs exactly one of dataset_path or file")
        if self.dataset_path is not None and not self.split:
            raise ValueError("a hub DataSource needs a split")

    @classmethod
    def hub(
        cls,
        dataset_path: str,
        *,
        split: str,
        dataset_name: str | None = None,
        revision: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> DataSource:
        pairs = tuple(sorted((options or {}).items()))
        return cls(dataset_path, dataset_name, split, revision, hub_options=pairs)

    @classmethod
    def local(
        cls, file: Path, *, file_format: str | None = None, adapter: str | None = None
    ) -> DataSource:
        return cls(file=file, file_format=file_format, adapter=adapter)

    @property
    def is_hub(self) -> bool:
        return self.dataset_path is not None

    def describe(self) -> str:
        """``hub:PATH[/NAME]:SPLIT[@REVISION]`` or ``local:FILE[ (adapter NAME)]``."""
        if self.file is not None:
            suffix = f" (adapter {self.adapter})" if self.adapter else ""
            return f"local:{self.file}{suffix}"
        name = f"/{self.dataset_name}" if self.dataset_name else ""
        revision = f"@{self.revision}" if self.revision else ""
        return f"hub:{self.dataset_path}{name}:{self.split}{revision}"


def load_rows(source: DataSource, limit: int | None = None) -> list[Row]:
    """Every row of ``source`` (the first ``limit`` when given), as plain dicts."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    if source.file is not None:
        if source.adapter:
            rows = read_adapted(source.file, source.file_format, source.adapter)
        else:
            rows = read_rows(source.file, source.file_format)
        return rows if limit is None else rows[:limit]
    return _load_hub_rows(source, limit)


def _load_hub_rows(source: DataSource, limit: int | None) -> list[Row]:
    label = (
        source.dataset_path
        if not source.dataset_name
        else (f"{source.dataset_path} ({source.dataset_name})")
    )
    split = source.split if limit is None else f"{source.split}[:{limit}]"
    try:
        # Imported here: ``datasets`` is slow to import and most runs read local files.
        import datasets

        loaded = datasets.load_dataset(
            source.dataset_path,
            source.dataset_name,
            split=split,
            revision=source.revision,
            **dict(source.hub_options),
        )
        return [dict(row) for row in loaded]
    except Exception as error:  # the hub client raises many unrelated types; report any
        reason = _one_line(error)
        raise DataError(
            f"cannot load {label} split {source.split!r} from the Hugging Face hub "
            f"({reason}): pass --data-dir with a local copy"
        ) from None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no detail"
    if len(text) > _REASON_LIMIT:
        text = text[: _REASON_LIMIT - 3] + "..."
    return f"{type(error).__name__}: {text}"
