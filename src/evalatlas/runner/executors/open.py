"""``--executor`` text to a ready executor."""

from __future__ import annotations

from evalatlas.runner.executors.base import Executor
from evalatlas.runner.executors.local import LocalExecutor
from evalatlas.runner.executors.spec import ExecutorKind, parse_executor


def open_executor(text: str, batch_size: int | None = None) -> Executor:
    """The executor ``text`` names (see ``spec``), connected; ``batch_size`` as for
    ``load_model`` (None: batches paced by time). Close it when the run is done."""
    spec = parse_executor(text)
    if spec.kind is ExecutorKind.LOCAL:
        return LocalExecutor()
    # Imported here: the Ray executor is an optional extra.
    from evalatlas.runner.executors.ray import RayExecutor

    return RayExecutor(spec, batch_size)
