"""What a replay needs before any model work: the task, the model file, the data folder.

The task is rebuilt from the registry (a built-in or generated task, by name) or from the
definition the card carries (a user's task file); either must hash to the card's
``task_hash``, or the task has changed. A model file named by the card must be where it
says, and a missing one is named with the hash it must have.
"""

from __future__ import annotations

from pathlib import Path

from evalatlas.errors import AtlasError, ConfigError, DataError, ModelError
from evalatlas.models.catalog import bundled_gguf_path
from evalatlas.models.refs import ModelRef, parse_model_ref
from evalatlas.store.records import EvalSpec
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.tasks.task import Task
from evalatlas.tasks.yaml_task import YamlTask


def rebuild_task(spec: EvalSpec) -> Task | str:
    """The card's task as this installation builds it, or why it cannot (the task changed).

    Raises ``ConfigError`` when nothing can be built: a task unknown here, and a card
    stored before cards carried the task's definition.
    """
    built = [task for task in (_registered(spec.task), _from_definition(spec)) if task]
    if not built:
        raise ConfigError(
            f"task {spec.task!r} is not known here and the card carries no task definition "
            "(stored before cards kept one); replay where the task file is installed"
        )
    for task in built:
        if task.content_hash() == spec.task_hash:
            return task
    hashes = " / ".join(task.content_hash()[:12] for task in built)
    return (
        f"task {spec.task!r} changed: its definition here hashes to {hashes}, "
        f"the card's to {spec.task_hash[:12]} (version {spec.task_version})"
    )


def check_complete(spec: EvalSpec) -> None:
    """Refuse a card stored before it kept the system prompt's text: the replay could not
    ask what the run asked. Refuse a result imported from another tool, too: it was not run
    here, and its card lacks what a run here needs (task definition, backend, data)."""
    if spec.imported_from is not None:
        tool = spec.imported_from.get("tool", "another tool")
        raise ConfigError(
            f"the result of task {spec.task!r} was imported from {tool}, not run here: it "
            "cannot be replayed; evaluate the model on the task here to compare"
        )
    if spec.system_prompt_hash is not None and spec.system_prompt is None:
        raise ConfigError(
            f"the card of task {spec.task!r} has a system prompt (hash "
            f"{spec.system_prompt_hash}) but not its text: it was stored before cards kept "
            "it, so it cannot be replayed; evaluate anew"
        )


def _registered(name: str) -> Task | None:
    try:
        found = resolve_tasks(name)
    except ConfigError:
        return None  # a user's task file: rebuilt from the card's definition
    return next((task for task in found if task.name == name), None)


def _from_definition(spec: EvalSpec) -> Task | None:
    if spec.task_config is None:
        return None
    origin = spec.task_origin or f"the card's task {spec.task}"
    return YamlTask.from_mapping(dict(spec.task_config), origin=origin)


def check_model_file(spec: EvalSpec) -> None:
    """Raise ``ModelError`` naming the model file and its expected hash when it is absent."""
    ref = parse_model_ref(spec.model_reference)
    expected = spec.model_fingerprint
    if ref.scheme == "bundled":
        try:
            bundled_gguf_path(ref.target)
        except AtlasError as error:
            raise ModelError(f"{error} (the card expects {expected})") from None
        return
    path = _local_path(ref)
    if path is not None and not path.exists():
        raise ModelError(
            f"model file {path} is absent; the card expects it with {expected}: "
            "put that file there and replay again"
        )


def _local_path(ref: ModelRef) -> Path | None:
    """The file or folder a reference names on this machine (None: a hub id, a server)."""
    if ref.scheme in ("llamacpp", "responses"):
        return Path(ref.target).expanduser()
    if ref.scheme == "hf":
        target = ref.target
        if target.startswith(("/", "~", ".")) or target.endswith(".gguf"):
            return Path(target).expanduser()
    return None


def replay_data_dir(spec: EvalSpec, override: Path | None) -> Path | None:
    """The data folder to read: ``override``, else the card's, which must exist here."""
    if override is not None:
        return override
    if spec.data_dir is None:
        return None
    folder = Path(spec.data_dir)
    if not folder.is_dir():
        raise DataError(
            f"the card read its data from {folder}, which is absent here; "
            "pass --data-dir with a copy of that folder"
        )
    return folder
