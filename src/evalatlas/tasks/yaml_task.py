"""``YamlTask``: a task defined by a task file, reading its rows from the hub or a local copy.

Where rows come from:

- no data directory: the hub (``dataset_path``, ``dataset_name``, the split names);
- a data directory and a ``local_data`` block: the files it names, relative to the data
  directory (``{dataset_name}`` in a path is replaced), through its ``adapter``;
- a data directory and no ``local_data``: ``DIR/<dataset_path>[/<dataset_name>]/<split>``
  with extension ``.jsonl``, ``.json``, ``.csv`` or ``.parquet``.

A ``process_docs`` transform (``evalatlas.data.transforms``) then prepares every row read,
from the hub or a local file, evaluated or few-shot; rows written in the task file
(``fewshot_config.samples``) are used as written, as in lm-evaluation-harness.

The few-shot pool is ``fewshot_config.samples`` when the task file writes its examples
out, else ``fewshot_split`` (else ``training_split``, ``validation_split``, ``test_split``).
When it is the evaluated split, or a ``local_data`` block names no few-shot file, examples
are drawn from the evaluated rows and a sample never sees itself. A few-shot file that is
named but absent leaves no pool: a run that asks for examples then fails, a 0-shot run
does not. So does the hub when the task's examples come only from a local file (BBH's
chain-of-thought prompts): the hub data set has no split that holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.data import FILE_FORMATS, DataSource, Sample, apply_transform, load_rows
from evalatlas.data.files import Row
from evalatlas.errors import ConfigError, DataError
from evalatlas.tasks.config import LocalFileConfig, TaskConfig, parse_task_config
from evalatlas.tasks.configured import ConfigTask
from evalatlas.tasks.row_rules import LocalRows, RowRules
from evalatlas.tasks.scorers import Scorer
from evalatlas.tasks.task import TaskData, TaskDefinition
from evalatlas.tasks.yaml_loader import read_task_files


@dataclass(frozen=True)
class SplitPlan:
    """The evaluated split and the few-shot pool's source.

    ``pool`` None: the pool is the evaluated split, unless ``pool_missing`` says why there
    is no pool at all. ``fewshot_elsewhere``: see ``TaskData``.
    """

    eval: DataSource
    pool: DataSource | None
    pool_missing: str | None = None
    fewshot_elsewhere: str | None = None


BUILTIN_ORIGIN = "<built-in task {}>"


class YamlTask(ConfigTask):
    """A task definition read from the hub or local files; a built-in definition may name
    its own ``scorer`` and ``rows`` rules (sample ids from a row field, the rows of a
    shared local file that are its own)."""

    def __init__(
        self,
        config: TaskConfig,
        *,
        origin: str,
        metadata: dict[str, Any] | None = None,
        scorer: Scorer | None = None,
        rows: RowRules | None = None,
    ) -> None:
        if config.dataset_path is None:
            raise ConfigError(f"{origin}: dataset_path is required")
        if config.eval_split() is None:
            raise ConfigError(f"{origin}: set test_split or validation_split")
        super().__init__(config, origin=origin, metadata=metadata, scorer=scorer)
        self.rows = rows or RowRules()
        self._definition: TaskDefinition | None = None

    @classmethod
    def builtin(
        cls, definition: dict[str, Any], scorer_of: Callable[[TaskConfig], Scorer], rows: RowRules
    ) -> YamlTask:
        """A built-in task: its definition (as a task file would hold it), the scorer
        made for the parsed definition, and its row rules."""
        origin = BUILTIN_ORIGIN.format(definition["task"])
        config = parse_task_config(definition, origin)
        return cls(config, origin=origin, scorer=scorer_of(config), rows=rows)

    @classmethod
    def from_file(cls, path: Path) -> YamlTask:
        """Read, include, validate and compile one task file."""
        raw, texts = read_task_files(path)
        task = cls.from_mapping(raw, origin=str(path))
        task._definition = TaskDefinition(raw, texts, str(path))
        return task

    @classmethod
    def from_mapping(
        cls, raw: dict[str, Any], *, origin: str, metadata: dict[str, Any] | None = None
    ) -> YamlTask:
        task = cls(parse_task_config(raw, origin), origin=origin, metadata=metadata)
        task._definition = TaskDefinition(dict(raw), {}, origin)
        return task

    def definition(self) -> TaskDefinition | None:
        # A built-in task adds Python to its definition (IFEval's checks, MATH's answers):
        # the mapping alone would rebuild another task, so it is rebuilt by name instead.
        return self._definition if type(self) is YamlTask else None

    def _hash_extra(self) -> dict[str, Any]:
        return super()._hash_extra() | self.rows.hash_extra()

    def make_sample(self, row: Mapping[str, Any], sample_id: str) -> Sample:
        ids = self.rows.ids
        key = sample_id if ids is None else ids.sample_id(row, sample_id, self.name)
        return super().make_sample(row, key)

    def load(self, data_dir: Path | None, limit: int | None) -> TaskData:
        data = self._load(data_dir, limit)
        if self.rows.ids is not None:
            for group in (data.samples, data.fewshot_pool):
                self.rows.ids.check_unique(group, data.source, self.name)
        return data

    def _load(self, data_dir: Path | None, limit: int | None) -> TaskData:
        if limit is not None and limit < 0:
            raise ConfigError(f"task {self.name}: limit must be >= 0, got {limit}")
        plan = self.plan_sources(data_dir)
        written = self.config.fewshot_config.samples
        if written is not None:
            eval_rows = self._rows(plan.eval, limit)
            written_in = "task definition" if self._is_builtin else "task file"
            pool = f"few-shot pool: {len(written)} rows of the {written_in}"
            source = f"{self._described(plan.eval)}; {pool}"
            return self.build_task_data(eval_rows, limit, list(written), source)
        if plan.pool is None and plan.pool_missing is None:
            eval_rows = self._rows(plan.eval)  # every row: they are also the few-shot pool
            pool_rows = None
            pool_note = "few-shot pool: the same rows"
        else:
            eval_rows = self._rows(plan.eval, limit)
            pool_rows = self._rows(plan.pool) if plan.pool is not None else []
            pool_note = (
                f"few-shot pool: {plan.pool.describe()}" if plan.pool else str(plan.pool_missing)
            )
        source = f"{self._described(plan.eval)}; {pool_note}"
        return self.build_task_data(eval_rows, limit, pool_rows, source, plan.fewshot_elsewhere)

    @property
    def _is_builtin(self) -> bool:
        return self.origin == BUILTIN_ORIGIN.format(self.name)

    def _local_rows(self, source: DataSource) -> LocalRows | None:
        """The selection of a local file's rows, when the task keeps only some."""
        return self.rows.local if source.file is not None else None

    def _described(self, source: DataSource) -> str:
        local = self._local_rows(source)
        return source.describe() + ("" if local is None else f" ({local.label})")

    def _rows(self, source: DataSource, limit: int | None = None) -> list[Row]:
        """The rows of ``source`` (of a local file, those the task keeps), through the
        task's ``process_docs`` transform if any."""
        local = self._local_rows(source)
        if local is None:
            rows = load_rows(source, limit)
        else:
            rows = local.select(load_rows(source), source)[:limit]
        if self.config.process_docs is None:
            return rows
        where = str(source.file) if source.file is not None else source.describe()
        return apply_transform(self.config.process_docs, rows, where)

    def plan_sources(self, data_dir: Path | None) -> SplitPlan:
        if data_dir is None:
            return self._hub_plan()
        if not data_dir.is_dir():
            raise DataError(f"{data_dir}: the data directory does not exist")
        if self.config.local_data is not None:
            return self._local_data_plan(data_dir)
        return self._conventional_plan(data_dir)

    def _hub_plan(self) -> SplitPlan:
        config = self.config
        kwargs = config.dataset_kwargs
        options: dict[str, Any] = {}
        if kwargs is not None and kwargs.data_files is not None:
            options["data_files"] = _plain(kwargs.data_files)
        if kwargs is not None and kwargs.data_dir is not None:
            options["data_dir"] = kwargs.data_dir
        revision = kwargs.revision if kwargs is not None else None

        def source(split: str) -> DataSource:
            return DataSource.hub(
                str(config.dataset_path),
                split=split,
                dataset_name=config.dataset_name,
                revision=revision,
                options=options,
            )

        eval_split = str(config.eval_split())
        pool_split = config.fewshot_source_split()
        if pool_split not in (None, eval_split):
            return SplitPlan(source(eval_split), source(str(pool_split)))
        local_pool = config.local_data.fewshot if config.local_data else None
        if local_pool is None:
            return SplitPlan(source(eval_split), None)
        # The examples are a local file's, not the evaluated rows': drawing them from the
        # hub's test split would be another task.
        path = self._fill_placeholders(local_pool.path)
        missing = f"no few-shot pool on the hub (it is the local file {path})"
        return SplitPlan(source(eval_split), None, missing, self._fewshot_elsewhere(local_pool))

    def _fewshot_elsewhere(self, pool: LocalFileConfig) -> str:
        path = self._fill_placeholders(pool.path)
        where = self._fill_placeholders(pool.comes_from) if pool.comes_from else path
        return f"{where}; pass a --data-dir holding {path}"

    def _local_data_plan(self, data_dir: Path) -> SplitPlan:
        local = self.config.local_data
        if local is None:  # pragma: no cover - the caller checked
            raise ValueError("no local_data block")

        def source(relative: str, file_format: str | None, adapter: str | None) -> DataSource:
            path = data_dir / self._fill_placeholders(relative)
            return DataSource.local(path, file_format=file_format, adapter=adapter)

        evaluated = source(local.test, local.format, local.adapter)
        pool_file = local.fewshot
        if pool_file is None:
            return SplitPlan(evaluated, None)
        pool = source(pool_file.path, pool_file.format, pool_file.adapter)
        if pool.file is not None and not pool.file.is_file():
            return SplitPlan(evaluated, None, f"no few-shot pool: {pool.file} is absent")
        return SplitPlan(evaluated, pool)

    def _fill_placeholders(self, relative: str) -> str:
        if "{dataset_name}" not in relative:
            return relative
        if not self.config.dataset_name:
            raise ConfigError(
                f"{self.origin}: local_data path {relative!r} uses {{dataset_name}}, "
                "but the task sets no dataset_name"
            )
        return relative.replace("{dataset_name}", self.config.dataset_name)

    def _conventional_plan(self, data_dir: Path) -> SplitPlan:
        bases = [data_dir / str(self.config.dataset_path)]
        if self.config.dataset_name:
            bases.insert(0, bases[0] / self.config.dataset_name)
        eval_split = str(self.config.eval_split())
        eval_file = _find_split_file(bases, eval_split)
        if eval_file is None:
            raise DataError(
                f"task {self.name}: no local file for split {eval_split!r}: looked for "
                f"{_patterns(bases, eval_split)}; add the file or a local_data block"
            )
        pool_split = self.config.fewshot_source_split()
        if pool_split in (None, eval_split):
            return SplitPlan(DataSource.local(eval_file), None)
        pool_file = _find_split_file(bases, str(pool_split))
        if pool_file is None:
            missing = f"no few-shot pool (looked for {_patterns(bases, str(pool_split))})"
            return SplitPlan(DataSource.local(eval_file), None, missing)
        return SplitPlan(DataSource.local(eval_file), DataSource.local(pool_file))


def _find_split_file(bases: list[Path], split: str) -> Path | None:
    for base in bases:
        for extension in FILE_FORMATS:
            candidate = base / f"{split}.{extension}"
            if candidate.is_file():
                return candidate
    return None


def _patterns(bases: list[Path], split: str) -> str:
    extensions = ",".join(FILE_FORMATS)
    return " or ".join(f"{base}/{split}.{{{extensions}}}" for base in bases)


def _plain(value: Any) -> Any:
    """Tuples from the frozen config back into the lists ``datasets`` expects."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
