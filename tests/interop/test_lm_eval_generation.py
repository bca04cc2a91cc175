"""Importing a real lm-eval generation run (2-shot GSM8K, two answer filters): one record per
document with both filters' scores, the generations and filtered answers kept exactly, the
few-shot protocol and generation settings read from the config, and the lines written back
as lm-eval wrote them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalatlas.interop import export_lm_eval, import_lm_eval
from evalatlas.store import Store

pytestmark = [pytest.mark.shared_data, pytest.mark.hf, pytest.mark.slow]

FILTERS = ("strict-match", "flexible-extract")


def _only(folder: Path, pattern: str) -> Path:
    [found] = sorted(folder.rglob(pattern))
    return found


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_generation_run_with_two_filters_imports_and_exports_exactly(
    lm_eval_gsm8k_output: Path, tmp_path: Path
) -> None:
    logged = _lines(_only(lm_eval_gsm8k_output, "samples_*.jsonl"))
    recorded = json.loads(_only(lm_eval_gsm8k_output, "results_*.json").read_text("utf-8"))
    with Store.open(tmp_path / "ws") as store:
        [run] = import_lm_eval(store, lm_eval_gsm8k_output)
        records = store.load_samples(run.result.run_id)
        export_lm_eval(store, [run.result.run_id], tmp_path / "out")
    assert len(logged) == 2 * len(records) == 6  # one line per document and filter
    for line in logged:
        [record] = [r for r in records if r.sample_id == str(line["doc_id"])]
        assert record.requests[0]["prompt"] == line["arguments"]["gen_args_0"]["arg_0"]
        assert record.requests[0]["generation_kwargs"] == line["arguments"]["gen_args_0"]["arg_1"]
        assert record.responses[0]["text"] == line["resps"][0][0]
        assert record.scores[f"exact_match,{line['filter']}"] == line["exact_match"]
        [kept] = [f for f in record.metadata["lm_eval"]["filters"] if f["filter"] == line["filter"]]
        assert kept["filtered_resps"] == line["filtered_resps"]
    spec = run.result.spec
    task = "gsm8k_local"
    assert spec.num_fewshot == recorded["n-shot"][task] == 2
    assert spec.fewshot_seed == recorded["config"]["fewshot_seed"]
    assert spec.limit == 3
    assert spec.generation_kwargs == recorded["configs"][task]["generation_kwargs"]
    assert [m.name for m in run.result.metrics] == [f"exact_match,{f}" for f in FILTERS]
    for metric in run.result.metrics:
        assert metric.value == recorded["results"][task][metric.name]
        assert metric.n == 3
    assert _lines(_only(tmp_path / "out", "samples_gsm8k_local_*.jsonl")) == logged
    written = json.loads(_only(tmp_path / "out", "results_*.json").read_text("utf-8"))
    assert written["results"] == recorded["results"]
    assert written["task_hashes"] == recorded["task_hashes"]
