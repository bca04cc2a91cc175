"""The eval card and metrics of one task of an lm-eval run, from what lm-eval recorded.

The protocol fields come from the results file: few-shot count (``n-shot``) and seed
(``config.fewshot_seed``), chat template and system prompt (their recorded SHA-256),
``--limit`` (the effective number of documents), generation settings (the task's
``generation_kwargs`` under the command line's ``gen_kwargs``), and the task's version and
hash (``task_hashes``: lm-eval's hash over every logged document, prompt and target). The
data fingerprint is the hash of the logged documents' hashes, in document order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

from evalatlas.errors import DataError
from evalatlas.interop.lm_eval_files import LmEvalOutput, SamplesFile
from evalatlas.interop.lm_eval_samples import METADATA_KEY, score_name
from evalatlas.scoring.intervals import t_interval
from evalatlas.scoring.stats import mean_metric
from evalatlas.store.records import EvalSpec, MetricRecord, SampleRecord

TOOL = "lm-eval"
BACKEND_PREFIX = "lm-eval/"
# How far a recorded mean may sit from the mean of the logged per-sample values: lm-eval
# and numpy sum in different orders, nothing more.
MEAN_TOLERANCE = 1e-9


def task_config(output: LmEvalOutput, task: str) -> dict[str, Any]:
    configs = output.results.get("configs")
    config = configs.get(task) if isinstance(configs, dict) else None
    if not isinstance(config, dict):
        raise DataError(f"{output.results_path}: no configs[{task!r}]; the file is incomplete")
    return config


def eval_spec(output: LmEvalOutput, task: str, records: list[SampleRecord]) -> EvalSpec:
    results, where = output.results, output.results_path
    config = _mapping(results.get("config"), f"{where}: 'config'")
    samples = output.samples[task]
    model_name = str(results.get("model_name") or _model_from_args(config) or "")
    if not model_name:
        raise DataError(f"{where}: no model_name recorded; cannot name the model")
    source = str(results.get("model_source") or config.get("model") or "unknown")
    return EvalSpec(
        model_reference=f"{source}:{model_name}",
        model_name=model_name,
        model_fingerprint=_fingerprint(config),
        backend=BACKEND_PREFIX + source,
        task=task,
        task_version=str(_per_task(results, "versions", task, where)),
        task_hash=str(_per_task(results, "task_hashes", task, where)),
        data_fingerprint=_data_fingerprint(records),
        num_fewshot=int(_per_task(results, "n-shot", task, where)),
        fewshot_seed=_fewshot_seed(config, int(_per_task(results, "n-shot", task, where)), where),
        limit=len(records) if config.get("limit") is not None else None,
        apply_chat_template=results.get("chat_template") is not None,
        chat_template_hash=results.get("chat_template_sha"),
        system_prompt_hash=results.get("system_instruction_sha"),
        fewshot_as_multiturn=bool(results.get("fewshot_as_multiturn")),
        generation_kwargs=_generation_kwargs(task_config(output, task), config),
        backend_settings=_backend_settings(output, task),
        versions=_versions(results),
        imported_from=_imported_from(output, samples),
    )


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DataError(f"{what} is missing or not an object; give the file lm-eval wrote")
    return value


def _per_task(results: Mapping[str, Any], key: str, task: str, where: object) -> Any:
    table = results.get(key)
    if not isinstance(table, dict) or table.get(task) is None:
        raise DataError(f"{where}: no {key}[{task!r}]; the file is incomplete")
    return table[task]


def _fewshot_seed(config: Mapping[str, Any], num_fewshot: int, where: object) -> int:
    seed = config.get("fewshot_seed")
    if isinstance(seed, int):
        return seed
    if num_fewshot == 0:
        return 0  # no example was drawn: the seed changes nothing
    raise DataError(
        f"{where}: {num_fewshot}-shot but no config.fewshot_seed recorded; the few-shot draw "
        "cannot be known (lm-eval 0.4.2 or later records it)"
    )


def _model_from_args(config: Mapping[str, Any]) -> str | None:
    args = config.get("model_args")
    if isinstance(args, dict):
        return str(args.get("pretrained") or args.get("model") or "") or None
    return None


def _fingerprint(config: Mapping[str, Any]) -> str:
    # lm-eval records a hub commit for hub models only; a local folder has none.
    sha = config.get("model_sha")
    revision = config.get("model_revision")
    return f"hub:{sha}" if sha else f"unrecorded (revision {revision or 'unknown'})"


def _data_fingerprint(records: list[SampleRecord]) -> str:
    hashes = [str(r.metadata.get(METADATA_KEY, {}).get("doc_hash", "")) for r in records]
    return hashlib.sha256("".join(hashes).encode("utf-8")).hexdigest()


def _generation_kwargs(task: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    settings = dict(task.get("generation_kwargs") or {})
    overrides = config.get("gen_kwargs")
    if isinstance(overrides, dict):
        settings.update(overrides)
    return settings


def _backend_settings(output: LmEvalOutput, task: str) -> dict[str, Any]:
    """What lm-eval recorded of the run and the task, as recorded, for the card."""
    n_samples = output.results.get("n-samples", {})
    return {
        "lm_eval_config": output.results.get("config"),
        "lm_eval_task_config": task_config(output, task),
        "lm_eval_n_samples": n_samples.get(task) if isinstance(n_samples, dict) else None,
    }


def _versions(results: Mapping[str, Any]) -> dict[str, str]:
    versions = {"lm_eval": str(results.get("lm_eval_version") or "unknown")}
    if results.get("transformers_version"):
        versions["transformers"] = str(results["transformers_version"])
    return versions


def _imported_from(output: LmEvalOutput, samples: SamplesFile) -> dict[str, str]:
    source = hashlib.sha256(f"{output.results_sha256}:{samples.sha256}".encode()).hexdigest()
    return {
        "tool": TOOL,
        "version": str(output.results.get("lm_eval_version") or "unknown"),
        "results_file": output.results_path.name,
        "samples_file": samples.path.name,
        "source": source,
    }


def metric_records(
    output: LmEvalOutput, task: str, records: list[SampleRecord]
) -> list[MetricRecord]:
    """One record per recorded metric: the mean of the logged per-sample values (checked
    against the recorded value) with its interval, or, for a metric lm-eval does not
    aggregate by mean, the recorded value and standard error."""
    recorded = _mapping(
        output.results["results"].get(task), f"{output.results_path}: results[{task!r}]"
    )
    directions = output.results.get("higher_is_better", {}).get(task, {})
    aggregations = _aggregations(task_config(output, task))
    found = []
    for key, value in recorded.items():
        metric, _, filter_name = key.partition(",")
        if not filter_name or "_stderr" in metric or not isinstance(value, int | float):
            continue
        name = score_name(metric, filter_name)
        higher = bool(directions.get(metric, True))
        if aggregations.get(metric, "mean") == "mean":
            found.append(_mean_record(output, task, name, float(value), records, higher))
        else:
            stderr = recorded.get(f"{metric}_stderr,{filter_name}")
            found.append(_recorded_record(name, float(value), stderr, len(records), higher))
    return found


def _aggregations(config: Mapping[str, Any]) -> dict[str, str]:
    entries = config.get("metric_list") or []
    return {
        str(e["metric"]): str(e.get("aggregation", "mean"))
        for e in entries
        if isinstance(e, dict) and "metric" in e
    }


def _mean_record(
    output: LmEvalOutput,
    task: str,
    name: str,
    value: float,
    records: list[SampleRecord],
    higher: bool,
) -> MetricRecord:
    scored = mean_metric([r.score(name) for r in records])
    if not math.isclose(scored.value, value, rel_tol=0.0, abs_tol=MEAN_TOLERANCE):
        raise DataError(
            f"{output.results_path}: {task} {name} is {value} but the samples file's values "
            f"average {scored.value}; the two files are not from the same run"
        )
    return MetricRecord(
        name=name,
        value=scored.value,
        stderr=scored.stderr,
        ci_low=scored.ci_low,
        ci_high=scored.ci_high,
        n=scored.n,
        n_unscored=scored.n_unscored,
        higher_is_better=higher,
    )


def _recorded_record(name: str, value: float, stderr: Any, n: int, higher: bool) -> MetricRecord:
    error = float(stderr) if isinstance(stderr, int | float) else math.nan
    low, high = t_interval(value, error, n) if math.isfinite(error) else (math.nan, math.nan)
    return MetricRecord(
        name=name, value=value, stderr=error, ci_low=low, ci_high=high, n=n, higher_is_better=higher
    )
