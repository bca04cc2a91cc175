"""``import_lm_eval``: lm-evaluation-harness output into the store, all or nothing.

Every task of every results file found becomes one stored run with its per-sample records.
Everything is read and checked before anything is written, and the runs are saved in one
transaction, so a bad file or a second import of the same files stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evalatlas.errors import ConfigError, DataError
from evalatlas.interop.lm_eval_files import LmEvalOutput, find_results_files, read_output
from evalatlas.interop.lm_eval_lines import hash_text
from evalatlas.interop.lm_eval_samples import METADATA_KEY, records_from_lines
from evalatlas.interop.lm_eval_spec import eval_spec, metric_records, task_config
from evalatlas.store.records import EvalResult, SampleRecord
from evalatlas.store.workspace import Store, new_run_id


@dataclass(frozen=True)
class ImportedRun:
    """One task of an lm-eval run, ready to store (or stored, with ``details_path``)."""

    result: EvalResult
    samples: list[SampleRecord]
    source: Path


def read_lm_eval(path: Path) -> list[ImportedRun]:
    """Every task with a samples file under ``path`` (a results file or a folder)."""
    runs: list[ImportedRun] = []
    for results_path in find_results_files(Path(path)):
        output = read_output(results_path)
        missing = sorted(set(_tasks(output)) - set(output.samples))
        if missing:
            raise DataError(
                f"{results_path}: no samples_<task>_*.jsonl beside it for "
                f"{', '.join(missing)}; re-run lm-eval with --log_samples"
            )
        runs += [_run(output, task) for task in _tasks(output)]
    return runs


def import_lm_eval(store: Store, path: Path) -> list[ImportedRun]:
    """Read ``path`` and store every run found in one transaction; a run already imported
    (same files) is refused, and then nothing is stored."""
    runs = read_lm_eval(path)
    seen: dict[str, Path] = {}
    for run in runs:
        spec_hash = run.result.spec_hash
        if spec_hash in seen:
            raise ConfigError(
                f"{run.source} repeats {seen[spec_hash]} (the same files twice); give one "
                "of them; nothing was imported"
            )
        earlier = store.find_finished(spec_hash)
        if earlier is not None:
            raise ConfigError(
                f"{run.source} ({run.result.spec.task}) is already imported as run "
                f"{earlier.run_id[:12]}; nothing was imported"
            )
        seen[spec_hash] = run.source
    saved = store.save_results([(run.result, run.samples) for run in runs])
    return [
        ImportedRun(result, run.samples, run.source)
        for result, run in zip(saved, runs, strict=True)
    ]


def _tasks(output: LmEvalOutput) -> list[str]:
    # Groups have results but no config and no samples of their own: their members do.
    configs = output.results.get("configs")
    names = configs if isinstance(configs, dict) else {}
    return [task for task in output.results["results"] if task in names]


def _run(output: LmEvalOutput, task: str) -> ImportedRun:
    samples = output.samples[task]
    output_type = str(task_config(output, task).get("output_type", ""))
    records = records_from_lines(samples.lines, output_type, str(samples.path))
    _check_task_hash(output, task, samples.lines)
    spec = eval_spec(output, task, records)
    result = EvalResult(
        run_id=new_run_id(),
        spec=spec,
        spec_hash=spec.spec_hash(),
        metrics=metric_records(output, task, records),
        created_at=_created_at(output),
        n_samples=len(records),
        random_baseline=_random_baseline(output_type, records),
    )
    return ImportedRun(result, records, samples.path)


def _check_task_hash(output: LmEvalOutput, task: str, lines: list[dict[str, object]]) -> None:
    """lm-eval's task hash is over the hashes of every logged line (document, prompt,
    target), in logged order: a samples file of another run does not reproduce it."""
    hashes = output.results.get("task_hashes")
    recorded = hashes.get(task) if isinstance(hashes, dict) else None
    if not recorded:
        return
    text = "".join(
        f"{line.get('doc_hash', '')}{line.get('prompt_hash', '')}{line.get('target_hash', '')}"
        for line in lines
    )
    if hash_text(text) != recorded:
        raise DataError(
            f"{output.samples[task].path} does not match task_hashes[{task!r}] of "
            f"{output.results_path.name}; the two files are not from the same run"
        )


def _created_at(output: LmEvalOutput) -> datetime:
    stamp = output.results.get("date")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(float(stamp), UTC)
    return datetime.fromtimestamp(output.results_path.stat().st_mtime, UTC)


def _random_baseline(output_type: str, records: list[SampleRecord]) -> float | None:
    """Uniform guessing's expected accuracy: the mean of 1 / choices over documents."""
    if output_type != "multiple_choice" or not records:
        return None
    if any(not r.choices for r in records):
        return None
    return sum(1.0 / len(r.choices) for r in records) / len(records)


__all__ = ["METADATA_KEY", "ImportedRun", "import_lm_eval", "read_lm_eval"]
