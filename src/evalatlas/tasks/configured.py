"""``ConfigTask``: a ``Task`` driven by a ``TaskConfig``, whatever supplies its rows.

Subclasses only say where rows come from (``load``): ``YamlTask`` reads the hub or local
files, the generated tasks build rows in Python. Samples from rows and prompts are here,
once; requests, scores and metrics are the task's ``Scorer``'s (``evalatlas.tasks.scorers``),
picked by ``output_type`` when the task is built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evalatlas.data import Sample, Target
from evalatlas.errors import ConfigError, DataError, did_you_mean
from evalatlas.prompts import parse_sampler, select_fewshot
from evalatlas.requests import AnyResponse
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.types import MetricValue
from evalatlas.tasks.config import TaskConfig
from evalatlas.tasks.prompting import BuiltPrompt, ChatMode, PromptParts, build_prompt
from evalatlas.tasks.scorers import Scorer, scorer_for
from evalatlas.tasks.task import PreparedSample, PromptOptions, SampleOutcome, Task, TaskData
from evalatlas.tasks.templates import DocField, as_choices, as_target


class ConfigTask(Task):
    def __init__(
        self,
        config: TaskConfig,
        *,
        origin: str,
        metadata: Mapping[str, Any] | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        """``scorer``: grading of the task's own; by default the one its ``output_type``
        and metrics describe, chosen here once."""
        self.scorer = scorer if scorer is not None else scorer_for(config)
        if self.scorer.output_type != config.output_type:
            raise ConfigError(
                f"{origin}: scorer {self.scorer.identity.name} answers"
                f" {self.scorer.output_type}, but the task's output_type is {config.output_type}"
            )
        self.config = config
        self.origin = origin
        self.name = config.task
        self.version = config.version
        self.output_type = self.scorer.kind
        self.group = config.group
        self.default_num_fewshot = config.num_fewshot
        self.description = config.summary or _summary(config)
        self.n_choices = _n_choices(config)
        self.sample_metadata: Mapping[str, Any] = dict(metadata or {})
        self._sampler = parse_sampler(config.fewshot_config.sampler)
        self._text = _field("doc_to_text", config.doc_to_text, origin)
        self._target = _field("doc_to_target", config.doc_to_target, origin)
        self._choice = _field("doc_to_choice", config.doc_to_choice, origin)
        self._description = DocField.compile("description", config.description, origin)

    # -- identity -------------------------------------------------------------------

    def content_hash(self) -> str:
        payload = {"config": self.config.model_dump(mode="json"), "version": self.version}
        payload.update(self._hash_extra())
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _hash_extra(self) -> dict[str, Any]:
        """What else defines the task's content (generated tasks: their generator; a
        scorer of its own: what it adds)."""
        return self.scorer.hash_extra()

    def metric_names(self) -> list[str]:
        return self.scorer.metric_names()

    def higher_is_better(self, metric: str) -> bool:
        known = self.metric_names()
        if metric not in known:
            raise ConfigError(
                f"task {self.name} has no metric {metric!r} (has: {', '.join(known)})."
                + did_you_mean(metric, known)
            )
        return self.scorer.higher_is_better(metric)

    def generation_kwargs(self) -> dict[str, Any]:
        return self.scorer.generation_kwargs()

    def random_baseline(self) -> float | None:
        return self.scorer.random_baseline(self.n_choices)

    def scorer_identity(self) -> ScorerIdentity:
        return self.scorer.identity

    # -- rows -> samples ----------------------------------------------------------------

    def build_task_data(
        self,
        eval_rows: Sequence[Mapping[str, Any]],
        limit: int | None,
        pool_rows: Sequence[Mapping[str, Any]] | None,
        source: str,
        fewshot_elsewhere: str | None = None,
    ) -> TaskData:
        """Samples (first ``limit`` rows) and the few-shot pool.

        ``pool_rows=None`` means the pool is the evaluated split itself: pool samples then
        share the evaluated samples' ids, so a sample is never its own example.
        ``fewshot_elsewhere``: see ``TaskData``.
        """
        if not eval_rows:
            raise DataError(f"task {self.name}: {source} has no rows")
        if pool_rows is None:
            pool = tuple(self.make_sample(row, str(i)) for i, row in enumerate(eval_rows))
            samples = pool[:limit] if limit is not None else pool
        else:
            shown = eval_rows[:limit] if limit is not None else eval_rows
            samples = tuple(self.make_sample(row, str(i)) for i, row in enumerate(shown))
            pool = tuple(self.make_sample(row, f"fewshot-{i}") for i, row in enumerate(pool_rows))
        fingerprint = _fingerprint(samples, pool)
        parts = {"evaluated": _fingerprint(samples), "few-shot pool": _fingerprint(pool)}
        return TaskData(samples, pool, fingerprint, source, fewshot_elsewhere, parts)

    def make_sample(self, row: Mapping[str, Any], sample_id: str) -> Sample:
        where = f"task {self.name}, sample {sample_id}"
        text = self._text.value(row, where) if self._text else ""
        choices: tuple[str, ...] = ()
        if self._choice is not None:
            choices = as_choices(self._choice.value(row, where), self._choice, where)
        raw_target = self._target.value(row, where) if self._target else ""
        converted = as_target(raw_target, has_choices=bool(choices))
        target = self.scorer.target(converted, choices, where)
        sample = Sample(
            id=sample_id,
            input=str(text),
            target=_checked_target(target, where),
            choices=choices,
            metadata={**self.sample_metadata, **self._row_metadata(row, where)},
            doc=dict(row),
        )
        self.scorer.check_sample(sample, where)
        return self.scorer.ready(sample, where)

    def _row_metadata(self, row: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The row fields named by ``metadata.sample_metadata`` (MMLU-Pro's ``category``)."""
        missing = [name for name in self.config.sample_metadata if name not in row]
        if missing:
            fields = ", ".join(map(str, row)) or "none"
            raise DataError(
                f"{where}: metadata.sample_metadata names field {missing[0]!r}, which the row"
                f" lacks (fields: {fields})"
            )
        return {name: row[name] for name in self.config.sample_metadata}

    # -- samples -> requests --------------------------------------------------------------

    def samples_with_examples(
        self, data: TaskData, options: PromptOptions
    ) -> list[tuple[Sample, tuple[Sample, ...]]]:
        """Each sample with its few-shot examples; the number asked for is checked, and a
        missing pool is a ``DataError`` saying where the examples come from."""
        k = self.default_num_fewshot if options.num_fewshot is None else options.num_fewshot
        if k < 0:
            raise ConfigError(f"task {self.name}: num_fewshot must be >= 0, got {k}")
        if k > 0 and not data.fewshot_pool:
            raise DataError(self._no_pool_message(k, data))
        return [
            (
                sample,
                tuple(
                    select_fewshot(
                        data.fewshot_pool,
                        k,
                        seed=options.fewshot_seed,
                        for_sample=sample.id,
                        sampler=self._sampler,
                    )
                ),
            )
            for sample in data.samples
        ]

    def prepare(self, data: TaskData, options: PromptOptions) -> list[PreparedSample]:
        mode = self._chat_mode(options)
        prepared: list[PreparedSample] = []
        for sample, examples in self.samples_with_examples(data, options):
            prompt = self._prompt(sample, examples, mode)
            prepared.append(
                PreparedSample(sample, prompt.text, self.scorer.requests(sample, prompt, options))
            )
        return prepared

    def _no_pool_message(self, k: int, data: TaskData) -> str:
        if data.fewshot_elsewhere is not None:
            return (
                f"{self.name}: the {k} few-shot examples come from {data.fewshot_elsewhere},"
                " or --num-fewshot 0"
            )
        return (
            f"task {self.name}: {k}-shot needs a few-shot pool, but there is none"
            f" ({data.source}); add the few-shot data or use --num-fewshot 0"
        )

    def _chat_mode(self, options: PromptOptions) -> ChatMode:
        return self.scorer.chat_mode(options, self.name)

    def _prompt(self, sample: Sample, examples: tuple[Sample, ...], mode: ChatMode) -> BuiltPrompt:
        return self.scorer.prompt(sample, lambda: self._task_prompt(sample, examples, mode))

    def _task_prompt(
        self, sample: Sample, examples: tuple[Sample, ...], mode: ChatMode
    ) -> BuiltPrompt:
        where = f"task {self.name}, sample {sample.id}"
        description = self._description.render(sample.doc, where) if self.config.description else ""
        parts = PromptParts(
            description,
            examples,
            sample.input,
            self.config.target_delimiter,
            self.config.fewshot_delimiter,
        )
        return build_prompt(parts, mode)

    # -- responses -> scores -> metrics -----------------------------------------------------

    def score(self, prepared: PreparedSample, responses: Sequence[AnyResponse]) -> SampleOutcome:
        if len(responses) != len(prepared.requests):
            raise ValueError(
                f"task {self.name}, sample {prepared.sample.id}: {len(responses)} responses"
                f" for {len(prepared.requests)} requests"
            )
        return self.scorer.score(prepared, responses)

    def aggregate(
        self, outcomes: Sequence[SampleOutcome], rng: np.random.Generator
    ) -> dict[str, MetricValue]:
        return self.scorer.aggregate(outcomes, rng)


def _field(key: str, spec: Any, origin: str) -> DocField | None:
    return None if spec is None else DocField.compile(key, spec, origin)


def _n_choices(config: TaskConfig) -> int | None:
    """``metadata.n_choices``, else the length of a constant choice list."""
    if config.n_choices is not None:
        return config.n_choices
    if config.output_type == "multiple_choice" and isinstance(config.doc_to_choice, tuple | dict):
        return len(config.doc_to_choice)
    return None


def _summary(config: TaskConfig) -> str:
    source = config.dataset_path or "generated data"
    if config.dataset_name:
        source += f" ({config.dataset_name})"
    return f"{config.output_type.replace('_', ' ')} on {source}"


def _checked_target(target: Any, where: str) -> Target:
    if isinstance(target, bool):
        return str(target)
    if isinstance(target, int | str):
        return target
    if isinstance(target, tuple) and all(isinstance(i, int) for i in target):
        return target
    raise DataError(
        f"{where}: doc_to_target gave {type(target).__name__} {target!r}; expected an index,"
        " an answer string, or (for mc2) one label per choice"
    )


def _fingerprint(*groups: Sequence[Sample]) -> str:
    digest = hashlib.sha256()
    for group in groups:
        for sample in group:
            line = json.dumps(sample.doc, sort_keys=True, ensure_ascii=False, default=str)
            digest.update(line.encode("utf-8") + b"\n")
        digest.update(b"--\n")
    return digest.hexdigest()
