"""Planning: load data, build every request and the EvalSpec before any model work.

An unsupported request kind, a missing chat template or bad data fails here, before the
first token is computed.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.models import Model
from evalatlas.prompts import ChatTemplate, template_hash
from evalatlas.runner.executors.base import Executor
from evalatlas.runner.executors.local import LocalExecutor
from evalatlas.store.records import EvalSpec
from evalatlas.tasks.task import PreparedSample, PromptOptions, Task, TaskData

# The card fields that describe one task's files and data: an aggregate (a group or suite
# result, built from its first member's spec) clears them rather than show one member's.
MEMBER_CARD_FIELDS: dict[str, Any] = {
    "task_files": {},
    "task_config": None,
    "task_origin": None,
    "data_source": None,
    "split_fingerprints": {},
}


@dataclass(frozen=True)
class EvalConfig:
    """What a user chooses for a run (everything but the model and the tasks)."""

    limit: int | None = None
    num_fewshot: int | None = None
    fewshot_seed: int = 1234
    apply_chat_template: bool = False
    system_prompt: str | None = None
    fewshot_as_multiturn: bool = False
    data_dir: Path | None = None
    force: bool = False
    bootstrap_seed: int = 0
    use_cache: bool = True  # reuse and keep model responses in the store's response cache
    # How the requests are answered (here, or on Ray): it changes no number of the result.
    executor: Executor = field(default_factory=LocalExecutor, compare=False)


@dataclass(frozen=True)
class PlannedTask:
    task: Task
    data: TaskData
    prepared: tuple[PreparedSample, ...]
    spec: EvalSpec

    @property
    def request_count(self) -> int:
        return sum(len(p.requests) for p in self.prepared)


def plan_tasks(model: Model, tasks: list[Task], config: EvalConfig) -> list[PlannedTask]:
    check_config(config)
    options = prompt_options(model, config)
    planned = [plan_task(model, task, config, options) for task in tasks]
    model.check_kinds({r.kind for p in planned for s in p.prepared for r in s.requests})
    return planned


def check_config(config: EvalConfig) -> None:
    if config.limit is not None and config.limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {config.limit}")
    if config.num_fewshot is not None and config.num_fewshot < 0:
        raise ConfigError(f"--num-fewshot must be 0 or more, got {config.num_fewshot}")
    if config.fewshot_as_multiturn and not config.apply_chat_template:
        raise ConfigError("--fewshot-as-multiturn needs --apply-chat-template")
    if config.data_dir is not None and not config.data_dir.is_dir():
        raise ConfigError(f"--data-dir {config.data_dir} is not a directory")


def prompt_options(model: Model, config: EvalConfig) -> PromptOptions:
    template: ChatTemplate | None = None
    chat_messages = False
    if config.apply_chat_template:
        info = model.info
        if info.chat_template:
            template = ChatTemplate(info.chat_template, info.bos_token or "", info.eos_token or "")
        elif info.backend == "openai":
            chat_messages = True  # the server applies its own template
        else:
            raise ConfigError(
                f"model {info.reference!r} has no chat template (a base model?): "
                "drop --apply-chat-template"
            )
    return PromptOptions(
        num_fewshot=config.num_fewshot,
        fewshot_seed=config.fewshot_seed,
        chat_template=template,
        system_prompt=config.system_prompt,
        fewshot_as_multiturn=config.fewshot_as_multiturn,
        chat_messages=chat_messages,
    )


def plan_task(
    model: Model,
    task: Task,
    config: EvalConfig,
    options: PromptOptions,
    data: TaskData | None = None,
) -> PlannedTask:
    """Requests and spec of one task (``data``: already loaded, else loaded here)."""
    if data is None:
        data = task.load(config.data_dir, config.limit)
    prepared = tuple(task.prepare(data, options))
    spec = build_spec(model, task, data, config, options)
    return PlannedTask(task, data, prepared, spec)


def build_spec(
    model: Model, task: Task, data: TaskData, config: EvalConfig, options: PromptOptions
) -> EvalSpec:
    info = model.info
    scorer = task.scorer_identity()
    num_fewshot = task.default_num_fewshot if config.num_fewshot is None else config.num_fewshot
    return EvalSpec(
        model_reference=info.reference,
        model_name=info.name,
        model_fingerprint=info.fingerprint,
        backend=info.backend,
        task=task.name,
        task_version=task.version,
        task_hash=task.content_hash(),
        data_fingerprint=data.fingerprint,
        num_fewshot=num_fewshot,
        fewshot_seed=config.fewshot_seed,
        limit=config.limit,
        apply_chat_template=config.apply_chat_template,
        chat_template_hash=options.chat_template.hash if options.chat_template else None,
        system_prompt_hash=template_hash(config.system_prompt),
        fewshot_as_multiturn=config.fewshot_as_multiturn,
        generation_kwargs=task.generation_kwargs(),
        backend_settings={"chat_messages": options.chat_messages},
        versions=_versions(info.versions),
        scorer=scorer.as_record() if scorer is not None else None,
        **_card_fields(model, task, data, config, options),
    )


def _card_fields(
    model: Model, task: Task, data: TaskData, config: EvalConfig, options: PromptOptions
) -> dict[str, Any]:
    """The eval card's full texts and origins (``CARD_FIELDS``), kept beside the hashes."""
    definition = task.definition()
    return {
        "system_prompt": config.system_prompt,
        "chat_template": options.chat_template.source if options.chat_template else None,
        "task_files": dict(definition.files) if definition else {},
        # As JSON reads it back: a YAML date or tuple must not change when stored.
        "task_config": json.loads(dumps(dict(definition.config), default=str))
        if definition
        else None,
        "task_origin": definition.origin if definition else None,
        "data_source": data.source,
        "data_dir": str(config.data_dir.resolve()) if config.data_dir else None,
        "split_fingerprints": dict(data.split_fingerprints),
        "model_details": dict(model.info.metadata),
        "batch_size": model.fixed_batch_size,
    }


def _versions(backend_versions: dict[str, str]) -> dict[str, str]:
    versions = dict(backend_versions)
    for package in ("evalatlas", "numpy", "datasets"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions
