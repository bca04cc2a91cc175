"""Tasks: data source + prompt format + request kind + scorers + metrics.

Defined in task files (a documented subset of lm-evaluation-harness task YAML, see
docs/tasks.md) or in Python (generated tasks). ``resolve_tasks`` finds them by name.
"""

from evalatlas.tasks.config import TaskConfig, parse_task_config
from evalatlas.tasks.configured import ConfigTask
from evalatlas.tasks.generated import ArithmeticSpec, ArithmeticTask, arithmetic_rows
from evalatlas.tasks.ifeval import ifeval_task
from evalatlas.tasks.registry import (
    TaskSummary,
    group_members,
    list_tasks,
    resolve_tasks,
    task_groups,
)
from evalatlas.tasks.task import (
    PreparedSample,
    PromptOptions,
    SampleOutcome,
    Task,
    TaskData,
)
from evalatlas.tasks.yaml_task import YamlTask

__all__ = [
    "ArithmeticSpec",
    "ArithmeticTask",
    "ConfigTask",
    "PreparedSample",
    "PromptOptions",
    "SampleOutcome",
    "Task",
    "TaskConfig",
    "TaskData",
    "TaskSummary",
    "YamlTask",
    "arithmetic_rows",
    "group_members",
    "ifeval_task",
    "list_tasks",
    "parse_task_config",
    "resolve_tasks",
    "task_groups",
]
