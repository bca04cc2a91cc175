"""Results brought in from, and written out for, other evaluation tools.

``lm_eval_*`` modules read and write lm-evaluation-harness output: its ``results_*.json``
(metrics and the recorded configuration) and the ``samples_<task>_*.jsonl`` files written
with ``--log_samples`` (per-sample arguments, responses, filtered responses and metrics).
An imported run is a stored result like any other, marked by ``EvalSpec.imported_from``.
"""

from evalatlas.interop.lm_eval_export import export_lm_eval
from evalatlas.interop.lm_eval_import import ImportedRun, import_lm_eval, read_lm_eval

__all__ = ["ImportedRun", "export_lm_eval", "import_lm_eval", "read_lm_eval"]
