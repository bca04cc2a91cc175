"""``export_lm_eval``: stored runs as lm-evaluation-harness output.

Runs are written as lm-eval lays out its ``--output_path``: a folder per model (its name
sanitised as lm-eval does) holding ``results_<stamp>.json`` and one
``samples_<task>_<stamp>.jsonl`` per task. Runs of one model made at the same moment (the
tasks of one imported lm-eval run) share a results file; any other run gets its own. An
imported run is written back from what lm-eval recorded; a run made here is written in the
same shapes from its card and records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from evalatlas.atomic_files import write_text_atomic
from evalatlas.errors import ConfigError
from evalatlas.interop.lm_eval_lines import hash_text, jsonl_text, lines_from_record
from evalatlas.interop.lm_eval_spec import BACKEND_PREFIX
from evalatlas.jsonio import dumps
from evalatlas.scoring.metrics import INSTRUCTION_LEVEL_METRICS
from evalatlas.scoring.perplexity import PERPLEXITY_METRICS
from evalatlas.store.records import EvalResult, SampleRecord
from evalatlas.store.workspace import Store

# lm-eval's own sanitising of a model name into a folder name.
_UNSAFE = re.compile(r"[\"<>:/\|\\?\*\[\]]+")
NOT_MEANS = frozenset(PERPLEXITY_METRICS) | frozenset(INSTRUCTION_LEVEL_METRICS)


@dataclass(frozen=True)
class _Task:
    result: EvalResult
    lines: list[dict[str, Any]]


def export_lm_eval(store: Store, run_ids: Sequence[str], folder: Path) -> list[Path]:
    """Write the runs ``run_ids`` (ids or unique prefixes) under ``folder``; returns the
    files written. Nothing is written when two runs of a group share a task name or a
    file to write already exists."""
    groups: dict[tuple[str, str], list[_Task]] = {}
    for run_id in run_ids:
        result = store.get_result(run_id)
        records = store.load_samples(result.run_id)
        key = (sanitised(result.spec.model_name), _stamp(result))
        groups.setdefault(key, []).append(_Task(result, _lines(records)))
    files: dict[Path, str] = {}
    for (model, stamp), tasks in groups.items():
        names = [t.result.spec.task for t in tasks]
        if len(set(names)) != len(names):
            raise ConfigError(
                f"two of the runs to export are of task {_duplicate(names)!r} for the same "
                "model at the same time; export them one at a time"
            )
        files[folder / model / f"results_{stamp}.json"] = dumps(results_json(tasks), indent=2)
        for task in tasks:
            name = f"samples_{task.result.spec.task}_{stamp}.jsonl"
            files[folder / model / name] = jsonl_text(task.lines)
    for path in files:
        if path.exists():
            raise ConfigError(f"{path} already exists; export into an empty folder")
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, text)
        except OSError as exc:
            raise ConfigError(
                f"cannot write {path}: {exc.strerror or exc}; choose a writable folder"
            ) from exc
    return list(files)


def sanitised(model_name: str) -> str:
    return _UNSAFE.sub("__", model_name)


def _stamp(result: EvalResult) -> str:
    moment = result.created_at.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat().replace(":", "-")


def _duplicate(names: list[str]) -> str:
    return next(name for name in names if names.count(name) > 1)


def _lines(records: list[SampleRecord]) -> list[dict[str, Any]]:
    """Every record's lines, filter by filter as lm-eval logs them (all documents under
    the first filter, then all under the next)."""
    by_filter: dict[str, list[dict[str, Any]]] = {}
    for position, record in enumerate(records):
        for line in lines_from_record(record, position):
            by_filter.setdefault(line["filter"], []).append(line)
    return [line for lines in by_filter.values() for line in lines]


def results_json(tasks: list[_Task]) -> dict[str, Any]:
    """The results file of runs of one model made together."""
    spec = tasks[0].result.spec
    recorded = spec.backend_settings.get("lm_eval_config")
    payload: dict[str, Any] = {
        key: {} for key in ("results", "group_subtasks", "configs", "versions", "n-shot")
    }
    payload.update({"higher_is_better": {}, "n-samples": {}, "task_hashes": {}})
    for task in tasks:
        _add_task(payload, task)
    source = spec.backend.removeprefix(BACKEND_PREFIX)
    payload.update(
        config=recorded if isinstance(recorded, dict) else _native_config(tasks[0].result),
        date=tasks[0].result.created_at.timestamp(),
        lm_eval_version=spec.versions.get("lm_eval"),
        model_source=source,
        model_name=spec.model_name,
        model_name_sanitized=sanitised(spec.model_name),
        system_instruction=None,
        system_instruction_sha=spec.system_prompt_hash,
        fewshot_as_multiturn=spec.fewshot_as_multiturn,
        chat_template=None,
        chat_template_sha=spec.chat_template_hash,
    )
    if spec.versions.get("transformers"):
        payload["transformers_version"] = spec.versions["transformers"]
    return payload


def _add_task(payload: dict[str, Any], task: _Task) -> None:
    result, spec = task.result, task.result.spec
    name = spec.task
    metrics: dict[str, Any] = {"name": name, "alias": name, "sample_len": result.n_samples}
    for metric in result.metrics:
        base, _, filter_name = metric.name.partition(",")
        metrics[f"{base},{filter_name or 'none'}"] = metric.value
        metrics[f"{base}_stderr,{filter_name or 'none'}"] = metric.stderr
    config = spec.backend_settings.get("lm_eval_task_config")
    if not isinstance(config, dict):
        config = _native_task_config(result, task.lines)
    version = config.get("metadata", {}).get("version", spec.task_version)
    counted = spec.backend_settings.get("lm_eval_n_samples")
    payload["results"][name] = metrics
    payload["configs"][name] = config
    payload["versions"][name] = version
    payload["n-shot"][name] = spec.num_fewshot
    payload["higher_is_better"][name] = {
        m.name.partition(",")[0]: m.higher_is_better for m in result.metrics
    }
    payload["n-samples"][name] = (
        counted if isinstance(counted, dict) else {"original": None, "effective": result.n_samples}
    )
    payload["task_hashes"][name] = hash_text(
        "".join(f"{x['doc_hash']}{x['prompt_hash']}{x['target_hash']}" for x in task.lines)
    )


def _native_config(result: EvalResult) -> dict[str, Any]:
    spec = result.spec
    return {
        "model": spec.backend,
        "model_args": {"reference": spec.model_reference, **spec.backend_settings},
        "limit": spec.limit,
        "fewshot_seed": spec.fewshot_seed,
        "gen_kwargs": spec.generation_kwargs,
    }


def _native_task_config(result: EvalResult, lines: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = {k for line in lines for k in _kinds(line)}
    output_type = "generate_until" if "generate_until" in kinds else "multiple_choice"
    if kinds == {"loglikelihood_rolling"}:
        output_type = "loglikelihood_rolling"
    return {
        "task": result.spec.task,
        "output_type": output_type,
        "num_fewshot": result.spec.num_fewshot,
        "metric_list": [
            {
                "metric": m.name,
                "aggregation": _aggregation(m.name),
                "higher_is_better": m.higher_is_better,
            }
            for m in result.metrics
        ],
        "metadata": {"version": result.spec.task_version},
    }


def _aggregation(metric: str) -> str:
    # Corpus perplexities are ratios of sums and IFEval's instruction-level accuracies pool
    # instructions over prompts: neither is the mean of per-sample values.
    return "corpus" if metric in NOT_MEANS else "mean"


def _kinds(line: dict[str, Any]) -> list[str]:
    kinds = []
    for args in line["arguments"].values():
        if isinstance(args.get("arg_1"), dict):
            kinds.append("generate_until")
        elif "arg_1" in args:
            kinds.append("loglikelihood")
        else:
            kinds.append("loglikelihood_rolling")
    return kinds
