"""Finding tasks by name: built-in task files, MMLU subjects, generated tasks, groups, paths.

``resolve_tasks("arc_challenge,mmlu,my_task.yaml")`` gives task objects in the order asked
(a group expands to its members; duplicates are dropped). Task objects are built fresh on
every call: resolving is cheap (no data is read) and callers own what they get.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.tasks.configured import ConfigTask
from evalatlas.tasks.generated import arithmetic_gen, arithmetic_mc
from evalatlas.tasks.ifeval import ifeval_task
from evalatlas.tasks.math_hard import math_hard_factories
from evalatlas.tasks.mmlu import MMLU_SUBJECTS, mmlu_task
from evalatlas.tasks.task import Task
from evalatlas.tasks.winogrande import WinograndeTask
from evalatlas.tasks.yaml_task import YamlTask

BUILTIN_DIR = Path(__file__).parent / "builtin"
TaskFactory = Callable[[], Task]


@dataclass(frozen=True)
class TaskSummary:
    name: str
    group: str | None
    output_type: str  # multiple_choice | generate_until | loglikelihood_rolling
    description: str
    default_num_fewshot: int


def _builtin_file_factory(path: Path) -> TaskFactory:
    return lambda: YamlTask.from_file(path)


def _mmlu_factory(subject: str) -> TaskFactory:
    return lambda: mmlu_task(subject)


@cache
def _factories() -> dict[str, TaskFactory]:
    factories: dict[str, TaskFactory] = {}
    # Files starting with "_" are templates that tasks include, not tasks. A benchmark with
    # many subtask files keeps them in a folder of its own (builtin/bbh/).
    for path in sorted(BUILTIN_DIR.rglob("*.yaml"), key=lambda found: found.stem):
        if not path.name.startswith("_"):
            factories[path.stem] = _builtin_file_factory(path)
    for subject in MMLU_SUBJECTS:
        factories[f"mmlu_{subject}"] = _mmlu_factory(subject)
    factories["arithmetic_mc"] = arithmetic_mc
    factories["arithmetic_gen"] = arithmetic_gen
    factories["ifeval"] = ifeval_task
    factories["winogrande"] = WinograndeTask
    factories.update(math_hard_factories())
    return factories


@cache
def _summaries() -> tuple[TaskSummary, ...]:
    summaries = []
    for name, factory in _factories().items():
        task = factory()
        if task.name != name:
            raise ConfigError(f"built-in task file {name}.yaml declares task {task.name!r}")
        summaries.append(_summary(task))
    return tuple(sorted(summaries, key=lambda summary: summary.name))


def _summary(task: Task) -> TaskSummary:
    output = task.config.output_type if isinstance(task, ConfigTask) else str(task.output_type)
    return TaskSummary(task.name, task.group, output, task.description, task.default_num_fewshot)


def list_tasks() -> list[TaskSummary]:
    """Every built-in task, sorted by name."""
    return list(_summaries())


def task_groups() -> dict[str, list[str]]:
    """Group name -> member task names, from the tasks' ``group`` fields."""
    groups: dict[str, list[str]] = {}
    for summary in _summaries():
        if summary.group:
            groups.setdefault(summary.group, []).append(summary.name)
    return groups


def group_members(group: str) -> list[str]:
    """The built-in tasks of ``group``, in name order; empty for a group none of them has."""
    return list(task_groups().get(group, []))


def resolve_tasks(spec: str | list[str]) -> list[Task]:
    """Tasks for comma-separated names, group names and paths to task files."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [item.strip() for item in items if item.strip()]
    if not names:
        raise ConfigError("no task given; name a task, a group or a task file")
    tasks: list[Task] = []
    seen: set[str] = set()
    for name in names:
        for task in _resolve_one(name):
            if task.name not in seen:
                seen.add(task.name)
                tasks.append(task)
    return tasks


def _resolve_one(name: str) -> list[Task]:
    if _looks_like_path(name):
        return [YamlTask.from_file(Path(name).expanduser())]
    factories = _factories()
    if name in factories:
        return [factories[name]()]
    groups = task_groups()
    if name in groups:
        return [factories[member]() for member in groups[name]]
    known = [*factories, *groups]
    raise ConfigError(
        f"unknown task or group {name!r}.{did_you_mean(name, known)}"
        f" Groups: {', '.join(sorted(groups))}; a task file path must end in .yaml"
    )


def _looks_like_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name
