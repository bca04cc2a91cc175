"""Executors: how the planned requests of a run are answered.

``local`` (the default) answers them in this process through the ``Model`` facade; ``ray``
shards them across Ray actors that each load the model once. A run gives the same result
whatever the executor: the same requests, the same response cache, the same scoring.
"""

from evalatlas.runner.executors.base import Executor
from evalatlas.runner.executors.local import LocalExecutor
from evalatlas.runner.executors.open import open_executor
from evalatlas.runner.executors.spec import ExecutorSpec, parse_executor

__all__ = ["Executor", "ExecutorSpec", "LocalExecutor", "open_executor", "parse_executor"]
