"""The CLI end to end on the bundled real model (llama.cpp), a real SQLite workspace."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .test_bad_input import run_cli

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]
MODEL = "bundled:smollm2-135m-instruct"


def test_eval_stores_results_with_cis_and_reuses_them(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    first = run_cli(
        "eval",
        "--model",
        MODEL,
        "--tasks",
        "arithmetic_mc,arithmetic_gen",
        "--limit",
        "5",
        "--output",
        str(out),
        workspace=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert {r["spec"]["task"] for r in results} == {"arithmetic_mc", "arithmetic_gen"}
    for result in results:
        assert result["spec"]["model_fingerprint"].startswith("sha256:")
        for metric in result["metrics"]:
            assert metric["n"] == 5
            assert metric["ci_low"] <= metric["value"] <= metric["ci_high"]
    assert "95% CI" in first.stdout
    # The catalog's name, as every page shows it, not the GGUF's internal one.
    assert "smollm2-135m-instruct (bundled:smollm2-135m-instruct)" in first.stdout
    assert "Smollm2 135M" not in first.stdout

    again = run_cli(
        "eval", "--model", MODEL, "--tasks", "arithmetic_mc", "--limit", "5", workspace=tmp_path
    )
    assert again.returncode == 0 and "reusing stored run" in again.stdout

    run_id = next(r["run_id"] for r in results if r["spec"]["task"] == "arithmetic_mc")
    shown = run_cli("results", "show", run_id[:8], "--json", workspace=tmp_path)
    detail = json.loads(shown.stdout)
    assert len(detail["samples"]) == 5
    assert len(detail["samples"][0]["responses"]) == len(detail["samples"][0]["choices"])

    exported = tmp_path / "results.csv"
    assert (
        run_cli(
            "results", "export", "--format", "csv", "-o", str(exported), workspace=tmp_path
        ).returncode
        == 0
    )
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert {row["task"] for row in rows} == {"arithmetic_mc", "arithmetic_gen"}


def test_real_benchmarks_with_chat_template_and_system_prompt(
    tmp_path: Path, shared_data: Path
) -> None:
    out = tmp_path / "out.json"
    result = run_cli(
        "eval",
        "--model",
        MODEL,
        "--tasks",
        "arc_challenge,truthfulqa_mc2",
        "--limit",
        "4",
        "--apply-chat-template",
        "--system-prompt",
        "You are a careful expert.",
        "--data-dir",
        str(shared_data),
        "--output",
        str(out),
        workspace=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    by_task = {r["spec"]["task"]: r for r in payload}
    assert by_task["arc_challenge"]["spec"]["chat_template_hash"]
    assert by_task["arc_challenge"]["spec"]["system_prompt_hash"]
    shown = run_cli(
        "results", "show", by_task["arc_challenge"]["run_id"], "--json", workspace=tmp_path
    )
    prompt = json.loads(shown.stdout)["samples"][0]["prompt"]
    assert "<|im_start|>system\nYou are a careful expert." in prompt
    assert "An astronomer observes" in prompt
    mc2 = next(m for m in by_task["truthfulqa_mc2"]["metrics"] if m["name"] == "mc2")
    assert 0.0 < mc2["value"] < 1.0


def test_the_random_baseline_guesses_uniformly(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "out.json"
    result = run_cli(
        "eval",
        "--model",
        "random?seed=7",
        "--tasks",
        "arc_challenge",
        "--limit",
        "400",
        "--data-dir",
        str(shared_data),
        "--output",
        str(out),
        workspace=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [payload] = json.loads(out.read_text(encoding="utf-8"))
    acc = next(m for m in payload["metrics"] if m["name"] == "acc")
    # ARC-Challenge has 4 choices on almost every question: a uniform guess is near 0.25.
    assert acc["ci_low"] < 0.25 < acc["ci_high"]


def test_contexts_cut_to_a_small_window_are_counted_and_shown(
    tmp_path: Path, smollm2_gguf: Path
) -> None:
    # Twelve examples make most prompts longer than 256 tokens: their context is cut.
    model = f"llamacpp:{smollm2_gguf}?n_ctx=256&n_threads=1"
    out = tmp_path / "out.json"
    args = ("--tasks", "arithmetic_mc", "--limit", "6", "--num-fewshot", "12")
    ran = run_cli("eval", "--model", model, *args, "--output", str(out), workspace=tmp_path)
    assert ran.returncode == 0, ran.stderr
    [result] = json.loads(out.read_text(encoding="utf-8"))
    shown = ("results", "show", result["run_id"], "--json", "--samples", "6")
    detail = run_cli(*shown, workspace=tmp_path)
    samples = json.loads(detail.stdout)["samples"]
    cut = [s for s in samples if s["metadata"].get("truncated_requests")]
    assert 0 < result["truncated_samples"] == len(cut) < 6
    for sample in cut:
        flags = [response["truncated"] for response in sample["responses"]]
        assert sum(flags) == sample["metadata"]["truncated_requests"]
    line = (
        f"arithmetic_mc: {len(cut)} of 6 samples had their context cut from the left to fit "
        "the model's 256-token window"
    )
    assert line in ran.stdout
    assert line in run_cli("results", "show", workspace=tmp_path).stdout
