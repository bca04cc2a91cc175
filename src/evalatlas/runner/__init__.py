"""evaluate(): plan -> execute -> score -> aggregate -> store."""

from evalatlas.runner.evaluate import evaluate
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.plan import EvalConfig
from evalatlas.runner.progress import NullProgress, ProgressReporter

__all__ = ["EvalConfig", "NullProgress", "ProgressReporter", "TaskOutcome", "evaluate"]
