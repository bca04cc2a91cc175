"""Runs made here, exported in lm-eval's shapes: a multiple-choice and a generation run of
the bundled SmolLM2 (llama.cpp) read back by the importer with every number intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.interop import export_lm_eval, import_lm_eval
from evalatlas.models import load_model
from evalatlas.runner.evaluate import evaluate
from evalatlas.runner.plan import EvalConfig
from evalatlas.store import Store
from evalatlas.tasks.registry import resolve_tasks

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]


def test_a_run_made_here_exports_and_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="needs pip install 'evalatlas[llamacpp]'")
    model = load_model("bundled:smollm2-135m-instruct?n_threads=1")
    with Store.open(tmp_path / "ws") as store:
        try:
            outcomes = evaluate(
                model, resolve_tasks("arithmetic_mc,arithmetic_gen"), EvalConfig(limit=3), store
            )
        finally:
            model.close()
        runs = [o.result.run_id for o in outcomes]
        native = {run: store.load_samples(run) for run in runs}
        written = export_lm_eval(store, runs, tmp_path / "out")
    assert len([p for p in written if p.name.startswith("results_")]) == 2
    [mc_lines] = [p for p in written if p.name.startswith("samples_arithmetic_mc_")]
    first = json.loads(mc_lines.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) >= {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps"}
    assert first["arguments"]["gen_args_0"].keys() == {"arg_0", "arg_1"}
    assert isinstance(first["resps"][0][0][0], str)  # lm-eval logs log-probs as text
    with Store.open(tmp_path / "again") as store:
        imported = import_lm_eval(store, tmp_path / "out")
    assert len(imported) == 2
    for run in imported:
        [outcome] = [o for o in outcomes if o.result.spec.task == run.result.spec.task]
        records = native[outcome.result.run_id]
        assert [r.scores for r in run.samples] == [r.scores for r in records]
        for theirs, mine in zip(run.samples, records, strict=True):
            if run.result.spec.task == "arithmetic_mc":
                assert [r["logprob"] for r in theirs.responses] == [
                    r["logprob"] for r in mine.responses
                ]
            else:
                assert [r["text"] for r in theirs.responses] == [r["text"] for r in mine.responses]
        assert [(m.name, m.value, m.n) for m in run.result.metrics] == [
            (m.name, m.value, m.n) for m in outcome.result.metrics
        ]
